"""Application Auto Scaling calls for ECS services' desired count."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from ..render.scaling import DIMENSION, NAMESPACE

# DescribeScalableTargets: ResourceIds takes up to 50 ids, MaxResults up to 50.
TARGETS_PER_CALL = 50


def scalable_targets(aas: Any, resource_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The ECS desired-count targets of these services, by ResourceId (absent: none)."""
    ids = sorted(set(resource_ids))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), TARGETS_PER_CALL):
        request: dict[str, Any] = {
            "ServiceNamespace": NAMESPACE,
            "ResourceIds": ids[start : start + TARGETS_PER_CALL],
            "ScalableDimension": DIMENSION,
        }
        while True:
            page = aas.describe_scalable_targets(**request)
            found |= {t["ResourceId"]: t for t in page.get("ScalableTargets", [])}
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
    return found


def policies_of(aas: Any, resource_id: str) -> dict[str, dict[str, Any]]:
    """The service's scaling policies by name (pages of 10)."""
    request: dict[str, Any] = {
        "ServiceNamespace": NAMESPACE,
        "ResourceId": resource_id,
        "ScalableDimension": DIMENSION,
    }
    found: dict[str, dict[str, Any]] = {}
    while True:
        page = aas.describe_scaling_policies(**request)
        found |= {p["PolicyName"]: p for p in page.get("ScalingPolicies", [])}
        if not page.get("NextToken"):
            return found
        request["NextToken"] = page["NextToken"]


def register(aas: Any, request: dict[str, Any]) -> None:
    aas.register_scalable_target(**request)


def put_policy(aas: Any, request: dict[str, Any]) -> None:
    aas.put_scaling_policy(**request)


def delete_policy(aas: Any, name: str, resource_id: str) -> None:
    with contextlib.suppress(aas.exceptions.ObjectNotFoundException):  # gone: as wanted
        aas.delete_scaling_policy(
            PolicyName=name,
            ServiceNamespace=NAMESPACE,
            ResourceId=resource_id,
            ScalableDimension=DIMENSION,
        )


def deregister(aas: Any, resource_id: str) -> None:
    """Deregistering deletes the target's policies too (API_DeregisterScalableTarget)."""
    with contextlib.suppress(aas.exceptions.ObjectNotFoundException):
        aas.deregister_scalable_target(
            ServiceNamespace=NAMESPACE, ResourceId=resource_id, ScalableDimension=DIMENSION
        )
