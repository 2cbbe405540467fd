"""controller.observe.health: DescribeTasks and GetInstancesHealthStatus answers as status facts,
and when a pass reads them (never on a steady service's resync within the refresh period)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from controller.api.service import ServiceHealth, TaskCounts
from controller.observe.health import (
    FIRST_READ_SPREAD_SECONDS,
    MISMATCH_SECONDS,
    counted_health,
    discovery_service_ids,
    due,
    endpoint_health,
    task_health,
)

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _task(last: str, health: str | None = None) -> dict[str, Any]:
    task: dict[str, Any] = {"lastStatus": last, "desiredStatus": "RUNNING"}
    if health is not None:
        task["healthStatus"] = health
    return task


def test_tasks_are_counted_by_status_and_running_ones_by_health() -> None:
    found = task_health(
        [
            _task("RUNNING", "HEALTHY"),
            _task("RUNNING", "UNHEALTHY"),
            _task("RUNNING", "UNKNOWN"),
            _task("RUNNING"),  # ECS leaves healthStatus out of some answers
            _task("PENDING", "UNKNOWN"),
            _task("PROVISIONING"),
        ],
        {"deployments": [{"status": "PRIMARY", "failedTasks": 3}, {"status": "ACTIVE"}]},
        at=NOW,
    )
    assert found.tasks == TaskCounts(running=4, pending=2, failed=3)
    assert (found.healthy, found.unhealthy, found.unknown) == (1, 1, 2)
    assert found.at == "2026-01-02T03:04:05Z"
    assert found.endpoints is None


def test_without_a_health_check_the_counts_of_describe_services_say_it_all() -> None:
    found = counted_health(
        {
            "runningCount": 3,
            "pendingCount": 1,
            "deployments": [{"status": "PRIMARY", "failedTasks": 2}],
        },
        at=NOW,
    )
    assert found.tasks == TaskCounts(running=3, pending=1, failed=2)
    assert (found.healthy, found.unhealthy, found.unknown) == (0, 0, 3)


def test_endpoints_sum_every_discovery_service() -> None:
    found = endpoint_health(
        [{"a": "HEALTHY", "b": "UNHEALTHY"}, {"a": "HEALTHY", "c": "UNKNOWN"}, {}]
    )
    assert (found.healthy, found.registered) == (2, 4)


def test_discovery_services_are_the_primary_deployments() -> None:
    arn = "arn:aws:servicediscovery:us-east-1:123456789012:service/"
    described = {
        "deployments": [
            {"status": "ACTIVE", "serviceConnectResources": [{"discoveryArn": arn + "srv-old"}]},
            {
                "status": "PRIMARY",
                "serviceConnectResources": [
                    {"discoveryName": "api-sc", "discoveryArn": arn + "srv-1"},
                    {"discoveryName": "api-admin-sc", "discoveryArn": arn + "srv-2"},
                ],
            },
        ]
    }
    assert discovery_service_ids(described) == ["srv-1", "srv-2"]
    assert discovery_service_ids({"deployments": [{"status": "PRIMARY"}]}) == []


def _recorded(age: float, running: int = 2, pending: int = 0) -> ServiceHealth:
    at = (NOW - timedelta(seconds=age)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ServiceHealth(tasks=TaskCounts(running=running, pending=pending), at=at)


STEADY = {"runningCount": 2, "pendingCount": 0}


def _due(recorded: ServiceHealth | None, **kw: Any) -> bool:
    args: dict[str, Any] = {
        "steady": True,
        "was_ready": True,
        "now": NOW,
        "since": NOW - timedelta(seconds=FIRST_READ_SPREAD_SECONDS),
        "key": "uid-1",
    }
    described = kw.pop("described", STEADY)
    return due(recorded, described, **{**args, **kw})


def test_a_steady_service_is_not_read_again_on_a_timer() -> None:
    assert not _due(_recorded(10))
    assert not _due(_recorded(FIRST_READ_SPREAD_SECONDS * 10))


def test_health_is_read_when_it_becomes_ready_and_not_on_a_rollouts_passes() -> None:
    assert _due(_recorded(1), steady=True, was_ready=False)  # the rollout is done
    assert not _due(_recorded(1), steady=False, was_ready=True)  # an update starts, or failed
    assert not _due(_recorded(1), steady=False, was_ready=False)  # still rolling out


def test_counts_that_moved_are_read_again_but_not_every_resync() -> None:
    scaled = {"runningCount": 3, "pendingCount": 0}
    assert not _due(_recorded(MISMATCH_SECONDS - 1), described=scaled)
    assert _due(_recorded(MISMATCH_SECONDS), described=scaled)


def test_health_never_recorded_is_read_at_an_offset_of_its_own_after_a_start() -> None:
    """Services an older kopilot made: a restart spreads their first reads over the period."""
    offsets = []
    for i in range(50):
        key = f"uid-{i}"
        first = next(
            s
            for s in range(0, int(FIRST_READ_SPREAD_SECONDS) + 1, 5)
            if _due(None, since=NOW - timedelta(seconds=s), key=key)
        )
        offsets.append(first)
    assert max(offsets) <= FIRST_READ_SPREAD_SECONDS
    assert len(set(offsets)) > 20  # spread, not all at once
