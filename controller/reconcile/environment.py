"""EcsEnvironment: the Cloud Map namespace, then the ECS cluster with its Service Connect
default namespace. Order matters: the cluster's default must be given as the namespace's
ARN, or ECS silently creates an HTTP namespace of that name."""

from __future__ import annotations

from typing import Any

from ..api.app import EcsAppSpec, app_name
from ..api.environment import EcsEnvironmentSpec
from ..aws import cloudmap, ec2, ecs
from ..naming import Names, holder_of, owner_of
from .conditions import is_true
from .engine import Context, Outcome
from .errors import Retryable, Terminal, Waiting

# Context.reads key: the namespace's ServiceCount, as the environment's pass read it.
SERVICE_COUNT_READ = "namespaceServiceCount"

NAMESPACE_POLL_SECONDS = 2.0


def environment_names(
    ctx: Context, spec: EcsEnvironmentSpec, env_resource_name: str | None = None
) -> tuple[Names, dict[str, str]]:
    """The app's AWS name and tags, from its EcsApp (which must exist)."""
    namespace = ctx.resource.namespace
    hinted = ctx.hints.get("app")
    app = hinted if hinted is not None else ctx.kube.get("EcsApp", namespace, spec.app)
    if app is None:
        raise Waiting(
            "AppNotFound",
            f"EcsApp {spec.app!r} does not exist in namespace {namespace!r}: create it, or "
            "correct spec.app",
            delay=15.0,
        )
    ctx.reads["app"] = app
    app_spec = EcsAppSpec.model_validate(app.get("spec") or {})
    env_name = spec.name or env_resource_name or ctx.resource.name
    names = Names(app=app_name(app_spec, app["metadata"]), env=env_name)
    return names, app_spec.tags


