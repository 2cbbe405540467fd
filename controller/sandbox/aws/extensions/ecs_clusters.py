"""ECS clusters: idempotent creation, no deletion under services, the default namespace."""

from __future__ import annotations

from typing import Any

from moto.ecs.exceptions import ECSException
from moto.ecs.models import EC2ContainerServiceBackend

from .cloudmap import create_http_namespace_now, find_namespace
from .ecs_service_connect import NamespaceNotFoundException, cloudmap_backend

_moto_create_cluster = EC2ContainerServiceBackend.create_cluster
_moto_update_cluster = EC2ContainerServiceBackend.update_cluster
_moto_delete_cluster = EC2ContainerServiceBackend.delete_cluster


class ClusterContainsServicesException(ECSException):
    code = "ClusterContainsServicesException"
    message = "The Cluster cannot be deleted while Services are active."


def create_cluster(self: Any, cluster_name: str, *args: Any, **kwargs: Any) -> Any:
    """Amazon ECS API Reference, CreateCluster: creating a cluster whose name is already an
    ACTIVE cluster returns that cluster as it is (moto replaced it, losing its services' home).
    """
    existing = self.clusters.get(cluster_name)
    if existing is not None and existing.status == "ACTIVE":
        return existing
    _resolve_default_namespace(self, kwargs)
    return _moto_create_cluster(self, cluster_name, *args, **kwargs)


def update_cluster(self: Any, *args: Any, **kwargs: Any) -> Any:
    clearing = (kwargs.get("service_connect_defaults") or {}).get("namespace") == ""
    _resolve_default_namespace(self, kwargs)
    cluster = _moto_update_cluster(self, *args, **kwargs)
    if clearing:
        cluster.service_connect_defaults = None
    return cluster


def _resolve_default_namespace(backend: Any, kwargs: dict[str, Any]) -> None:
    """Amazon ECS API Reference, ClusterServiceConnectDefaultsRequest.namespace: a name or ARN;
    "If you enter a name of a namespace that doesn't exist, Amazon ECS creates a Cloud Map
    namespace" of the HTTP type, and the cluster then names it by ARN; "If you update the
    cluster with an empty string "" for the namespace name, the cluster configuration for
    Service Connect is removed."
    """
    defaults = kwargs.get("service_connect_defaults")
    if not defaults or "namespace" not in defaults:
        return
    ref = defaults["namespace"]
    if ref == "":
        kwargs["service_connect_defaults"] = None
        return
    cloudmap = cloudmap_backend(backend)
    namespace = find_namespace(cloudmap, ref)
    if namespace is None:
        if ref.startswith("arn:"):
            raise NamespaceNotFoundException(f"Failed to retrieve namespace for {ref}")
        namespace = create_http_namespace_now(cloudmap, ref)
    kwargs["service_connect_defaults"] = {"namespace": namespace.arn}


def delete_cluster(self: Any, cluster_str: str) -> Any:
    """Amazon ECS API Reference, DeleteCluster / ClusterContainsServicesException: "You can't
    delete a cluster that contains services"; services still DRAINING count.
    """
    cluster = self._get_cluster(cluster_str)
    if any(
        service.cluster_name == cluster.name and service.status in ("ACTIVE", "DRAINING")
        for service in self.services.values()
    ):
        raise ClusterContainsServicesException()
    return _moto_delete_cluster(self, cluster_str)


def count_active_services(backend: Any) -> None:
    """Cluster.activeServicesCount: "The number of services that are running on the cluster in
    an ACTIVE state" (moto leaves it at 0)."""
    for cluster in backend.clusters.values():
        cluster.active_services_count = sum(
            1
            for service in backend.services.values()
            if service.cluster_name == cluster.name and service.status == "ACTIVE"
        )


def apply() -> None:
    backend: Any = EC2ContainerServiceBackend
    backend.create_cluster = create_cluster
    backend.update_cluster = update_cluster
    backend.delete_cluster = delete_cluster
