"""A Copilot workspace -> the kopilot objects to write (pure).

Every service becomes one EcsService in `base/` (mapped from the manifest's top level) and
one patch per environment: `spec.environment` plus the difference that manifest's
`environments.<env>` override makes. The override is merged the way Copilot merges it and
the merged manifest is mapped as a whole, so a patch is exactly "what Copilot deployed in
<env>" minus "what the top level says", as a JSON merge patch (maps merge, lists replace,
null removes), which is how kustomize applies a patch file to a custom resource.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..api.common import APP_NAME_MAX, ENV_NAME_MAX, NAME_PATTERN, REGION_PATTERN, SERVICE_NAME_MAX
from .copilot import merge_override
from .environments import EnvironmentContext, map_environment
from .mapping import Mapping, Unmapped
from .services import ServiceContext, map_service
from .workspace import Manifest, Workspace, WorkspaceError

# Kubernetes namespace names are DNS labels (RFC 1123) of at most 63 characters.
NAMESPACE_MAX = 63

_OTHER_TYPES = {
    "Request-Driven Web Service": "an App Runner service: kopilot runs ECS services; keep its "
    "Copilot stack, or make it a Load Balanced Web Service first",
    "Scheduled Job": "an ECS task on a schedule (Step Functions, EventBridge): kopilot runs "
    "long-running ECS services; keep the job's Copilot stack",
    "Static Site": "an S3 bucket behind CloudFront: kopilot runs ECS services; keep the site's "
    "Copilot stack",
    "Pipeline": "a CodePipeline: kopilot objects deploy from Git with kubectl or Argo CD; point "
    "Argo CD at the overlays instead",
}
_EXTRAS = {
    "addons": "CloudFormation addons (tables, buckets, policies): kopilot does not deploy them; "
    "keep their stacks and pass their outputs in variables or secrets (Copilot injected them)",
    "overrides": "overrides of Copilot's CloudFormation templates: kopilot does not use "
    "CloudFormation",
    "pipeline.yml": "a Copilot pipeline (legacy layout): kopilot objects deploy from Git with "
    "kubectl or Argo CD",
    "buildspec.yml": "the CodeBuild spec of a Copilot pipeline: kopilot does not build",
}


@dataclass(frozen=True)
class Options:
    region: str
    legacy_namespace: frozenset[str] = frozenset()


@dataclass
class ServicePlan:
    name: str
    type: str
    file: str
    base: dict[str, Any]  # the EcsService spec in base/ (no environment)
    patches: dict[str, dict[str, Any]]  # env -> merge patch of the spec (with environment)


@dataclass
class EnvironmentPlan:
    name: str
    file: str
    namespace: str  # the Kubernetes namespace of the overlay
    spec: dict[str, Any]


@dataclass
class Plan:
    app: str
    region: str
    environments: list[EnvironmentPlan]
    services: list[ServicePlan]
    mapped: dict[str, list[str]] = field(default_factory=dict)  # file -> Copilot fields
    unmapped: list[Unmapped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def namespace_for(app: str, env: str) -> str:
    return f"{app}-{env}"


def plan_import(ws: Workspace, options: Options) -> Plan:
    _check_inputs(ws, options)
    plan = Plan(app=ws.app, region=options.region, environments=[], services=[])
    env_names = [m.name for m in ws.environments]
    for manifest in ws.environments:
        mapping = map_environment(
            manifest.doc,
            EnvironmentContext(
                app=ws.app,
                name=manifest.name,
                region=options.region,
                legacy_namespace=manifest.name in options.legacy_namespace,
            ),
            manifest.file,
        )
        _collect(plan, manifest.file, mapping.mapped, mapping.unmapped)
        plan.notes.extend(mapping.notes)
        plan.environments.append(
            EnvironmentPlan(
                name=manifest.name,
                file=manifest.file,
                namespace=namespace_for(ws.app, manifest.name),
                spec=mapping.spec,
            )
        )
    for manifest in ws.services:
        service = _plan_service(plan, manifest, ws.app, options.region, env_names)
        if service is not None:
            plan.services.append(service)
    for manifest in ws.others:
        plan.unmapped.append(Unmapped(manifest.file, "type", _OTHER_TYPES[manifest.type]))
    for extra in ws.extras:
        kind = extra.rstrip("/").rsplit("/", 1)[-1]
        plan.unmapped.append(Unmapped(extra, "*", _EXTRAS[kind]))
    plan.notes[:0] = _general_notes(ws, options, plan)
    return plan


def _check_inputs(ws: Workspace, options: Options) -> None:
    if not re.fullmatch(REGION_PATTERN, options.region):
        raise WorkspaceError(f"--region {options.region!r} is not an AWS Region such as us-east-1")
    if not _is_name(ws.app, APP_NAME_MAX):
        raise WorkspaceError(
            f"copilot/.workspace: application {ws.app!r} cannot be an EcsApp name (a DNS label "
            f"of at most {APP_NAME_MAX} characters)"
        )
    if not ws.environments:
        raise WorkspaceError(
            "no environment manifests (copilot/environments/<env>/manifest.yml): write them "
            "with `copilot env show -n <env> --manifest > copilot/environments/<env>/manifest.yml`"
        )
    names = {m.name for m in ws.environments}
    unknown = sorted(options.legacy_namespace - names)
    if unknown:
        raise WorkspaceError(
            f"--legacy-namespace names {', '.join(unknown)}, which the workspace has no "
            f"environment manifest for (it has {', '.join(sorted(names))})"
        )
    for env in ws.environments:
        namespace = namespace_for(ws.app, env.name)
        if not _is_name(env.name, ENV_NAME_MAX) or len(namespace) > NAMESPACE_MAX:
            raise WorkspaceError(
                f"{env.file}: environment {env.name!r} cannot be an EcsEnvironment in namespace "
                f"{namespace!r} (DNS labels of at most {ENV_NAME_MAX} and {NAMESPACE_MAX} "
                "characters)"
            )


def _is_name(name: str, max_length: int) -> bool:
    return len(name) <= max_length and re.fullmatch(NAME_PATTERN, name) is not None


def _plan_service(
    plan: Plan, manifest: Manifest, app: str, region: str, envs: list[str]
) -> ServicePlan | None:
    file = manifest.file
    if not _is_name(manifest.name, SERVICE_NAME_MAX):
        plan.unmapped.append(
            Unmapped(
                file,
                "name",
                f"{manifest.name!r} cannot be an EcsService name (kopilot names AWS resources "
                f"after it: a DNS label of at most {SERVICE_NAME_MAX} characters); the service "
                "is not written",
            )
        )
        return None
    top = {k: v for k, v in manifest.doc.items() if k != "environments"}
    base = map_service(top, ServiceContext(manifest.type, app, None, region), file)
    base.spec.pop("environment", None)
    _collect(plan, file, base.mapped, base.unmapped)
    overrides = manifest.doc.get("environments") or {}
    if not isinstance(overrides, dict):
        plan.unmapped.append(
            Unmapped(file, "environments", "not a map of environment names (Copilot refuses it)")
        )
        overrides = {}
    for name in overrides:
        if name not in envs:
            plan.unmapped.append(
                Unmapped(
                    file,
                    f"environments.{name}",
                    f"no environment manifest copilot/environments/{name}/manifest.yml, so no "
                    "overlay: add the manifest (`copilot env show -n "
                    f"{name} --manifest`) and import again",
                )
            )
    patches: dict[str, dict[str, Any]] = {}
    base_fields = {u.field for u in base.unmapped}
    for env in envs:
        override = overrides.get(env)
        merged = merge_override(top, override) if isinstance(override, dict) else top
        if override is not None and not isinstance(override, dict):
            plan.unmapped.append(
                Unmapped(file, f"environments.{env}", "not a map (Copilot refuses it)")
            )
        mapping = map_service(
            merged, ServiceContext(manifest.type, app, env, region), file, base.spec
        )
        patches[env] = merge_patch(base.spec, mapping.spec)
        _collect_override(plan, file, env, override, mapping, base_fields)
    return ServicePlan(manifest.name, manifest.type, file, base.spec, patches)


def _collect(plan: Plan, file: str, mapped: list[str], unmapped: list[Unmapped]) -> None:
    fields = plan.mapped.setdefault(file, [])
    for name in mapped:
        if name not in fields:
            fields.append(name)
    plan.unmapped.extend(unmapped)


def _collect_override(
    plan: Plan,
    file: str,
    env: str,
    override: Any,
    mapping: Mapping,
    base_fields: set[str],
) -> None:
    """What an environment's mapping adds to the report: the fields its override touches,
    and anything else the top level did not already report."""
    prefix = f"environments.{env}."
    over = override if isinstance(override, dict) else {}
    _collect(plan, file, [prefix + f for f in mapping.mapped if touches(over, f)], [])
    for item in mapping.unmapped:
        if touches(over, item.field) or item.field not in base_fields:
            plan.unmapped.append(Unmapped(file, prefix + item.field, item.why))


def touches(override: dict[str, Any], dotted: str) -> bool:
    """Whether the override sets the field at `dotted` (or a map or value holding it)."""
    node: Any = override
    for key in re.split(r"\.|\[", dotted):
        key = key.rstrip("]")
        if isinstance(node, list) and key.isdigit():
            return True  # a list is replaced whole
        if not isinstance(node, dict):
            return True
        if key not in node or node[key] is None:
            return False
        node = node[key]
    return True


def merge_patch(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The JSON merge patch (RFC 7386) that turns old into new."""
    patch: dict[str, Any] = {}
    for key, value in new.items():
        if key not in old:
            patch[key] = value
        elif isinstance(value, dict) and isinstance(old[key], dict):
            inner = merge_patch(old[key], value)
            if inner:
                patch[key] = inner
        elif value != old[key]:
            patch[key] = value
    for key in old:
        if key not in new:
            patch[key] = None
    return patch


