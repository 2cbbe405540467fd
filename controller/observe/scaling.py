"""What Application Auto Scaling says of a service's scalable target and policies, against
spec.autoscaling (pure). Deltas are path-keyed, each with the wanted value; a policy to
delete has None."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..render.scaling import ScalingWant


@dataclass
class ScalingFacts:
    target: dict[str, Any]  # a DescribeScalableTargets entry
    # The service's policies by name; None when this pass did not read them (a resync,
    # which trusts what status says it last put).
    policies: dict[str, dict[str, Any]] | None = None


def _same_tracking(want: dict[str, Any], have: dict[str, Any]) -> bool:
    """Only what kopilot sets: AWS adds DisableScaleIn and may give 70 as 70.0."""
    for key, value in want.items():
        seen = have.get(key)
        if key == "TargetValue":
            if seen is None or float(seen) != float(value):
                return False
        elif seen != value:
            return False
    return True


def scaling_delta(
    want: ScalingWant,
    facts: ScalingFacts,
    ours: frozenset[str],
    recorded_digest: str | None,
    recorded_policies: list[str] | None,
) -> dict[str, Any]:
    """Capacities that differ, and the policies to put or delete. Policies are compared
    one by one when they were read, else by the digest of what was last put. `ours` are the
    names kopilot gives this service's policies: a policy of another name is someone else's
    and stays."""
    delta: dict[str, Any] = {}
    for key, value in (("MinCapacity", want.min), ("MaxCapacity", want.max)):
        if facts.target.get(key) != value:
            delta[key] = value
    wanted = dict(want.policies)
    if facts.policies is None:
        if recorded_digest != want.digest:
            delta.update({f"policies.{name}": tracking for name, tracking in wanted.items()})
            for name in recorded_policies or ():
                if name not in wanted:
                    delta[f"policies.{name}"] = None
        return delta
    for name, tracking in wanted.items():
        found = facts.policies.get(name)
        config = (found or {}).get("TargetTrackingScalingPolicyConfiguration") or {}
        if found is None or not _same_tracking(tracking, config):
            delta[f"policies.{name}"] = tracking
    for name in facts.policies:
        if name in ours and name not in wanted:
            delta[f"policies.{name}"] = None
    return delta
