"""ECS UpdateService.serviceRegistries over HTTP: added, changed and removed registries are
kept and start a deployment; the same registries start none."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws.builders import describe, primary, register_web
from tests.aws.strict.refusals import cluster_and_network, private_namespace
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws

CLUSTER = "kudos-test"


def _registries(aws: LocalAws, *names: str) -> list[list[dict[str, Any]]]:
    """One serviceRegistries list per Cloud Map service (A records: no port needed)."""
    sd = aws.client("servicediscovery")
    namespace = private_namespace(aws)
    return [
        [
            {
                "registryArn": sd.create_service(
                    Name=name,
                    NamespaceId=namespace["Id"],
                    DnsConfig={"DnsRecords": [{"Type": "A", "TTL": 10}]},
                )["Service"]["Arn"]
            }
        ]
        for name in names
    ]


def _service(aws: LocalAws, **extra: Any) -> Any:
    ecs = aws.client("ecs", max_attempts=1)
    aws.settings(rollout_seconds=0)
    ecs.create_service(
        cluster=CLUSTER,
        serviceName="api",
        launchType="FARGATE",
        desiredCount=1,
        taskDefinition=register_web(ecs),
        networkConfiguration=cluster_and_network(aws, CLUSTER),
        **extra,
    )
    return ecs


def _update(ecs: Any, registries: list[dict[str, Any]]) -> tuple[list[Any], str]:
    """Update the registries; what DescribeServices then reports, and the PRIMARY's id."""
    ecs.update_service(cluster=CLUSTER, service="api", serviceRegistries=registries)
    service = describe(ecs, CLUSTER, "api")
    return service["serviceRegistries"], primary(service)["id"]


def test_update_service_adds_changes_and_removes_registries(aws: LocalAws) -> None:
    first, second = _registries(aws, "api", "api-v2")
    ecs = _service(aws)
    service = describe(ecs, CLUSTER, "api")
    assert service["serviceRegistries"] == []
    deployments = [primary(service)["id"]]

    for registries in (first, second, []):  # add, change, remove
        shown, deployment = _update(ecs, registries)
        assert shown == registries
        assert deployment not in deployments  # each change started a deployment
        deployments.append(deployment)
        assert primary(describe(ecs, CLUSTER, "api"))["rolloutState"] == "COMPLETED"


def test_unchanged_registries_start_no_deployment(aws: LocalAws) -> None:
    (registries,) = _registries(aws, "api")
    ecs = _service(aws, serviceRegistries=registries)
    before = primary(describe(ecs, CLUSTER, "api"))["id"]

    assert _update(ecs, registries) == (registries, before)
    ecs.update_service(cluster=CLUSTER, service="api", desiredCount=2)  # registries not sent
    service = describe(ecs, CLUSTER, "api")
    assert service["serviceRegistries"] == registries
    assert [d["id"] for d in service["deployments"]] == [before]


def test_a_rollback_returns_to_the_registries_of_the_last_completed_deployment(
    aws: LocalAws,
) -> None:
    first, second = _registries(aws, "api", "api-v2")
    breaker = {"deploymentCircuitBreaker": {"enable": True, "rollback": True}}
    ecs = _service(aws, serviceRegistries=first, deploymentConfiguration=breaker)
    good = primary(describe(ecs, CLUSTER, "api"))["taskDefinition"]

    register_web(ecs, image="nginx:does-not-exist")
    ecs.update_service(
        cluster=CLUSTER, service="api", taskDefinition="web", serviceRegistries=second
    )
    service = describe(ecs, CLUSTER, "api")
    assert (service["taskDefinition"], service["serviceRegistries"]) == (good, first)
    assert primary(service)["rolloutState"] == "COMPLETED"
