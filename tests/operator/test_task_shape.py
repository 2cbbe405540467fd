"""The shape of a task, reconciled by the operator process: several ports, each its own
Service Connect endpoint, a sidecar beside the service's container, and ECS Exec, as a user
checks them in kubectl and in AWS. One world for all three, to keep the run short."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Kube, Kubectl
from tests.fixtures_aws import LocalAws
from tests.operator.objects import (
    app,
    apply,
    cloud_map_services,
    described,
    env,
    primary,
    service,
    task_definition,
    wait_ready,
    writes,
)
from tests.operator_process import OperatorProcess, eventually

pytestmark = [pytest.mark.controlplane, pytest.mark.aws]

PORTS = [
    {"name": "http", "port": 8080, "alias": "api.local"},
    {"name": "grpc", "port": 9090, "protocol": "grpc", "alias": "api-grpc.local"},
    {"name": "admin", "port": 8081, "clientPort": 80},
]
EXPORTER = {"name": "exporter", "image": "nginx/nginx-prometheus-exporter:1.3", "port": 9113}
UPGRADED = {**EXPORTER, "image": "nginx/nginx-prometheus-exporter:1.4"}


def api(**spec: Any) -> dict[str, Any]:
    return service("api", ports=PORTS, network={"connect": {}}, **spec)


def test_ports_a_sidecar_and_exec(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, app(), env(), api(sidecars=[EXPORTER]))
    operator.start()
    first = wait_ready(kube, namespace, "ecsservices", "api", timeout=60)["status"]

    # Three endpoints, read where ECS keeps them: the PRIMARY deployment.
    connect = primary(described(aws, "api"))["serviceConnectConfiguration"]
    assert [
        (e["portName"], e["discoveryName"], e["clientAliases"]) for e in connect["services"]
    ] == [
        ("http", "api-sc", [{"port": 8080, "dnsName": "api.local"}]),
        ("grpc", "api-grpc-sc", [{"port": 9090, "dnsName": "api-grpc.local"}]),
        ("admin", "api-admin-sc", [{"port": 80, "dnsName": "api"}]),
    ]
    assert {"api-sc", "api-grpc-sc", "api-admin-sc", "api"} <= set(cloud_map_services(aws))
    assert first["endpoints"] == {
        "serviceConnect": ["http://api.local:8080", "http://api-grpc.local:9090", "http://api:80"],
        "serviceDiscovery": "api.test.kudos.local:8080",  # the first port's SRV record
    }
    assert described(aws, "api")["serviceRegistries"][0]["port"] == 8080
    containers = {
        c["name"]: c
        for c in task_definition(aws, first["taskDefinitionArn"])["containerDefinitions"]
    }
    assert [(m["name"], m["containerPort"]) for m in containers["api"]["portMappings"]] == [
        ("http", 8080),
        ("grpc", 9090),
        ("admin", 8081),
    ]
    sidecar = containers["exporter"]
    assert sidecar["portMappings"][0]["containerPort"] == 9113
    assert {e["name"]: e["value"] for e in sidecar["environment"]}["COPILOT_SERVICE_NAME"] == "api"

    # A sidecar change is one revision and one deployment, as an image change is.
    aws.reset_counters()
    apply(kubectl, namespace, api(sidecars=[UPGRADED]))
    second = wait_ready(kube, namespace, "ecsservices", "api", timeout=30)["status"]
    assert second["taskDefinitionArn"].endswith(":2")
    calls = aws.counters()
    assert calls.get("ecs:RegisterTaskDefinition") == 1
    assert calls.get("ecs:UpdateService") == 1
    assert [d["taskDefinition"] for d in described(aws, "api")["deployments"]] == [
        second["taskDefinitionArn"]
    ]

    # ECS Exec on reaches the ECS service, with no new revision.
    aws.reset_counters()
    apply(kubectl, namespace, api(sidecars=[UPGRADED], exec=True))
    third = wait_ready(kube, namespace, "ecsservices", "api", timeout=30)["status"]
    assert described(aws, "api")["enableExecuteCommand"] is True
    assert third["taskDefinitionArn"] == second["taskDefinitionArn"]
    calls = aws.counters()
    assert calls.get("ecs:RegisterTaskDefinition", 0) == 0
    assert calls.get("ecs:UpdateService") == 1

    # As it runs now, the service is no difference: resyncs (every 2 s) write nothing.
    aws.reset_counters()
    calls = eventually(aws.counters, lambda c: c.get("ecs:DescribeClusters", 0) >= 2, timeout=15)
    assert writes(calls) == {}
