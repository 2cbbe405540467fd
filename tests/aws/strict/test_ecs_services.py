"""Strict mode, ECS services: each test sends a request AWS refuses and gets AWS's error,
then the corrected request and sees it accepted (so the rule is not stricter than AWS)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws.builders import register_web
from tests.aws.strict.refusals import cluster_and_network, private_namespace, refusal
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws


def _discovery_service(aws: LocalAws, *record_types: str) -> str:
    """A Cloud Map service `api` with these DNS records; its ARN."""
    namespace = private_namespace(aws)
    arn: str = aws.client("servicediscovery").create_service(
        Name="api",
        NamespaceId=namespace["Id"],
        DnsConfig={"DnsRecords": [{"Type": t, "TTL": 10} for t in record_types]},
    )["Service"]["Arn"]
    return arn


def _create(aws: LocalAws, **overrides: Any) -> dict[str, Any]:
    ecs = aws.client("ecs", max_attempts=1)
    request: dict[str, Any] = {
        "cluster": "kudos-test",
        "serviceName": "api",
        "launchType": "FARGATE",
        "desiredCount": 1,
        "taskDefinition": register_web(ecs),
        "networkConfiguration": cluster_and_network(aws),
        **overrides,
    }
    service: dict[str, Any] = ecs.create_service(**request)["service"]
    return service


def test_a_registry_with_an_srv_record_needs_a_port(aws: LocalAws) -> None:
    registry = _discovery_service(aws, "A", "SRV")
    error = refusal(lambda: _create(aws, serviceRegistries=[{"registryArn": registry}]))
    assert error["Code"] == "InvalidParameterException"
    assert "containerName and containerPort combination or a port" in error["Message"]

    both = [{"registryArn": registry, "port": 8080, "containerName": "app", "containerPort": 8080}]
    assert refusal(lambda: _create(aws, serviceRegistries=both))["Code"] == (
        "InvalidParameterException"
    )

    created = _create(aws, serviceRegistries=[{"registryArn": registry, "port": 8080}])
    assert created["serviceRegistries"] == [{"registryArn": registry, "port": 8080}]
