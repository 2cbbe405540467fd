"""A Copilot workspace -> the kopilot objects to write (pure).

Every service becomes one EcsService in `base/` (mapped from the manifest's top level) and
one patch per environment: `spec.environment` plus the difference that manifest's
`environments.<env>` override makes. The override is merged the way Copilot merges it and
the merged manifest is mapped as a whole, so a patch is exactly "what Copilot deployed in
<env>" minus "what the top level says", as a JSON merge patch (maps merge, lists replace,
null removes), which is how kustomize applies a patch file to a custom resource.

With what `--from-aws` found (discover.py), `_adopt` writes the names of what Copilot runs
into each environment's EcsEnvironment and service patches (adopt.py says what changes).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ..api import EcsEnvironmentSpec, EcsServiceSpec
from ..api.common import APP_NAME_MAX, ENV_NAME_MAX, NAME_PATTERN, REGION_PATTERN, SERVICE_NAME_MAX
from ..naming import TAG_APP, TAG_ENV, TAG_SVC, Names
from .adopt import (
    OBSERVE,
    AwsReport,
    Finding,
    apply_edits,
    changes,
    environment_edits,
    environment_found,
    environment_load_balancer_notes,
    network_of,
    pick_cluster,
    service_edits,
    service_found,
)
from .copilot import merge_override
from .discover import Cluster, Environment, Found, Namespace, Service
from .environments import (
    ENVIRONMENT_ORDER,
    EnvironmentContext,
    map_environment,
    private_ingress_note,
)
from .mapping import Mapping, Unmapped, ordered
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
    # A load balancer's spec when a service needs one the manifest does not configure.
    implied: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Plan:
    app: str
    region: str
    environments: list[EnvironmentPlan]
    services: list[ServicePlan]
    mapped: dict[str, list[str]] = field(default_factory=dict)  # file -> Copilot fields
    unmapped: list[Unmapped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    aws: AwsReport | None = None  # what --from-aws found and wrote


def namespace_for(app: str, env: str) -> str:
    return f"{app}-{env}"


def plan_import(ws: Workspace, options: Options, found: Found | None = None) -> Plan:
    """The objects to write; with `found` (--from-aws), adopting what Copilot runs."""
    check_inputs(ws, options)
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
                implied=mapping.implied,
            )
        )
    for manifest in ws.services:
        service = _plan_service(plan, manifest, ws.app, options.region, env_names)
        if service is not None:
            plan.services.append(service)
    _load_balancers(plan)
    for manifest in ws.others:
        plan.unmapped.append(Unmapped(manifest.file, "type", _OTHER_TYPES[manifest.type]))
    for extra in ws.extras:
        kind = extra.rstrip("/").rsplit("/", 1)[-1]
        plan.unmapped.append(Unmapped(extra, "*", _EXTRAS[kind]))
    if found is not None:
        _adopt(plan, ws, found)
    plan.notes[:0] = _general_notes(ws, options, plan)
    return plan


def check_inputs(ws: Workspace, options: Options) -> None:
    """Refuse what cannot be imported (WorkspaceError), before anything is read from AWS."""
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
        plan.notes.extend(n for n in mapping.notes if n not in plan.notes)
    return ServicePlan(manifest.name, manifest.type, file, base.spec, patches)


def _load_balancers(plan: Plan) -> None:
    """Each environment gets the load balancers its services route from: Copilot makes an
    environment's public (internal) load balancer when a Load Balanced Web Service (a
    Backend Service with http) needs it, whatever the environment manifest says of it."""
    routing = False
    for env in plan.environments:
        routed: dict[str, list[str]] = {"public": [], "private": []}
        aliased: dict[str, list[str]] = {"public": [], "private": []}
        for service in plan.services:
            http = apply_merge_patch(service.base, service.patches[env.name]).get("http")
            if http is None:
                continue
            kind = "public" if http.get("public", True) else "private"
            routed[kind].append(service.name)
            internal = f"{service.name}.{env.name}.{plan.app}.internal"
            if any(alias != internal for alias in http.get("alias") or []):
                aliased[kind].append(service.name)
        given = dict(env.spec.get("http") or {})
        for kind, names in routed.items():
            listed = ", ".join(names)
            if names and kind not in given:
                block = copy.deepcopy(env.implied.get(kind, {}))
                if not _valid_environment(env.spec, kind, block):
                    block = {}
                env.spec.setdefault("http", {})[kind] = block
                where = " in the public subnets" if block.get("subnets") else ""
                verb, them = ("routes", "it") if len(names) == 1 else ("route", "them")
                plan.notes.append(
                    f"Environment {env.name}: {listed} {verb} from its {_KIND[kind]} load "
                    f"balancer, which Copilot made for {them}; {env.file} configures none, so "
                    f"spec.http.{kind} is written as Copilot's defaults{where}."
                )
                if kind == "private":
                    plan.notes.append(private_ingress_note(env.name))
            elif not names and kind in given:
                plan.notes.append(
                    f"Environment {env.name}: {env.file} configures a {_KIND[kind]} load "
                    "balancer, but no service of the workspace routes from it there: Copilot "
                    "makes one only for a service that needs it, kopilot makes spec.http."
                    f"{kind} as given. Remove it unless a service of another workspace uses it."
                )
            lb = (env.spec.get("http") or {}).get(kind)
            if aliased[kind] and lb is not None and not lb.get("certificates"):
                verb = "routes" if len(aliased[kind]) == 1 else "route"
                plan.notes.append(
                    f"Environment {env.name}: {', '.join(aliased[kind])} {verb} by http.alias, "
                    f"but its {_KIND[kind]} load balancer has no certificates: Copilot served "
                    "aliases over HTTPS, with the certificate of the app's domain (`copilot app "
                    f"init --domain`) or of http.{kind}.certificates. Set spec.http.{kind}."
                    "certificates to its ARN, or the aliases are served over HTTP only."
                )
            network = env.spec.get("network")
            if (
                kind == "public"
                and lb is not None
                and not lb.get("subnets")
                and network
                and not network.get("assignPublicIp")
            ):
                plan.notes.append(
                    f"Environment {env.name}: its public load balancer goes in "
                    "spec.network.subnets, where the tasks run without a public IP, and "
                    f"{env.file} imports no public subnets: an internet-facing load balancer "
                    "needs public subnets (a route to an internet gateway) in two Availability "
                    "Zones. Set spec.http.public.subnets."
                )
            routing = routing or bool(names)
        env.spec = ordered(env.spec, ENVIRONMENT_ORDER)
    if routing:
        plan.notes.append(
            "Load balancers: kopilot makes its own in each environment ({app}-{env}-pub and "
            "-int) and routes the services there; Copilot's keeps serving until DNS moves. "
            "Point the services' domain names (the http.alias records, Copilot's "
            "{svc}.{env}.{app}.<domain> of an app with a domain) at the EcsEnvironment's "
            "status.loadBalancers.<public|private>.dnsName once the services are Available."
        )


_KIND = {"public": "public", "private": "internal"}


def _valid_environment(spec: dict[str, Any], kind: str, block: dict[str, Any]) -> bool:
    candidate = copy.deepcopy(spec)
    candidate.setdefault("http", {})[kind] = block
    try:
        EcsEnvironmentSpec.model_validate(candidate)
    except ValidationError:
        return False
    return True


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


def apply_merge_patch(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7386: base with the merge patch applied, as kustomize applies a patch file."""
    out = dict(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict):
            old = out.get(key)
            out[key] = apply_merge_patch(old if isinstance(old, dict) else {}, value)
        else:
            out[key] = value
    return out