def _general_notes(ws: Workspace, options: Options, plan: Plan) -> list[str]:
    envs = [e.name for e in ws.environments]
    legacy = [e for e in envs if e in options.legacy_namespace]
    current = [e for e in envs if e not in options.legacy_namespace]
    notes = [
        f"Region {options.region} for every environment: Copilot's manifests do not hold it "
        "(--region, else AWS_REGION or AWS_DEFAULT_REGION). Check it is where each runs.",
    ]
    namespaces = []
    if current:
        namespaces.append(
            ", ".join(f"{e}.{ws.app}.local" for e in current) + " (Copilot v1.9 and later)"
        )
    if legacy:
        namespaces.append(
            f"{ws.app}.local for {', '.join(legacy)} (--legacy-namespace, before Copilot v1.9)"
        )
    notes.append(
        "Service Discovery namespaces: "
        + "; ".join(namespaces)
        + ". Files cannot tell which an environment uses: check with `aws servicediscovery "
        "list-namespaces` and import again with --legacy-namespace ENV[,ENV] for those named "
        f"{ws.app}.local."
    )
    if plan.services:
        notes.append(
            "Roles: Copilot made a task execution role and a task role per service; kopilot "
            "uses executionRoleArn on the EcsEnvironment (or the EcsService) and taskRoleArn "
            "on the EcsService. Set them, or the services wait with ExecutionRoleRequired (the "
            "execution role also reads the secrets)."
        )
    if any("network" in e.spec for e in plan.environments):
        notes.append(
            "Security groups: Copilot's tasks used the environment security group Copilot "
            "made; kopilot's use spec.network.securityGroups (default: the VPC's default "
            "group). Name Copilot's group there so the services still reach each other."
        )
    return notes
