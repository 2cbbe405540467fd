"""Fault injection: throttling, server errors and latency per operation, and ECS's token buckets.

Rules name operations as IAM names actions ("ecs:CreateService"), with shell wildcards
("ecs:*", "*"). A rule fires on every matching call, or on a share of them (`rate`), until it
has fired `count` times. Injected errors never reach moto, so they change no state.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from .wire import AwsCall

FAULT_KINDS = ("throttle", "server_error", "latency")


@dataclass
class FaultRule:
    fault: str  # one of FAULT_KINDS
    operation: str = "*"
    count: int | None = None  # stop after firing this many times; None: never stop
    rate: float = 1.0  # chance that a matching call is hit
    latency_seconds: float = 0.0  # for "latency": added before the call reaches moto
    status: int | None = None  # HTTP status; default 400 for throttle, 500 for server_error
    code: str | None = None  # error code; default ThrottlingException / ServerException
    message: str | None = None
    fired: int = 0  # how many times it has fired since it was set

    def __post_init__(self) -> None:
        if self.fault not in FAULT_KINDS:
            raise ValueError(f"fault must be one of {FAULT_KINDS}, not {self.fault!r}")
        if self.count is not None and self.count < 0:
            raise ValueError("count must be >= 0")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        if self.latency_seconds < 0:
            raise ValueError("latency_seconds must be >= 0")
        if self.status is not None and not 400 <= self.status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultRule:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault rule fields: {sorted(unknown)}")
        return cls(**data)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def matches(self, operation: str) -> bool:
        return fnmatchcase(operation, self.operation)

    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count


@dataclass(frozen=True)
class InjectedError:
    status: int
    code: str
    message: str


@dataclass(frozen=True)
class Decision:
    delay: float = 0.0
    error: InjectedError | None = None


@dataclass(frozen=True)
class BucketSpec:
    burst: float  # bucket maximum capacity
    refill_per_second: float  # bucket refill rate
    operations: tuple[str, ...] = ()


# Amazon ECS API Reference, "Request throttling for the Amazon ECS API": one token bucket per
# account and Region for each group of actions; a call takes a token, buckets refill at a fixed
# rate up to their capacity, and an empty bucket answers ThrottlingException "Rate exceeded".
ECS_TOKEN_BUCKETS: dict[str, BucketSpec] = {
    "service-write": BucketSpec(50, 5, ("CreateService", "UpdateService", "DeleteService")),
    "service-read": BucketSpec(100, 20, ("DescribeServices", "ListServices")),
    "task-definition-write": BucketSpec(
        20, 1, ("RegisterTaskDefinition", "DeregisterTaskDefinition")
    ),
    "cluster-read": BucketSpec(50, 20, ("DescribeClusters", "ListClusters")),
}
# Every other ECS action: a generous shared bucket, so only the limits above ever bite.
ECS_OTHER_BUCKET = BucketSpec(200, 50)


class TokenBucket:
    def __init__(self, spec: BucketSpec, clock: Callable[[], float]) -> None:
        self._spec = spec
        self._clock = clock
        self._tokens = spec.burst
        self._last = clock()

    def take(self) -> bool:
        now = self._clock()
        elapsed, self._last = now - self._last, now
        self._tokens = min(self._spec.burst, self._tokens + elapsed * self._spec.refill_per_second)
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False


def ecs_bucket_group(operation: str) -> str:
    for group, spec in ECS_TOKEN_BUCKETS.items():
        if operation in spec.operations:
            return group
    return "other"


class FaultInjector:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._rules: list[FaultRule] = []
        self._token_buckets = False
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._random = random.Random()
        self._injected: dict[str, int] = {}
        self._launch: tuple[list[dict[str, Any]], bool, int | None] = ([], False, None)

    def configure(
        self, rules: Iterable[FaultRule], *, token_buckets: bool = False, seed: int | None = None
    ) -> None:
        """Replace every rule; buckets start full and the injected tally starts at zero."""
        with self._lock:
            self._rules = list(rules)
            self._token_buckets = token_buckets
            self._buckets = {}
            self._random = random.Random(seed)
            self._injected = {}

    def clear(self) -> None:
        self.configure([])

    def set_launch_configuration(
        self, rules: Iterable[FaultRule], *, token_buckets: bool = False, seed: int | None = None
    ) -> None:
        """What reset() returns to: the faults the emulator was started with."""
        self._launch = ([rule.as_dict() for rule in rules], token_buckets, seed)
        self.reset()

    def reset(self) -> None:
        rules, token_buckets, seed = self._launch
        fresh = [FaultRule.from_dict({**rule, "fired": 0}) for rule in rules]
        self.configure(fresh, token_buckets=token_buckets, seed=seed)

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "rules": [rule.as_dict() for rule in self._rules],
                "token_buckets": self._token_buckets,
                "injected": dict(sorted(self._injected.items())),
            }

    def decide(self, call: AwsCall) -> Decision:
        with self._lock:
            delay = 0.0
            error: InjectedError | None = None
            for rule in self._rules:
                if not rule.matches(call.name) or rule.exhausted():
                    continue
                if rule.fault == "latency":
                    if self._fires(rule):
                        delay += rule.latency_seconds
                elif error is None and self._fires(rule):
                    error = _error_for(rule, call)
            if error is None and self._token_buckets and not self._take_token(call):
                error = InjectedError(400, "ThrottlingException", "Rate exceeded")
            if error is not None:
                self._injected[call.name] = self._injected.get(call.name, 0) + 1
            return Decision(delay, error)

    def _fires(self, rule: FaultRule) -> bool:
        if rule.rate < 1.0 and self._random.random() >= rule.rate:
            return False
        rule.fired += 1
        return True

    def _take_token(self, call: AwsCall) -> bool:
        if call.service != "ecs":
            return True
        group = ecs_bucket_group(call.operation)
        key = (call.region, group)
        bucket = self._buckets.get(key)
        if bucket is None:
            spec = ECS_TOKEN_BUCKETS.get(group, ECS_OTHER_BUCKET)
            bucket = self._buckets[key] = TokenBucket(spec, self._clock)
        return bucket.take()


def _error_for(rule: FaultRule, call: AwsCall) -> InjectedError:
    if rule.fault == "throttle":
        return InjectedError(
            rule.status or 400, rule.code or "ThrottlingException", rule.message or "Rate exceeded"
        )
    # ECS models its 5xx as ServerException; InternalFailure is the code common to all services.
    default_code = "ServerException" if call.service == "ecs" else "InternalFailure"
    return InjectedError(
        rule.status or 500,
        rule.code or default_code,
        rule.message or "We encountered an internal error. Please try again.",
    )