# -- --from-aws ----------------------------------------------------------------------------


def _adopt(plan: Plan, ws: Workspace, found: Found) -> None:
    """Write what --from-aws found into the environments and the services' patches."""
    report = AwsReport(region=found.region, calls=found.calls)
    plan.aws = report
    for env_name, aws_env in sorted(found.environments.items()):
        if env_name not in {e.name for e in plan.environments}:
            what = [f"ECS cluster {c.name}" for c in aws_env.clusters]
            what += [f"Cloud Map namespace {n.name}" for n in aws_env.namespaces]
            report.not_in_workspace.append(
                f"environment {env_name} ({', '.join(what)}): no copilot/environments/"
                f"{env_name}/manifest.yml; write it (`copilot env show -n {env_name} "
                "--manifest`) and import again"
            )
    for env in plan.environments:
        _adopt_environment(
            plan, ws, env, found.environments.get(env.name) or Environment(env.name), found
        )


def _adopt_environment(
    plan: Plan, ws: Workspace, env: EnvironmentPlan, aws_env: Environment, found: Found
) -> None:
    report = plan.aws
    assert report is not None
    app, name = plan.app, env.name
    edits, notes, namespace = environment_edits(env.spec, aws_env, app, found.namespaces)
    tags = f"{TAG_APP}={app}, {TAG_ENV}={name}"
    if not edits:
        report.not_in_aws.append(
            f"environment {name}: no ECS cluster or Cloud Map namespace tagged {tags} in "
            f"{found.region}; its overlay is as the files say (applying it creates them)"
            + "".join(f"; {n}" for n in notes)
        )
        return
    spec, refused = apply_edits(env.spec, edits, EcsEnvironmentSpec)
    spec = ordered(spec, ENVIRONMENT_ORDER)
    cluster, _ = pick_cluster(aws_env)
    network, _ = network_of(aws_env.services, aws_env.subnet_vpcs)
    notes += environment_load_balancer_notes(spec, aws_env.services, Names(app, name))
    report.findings.append(
        Finding(
            env=name,
            svc=None,
            found=environment_found(cluster, namespace, network),
            file=f"overlays/{name}/environment.yaml",
            changes=changes(env.spec, spec),
            notes=notes + refused,
        )
    )
    if "network" in spec:
        prefix = f"Environment {name}: "
        plan.notes = [n for n in plan.notes if not (n.startswith(prefix) and "imports no VPC" in n)]
    env.spec = spec
    running: dict[str, list[Service]] = {}
    for service in aws_env.services:
        svc = service.copilot_name
        if svc and service.tags.get(TAG_APP) == app and service.tags.get(TAG_ENV) == name:
            running.setdefault(svc, []).append(service)
        else:
            report.not_in_workspace.append(
                f"ECS service {service.name} in {name}'s cluster: not tagged {tags}, "
                f"{TAG_SVC}=<svc> (not Copilot's); kopilot leaves it alone"
            )
    services = {s.name for s in plan.services}
    others = {m.name: m for m in ws.others}
    for svc, found_services in sorted(running.items()):
        if svc in services:
            continue
        listed = ", ".join(s.name for s in found_services)
        why = (
            f"its manifest {others[svc].file} is a {others[svc].type}, which kopilot does not map"
            if svc in others
            else f"no manifest copilot/{svc}/manifest.yml"
        )
        report.not_in_workspace.append(
            f"service {svc} in {name} (ECS service {listed}): {why}; kopilot leaves it alone"
        )
    for service_plan in plan.services:
        _adopt_service(
            plan, env, service_plan, running.get(service_plan.name, []), namespace, cluster
        )


