"""CloudWatch Logs calls: the log groups a service's tasks write to."""

from __future__ import annotations

from typing import Any


def log_group(logs: Any, name: str) -> dict[str, Any] | None:
    """The group of exactly this name (DescribeLogGroups matches by prefix)."""
    found = logs.describe_log_groups(logGroupNamePrefix=name, limit=50)["logGroups"]
    return next((dict(g) for g in found if g["logGroupName"] == name), None)


def create_log_group(logs: Any, name: str, tags: dict[str, str]) -> bool:
    """Make the group; False when it exists (someone's, or made by a pass a restart
    interrupted), which the refusal leaves as it is."""
    try:
        logs.create_log_group(logGroupName=name, tags=tags)
    except logs.exceptions.ResourceAlreadyExistsException:
        return False
    return True


def set_retention(logs: Any, name: str, days: int) -> None:
    logs.put_retention_policy(logGroupName=name, retentionInDays=days)


def tags_of(logs: Any, arn: str) -> dict[str, str]:
    tags: dict[str, str] = logs.list_tags_for_resource(resourceArn=arn).get("tags", {})
    return tags
