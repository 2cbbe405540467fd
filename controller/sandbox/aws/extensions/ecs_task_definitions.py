"""RegisterTaskDefinition's task sizes as AWS registers them: "1 vCPU" becomes "1024" and
"2 GB" "2048". What AWS refuses in a task definition is checked by strict mode
(`strict/ecs_task_definitions.py`)."""

from __future__ import annotations

from typing import Any

from moto.ecs.exceptions import EcsClientException
from moto.ecs.models import EC2ContainerServiceBackend

from ..strict.ecs_task_definitions import task_size

_moto_register_task_definition = EC2ContainerServiceBackend.register_task_definition


def _units(value: str | None, unit: str, setting: str) -> str | None:
    """RegisterTaskDefinition.cpu / .memory: "String values are converted to an integer ...
    when the task definition is registered"."""
    if value is None:
        return None
    size = task_size(value, unit)
    if size is None:
        raise EcsClientException(f"Invalid '{setting}' setting for task.")
    return str(size)


def register_task_definition(
    self: Any, family: str, container_definitions: list[dict[str, Any]], **kwargs: Any
) -> Any:
    kwargs["cpu"] = _units(kwargs.get("cpu"), "vcpu", "cpu")
    kwargs["memory"] = _units(kwargs.get("memory"), "gb", "memory")
    return _moto_register_task_definition(self, family, container_definitions, **kwargs)


def apply() -> None:
    backend: Any = EC2ContainerServiceBackend
    backend.register_task_definition = register_task_definition
