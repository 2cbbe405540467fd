"""EcsService: task definition, Service Discovery service, ECS service with Service Connect.

Order: the task definition (registered only when its content changes), then the Cloud Map
service for Service Discovery, then the ECS service that uses both. Each ID is saved on
status before the next step, so a restart resumes instead of creating twice.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from ..api.environment import EcsEnvironmentSpec
from ..api.service import EcsServiceSpec
from ..aws import cloudmap, ecs
from ..aws.coalesce import ServiceDescriber
from ..naming import Names, client_token, holder_of, owner_of
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
    service_discovery_enabled,
    service_discovery_service_request,
    task_definition_request,
)
from .conditions import is_true
from .engine import Context, Outcome
from .environment import environment_names
from .errors import Terminal, Waiting
from .rollouts import RolloutTicket
from .waiting import environment_key

PROCESS_STARTED = datetime.now(UTC)
# The field manager of kopf's own writes (the finalizer), as managedFields names it.
KOPF_FIELD_MANAGER = "kopf"
# Cloud Map API Reference, CreateService.CreatorRequestId: at most 64 characters.
CREATOR_REQUEST_ID_MAX = 64
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
        # Families whose newest revision this process has registered or looked at.
        self._families_seen: set[str] = set()
        self._families_lock = threading.Lock()
        # (Region, role, network.connect.namespace) -> (ARN, name) of namespaces found.
        self._namespaces: dict[tuple[str, str, str], tuple[str, str]] = {}

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
            tags=ctx.tags_for(names, app_tags, env_spec.tags, spec.tags),
        )
        if not (spec.execution_role_arn or service_ctx.execution_role_arn):
            # Every task sends its logs with awslogs, which Fargate refuses without one.
            raise Terminal(
                "ExecutionRoleRequired",
                "Fargate needs a task execution role to send the container's logs to "
                "CloudWatch Logs and to read secrets: set spec.executionRoleArn on "
                f"EcsEnvironment {spec.environment!r} (for all its services) or on this "
                "EcsService; the role needs the AmazonECSTaskExecutionRolePolicy policy",
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
        _check_identity(ctx, sctx)
        client = ctx.clients.client("ecs", env_spec.region, env_spec.role_arn)
        sd = ctx.clients.client("servicediscovery", env_spec.region, env_spec.role_arn)
        sctx = self._resolve_connect_namespace(spec, sctx, sd, env_spec.role_arn)
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
            described = self._create(ctx, spec, sctx, client, sd, task_definition_arn, registry_arn)
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
                described = self._call(
                    ctx, spec, sctx, sd, lambda: ecs.update_service(client, request)
                )
                ctx.event("UpdatedService", f"updated ECS service {svc}: {', '.join(sorted(diff))}")
        outcome = self._outcome(spec, sctx, described, task_definition_arn, held)
        if outcome.requeue_after is not None:
            outcome.watch = RolloutTicket(
                env_spec.region, env_spec.role_arn, sctx.cluster, svc, task_definition_arn
            )
        return outcome

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
        unsaved = self._unsaved_revision(ctx, client, sctx.names.family, digest)
        if unsaved is not None:
            ctx.save_status(taskDefinitionArn=unsaved, taskDefinitionDigest=digest)
            return unsaved
        registered = ecs.register_task_definition(client, request)
        arn = registered["taskDefinitionArn"]
        self.task_definitions.put(arn, digest)
        # Saved at once: registering again after a restart would make a second revision.
        ctx.save_status(taskDefinitionArn=arn, taskDefinitionDigest=digest)
        if described is not None:  # a new service's revision is named in CreatedService
            ctx.event("RegisteredTaskDefinition", f"registered {arn.rsplit('/', 1)[-1]}")
        self._prune_revisions(ctx, client, sctx.names.family, keep={arn, *candidates})
        return str(arn)

    def _unsaved_revision(self, ctx: Context, client: Any, family: str, digest: str) -> str | None:
        """The revision of this very content that an earlier run of the operator registered
        and did not live to save on status (revisions have no idempotency token). Only an
        object older than this process can have one, and only the family's newest revision
        can be it; asked once per family per process (two reads), before registering."""
        with self._families_lock:
            if family in self._families_seen:
                return None
            self._families_seen.add(family)
        if not _handled_before(ctx, PROCESS_STARTED):
            return None
        for arn in ecs.task_definition_revisions(client, family)[:1]:
            definition, tags = ecs.describe_task_definition_and_tags(client, arn)
            if ctx.owner.owns(tags) and task_definition_digest(definition) == digest:
                self.task_definitions.put(arn, digest)
                ctx.event(
                    "FoundTaskDefinition",
                    f"found {arn.rsplit('/', 1)[-1]}, registered before a restart",
                )
                return arn
        return None

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
        if not service_discovery_enabled(spec, sctx):
            return None  # off: a registration left from before is removed at deletion
        recorded = ctx.resource.status.get("serviceDiscoveryArn")
        recorded_id = ctx.resource.status.get("serviceDiscoveryId")
        request_id = f"{ctx.resource.uid}-sd"
        if recorded and recorded_id and _deleted_out_of_band(ctx, sd, str(recorded_id)):
            # A new service needs a new CreatorRequestId (the old one names the deleted
            # service); derived from the id it replaces, so a repeat after a restart matches.
            request_id = f"{ctx.resource.uid}-sd-{recorded_id}"[:CREATOR_REQUEST_ID_MAX]
            ctx.event(
                "ServiceDiscoveryMissing",
                f"Cloud Map service {sctx.names.service} ({recorded_id}) was deleted outside "
                "kopilot; creating it again",
                warning=True,
            )
            recorded = None
        if recorded:
            return str(recorded)
        request = service_discovery_service_request(spec, sctx, request_id)
        if request is None:  # not reached: Service Discovery is on
            return None
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
        sd: Any,
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
        created = self._call(ctx, spec, sctx, sd, lambda: ecs.create_service(client, request))
        ctx.record(serviceArn=created["serviceArn"])  # the clientToken makes a repeat safe
        parts = [f"task definition {task_definition_arn.rsplit('/', 1)[-1]}"]
        if registry_arn:
            parts.append(f"Service Discovery {sctx.names.service}.{sctx.namespace_name}")
        ctx.event(
            "CreatedService", f"created ECS service {sctx.names.service} ({', '.join(parts)})"
        )
        return created

    def _call(
        self, ctx: Context, spec: EcsServiceSpec, sctx: ServiceContext, sd: Any, call: Any
    ) -> dict[str, Any]:
        """Create or update; a Service Connect name clash gets a message naming the owner."""
        try:
            result: dict[str, Any] = call()
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            message = err.response.get("Error", {}).get("Message", "")
            if code == "NamespaceNotFoundException":  # deleted since it was resolved
                self._namespaces.clear()
                raise Terminal(
                    "NamespaceNotFound",
                    f"the Service Connect namespace {sctx.service_connect_namespace[1]} no "
                    f"longer exists: create it again or correct spec.network.connect.namespace. "
                    f"AWS said: {message}",
                ) from err
            if "already used" in message:  # ECS: "SC service is already used by <namespace>"
                raise Terminal(
                    "DiscoveryNameTaken", self._clash_message(ctx, spec, sctx, sd, message)
                ) from err
            raise
        return result

    def _clash_message(
        self, ctx: Context, spec: EcsServiceSpec, sctx: ServiceContext, sd: Any, aws_message: str
    ) -> str:
        """Names the namespace of the clash and who holds the name there: another EcsService
        (its Service Connect endpoint or its Service Discovery service), or what AWS says of
        the Cloud Map service in the way when it is not kopilot's."""
        connect = spec.network.connect
        discovery = (connect.discovery_name if connect else None) or sctx.names.discovery_name
        namespace_arn, namespace_name = sctx.service_connect_namespace
        holder = self._discovery_holder(ctx, sd, namespace_arn, discovery)
        return (
            f"Service Connect discovery name {discovery!r} is already taken in namespace "
            f"{namespace_name} by {holder}: set spec.network.connect.discoveryName (or "
            f"spec.name) to a free name. AWS said: {aws_message}"
        )

    def _discovery_holder(self, ctx: Context, sd: Any, namespace_arn: str, name: str) -> str:
        taken = next(
            (
                s
                for s in cloudmap.services_in(sd, namespace_arn.rsplit("/", 1)[-1])
                if s["Name"] == name
            ),
            None,
        )
        if taken is None:
            return "another ECS service"
        tags = cloudmap.tags_of(sd, taken["Arn"])
        if owner_of(tags):  # kopilot's Service Discovery service {svc}
            return f"the Service Discovery service of {owner_of(tags)}"
        for item in ctx.kube.list("EcsService", ctx.resource.namespace):
            status = item.get("status") or {}
            if (
                item["metadata"]["uid"] != ctx.resource.uid
                and (status.get("serviceConnect") or {}).get("discoveryArn") == taken["Arn"]
            ):
                return f"EcsService {ctx.resource.namespace}/{item['metadata']['name']}"
        return holder_of(f"Cloud Map service {taken['Arn']}", tags)

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
            "serviceConnect": service_connect_status(described, sctx.service_connect_namespace[0]),
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


def _check_identity(ctx: Context, sctx: ServiceContext) -> None:
    """The ECS service recorded on status must be the one the spec names: app, environment
    and name are immutable (the CRD refuses a change), but a CRD installed from an older
    version does not, and following the change would leave the first service behind."""
    recorded = ctx.resource.status.get("serviceArn")
    if recorded and not service_arn_names(
        str(recorded), sctx.cluster.rsplit("/", 1)[-1], sctx.names.service
    ):
        raise Terminal(
            "IdentityChanged",
            f"this EcsService runs ECS service {recorded}, and spec.app, spec.environment or "
            f"spec.name now name {sctx.names.service} in {sctx.cluster.rsplit('/', 1)[-1]}: "
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


def _deleted_out_of_band(ctx: Context, sd: Any, service_id: str) -> bool:
    """The environment's resync lists its namespace's Cloud Map services once per pass
    (hint `discoveryIds`); a service missing from that list is asked for once more, since
    the list may predate its creation."""
    listed = ctx.hints.get("discoveryIds")
    if listed is None or service_id in listed:
        return False
    return cloudmap.get_service(sd, service_id) is None


def _handled_before(ctx: Context, moment: datetime) -> bool:
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
