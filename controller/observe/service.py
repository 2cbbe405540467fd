"""What ECS says about an EcsService, in the shape `render.service` wants it (pure).

`observed_service` maps a DescribeServices entry to the shape of `desired_service`;
`service_diff` compares the two after normalising what AWS fills in or reorders;
`update_service_request` sends only what differs. `task_definition_matches` decides whether
a registered revision already holds what RegisterTaskDefinition would send: registering is
throttled to 1 call per second per account and Region, so a no-op must register nothing.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

# -- shared helpers -------------------------------------------------------------------------


def _prune(value: Any) -> Any:
    """Drop None, [] and {} members recursively: AWS leaves out, or returns empty, what was
    never set, and either way it means the same thing. Empty strings are kept: a variable set
    to "" is a value."""
    if isinstance(value, dict):
        pruned = {key: _prune(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item not in (None, [], {})}
    if isinstance(value, list):
        return [_prune(item) for item in value]
    return value


def _is_arn(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("arn:")


def primary_deployment(described: dict[str, Any]) -> dict[str, Any] | None:
    """The PRIMARY entry of a DescribeServices service's deployments: the newest one, which
    holds the Service Connect configuration and the rollout state."""
    for deployment in described.get("deployments") or []:
        if deployment.get("status") == "PRIMARY":
            found: dict[str, Any] = deployment
            return found
    return None


# -- task definitions -----------------------------------------------------------------------

# What ECS adds to a revision that is not content: identity, lifecycle and derived facts.
# Tags are not part of a revision either (DescribeTaskDefinition returns them beside it, and
# TagResource changes them without a new revision).
_TASK_DEFINITION_METADATA = frozenset(
    {
        "taskDefinitionArn",
        "revision",
        "status",
        "requiresAttributes",
        "compatibilities",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
        "deleteRequestedAt",
        "tags",
    }
)
# Container health check defaults ECS fills in (HealthCheck in the ECS API Reference).
_HEALTH_CHECK_DEFAULTS = {"interval": 30, "timeout": 5, "retries": 3}


def _task_size(value: Any) -> Any:
    # ECS returns cpu and memory as strings of integers whatever form was sent.
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return str(int(value))
    return value


def _by_name(items: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return sorted(items or [], key=lambda item: str(item.get("name")))


def _comparable_port_mapping(mapping: dict[str, Any]) -> dict[str, Any]:
    mapping = dict(mapping)
    mapping.setdefault("protocol", "tcp")
    # awsvpc: ECS sets hostPort to the containerPort when it is not given.
    if mapping.get("hostPort") in (None, mapping.get("containerPort")):
        mapping.pop("hostPort", None)
    return mapping


def _comparable_container(container: dict[str, Any]) -> dict[str, Any]:
    container = dict(container)
    container.setdefault("essential", True)
    if container.get("cpu") == 0:  # ECS reports an unset container cpu as 0
        del container["cpu"]
    if container.get("versionConsistency") == "enabled":  # the default, reported or not
        del container["versionConsistency"]
    if container.get("readonlyRootFilesystem") is False:  # the default, reported or not
        del container["readonlyRootFilesystem"]
    # A container's dependencies are a set: ECS keeps the order given, which says nothing.
    container["dependsOn"] = sorted(
        container.get("dependsOn") or [], key=lambda d: str(d.get("containerName"))
    )
    # ECS drops variables whose value is empty from the revision it registers, so an empty
    # variable in a request must not count as a difference (else every reconcile registers).
    container["environment"] = _by_name(
        [entry for entry in container.get("environment") or [] if entry.get("value")]
    )
    container["secrets"] = _by_name(container.get("secrets"))
    container["portMappings"] = [
        _comparable_port_mapping(mapping) for mapping in container.get("portMappings") or []
    ]
    if container.get("healthCheck"):
        check = {**_HEALTH_CHECK_DEFAULTS, **container["healthCheck"]}
        if not check.get("startPeriod"):
            check.pop("startPeriod", None)
        container["healthCheck"] = check
    return container


def _comparable_task_definition(definition: dict[str, Any]) -> dict[str, Any]:
    comparable = {
        key: value
        for key, value in definition.items()
        if key not in _TASK_DEFINITION_METADATA and key != "ResponseMetadata"
    }
    for key in ("cpu", "memory"):
        if key in comparable:
            comparable[key] = _task_size(comparable[key])
    comparable["requiresCompatibilities"] = sorted(comparable.get("requiresCompatibilities") or [])
    # RuntimePlatform left out is Linux on x86_64 (Copilot leaves out the default).
    comparable.setdefault(
        "runtimePlatform", {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"}
    )
    comparable["containerDefinitions"] = _by_name(
        [_comparable_container(c) for c in comparable.get("containerDefinitions") or []]
    )
    if comparable.get("enableFaultInjection") is False:  # the default, reported or not
        del comparable["enableFaultInjection"]
    pruned: dict[str, Any] = _prune(comparable)
    return pruned


def task_definition_matches(request: dict[str, Any], described: dict[str, Any]) -> bool:
    """Whether a registered revision (describe_task_definition()["taskDefinition"]) already
    holds what register_task_definition(**request) would register, so no new revision is
    needed. Tags do not count (see _TASK_DEFINITION_METADATA). Compared by digest, the
    form in which revisions are remembered."""
    return task_definition_digest(request) == task_definition_digest(described)


def task_definition_delta(
    request: dict[str, Any], described: dict[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """Path-keyed (wanted, registered) differences between what a registration would hold
    and a registered revision; containers are keyed by name ("containerDefinitions.api.
    image"). Empty when task_definition_matches()."""
    want = _comparable_task_definition(request)
    have = _comparable_task_definition(described)
    for shape in (want, have):
        shape["containerDefinitions"] = {
            c.get("name", str(i)): c for i, c in enumerate(shape.get("containerDefinitions", []))
        }
    delta: dict[str, tuple[Any, Any]] = {}
    _walk(want, have, "", delta)
    for key in have.keys() - want.keys():
        delta[key] = (None, have[key])
    return delta


def task_definition_digest(request: dict[str, Any]) -> str:  # or a described revision
    """A short digest of what task_definition_matches() compares: kept on status beside
    the revision it was registered as, so a restart can tell the revision still matches
    the spec without describing it."""
    text = json.dumps(_comparable_task_definition(request), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# -- ECS services ---------------------------------------------------------------------------

_REGISTRY_KEYS = ("registryArn", "port", "containerName", "containerPort")


def _network(described: dict[str, Any]) -> dict[str, Any]:
    awsvpc = (described.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    return {
        "awsvpcConfiguration": {
            "subnets": sorted(awsvpc.get("subnets") or []),
            "securityGroups": sorted(awsvpc.get("securityGroups") or []),
            "assignPublicIp": awsvpc.get("assignPublicIp") or "DISABLED",
        }
    }


def _deployment_configuration(described: dict[str, Any]) -> dict[str, Any]:
    # Only what kopilot sets: ECS adds alarms, strategy and more beside it.
    config = described.get("deploymentConfiguration") or {}
    breaker = config.get("deploymentCircuitBreaker") or {}
    return {
        "deploymentCircuitBreaker": {
            "enable": bool(breaker.get("enable")),
            "rollback": bool(breaker.get("rollback")),
        },
        "minimumHealthyPercent": config.get("minimumHealthyPercent"),
        "maximumPercent": config.get("maximumPercent"),
    }


def _load_balancers(entries: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    keys = ("targetGroupArn", "containerName", "containerPort")
    kept = [{key: entry.get(key) for key in keys} for entry in entries or []]
    return sorted(kept, key=lambda entry: str(entry.get("targetGroupArn")))


def _registries(registries: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    kept = [
        {key: entry[key] for key in _REGISTRY_KEYS if entry.get(key) is not None}
        for entry in registries or []
    ]
    return sorted(kept, key=lambda entry: str(entry.get("registryArn")))


def normalise_service_connect(config: dict[str, Any] | None) -> dict[str, Any]:
    """A serviceConnectConfiguration in comparable form. Off (absent, None or
    enabled false) is `{"enabled": False}` whatever else it holds; ECS's defaults are
    written out (discoveryName is the portName, query parameters are left out of access
    logs); entries and aliases are sorted."""
    if not config or not config.get("enabled"):
        return {"enabled": False}
    normal: dict[str, Any] = _prune(copy.deepcopy(config))
    services = []
    for entry in normal.get("services") or []:
        entry.setdefault("discoveryName", entry.get("portName"))
        if "clientAliases" in entry:
            entry["clientAliases"] = sorted(
                entry["clientAliases"], key=lambda a: (a.get("port", 0), str(a.get("dnsName")))
            )
        services.append(entry)
    if services:
        normal["services"] = sorted(services, key=lambda e: str(e.get("portName")))
    access = normal.get("accessLogConfiguration")
    if access is not None:
        access.setdefault("includeQueryParameters", "DISABLED")
    return normal


def observed_service(described: dict[str, Any]) -> dict[str, Any]:
    """A DescribeServices entry in the shape of `render.service.desired_service`. ECS keeps
    the Service Connect configuration on the deployments only: it is read from the PRIMARY
    one. Fields kopilot does not manage are left out; what ECS omits takes ECS's default."""
    primary = primary_deployment(described) or {}
    return {
        "taskDefinition": described.get("taskDefinition") or primary.get("taskDefinition"),
        "desiredCount": described.get("desiredCount"),
        "networkConfiguration": _network(described),
        "deploymentConfiguration": _deployment_configuration(described),
        "propagateTags": described.get("propagateTags") or "NONE",
        "serviceRegistries": _registries(described.get("serviceRegistries")),
        "loadBalancers": _load_balancers(described.get("loadBalancers")),
        "healthCheckGracePeriodSeconds": described.get("healthCheckGracePeriodSeconds") or 0,
        "serviceConnectConfiguration": normalise_service_connect(
            primary.get("serviceConnectConfiguration")
        ),
        **({"enableExecuteCommand": True} if described.get("enableExecuteCommand") else {}),
    }


# What ECS takes when a shape leaves these out (Amazon ECS API Reference, CreateService):
# the desired shape says ECS Exec only when on, so its absence is compared as off.
_ECS_DEFAULTS: dict[str, Any] = {"enableExecuteCommand": False}
# Amazon ECS Developer Guide, ECS Exec (ecs-exec.html, considerations): the setting reaches
# only the tasks ECS starts after it changed, so a change of it deploys new ones.
_DEPLOYS = frozenset({"enableExecuteCommand"})


def _with_defaults(shape: dict[str, Any]) -> dict[str, Any]:
    return {**_ECS_DEFAULTS, **shape}


def _normalise(shape: dict[str, Any]) -> dict[str, Any]:
    normal = copy.deepcopy(shape)
    if "networkConfiguration" in normal:
        normal["networkConfiguration"] = _network(normal)
    if "serviceRegistries" in normal:
        normal["serviceRegistries"] = _registries(normal["serviceRegistries"])
    if "serviceConnectConfiguration" in normal:
        normal["serviceConnectConfiguration"] = normalise_service_connect(
            normal["serviceConnectConfiguration"]
        )
    return normal


def _reconcile_ignored(desired: dict[str, Any], observed: dict[str, Any]) -> None:
    """Make `observed` agree with `desired` where a difference cannot be acted on or told."""
    # No security group asks for the VPC's default one, which AWS names in its answer.
    awsvpc = desired.get("networkConfiguration", {}).get("awsvpcConfiguration", {})
    seen = observed.get("networkConfiguration", {}).get("awsvpcConfiguration")
    if awsvpc.get("securityGroups") == [] and isinstance(seen, dict):
        seen["securityGroups"] = []
    # A Service Connect namespace given by name comes back as an ARN (or the other way
    # round): the two cannot be matched without a Cloud Map lookup, so they are not compared.
    want = desired.get("serviceConnectConfiguration") or {}
    have = observed.get("serviceConnectConfiguration") or {}
    if (
        want.get("enabled")
        and have.get("enabled")
        and _is_arn(want.get("namespace")) != _is_arn(have.get("namespace"))
    ):
        have["namespace"] = want.get("namespace")


# Compared and sent whole: UpdateService replaces these, it does not merge them.
_ATOMIC = frozenset({"serviceConnectConfiguration", "serviceRegistries"})


def _walk(desired: Any, observed: Any, path: str, delta: dict[str, tuple[Any, Any]]) -> None:
    if isinstance(desired, dict) and isinstance(observed, dict) and path not in _ATOMIC:
        for key, want in desired.items():
            _walk(want, observed.get(key), f"{path}.{key}" if path else key, delta)
    elif desired != observed:
        delta[path] = (desired, observed)


def service_diff(desired: dict[str, Any], observed: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Path-keyed delta of two service shapes: {"desiredCount": (2, 1), ...}, values as
    (desired, observed) after normalising both. Nested settings are keyed by dotted path
    ("networkConfiguration.awsvpcConfiguration.subnets"); serviceConnectConfiguration and
    serviceRegistries are compared whole. Only the fields of `desired` are compared."""
    want, have = _normalise(_with_defaults(desired)), _normalise(_with_defaults(observed))
    _reconcile_ignored(want, have)
    delta: dict[str, tuple[Any, Any]] = {}
    _walk(want, have, "", delta)
    return delta


def update_service_request(
    cluster: str, service: str, diff: dict[str, tuple[Any, Any]], desired: dict[str, Any]
) -> dict[str, Any]:
    """Keyword arguments for ecs.update_service sending only the top-level fields that
    differ, each whole from `desired` (a field it leaves out as ECS's default). A changed
    task definition or Service Connect configuration starts a deployment by itself; only
    ECS Exec needs forceNewDeployment, to reach the tasks. Call it only with a non-empty
    diff."""
    request: dict[str, Any] = {"cluster": cluster, "service": service}
    wanted = _with_defaults(desired)
    for path in diff:
        field = path.split(".", 1)[0]
        request[field] = copy.deepcopy(wanted[field])
    if _DEPLOYS & set(request):
        request["forceNewDeployment"] = True
    return request


# -- rollout and readiness ------------------------------------------------------------------


def rollout(described: dict[str, Any]) -> dict[str, Any]:
    """The PRIMARY deployment's rollout ({"state", "reason", "deploymentId",
    "taskDefinition"}), the service's counts, and `failed`: whether any deployment FAILED,
    which also catches a circuit breaker that rolled back (the failed deployment then is no
    longer PRIMARY)."""
    primary = primary_deployment(described) or {}
    return {
        "state": primary.get("rolloutState"),
        "reason": primary.get("rolloutStateReason"),
        "deploymentId": primary.get("id"),
        "taskDefinition": primary.get("taskDefinition"),
        "desiredCount": described.get("desiredCount", 0),
        "runningCount": described.get("runningCount", 0),
        "pendingCount": described.get("pendingCount", 0),
        "failed": any(
            d.get("rolloutState") == "FAILED" for d in described.get("deployments") or []
        ),
    }


def is_ready(described: dict[str, Any], task_definition_arn: str | None = None) -> bool:
    """The service is ACTIVE, has one deployment only (no older tasks still serving, no
    rollback under way), that PRIMARY deployment's rollout COMPLETED, and running equals
    desired. ECS leaves rolloutState out for some deployment types: then the single
    deployment and the counts decide. With `task_definition_arn`, the PRIMARY deployment
    must also run that revision, so a rollback to an older one is not Ready."""
    if described.get("status") != "ACTIVE":
        return False
    deployments = described.get("deployments") or []
    primary = primary_deployment(described)
    if primary is None or len(deployments) != 1:
        return False
    if primary.get("rolloutState", "COMPLETED") != "COMPLETED":
        return False
    if task_definition_arn is not None and primary.get("taskDefinition") != task_definition_arn:
        return False
    running: Any = described.get("runningCount")
    return running is not None and running == described.get("desiredCount")


def service_connect_status(described: dict[str, Any], namespace_arn: str) -> dict[str, Any]:
    """EcsServiceStatus.serviceConnect from the PRIMARY deployment: the namespace ARN, and
    the Cloud Map service ECS made for the endpoint (None where there is none). ECS may echo
    a namespace given by name; `namespace_arn` is the ARN kopilot resolved it to."""
    primary = primary_deployment(described) or {}
    config = primary.get("serviceConnectConfiguration") or {}
    resources = primary.get("serviceConnectResources") or [{}]
    enabled = bool(config.get("enabled"))
    namespace = config.get("namespace")
    return {
        "namespace": (namespace if _is_arn(namespace) else namespace_arn) if enabled else None,
        "discoveryName": resources[0].get("discoveryName") if enabled else None,
        "discoveryArn": resources[0].get("discoveryArn") if enabled else None,
    }
