"""ECS deployments of images that cannot be pulled, over HTTP: any image whose reference
contains "does-not-exist" stops its tasks with CannotPullContainerError, and the deployment
fails as the deployment circuit breaker reports it; a good image afterwards completes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws.builders import describe, primary, register_web
from tests.aws.strict.refusals import cluster_and_network
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws

NOT_FOUND = (
    "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
    "failed to resolve ref docker.io/library/nginx:does-not-exist: "
    "docker.io/library/nginx:does-not-exist: not found"
)


def _service(aws: LocalAws, *, breaker: bool, rollback: bool = False) -> tuple[Any, str]:
    """A service on a good image whose rollout completed; the ECS client and its task
    definition."""
    ecs = aws.client("ecs", max_attempts=1)
    network = cluster_and_network(aws, "c")
    good = register_web(ecs)
    aws.settings(rollout_seconds=0)
    ecs.create_service(
        cluster="c",
        serviceName="web",
        taskDefinition="web",
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=network,
        deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": breaker, "rollback": rollback}
        },
    )
    assert primary(describe(ecs, "c", "web"))["rolloutState"] == "COMPLETED"
    return ecs, good


def _deploy(ecs: Any, image: str) -> str:
    task_definition = register_web(ecs, image=image)
    ecs.update_service(cluster="c", service="web", taskDefinition=task_definition)
    return task_definition


def _messages(service: dict[str, Any]) -> list[str]:
    return [event["message"] for event in service["events"]]


def test_an_unpullable_image_fails_the_deployment(aws: LocalAws) -> None:
    ecs, good = _service(aws, breaker=True)
    _deploy(ecs, "nginx:does-not-exist")
    service = describe(ecs, "c", "web")
    failed = primary(service)
    assert failed["rolloutState"] == "FAILED"
    assert failed["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert (failed["failedTasks"], failed["runningCount"]) == (1, 0)
    old = service["deployments"][1]
    assert (old["status"], old["taskDefinition"], old["runningCount"]) == ("ACTIVE", good, 1)
    messages = _messages(service)
    assert "deployment failed: tasks failed to start." in messages[0]
    assert messages[1].startswith("(service web) (task ")
    assert messages[1].endswith(f" stopped: {NOT_FOUND}")

    fixed = _deploy(ecs, "nginx:1.27")
    service = describe(ecs, "c", "web")
    assert [(d["status"], d["taskDefinition"]) for d in service["deployments"]] == [
        ("PRIMARY", fixed)
    ]
    assert primary(service)["rolloutState"] == "COMPLETED"


def test_an_unpullable_image_rolls_back_with_rollback_on(aws: LocalAws) -> None:
    ecs, good = _service(aws, breaker=True, rollback=True)
    _deploy(ecs, "nginx:does-not-exist")
    service = describe(ecs, "c", "web")
    assert service["taskDefinition"] == good
    assert [(d["status"], d["taskDefinition"]) for d in service["deployments"]] == [
        ("PRIMARY", good)
    ]
    assert primary(service)["rolloutState"] == "COMPLETED"
    assert any("deployment failed" in message for message in _messages(service))
    assert any(message.endswith(NOT_FOUND) for message in _messages(service))


def test_without_the_breaker_it_stays_in_progress_until_a_good_image(aws: LocalAws) -> None:
    ecs, _ = _service(aws, breaker=False)
    _deploy(ecs, "registry.example/does-not-exist/app:1")
    service = describe(ecs, "c", "web")
    stuck = primary(service)
    assert stuck["rolloutState"] == "IN_PROGRESS"
    assert (stuck["failedTasks"], stuck["runningCount"]) == (1, 0)
    ref = "registry.example/does-not-exist/app:1"
    assert _messages(service)[0].endswith(f"failed to resolve ref {ref}: {ref}: not found")
    assert primary(describe(ecs, "c", "web"))["rolloutState"] == "IN_PROGRESS"  # ECS retries

    fixed = _deploy(ecs, "registry.example/app:1")
    service = describe(ecs, "c", "web")
    assert [(d["status"], d["taskDefinition"]) for d in service["deployments"]] == [
        ("PRIMARY", fixed)
    ]
    assert primary(service)["rolloutState"] == "COMPLETED"
