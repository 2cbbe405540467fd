"""CloudWatch Logs of service tasks over HTTP: a task that starts writes a line to each
container's awslogs stream `{prefix}/{container}/{task-id}`, in a group that exists or that
`awslogs-create-group` lets the driver create."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws.builders import create_web
from tests.aws.test_tasks import register_fargate
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws

GROUP = "/copilot/kudos-test-web"


def register(ecs: Any, **options: str) -> None:
    log = {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": GROUP,
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "copilot",
            **options,
        },
    }
    register_fargate(ecs, {"name": "web", "image": "nginx:1", "logConfiguration": log})


def _start(aws: LocalAws, count: int, **options: str) -> tuple[Any, list[str]]:
    ecs = aws.client("ecs", max_attempts=1)
    ecs.create_cluster(clusterName="c")
    register(ecs, **options)
    aws.settings(rollout_seconds=0)
    create_web(aws, ecs, desiredCount=count, launchType="FARGATE")
    arns = ecs.list_tasks(cluster="c", serviceName="web")["taskArns"]
    return aws.client("logs"), [arn.rsplit("/", 1)[-1] for arn in arns]


def test_a_started_task_writes_a_line_to_its_stream(aws: LocalAws) -> None:
    aws.client("logs").create_log_group(logGroupName=GROUP)
    logs, task_ids = _start(aws, 2)
    assert len(task_ids) == 2
    streams = logs.describe_log_streams(logGroupName=GROUP)["logStreams"]
    assert sorted(s["logStreamName"] for s in streams) == sorted(
        f"copilot/web/{task_id}" for task_id in task_ids
    )
    events = logs.filter_log_events(logGroupName=GROUP)["events"]
    assert len(events) == 2
    for event in events:
        task_id = event["logStreamName"].rsplit("/", 1)[-1]
        assert event["message"] == f"container web started from nginx:1 (task {task_id})"


def test_no_group_no_lines_unless_the_driver_may_create_it(aws: LocalAws) -> None:
    logs, task_ids = _start(aws, 1)
    assert len(task_ids) == 1
    assert logs.describe_log_groups()["logGroups"] == []


def test_awslogs_create_group_creates_it(aws: LocalAws) -> None:
    logs, [task_id] = _start(aws, 1, **{"awslogs-create-group": "true"})
    [group] = logs.describe_log_groups()["logGroups"]
    assert group["logGroupName"] == GROUP
    [event] = logs.filter_log_events(logGroupName=GROUP)["events"]
    assert event["logStreamName"] == f"copilot/web/{task_id}"
