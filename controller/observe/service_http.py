"""What Elastic Load Balancing says of a service's target group and listener rule, against
what spec.http wants (pure). Deltas are path-keyed, each with the wanted value."""

from __future__ import annotations

from typing import Any

from ..render.service_http import (
    RuleWant,
    TargetGroupWant,
    health_check_shape,
    target_group_attributes,
)

_CONFIG = {
    "path-pattern": "PathPatternConfig",
    "host-header": "HostHeaderConfig",
    "source-ip": "SourceIpConfig",
}


def target_group_delta(
    want: TargetGroupWant, described: dict[str, Any], attributes: dict[str, str] | None
) -> dict[str, Any]:
    """Health check settings, and attributes when they were read (None: not this pass)."""
    delta: dict[str, Any] = {}
    for key, value in health_check_shape(want).items():
        have = described.get(key)
        if key == "HealthCheckPort" and have is None:
            have = "traffic-port"
        if have != value:
            delta[key] = value
    for key, value in target_group_attributes(want).items():
        if attributes is not None and attributes.get(key, "") != value:
            delta[f"attributes.{key}"] = value
    return delta


def rule_conditions(described: dict[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A described rule's conditions as (field, sorted values), sorted."""
    found = []
    for condition in described.get("Conditions") or []:
        name = str(condition.get("Field"))
        values = (
            (condition.get(_CONFIG.get(name, "")) or {}).get("Values")
            or condition.get("Values")
            or []
        )
        found.append((name, tuple(sorted(str(v) for v in values))))
    return tuple(sorted(found))


def forwards_to(described: dict[str, Any]) -> str | None:
    for action in described.get("Actions") or []:
        if action.get("Type") == "forward":
            arn = action.get("TargetGroupArn")
            if arn:
                return str(arn)
            groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
            if len(groups) == 1:
                return str(groups[0].get("TargetGroupArn"))
    return None


def rule_delta(want: RuleWant, described: dict[str, Any]) -> dict[str, Any]:
    delta: dict[str, Any] = {}
    if rule_conditions(described) != want.conditions:
        delta["Conditions"] = [list(c) for c in want.conditions]
    if forwards_to(described) != want.target_group_arn:
        delta["Actions.forward"] = want.target_group_arn
    return delta
