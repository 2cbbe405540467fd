"""Strict mode, ECS RegisterTaskDefinition: each test sends a task definition AWS refuses and
gets AWS's error, then the corrected one and sees it registered (so the rule is not stricter
than AWS)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws.strict.refusals import refusal
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws

EXECUTION_ROLE = "arn:aws:iam::123456789012:role/kudos-test-execution"
SECRET = "arn:aws:ssm:us-east-1:123456789012:parameter/kudos/db-password"
AWSLOGS = {
    "logDriver": "awslogs",
    "options": {"awslogs-group": "/copilot/kudos-test-api", "awslogs-region": "us-east-1",
                "awslogs-stream-prefix": "copilot"},
}  # fmt: skip


def _container(**fields: Any) -> dict[str, Any]:
    return {"name": "app", "image": "nginx", **fields}


def _register(aws: LocalAws, **overrides: Any) -> dict[str, Any]:
    """A Fargate task definition of one container, with these request parameters changed."""
    request: dict[str, Any] = {
        "family": "web",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [_container()],
        **overrides,
    }
    task_definition: dict[str, Any] = aws.client("ecs", max_attempts=1).register_task_definition(
        **request
    )["taskDefinition"]
    return task_definition


def _refusal(aws: LocalAws, **overrides: Any) -> dict[str, str]:
    return refusal(lambda: _register(aws, **overrides))


def _ec2(**overrides: Any) -> dict[str, Any]:
    """Overrides that make the task definition an EC2 one in the bridge network mode."""
    return {"requiresCompatibilities": ["EC2"], "networkMode": "bridge", **overrides}


def test_a_family_is_255_letters_digits_underscores_or_hyphens(aws: LocalAws) -> None:
    error = _refusal(aws, family="kudos.test-api")
    assert error == {"Code": "ClientException", "Message": "Family contains invalid characters."}
    assert "at most 255" in _refusal(aws, family="f" * 256)["Message"]

    family = "Kudos_test-api" + "x" * 241
    assert _register(aws, family=family)["family"] == family


def test_a_container_name_is_255_letters_digits_underscores_or_hyphens(aws: LocalAws) -> None:
    error = _refusal(aws, containerDefinitions=[_container(name="my app")])
    assert error == {
        "Code": "ClientException",
        "Message": "Container.name contains invalid characters.",
    }
    for name, phrase in (("", "null or empty"), ("c" * 256, "at most 255")):
        error = _refusal(aws, containerDefinitions=[_container(name=name)])
        assert phrase in error["Message"]

    registered = _register(aws, containerDefinitions=[_container(name="My_app-1")])
    assert registered["containerDefinitions"][0]["name"] == "My_app-1"


def test_container_names_are_unique_in_a_task_definition(aws: LocalAws) -> None:
    twins = [_container(), _container(image="envoyproxy/envoy")]
    assert _refusal(aws, containerDefinitions=twins) == {
        "Code": "ClientException",
        "Message": "Container names must be unique within a Task Definition.",
    }

    containers = [_container(), _container(name="envoy", image="envoyproxy/envoy")]
    registered = _register(aws, containerDefinitions=containers)
    assert [c["name"] for c in registered["containerDefinitions"]] == ["app", "envoy"]


def test_a_dependency_names_a_container_of_the_task_definition(aws: LocalAws) -> None:
    waits = [{"containerName": "envoy", "condition": "START"}]
    assert _refusal(aws, containerDefinitions=[_container(dependsOn=waits)]) == {
        "Code": "ClientException",
        "Message": "Cannot depend on container + 'envoy' because it does not exist",
    }

    containers = [_container(dependsOn=waits), _container(name="envoy", essential=False)]
    registered = _register(aws, containerDefinitions=containers)
    assert registered["containerDefinitions"][0]["dependsOn"] == waits


def test_a_container_does_not_depend_on_itself(aws: LocalAws) -> None:
    waits = [{"containerName": "app", "condition": "START"}]
    assert _refusal(aws, containerDefinitions=[_container(dependsOn=waits)]) == {
        "Code": "ClientException",
        "Message": "Container 'app' cannot depend on itself.",
    }

    containers = [_container(), _container(name="envoy", dependsOn=waits)]
    assert _register(aws, containerDefinitions=containers)["containerDefinitions"][1]["dependsOn"]


@pytest.mark.parametrize("condition", ["RUNNING", "healthy", ""])
def test_a_dependency_condition_comes_from_the_enum(aws: LocalAws, condition: str) -> None:
    containers = [
        _container(dependsOn=[{"containerName": "init", "condition": condition}]),
        _container(name="init", essential=False),
    ]
    assert _refusal(aws, containerDefinitions=containers) == {
        "Code": "ClientException",
        "Message": f"Invalid dependency condition '{condition}' in container 'app': must be "
        "one of START, COMPLETE, SUCCESS, HEALTHY.",
    }

    for accepted in ("START", "COMPLETE", "SUCCESS"):
        containers[0]["dependsOn"][0]["condition"] = accepted
        registered = _register(aws, containerDefinitions=containers)
        assert registered["containerDefinitions"][0]["dependsOn"][0]["condition"] == accepted


def test_fargate_needs_awsvpc_and_task_level_sizes(aws: LocalAws) -> None:
    assert _refusal(aws, networkMode="bridge")["Message"] == (
        "Fargate only supports network mode 'awsvpc'."
    )
    containers = [_container(memory=512)]
    without_cpu = {"family": "web", "requiresCompatibilities": ["FARGATE"],
                   "networkMode": "awsvpc", "containerDefinitions": containers}  # fmt: skip
    error = refusal(
        lambda: aws.client("ecs", max_attempts=1).register_task_definition(**without_cpu)
    )
    assert error == {
        "Code": "ClientException",
        "Message": "Fargate requires that 'cpu' be defined at the task level.",
    }
    without_memory = {**without_cpu, "cpu": "256"}
    error = refusal(
        lambda: aws.client("ecs", max_attempts=1).register_task_definition(**without_memory)
    )
    assert error["Message"] == "Fargate requires that 'memory' be defined at the task level."
    # The same sizes are fine without Fargate.
    ec2 = _register(aws, requiresCompatibilities=["EC2"], networkMode="bridge", memory="4096")
    assert ec2["memory"] == "4096"


@pytest.mark.parametrize(
    ("cpu", "memory"), [("256", "4096"), ("1024", "1024"), ("8192", "18432"), ("300", "512")]
)
def test_fargate_refuses_other_task_sizes(aws: LocalAws, cpu: str, memory: str) -> None:
    assert _refusal(aws, cpu=cpu, memory=memory) == {
        "Code": "ClientException",
        "Message": f"No Fargate configuration exists for given values: {cpu} CPU, {memory} "
        "memory. See the Amazon ECS documentation for the valid values.",
    }
    # Units read as AWS reads them: 1 vCPU is 1024 CPU units, 4 GB 4096 MiB.
    assert "1024 CPU, 1024 memory" in _refusal(aws, cpu="1 vCPU", memory="1 GB")["Message"]
    assert _register(aws, cpu="1 vCPU", memory="4 GB")["memory"] == "4096"


@pytest.mark.parametrize("name", ["-starts-with-hyphen", "Upper", "dot.ted", "x" * 65])
def test_port_mapping_names_follow_the_documented_format(aws: LocalAws, name: str) -> None:
    containers = [_container(portMappings=[{"containerPort": 80, "name": name}])]
    error = _refusal(aws, containerDefinitions=containers)
    assert error["Code"] == "ClientException"
    assert "Invalid 'name' setting for port mapping in container 'app'" in error["Message"]

    containers = [_container(portMappings=[{"containerPort": 80, "name": "_web-80"}])]
    assert _register(aws, containerDefinitions=containers)["containerDefinitions"]
    # Copilot's name for every Service Connect port.
    containers = [_container(portMappings=[{"containerPort": 80, "name": "target"}])]
    assert _register(aws, containerDefinitions=containers)["containerDefinitions"]


def test_port_mapping_names_are_unique_and_kept(aws: LocalAws) -> None:
    mappings = [
        {"containerPort": 80, "name": "web_80", "appProtocol": "http2"},
        {"containerPort": 81, "name": "web_80"},
    ]
    containers = [_container(portMappings=mappings)]
    error = _refusal(aws, containerDefinitions=containers)
    assert error["Code"] == "ClientException"
    assert "used more than once" in error["Message"]

    containers[0]["portMappings"] = mappings[:1]
    registered = _register(aws, containerDefinitions=containers)
    assert registered["containerDefinitions"][0]["portMappings"] == [
        {"containerPort": 80, "name": "web_80", "appProtocol": "http2"}
    ]


def test_app_protocol_is_http_http2_or_grpc(aws: LocalAws) -> None:
    mapping = {"containerPort": 80, "name": "web", "appProtocol": "tcp"}
    error = _refusal(aws, containerDefinitions=[_container(portMappings=[mapping])])
    assert error["Code"] == "ClientException"
    assert "Invalid 'appProtocol' setting" in error["Message"]

    mapping["appProtocol"] = "grpc"
    registered = _register(aws, containerDefinitions=[_container(portMappings=[mapping])])
    assert registered["containerDefinitions"][0]["portMappings"][0]["appProtocol"] == "grpc"


def test_awsvpc_host_ports_match_container_ports(aws: LocalAws) -> None:
    mapping = {"containerPort": 8080, "hostPort": 80}
    error = _refusal(aws, containerDefinitions=[_container(portMappings=[mapping])])
    assert error == {
        "Code": "ClientException",
        "Message": "When networkMode=awsvpc, the host ports and container ports in port "
        "mappings must match.",
    }

    for accepted in ({"containerPort": 8080, "hostPort": 8080}, {"containerPort": 8080}):
        assert _register(aws, containerDefinitions=[_container(portMappings=[accepted])])
    # The bridge mode maps any host port.
    assert _register(aws, **_ec2(containerDefinitions=[_container(portMappings=[mapping])]))


@pytest.mark.parametrize(
    ("setting", "value", "phrase"),
    [
        ("interval", 4, "greater than or equal to the minimum allowed value 5"),
        ("interval", 301, "less than or equal to the maximum allowed value 300"),
        ("timeout", 1, "greater than or equal to the minimum allowed value 2"),
        ("timeout", 61, "less than or equal to the maximum allowed value 60"),
        ("retries", 0, "greater than or equal to the minimum allowed value 1"),
        ("retries", 11, "less than or equal to the maximum allowed value 10"),
        ("startPeriod", -1, "greater than or equal to the minimum allowed value 0"),
        ("startPeriod", 301, "less than or equal to the maximum allowed value 300"),
    ],
)
def test_health_check_settings_stay_in_their_ranges(
    aws: LocalAws, setting: str, value: int, phrase: str
) -> None:
    command = ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]
    check = {"command": command, setting: value}
    error = _refusal(aws, containerDefinitions=[_container(healthCheck=check)])
    assert error["Code"] == "ClientException"
    assert f"Health check {setting} must be {phrase} for container 'app'" in error["Message"]

    edges = {"command": command, "interval": 5, "timeout": 60, "retries": 10, "startPeriod": 300}
    registered = _register(aws, containerDefinitions=[_container(healthCheck=edges)])
    assert registered["containerDefinitions"][0]["healthCheck"]["timeout"] == 60


def test_fargate_awslogs_needs_an_execution_role(aws: LocalAws) -> None:
    containers = [_container(logConfiguration=AWSLOGS)]
    assert _refusal(aws, containerDefinitions=containers) == {
        "Code": "ClientException",
        "Message": "Fargate requires task definition to have execution role ARN to support "
        "log driver awslogs.",
    }

    registered = _register(aws, containerDefinitions=containers, executionRoleArn=EXECUTION_ROLE)
    assert registered["executionRoleArn"] == EXECUTION_ROLE
    # On EC2 the container instance's role writes the logs.
    assert _register(aws, **_ec2(containerDefinitions=containers))


def test_secrets_need_an_execution_role(aws: LocalAws) -> None:
    containers = [_container(secrets=[{"name": "DB_PASSWORD", "valueFrom": SECRET}])]
    for overrides in ({}, _ec2()):
        assert _refusal(aws, containerDefinitions=containers, **overrides) == {
            "Code": "ClientException",
            "Message": "When you are specifying container secrets, you must also specify a "
            "value for 'executionRoleArn'.",
        }

    registered = _register(aws, containerDefinitions=containers, executionRoleArn=EXECUTION_ROLE)
    assert registered["containerDefinitions"][0]["secrets"][0]["name"] == "DB_PASSWORD"
