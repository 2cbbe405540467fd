"""Task and endpoint health of an ECS service, and when to read it again.

Without a container health check every task's healthStatus is UNKNOWN, so the counts come
from DescribeServices (read anyway) and cost nothing; with one, ListTasks and DescribeTasks
(100 a call) give each task's health. A Service Connect server adds one
GetInstancesHealthStatus per discovery name. That is read when the facts move
(docs/day-2.md): on the pass where the service becomes Ready (a rollout's outcome), and
when DescribeServices's running and pending counts no longer match the recorded ones (a
task replaced, a scaling), at most once per MISMATCH_SECONDS. Not on the polls of a
rollout, nor on a timer: a steady service costs nothing. Health never recorded (services an
older kopilot made) is read once, at an offset of its own within FIRST_READ_SPREAD_SECONDS
of the start, so that an upgrade does not read every service at once. `kubectl kopilot
status` reads the live view.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ..api.service import EndpointHealth, ServiceHealth, TaskCounts

PROCESS_STARTED = datetime.now(UTC)
# Services with no health recorded are first read within this long of the start.
FIRST_READ_SPREAD_SECONDS = 600.0
# Counts that disagree with DescribeServices's are read again, but not more often than this:
# ListTasks and ECS's counts may disagree for a moment, and must not make every resync read.
MISMATCH_SECONDS = 60.0


def task_health(
    running_or_pending: Iterable[Mapping[str, Any]], described: Mapping[str, Any], at: datetime
) -> ServiceHealth:
    """The status facts of DescribeTasks's tasks (those ListTasks listed with desiredStatus
    RUNNING), with the failed tasks of DescribeServices's deployment."""
    tasks = list(running_or_pending)
    running = [t for t in tasks if t.get("lastStatus") == "RUNNING"]
    health = [t.get("healthStatus") or "UNKNOWN" for t in running]
    return ServiceHealth(
        tasks=TaskCounts(
            running=len(running), pending=len(tasks) - len(running), failed=_failed(described)
        ),
        healthy=health.count("HEALTHY"),
        unhealthy=health.count("UNHEALTHY"),
        unknown=len(health) - health.count("HEALTHY") - health.count("UNHEALTHY"),
        at=at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def counted_health(described: Mapping[str, Any], at: datetime) -> ServiceHealth:
    """Without a container health check every task's healthStatus is UNKNOWN: the counts
    of DescribeServices (read anyway) say it all, with no ListTasks or DescribeTasks."""
    running = int(described.get("runningCount") or 0)
    return ServiceHealth(
        tasks=TaskCounts(
            running=running,
            pending=int(described.get("pendingCount") or 0),
            failed=_failed(described),
        ),
        unknown=running,
        at=at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def _failed(described: Mapping[str, Any]) -> int:
    primary = _primary(described)
    return int(primary.get("failedTasks") or 0)


def _primary(described: Mapping[str, Any]) -> Mapping[str, Any]:
    found: Mapping[str, Any] = next(
        (d for d in described.get("deployments") or [] if d.get("status") == "PRIMARY"), {}
    )
    return found


def endpoint_health(statuses: Iterable[Mapping[str, str]]) -> EndpointHealth:
    """GetInstancesHealthStatus's Status maps (instance id -> HEALTHY, UNHEALTHY or UNKNOWN)
    of each discovery service of the server, summed."""
    found = [value for status in statuses for value in status.values()]
    return EndpointHealth(healthy=found.count("HEALTHY"), registered=len(found))


def discovery_service_ids(described: Mapping[str, Any]) -> list[str]:
    """The Cloud Map services of the PRIMARY deployment's Service Connect endpoints (ECS
    names them in serviceConnectResources): none for a client-only service."""
    return [
        str(r["discoveryArn"]).rsplit("/", 1)[-1]
        for r in _primary(described).get("serviceConnectResources") or []
        if r.get("discoveryArn")
    ]


def due(
    recorded: ServiceHealth | None,
    described: Mapping[str, Any],
    *,
    steady: bool,
    was_ready: bool,
    now: datetime,
    since: datetime,
    key: str,
) -> bool:
    """Whether this pass reads health: see the module docstring. `since` is when this process
    started and `key` names the service."""
    if steady and not was_ready:
        return True  # it became Ready: a rollout's outcome
    if not steady:
        return False  # a rollout in progress, or one that failed (its events say why)
    if recorded is None or recorded.at is None or recorded.tasks is None:
        return now >= since + timedelta(seconds=_offset(key))
    age = (now - datetime.fromisoformat(recorded.at.replace("Z", "+00:00"))).total_seconds()
    moved = (recorded.tasks.running, recorded.tasks.pending) != (
        described.get("runningCount"),
        described.get("pendingCount"),
    )
    return moved and (age >= MISMATCH_SECONDS or age < 0)


def _offset(key: str) -> float:
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:4], "big") % int(FIRST_READ_SPREAD_SECONDS)
