"""What a pass starts from instead of reading: apps and Ready environments as kopf's watch
last saw them (controller/reconcile/indexed.py)."""

from __future__ import annotations

from typing import Any

from controller.reconcile.indexed import APPS, ENVIRONMENTS, entry, known_from

NS = "team-a"


def _env(ready: bool, cluster: str | None = "arn:aws:ecs:us-east-1:123456789012:cluster/c") -> Any:
    status: dict[str, Any] = {"conditions": [{"type": "Ready", "status": str(ready)}]}
    if cluster:
        status["clusterArn"] = cluster
    return {
        "metadata": {"name": "test", "namespace": NS},
        "spec": {"app": "kudos"},
        "status": status,
    }


def _indices(env: Any) -> dict[str, Any]:
    app = {"metadata": {"name": "kudos", "namespace": NS}, "spec": {}}
    return {
        APPS: {(NS, "kudos"): [app]},
        ENVIRONMENTS: {(NS, "test"): [env]} if env is not None else {},
    }


def _service() -> dict[str, Any]:
    return {
        "metadata": {"name": "api", "namespace": NS},
        "spec": {"app": "kudos", "environment": "test"},
    }


def test_a_service_starts_from_its_app_and_its_ready_environment() -> None:
    env = _env(ready=True)

    known = known_from("EcsService", _service(), _indices(env))

    assert known is not None
    assert known.environment is env
    assert known.app is not None
    assert known.app["metadata"]["name"] == "kudos"


def test_an_environment_not_ready_or_without_its_cluster_is_read_fresh() -> None:
    for env in (_env(ready=False), _env(ready=True, cluster=None)):
        known = known_from("EcsService", _service(), _indices(env))

        assert known is not None
        assert known.environment is None  # the pass reads it, as the wake-up found it
        assert known.app is not None


def test_nothing_indexed_means_nothing_known() -> None:
    service = _service()
    service["spec"]["app"] = "other"

    assert known_from("EcsService", service, _indices(None)) is None
    assert known_from("EcsService", _service(), {}) is None
    assert known_from("EcsApp", {"metadata": {"namespace": NS}, "spec": {}}, _indices(None)) is None


def test_an_environment_starts_from_its_app() -> None:
    body = {"metadata": {"name": "test", "namespace": NS}, "spec": {"app": "kudos"}}

    known = known_from("EcsEnvironment", body, _indices(None))

    assert known is not None
    assert known.app is not None
    assert known.environment is None


def test_the_index_keeps_a_copy_not_kopfs_body() -> None:
    body = {"apiVersion": "kopilot.dev/v1alpha1", **_env(ready=True)}

    kept = entry(NS, "test", body)[(NS, "test")]
    body["status"]["clusterArn"] = "changed"

    assert kept["status"]["clusterArn"].endswith("cluster/c")
    assert set(kept) == {"metadata", "spec", "status"}
