"""ECS services over HTTP: deployments over time, clientToken, draining, listing."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.aws.builders import create_web, describe, network, primary, register_web, wait_steady
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws


def _cluster_and_task(aws: LocalAws) -> tuple[Any, str]:
    ecs = aws.client("ecs", max_attempts=1)
    ecs.create_cluster(clusterName="c")
    return ecs, register_web(ecs)


def test_a_new_service_rolls_out_and_reaches_its_desired_count(aws: LocalAws) -> None:
    ecs, task_definition = _cluster_and_task(aws)
    aws.settings(rollout_seconds=60)
    created = create_web(aws, ecs, desiredCount=2)
    assert created["taskDefinition"] == task_definition
    rolling = primary(describe(ecs, "c", "web"))
    assert rolling["rolloutState"] == "IN_PROGRESS"
    assert rolling["taskDefinition"] == task_definition
    assert (rolling["runningCount"], rolling["pendingCount"]) == (0, 2)

    aws.settings(rollout_seconds=0)
    service = describe(ecs, "c", "web")
    done = primary(service)
    assert done["id"] == rolling["id"]
    assert done["rolloutState"] == "COMPLETED"
    assert (done["runningCount"], done["pendingCount"]) == (2, 0)
    assert (service["runningCount"], service["desiredCount"]) == (2, 2)
    assert "has reached a steady state" in service["events"][0]["message"]


def test_a_rollout_takes_the_configured_time(aws: LocalAws) -> None:
    ecs, _ = _cluster_and_task(aws)
    aws.settings(rollout_seconds=0.5)
    started = time.monotonic()
    create_web(aws, ecs, desiredCount=1)
    assert primary(describe(ecs, "c", "web"))["rolloutState"] == "IN_PROGRESS"
    wait_steady(aws, ecs, "c", "web")
    assert time.monotonic() - started >= 0.5


def test_a_new_task_definition_starts_a_new_primary_deployment(aws: LocalAws) -> None:
    ecs, first = _cluster_and_task(aws)
    aws.settings(rollout_seconds=0)
    create_web(aws, ecs, desiredCount=1)
    old = primary(describe(ecs, "c", "web"))
    second = register_web(ecs, image="nginx:2")

    aws.settings(rollout_seconds=60)
    ecs.update_service(cluster="c", service="web", taskDefinition="web")  # family: latest
    service = describe(ecs, "c", "web")
    assert service["taskDefinition"] == second
    assert [(d["status"], d["taskDefinition"]) for d in service["deployments"]] == [
        ("PRIMARY", second),
        ("ACTIVE", first),
    ]
    assert service["deployments"][1]["id"] == old["id"]
    assert service["deployments"][1]["runningCount"] == 1  # old tasks serve until the new run

    aws.settings(rollout_seconds=0)
    service = describe(ecs, "c", "web")
    assert [(d["status"], d["taskDefinition"]) for d in service["deployments"]] == [
        ("PRIMARY", second)
    ]
    assert service["deployments"][0]["rolloutState"] == "COMPLETED"


def test_force_new_deployment_redeploys_the_same_task_definition(aws: LocalAws) -> None:
    ecs, task_definition = _cluster_and_task(aws)
    aws.settings(rollout_seconds=0)
    create_web(aws, ecs, desiredCount=1)
    before = primary(describe(ecs, "c", "web"))["id"]
    aws.settings(rollout_seconds=60)
    ecs.update_service(cluster="c", service="web", forceNewDeployment=True)
    deployments = describe(ecs, "c", "web")["deployments"]
    assert len(deployments) == 2
    assert deployments[0]["id"] != before
    assert deployments[0]["taskDefinition"] == task_definition


def test_desired_count_or_an_unchanged_task_definition_starts_no_deployment(
    aws: LocalAws,
) -> None:
    ecs, task_definition = _cluster_and_task(aws)
    aws.settings(rollout_seconds=0)
    create_web(aws, ecs, desiredCount=1)
    before = primary(describe(ecs, "c", "web"))["id"]
    aws.settings(rollout_seconds=60)

    ecs.update_service(cluster="c", service="web", taskDefinition=task_definition)
    ecs.update_service(cluster="c", service="web", desiredCount=3)
    service = describe(ecs, "c", "web")
    assert [d["id"] for d in service["deployments"]] == [before]
    assert service["desiredCount"] == 3
    assert service["deployments"][0]["desiredCount"] == 3


def test_client_token_makes_create_service_idempotent(aws: LocalAws) -> None:
    ecs, _ = _cluster_and_task(aws)
    request = {
        "cluster": "c",
        "serviceName": "web",
        "taskDefinition": "web",
        "desiredCount": 1,
        "networkConfiguration": network(aws),
    }
    first = ecs.create_service(**request, clientToken="token-1")["service"]
    again = ecs.create_service(**request, clientToken="token-1")["service"]
    assert again["serviceArn"] == first["serviceArn"]
    assert again["deployments"][0]["id"] == first["deployments"][0]["id"]

    refused = [
        {**request, "clientToken": "token-2"},  # another token
        {**request, "desiredCount": 2, "clientToken": "token-1"},  # same token, other request
        request,  # no token at all
    ]
    for attempt in refused:
        with pytest.raises(ClientError) as caught:
            ecs.create_service(**attempt)
        assert caught.value.response["Error"] == {
            "Code": "InvalidParameterException",
            "Message": "Creation of service was not idempotent.",
        }
    assert describe(ecs, "c", "web")["desiredCount"] == 1
    assert aws.counters()["ecs:CreateService"] == 5


def test_delete_service_drains_then_the_service_is_inactive(aws: LocalAws) -> None:
    ecs, _ = _cluster_and_task(aws)
    create_web(aws, ecs, desiredCount=1)
    with pytest.raises(ClientError, match="scaled above 0"):
        ecs.delete_service(cluster="c", service="web")

    aws.settings(drain_seconds=60)
    deleted = ecs.delete_service(cluster="c", service="web", force=True)["service"]
    assert deleted["status"] == "DRAINING"
    assert describe(ecs, "c", "web")["status"] == "DRAINING"
    assert len(ecs.list_services(cluster="c")["serviceArns"]) == 1  # DRAINING is listed

    aws.settings(drain_seconds=0)
    service = describe(ecs, "c", "web")
    assert (service["status"], service["runningCount"]) == ("INACTIVE", 0)
    assert ecs.list_services(cluster="c")["serviceArns"] == []

    refused: list[Callable[[], Any]] = [
        lambda: ecs.update_service(cluster="c", service="web", desiredCount=2),
        lambda: ecs.delete_service(cluster="c", service="web", force=True),
    ]
    for call in refused:
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"] == {
            "Code": "ServiceNotActiveException",
            "Message": "Service was not ACTIVE.",
        }

    # The name is free again once the service is INACTIVE.
    again = create_web(aws, ecs)
    assert again["status"] == "ACTIVE"


def test_a_draining_service_blocks_its_name(aws: LocalAws) -> None:
    ecs, _ = _cluster_and_task(aws)
    create_web(aws, ecs)
    aws.settings(drain_seconds=60)
    ecs.delete_service(cluster="c", service="web")
    with pytest.raises(ClientError, match="Creation of service was not idempotent"):
        create_web(aws, ecs)


def test_list_services_pages_by_ten_and_honours_max_results(aws: LocalAws) -> None:
    ecs, _ = _cluster_and_task(aws)
    names = [f"svc-{i:02d}" for i in range(12)]
    for name in names:
        create_web(aws, ecs, serviceName=name)

    first = ecs.list_services(cluster="c")
    assert len(first["serviceArns"]) == 10
    rest = ecs.list_services(cluster="c", nextToken=first["nextToken"])
    assert len(rest["serviceArns"]) == 2
    assert "nextToken" not in rest
    listed = first["serviceArns"] + rest["serviceArns"]
    assert sorted(arn.rsplit("/", 1)[-1] for arn in listed) == names

    pages = ecs.get_paginator("list_services").paginate(
        cluster="c", PaginationConfig={"PageSize": 5}
    )
    assert [len(p["serviceArns"]) for p in pages] == [5, 5, 2]

    aws.settings(drain_seconds=0)
    ecs.delete_service(cluster="c", service="svc-00")
    listed = [
        arn for p in ecs.get_paginator("list_services").paginate(cluster="c")
        for arn in p["serviceArns"]
    ]  # fmt: skip
    assert len(listed) == 11
    assert not any(arn.endswith("/svc-00") for arn in listed)


def test_describe_services_takes_at_most_ten(aws: LocalAws) -> None:
    ecs, _ = _cluster_and_task(aws)
    with pytest.raises(ClientError) as caught:
        ecs.describe_services(cluster="c", services=[f"s{i}" for i in range(11)])
    assert caught.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "service names can have at most 10 items.",
    }
    found = ecs.describe_services(cluster="c", services=[f"s{i}" for i in range(10)])
    assert len(found["failures"]) == 10


def _breaker_service(aws: LocalAws, *, rollback: bool) -> tuple[Any, str]:
    ecs, first = _cluster_and_task(aws)
    aws.settings(rollout_seconds=0)
    create_web(
        aws,
        ecs,
        desiredCount=1,
        deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": True, "rollback": rollback}
        },
    )
    assert primary(describe(ecs, "c", "web"))["rolloutState"] == "COMPLETED"
    register_web(ecs, image="broken:1")
    aws.settings(fail_rollouts=True)
    ecs.update_service(cluster="c", service="web", taskDefinition="web")
    return ecs, first


def test_fail_switch_makes_the_circuit_breaker_fail_the_deployment(aws: LocalAws) -> None:
    ecs, first = _breaker_service(aws, rollback=False)
    service = describe(ecs, "c", "web")
    failed = primary(service)
    assert failed["rolloutState"] == "FAILED"
    assert failed["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert failed["failedTasks"] >= 1
    assert failed["runningCount"] == 0
    old = service["deployments"][1]
    assert (old["status"], old["taskDefinition"], old["runningCount"]) == ("ACTIVE", first, 1)


def test_circuit_breaker_rollback_returns_to_the_last_completed_deployment(
    aws: LocalAws,
) -> None:
    ecs, first = _breaker_service(aws, rollback=True)
    service = describe(ecs, "c", "web")
    assert service["taskDefinition"] == first
    assert [(d["status"], d["taskDefinition"]) for d in service["deployments"]] == [
        ("PRIMARY", first)
    ]
    assert primary(service)["rolloutState"] == "COMPLETED"
    assert any("deployment failed" in event["message"] for event in service["events"])


def test_without_circuit_breaker_a_failing_deployment_stays_in_progress(aws: LocalAws) -> None:
    ecs, _ = _cluster_and_task(aws)
    aws.settings(rollout_seconds=0, fail_rollouts=True)
    create_web(aws, ecs, desiredCount=2)
    stuck = primary(describe(ecs, "c", "web"))
    assert stuck["rolloutState"] == "IN_PROGRESS"
    assert (stuck["failedTasks"], stuck["runningCount"]) == (2, 0)

    aws.settings(fail_rollouts=False)  # tasks start again: ECS's retries succeed
    assert primary(describe(ecs, "c", "web"))["rolloutState"] == "COMPLETED"
