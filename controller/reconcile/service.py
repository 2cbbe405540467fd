"""EcsService: task definition, Service Discovery service, ECS service with Service Connect.

Steps: the ECS service is looked at first (it must be ours, or adopted, before anything is
registered for it), then the task definition (a new revision only when its content
changes), then the Cloud Map service for Service Discovery, then the ECS service made or
updated to use both. Each id is saved on status before the next step, so a restart resumes
instead of creating twice (reconcile.lifecycle).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from ..api.environment import EcsEnvironmentSpec
from ..api.service import (
    EcsEventsSeen,
    EcsServiceSpec,
    EcsServiceStatus,
    Endpoints,
    Rollout,
    ServiceConnectStatus,
    ServiceHttp,
    container_name_problem,
)
from ..aws import cloudmap, ecs
from ..aws import logs as cloudwatch_logs
from ..aws.coalesce import ServiceDescriber
from ..naming import Names, holder_of, owner_of
from ..observe import ecs_events, health
from ..observe.service import (
    is_ready,
    rollout,
    service_connect_status,
    task_definition_digest,
)
from ..render.scaling import ScalingWant, our_policy_names, scaling_wanted
from ..render.service import (
    ServiceContext,
    create_service_request,
    desired_service,
    discovery_names,
    endpoints,
    log_groups,
    service_discovery_enabled,
    service_discovery_service_request,
    task_definition_request,
)
from ..render.service_http import (
    LoadBalancerRef,
    RuleWant,
    TargetGroupWant,
    rule_wanted,
    target_group_wanted,
)
from .conditions import environment_ready, is_true
from .engine import Context, Outcome
from .environment import environment_names
from .errors import Terminal, Waiting
from .lifecycle import ensure, observe_claimed, remove
from .resources.discovery import DiscoveryResource
from .resources.ecs_service import EcsServiceResource, ServiceWant
from .resources.scaling import ScalingResource
from .resources.service_http import ListenerRuleResource, TargetGroupResource
from .resources.task_definition import (
    KEEP_REVISIONS,
    FamiliesSeen,
    TaskDefinitionCache,
    TaskDefinitionResource,
    TaskDefinitionWant,
)
from .rollouts import RolloutTicket
from .waiting import environment_key

log = logging.getLogger("kopilot.service")
# The field manager of kopf's own writes (the finalizer), as managedFields names it.
KOPF_FIELD_MANAGER = "kopf"
ROLLOUT_POLL_SECONDS = 5.0  # when the handler hands the wait back to kopf

SvcContext = Context[EcsServiceStatus]
ElbClient = Callable[[], Any]  # makes (or finds) the elbv2 client when routing needs it
AwsClient = Callable[[], Any]  # the same, for a client only some services need


class ServiceManager:
    kind = "EcsService"
    spec_model = EcsServiceSpec
    status_model = EcsServiceStatus
    retained = "ECS service left in AWS"

    def __init__(self, keep_revisions: int = KEEP_REVISIONS, read_health: bool = True) -> None:
        self.task_definitions = TaskDefinitionCache()
        self.read_health = read_health  # status.health; unit passes that stub AWS turn it off
        self.describer = ServiceDescriber()
        self.keep_revisions = keep_revisions
        self._families = FamiliesSeen()
        # When this process began to act (a replica builds its managers once it leads): an
        # object handled before then may have a revision an earlier leader did not record.
        self.acting_since = datetime.now(UTC)
        # (Region, role, network.connect.namespace) -> (ARN, name) of namespaces found.
        self._namespaces: dict[tuple[str, str, str], tuple[str, str]] = {}

    # -- context --------------------------------------------------------------------------

    def _environment(
        self, ctx: SvcContext, spec: EcsServiceSpec
    ) -> tuple[EcsEnvironmentSpec, dict[str, Any]]:
        known = ctx.known.environment
        env = (
            known
            if known is not None
            else ctx.kube.get("EcsEnvironment", ctx.resource.namespace, spec.environment)
        )
        if env is None:
            raise Waiting(
                "WaitingForEnvironment",
                f"EcsEnvironment {spec.environment!r} does not exist in namespace "
                f"{ctx.resource.namespace!r}: create it, or correct spec.environment",
                delay=15.0,
                wake=environment_key(ctx.resource.namespace, spec.environment),
            )
        env_spec = EcsEnvironmentSpec.model_validate(env.get("spec") or {})
        if env_spec.app != spec.app:
            raise Terminal(
                "AppMismatch",
                f"EcsEnvironment {spec.environment!r} belongs to app {env_spec.app!r}, not "
                f"{spec.app!r}: correct spec.app or spec.environment",
            )
        if not environment_ready(env):
            raise Waiting(
                "WaitingForEnvironment",
                f"EcsEnvironment {spec.environment!r} is not Ready yet",
                delay=5.0,
                wake=environment_key(ctx.resource.namespace, spec.environment),
            )
        ctx.reads.environment = env  # Ready: the next pass in seconds may reuse it
        return env_spec, env

    def _context(
        self, ctx: SvcContext, spec: EcsServiceSpec
    ) -> tuple[ServiceContext, EcsEnvironmentSpec]:
        env_spec, env = self._environment(ctx, spec)
        env_names, app_tags = environment_names(ctx, env_spec, env["metadata"]["name"])
        names = Names(app=env_names.app, env=env_names.env, svc=spec.name or ctx.resource.name)
        status = env["status"]
        network = status.get("network") or {}
        namespace = status.get("namespace") or {}
        service_ctx = ServiceContext(
            names=names,
            region=env_spec.region,
            cluster=status["clusterArn"],
            namespace_name=namespace["name"],
            namespace_arn=namespace["arn"],
            namespace_id=namespace["id"],
            namespace_type=namespace.get("type", "DNS_PRIVATE"),
            subnets=tuple(network.get("subnets", ())),
            security_groups=tuple(network.get("securityGroups", ())),
            assign_public_ip=bool(network.get("assignPublicIp", False)),
            execution_role_arn=env_spec.execution_role_arn,
            tags=ctx.tags_for(names, app_tags, env_spec.tags, spec.tags),
            ecs_service_name=spec.ecs_service_name,
            vpc_id=str(network.get("vpcId") or ""),
        )
        if spec.http is not None:
            service_ctx = _routed(service_ctx, spec, env)
        if not (spec.execution_role_arn or service_ctx.execution_role_arn):
            # Every task sends its logs with awslogs, which Fargate refuses without one.
            raise Terminal(
                "ExecutionRoleRequired",
                "Fargate needs a task execution role to send the container's logs to "
                "CloudWatch Logs and to read secrets: set spec.executionRoleArn on "
                f"EcsEnvironment {spec.environment!r} (for all its services) or on this "
                "EcsService; the role needs the AmazonECSTaskExecutionRolePolicy policy",
            )
        problem = container_name_problem(spec, service_ctx.names.svc)
        if problem is not None:
            raise Terminal("InvalidSpec", problem)
        if spec.network.service_discovery.enabled and service_ctx.namespace_type == "HTTP":
            raise Terminal(
                "ServiceDiscoveryNeedsDns",
                f"network.serviceDiscovery.enabled needs DNS, and EcsEnvironment "
                f"{spec.environment!r} has an HTTP namespace ({service_ctx.namespace_name}): "
                "remove serviceDiscovery.enabled (Service Connect works with HTTP namespaces), "
                "or use an environment with a DNS_PRIVATE namespace",
            )
        return service_ctx, env_spec

    # -- reconcile --------------------------------------------------------------------------

    def reconcile(self, ctx: SvcContext, spec: EcsServiceSpec) -> Outcome:
        sctx, env_spec = self._context(ctx, spec)
        _check_identity(ctx, sctx)
        client = ctx.clients.client("ecs", env_spec.region, env_spec.role_arn)
        sd = ctx.clients.client("servicediscovery", env_spec.region, env_spec.role_arn)
        sctx = self._resolve_connect_namespace(spec, sctx, sd, env_spec.role_arn)
        service = EcsServiceResource(
            ctx,
            client,
            sctx.cluster,
            sctx.service_name,
            self.describer,
            explain_clash=lambda aws_message: _clash_message(
                ctx, spec, sctx, sd, aws_message, described
            ),
            on_namespace_gone=lambda aws_message: self._namespace_gone(sctx, aws_message),
        )
        seen = observe_claimed(ctx, service, ServiceWant(), spec.adopt)
        described = seen.facts if seen is not None else None

        _log_groups(ctx, spec, sctx, env_spec, new=described is None)
        revision = self._task_definition(ctx, spec, sctx, client, described)
        registry_arn = self._registry(ctx, spec, sctx, sd)
        # Made only for a service that is (or was) routed: most never need the client.
        elb = partial(ctx.clients.client, "elbv2", env_spec.region, env_spec.role_arn)
        sctx = self._routing(ctx, spec, sctx, elb)
        aas = partial(
            ctx.clients.client, "application-autoscaling", env_spec.region, env_spec.role_arn
        )
        if spec.autoscaling is None:
            # Before the ECS service takes its fixed count again: the autoscaler must not
            # move it after.
            _unscale(ctx, aas)
        held = self._held_revision(ctx, described, revision)
        parts = [f"task definition {revision.rsplit('/', 1)[-1]}"]
        if registry_arn:
            parts.append(f"Service Discovery {sctx.names.svc}.{sctx.namespace_name}")
        want = ServiceWant(
            desired=desired_service(spec, sctx, revision, registry_arn),
            create_request=lambda token: create_service_request(
                spec, sctx, revision, registry_arn, token
            ),
            hold_revision=held,
            summary=", ".join(parts),
        )
        described = ensure(ctx, service, want, spec.adopt, sctx.tags, seen=seen).facts
        _post_ecs_events(ctx, described)
        if spec.http is None:
            _unroute(ctx, elb)  # the ECS service has let go of its target group
        if spec.autoscaling is not None:
            _scale(ctx, spec, sctx, aas)  # the target names the service: it must exist
        outcome = self._outcome(spec, sctx, described, revision, held)
        if self.read_health:
            checked = spec.health_check is not None or any(
                sidecar.health_check is not None for sidecar in spec.sidecars
            )
            _observe_health(ctx, sctx, client, sd, described, steady=outcome.ready, checked=checked)
        if outcome.requeue_after is not None:
            outcome.watch = RolloutTicket(
                env_spec.region, env_spec.role_arn, sctx.cluster, sctx.service_name, revision
            )
        return outcome

    def _task_definition(
        self,
        ctx: SvcContext,
        spec: EcsServiceSpec,
        sctx: ServiceContext,
        client: Any,
        described: dict[str, Any] | None,
    ) -> str:
        """The revision of the rendered content: found, or registered."""
        request = task_definition_request(spec, sctx)
        revisions = TaskDefinitionResource(
            ctx,
            client,
            self.task_definitions,
            self._families,
            unsaved_possible=lambda: _handled_before(ctx, self.acting_since),
            keep_revisions=self.keep_revisions,
        )
        want = TaskDefinitionWant(
            request=request,
            digest=task_definition_digest(request),
            family=sctx.names.family,
            running=(described or {}).get("taskDefinition"),
            announce=described is not None,
        )
        return ensure(ctx, revisions, want, adopt=False, tags=sctx.tags).facts

    def _registry(
        self, ctx: SvcContext, spec: EcsServiceSpec, sctx: ServiceContext, sd: Any
    ) -> str | None:
        """The Service Discovery service's ARN; None when it is off (a registration left
        from before is removed at deletion)."""
        if not service_discovery_enabled(spec, sctx):
            return None
        registry = ensure(
            ctx,
            DiscoveryResource(
                ctx,
                sd,
                sctx.names.svc,
                (sctx.namespace_id, sctx.namespace_name),
                look_up=spec.adopt,
            ),
            lambda request_id: _discovery_request(spec, sctx, request_id),
            spec.adopt,
            sctx.tags,
        )
        return str(registry.facts["Arn"])

    def _routing(
        self, ctx: SvcContext, spec: EcsServiceSpec, sctx: ServiceContext, elb: ElbClient
    ) -> ServiceContext:
        """spec.http: the target group, then the listener rule forwarding to it (ECS takes a
        target group only once a load balancer forwards to it)."""
        ref = sctx.load_balancer
        if spec.http is None or ref is None:
            return sctx
        client = elb()
        recorded = ctx.status.http
        if recorded and recorded.listener_arn and recorded.listener_arn != ref.listener_arn:
            # The environment gained (or lost) HTTPS: the rule moves to the other listener.
            remove(ctx, ListenerRuleResource(ctx, client, recorded.listener_arn), _no_rule())
        group = ensure(
            ctx,
            TargetGroupResource(ctx, client),
            target_group_wanted(spec, sctx.names, sctx.vpc_id, sctx.tags),
            spec.adopt,
            sctx.tags,
        ).facts
        rule = dataclasses.replace(
            rule_wanted(spec, ref.listener_arn, sctx.tags),
            target_group_arn=group["TargetGroupArn"],
        )
        ensure(
            ctx, ListenerRuleResource(ctx, client, ref.listener_arn), rule, spec.adopt, sctx.tags
        )
        return dataclasses.replace(sctx, target_group_arn=group["TargetGroupArn"])

    def _resolve_connect_namespace(
        self, spec: EcsServiceSpec, sctx: ServiceContext, sd: Any, role_arn: str | None
    ) -> ServiceContext:
        """network.connect.namespace (a name or an ARN) as the ARN ECS is sent. ECS turns an
        unknown name into a NamespaceNotFoundException on every attempt, so a missing
        namespace is a spec error here, named with the field. Found ones are remembered."""
        connect = spec.network.connect
        ref = connect.namespace if connect is not None and connect.is_enabled else None
        if not ref:
            return sctx
        key = (sctx.region, role_arn or "", ref)
        known = self._namespaces.get(key)
        if known is None:
            found = (
                cloudmap.get_namespace(sd, ref.rsplit("/", 1)[-1])
                if ref.startswith("arn:")
                else cloudmap.find_namespace(sd, ref)
            )
            if found is None:
                raise Terminal(
                    "NamespaceNotFound",
                    f"spec.network.connect.namespace: there is no Cloud Map namespace {ref!r} "
                    f"in {sctx.region}: create it, correct the field, or leave it out to use "
                    f"the environment's namespace {sctx.namespace_name}",
                )
            known = (str(found["Arn"]), str(found["Name"]))
            self._namespaces[key] = known
        arn, name = known
        return dataclasses.replace(sctx, connect_namespace_arn=arn, connect_namespace_name=name)

    def _namespace_gone(self, sctx: ServiceContext, aws_message: str) -> Terminal:
        """ECS says the Service Connect namespace is gone (deleted since it was resolved)."""
        self._namespaces.clear()
        return Terminal(
            "NamespaceNotFound",
            f"the Service Connect namespace {sctx.service_connect_namespace[1]} no longer "
            "exists: create it again or correct spec.network.connect.namespace. AWS said: "
            f"{aws_message}",
        )

    def _held_revision(
        self, ctx: SvcContext, described: dict[str, Any] | None, task_definition_arn: str
    ) -> bool:
        """True when this generation's revision already failed its rollout.

        The circuit breaker rolls back to the last working revision; sending the failed one
        again would loop forever. It is held until the spec changes (a new generation)."""
        generation = ctx.resource.generation
        recorded = ctx.status.rollout or Rollout()
        failed_now = any(
            d.get("rolloutState") == "FAILED" and d.get("taskDefinition") == task_definition_arn
            for d in (described or {}).get("deployments") or []
        )
        if failed_now and recorded.failed_task_definition != task_definition_arn:
            ctx.save(
                EcsServiceStatus(
                    rollout=Rollout(
                        failed_task_definition=task_definition_arn, failed_generation=generation
                    )
                )
            )
            ctx.event(
                "RolloutFailed",
                f"the rollout of {task_definition_arn.rsplit('/', 1)[-1]} "
                "failed; ECS rolled back. Change the spec to try again",
                warning=True,
            )
            return True
        return (
            recorded.failed_task_definition == task_definition_arn
            and recorded.failed_generation == generation
        )

    def _outcome(
        self,
        spec: EcsServiceSpec,
        sctx: ServiceContext,
        described: dict[str, Any],
        task_definition_arn: str,
        held: bool,
    ) -> Outcome:
        state = rollout(described)
        points = endpoints(spec, sctx)
        running, desired_count = state["runningCount"], state["desiredCount"]
        connect = service_connect_status(described, sctx.service_connect_namespace[0])
        progress = Rollout(
            state=state.get("state"),
            reason=state.get("reason"),
            deployment_id=state.get("deploymentId"),
        )
        status = EcsServiceStatus(
            service_arn=described.get("serviceArn"),
            task_definition_arn=task_definition_arn,
            endpoints=Endpoints.model_validate(points),
            endpoint=next(iter(points.get("serviceConnect") or []), points.get("serviceDiscovery")),
            desired_count=desired_count,
            running_count=running,
            pending_count=state["pendingCount"],
            tasks=f"{running}/{desired_count}",
            rollout=progress,
            service_connect=ServiceConnectStatus.model_validate(connect),
        )
        if held:
            running_revision = str(state.get("taskDefinition") or "?").rsplit("/", 1)[-1]
            why = ecs_events.telling(ecs_events.parse(described.get("events")))
            return Outcome(
                False,
                "RolloutFailed",
                f"the rollout of {task_definition_arn.rsplit('/', 1)[-1]} failed and ECS rolled "
                f"back to {running_revision}: {state.get('reason') or 'no reason given'}"
                + (f" (ECS: {why.message})" if why else "")
                + ". Fix the spec (image, command, health check) and apply it to try again",
                status,
            )
        if is_ready(described, task_definition_arn):
            progress.failed_task_definition = None  # a success forgets an older failure
            progress.failed_generation = None
            return Outcome(True, "Available", f"{running}/{desired_count} tasks running", status)
        return Outcome(
            False,
            "RollingOut",
            f"rollout {state.get('state') or 'pending'}: {running}/{desired_count} tasks running",
            status,
            requeue_after=ROLLOUT_POLL_SECONDS,
        )

    # -- delete -----------------------------------------------------------------------------

    def delete(self, ctx: SvcContext, spec: EcsServiceSpec) -> Outcome:
        status = ctx.status
        env = ctx.kube.get("EcsEnvironment", ctx.resource.namespace, spec.environment)
        if env is None:
            if status.service_arn:
                raise Waiting(
                    "WaitingForEnvironment",
                    "the EcsEnvironment is gone; cannot reach AWS to delete",
                    delay=30.0,
                )
            return Outcome(True, "Deleted", "nothing was created")
        env_spec = EcsEnvironmentSpec.model_validate(env.get("spec") or {})
        client = ctx.clients.client("ecs", env_spec.region, env_spec.role_arn)
        sd = ctx.clients.client("servicediscovery", env_spec.region, env_spec.role_arn)
        # Reverse step order: the ECS service (drained), then its Cloud Map service. The
        # task definition family stays: its revisions cost nothing and keep the history.
        # With no ARN on status but a revision registered (a create whose pass ended before
        # writing the ARN), the service is looked for by name; either way it is deleted
        # only if it is this object's. An object that registered nothing made nothing.
        cluster = str((env.get("status") or {}).get("clusterArn") or "")
        target = status.service_arn or spec.ecs_service_name or spec.name or ctx.resource.name
        if status.service_arn and _service_arn_cluster(status.service_arn):
            cluster = _service_arn_cluster(status.service_arn)
        if cluster and status.autoscaling is not None:
            # AWS keeps a deleted service's target (and its policies): deregister first.
            _unscale(
                ctx,
                partial(
                    ctx.clients.client,
                    "application-autoscaling",
                    env_spec.region,
                    env_spec.role_arn,
                ),
            )
        if cluster and (status.service_arn or status.task_definition_arn):
            remove(ctx, EcsServiceResource(ctx, client, cluster, target), ServiceWant())
        remove(
            ctx,
            DiscoveryResource(ctx, sd, spec.name or ctx.resource.name, deleting=True),
            _no_request,
        )
        routed = ctx.status.http is not None
        _unroute(ctx, partial(ctx.clients.client, "elbv2", env_spec.region, env_spec.role_arn))
        made = "ECS service, Service Discovery service" + (
            ", listener rule and target group" if routed else ""
        )
        return Outcome(True, "Deleted", f"{made} deleted")


def _routed(sctx: ServiceContext, spec: EcsServiceSpec, env: dict[str, Any]) -> ServiceContext:
    """The environment's load balancer spec.http names, and the tasks' security groups with
    the group that lets it in."""
    if spec.http is None:
        return sctx
    kind = "public" if spec.http.public else "private"
    status = env.get("status") or {}
    found = ((status.get("loadBalancers") or {}).get(kind)) or {}
    listener = found.get("httpsListenerArn") or found.get("httpListenerArn")
    default_group = (status.get("network") or {}).get("defaultSecurityGroupId")
    groups = list(sctx.security_groups) or ([default_group] if default_group else [])
    if not (found.get("arn") and listener and found.get("targetsSecurityGroupId") and groups):
        env_name = env["metadata"]["name"]
        raise Waiting(
            "WaitingForLoadBalancer",
            f"spec.http routes from EcsEnvironment {env_name!r}'s {kind} load balancer, which "
            f"it does not have (yet): set spec.http.{kind} on the environment, or "
            f"spec.http.public: {str(kind != 'public').lower()} here",
            delay=15.0,
            wake=environment_key(env["metadata"]["namespace"], env_name),
        )
    ref = LoadBalancerRef(
        arn=found["arn"],
        listener_arn=listener,
        dns_name=found.get("dnsName") or "",
        https=bool(found.get("httpsListenerArn")),
        targets_security_group=found["targetsSecurityGroupId"],
    )
    return dataclasses.replace(
        sctx,
        load_balancer=ref,
        security_groups=tuple(sorted({*groups, ref.targets_security_group})),
    )


def _unroute(ctx: SvcContext, elb: ElbClient) -> None:
    """The rule, then the target group, of routing that spec.http no longer asks for (or of
    a deleted service): only what status recorded, and only if it is this object's."""
    recorded = ctx.status.http
    if recorded is None or ctx.observing:
        return
    if recorded.rule_arn and recorded.listener_arn:
        remove(ctx, ListenerRuleResource(ctx, elb(), recorded.listener_arn), _no_rule())
    if recorded.target_group_arn:
        remove(ctx, TargetGroupResource(ctx, elb()), _no_target_group())
    ctx.save(EcsServiceStatus(http=None))


