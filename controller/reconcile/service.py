"""EcsService: task definition, Service Discovery service, ECS service with Service Connect.

Order: the task definition (registered only when its content changes), then the Cloud Map
service for Service Discovery, then the ECS service that uses both. Each ID is saved on
status before the next step, so a restart resumes instead of creating twice.
"""

from __future__ import annotations

import threading
from typing import Any

from botocore.exceptions import ClientError

from ..api.environment import EcsEnvironmentSpec
from ..api.service import EcsServiceSpec
from ..aws import cloudmap, ecs
from ..aws.coalesce import ServiceDescriber
from ..naming import Names, client_token, owner_of, resource_tags
from ..observe.service import (
    is_ready,
    observed_service,
    rollout,
    service_connect_status,
    service_diff,
    task_definition_digest,
    update_service_request,
)
from ..render.service import (
    ServiceContext,
    create_service_request,
    desired_service,
    endpoints,
    service_discovery_service_request,
    task_definition_request,
)
from .conditions import is_true
from .engine import Context, Outcome
from .environment import environment_names
from .errors import Terminal, Waiting
from .rollouts import RolloutTicket
from .waiting import environment_key

ROLLOUT_POLL_SECONDS = 5.0  # when the handler hands the wait back to kopf
# Old task definition revisions kept ACTIVE beside the one in use (for rollbacks).
KEEP_REVISIONS = 5


class TaskDefinitionCache:
    """Task definition revisions are immutable, so one describe per ARN is enough. Only the
    digest of what matching compares is kept (a short string, not the whole description:
    a thousand services' revisions would otherwise stay in memory)."""

    def __init__(self) -> None:
        self._digests: dict[str, str] = {}
        self._lock = threading.Lock()

    def digest(self, client: Any, arn: str) -> str:
        with self._lock:
            found = self._digests.get(arn)
        if found is None:
            found = task_definition_digest(ecs.describe_task_definition(client, arn))
            with self._lock:
                self._digests[arn] = found
        return found

    def put(self, arn: str, digest: str) -> None:
        with self._lock:
            self._digests[arn] = digest


