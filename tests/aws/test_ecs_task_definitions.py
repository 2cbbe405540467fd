"""RegisterTaskDefinition over HTTP: port mapping names and Fargate task sizes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws


def _register(aws: LocalAws, **overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "family": "web",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{"name": "app", "image": "nginx"}],
        **overrides,
    }
    task_definition: dict[str, Any] = aws.client("ecs", max_attempts=1).register_task_definition(
        **request
    )["taskDefinition"]
    return task_definition


def _refusal(aws: LocalAws, **overrides: Any) -> dict[str, str]:
    with pytest.raises(ClientError) as caught:
        _register(aws, **overrides)
    error: dict[str, str] = caught.value.response["Error"]
    return error


@pytest.mark.parametrize(
    ("cpu", "memory", "registered"),
    [
        ("256", "512", ("256", "512")),
        ("512", "4096", ("512", "4096")),
        ("4096", "30720", ("4096", "30720")),
        ("16384", "122880", ("16384", "122880")),
        ("1 vCPU", "2 GB", ("1024", "2048")),
        (".25 vcpu", "0.5GB", ("256", "512")),
    ],
)
def test_fargate_accepts_the_published_task_sizes(
    aws: LocalAws, cpu: str, memory: str, registered: tuple[str, str]
) -> None:
    task_definition = _register(aws, cpu=cpu, memory=memory)
    assert (task_definition["cpu"], task_definition["memory"]) == registered


@pytest.mark.parametrize(
    ("cpu", "memory"), [("256", "4096"), ("1024", "1024"), ("8192", "18432"), ("300", "512")]
)
def test_fargate_refuses_other_task_sizes(aws: LocalAws, cpu: str, memory: str) -> None:
    assert _refusal(aws, cpu=cpu, memory=memory) == {
        "Code": "ClientException",
        "Message": f"No Fargate configuration exists for given values: {cpu} CPU, {memory} "
        "memory. See the Amazon ECS documentation for the valid values.",
    }


def test_fargate_needs_awsvpc_and_task_level_sizes(aws: LocalAws) -> None:
    assert _refusal(aws, networkMode="bridge")["Message"] == (
        "Fargate only supports network mode 'awsvpc'."
    )
    containers = [{"name": "app", "image": "nginx", "memory": 512}]
    without_cpu = {"family": "web", "requiresCompatibilities": ["FARGATE"],
                   "networkMode": "awsvpc", "containerDefinitions": containers}  # fmt: skip
    with pytest.raises(ClientError, match="Fargate requires that 'cpu' be defined"):
        aws.client("ecs", max_attempts=1).register_task_definition(**without_cpu)
    # The same sizes are fine without Fargate.
    ec2 = _register(aws, requiresCompatibilities=["EC2"], networkMode="bridge", memory="4096")
    assert ec2["memory"] == "4096"


@pytest.mark.parametrize("name", ["-starts-with-hyphen", "Upper", "dot.ted", "x" * 65])
def test_port_mapping_names_follow_the_documented_format(aws: LocalAws, name: str) -> None:
    containers = [{"name": "app", "image": "nginx",
                   "portMappings": [{"containerPort": 80, "name": name}]}]  # fmt: skip
    error = _refusal(aws, containerDefinitions=containers)
    assert error["Code"] == "ClientException"
    assert "Invalid 'name' setting for port mapping in container 'app'" in error["Message"]


def test_port_mapping_names_are_unique_and_kept(aws: LocalAws) -> None:
    mappings = [
        {"containerPort": 80, "name": "web_80", "appProtocol": "http2"},
        {"containerPort": 81, "name": "web_80"},
    ]
    containers = [{"name": "app", "image": "nginx", "portMappings": mappings}]
    assert "used more than once" in _refusal(aws, containerDefinitions=containers)["Message"]

    containers[0]["portMappings"] = mappings[:1]
    registered = _register(aws, containerDefinitions=containers)
    assert registered["containerDefinitions"][0]["portMappings"] == [
        {"containerPort": 80, "name": "web_80", "appProtocol": "http2"}
    ]


def test_app_protocol_is_http_http2_or_grpc(aws: LocalAws) -> None:
    containers = [{"name": "app", "image": "nginx",
                   "portMappings": [{"containerPort": 80, "name": "web", "appProtocol": "tcp"}]}]  # fmt: skip
    error = _refusal(aws, containerDefinitions=containers)
    assert error["Code"] == "ClientException"
    assert "Invalid 'appProtocol' setting" in error["Message"]