def _log_groups(
    ctx: SvcContext,
    spec: EcsServiceSpec,
    sctx: ServiceContext,
    env_spec: EcsEnvironmentSpec,
    new: bool,
) -> None:
    """The CloudWatch Logs groups the tasks write to exist before a task can start (Fargate
    stops a task whose awslogs group is missing; Copilot's stack made them). kopilot makes a
    missing one, tagged as its own, with spec.logging.retention; an existing one (Copilot's,
    say) is used as it is. Logs are data: no group is deleted with the service. Looked at
    when status does not record these groups and this retention (a resync reads nothing)."""
    groups = log_groups(spec, sctx)
    recorded = ctx.status
    if recorded.log_groups == groups and recorded.log_retention == spec.logging.retention:
        return
    if ctx.observing:
        return  # Observe reads only; the groups of a running service exist
    logs = ctx.clients.client("logs", env_spec.region, env_spec.role_arn)
    for name in groups:
        # A new service's group is made at once (two calls instead of three: AWS refuses a
        # group that exists, changing nothing, and only then is it read). A running service's
        # (a Copilot one taken over, say) is read first: a handover tries no write.
        made = new and cloudwatch_logs.create_log_group(logs, name, dict(sctx.tags))
        if not made:
            found = cloudwatch_logs.log_group(logs, name)
            if found is None:
                made = cloudwatch_logs.create_log_group(logs, name, dict(sctx.tags))
            elif found.get("retentionInDays") != spec.logging.retention:
                arn = str(found.get("logGroupArn") or str(found["arn"]).removesuffix(":*"))
                if ctx.owner.owns(cloudwatch_logs.tags_of(logs, arn)):
                    cloudwatch_logs.set_retention(logs, name, spec.logging.retention)
        if made:
            cloudwatch_logs.set_retention(logs, name, spec.logging.retention)
            ctx.event("CreatedLogGroup", f"created log group {name}")
    # With the pass's own status write: a pass that dies first only looks again.
    ctx.record(EcsServiceStatus(log_groups=groups, log_retention=spec.logging.retention))