class EnvironmentManager:
    kind = "EcsEnvironment"
    spec_model = EcsEnvironmentSpec

    def reconcile(self, ctx: Context, spec: EcsEnvironmentSpec) -> Outcome:
        names, app_tags = environment_names(ctx, spec)
        tags = ctx.tags_for(names, app_tags, spec.tags)
        sd = ctx.clients.client("servicediscovery", spec.region, spec.role_arn)
        ecs_client = ctx.clients.client("ecs", spec.region, spec.role_arn)

        network = self._network(ctx, spec)
        namespace = self._namespace(ctx, spec, names, tags, sd, network["vpcId"])
        cluster = self._cluster(ctx, spec, names, tags, ecs_client, namespace["Arn"])
        ns_name = namespace["Name"]
        return Outcome(
            ready=True,
            reason="Available",
            message=f"cluster {cluster['clusterName']} and namespace {ns_name} are ready",
            status={
                "clusterArn": cluster["clusterArn"],
                "namespace": {
                    "id": namespace["Id"],
                    "arn": namespace["Arn"],
                    "name": ns_name,
                    "type": namespace["Type"],
                    "operationId": None,
                },
                "serviceDiscoveryEndpoint": ns_name,
                "network": network,
            },
        )

    # -- network ------------------------------------------------------------------------

    def _network(self, ctx: Context, spec: EcsEnvironmentSpec) -> dict[str, Any]:
        if spec.network is not None:
            return {
                "vpcId": spec.network.vpc_id,
                "subnets": list(spec.network.subnets),
                "securityGroups": list(spec.network.security_groups),
                "assignPublicIp": spec.network.assign_public_ip,
            }
        recorded = ctx.resource.status.get("network") or {}
        if recorded.get("vpcId") and recorded.get("subnets"):
            return dict(recorded)  # looked up once; the default VPC does not move
        client = ctx.clients.client("ec2", spec.region, spec.role_arn)
        found = ec2.default_network(client)
        if found is None or not found[1]:
            raise Terminal(
                "NoDefaultVpc",
                f"spec.network is not set and Region {spec.region} has no default VPC with "
                "default subnets: set spec.network (vpcId, subnets)",
            )
        vpc_id, subnets = found
        network = {
            "vpcId": vpc_id,
            "subnets": subnets,
            "securityGroups": [],
            "assignPublicIp": False,
        }
        ctx.save_status(network=network)
        return network

    # -- namespace ----------------------------------------------------------------------

    def _namespace(
        self,
        ctx: Context,
        spec: EcsEnvironmentSpec,
        names: Names,
        tags: dict[str, str],
        sd: Any,
        vpc_id: str,
    ) -> dict[str, Any]:
        wanted = spec.service_discovery.namespace or names.namespace(
            spec.service_discovery.legacy_namespace
        )
        wanted_type = spec.service_discovery.type
        recorded = ctx.resource.status.get("namespace") or {}
        if recorded.get("id") and (recorded.get("name"), recorded.get("type")) != (
            wanted,
            wanted_type,
        ):
            raise Terminal(
                "NamespaceChangeUnsupported",
                f"the environment's namespace is {recorded.get('name')} ({recorded.get('type')}); "
                f"moving it to {wanted} ({wanted_type}) would change every endpoint. Restore "
                "spec.serviceDiscovery, or create a new EcsEnvironment",
            )

        if recorded.get("id"):
            found = cloudmap.get_namespace(sd, recorded["id"])
            if found is not None:
                # Its services' resync lists them only when this count moved (see resync).
                ctx.reads[SERVICE_COUNT_READ] = found.get("ServiceCount")
                # GetNamespace carries no tags: re-read them only when the wanted set changed.
                if recorded.get("tagsHash") != _digest(tags):
                    self._tag_if_needed(sd, found["Arn"], tags)
                    ctx.save_status(namespace={"tagsHash": _digest(tags)})
                return found
            ctx.event(
                "NamespaceMissing",
                f"namespace {wanted} was deleted out of band; recreating",
                warning=True,
            )
            recorded = {"creations": int(recorded.get("creations", 0)) + 1}
            ctx.save_status(namespace={"id": None, "arn": None, "creations": recorded["creations"]})

        if recorded.get("operationId"):
            return self._finish_operation(ctx, sd, recorded["operationId"])

        existing = cloudmap.find_namespace(sd, wanted)
        if existing is not None:
            return self._claim(ctx, spec, sd, existing, tags)

        creations = int(recorded.get("creations", 0))
        creator = f"{ctx.resource.uid}-{creations}"
        operation = cloudmap.create_namespace(
            sd,
            wanted,
            wanted_type,
            vpc_id,
            creator,
            tags,
            description=f"kopilot environment {names.env} of app {names.app}",
        )
        # Saved before anything else: a restart polls this operation instead of creating again.
        ctx.save_status(
            namespace={
                "operationId": operation,
                "name": wanted,
                "type": wanted_type,
                "creations": creations,
            }
        )
        ctx.event("CreatingNamespace", f"creating Cloud Map namespace {wanted} ({wanted_type})")
        return self._finish_operation(ctx, sd, operation)

    def _finish_operation(self, ctx: Context, sd: Any, operation_id: str) -> dict[str, Any]:
        operation = cloudmap.get_operation(sd, operation_id)
        state = operation.get("Status")
        if state == "SUCCESS":
            namespace_id = operation.get("Targets", {}).get("NAMESPACE")
            found = cloudmap.get_namespace(sd, namespace_id) if namespace_id else None
            if found is None:
                raise Retryable(
                    "NamespaceNotFound",
                    f"operation {operation_id} succeeded but its namespace is not there yet",
                )
            ctx.save_status(namespace={"id": found["Id"], "arn": found["Arn"], "operationId": None})
            ctx.event("CreatedNamespace", f"Cloud Map namespace {found['Name']} is {found['Id']}")
            return found
        if state == "FAIL":
            ctx.save_status(namespace={"operationId": None})
            raise Retryable(
                "NamespaceCreateFailed",
                f"Cloud Map could not create the namespace: {operation.get('ErrorCode')}: "
                f"{operation.get('ErrorMessage')}",
            )
        raise Waiting(
            "CreatingNamespace",
            f"Cloud Map operation {operation_id} is {state}",
            delay=NAMESPACE_POLL_SECONDS,
        )

    def _claim(
        self,
        ctx: Context,
        spec: EcsEnvironmentSpec,
        sd: Any,
        namespace: dict[str, Any],
        tags: dict[str, str],
    ) -> dict[str, Any]:
        """An existing namespace of the wanted name: ours (a crash mid-create), or adopted."""
        current = cloudmap.tags_of(sd, namespace["Arn"])
        if not ctx.owner.owns(current):
            if not spec.adopt:
                other = owner_of(current) or "nobody known to kopilot"
                raise Terminal(
                    "NamespaceNotOwned",
                    f"Cloud Map namespace {namespace['Name']} ({namespace['Id']}) already exists "
                    f"and belongs to {other}: set spec.adopt: true to take it over, or choose "
                    "another spec.serviceDiscovery.namespace",
                )
            ctx.event("AdoptedNamespace", f"adopted Cloud Map namespace {namespace['Name']}")
        self._tag_if_needed(sd, namespace["Arn"], tags, current)
        found = cloudmap.get_namespace(sd, namespace["Id"]) or namespace
        ctx.save_status(
            namespace={
                "id": found["Id"],
                "arn": found["Arn"],
                "name": found["Name"],
                "type": found["Type"],
                "operationId": None,
            }
        )
        return found

    @staticmethod
    def _tag_if_needed(
        sd: Any, arn: str, tags: dict[str, str], current: dict[str, str] | None = None
    ) -> None:
        current = cloudmap.tags_of(sd, arn) if current is None else current
        missing = {k: v for k, v in tags.items() if current.get(k) != v}
        if missing:
            cloudmap.tag(sd, arn, missing)

    # -- cluster ------------------------------------------------------------------------

    def _cluster(
        self,
        ctx: Context,
        spec: EcsEnvironmentSpec,
        names: Names,
        tags: dict[str, str],
        client: Any,
        namespace_arn: str,
    ) -> dict[str, Any]:
        name = spec.cluster.name or names.cluster
        default_ns = namespace_arn if spec.service_connect.enabled else None
        insights = spec.cluster.container_insights
        cluster = ecs.describe_cluster(client, name)
        if cluster is None:
            created = ecs.create_cluster(client, name, tags, insights, default_ns)
            ctx.event("CreatedCluster", f"created ECS cluster {name}")
            ctx.save_status(clusterArn=created["clusterArn"])
            return created

        if not ctx.owner.owns(cluster["tagMap"]):
            if not spec.adopt:
                other = owner_of(cluster["tagMap"]) or "nobody known to kopilot"
                raise Terminal(
                    "ClusterNotOwned",
                    f"ECS cluster {name} already exists and belongs to {other}: set "
                    "spec.adopt: true to take it over, or choose another spec.cluster.name",
                )
            ctx.event("AdoptedCluster", f"adopted ECS cluster {name}")

        missing = {k: v for k, v in tags.items() if cluster["tagMap"].get(k) != v}
        if missing:
            ecs.tag(client, cluster["clusterArn"], missing)
        current_ns = (cluster.get("serviceConnectDefaults") or {}).get("namespace") or None
        current_insights = _setting(cluster, "containerInsights") == "enabled"
        if current_ns != default_ns or current_insights != insights:
            ecs.update_cluster(
                client,
                name,
                insights=insights if current_insights != insights else None,
                namespace_arn=default_ns if current_ns != default_ns else None,
                clear_namespace=default_ns is None and current_ns is not None,
            )
            ctx.event(
                "UpdatedCluster",
                f"updated ECS cluster {name} (Service Connect default "
                f"{default_ns or 'none'}, Container Insights {'on' if insights else 'off'})",
            )
        return cluster

    # -- delete -------------------------------------------------------------------------

    def delete(self, ctx: Context, spec: EcsEnvironmentSpec) -> Outcome:
        if spec.deletion_policy == "Retain":
            return Outcome(
                True, "Retained", "deletionPolicy Retain: cluster and namespace left in AWS"
            )
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
        status = ctx.resource.status
        sd = ctx.clients.client("servicediscovery", spec.region, spec.role_arn)
        client = ctx.clients.client("ecs", spec.region, spec.role_arn)
        self._delete_namespace(ctx, sd, status.get("namespace") or {})
        if status.get("clusterArn"):
            cluster = ecs.describe_cluster(client, status["clusterArn"])
            if cluster is not None and ctx.owner.owns(cluster["tagMap"]):
                try:
                    ecs.delete_cluster(client, status["clusterArn"])
                except client.exceptions.ClusterContainsServicesException as err:
                    raise Waiting(
                        "ClusterInUse",
                        f"cluster {cluster['clusterName']} still has ECS services: "
                        f"{_cluster_holders(client, status['clusterArn'])}. Delete them (or "
                        "their EcsServices), or set deletionPolicy: Retain",
                        delay=5.0,
                    ) from err
                ctx.event("DeletedCluster", f"deleted ECS cluster {cluster['clusterName']}")
        return Outcome(True, "Deleted", "namespace and cluster deleted")

    def _delete_namespace(self, ctx: Context, sd: Any, recorded: dict[str, Any]) -> None:
        namespace_id = recorded.get("id")
        if not namespace_id:
            return
        if recorded.get("deleteOperationId"):
            operation = cloudmap.get_operation(sd, recorded["deleteOperationId"])
            if operation.get("Status") == "SUCCESS":
                ctx.save_status(namespace={"deleteOperationId": None, "id": None})
                ctx.event("DeletedNamespace", f"deleted Cloud Map namespace {recorded.get('name')}")
                return
            if operation.get("Status") != "FAIL":
                raise Waiting(
                    "DeletingNamespace",
                    f"deleting namespace {recorded.get('name')}",
                    delay=NAMESPACE_POLL_SECONDS,
                )
            ctx.save_status(namespace={"deleteOperationId": None})
        found = cloudmap.get_namespace(sd, namespace_id)
        if found is None:
            return
        if not ctx.owner.owns(cloudmap.tags_of(sd, found["Arn"])):
            return  # never delete what is not ours
        try:
            operation_id = cloudmap.delete_namespace(sd, namespace_id)
        except sd.exceptions.ResourceInUse as err:
            raise Waiting(
                "NamespaceInUse",
                f"namespace {found['Name']} still has Cloud Map services: "
                f"{_namespace_holders(sd, namespace_id)}. Delete them (or their EcsServices), "
                "or set deletionPolicy: Retain",
                delay=5.0,
            ) from err
        if operation_id:
            ctx.save_status(namespace={"deleteOperationId": operation_id})
            raise Waiting(
                "DeletingNamespace",
                f"deleting namespace {found['Name']}",
                delay=NAMESPACE_POLL_SECONDS,
            )


