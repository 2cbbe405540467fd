"""Strict mode, ECS task and service listings: each test sends a request AWS refuses and gets
AWS's error, then the corrected request and sees it accepted (so the rule is not stricter
than AWS)."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from tests.aws.builders import register_web
from tests.aws.strict.refusals import cluster_and_network, refusal
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws

CLUSTER = "kudos-test"


def _ecs_with_service(aws: LocalAws) -> Any:
    """The ecs client, with service `api` (one task) in CLUSTER."""
    ecs = aws.client("ecs", max_attempts=1)
    network = cluster_and_network(aws, CLUSTER)
    ecs.create_service(
        cluster=CLUSTER,
        serviceName="api",
        launchType="FARGATE",
        desiredCount=1,
        taskDefinition=register_web(ecs, family="api"),
        networkConfiguration=network,
    )
    return ecs


def test_a_listing_page_is_1_to_100(aws: LocalAws) -> None:
    ecs = _ecs_with_service(aws)
    for listing in (ecs.list_tasks, ecs.list_services):
        for bad in (0, 101):
            error = refusal(partial(listing, cluster=CLUSTER, maxResults=bad))
            assert error == {
                "Code": "InvalidParameterException",
                "Message": "maxResults must be between 1 and 100.",
            }
        for good in (1, 100):
            listing(cluster=CLUSTER, maxResults=good)
    assert len(ecs.list_services(cluster=CLUSTER, maxResults=1)["serviceArns"]) == 1


def test_describe_tasks_takes_1_to_100(aws: LocalAws) -> None:
    ecs = _ecs_with_service(aws)
    empty = refusal(partial(ecs.describe_tasks, cluster=CLUSTER, tasks=[]))
    assert empty == {"Code": "InvalidParameterException", "Message": "Tasks cannot be empty."}
    ids = [f"{index:032x}" for index in range(101)]
    error = refusal(partial(ecs.describe_tasks, cluster=CLUSTER, tasks=ids))
    assert error["Code"] == "InvalidParameterException"
    assert error["Message"] == "Tasks can have at most 100 items."

    running = ecs.list_tasks(cluster=CLUSTER, serviceName="api")["taskArns"]
    described = ecs.describe_tasks(cluster=CLUSTER, tasks=[*running, *ids[: 100 - len(running)]])
    assert [task["taskArn"] for task in described["tasks"]] == running
    assert {failure["reason"] for failure in described["failures"]} == {"MISSING"}


def test_list_tasks_of_an_unknown_service_is_service_not_found(aws: LocalAws) -> None:
    ecs = _ecs_with_service(aws)
    error = refusal(partial(ecs.list_tasks, cluster=CLUSTER, serviceName="web"))
    assert error["Code"] == "ServiceNotFoundException"
    assert len(ecs.list_tasks(cluster=CLUSTER, serviceName="api")["taskArns"]) == 1
    assert ecs.list_tasks(cluster=CLUSTER)["taskArns"]  # no serviceName: the cluster's tasks