def _post_ecs_events(ctx: SvcContext, described: dict[str, Any]) -> None:
    """ECS's own events of the service (read anyway by DescribeServices) as Kubernetes
    Events, once each: the newest posted is kept on status."""
    seen = ctx.status.ecs_events or EcsEventsSeen()
    created = ctx.resource.created
    since = ecs_events.parse([{"createdAt": created}])[0].at if created else datetime.now(UTC)
    fresh = ecs_events.unseen(ecs_events.parse(described.get("events")), seen.at, seen.ids, since)
    if not fresh or ctx.observing:
        return
    for event in fresh:
        ctx.event("EcsServiceEvent", event.message, warning=event.warning, quoted=True)
    at, ids = ecs_events.mark(fresh, seen.at, seen.ids)
    # With the pass's own status write, not one more: a pass that dies before the write
    # says them again; one that dies after it, before its handler hands back, has not said
    # the Normal ones, which wait for the handler's one event (docs/architecture.md).
    ctx.record(EcsServiceStatus(ecs_events=EcsEventsSeen(at=at, ids=ids)))


def _observe_health(
    ctx: SvcContext,
    sctx: ServiceContext,
    client: Any,
    sd: Any,
    described: dict[str, Any],
    *,
    steady: bool,
    checked: bool,
) -> None:
    """status.health, read only when due (controller.observe.health), with the pass's own
    status write; tasks are listed only when a container has a health check (`checked`).
    A failed read keeps what was recorded: it is no reason to fail the pass."""
    now = datetime.now(UTC)
    was_ready = is_true(ctx.resource.status.get("conditions"))
    recorded = ctx.status.health
    key = ctx.resource.uid
    if not health.due(
        recorded,
        described,
        steady=steady,
        was_ready=was_ready,
        now=now,
        since=health.PROCESS_STARTED,
        key=key,
    ):
        return
    try:
        if checked:  # only a container health check makes healthStatus other than UNKNOWN
            tasks = ecs.service_tasks(client, sctx.cluster, sctx.service_name)
            found = health.task_health(tasks, described, now)
        else:
            found = health.counted_health(described, now)
        discovery = health.discovery_service_ids(described)
        if discovery:
            statuses = [cloudmap.instances_health(sd, service_id) for service_id in discovery]
            found = found.model_copy(update={"endpoints": health.endpoint_health(statuses)})
    except ClientError as err:
        log.warning("%s: task health not read: %s", ctx.resource.name, err)
        return
    ctx.record(EcsServiceStatus(health=found))


