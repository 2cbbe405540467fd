"""What an EcsEnvironment wants in AWS: its Cloud Map namespace and ECS cluster (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..api.environment import EcsEnvironmentSpec
from ..naming import Names, to_aws_tags

CONTAINER_INSIGHTS = "containerInsights"


@dataclass(frozen=True)
class NamespaceWant:
    name: str
    type: str  # DNS_PRIVATE or HTTP
    vpc_id: str | None
    description: str
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ClusterWant:
    name: str
    container_insights: bool
    # The Service Connect default namespace, as an ARN (a name would make ECS create an
    # HTTP namespace of that name); None: no default.
    service_connect_namespace: str | None
    tags: Mapping[str, str] = field(default_factory=dict)


def namespace_wanted(
    spec: EcsEnvironmentSpec, names: Names, vpc_id: str | None, tags: Mapping[str, str]
) -> NamespaceWant:
    discovery = spec.service_discovery
    return NamespaceWant(
        name=discovery.namespace or names.namespace(discovery.legacy_namespace),
        type=discovery.type,
        vpc_id=vpc_id,
        description=f"kopilot environment {names.env} of app {names.app}",
        tags=tags,
    )


def cluster_wanted(
    spec: EcsEnvironmentSpec, names: Names, namespace_arn: str, tags: Mapping[str, str]
) -> ClusterWant:
    return ClusterWant(
        name=spec.cluster.name or names.cluster,
        container_insights=spec.cluster.container_insights,
        service_connect_namespace=namespace_arn if spec.service_connect.enabled else None,
        tags=tags,
    )


def _insights(enabled: bool) -> list[dict[str, str]]:
    return [{"name": CONTAINER_INSIGHTS, "value": "enabled" if enabled else "disabled"}]


def create_cluster_request(want: ClusterWant) -> dict[str, Any]:
    request: dict[str, Any] = {
        "clusterName": want.name,
        "tags": to_aws_tags(dict(want.tags)),
        "settings": _insights(want.container_insights),
    }
    if want.service_connect_namespace:
        request["serviceConnectDefaults"] = {"namespace": want.service_connect_namespace}
    return request


def update_cluster_request(want: ClusterWant, delta: Mapping[str, Any]) -> dict[str, Any]:
    """UpdateCluster sending only what differs (see observe.environment.cluster_delta)."""
    request: dict[str, Any] = {"cluster": want.name}
    if "settings.containerInsights" in delta:
        request["settings"] = _insights(want.container_insights)
    if "serviceConnectDefaults.namespace" in delta:
        # An empty namespace removes the default (ECS UpdateCluster).
        request["serviceConnectDefaults"] = {"namespace": want.service_connect_namespace or ""}
    return request
