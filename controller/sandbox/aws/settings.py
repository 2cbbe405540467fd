"""Timing and behaviour switches of the emulated AWS world, shared by the extensions."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EmulatorSettings:
    # ECS: a deployment stays IN_PROGRESS this long, then COMPLETED (or FAILED, see below).
    rollout_seconds: float = 1.0
    # ECS: a deleted service stays DRAINING this long, then INACTIVE.
    drain_seconds: float = 1.0
    # Cloud Map: an operation is SUBMITTED, then PENDING, then SUCCESS after this long.
    operation_seconds: float = 0.5
    # ECS: new deployments end FAILED, as the deployment circuit breaker reports them.
    fail_rollouts: bool = False
    # Refuse what the AWS API references say AWS refuses (see strict/); off only to compare.
    strict: bool = True

    def changed(self, changes: dict[str, Any]) -> EmulatorSettings:
        """A copy with `changes` applied; unknown names and wrong types are refused."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        clean: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in fields:
                raise ValueError(f"unknown setting {name!r}; known: {sorted(fields)}")
            if fields[name].type == "bool":
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be true or false")
                clean[name] = value
            else:
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    raise ValueError(f"{name} must be a number of seconds >= 0")
                clean[name] = float(value)
        return dataclasses.replace(self, **clean)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class _Holder:
    """The settings in force in this process, and the ones a reset returns to."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.defaults = EmulatorSettings()
        self.current = self.defaults

    def configure_defaults(self, settings: EmulatorSettings) -> None:
        with self._lock:
            self.defaults = self.current = settings

    def update(self, changes: dict[str, Any]) -> EmulatorSettings:
        with self._lock:
            self.current = self.current.changed(changes)
            return self.current

    def reset(self) -> None:
        with self._lock:
            self.current = self.defaults


_holder = _Holder()


def current() -> EmulatorSettings:
    return _holder.current


def update(changes: dict[str, Any]) -> EmulatorSettings:
    return _holder.update(changes)


def reset() -> None:
    _holder.reset()


def configure_defaults(settings: EmulatorSettings) -> None:
    _holder.configure_defaults(settings)