def _scale(ctx: SvcContext, spec: EcsServiceSpec, sctx: ServiceContext, aas: AwsClient) -> None:
    """spec.autoscaling: the scalable target of the service's desired count, then its
    policies (a request count or response time policy names the service's target group)."""
    assert spec.autoscaling is not None
    ref = sctx.load_balancer
    want = scaling_wanted(
        sctx.cluster,
        sctx.service_name,
        sctx.names.svc,
        spec.autoscaling,
        sctx.tags,
        load_balancer_arn=ref.arn if ref is not None else None,
        target_group_arn=sctx.target_group_arn,
    )
    client = ScalingResource(ctx, aas(), want, our_policy_names(sctx.names.svc))
    ensure(ctx, client, want, spec.adopt, sctx.tags)


def _unscale(ctx: SvcContext, aas: AwsClient) -> None:
    """Deregister the target status recorded (its policies go with it); nothing else."""
    recorded = ctx.status.autoscaling
    if recorded is None or not recorded.resource_id or ctx.observing:
        return
    want = ScalingWant(recorded.resource_id, 0, 0, (), {})
    remove(ctx, ScalingResource(ctx, aas(), want, frozenset()), want)
    ctx.save(EcsServiceStatus(autoscaling=None))


def _no_rule() -> RuleWant:
    return RuleWant("", (), 0)


