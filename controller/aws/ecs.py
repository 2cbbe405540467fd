"""ECS calls used by the environment reconciler (clusters)."""

from __future__ import annotations

from typing import Any

from ..naming import from_aws_tags, to_aws_tags


def describe_cluster(ecs: Any, name: str) -> dict[str, Any] | None:
    """The cluster if it exists and is not INACTIVE (deleted clusters linger as INACTIVE)."""
    found = ecs.describe_clusters(clusters=[name], include=["TAGS", "SETTINGS"])["clusters"]
    for cluster in found:
        if cluster.get("status") != "INACTIVE":
            cluster["tagMap"] = from_aws_tags(cluster.get("tags"))
            return dict(cluster)
    return None


def create_cluster(
    ecs: Any, name: str, tags: dict[str, str], insights: bool, namespace_arn: str | None
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "clusterName": name,
        "tags": to_aws_tags(tags),
        "settings": [{"name": "containerInsights", "value": "enabled" if insights else "disabled"}],
    }
    if namespace_arn:
        request["serviceConnectDefaults"] = {"namespace": namespace_arn}
    cluster: dict[str, Any] = ecs.create_cluster(**request)["cluster"]
    return cluster


def update_cluster(
    ecs: Any,
    name: str,
    insights: bool | None = None,
    namespace_arn: str | None = None,
    clear_namespace: bool = False,
) -> None:
    request: dict[str, Any] = {"cluster": name}
    if insights is not None:
        request["settings"] = [
            {"name": "containerInsights", "value": "enabled" if insights else "disabled"}
        ]
    if namespace_arn or clear_namespace:
        # An empty namespace removes the default (ECS UpdateCluster).
        request["serviceConnectDefaults"] = {"namespace": namespace_arn or ""}
    ecs.update_cluster(**request)


def tag(ecs: Any, arn: str, tags: dict[str, str]) -> None:
    ecs.tag_resource(resourceArn=arn, tags=to_aws_tags(tags))


def delete_cluster(ecs: Any, name: str) -> None:
    ecs.delete_cluster(cluster=name)