def _adopt_service(
    plan: Plan,
    env: EnvironmentPlan,
    service_plan: ServicePlan,
    running: list[Service],
    namespace: Namespace | None,
    cluster: Cluster | None,
) -> None:
    report = plan.aws
    assert report is not None
    svc = service_plan.name
    names = Names(plan.app, env.name, svc)
    spec = apply_merge_patch(service_plan.base, service_plan.patches[env.name])
    finding = Finding(env=env.name, svc=svc, file=f"overlays/{env.name}/services/{svc}.yaml")
    if running:
        edits, finding.notes = service_edits(spec, env.spec, running[0], names, namespace)
        finding.found = service_found(running[0])
        finding.notes += [
            f"ECS service {s.name} is tagged {TAG_SVC}={svc} too: not adopted" for s in running[1:]
        ]
    else:
        where = f"cluster {cluster.name}" if cluster is not None else "no cluster"
        edits = [(("managementPolicy",), OBSERVE)]
        report.not_in_aws.append(
            f"service {svc} in {env.name}: no ECS service tagged {TAG_SVC}={svc} ({where}); "
            "in Observe it reports ObservedMissing; switch it to Manage to create it"
        )
    new, refused = apply_edits(spec, edits, EcsServiceSpec)
    new = ordered(new, ("app", "environment", "ecsServiceName"))
    finding.notes += refused
    finding.changes = changes(spec, new)
    service_plan.patches[env.name] = merge_patch(service_plan.base, new)
    if running:
        report.findings.append(finding)


def _general_notes(ws: Workspace, options: Options, plan: Plan) -> list[str]:
    envs = [e.name for e in ws.environments]
    # Environments whose namespace --from-aws found need no check.
    known = {f.env for f in plan.aws.findings if f.svc is None} if plan.aws else set()
    legacy = [e for e in envs if e in options.legacy_namespace and e not in known]
    current = [e for e in envs if e not in options.legacy_namespace and e not in known]
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
    if namespaces:
        how = (
            "import again with --from-aws, which reads them, or with --legacy-namespace "
            f"ENV[,ENV] for those named {ws.app}.local."
        )
        notes.append(
            "Service Discovery namespaces: "
            + "; ".join(namespaces)
            + ". Files cannot tell which an environment uses: check with `aws servicediscovery "
            "list-namespaces` and " + how
        )
    if _roles_missing(plan):
        notes.append(
            "Roles: Copilot made a task execution role and a task role per service; kopilot "
            "uses executionRoleArn on the EcsEnvironment (or the EcsService) and taskRoleArn "
            "on the EcsService. Set them, or the services wait with ExecutionRoleRequired (the "
            "execution role also reads the secrets)."
        )
    if any(
        "network" in e.spec and not e.spec["network"].get("securityGroups")
        for e in plan.environments
    ):
        notes.append(
            "Security groups: Copilot's tasks used the environment security group Copilot "
            "made; kopilot's use spec.network.securityGroups (default: the VPC's default "
            "group). Name Copilot's group there so the services still reach each other."
        )
    if plan.aws and plan.aws.findings:
        notes.append(
            "Taking over: what was found in AWS is written with adopt: true and "
            "managementPolicy: Observe, so applying changes nothing in AWS. Read each object's "
            "status.plannedChanges (what Manage would change), then set managementPolicy: "
            "Manage, the environment first."
        )
    return notes


def _roles_missing(plan: Plan) -> bool:
    """Whether a service of some environment has no execution role (spec or environment)."""
    return any(
        not env.spec.get("executionRoleArn")
        and not apply_merge_patch(service.base, service.patches[env.name]).get("executionRoleArn")
        for env in plan.environments
        for service in plan.services
    )
