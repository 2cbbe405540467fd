"""RegisterTaskDefinition over HTTP: task sizes registered as AWS registers them. What AWS
refuses in a task definition is tested in tests/aws/strict/test_ecs_task_definitions.py."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws


def _register(aws: LocalAws, **overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "family": "web",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{"name": "app", "image": "nginx"}],
        **overrides,
    }
    task_definition: dict[str, Any] = aws.client("ecs", max_attempts=1).register_task_definition(
        **request
    )["taskDefinition"]
    return task_definition


@pytest.mark.parametrize(
    ("cpu", "memory", "registered"),
    [
        ("256", "512", ("256", "512")),
        ("512", "4096", ("512", "4096")),
        ("4096", "30720", ("4096", "30720")),
        ("16384", "122880", ("16384", "122880")),
        ("1 vCPU", "2 GB", ("1024", "2048")),
        (".25 vcpu", "0.5GB", ("256", "512")),
    ],
)
def test_fargate_accepts_the_published_task_sizes(
    aws: LocalAws, cpu: str, memory: str, registered: tuple[str, str]
) -> None:
    task_definition = _register(aws, cpu=cpu, memory=memory)
    assert (task_definition["cpu"], task_definition["memory"]) == registered


def test_an_unreadable_task_size_is_refused(aws: LocalAws) -> None:
    with pytest.raises(ClientError) as caught:
        _register(aws, cpu="one vCPU")
    assert caught.value.response["Error"] == {
        "Code": "ClientException",
        "Message": "Invalid 'cpu' setting for task.",
    }
