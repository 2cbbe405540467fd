"""Prometheus metrics: kopilot's own registry, and the small calls the rest of the code makes.

Names follow controller-runtime where a metric means the same thing (dashboards and alerts
made for controller-runtime operators work unchanged): `controller_runtime_reconcile_*`
with the kind as `controller`, and client-go's `leader_election_master_status`. What is
kopilot's own is `kopilot_*`. Every label takes its values from a bounded set (kinds,
results, condition reasons, AWS services, operations and error codes), never an object's
name or uid: one series per object would grow with the cluster. docs/metrics.md lists them.

The registry is not prometheus_client's global one, so tests that build several engines in
one process count into one place without registering anything twice.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any, Literal
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from . import __version__
from .reconcile.conditions import READY, SYNCED, find

# The `*_created` timestamp series double every counter and no dashboard reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)  # process_cpu_seconds_total, process_resident_memory_bytes
PlatformCollector(registry=REGISTRY)  # python_info
GCCollector(registry=REGISTRY)  # python_gc_*

Result = Literal["success", "error", "requeue", "requeue_after"]
RESULTS: tuple[Result, ...] = ("success", "error", "requeue", "requeue_after")
# A pass that raised past the engine's error policy (a status write refused, say): kopf
# retries the handler. The reason it is counted under.
UNHANDLED = "Unhandled"
LEASE_NAME = "kopilot"

# controller-runtime's buckets, so its dashboards' quantiles mean the same here.
_RECONCILE_BUCKETS = (
    *(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5),
    *(0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0),
    *(6.0, 7.0, 8.0, 9.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0),
)
# In place: under pacing.WAIT_IN_PLACE; deferred: up to a line of slots several minutes long.
_WAIT_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

RECONCILE_TOTAL = Counter(
    "controller_runtime_reconcile_total",
    "Total number of reconciliations per controller (kind) and result",
    ["controller", "result"],
    registry=REGISTRY,
)
RECONCILE_ERRORS = Counter(
    "controller_runtime_reconcile_errors_total",
    "Total number of reconciliation errors per controller (kind)",
    ["controller"],
    registry=REGISTRY,
)
TERMINAL_ERRORS = Counter(
    "controller_runtime_terminal_reconcile_errors_total",
    "Total number of terminal reconciliation errors per controller (kind)",
    ["controller"],
    registry=REGISTRY,
)
RECONCILE_TIME = Histogram(
    "controller_runtime_reconcile_time_seconds",
    "Length of time per reconciliation per controller (kind)",
    ["controller"],
    buckets=_RECONCILE_BUCKETS,
    registry=REGISTRY,
)
ERRORS_BY_REASON = Counter(
    "kopilot_reconcile_errors_total",
    "Reconcile passes that ended in an error, by controller (kind) and the error's reason "
    "(the Synced or Ready condition's reason)",
    ["controller", "reason"],
    registry=REGISTRY,
)
AWS_REQUESTS = Counter(
    "kopilot_aws_api_requests_total",
    "AWS API requests (every attempt, retries included) by service, operation and error "
    'code ("" when it succeeded)',
    ["service", "operation", "code"],
    registry=REGISTRY,
)
AWS_THROTTLED = Counter(
    "kopilot_aws_api_throttled_requests_total",
    "AWS API requests refused with a throttling error code, by service and operation",
    ["service", "operation"],
    registry=REGISTRY,
)
PACING_WAIT = Histogram(
    "kopilot_aws_pacing_wait_seconds",
    "Time until a paced AWS call's slot: waited for in place (mode=in_place) or handed back "
    "to the object, which comes back then (mode=deferred)",
    ["mode"],
    buckets=_WAIT_BUCKETS,
    registry=REGISTRY,
)
LEADER = Gauge(
    "leader_election_master_status",
    "1 when this process is the leader (reconciles), 0 when it stands by",
    ["name"],
    registry=REGISTRY,
)
BUILD_INFO = Gauge("kopilot_build_info", "kopilot's version", ["version"], registry=REGISTRY)
BUILD_INFO.labels(__version__).set(1)
# Without leader election every process leads; the leadership module sets 0 while it waits.
LEADER.labels(LEASE_NAME).set(1)


# -- reconcile passes ---------------------------------------------------------------------


def reconciled(kind: str, result: Result, seconds: float) -> None:
    """One reconcile pass of an object of `kind`, ended with `result`, took `seconds`."""
    if result not in RESULTS:
        raise ValueError(f"result must be one of {RESULTS}, not {result!r}")
    RECONCILE_TOTAL.labels(kind, result).inc()
    RECONCILE_TIME.labels(kind).observe(seconds)
    if result == "error":
        RECONCILE_ERRORS.labels(kind).inc()


def reconcile_error(kind: str, reason: str, terminal: bool) -> None:
    """A pass ended in an error with this condition reason (a CamelCase word of the code)."""
    ERRORS_BY_REASON.labels(kind, reason).inc()
    if terminal:
        TERMINAL_ERRORS.labels(kind).inc()


def result_of(outcome: str, status: Mapping[str, Any]) -> Result:
    """controller-runtime's `result` of a pass, from the engine's outcome and the status it
    left: a terminal pass, or one whose Synced condition is False (an error to retry), is an
    error; one that looks again later is requeue_after (kopilot always says when)."""
    synced = find(status.get("conditions"), SYNCED)
    if outcome == "terminal" or (
        outcome == "requeue" and synced is not None and synced.get("status") == "False"
    ):
        return "error"
    return "requeue_after" if outcome == "requeue" else "success"


class Pass:
    """A pass being measured; `done` says how it ended (without it, it raised)."""

    def __init__(self, kind: str, uid: str) -> None:
        self.kind, self.uid = kind, uid
        self.result: Result = "error"

    def done(self, outcome: str, status: Mapping[str, Any]) -> None:
        self.result = result_of(outcome, status)
        ready = find(status.get("conditions"), READY)
        if ready is not None and ready.get("reason"):
            set_ready_reason(self.kind, self.uid, str(ready["reason"]))


@contextlib.contextmanager
def measured(kind: str, uid: str) -> Iterator[Pass]:
    """Time one pass and count it by result; the object's Ready reason is what it left."""
    started = time.monotonic()
    measuring = Pass(kind, uid)
    try:
        yield measuring
    except BaseException:
        reconcile_error(kind, UNHANDLED, terminal=False)
        raise
    finally:
        reconciled(kind, measuring.result, time.monotonic() - started)


