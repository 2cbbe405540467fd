"""kopilot's extensions to moto: ECS, Cloud Map, Elastic Load Balancing v2 and Application Auto
Scaling as the AWS API references describe them.

`apply()` installs them on moto's classes in this process (the emulator's); `tick()` moves
time-based state (rollouts, draining, Cloud Map operations) along before each request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from moto.core.utils import unix_time, utcnow
from moto.ecs.models import ecs_backends
from moto.servicediscovery.models import servicediscovery_backends

from . import (
    application_autoscaling,
    cloudmap,
    ecs_clusters,
    ecs_services,
    ecs_task_definitions,
    ecs_tasks,
    elbv2,
)

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    application_autoscaling.apply()
    cloudmap.apply()
    ecs_clusters.apply()
    ecs_services.apply()
    ecs_task_definitions.apply()
    ecs_tasks.apply()
    elbv2.apply()
    _applied = True


def tick() -> None:
    now = utcnow()
    for backend in _backends(ecs_backends):
        ecs_services.advance(backend, now)
        ecs_clusters.count_active_services(backend)
    now_seconds = unix_time(now)
    for backend in _backends(servicediscovery_backends):
        cloudmap.advance(backend, now_seconds)


def _backends(backend_dict: Any) -> Iterator[Any]:
    # Only the accounts and Regions a request has touched exist; iterating creates none.
    for account in list(backend_dict.values()):
        yield from list(account.values())