def _no_target_group() -> TargetGroupWant:
    return TargetGroupWant("", 0, "", ServiceHttp())


def _service_arn_cluster(arn: str) -> str:
    """The cluster in arn:aws:ecs:<region>:<account>:service/<cluster>/<service>; empty for
    ARNs of before ECS's long ARN format (service/<service>), which do not name it."""
    path = arn.split(":", 5)[-1].split("/")
    return path[1] if len(path) == 3 else ""


def _discovery_request(
    spec: EcsServiceSpec, sctx: ServiceContext, request_id: str
) -> dict[str, Any]:
    request = service_discovery_service_request(spec, sctx, request_id)
    if request is None:  # not reached: called only with Service Discovery on
        raise ValueError("Service Discovery is off")
    return request


def _no_request(request_id: str) -> dict[str, Any]:
    raise ValueError("no Cloud Map service is created while deleting")


def _clash_message(
    ctx: SvcContext,
    spec: EcsServiceSpec,
    sctx: ServiceContext,
    sd: Any,
    aws_message: str,
    described: dict[str, Any] | None,
) -> str:
    """Names the discovery name AWS refused (its message does not say which port's), the
    namespace, and who holds the name there: another EcsService (its Service Connect
    endpoint or its Service Discovery service), or what AWS says of the Cloud Map service
    in the way when it is not kopilot's."""
    namespace_arn, namespace_name = sctx.service_connect_namespace
    wanted = discovery_names(spec, sctx.names)
    ours = _connect_discovery_arns(described)
    present = {
        s["Name"]: s
        for s in cloudmap.services_in(sd, namespace_arn.rsplit("/", 1)[-1])
        if s["Name"] in wanted and s["Arn"] not in ours
    }
    name = next((n for n in wanted if n in present), wanted[0] if wanted else "?")
    taken = present.get(name)
    holder = "another ECS service" if taken is None else _holder(ctx, sd, taken)
    field = (
        f"ports[{wanted.index(name)}].discoveryName"
        if spec.ports and name in wanted
        else "network.connect.discoveryName"
    )
    return (
        f"Service Connect discovery name {name!r} is already taken in namespace "
        f"{namespace_name} by {holder}: set spec.{field} (or spec.name) to a free name. "
        f"AWS said: {aws_message}"
    )