# -- objects by Ready reason ----------------------------------------------------------------


class ReadyReasons(Collector):
    """`kopilot_objects{kind, reason}`: how many objects' Ready condition says each reason,
    computed at scrape time from uid -> (kind, reason), so an object is counted once
    whatever its reason went through, and not at all once forgotten (deleted)."""

    def __init__(self) -> None:
        self._by_uid: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def set(self, kind: str, uid: str, reason: str) -> None:
        with self._lock:
            self._by_uid[uid] = (kind, reason)

    def forget(self, uid: str) -> None:
        with self._lock:
            self._by_uid.pop(uid, None)

    def counts(self) -> dict[tuple[str, str], int]:
        with self._lock:
            found = list(self._by_uid.values())
        counts: dict[tuple[str, str], int] = {}
        for key in found:
            counts[key] = counts.get(key, 0) + 1
        return counts

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "kopilot_objects",
            "Objects this process reconciles, by kind and their Ready condition's reason",
            labels=["kind", "reason"],
        )
        for (kind, reason), count in sorted(self.counts().items()):
            family.add_metric([kind, reason], count)
        yield family


READY_REASONS = ReadyReasons()
REGISTRY.register(READY_REASONS)


def set_ready_reason(kind: str, uid: str, reason: str) -> None:
    READY_REASONS.set(kind, uid, reason)


def forget(uid: str) -> None:
    """The object is gone (deleted, or released): it is no longer counted."""
    READY_REASONS.forget(uid)


# -- AWS calls ------------------------------------------------------------------------------


def aws_call(service: str, operation: str, code: str) -> None:
    """One attempt of an AWS call; `code` is its error code, "" when it succeeded."""
    AWS_REQUESTS.labels(service, operation, code).inc()


def throttled(service: str, operation: str) -> None:
    AWS_THROTTLED.labels(service, operation).inc()


def waited(seconds: float, deferred: bool = False) -> None:
    """A paced call's slot was `seconds` away: slept for, or handed back (deferred)."""
    PACING_WAIT.labels("deferred" if deferred else "in_place").observe(seconds)


def instrument(client: Any, throttle_codes: Collection[str]) -> None:
    """Count every attempt of this boto3 client's calls: botocore's needs-retry event comes
    after each one (with the response, or the exception that stopped it), retried or not."""
    model = client.meta.service_model
    client.meta.events.register(
        f"needs-retry.{model.service_id.hyphenize()}",
        functools.partial(_attempted, model.service_name, frozenset(throttle_codes)),
    )


def _attempted(
    service: str,
    throttle_codes: frozenset[str],
    operation: Any,
    response: Any = None,
    caught_exception: BaseException | None = None,
    **_: Any,
) -> None:
    code = attempt_code(response, caught_exception)
    aws_call(service, operation.name, code)
    if code in throttle_codes:
        throttled(service, operation.name)
    # None: says nothing of retrying (botocore and the pacer decide).


def attempt_code(response: Any, caught_exception: BaseException | None) -> str:
    """The error code of one attempt: AWS's, else the HTTP status of an error without one,
    else the exception's class (a connection error); "" when it succeeded."""
    if response is None:
        return type(caught_exception).__name__ if caught_exception is not None else ""
    http, parsed = response
    code = str(((parsed or {}).get("Error") or {}).get("Code") or "")
    status = getattr(http, "status_code", 200)
    return code or (str(status) if status >= 300 else "")


# -- leadership and serving ------------------------------------------------------------------


def set_leader(leading: bool, lease: str = LEASE_NAME) -> None:
    """Whether this process holds its Lease (`lease`: its name; one per process)."""
    LEADER.clear()  # a process has one Lease: no series left under another name
    LEADER.labels(lease).set(1 if leading else 0)


def address(text: str) -> tuple[str, int]:
    """HOST:PORT (":PORT" is every interface; "[::]:PORT" for IPv6) as (host, port)."""
    host, colon, port = text.rpartition(":")
    if not colon or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"expected HOST:PORT, such as 0.0.0.0:9090, got {text!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


def serve(at: str) -> WSGIServer:
    """Serve /metrics from kopilot's registry on a daemon thread (it ends with the process)."""
    host, port = address(at)
    server, _ = start_http_server(port, host, registry=REGISTRY)
    return server