# Messages name this many resources in the way, then say how many more there are.
_NAMED_AT_MOST = 10


def _listed(items: list[str], total: int) -> str:
    more = f" and {total - len(items)} more" if total > len(items) else ""
    return ", ".join(items) + more


def _namespace_holders(sd: Any, namespace_id: str) -> str:
    """The Cloud Map services left in a namespace, each with who made it."""
    services = list(cloudmap.services_in(sd, namespace_id))
    named = [
        holder_of(s["Name"], cloudmap.tags_of(sd, s["Arn"])) for s in services[:_NAMED_AT_MOST]
    ]
    return _listed(named, len(services)) or "none listed yet (deleted meanwhile)"


def _cluster_holders(client: Any, cluster_arn: str) -> str:
    """The ECS services left in a cluster (draining ones included), each with who made it."""
    arns = ecs.list_service_arns(client, cluster_arn)
    described = ecs.describe_services(
        client, cluster_arn, [arn.rsplit("/", 1)[-1] for arn in arns[: ecs.DESCRIBE_BATCH]]
    )
    named = [holder_of(name, svc.get("tagMap", {})) for name, svc in sorted(described.items())]
    return _listed(named, len(arns)) or "none listed yet (deleted meanwhile)"


def _digest(tags: dict[str, str]) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(tags, sort_keys=True).encode()).hexdigest()[:16]


def _setting(cluster: dict[str, Any], name: str) -> str | None:
    for setting in cluster.get("settings") or []:
        if setting.get("name") == name:
            value: str | None = setting.get("value")
            return value
    return None


def environment_ready(env: dict[str, Any]) -> bool:
    return is_true((env.get("status") or {}).get("conditions"))