def _connect_discovery_arns(described: dict[str, Any] | None) -> set[str]:
    """The Cloud Map services ECS made for this service's own endpoints (any deployment)."""
    return {
        str(resource["discoveryArn"])
        for deployment in (described or {}).get("deployments") or []
        for resource in deployment.get("serviceConnectResources") or []
        if resource.get("discoveryArn")
    }


def _holder(ctx: SvcContext, sd: Any, taken: dict[str, Any]) -> str:
    tags = cloudmap.tags_of(sd, taken["Arn"])
    if owner_of(tags):  # kopilot's Service Discovery service {svc}
        return f"the Service Discovery service of {owner_of(tags)}"
    for item in ctx.kube.list("EcsService", ctx.resource.namespace):
        if item["metadata"]["uid"] != ctx.resource.uid and _serves(item, taken):
            return f"EcsService {ctx.resource.namespace}/{item['metadata']['name']}"
    return holder_of(f"Cloud Map service {taken['Arn']}", tags)


def _serves(item: dict[str, Any], taken: dict[str, Any]) -> bool:
    """Whether another EcsService holds the Cloud Map service: its recorded endpoint (the
    first port's), or one of the discovery names its spec gives its ports."""
    status = item.get("status") or {}
    if (status.get("serviceConnect") or {}).get("discoveryArn") == taken["Arn"]:
        return True
    try:
        spec = EcsServiceSpec.model_validate(item.get("spec") or {})
    except ValueError:
        return False
    names = Names(app=spec.app, env=spec.environment, svc=spec.name or item["metadata"]["name"])
    return taken["Name"] in discovery_names(spec, names)


