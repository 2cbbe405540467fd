"""Fault injection and call counters over HTTP, as botocore sees them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from controller.pacing import Pacer, Throttled, acting_for
from controller.sandbox.aws import FaultRule
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws


def test_counters_count_calls_per_operation_since_the_last_reset(aws: LocalAws) -> None:
    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName="a")
    ecs.create_cluster(clusterName="b")
    ecs.list_clusters()
    aws.client("servicediscovery").list_namespaces()
    assert aws.counters() == {
        "ecs:CreateCluster": 2,
        "ecs:ListClusters": 1,
        "servicediscovery:ListNamespaces": 1,
    }
    aws.reset_counters()
    assert aws.counters() == {}
    assert len(ecs.list_clusters()["clusterArns"]) == 2  # counters only: the clusters stay

    aws.reset()
    assert ecs.list_clusters()["clusterArns"] == []
    assert aws.counters() == {"ecs:ListClusters": 1}


def test_a_throttle_looks_like_aws_and_standard_retries_recover(aws: LocalAws) -> None:
    aws.set_faults(FaultRule("throttle", "ecs:ListClusters", count=1))
    with pytest.raises(ClientError) as caught:
        aws.client("ecs", max_attempts=1).list_clusters()
    response = caught.value.response
    assert response["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == (
        "ThrottlingException"
    )

    aws.set_faults(FaultRule("throttle", "ecs:ListClusters", count=1))
    recovered = aws.client("ecs", max_attempts=2).list_clusters()
    assert recovered["ResponseMetadata"]["RetryAttempts"] == 1
    assert aws.counters()["ecs:ListClusters"] == 3
    state = aws.faults()
    assert state["injected"] == {"ecs:ListClusters": 1}
    assert state["rules"][0]["fired"] == 1


def test_a_server_error_is_a_5xx_that_standard_retries_recover(aws: LocalAws) -> None:
    aws.set_faults(FaultRule("server_error", "ecs:*", count=1))
    with pytest.raises(ClientError) as caught:
        aws.client("ecs", max_attempts=1).list_clusters()
    assert caught.value.response["Error"]["Code"] == "ServerException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500

    aws.set_faults(FaultRule("server_error", "servicediscovery:*", count=1, status=503))
    listed = aws.client("servicediscovery", max_attempts=2).list_namespaces()
    assert listed["ResponseMetadata"]["RetryAttempts"] == 1


@pytest.mark.parametrize(
    ("service", "call", "code"),
    [
        ("sts", lambda client: client.get_caller_identity(), "Throttling"),  # query
        ("ec2", lambda client: client.describe_vpcs(), "RequestLimitExceeded"),  # ec2
        ("s3", lambda client: client.list_buckets(), "SlowDown"),  # rest-xml
        ("logs", lambda client: client.describe_log_groups(), "ThrottlingException"),  # json
    ],
)
def test_every_protocol_gets_errors_botocore_parses(
    aws: LocalAws, service: str, call: Callable[[Any], Any], code: str
) -> None:
    aws.set_faults(FaultRule("throttle", f"{service}:*", code=code))
    with pytest.raises(ClientError) as caught:
        call(aws.client(service, max_attempts=1))
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["Error"]["Message"] == "Rate exceeded"


def test_faults_hit_only_the_operations_they_name(aws: LocalAws) -> None:
    aws.set_faults(FaultRule("throttle", "ecs:Describe*"))
    ecs = aws.client("ecs", max_attempts=1)
    ecs.list_clusters()
    aws.client("servicediscovery", max_attempts=1).list_namespaces()
    for _ in range(3):
        with pytest.raises(ClientError, match="ThrottlingException"):
            ecs.describe_clusters(clusters=["c"])
    assert aws.faults()["injected"] == {"ecs:DescribeClusters": 3}


def test_an_injected_error_changes_nothing(aws: LocalAws) -> None:
    aws.set_faults(FaultRule("throttle", "ecs:CreateCluster"))
    ecs = aws.client("ecs", max_attempts=1)
    with pytest.raises(ClientError):
        ecs.create_cluster(clusterName="c")
    assert ecs.list_clusters()["clusterArns"] == []


def test_rate_based_faults_hit_a_share_of_calls(aws: LocalAws) -> None:
    aws.set_faults(FaultRule("throttle", "ecs:ListClusters", rate=0.5), seed=7)
    ecs = aws.client("ecs", max_attempts=1)
    failures = 0
    for _ in range(40):
        try:
            ecs.list_clusters()
        except ClientError:
            failures += 1
    assert 8 <= failures <= 32
    assert aws.faults()["injected"] == {"ecs:ListClusters": failures}


def test_latency_is_added_before_the_call(aws: LocalAws) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    ecs.list_clusters()  # moto builds its ECS app on the first call; keep that out of timing
    aws.set_faults(FaultRule("latency", "ecs:ListClusters", latency_seconds=0.4, count=1))
    started = time.monotonic()
    ecs.list_clusters()
    assert time.monotonic() - started >= 0.4
    assert aws.faults()["rules"][0]["fired"] == 1


def test_ecs_token_buckets_throttle_task_definition_registration(aws: LocalAws) -> None:
    aws.set_faults(token_buckets=True)
    ecs = aws.client("ecs", max_attempts=1)
    container = [{"name": "app", "image": "nginx", "memory": 128}]
    started = time.monotonic()
    registered, refusal = 0, None
    while registered < 40 and refusal is None:
        try:
            ecs.register_task_definition(family="web", containerDefinitions=container)
            registered += 1
        except ClientError as err:
            refusal = err.response["Error"]["Code"]
    elapsed = time.monotonic() - started
    assert refusal == "ThrottlingException"
    # Burst 20, refill 1 per second (RegisterTaskDefinition's published bucket).
    assert 20 <= registered <= 20 + int(elapsed) + 1
    ecs.list_clusters()  # another bucket, still full


def test_token_buckets_let_a_burst_of_describes_through(aws: LocalAws) -> None:
    aws.set_faults(token_buckets=True)
    ecs = aws.client("ecs", max_attempts=1)
    ecs.create_cluster(clusterName="c")
    for _ in range(60):  # well within DescribeServices' burst of 100
        ecs.describe_services(cluster="c", services=["web"])
    assert aws.faults()["injected"] == {}


def test_the_control_api_refuses_what_it_does_not_know(aws: LocalAws) -> None:
    with pytest.raises(ValueError, match="unknown setting"):
        aws.settings(rollout_secs=1)
    with pytest.raises(ValueError, match="must be a number"):
        aws.settings(rollout_seconds=-1)
    with pytest.raises(ValueError, match="fault must be one of"):
        aws.set_faults({"fault": "explode"})
    assert aws.settings()["rollout_seconds"] == 1.0


def test_the_pacer_counts_a_retried_throttle_and_not_a_retried_server_error(
    aws: LocalAws,
) -> None:
    """botocore retries both for calls made outside an object's pass; only the throttle
    says the bucket was empty (a 5xx counted as one slowed every lane under faults)."""
    pacer = Pacer()
    ecs = aws.client("ecs", max_attempts=3)
    pacer.install(ecs)
    key = (id(ecs), "ListClusters")

    aws.set_faults(FaultRule("server_error", "ecs:ListClusters", count=1))
    assert ecs.list_clusters()["ResponseMetadata"]["RetryAttempts"] == 1
    assert pacer.interval(key) == 0.0

    aws.set_faults(FaultRule("throttle", "ecs:ListClusters", count=1))
    assert ecs.list_clusters()["ResponseMetadata"]["RetryAttempts"] == 1
    assert pacer.interval(key) > 0.0

    # Made for an object, a throttle is not retried inside botocore: the object's pass is
    # told when its slot is.
    aws.set_faults(FaultRule("throttle", "ecs:DescribeClusters", count=1))
    with acting_for("uid-1"), pytest.raises(Throttled):
        ecs.describe_clusters(clusters=["a"])
