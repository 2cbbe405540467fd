"""EcsEnvironment: the Cloud Map namespace, then the ECS cluster with its Service Connect
default namespace. Order matters: the cluster's default must be given as the namespace's
ARN, or ECS silently creates an HTTP namespace of that name."""

from __future__ import annotations

from typing import Any

from ..api.app import EcsAppSpec, app_name
from ..api.environment import (
    EcsEnvironmentSpec,
    EcsEnvironmentStatus,
    LoadBalancer,
    LoadBalancersStatus,
    NamespaceStatus,
    NetworkStatus,
)
from ..aws import ec2
from ..naming import Names
from ..render.environment import ClusterWant, NamespaceWant, cluster_wanted, namespace_wanted
from ..render.load_balancer import (
    HTTPS_PORT,
    KINDS,
    Kind,
    ListenerWant,
    LoadBalancerWant,
    listeners_wanted,
    load_balancer_wanted,
)
from .engine import Context, Outcome
from .errors import Terminal, Waiting
from .lifecycle import ensure, remove
from .resources.cluster import ClusterResource
from .resources.load_balancer import (
    ListenerResource,
    LoadBalancerResource,
    SecurityGroupResource,
    TargetsSecurityGroupResource,
    keep,
    recorded,
)
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
    retained = "cluster, namespace and load balancers left in AWS"

    def __init__(self) -> None:
        self._vpc_cidrs: dict[tuple[str, str], str | None] = {}  # (Region, VPC) -> its CIDR

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
        serving = self._load_balancers(ctx, spec, names, tags, network)
        return Outcome(
            ready=True,
            reason="Available",
            message=f"cluster {cluster['clusterName']} and namespace {namespace['Name']} are "
            f"ready{''.join(f', {kind} load balancer {dns}' for kind, dns in serving)}",
            status=EcsEnvironmentStatus(
                cluster_arn=cluster["clusterArn"],
                service_discovery_endpoint=namespace["Name"],
                network=network,
            ),
        )

    # -- load balancers (spec.http) -----------------------------------------------------------

    def _load_balancers(
        self,
        ctx: EnvContext,
        spec: EcsEnvironmentSpec,
        names: Names,
        tags: dict[str, str],
        network: NetworkStatus,
    ) -> list[tuple[Kind, str]]:
        """Each load balancer spec.http asks for, made or updated; one no longer asked for,
        deleted (if kopilot's). Returns (kind, DNS name) of those serving."""
        serving: list[tuple[Kind, str]] = []
        if spec.http and (spec.http.public or spec.http.private):
            self._name_default_security_group(ctx, spec, network)
        for kind in KINDS:
            asked: LoadBalancer | None = getattr(spec.http, kind) if spec.http else None
            if asked is None:
                self._remove_load_balancer(ctx, spec, kind)
                continue
            cidr = self._vpc_cidr(ctx, spec, str(network.vpc_id)) if kind == "private" else None
            want = load_balancer_wanted(
                asked, kind, names, str(network.vpc_id), tuple(network.subnets), cidr, tags
            )
            serving.append((kind, self._load_balancer(ctx, spec, want, tags)))
        return serving

    def _load_balancer(
        self,
        ctx: EnvContext,
        spec: EcsEnvironmentSpec,
        want: LoadBalancerWant,
        tags: dict[str, str],
    ) -> str:
        ec2_client = ctx.clients.client("ec2", spec.region, spec.role_arn)
        elb = ctx.clients.client("elbv2", spec.region, spec.role_arn)
        group = ensure(
            ctx, SecurityGroupResource(ctx, ec2_client, want.kind), want, spec.adopt, tags
        )
        ensure(
            ctx,
            TargetsSecurityGroupResource(ctx, ec2_client, want.kind, group.facts["GroupId"]),
            want,
            spec.adopt,
            tags,
        )
        balancer = ensure(
            ctx,
            LoadBalancerResource(ctx, elb, want.kind, group.facts["GroupId"]),
            want,
            spec.adopt,
            tags,
        ).facts
        listeners = ListenerResource(ctx, elb, want.kind, balancer["LoadBalancerArn"])
        for listener in listeners_wanted(want):
            ensure(ctx, listeners, listener, spec.adopt, tags)
        https_left = recorded(ctx, want.kind).https_listener_arn
        if HTTPS_PORT not in want.ports and https_left:
            # Certificates removed: the HTTPS listener goes (it answers nothing routed).
            remove(ctx, listeners, ListenerWant(want, HTTPS_PORT))
            ctx.save(keep(want.kind, https_listener_arn=None))
        state = (balancer.get("State") or {}).get("Code", "active")
        if state == "provisioning" and not ctx.observing:
            raise Waiting(
                "ProvisioningLoadBalancer",
                f"load balancer {want.name} is provisioning",
                delay=5.0,
            )
        return str(balancer.get("DNSName", ""))

    def _name_default_security_group(
        self, ctx: EnvContext, spec: EcsEnvironmentSpec, network: NetworkStatus
    ) -> None:
        """Tasks with no security groups given use the VPC's default one; a routed service
        adds the load balancer's targets group, after which ECS would no longer add the
        default by itself: so it is named (looked up once)."""
        if network.security_groups or network.default_security_group_id:
            return
        recorded = ctx.status.network
        if recorded is not None and recorded.default_security_group_id:
            network.default_security_group_id = recorded.default_security_group_id
            return
        client = ctx.clients.once("ec2", spec.region, spec.role_arn)  # looked up once
        network.default_security_group_id = ec2.default_security_group(client, str(network.vpc_id))

    def _remove_load_balancer(self, ctx: EnvContext, spec: EcsEnvironmentSpec, kind: Kind) -> None:
        """Listeners, then the load balancer, then its security group: only what status
        recorded, and only if kopilot's (lifecycle.remove)."""
        found = recorded(ctx, kind)
        if not (found.arn or found.security_group_id or found.targets_security_group_id) or (
            ctx.observing
        ):
            return
        elb = ctx.clients.client("elbv2", spec.region, spec.role_arn)
        nothing = LoadBalancerWant(kind, "", "", (), (), (), "", 60, None)
        if found.arn:
            listeners = ListenerResource(ctx, elb, kind, found.arn)
            for port in (HTTPS_PORT, 80):
                remove(ctx, listeners, ListenerWant(nothing, port))
            remove(ctx, LoadBalancerResource(ctx, elb, kind, ""), nothing)
        ec2_client = ctx.clients.client("ec2", spec.region, spec.role_arn)
        if recorded(ctx, kind).targets_security_group_id:
            remove(ctx, TargetsSecurityGroupResource(ctx, ec2_client, kind, ""), nothing)
        if recorded(ctx, kind).security_group_id:
            remove(ctx, SecurityGroupResource(ctx, ec2_client, kind), nothing)
        ctx.save(EcsEnvironmentStatus(load_balancers=LoadBalancersStatus(**{kind: None})))

    def _vpc_cidr(self, ctx: EnvContext, spec: EcsEnvironmentSpec, vpc_id: str) -> str | None:
        key = (spec.region, vpc_id)
        if key not in self._vpc_cidrs:
            client = ctx.clients.once("ec2", spec.region, spec.role_arn)
            self._vpc_cidrs[key] = ec2.vpc_cidr(client, vpc_id)
        return self._vpc_cidrs[key]

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
        # Looked up once, then recorded: the client (and EC2's model) is not kept.
        found = ec2.default_network(ctx.clients.once("ec2", spec.region, spec.role_arn))
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
        for kind in KINDS:
            self._remove_load_balancer(ctx, spec, kind)
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