class ServiceManager:
    kind = "EcsService"
    spec_model = EcsServiceSpec

    def __init__(self, keep_revisions: int = KEEP_REVISIONS) -> None:
        self.task_definitions = TaskDefinitionCache()
        self.describer = ServiceDescriber()
        self.keep_revisions = keep_revisions

    # -- context --------------------------------------------------------------------------

    def _environment(
        self, ctx: Context, spec: EcsServiceSpec
    ) -> tuple[EcsEnvironmentSpec, dict[str, Any]]:
        hinted = ctx.hints.get("environment")
        env = (
            hinted
            if hinted is not None
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
        status = env.get("status") or {}
        if not is_true(status.get("conditions")) or not status.get("clusterArn"):
            raise Waiting(
                "WaitingForEnvironment",
                f"EcsEnvironment {spec.environment!r} is not Ready yet",
                delay=5.0,
                wake=environment_key(ctx.resource.namespace, spec.environment),
            )
        ctx.reads["environment"] = env  # Ready: the next pass in seconds may reuse it
        return env_spec, env

    def _context(
        self, ctx: Context, spec: EcsServiceSpec
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
            tags=resource_tags(ctx.owner, names, app_tags, env_spec.tags, spec.tags),
        )
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

    def reconcile(self, ctx: Context, spec: EcsServiceSpec) -> Outcome:
        sctx, env_spec = self._context(ctx, spec)
        client = ctx.clients.client("ecs", env_spec.region, env_spec.role_arn)
        sd = ctx.clients.client("servicediscovery", env_spec.region, env_spec.role_arn)
        svc = sctx.names.service

        # A batched describe of the environment's services, taken before this service's lock:
        # trusted when it shows the service, but "absent" may be stale (a create may have
        # finished meanwhile), and creating on a stale "absent" could register a second
        # revision and reuse the clientToken with other parameters. So absent is re-checked.
        described = ctx.hints.get("described")
        if described is None:
            described = self.describer.describe(client, sctx.cluster, svc)
        if described is not None:
            self._check_owner(ctx, spec, described)

        task_definition_arn = self._task_definition(ctx, spec, sctx, client, described)
        registry_arn = self._service_discovery(ctx, spec, sctx, sd)
        desired = desired_service(spec, sctx, task_definition_arn, registry_arn)

        held = self._held_revision(ctx, described, task_definition_arn)
        if described is None:
            described = self._create(ctx, spec, sctx, client, task_definition_arn, registry_arn)
        else:
            # Tags are not part of UpdateService; DescribeServices(include=TAGS) has them.
            stale = {k: v for k, v in sctx.tags.items() if described.get("tagMap", {}).get(k) != v}
            if stale:
                ecs.tag(client, described["serviceArn"], stale)
            diff = service_diff(desired, observed_service(described))
            if held:
                diff.pop("taskDefinition", None)  # do not redeploy the revision that failed
            if diff:
                request = update_service_request(sctx.cluster, svc, diff, desired)
                described = self._call(ctx, spec, sctx, lambda: ecs.update_service(client, request))
                ctx.event("UpdatedService", f"updated ECS service {svc}: {', '.join(sorted(diff))}")
        outcome = self._outcome(spec, sctx, described, task_definition_arn, held)
        if outcome.requeue_after is not None:
            outcome.watch = RolloutTicket(
                env_spec.region, env_spec.role_arn, sctx.cluster, svc, task_definition_arn
            )
        return outcome

    def _held_revision(
        self, ctx: Context, described: dict[str, Any] | None, task_definition_arn: str
    ) -> bool:
        """True when this generation's revision already failed its rollout.

        The circuit breaker rolls back to the last working revision; sending the failed one
        again would loop forever. It is held until the spec changes (a new generation)."""
        generation = ctx.resource.generation
        recorded = ctx.resource.status.get("rollout") or {}
        failed_now = any(
            d.get("rolloutState") == "FAILED" and d.get("taskDefinition") == task_definition_arn
            for d in (described or {}).get("deployments") or []
        )
        if failed_now and recorded.get("failedTaskDefinition") != task_definition_arn:
            ctx.save_status(
                rollout={
                    "failedTaskDefinition": task_definition_arn,
                    "failedGeneration": generation,
                }
            )
            ctx.event(
                "RolloutFailed",
                f"the rollout of {task_definition_arn.rsplit('/', 1)[-1]} "
                "failed; ECS rolled back. Change the spec to try again",
                warning=True,
            )
            return True
        return bool(
            recorded.get("failedTaskDefinition") == task_definition_arn
            and recorded.get("failedGeneration") == generation
        )

    def _check_owner(self, ctx: Context, spec: EcsServiceSpec, described: dict[str, Any]) -> None:
        if ctx.owner.owns(described.get("tagMap", {})):
            return
        if not spec.adopt:
            other = owner_of(described.get("tagMap", {})) or "nobody known to kopilot"
            raise Terminal(
                "ServiceNotOwned",
                f"ECS service {described['serviceName']} already exists in the cluster and "
                f"belongs to {other}: set spec.adopt: true to take it over, or set another "
                "spec.name",
            )
        ctx.event("AdoptedService", f"adopted ECS service {described['serviceName']}")

    def _task_definition(
        self,
        ctx: Context,
        spec: EcsServiceSpec,
        sctx: ServiceContext,
        client: Any,
        described: dict[str, Any] | None,
    ) -> str:
        request = task_definition_request(spec, sctx)
        digest = task_definition_digest(request)
        recorded = ctx.resource.status.get("taskDefinitionArn")
        running = (described or {}).get("taskDefinition")
        if (
            recorded
            and running in (None, recorded)
            and ctx.resource.status.get("taskDefinitionDigest") == digest
        ):
            return str(recorded)  # registered from this very content: no describe
        candidates = [arn for arn in (running, recorded) if arn]
        for arn in candidates:
            if self.task_definitions.digest(client, arn) == digest:
                if arn == recorded:
                    ctx.record(taskDefinitionDigest=digest)
                return str(arn)
        registered = ecs.register_task_definition(client, request)
        arn = registered["taskDefinitionArn"]
        self.task_definitions.put(arn, digest)
        # Saved at once: registering again after a restart would make a second revision.
        ctx.save_status(taskDefinitionArn=arn, taskDefinitionDigest=digest)
        if described is not None:  # a new service's revision is named in CreatedService
            ctx.event("RegisteredTaskDefinition", f"registered {arn.rsplit('/', 1)[-1]}")
        self._prune_revisions(ctx, client, sctx.names.family, keep={arn, *candidates})
        return str(arn)

    def _prune_revisions(self, ctx: Context, client: Any, family: str, keep: set[str]) -> None:
        """Deregister our own revisions beyond the newest few (never one someone else made,
        say Copilot before an adoption). Runs only right after a registration."""
        newest = max(int(arn.rsplit(":", 1)[-1]) for arn in keep)
        if newest <= self.keep_revisions:
            return  # revisions count from 1: there cannot be more than we keep yet
        revisions = ecs.task_definition_revisions(client, family)
        for arn in revisions[self.keep_revisions :]:
            if arn not in keep and ctx.owner.owns(ecs.task_definition_tags(client, arn)):
                ecs.deregister_task_definition(client, arn)

    def _service_discovery(
        self, ctx: Context, spec: EcsServiceSpec, sctx: ServiceContext, sd: Any
    ) -> str | None:
        request = service_discovery_service_request(spec, sctx, f"{ctx.resource.uid}-sd")
        recorded = ctx.resource.status.get("serviceDiscoveryArn")
        if request is None:
            return None  # off: a registration left from before is removed at deletion
        if recorded:
            return str(recorded)
        # Create straight away: our CreatorRequestId makes a repeat return the same service,
        # and only a name taken by someone else needs a look-up (listing the namespace's
        # services first would cost pages of reads per service).
        try:
            created = cloudmap.create_service(sd, request)
        except sd.exceptions.ServiceAlreadyExists as err:
            existing = cloudmap.get_service(sd, str(err.response.get("ServiceId", "")))
            if existing is None:
                raise
            created = self._claim_service_discovery(ctx, spec, sctx, sd, existing)
        # Written with this pass's status: a repeat of the create returns the same service.
        ctx.record(serviceDiscoveryArn=created["Arn"], serviceDiscoveryId=created["Id"])
        return str(created["Arn"])

    def _claim_service_discovery(
        self,
        ctx: Context,
        spec: EcsServiceSpec,
        sctx: ServiceContext,
        sd: Any,
        existing: dict[str, Any],
    ) -> dict[str, Any]:
        current = cloudmap.tags_of(sd, existing["Arn"])
        if ctx.owner.owns(current):
            return existing
        if not spec.adopt:
            raise Terminal(
                "DiscoveryNameTaken",
                f"Cloud Map service {existing['Name']} already exists in namespace "
                f"{sctx.namespace_name} and belongs to "
                f"{owner_of(current) or 'nobody known to kopilot'}: rename this service "
                "(spec.name) or set spec.adopt: true",
            )
        # Adopted: it carries our ownership tags from now on, like everything we own.
        cloudmap.tag(sd, existing["Arn"], dict(sctx.tags))
        ctx.event("AdoptedServiceDiscovery", f"adopted Cloud Map service {existing['Name']}")
        return existing

    def _create(
        self,
        ctx: Context,
        spec: EcsServiceSpec,
        sctx: ServiceContext,
        client: Any,
        task_definition_arn: str,
        registry_arn: str | None,
    ) -> dict[str, Any]:
        creations = int(ctx.resource.status.get("creations", 0))
        if ctx.resource.status.get("serviceArn"):
            # It existed and is gone (deleted out of band): a new create needs a new token.
            creations += 1
            ctx.save_status(creations=creations, serviceArn=None)
        token = client_token(ctx.resource.uid, f"create-{creations}")
        request = create_service_request(spec, sctx, task_definition_arn, registry_arn, token)
        created = self._call(ctx, spec, sctx, lambda: ecs.create_service(client, request))
        ctx.record(serviceArn=created["serviceArn"])  # the clientToken makes a repeat safe
        parts = [f"task definition {task_definition_arn.rsplit('/', 1)[-1]}"]
        if registry_arn:
            parts.append(f"Service Discovery {sctx.names.service}.{sctx.namespace_name}")
        ctx.event(
            "CreatedService", f"created ECS service {sctx.names.service} ({', '.join(parts)})"
        )
        return created

    def _call(
        self, ctx: Context, spec: EcsServiceSpec, sctx: ServiceContext, call: Any
    ) -> dict[str, Any]:
        """Create or update; a Service Connect name clash gets a message naming the owner."""
        try:
            result: dict[str, Any] = call()
        except ClientError as err:
            message = err.response.get("Error", {}).get("Message", "")
            if "already used" in message:  # ECS: "SC service is already used by <namespace>"
                raise Terminal(
                    "DiscoveryNameTaken", self._clash_message(ctx, spec, sctx, message)
                ) from err
            raise
        return result

    def _clash_message(
        self, ctx: Context, spec: EcsServiceSpec, sctx: ServiceContext, aws_message: str
    ) -> str:
        connect = spec.network.connect
        discovery = (connect.discovery_name if connect else None) or sctx.names.discovery_name
        others = []
        for item in ctx.kube.list("EcsService", ctx.resource.namespace):
            if item["metadata"]["uid"] == ctx.resource.uid:
                continue
            try:
                other = EcsServiceSpec.model_validate(item.get("spec") or {})
            except ValueError:
                continue
            other_name = other.name or item["metadata"]["name"]
            other_discovery = (
                other.network.connect.discovery_name if other.network.connect else None
            ) or f"{other_name}-sc"
            if other.environment == spec.environment and other_discovery == discovery:
                others.append(f"EcsService {ctx.resource.namespace}/{item['metadata']['name']}")
        owner = ", ".join(others) if others else "another ECS service in the namespace"
        return (
            f"Service Connect discovery name {discovery!r} is already taken in namespace "
            f"{sctx.namespace_name} by {owner}: set spec.network.connect.discoveryName (or "
            f"spec.name) to a free name. AWS said: {aws_message}"
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
        status: dict[str, Any] = {
            "serviceArn": described.get("serviceArn"),
            "taskDefinitionArn": task_definition_arn,
            "endpoints": points,
            "endpoint": next(
                iter(points.get("serviceConnect") or []), points.get("serviceDiscovery")
            ),
            "desiredCount": desired_count,
            "runningCount": running,
            "pendingCount": state["pendingCount"],
            "tasks": f"{running}/{desired_count}",
            "rollout": {k: state.get(k) for k in ("state", "reason", "deploymentId")},
            "serviceConnect": service_connect_status(described),
        }
        if held:
            running_revision = str(state.get("taskDefinition") or "?").rsplit("/", 1)[-1]
            return Outcome(
                False,
                "RolloutFailed",
                f"the rollout of {task_definition_arn.rsplit('/', 1)[-1]} failed and ECS rolled "
                f"back to {running_revision}: {state.get('reason') or 'no reason given'}. Fix "
                "the spec (image, command, health check) and apply it to try again",
                status,
            )
        if is_ready(described, task_definition_arn):
            status["rollout"] |= {"failedTaskDefinition": None, "failedGeneration": None}
            return Outcome(True, "Available", f"{running}/{desired_count} tasks running", status)
        return Outcome(
            False,
            "RollingOut",
            f"rollout {state.get('state') or 'pending'}: {running}/{desired_count} tasks running",
            status,
            requeue_after=ROLLOUT_POLL_SECONDS,
        )

    # -- delete -----------------------------------------------------------------------------

    def delete(self, ctx: Context, spec: EcsServiceSpec) -> Outcome:
        if spec.deletion_policy == "Retain":
            return Outcome(True, "Retained", "deletionPolicy Retain: ECS service left in AWS")
        status = ctx.resource.status
        service_arn = status.get("serviceArn")
        env = ctx.kube.get("EcsEnvironment", ctx.resource.namespace, spec.environment)
        if env is None:
            if service_arn:
                raise Waiting(
                    "WaitingForEnvironment",
                    "the EcsEnvironment is gone; cannot reach AWS to delete",
                    delay=30.0,
                )
            return Outcome(True, "Deleted", "nothing was created")
        env_spec = EcsEnvironmentSpec.model_validate(env.get("spec") or {})
        client = ctx.clients.client("ecs", env_spec.region, env_spec.role_arn)
        sd = ctx.clients.client("servicediscovery", env_spec.region, env_spec.role_arn)
        if service_arn:
            # arn:aws:ecs:<region>:<account>:service/<cluster>/<service>
            cluster = str(service_arn.split("/")[-2])
            described = ecs.describe_service_any_state(client, cluster, service_arn)
            if described is not None and described.get("status") != "INACTIVE":
                if not ctx.owner.owns(described.get("tagMap", {})):
                    return Outcome(True, "Deleted", "the ECS service is not ours; left alone")
                if described.get("status") == "ACTIVE":
                    if described.get("desiredCount", 0) > 0:
                        ecs.update_service(
                            client, {"cluster": cluster, "service": service_arn, "desiredCount": 0}
                        )
                    ecs.delete_service(client, cluster, service_arn)
                    ctx.event("DeletingService", f"deleting ECS service {described['serviceName']}")
                raise Waiting(
                    "DeletingService",
                    f"ECS service {described['serviceName']} is draining",
                    delay=2.0,
                )
        registry_id = status.get("serviceDiscoveryId")
        if registry_id:
            found = cloudmap.get_service(sd, registry_id)
            if found is not None and ctx.owner.owns(cloudmap.tags_of(sd, found["Arn"])):
                try:
                    cloudmap.delete_service(sd, registry_id)
                except sd.exceptions.ResourceInUse as err:
                    raise Waiting(
                        "DeletingServiceDiscovery",
                        f"Cloud Map service still has instances: {err}",
                        delay=5.0,
                    ) from err
                ctx.event("DeletedServiceDiscovery", f"deleted Cloud Map service {found['Name']}")
        return Outcome(True, "Deleted", "ECS service and Service Discovery service deleted")
