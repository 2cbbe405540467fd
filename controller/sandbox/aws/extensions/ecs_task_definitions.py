"""RegisterTaskDefinition checks that moto skips: port mapping names and Fargate task sizes."""

from __future__ import annotations

import re
from typing import Any

from moto.ecs.exceptions import EcsClientException
from moto.ecs.models import EC2ContainerServiceBackend

_moto_register_task_definition = EC2ContainerServiceBackend.register_task_definition

# Amazon ECS API Reference, PortMapping.name: "up to 64 characters ... lowercase letters,
# numbers, underscores (_), and hyphens (-). The name can't start with a hyphen."
_PORT_NAME = re.compile(r"[a-z0-9_][a-z0-9_-]{0,63}")
# PortMapping.appProtocol (ApplicationProtocol).
_APP_PROTOCOLS = ("http", "http2", "grpc")


def _memory_steps(low: int, high: int, step: int) -> frozenset[int]:
    return frozenset(range(low, high + 1, step))


# Amazon ECS Developer Guide, "Task size" for Fargate: the memory (MiB) each cpu value allows.
FARGATE_TASK_SIZES: dict[int, frozenset[int]] = {
    256: frozenset({512, 1024, 2048}),
    512: _memory_steps(1024, 4096, 1024),
    1024: _memory_steps(2048, 8192, 1024),
    2048: _memory_steps(4096, 16384, 1024),
    4096: _memory_steps(8192, 30720, 1024),
    8192: _memory_steps(16384, 61440, 4096),
    16384: _memory_steps(32768, 122880, 8192),
}


def _units(value: str | None, unit: str, setting: str) -> str | None:
    """RegisterTaskDefinition.cpu / .memory: "1024" or "1 vCPU" / "1 GB"; "String values are
    converted to an integer ... when the task definition is registered"."""
    if value is None:
        return None
    match = re.fullmatch(rf"\s*(\d+(?:\.\d*)?|\.\d+)\s*({unit})?\s*", str(value), re.IGNORECASE)
    if match is None:
        raise EcsClientException(f"Invalid '{setting}' setting for task.")
    number = float(match[1]) * (1024 if match[2] else 1)
    return str(int(number))


def _check_port_mappings(container_definitions: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for container in container_definitions:
        for mapping in container.get("portMappings") or []:
            container_name = container.get("name")
            name = mapping.get("name")
            if name is not None:
                if not _PORT_NAME.fullmatch(name):
                    raise EcsClientException(
                        f"Invalid 'name' setting for port mapping in container "
                        f"'{container_name}': up to 64 lowercase letters, numbers, underscores "
                        "and hyphens, not starting with a hyphen."
                    )
                if name in seen:
                    raise EcsClientException(
                        f"Port mapping name '{name}' is used more than once in the task "
                        "definition; port mapping names must be unique."
                    )
                seen.add(name)
            protocol = mapping.get("appProtocol")
            if protocol is not None and protocol not in _APP_PROTOCOLS:
                raise EcsClientException(
                    f"Invalid 'appProtocol' setting for port mapping in container "
                    f"'{container_name}': must be one of {', '.join(_APP_PROTOCOLS)}."
                )


def _check_fargate(network_mode: str | None, cpu: str | None, memory: str | None) -> None:
    """Amazon ECS Developer Guide, Fargate task definitions: awsvpc networking, task-level cpu
    and memory, and only the cpu/memory pairs of the task size table."""
    if network_mode != "awsvpc":
        raise EcsClientException("Fargate only supports network mode 'awsvpc'.")
    if cpu is None:
        raise EcsClientException("Fargate requires that 'cpu' be defined at the task level.")
    if memory is None:
        raise EcsClientException("Fargate requires that 'memory' be defined at the task level.")
    if int(memory) not in FARGATE_TASK_SIZES.get(int(cpu), frozenset()):
        raise EcsClientException(
            f"No Fargate configuration exists for given values: {cpu} CPU, {memory} memory. "
            "See the Amazon ECS documentation for the valid values."
        )


def register_task_definition(
    self: Any, family: str, container_definitions: list[dict[str, Any]], **kwargs: Any
) -> Any:
    _check_port_mappings(container_definitions)
    kwargs["cpu"] = _units(kwargs.get("cpu"), "vcpu", "cpu")
    kwargs["memory"] = _units(kwargs.get("memory"), "gb", "memory")
    if "FARGATE" in (kwargs.get("requires_compatibilities") or []):
        _check_fargate(kwargs.get("network_mode"), kwargs["cpu"], kwargs["memory"])
    return _moto_register_task_definition(self, family, container_definitions, **kwargs)


def apply() -> None:
    backend: Any = EC2ContainerServiceBackend
    backend.register_task_definition = register_task_definition
