"""status.health of an EcsService, read by the operator process from the local AWS: a
Service Connect server's tasks and its healthy endpoints out of registered, and a no-op
resync that reads none of it."""

from __future__ import annotations

import pytest

from tests.conftest import Kube, Kubectl
from tests.fixtures_aws import LocalAws
from tests.operator.objects import app, apply, env, get, service, wait_ready
from tests.operator_process import OperatorProcess, eventually

pytestmark = [pytest.mark.controlplane, pytest.mark.aws]

HEALTH_READS = {"ecs:ListTasks", "ecs:DescribeTasks", "servicediscovery:GetInstancesHealthStatus"}


def test_a_service_connect_server_shows_its_tasks_and_healthy_endpoints(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(
        kubectl,
        namespace,
        app(),
        env(),
        service("api", port=8080, count=2, network={"connect": {"enabled": True}}),
        service("worker", count=1),  # no Service Connect endpoint: no endpoints on status
    )
    operator.start()
    wait_ready(kube, namespace, "ecsservices", "api", timeout=90)
    wait_ready(kube, namespace, "ecsservices", "worker", timeout=90)
    # Read on the pass that made it Ready, with that pass's status write.
    api = eventually(
        lambda: get(kube, namespace, "ecsservices", "api"),
        lambda o: (
            ((o or {}).get("status", {}).get("health") or {}).get("tasks", {}).get("running") == 2
        ),
    )
    assert api is not None
    health = api["status"]["health"]
    assert health["tasks"] == {"running": 2, "pending": 0, "failed": 0}
    assert (health["healthy"], health["unhealthy"], health["unknown"]) == (0, 0, 2)
    assert health["endpoints"] == {"healthy": 2, "registered": 2}
    assert health["at"].endswith("Z")
    worker = get(kube, namespace, "ecsservices", "worker")
    assert worker is not None
    assert worker["status"]["health"]["tasks"]["running"] == 1
    assert "endpoints" not in worker["status"]["health"]

    # Steady, counts as recorded: resyncs read no tasks, no health.
    aws.reset_counters()
    calls = eventually(aws.counters, lambda c: c.get("ecs:DescribeClusters", 0) >= 3, timeout=30)
    assert HEALTH_READS.isdisjoint(calls), calls
    again = get(kube, namespace, "ecsservices", "api")
    assert again is not None
    assert again["status"]["health"]["at"] == health["at"]
