"""What the awslogs log driver writes when a task's container starts, in moto's CloudWatch Logs.

Amazon ECS Developer Guide, "Send Amazon ECS logs to CloudWatch" (awslogs-stream-prefix):
each container logs to the stream `{prefix}/{container-name}/{task-id}` of `awslogs-group`
in `awslogs-region`. With `awslogs-create-group` "true" the driver creates the group;
otherwise the group must exist (on AWS the task then fails to start with
ResourceInitializationError; the emulator only writes nothing, see docs/local-aws.md).
No container runs here, so the line written says that the container started.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from moto.core.utils import unix_time_millis
from moto.logs.models import logs_backends


def awslogs_options(container: dict[str, Any]) -> dict[str, str] | None:
    config = container.get("logConfiguration") or {}
    if config.get("logDriver") != "awslogs":
        return None
    options: dict[str, str] = config.get("options") or {}
    return options if options.get("awslogs-group") else None


def stream_name(options: dict[str, str], container_name: str, task_id: str) -> str:
    prefix = options.get("awslogs-stream-prefix")
    return f"{prefix}/{container_name}/{task_id}" if prefix else task_id


def write_start(
    account_id: str,
    region: str,
    container: dict[str, Any],
    task_id: str,
    when: datetime,
) -> bool:
    """One line for a container that started; False when its log group does not exist."""
    options = awslogs_options(container)
    if options is None:
        return False
    backend = logs_backends[account_id][options.get("awslogs-region") or region]
    group_name = options["awslogs-group"]
    if group_name not in backend.groups:
        if options.get("awslogs-create-group", "").lower() != "true":
            return False
        backend.ensure_log_group(group_name)
    group = backend.groups[group_name]
    stream = stream_name(options, container["name"], task_id)
    if stream not in group.streams:
        group.create_log_stream(stream)
    message = (
        f"container {container['name']} started from {container.get('image')} (task {task_id})"
    )
    backend.put_log_events(
        group_name, stream, [{"timestamp": int(unix_time_millis(when)), "message": message}]
    )
    return True
