"""The environment's ECS cluster, with its Service Connect default namespace."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...api.environment import EcsEnvironmentStatus
from ...aws import ecs
from ...naming import holder_of
from ...observe.environment import cluster_delta
from ...render.environment import ClusterWant, create_cluster_request, update_cluster_request
from ..engine import Context
from ..errors import COMMON_TERMINAL_CODES, Waiting
from ..lifecycle import Seen
from .namespace import NAMED_AT_MOST, listed

Cluster = dict[str, Any]  # DescribeClusters' cluster, with `tagMap`


class ClusterResource:
    noun = "ECS cluster"
    reason = "Cluster"
    not_owned_reason = "ClusterNotOwned"
    rename_hint = "choose another spec.cluster.name"
    terminal_codes = COMMON_TERMINAL_CODES | {"UnsupportedFeatureException"}
    idempotent_create = False
    trusts_recorded = False

    def __init__(self, ctx: Context[EcsEnvironmentStatus], client: Any) -> None:
        self._ctx = ctx
        self._ecs = client

    def recorded(self) -> bool:
        return bool(self._ctx.status.cluster_arn)

    def name_of(self, want: ClusterWant) -> str:
        return want.name

    def observe(self, want: ClusterWant) -> Seen[Cluster] | None:
        cluster = ecs.describe_cluster(self._ecs, want.name)
        if cluster is None:
            return None
        return Seen(cluster["clusterName"], cluster, cluster["tagMap"])

    def diff(self, want: ClusterWant, seen: Seen[Cluster]) -> dict[str, Any]:
        return cluster_delta(want, seen.facts)

    def create(self, want: ClusterWant) -> Seen[Cluster]:
        created = ecs.create_cluster(self._ecs, create_cluster_request(want))
        return Seen(want.name, created, dict(want.tags), created=True)

    def update(self, want: ClusterWant, seen: Seen[Cluster]) -> Seen[Cluster]:
        ecs.update_cluster(self._ecs, update_cluster_request(want, seen.delta))
        return seen

    def tag(self, seen: Seen[Cluster], tags: Mapping[str, str]) -> None:
        ecs.tag(self._ecs, seen.facts["clusterArn"], dict(tags))

    def read_tags(self, seen: Seen[Cluster]) -> Mapping[str, str]:
        return dict(seen.facts.get("tagMap") or {})

    def forget(self) -> None:
        self._ctx.save(EcsEnvironmentStatus(cluster_arn=None))

    def keep(self, seen: Seen[Cluster]) -> EcsEnvironmentStatus:
        return EcsEnvironmentStatus(cluster_arn=seen.facts["clusterArn"])

    def created_event(self, seen: Seen[Cluster]) -> tuple[str, str]:
        return "CreatedCluster", f"created ECS cluster {seen.name}"

    def delete(self, seen: Seen[Cluster]) -> None:
        arn = seen.facts["clusterArn"]
        try:
            ecs.delete_cluster(self._ecs, arn)
        except (
            self._ecs.exceptions.ClusterContainsServicesException,
            self._ecs.exceptions.ClusterContainsTasksException,
        ) as err:
            raise Waiting(
                "ClusterInUse",
                f"cluster {seen.name} still has ECS services: {self._holders(arn)}. Delete "
                "them (or their EcsServices), or set deletionPolicy: Retain",
                delay=5.0,
            ) from err
        self._ctx.save(EcsEnvironmentStatus(cluster_arn=None))  # gone: not described again

    def _holders(self, cluster_arn: str) -> str:
        """The ECS services left in a cluster (draining ones included), each with who made
        it."""
        arns = ecs.list_service_arns(self._ecs, cluster_arn)
        described = ecs.describe_services(
            self._ecs, cluster_arn, [arn.rsplit("/", 1)[-1] for arn in arns[:NAMED_AT_MOST]]
        )
        named = [holder_of(name, svc.get("tagMap", {})) for name, svc in sorted(described.items())]
        return listed(named, len(arns)) or "none listed yet (deleted meanwhile)"
