"""Strict rules of ECS RegisterTaskDefinition: names, container dependencies, port mappings,
health checks, Fargate's network mode and task sizes, and the execution role that logs and
secrets need."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .rules import Request, rule

API = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference"
GUIDE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide"
TESTS = "tests/aws/strict/test_ecs_task_definitions.py"
REGISTER = ("ecs:RegisterTaskDefinition",)
CLIENT = "ClientException"

# RegisterTaskDefinition.family and ContainerDefinition.name: "Up to 255 letters (uppercase
# and lowercase), numbers, underscores, and hyphens are allowed."
NAME_MAX = 255
_NAME = re.compile(r"[A-Za-z0-9_-]+")
# PortMapping.name: "up to 64 characters ... lowercase letters, numbers, underscores (_), and
# hyphens (-). The name can't start with a hyphen."
_PORT_NAME = re.compile(r"[a-z0-9_][a-z0-9_-]{0,63}")
# PortMapping.appProtocol (ApplicationProtocol).
APP_PROTOCOLS = ("http", "http2", "grpc")
# HealthCheck: the range each setting allows, in seconds (retries: a count).
HEALTH_CHECK_BOUNDS = {"interval": (5, 300), "timeout": (2, 60), "retries": (1, 10),
                       "startPeriod": (0, 300)}  # fmt: skip
# ContainerDependency.condition (ContainerCondition): "Valid Values: START | COMPLETE |
# SUCCESS | HEALTHY".
DEPENDENCY_CONDITIONS = ("START", "COMPLETE", "SUCCESS", "HEALTHY")


def _memory_steps(low: int, high: int, step: int) -> frozenset[int]:
    return frozenset(range(low, high + 1, step))


# RegisterTaskDefinition.memory (and the Developer Guide's "Task size"): the memory (MiB)
# Fargate allows with each cpu value.
FARGATE_TASK_SIZES: dict[int, frozenset[int]] = {
    256: frozenset({512, 1024, 2048}),
    512: _memory_steps(1024, 4096, 1024),
    1024: _memory_steps(2048, 8192, 1024),
    2048: _memory_steps(4096, 16384, 1024),
    4096: _memory_steps(8192, 30720, 1024),
    8192: _memory_steps(16384, 61440, 4096),
    16384: _memory_steps(32768, 122880, 8192),
}

_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]+)?\s*", re.IGNORECASE)


def task_size(value: object, unit: str) -> int | None:
    """RegisterTaskDefinition.cpu / .memory as AWS registers it: "1024", or "1 vCPU" / "1 GB"
    (unit "vcpu" / "gb": 1024 each); None when the value reads as neither."""
    match = _SIZE.fullmatch(str(value))
    if match is None or (match[2] is not None and match[2].lower() != unit):
        return None
    return int(float(match[1]) * (1024 if match[2] else 1))


def _containers(request: Request) -> list[dict[str, Any]]:
    containers = request.get("containerDefinitions") or []
    return [c for c in containers if isinstance(c, dict)]


def _port_mappings(request: Request) -> Iterator[tuple[str, dict[str, Any]]]:
    """(container name, port mapping) of every port mapping of the task definition."""
    for container in _containers(request):
        for mapping in container.get("portMappings") or []:
            if isinstance(mapping, dict):
                yield str(container.get("name")), mapping


def _dependencies(request: Request) -> Iterator[tuple[str, dict[str, Any]]]:
    """(container name, dependency) of every `dependsOn` entry of the task definition."""
    for container in _containers(request):
        for dependency in container.get("dependsOn") or []:
            if isinstance(dependency, dict):
                yield str(container.get("name")), dependency


def _is_fargate(request: Request) -> bool:
    return "FARGATE" in (request.get("requiresCompatibilities") or [])


@rule(
    "ecs.task-definition-family",
    operations=REGISTER,
    code=CLIENT,
    summary="A task definition family is up to 255 letters, numbers, underscores and hyphens.",
    source=f"{API}/API_RegisterTaskDefinition.html#ECS-RegisterTaskDefinition-request-family",
    test=f"{TESTS}::test_a_family_is_255_letters_digits_underscores_or_hyphens",
)
def _family(request: Request) -> str | None:
    family = str(request.get("family") or "")
    if len(family) > NAME_MAX:
        return f"Family must be at most {NAME_MAX} characters long."
    if not _NAME.fullmatch(family):
        return "Family contains invalid characters."
    return None


@rule(
    "ecs.container-name",
    operations=REGISTER,
    code=CLIENT,
    summary="Each container has a name of up to 255 letters, numbers, underscores and hyphens.",
    source=f"{API}/API_ContainerDefinition.html#ECS-Type-ContainerDefinition-name",
    test=f"{TESTS}::test_a_container_name_is_255_letters_digits_underscores_or_hyphens",
)
def _container_name(request: Request) -> str | None:
    for container in _containers(request):
        name = str(container.get("name") or "")
        if not name:
            return "Container.name should not be null or empty."
        if len(name) > NAME_MAX:
            return f"Container.name must be at most {NAME_MAX} characters long."
        if not _NAME.fullmatch(name):
            return "Container.name contains invalid characters."
    return None


# ContainerDefinition.name: "If you're linking multiple containers together in a task
# definition, the name of one container can be entered in the links of another container to
# connect the containers": a name stands for one container of the task definition. The API
# reference states no message; this is the one AWS answers (ClientException, HTTP 400, as
# reported in github.com/Shippable/support/issues/2946).
@rule(
    "ecs.container-name-unique",
    operations=REGISTER,
    code=CLIENT,
    summary="Container names are unique in the task definition (links, `dependsOn` and load "
    "balancers name a container by it).",
    source=f"{API}/API_ContainerDefinition.html#ECS-Type-ContainerDefinition-name",
    test=f"{TESTS}::test_container_names_are_unique_in_a_task_definition",
)
def _container_name_unique(request: Request) -> str | None:
    names = [container.get("name") for container in _containers(request)]
    if len(names) != len(set(map(str, names))):
        return "Container names must be unique within a Task Definition."
    return None


# ContainerDefinition.dependsOn: "A container can contain multiple dependencies on other
# containers in a task definition." AWS's message, typo included, as reported in
# github.com/dagster-io/dagster/issues/6926 and github.com/eagletmt/hako/pull/99.
@rule(
    "ecs.depends-on-container-exists",
    operations=REGISTER,
    code=CLIENT,
    summary="A `dependsOn` entry's `containerName` names a container of the task definition.",
    source=f"{API}/API_ContainerDefinition.html#ECS-Type-ContainerDefinition-dependsOn",
    test=f"{TESTS}::test_a_dependency_names_a_container_of_the_task_definition",
)
def _depends_on_container_exists(request: Request) -> str | None:
    names = {str(container.get("name")) for container in _containers(request)}
    for _, dependency in _dependencies(request):
        target = str(dependency.get("containerName"))
        if target not in names:
            return f"Cannot depend on container + '{target}' because it does not exist"
    return None


# ContainerDefinition.dependsOn: "dependencies on other containers in a task definition". The
# message is not documented; this one is written in AWS's style.
@rule(
    "ecs.depends-on-self",
    operations=REGISTER,
    code=CLIENT,
    summary="A container does not depend on itself: `dependsOn` names other containers.",
    source=f"{API}/API_ContainerDefinition.html#ECS-Type-ContainerDefinition-dependsOn",
    test=f"{TESTS}::test_a_container_does_not_depend_on_itself",
)
def _depends_on_self(request: Request) -> str | None:
    for container, dependency in _dependencies(request):
        if str(dependency.get("containerName")) == container:
            return f"Container '{container}' cannot depend on itself."
    return None


# ContainerDependency.condition: the ContainerCondition enum (botocore does not check enums).
# The message is not documented; this one is written in AWS's style.
@rule(
    "ecs.depends-on-condition",
    operations=REGISTER,
    code=CLIENT,
    summary="A dependency's `condition` is START, COMPLETE, SUCCESS or HEALTHY.",
    source=f"{API}/API_ContainerDependency.html#ECS-Type-ContainerDependency-condition",
    test=f"{TESTS}::test_a_dependency_condition_comes_from_the_enum",
)
def _depends_on_condition(request: Request) -> str | None:
    for container, dependency in _dependencies(request):
        condition = dependency.get("condition")
        if condition not in DEPENDENCY_CONDITIONS:
            return (
                f"Invalid dependency condition '{condition}' in container '{container}': "
                f"must be one of {', '.join(DEPENDENCY_CONDITIONS)}."
            )
    return None


@rule(
    "ecs.fargate-network-mode",
    operations=REGISTER,
    code=CLIENT,
    summary="A task definition that requires Fargate uses the awsvpc network mode.",
    source=f"{API}/API_RegisterTaskDefinition.html#ECS-RegisterTaskDefinition-request-networkMode",
    test=f"{TESTS}::test_fargate_needs_awsvpc_and_task_level_sizes",
)
def _fargate_network_mode(request: Request) -> str | None:
    if _is_fargate(request) and request.get("networkMode") != "awsvpc":
        return "Fargate only supports network mode 'awsvpc'."
    return None


@rule(
    "ecs.fargate-task-size-required",
    operations=REGISTER,
    code=CLIENT,
    summary="A task definition that requires Fargate gives `cpu` and `memory` at the task level.",
    source=f"{API}/API_RegisterTaskDefinition.html#ECS-RegisterTaskDefinition-request-cpu",
    test=f"{TESTS}::test_fargate_needs_awsvpc_and_task_level_sizes",
)
def _fargate_task_size_required(request: Request) -> str | None:
    if not _is_fargate(request):
        return None
    for setting in ("cpu", "memory"):
        if request.get(setting) is None:
            return f"Fargate requires that '{setting}' be defined at the task level."
    return None


@rule(
    "ecs.fargate-task-size",
    operations=REGISTER,
    code=CLIENT,
    summary="On Fargate, the task's `cpu` and `memory` are one of the published pairs "
    "(256 CPU with 512, 1024 or 2048 MiB, ...).",
    source=f"{API}/API_RegisterTaskDefinition.html#ECS-RegisterTaskDefinition-request-memory",
    test=f"{TESTS}::test_fargate_refuses_other_task_sizes",
)
def _fargate_task_size(request: Request) -> str | None:
    if not _is_fargate(request):
        return None
    cpu = task_size(request.get("cpu"), "vcpu")
    memory = task_size(request.get("memory"), "gb")
    if cpu is None or memory is None:  # unreadable sizes are refused at registration
        return None
    if memory not in FARGATE_TASK_SIZES.get(cpu, frozenset()):
        return (
            f"No Fargate configuration exists for given values: {cpu} CPU, {memory} memory. "
            "See the Amazon ECS documentation for the valid values."
        )
    return None


@rule(
    "ecs.port-mapping-name",
    operations=REGISTER,
    code=CLIENT,
    summary="A port mapping name is up to 64 lowercase letters, numbers, underscores and "
    "hyphens, not starting with a hyphen.",
    source=f"{API}/API_PortMapping.html#ECS-Type-PortMapping-name",
    test=f"{TESTS}::test_port_mapping_names_follow_the_documented_format",
)
def _port_mapping_name(request: Request) -> str | None:
    for container, mapping in _port_mappings(request):
        name = mapping.get("name")
        if name is not None and not _PORT_NAME.fullmatch(str(name)):
            return (
                f"Invalid 'name' setting for port mapping in container '{container}': up to 64 "
                "lowercase letters, numbers, underscores and hyphens, not starting with a "
                "hyphen."
            )
    return None


@rule(
    "ecs.port-mapping-name-unique",
    operations=REGISTER,
    code=CLIENT,
    summary="Port mapping names are unique in the task definition (Service Connect refers to "
    "a port by its name).",
    source=f"{API}/API_PortMapping.html#ECS-Type-PortMapping-name",
    test=f"{TESTS}::test_port_mapping_names_are_unique_and_kept",
)
def _port_mapping_name_unique(request: Request) -> str | None:
    seen: set[str] = set()
    for _, mapping in _port_mappings(request):
        name = mapping.get("name")
        if name is None:
            continue
        if name in seen:
            return (
                f"Port mapping name '{name}' is used more than once in the task definition; "
                "port mapping names must be unique."
            )
        seen.add(name)
    return None


@rule(
    "ecs.port-mapping-app-protocol",
    operations=REGISTER,
    code=CLIENT,
    summary="A port mapping's `appProtocol` is `http`, `http2` or `grpc`.",
    source=f"{API}/API_PortMapping.html#ECS-Type-PortMapping-appProtocol",
    test=f"{TESTS}::test_app_protocol_is_http_http2_or_grpc",
)
def _app_protocol(request: Request) -> str | None:
    for container, mapping in _port_mappings(request):
        protocol = mapping.get("appProtocol")
        if protocol is not None and protocol not in APP_PROTOCOLS:
            return (
                f"Invalid 'appProtocol' setting for port mapping in container '{container}': "
                f"must be one of {', '.join(APP_PROTOCOLS)}."
            )
    return None


@rule(
    "ecs.host-port",
    operations=REGISTER,
    code=CLIENT,
    summary="With the awsvpc or host network mode, a port mapping's `hostPort` is omitted or "
    "equals its `containerPort`.",
    source=f"{API}/API_PortMapping.html",
    test=f"{TESTS}::test_awsvpc_host_ports_match_container_ports",
)
def _host_port(request: Request) -> str | None:
    mode = request.get("networkMode")
    if mode not in ("awsvpc", "host"):
        return None
    for _, mapping in _port_mappings(request):
        host, port = mapping.get("hostPort"), mapping.get("containerPort")
        # 0 stands for "no host port" as in the bridge mode; a port range sets none.
        if host and port is not None and host != port:
            return (
                f"When networkMode={mode}, the host ports and container ports in port "
                "mappings must match."
            )
    return None


@rule(
    "ecs.health-check-bounds",
    operations=REGISTER,
    code=CLIENT,
    summary="A container health check's `interval` is 5-300 s, `timeout` 2-60 s, `retries` "
    "1-10 and `startPeriod` 0-300 s.",
    source=f"{API}/API_HealthCheck.html",
    test=f"{TESTS}::test_health_check_settings_stay_in_their_ranges",
)
def _health_check_bounds(request: Request) -> str | None:
    for container in _containers(request):
        check = container.get("healthCheck")
        if not isinstance(check, dict):
            continue
        for setting, (low, high) in HEALTH_CHECK_BOUNDS.items():
            value = check.get(setting)
            if not isinstance(value, int):
                continue
            name = container.get("name")
            if value > high:
                return (
                    f"Health check {setting} must be less than or equal to the maximum "
                    f"allowed value {high} for container '{name}'"
                )
            if value < low:
                return (
                    f"Health check {setting} must be greater than or equal to the minimum "
                    f"allowed value {low} for container '{name}'"
                )
    return None


@rule(
    "ecs.fargate-awslogs-execution-role",
    operations=REGISTER,
    code=CLIENT,
    summary="On Fargate, a container that logs with the `awslogs` driver needs the task "
    "definition's `executionRoleArn` (the role writes the logs).",
    source=f"{GUIDE}/task_execution_IAM_role.html",
    test=f"{TESTS}::test_fargate_awslogs_needs_an_execution_role",
)
def _fargate_awslogs_execution_role(request: Request) -> str | None:
    if not _is_fargate(request) or request.get("executionRoleArn"):
        return None
    for container in _containers(request):
        if (container.get("logConfiguration") or {}).get("logDriver") == "awslogs":
            return (
                "Fargate requires task definition to have execution role ARN to support log "
                "driver awslogs."
            )
    return None


@rule(
    "ecs.secrets-execution-role",
    operations=REGISTER,
    code=CLIENT,
    summary="A container with `secrets` needs the task definition's `executionRoleArn` (the "
    "role reads them).",
    source=f"{GUIDE}/task_execution_IAM_role.html",
    test=f"{TESTS}::test_secrets_need_an_execution_role",
)
def _secrets_execution_role(request: Request) -> str | None:
    if request.get("executionRoleArn"):
        return None
    if any(container.get("secrets") for container in _containers(request)):
        return (
            "When you are specifying container secrets, you must also specify a value for "
            "'executionRoleArn'."
        )
    return None