def _check_identity(ctx: SvcContext, sctx: ServiceContext) -> None:
    """The ECS service recorded on status must be the one the spec names: app, environment
    and name are immutable (the CRD refuses a change), but a CRD installed from an older
    version does not, and following the change would leave the first service behind."""
    recorded = ctx.status.service_arn
    if recorded and not service_arn_names(
        str(recorded), sctx.cluster.rsplit("/", 1)[-1], sctx.service_name
    ):
        raise Terminal(
            "IdentityChanged",
            f"this EcsService runs ECS service {recorded}, and spec.app, spec.environment or "
            f"spec.name now name {sctx.service_name} in {sctx.cluster.rsplit('/', 1)[-1]}: "
            "restore them, or delete this EcsService (its deletionPolicy applies to the ECS "
            "service it runs) and create a new one",
        )


def service_arn_names(arn: str, cluster: str, service: str) -> bool:
    """True when an ECS service ARN names this service in this cluster. ARNs made before
    ECS's long ARN format (2018) name the service alone: `service/{name}`."""
    path = arn.split(":", 5)[-1].split("/")
    if path[:1] != ["service"]:
        return False
    return path[1:] in ([cluster, service], [service])


def _handled_before(ctx: Context[Any], moment: datetime) -> bool:
    """Whether an operator worked on the object before `moment`. kopf adds its finalizer
    before the first handler runs, and the operator writes status: both are in
    managedFields with a time (to the second, so a write in the same second counts). An
    object applied before the start but first handled by this process has none of them."""
    metadata = (ctx.resource.body or {}).get("metadata") or {}
    entries = metadata.get("managedFields")
    if entries is None:  # not in this body (a resync's page): judge by its age
        return _before(metadata.get("creationTimestamp"), moment)
    return any(
        _before(entry.get("time"), moment)
        for entry in entries
        if entry.get("manager") == KOPF_FIELD_MANAGER or entry.get("subresource") == "status"
    )


def _before(timestamp: Any, moment: datetime) -> bool:
    if not timestamp:
        return True  # unknown: assume it may be
    at = datetime.fromisoformat(str(timestamp).replace("Z", "+00:00"))
    return at <= moment.replace(microsecond=0)
