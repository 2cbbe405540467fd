"""ECS tasks of services over HTTP: ListTasks(serviceName) and DescribeTasks follow each
deployment's counts (PENDING, then RUNNING), scaling in and deleting stop tasks, and tasks of
an image that cannot be pulled stop with CannotPullContainerError."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws.builders import create_web, describe, primary, wait_steady
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws

EXECUTION_ROLE = "arn:aws:iam::123456789012:role/exec"


def register_fargate(ecs: Any, *containers: dict[str, Any]) -> str:
    """A Fargate revision of family `web` with these containers (and the execution role
    awslogs needs); its ARN."""
    arn: str = ecs.register_task_definition(
        family="web",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        executionRoleArn=EXECUTION_ROLE,
        containerDefinitions=list(containers),
    )["taskDefinition"]["taskDefinitionArn"]
    return arn


def register(ecs: Any, image: str = "nginx:1", *, health: bool = False) -> str:
    container: dict[str, Any] = {"name": "app", "image": image, "essential": True}
    if health:
        container["healthCheck"] = {"command": ["CMD-SHELL", "true"]}
    return register_fargate(
        ecs, container, {"name": "sidecar", "image": "busybox:1", "essential": False}
    )


def tasks(ecs: Any, desired: str = "RUNNING") -> list[dict[str, Any]]:
    arns = ecs.list_tasks(cluster="c", serviceName="web", desiredStatus=desired)["taskArns"]
    if not arns:
        return []
    found: list[dict[str, Any]] = ecs.describe_tasks(cluster="c", tasks=arns)["tasks"]
    return found


def test_tasks_follow_the_rollout(aws: LocalAws) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    ecs.create_cluster(clusterName="c")
    td = register(ecs, health=True)
    aws.settings(rollout_seconds=1)
    create_web(aws, ecs, desiredCount=2, launchType="FARGATE")
    deployment = primary(describe(ecs, "c", "web"))
    pending = tasks(ecs)
    assert [t["lastStatus"] for t in pending] == ["PENDING", "PENDING"]
    assert all("startedAt" not in t for t in pending)

    wait_steady(aws, ecs, "c", "web")
    running = tasks(ecs)
    assert {t["taskArn"] for t in running} == {t["taskArn"] for t in pending}
    for task in running:
        assert (task["lastStatus"], task["desiredStatus"], task["healthStatus"]) == (
            "RUNNING",
            "RUNNING",
            "HEALTHY",
        )
        assert task["taskDefinitionArn"] == td
        assert task["group"] == "service:web"
        assert task["startedBy"] == deployment["id"]
        assert task["startedAt"] >= task["createdAt"]
        assert task["taskArn"].startswith("arn:aws:ecs:us-east-1:123456789012:task/c/")
        details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
        assert details["privateIPv4Address"].count(".") == 3
        assert details["networkInterfaceId"].startswith("eni-")
        assert [(c["name"], c["lastStatus"], c["healthStatus"]) for c in task["containers"]] == [
            ("app", "RUNNING", "HEALTHY"),
            ("sidecar", "RUNNING", "UNKNOWN"),
        ]
    # By ID as well as ARN; an unknown task is a failure.
    one = running[0]["taskArn"].rsplit("/", 1)[-1]
    answer = ecs.describe_tasks(cluster="c", tasks=[one, "0123456789abcdef"])
    assert [t["taskArn"] for t in answer["tasks"]] == [running[0]["taskArn"]]
    assert answer["failures"] == [{"arn": "0123456789abcdef", "reason": "MISSING"}]
    # Without serviceName the cluster's tasks are listed.
    assert len(ecs.list_tasks(cluster="c")["taskArns"]) == 2


def test_without_a_health_check_health_is_unknown(aws: LocalAws) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    ecs.create_cluster(clusterName="c")
    register(ecs)
    aws.settings(rollout_seconds=0)
    create_web(aws, ecs, desiredCount=1, launchType="FARGATE")
    [task] = tasks(ecs)
    assert (task["lastStatus"], task["healthStatus"]) == ("RUNNING", "UNKNOWN")


def test_scaling_in_a_new_deployment_and_deleting_stop_tasks(aws: LocalAws) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    ecs.create_cluster(clusterName="c")
    register(ecs)
    aws.settings(rollout_seconds=0, drain_seconds=0)
    create_web(aws, ecs, desiredCount=3, launchType="FARGATE")
    first = primary(describe(ecs, "c", "web"))["id"]
    assert len(tasks(ecs)) == 3

    ecs.update_service(cluster="c", service="web", desiredCount=1)
    assert len(tasks(ecs)) == 1
    stopped = tasks(ecs, "STOPPED")
    assert len(stopped) == 2
    assert {t["stoppedReason"] for t in stopped} == {
        f"Scaling activity initiated by (deployment {first})"
    }
    assert {t["stopCode"] for t in stopped} == {"ServiceSchedulerInitiated"}

    newer = register(ecs, image="nginx:2")
    ecs.update_service(cluster="c", service="web", taskDefinition=newer)
    [task] = tasks(ecs)
    assert task["taskDefinitionArn"] == newer
    assert len(tasks(ecs, "STOPPED")) == 3

    ecs.delete_service(cluster="c", service="web", force=True)
    aws.eventually(lambda: describe(ecs, "c", "web")["status"], until=lambda s: s == "INACTIVE")
    assert tasks(ecs) == []
    assert len(tasks(ecs, "STOPPED")) == 4


def test_an_unpullable_image_stops_its_tasks_with_the_reason(aws: LocalAws) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    ecs.create_cluster(clusterName="c")
    register(ecs)
    aws.settings(rollout_seconds=0)
    breaker = {"deploymentCircuitBreaker": {"enable": True, "rollback": False}}
    create_web(aws, ecs, desiredCount=2, launchType="FARGATE", deploymentConfiguration=breaker)
    good = {t["taskArn"] for t in tasks(ecs)}
    ecs.update_service(
        cluster="c", service="web", taskDefinition=register(ecs, "nginx:does-not-exist")
    )
    service = describe(ecs, "c", "web")
    assert primary(service)["rolloutState"] == "FAILED"
    assert {t["taskArn"] for t in tasks(ecs)} == good  # the old deployment keeps running
    failed = tasks(ecs, "STOPPED")
    assert len(failed) == 2
    reason = (
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
        "failed to resolve ref docker.io/library/nginx:does-not-exist: "
        "docker.io/library/nginx:does-not-exist: not found"
    )
    for task in failed:
        assert (task["lastStatus"], task["stopCode"], task["stoppedReason"]) == (
            "STOPPED",
            "TaskFailedToStart",
            reason,
        )
        assert task["healthStatus"] == "UNHEALTHY"
        assert "startedAt" not in task
        assert task["containers"][0]["reason"] == reason
    # The service event names one of the stopped tasks.
    ids = {t["taskArn"].rsplit("/", 1)[-1] for t in failed}
    quoted = next(e["message"] for e in service["events"] if "CannotPull" in e["message"])
    assert quoted.split("(task ")[1].split(")")[0] in ids
