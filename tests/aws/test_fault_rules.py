"""The fault and throttling logic on its own, with a fake clock (no emulator needed)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from controller.sandbox.aws.faults import ECS_TOKEN_BUCKETS, FaultInjector, FaultRule
from controller.sandbox.aws.settings import EmulatorSettings
from controller.sandbox.aws.wire import AwsCall, identify


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _ecs(operation: str) -> AwsCall:
    return AwsCall("ecs", operation, "us-east-1", "json")


def test_token_buckets_follow_the_published_burst_and_refill() -> None:
    clock = FakeClock()
    faults = FaultInjector(clock)
    faults.configure([], token_buckets=True)
    spec = ECS_TOKEN_BUCKETS["service-write"]
    assert (spec.burst, spec.refill_per_second) == (50, 5)

    allowed = [faults.decide(_ecs("UpdateService")).error is None for _ in range(51)]
    assert allowed == [True] * 50 + [False]
    # Create/Update/DeleteService share the bucket; reads have their own.
    assert faults.decide(_ecs("CreateService")).error is not None
    assert faults.decide(_ecs("DescribeServices")).error is None
    clock.now = 1.0  # refill 5 per second
    allowed = [faults.decide(_ecs("DeleteService")).error is None for _ in range(6)]
    assert allowed == [True] * 5 + [False]
    # Buckets are per Region, and other services are never throttled by them.
    assert faults.decide(AwsCall("ecs", "UpdateService", "eu-west-1", "json")).error is None
    assert faults.decide(AwsCall("sts", "GetCallerIdentity", "us-east-1", "query")).error is None


def test_task_definition_bucket_refills_one_per_second() -> None:
    clock = FakeClock()
    faults = FaultInjector(clock)
    faults.configure([], token_buckets=True)
    assert sum(faults.decide(_ecs("RegisterTaskDefinition")).error is None for _ in range(25)) == 20
    clock.now = 2.5
    assert sum(faults.decide(_ecs("DeregisterTaskDefinition")).error is None for _ in range(5)) == 2


def test_rules_fire_count_times_and_match_wildcards() -> None:
    faults = FaultInjector(FakeClock())
    faults.configure([FaultRule("throttle", "ecs:Create*", count=2)])
    errors = [faults.decide(_ecs("CreateService")).error for _ in range(3)]
    assert [e is not None for e in errors] == [True, True, False]
    first = errors[0]
    assert first is not None
    assert (first.status, first.code) == (400, "ThrottlingException")
    assert faults.decide(_ecs("UpdateService")).error is None
    assert faults.state()["injected"] == {"ecs:CreateService": 2}


def test_reset_returns_to_the_launch_faults() -> None:
    faults = FaultInjector(FakeClock())
    faults.set_launch_configuration([FaultRule("server_error", "*", count=1)])
    assert faults.decide(_ecs("ListClusters")).error is not None
    faults.configure([])
    faults.reset()
    error = faults.decide(_ecs("ListClusters")).error
    assert error is not None
    assert (error.status, error.code) == (500, "ServerException")


def test_rules_and_settings_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="rate"):
        FaultRule("throttle", rate=2)
    with pytest.raises(ValueError, match="unknown fault rule fields"):
        FaultRule.from_dict({"fault": "throttle", "operations": "*"})
    with pytest.raises(ValueError, match="true or false"):
        EmulatorSettings().changed({"fail_rollouts": "yes"})
    assert EmulatorSettings().changed({"rollout_seconds": 2}).rollout_seconds == 2.0


def test_calls_are_named_from_the_signature_and_target() -> None:
    auth = "AWS4-HMAC-SHA256 Credential=AK/20240101/eu-west-1/ecs/aws4_request, Signature=x"
    json_call = identify(
        {
            "HTTP_AUTHORIZATION": auth,
            "HTTP_X_AMZ_TARGET": "AmazonEC2ContainerServiceV20141113.CreateService",
        }
    )
    # The key id names the emulated account (strict rules look at its resources).
    assert json_call == AwsCall("ecs", "CreateService", "eu-west-1", "json", "AK")
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    environ: dict[str, Any] = {
        "HTTP_AUTHORIZATION": auth.replace("/ecs/", "/sts/"),
        "CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    assert identify(environ) == AwsCall("sts", "GetCallerIdentity", "eu-west-1", "query", "AK")
    assert environ["wsgi.input"].read() == body  # left for moto to read
    assert identify({"PATH_INFO": "/moto-api/reset"}) is None
