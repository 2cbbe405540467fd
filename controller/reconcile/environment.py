"""EcsEnvironment: the Cloud Map namespace, then the ECS cluster with its Service Connect
default namespace. Order matters: the cluster's default must be given as the namespace's
ARN, or ECS silently creates an HTTP namespace of that name."""

from __future__ import annotations

from typing import Any

from ..api.app import EcsAppSpec, app_name
from ..api.environment import (
    EcsEnvironmentSpec,
    EcsEnvironmentStatus,
    NamespaceStatus,
    NetworkStatus,
)
from ..aws import ec2
from ..naming import Names
from ..render.environment import ClusterWant, NamespaceWant, cluster_wanted, namespace_wanted
from .engine import Context, Outcome
from .errors import Terminal, Waiting
from .lifecycle import ensure, remove
from .resources.cluster import ClusterResource
from .resources.namespace import NamespaceResource

EnvContext = Context[EcsEnvironmentStatus]


def environment_names(
    ctx: Context[Any], spec: EcsEnvironmentSpec, env_resource_name: str | None = None
) -> tuple[Names, dict[str, str]]:
    """The app's AWS name and tags, from its EcsApp (which must exist)."""
    namespace = ctx.resource.namespace
    app = (
        ctx.known.app if ctx.known.app is not None else ctx.kube.get("EcsApp", namespace, spec.app)
    )
    if app is None:
        raise Waiting(
            "AppNotFound",
            f"EcsApp {spec.app!r} does not exist in namespace {namespace!r}: create it, or "
            "correct spec.app",
            delay=15.0,
        )
    ctx.reads.app = app
    app_spec = EcsAppSpec.model_validate(app.get("spec") or {})
    env_name = spec.name or env_resource_name or ctx.resource.name
    names = Names(app=app_name(app_spec, app["metadata"]), env=env_name)
    return names, app_spec.tags


def check_namespace_unchanged(recorded: NamespaceStatus | None, want: NamespaceWant) -> None:
    """Moving the namespace would change every endpoint: refused, not followed."""
    if recorded is None or not recorded.id:
        return
    if (recorded.name, recorded.type) != (want.name, want.type):
        raise Terminal(
            "NamespaceChangeUnsupported",
            f"the environment's namespace is {recorded.name} ({recorded.type}); moving it to "
            f"{want.name} ({want.type}) would change every endpoint. Restore "
            "spec.serviceDiscovery, or create a new EcsEnvironment",
        )


class EnvironmentManager:
    kind = "EcsEnvironment"
    spec_model = EcsEnvironmentSpec
    status_model = EcsEnvironmentStatus
    retained = "cluster and namespace left in AWS"

    def reconcile(self, ctx: EnvContext, spec: EcsEnvironmentSpec) -> Outcome:
        names, app_tags = environment_names(ctx, spec)
        tags = ctx.tags_for(names, app_tags, spec.tags)
        sd = ctx.clients.client("servicediscovery", spec.region, spec.role_arn)
        ecs_client = ctx.clients.client("ecs", spec.region, spec.role_arn)

        network = self._network(ctx, spec)
        wanted = namespace_wanted(spec, names, network.vpc_id, tags)
        check_namespace_unchanged(ctx.status.namespace, wanted)
        namespace = ensure(ctx, NamespaceResource(ctx, sd), wanted, spec.adopt, tags).facts
        cluster = ensure(
            ctx,
            ClusterResource(ctx, ecs_client),
            cluster_wanted(spec, names, namespace["Arn"], tags),
            spec.adopt,
            tags,
        ).facts
        return Outcome(
            ready=True,
            reason="Available",
            message=f"cluster {cluster['clusterName']} and namespace {namespace['Name']} are ready",
            status=EcsEnvironmentStatus(
                cluster_arn=cluster["clusterArn"],
                service_discovery_endpoint=namespace["Name"],
                network=network,
            ),
        )

    def _network(self, ctx: EnvContext, spec: EcsEnvironmentSpec) -> NetworkStatus:
        if spec.network is not None:
            return NetworkStatus(
                vpc_id=spec.network.vpc_id,
                subnets=list(spec.network.subnets),
                security_groups=list(spec.network.security_groups),
                assign_public_ip=spec.network.assign_public_ip,
            )
        recorded = ctx.status.network
        if recorded is not None and recorded.vpc_id and recorded.subnets:
            return recorded  # looked up once; the default VPC does not move
        found = ec2.default_network(ctx.clients.client("ec2", spec.region, spec.role_arn))
        if found is None or not found[1]:
            raise Terminal(
                "NoDefaultVpc",
                f"spec.network is not set and Region {spec.region} has no default VPC with "
                "default subnets: set spec.network (vpcId, subnets)",
            )
        network = NetworkStatus(
            vpc_id=found[0], subnets=found[1], security_groups=[], assign_public_ip=False
        )
        ctx.save(EcsEnvironmentStatus(network=network))
        return network

    def delete(self, ctx: EnvContext, spec: EcsEnvironmentSpec) -> Outcome:
        env_name = ctx.resource.name
        services = [
            s["metadata"]["name"]
            for s in ctx.kube.list("EcsService", ctx.resource.namespace)
            if (s.get("spec") or {}).get("environment") == env_name
        ]
        if services:
            raise Waiting(
                "ServicesExist",
                f"waiting for EcsServices {', '.join(sorted(services))} of this environment to "
                "be deleted first",
                delay=5.0,
            )
        status = ctx.status
        # Reverse step order: the cluster (which names the namespace), then the namespace;
        # only what status recorded, and only if it is ours (lifecycle.remove).
        if status.cluster_arn:
            client = ctx.clients.client("ecs", spec.region, spec.role_arn)
            remove(ctx, ClusterResource(ctx, client), ClusterWant(status.cluster_arn, False, None))
        namespace = status.namespace or NamespaceStatus()
        if namespace.id:
            sd = ctx.clients.client("servicediscovery", spec.region, spec.role_arn)
            remove(
                ctx,
                NamespaceResource(ctx, sd, find_by_name=False),
                NamespaceWant(namespace.name or "", namespace.type or "DNS_PRIVATE", None, ""),
            )
        return Outcome(True, "Deleted", "namespace and cluster deleted")
