"""What ECS says of an environment's cluster, against what it wants (pure)."""

from __future__ import annotations

from typing import Any

from ..render.environment import CONTAINER_INSIGHTS, ClusterWant


def setting(cluster: dict[str, Any], name: str) -> str | None:
    for item in cluster.get("settings") or []:
        if item.get("name") == name:
            value: str | None = item.get("value")
            return value
    return None


def cluster_delta(want: ClusterWant, cluster: dict[str, Any]) -> dict[str, Any]:
    """Path-keyed: {"settings.containerInsights": True, "serviceConnectDefaults.namespace":
    arn-or-None}, each with the wanted value, for what differs."""
    delta: dict[str, Any] = {}
    if (setting(cluster, CONTAINER_INSIGHTS) == "enabled") != want.container_insights:
        delta["settings.containerInsights"] = want.container_insights
    current = (cluster.get("serviceConnectDefaults") or {}).get("namespace") or None
    if current != want.service_connect_namespace:
        delta["serviceConnectDefaults.namespace"] = want.service_connect_namespace
    return delta
