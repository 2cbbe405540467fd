"""Fixtures for the local AWS emulator: one process per session, a clean world per test.

@pytest.mark.aws
def test_something(aws: LocalAws) -> None:
    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName="c")
    assert aws.counters() == {"ecs:CreateCluster": 1}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import boto3
import pytest
from botocore.config import Config

from controller.sandbox.aws import AwsEmulator, EmulatorControl, FaultRule

T = TypeVar("T")


@dataclass
class LocalAws:
    """The emulator as one test sees it: fresh state, no faults, launch settings."""

    endpoint: str
    region: str
    control: EmulatorControl
    _session: Any = field(default=None, repr=False)

    def client(self, service_name: str, *, max_attempts: int = 3, **config: Any) -> Any:
        """A boto3 client bound to the emulator with dummy credentials; botocore's standard
        retry mode making at most `max_attempts` attempts in all (1: no retry). Extra keywords
        go to botocore's Config."""
        if self._session is None:
            self._session = boto3.session.Session(
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                region_name=self.region,
            )
        retries = {"mode": "standard", "total_max_attempts": max_attempts}
        return self._session.client(
            service_name, endpoint_url=self.endpoint, config=Config(retries=retries, **config)
        )

    def env(self) -> dict[str, str]:
        """Environment variables pointing a child process's boto3 at the emulator."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }

    def counters(self) -> dict[str, int]:
        """Calls per operation since the test began: {"ecs:CreateService": 1, ...}."""
        return self.control.counters()

    def reset_counters(self) -> None:
        self.control.reset_counters()

    def set_faults(
        self,
        *rules: FaultRule | Mapping[str, Any],
        token_buckets: bool = False,
        seed: int | None = None,
    ) -> dict[str, Any]:
        """Replace the fault rules, e.g. set_faults(FaultRule("throttle", "ecs:*", count=2))."""
        return self.control.set_faults(rules, token_buckets=token_buckets, seed=seed)

    def faults(self) -> dict[str, Any]:
        return self.control.faults()

    def settings(self, **changes: Any) -> dict[str, Any]:
        """Change timing switches for this test (rollout_seconds, drain_seconds,
        operation_seconds, fail_rollouts); answers the settings in force."""
        return self.control.settings(**changes)

    def reset(self) -> None:
        self.control.reset()

    @staticmethod
    def eventually(
        probe: Callable[[], T],
        until: Callable[[T], bool],
        timeout: float = 10.0,
        interval: float = 0.05,
    ) -> T:
        """Call `probe` until `until(result)` holds; the last result, or AssertionError."""
        from tests.operator_process import eventually

        return eventually(probe, until, timeout, interval)


@pytest.fixture(scope="session")
def aws_emulator() -> Iterator[AwsEmulator]:
    """The emulator process, shared by the whole session."""
    with AwsEmulator() as emulator:
        yield emulator


@pytest.fixture
def aws(aws_emulator: AwsEmulator) -> Iterator[LocalAws]:
    """The emulator reset to its launch state (no resources, counters, faults or changed
    settings) for one test."""
    control = aws_emulator.control
    control.reset()
    yield LocalAws(endpoint=aws_emulator.endpoint, region=aws_emulator.region, control=control)
    control.reset()  # no faults or odd settings left behind for session-wide users
