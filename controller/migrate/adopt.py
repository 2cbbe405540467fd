"""What `--from-aws` found -> the changes to the imported specs (pure).

Copilot's manifests say what a service is; AWS says what its resources are named. For each
environment found in AWS, its EcsEnvironment takes Copilot's cluster by name, the namespace
(`{env}.{app}.local`, the legacy `{app}.local`, or another name) and, where the manifest gave
none, the network the services run in (the environment security group above all, so the
services still reach each other); each EcsService takes its ECS service by name. Where the
running Service Connect or Service Discovery differs from what kopilot would render from the
manifest, the running one is written, so taking over changes no endpoint. Everything is
adopted with managementPolicy Observe: kopilot reads and lists on status.plannedChanges what
Manage would change, and the user switches to Manage after reviewing.

Each function takes what was found (discover.py's data) and a spec as written (camelCase),
and returns edits, `(path, value)` with None removing the field, and notes for the report.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from ..naming import Names
from ..render.load_balancer import KINDS, load_balancer_name
from ..render.service import port_name
from .discover import (
    Cluster,
    ConnectLogs,
    Environment,
    Namespace,
    Registry,
    Service,
    ServiceConnect,
)

Path = tuple[str, ...]
Edit = tuple[Path, Any]
OBSERVE = "Observe"
# EcsService spec.network.connect.logs.streamPrefix when it is not given.
CONNECT_LOG_PREFIX_DEFAULT = "service-connect"


@dataclass
class Finding:
    """What was found for one environment (svc None) or one service in it, and written."""

    env: str
    svc: str | None
    found: list[str] = field(default_factory=list)
    file: str = ""  # the overlay file written
    changes: list[str] = field(default_factory=list)  # "spec.x: value"
    notes: list[str] = field(default_factory=list)  # what to check


@dataclass
class AwsReport:
    region: str
    calls: int
    findings: list[Finding] = field(default_factory=list)
    not_in_workspace: list[str] = field(default_factory=list)
    not_in_aws: list[str] = field(default_factory=list)


# -- environments --------------------------------------------------------------------------


def namespace_settings(name: str, app: str, env: str) -> dict[str, Any]:
    """EcsEnvironment spec.serviceDiscovery for a namespace named `name`."""
    if name == f"{env}.{app}.local":
        return {}  # kopilot's default
    if name == f"{app}.local":
        return {"legacyNamespace": True}  # made before Copilot v1.9
    return {"namespace": name}


def expected_namespace(spec: dict[str, Any], app: str, env: str) -> str:
    """The namespace name kopilot uses for an EcsEnvironment spec."""
    discovery = spec.get("serviceDiscovery") or {}
    if discovery.get("namespace"):
        return str(discovery["namespace"])
    return Names(app, env).namespace(legacy=bool(discovery.get("legacyNamespace")))


def pick_cluster(found: Environment) -> tuple[Cluster | None, list[str]]:
    active = [c for c in found.clusters if c.status == "ACTIVE"]
    if len(active) == 1:
        return active[0], []
    if len(active) > 1:
        names = ", ".join(c.name for c in active)
        return None, [
            f"{len(active)} ACTIVE ECS clusters are tagged with this environment ({names}): "
            "set spec.cluster.name to the one Copilot's services run in"
        ]
    return None, [f"ECS cluster {c.name} is {c.status}: not adopted" for c in found.clusters]


def referenced_namespaces(services: list[Service], namespaces: list[Namespace]) -> list[Namespace]:
    """The namespaces the services use: their Service Connect namespace (a name, ARN or id)
    and their Service Discovery services' namespace; a name only when it is unique."""
    out: list[Namespace] = []
    for service in services:
        refs = [service.connect.namespace] if service.connect and service.connect.namespace else []
        refs += [r.namespace_id for r in service.registries if r.namespace_id]
        for ref in refs:
            by_id = [n for n in namespaces if ref in (n.id, n.arn)]
            by_name = [n for n in namespaces if n.name == ref]
            hits = by_id or (by_name if len(by_name) == 1 else [])
            out.extend(n for n in hits if n not in out)
    return out


def pick_namespace(
    found: Environment, namespaces: list[Namespace]
) -> tuple[Namespace | None, list[str]]:
    copilot = [s for s in found.services if s.copilot_name]
    used = referenced_namespaces(copilot, namespaces)
    if len(found.namespaces) == 1:
        return found.namespaces[0], []
    if len(found.namespaces) > 1:
        both = [n for n in found.namespaces if n in used]
        names = ", ".join(f"{n.name} ({n.id})" for n in found.namespaces)
        if len(both) == 1:
            return both[0], [
                f"Cloud Map namespaces {names} are tagged with this environment; "
                f"its services use {both[0].name} ({both[0].id})"
            ]
        return None, [
            f"Cloud Map namespaces {names} are tagged with this environment: set "
            "spec.serviceDiscovery to the one its services use"
        ]
    if len(used) == 1:
        return used[0], [
            f"Cloud Map namespace {used[0].name} has no Copilot tags; its services use it"
        ]
    return None, []


def network_of(
    services: list[Service], subnet_vpcs: dict[str, str]
) -> tuple[dict[str, Any] | None, list[str]]:
    """The network Copilot's services run in: the awsvpcConfiguration most of them share
    (services ordered by name break a tie), with the VPC of its subnets."""
    groups: dict[tuple[tuple[str, ...], tuple[str, ...], bool], list[Service]] = {}
    for service in services:
        if service.copilot_name and service.subnets:
            key = (tuple(service.subnets), tuple(service.security_groups), service.assign_public_ip)
            groups.setdefault(key, []).append(service)
    if not groups:
        return None, []
    best = max(groups, key=lambda k: len(groups[k]))
    subnets, groups_, public = best
    notes = [
        f"ECS service {s.name} runs in {_network_text(k)}, the environment's other services in "
        f"{_network_text(best)}: kopilot places every service of an environment alike"
        for k, members in groups.items()
        if k != best
        for s in members
    ]
    vpcs = sorted({subnet_vpcs[s] for s in subnets if s in subnet_vpcs})
    if len(vpcs) != 1 or any(s not in subnet_vpcs for s in subnets):
        notes.append(
            f"the VPC of subnets {', '.join(subnets)} is not known (DescribeSubnets answered "
            f"{', '.join(vpcs) or 'none'}): set spec.network by hand"
        )
        return None, notes
    network: dict[str, Any] = {"vpcId": vpcs[0], "subnets": list(subnets)}
    if groups_:
        network["securityGroups"] = list(groups_)
    if public:
        network["assignPublicIp"] = True
    return network, notes


def _network_text(key: tuple[tuple[str, ...], tuple[str, ...], bool]) -> str:
    subnets, groups, public = key
    text = f"subnets {', '.join(subnets)}, security groups {', '.join(groups) or 'none'}"
    return text + (", with a public IP" if public else "")


def service_connect_default_edits(
    spec: dict[str, Any], cluster: Cluster, namespace: Namespace | None
) -> tuple[list[Edit], list[str]]:
    """The cluster's Service Connect default namespace as it is: Copilot's environment
    template sets none, and kopilot's default (serviceConnect.enabled) sets the
    environment's namespace, an UpdateCluster on adoption."""
    on = (spec.get("serviceConnect") or {}).get("enabled") is not False
    default = cluster.service_connect_namespace
    if default is None:
        return ([(("serviceConnect",), {"enabled": False})] if on else []), []
    if namespace is not None and default in (namespace.arn, namespace.name, namespace.id):
        return ([] if on else [(("serviceConnect",), None)]), []
    return [], [
        f"ECS cluster {cluster.name}'s Service Connect default namespace is {default}, not "
        "the environment's: kopilot would "
        + ("set the environment's" if on else "remove it")
        + " (spec.serviceConnect.enabled)"
    ]


def environment_edits(
    spec: dict[str, Any],
    found: Environment,
    app: str,
    namespaces: list[Namespace],
) -> tuple[list[Edit], list[str], Namespace | None]:
    """Edits to an EcsEnvironment spec; notes; the namespace taken."""
    edits: list[Edit] = []
    cluster, notes = pick_cluster(found)
    namespace, more = pick_namespace(found, namespaces)
    notes += more
    if cluster is None and namespace is None:
        return [], notes, None
    if cluster is not None:
        edits.append((("cluster", "name"), cluster.name))
        more_edits, more = service_connect_default_edits(spec, cluster, namespace)
        edits += more_edits
        notes += more
    if namespace is not None:
        discovery = {
            k: v
            for k, v in (spec.get("serviceDiscovery") or {}).items()
            if k not in ("namespace", "legacyNamespace", "type")
        }
        discovery |= namespace_settings(namespace.name, app, found.name)
        if namespace.type == "HTTP":
            discovery["type"] = "HTTP"
        elif namespace.type == "DNS_PUBLIC":
            notes.append(
                f"namespace {namespace.name} is a public DNS namespace: kopilot uses private DNS "
                "or HTTP namespaces (spec.serviceDiscovery.type): check it"
            )
        old = spec.get("serviceDiscovery") or {}
        if old.get("legacyNamespace") and not discovery.get("legacyNamespace"):
            notes.append(
                f"--legacy-namespace named this environment, but its namespace is "
                f"{namespace.name}: AWS is followed"
            )
        edits.append((("serviceDiscovery",), discovery or None))
    edits += [(("adopt",), True), (("managementPolicy",), OBSERVE)]
    network, more = network_of(found.services, found.subnet_vpcs)
    notes += more
    given = spec.get("network")
    if network is not None and not given:
        edits.append((("network",), network))
    elif network is not None and given:
        if not given.get("securityGroups") and network.get("securityGroups"):
            edits.append((("network", "securityGroups"), network["securityGroups"]))
        differs = (
            given.get("vpcId") != network["vpcId"]
            or sorted(given.get("subnets") or []) != sorted(network["subnets"])
            or bool(given.get("assignPublicIp")) != bool(network.get("assignPublicIp"))
        )
        if differs:
            public = "with" if network.get("assignPublicIp") else "without"
            notes.append(
                f"Copilot's services run in VPC {network['vpcId']}, subnets "
                f"{', '.join(network['subnets'])}, {public} a public IP; the manifest's network "
                "is written: kopilot would move the tasks there (a new deployment; the "
                "endpoints stay)"
            )
    return edits, notes, namespace


# -- services ------------------------------------------------------------------------------


def connect_edits(
    spec: dict[str, Any],
    found: ServiceConnect | None,
    names: Names,
    namespace_refs: set[str],
) -> tuple[list[Edit], list[str]]:
    """Service Connect as it runs, compared with what kopilot renders from the spec:
    discovery name `{svc}-sc`, client alias `{svc}` (or the interpolated alias) on the port,
    in the environment's namespace."""
    connect = (spec.get("network") or {}).get("connect")
    on = connect is not None and connect.get("enabled") is not False
    port = spec.get("port")
    edits: list[Edit] = []
    notes: list[str] = []
    if found is None or not found.enabled:
        if on:
            # Off replaces the whole block (alias, logs): nothing of it applies any more.
            edits.append((("network", "connect"), {"enabled": False}))
            notes.append(
                "Service Connect is off in AWS and on in the manifest: the overlay keeps it off "
                "(network.connect.enabled: false), so taking over adds no endpoint; turn it on "
                "after the move"
            )
        return edits, notes
    current: dict[str, Any] = dict(connect) if on and connect else {}
    if not on:
        current = {"enabled": True}
        edits.append((("network", "connect"), current))
        notes.append(
            "Service Connect is on in AWS and off in the manifest: the overlay turns it on "
            "(network.connect.enabled: true), so its endpoint stays"
        )
    group = ((spec.get("logging") or {}).get("group")) or names.log_group
    edits += _connect_logs_edits(current.get("logs"), found.logs, group)
    if found.namespace:
        refs = namespace_refs | ({current["namespace"]} if current.get("namespace") else set())
        if found.namespace not in refs:
            edits.append((("network", "connect", "namespace"), found.namespace))
            notes.append(
                f"Service Connect uses namespace {found.namespace}, not the environment's: "
                "written as network.connect.namespace"
            )
    if not found.endpoints:
        if port is not None:
            notes.append(
                "Service Connect in AWS is a client only (no endpoint); kopilot publishes port "
                f"{port} as http://{names.svc}:{port}, a new endpoint"
            )
        return edits, notes
    endpoint = found.endpoints[0]
    notes += [
        f"Service Connect endpoint {e.dns_name}:{e.port} ({e.discovery_name}) is not kept: "
        "kopilot publishes one endpoint"
        for e in found.endpoints[1:]
    ]
    if port is None:
        notes.append(
            f"AWS publishes Service Connect endpoint {endpoint.dns_name}:{endpoint.port}, but "
            "the manifest has no port: kopilot would remove it; set spec.port"
        )
        return edits, notes
    discovery = current.get("discoveryName") or names.discovery_name
    if endpoint.discovery_name and endpoint.discovery_name != discovery:
        edits.append((("network", "connect", "discoveryName"), endpoint.discovery_name))
    alias = names.interpolate(current["alias"]) if current.get("alias") else names.svc
    if endpoint.dns_name and endpoint.dns_name != alias:
        edits.append((("network", "connect", "alias"), endpoint.dns_name))
        notes.append(
            f"Service Connect alias in AWS is {endpoint.dns_name}, the manifest's gives {alias}: "
            f"the overlay keeps {endpoint.dns_name}"
        )
    client_port = current.get("clientPort") or port
    if endpoint.port and endpoint.port != client_port:
        edits.append((("network", "connect", "clientPort"), endpoint.port))
    return edits, notes


def _connect_logs_edits(
    have: dict[str, Any] | None, found: ConnectLogs | None, default_group: str
) -> list[Edit]:
    """The Service Connect proxy's logs as they run (Copilot's: the service's log group,
    prefix copilot); `have` is spec.network.connect.logs, `default_group` the service's log
    group, where kopilot sends them when logs.group is not given."""
    path = ("network", "connect", "logs")
    if found is None:
        return [(path, None)] if have is not None else []
    group = found.group or default_group
    prefix = found.stream_prefix or CONNECT_LOG_PREFIX_DEFAULT
    if have is not None and (
        have.get("group") or default_group,
        have.get("streamPrefix") or CONNECT_LOG_PREFIX_DEFAULT,
    ) == (group, prefix):
        return []
    want = {k: v for k, v in (have or {}).items() if k not in ("group", "streamPrefix")}
    if group != default_group:
        want["group"] = group
    return [(path, {"streamPrefix": prefix, **want})]


def port_name_edits(
    spec: dict[str, Any], service: Service, names: Names
) -> tuple[list[Edit], list[str]]:
    """The name of the port mapping as its running task definition has it (Copilot's is
    `target` with Service Connect, none without), so adopting registers no new revision.
    Unknown, Copilot's name (the manifest's) goes with Service Connect: off in AWS, removed."""
    port = spec.get("port")
    if not isinstance(port, int):
        return [], []
    given = spec.get("portName")
    if port not in service.port_names:
        connect_on = service.connect is not None and service.connect.enabled
        return ([(("portName",), None)] if given and not connect_on else []), []
    running = service.port_names[port]
    default = port_name(names.svc, port)
    if running is None:
        edits: list[Edit] = [(("portName",), None)] if given else []
        return edits, [
            f"its task definition's port mapping {port} has no name; kopilot names every port "
            f"mapping ({default}): taking over registers a new revision (a new deployment)"
        ]
    if running != (given or default):
        return [(("portName",), None if running == default else running)], []
    return [], []


def discovery_edits(
    spec: dict[str, Any],
    registries: list[Registry],
    names: Names,
    namespace: str,
    namespace_id: str | None,
) -> tuple[list[Edit], list[str]]:
    """Service Discovery as it runs: a registry keeps kopilot's default (on for a service
    with a port), none turns it off."""
    port = spec.get("port")
    enabled = ((spec.get("network") or {}).get("serviceDiscovery") or {}).get("enabled")
    on = port is not None and enabled is not False
    edits: list[Edit] = []
    notes: list[str] = []
    if not registries:
        if on:
            edits.append((("network", "serviceDiscovery", "enabled"), False))
            notes.append(
                "no Service Discovery registry in AWS: the overlay turns it off "
                f"(network.serviceDiscovery.enabled: false); {names.svc}.{namespace} is not "
                "served today"
            )
        return edits, notes
    registry = registries[0]
    if not on and port is not None:
        edits.append((("network", "serviceDiscovery", "enabled"), None))
        notes.append(
            "Service Discovery is on in AWS and off in the manifest: the overlay leaves "
            "kopilot's default (on), so its DNS name stays"
        )
    elif not on:
        notes.append(
            f"AWS registers the tasks in Cloud Map service {registry.name or registry.arn}, but "
            "the manifest has no port: kopilot would stop registering them; set spec.port"
        )
    if registry.name and registry.name != names.svc:
        notes.append(
            f"Copilot's Service Discovery service is named {registry.name}; kopilot's is "
            f"{names.svc}: kopilot would register the tasks in a new one"
        )
    if namespace_id and registry.namespace_id and registry.namespace_id != namespace_id:
        notes.append(
            f"its Service Discovery service is in namespace {registry.namespace_id}, not the "
            f"environment's {namespace_id}"
        )
    return edits, notes


def role_edits(
    spec: dict[str, Any], env_spec: dict[str, Any], service: Service
) -> tuple[list[Edit], list[str]]:
    """The roles of the running task definition, where the spec names none."""
    edits: list[Edit] = []
    notes: list[str] = []
    for key, running in (
        ("executionRoleArn", service.execution_role_arn),
        ("taskRoleArn", service.task_role_arn),
    ):
        if not running:
            continue
        current = spec.get(key) or (env_spec.get(key) if key == "executionRoleArn" else None)
        if current is None:
            edits.append(((key,), running))
        elif current != running:
            notes.append(
                f"its task definition's {key} is {running}; the spec gives {current}, which "
                "kopilot's revisions would use"
            )
    return edits, notes


def service_edits(
    spec: dict[str, Any],
    env_spec: dict[str, Any],
    service: Service,
    names: Names,
    namespace: Namespace | None,
) -> tuple[list[Edit], list[str]]:
    """Edits to an EcsService spec (with spec.environment) for the ECS service found."""
    edits: list[Edit] = [
        (("ecsServiceName",), service.name),
        (("adopt",), True),
        (("managementPolicy",), OBSERVE),
    ]
    refs = (
        {namespace.name, namespace.arn, namespace.id}
        if namespace is not None
        else {expected_namespace(env_spec, names.app, names.env)}
    )
    more, notes = connect_edits(spec, service.connect, names, refs)
    edits += more
    more, extra = discovery_edits(
        spec,
        service.registries,
        names,
        namespace.name if namespace else expected_namespace(env_spec, names.app, names.env),
        namespace.id if namespace else None,
    )
    edits += more
    notes += extra
    more, extra = port_name_edits(spec, service, names)
    edits += more
    notes += extra
    more, extra = role_edits(spec, env_spec, service)
    edits += more
    notes += extra
    if service.family and service.family != names.family:
        notes.append(
            f"its task definition family is {service.family}; kopilot registers revisions in "
            f"{names.family}"
        )
    if service.load_balancers:
        notes.append(service_load_balancer_note(spec, service))
    return edits, notes


def service_load_balancer_note(spec: dict[str, Any], service: Service) -> str:
    """An ECS service behind Copilot's load balancer: nothing of it is adopted."""
    groups = ", ".join(service.load_balancers)
    if spec.get("http") is None:
        return (
            f"it is behind Copilot's load balancer (target groups {groups}), and its spec has "
            "no http: under Manage, kopilot detaches it (a new deployment) and Copilot's load "
            "balancer no longer reaches it"
        )
    return (
        f"it is behind Copilot's load balancer (target groups {groups}), which is not adopted: "
        "kopilot will create its own load balancer, target group and listener rule; the old "
        "one keeps serving until DNS moves. Under Manage, kopilot attaches the service to its "
        "own target group in place of Copilot's (a new deployment), so Copilot's load balancer "
        "stops reaching it: lower the DNS records' TTL first and move them to kopilot's load "
        "balancer right after"
    )


def environment_load_balancer_notes(
    spec: dict[str, Any], services: list[Service], names: Names
) -> list[str]:
    """Copilot's load balancers are named by CloudFormation; kopilot adopts only its own
    names ({app}-{env}-pub / -int), so none is adopted and nothing is written for them."""
    behind = [s for s in services if s.copilot_name and s.load_balancers]
    if not behind:
        return []
    kinds = [k for k in KINDS if k in (spec.get("http") or {})]
    ours = " and ".join(load_balancer_name(names, k) for k in kinds) or "none"
    listed = ", ".join(f"{s.copilot_name} ({s.name})" for s in behind)
    return [
        f"Copilot's load balancer (CloudFormation-named) serves {listed}: it is not adopted, "
        f"since kopilot names its load balancers {load_balancer_name(names, 'public')} and "
        f"{load_balancer_name(names, 'private')} and cannot adopt one of another name yet. "
        f"kopilot will create its own load balancer (spec.http: {ours}); the old one keeps "
        "serving until DNS moves"
    ]


def service_found(service: Service) -> list[str]:
    """The report's lines for one ECS service."""
    lines = [f"ECS service {service.name} ({service.arn})"]
    roles = [
        f"{label} {arn}"
        for label, arn in (
            ("execution role", service.execution_role_arn),
            ("task role", service.task_role_arn),
        )
        if arn
    ]
    lines.append(f"task definition {service.task_definition}" + "".join(f", {r}" for r in roles))
    connect = service.connect
    if connect is None or not connect.enabled:
        lines.append("Service Connect: off")
    else:
        endpoints = ", ".join(
            f"{e.dns_name}:{e.port} (discovery name {e.discovery_name})" for e in connect.endpoints
        )
        lines.append(f"Service Connect in {connect.namespace}: " + (endpoints or "a client only"))
    if service.registries:
        lines += [
            f"Service Discovery: Cloud Map service {r.name or '?'} ({r.arn})"
            for r in service.registries
        ]
    else:
        lines.append("Service Discovery: none")
    return lines


def environment_found(
    cluster: Cluster | None, namespace: Namespace | None, network: dict[str, Any] | None
) -> list[str]:
    lines = []
    if cluster is not None:
        lines.append(f"ECS cluster {cluster.name} ({cluster.arn})")
    if namespace is not None:
        lines.append(
            f"Cloud Map namespace {namespace.name} ({namespace.type}, {namespace.id}, "
            f"{namespace.arn})"
        )
    if network is not None:
        lines.append(
            f"network of its services: VPC {network['vpcId']}, subnets "
            f"{', '.join(network['subnets'])}, security groups "
            f"{', '.join(network.get('securityGroups', [])) or 'none'}"
            + (", with a public IP" if network.get("assignPublicIp") else "")
        )
    return lines


# -- applying edits ------------------------------------------------------------------------


def apply_edits(
    spec: dict[str, Any], edits: list[Edit], model: type[BaseModel]
) -> tuple[dict[str, Any], list[str]]:
    """Apply each edit the model accepts; a refused one is left out and reported."""
    spec = copy.deepcopy(spec)
    notes: list[str] = []
    for path, value in edits:
        candidate = copy.deepcopy(spec)
        _set(candidate, path, copy.deepcopy(value))
        try:
            model.model_validate(candidate)
        except ValidationError as err:
            first = err.errors()[0]
            message = str(first["msg"]).removeprefix("Value error, ")
            notes.append(
                f"spec.{'.'.join(path)}: {show(value)} is what AWS has, but kopilot's API "
                f"refuses it ({message}): not written; set it by hand"
            )
            continue
        spec = candidate
    return spec, notes


def _set(spec: dict[str, Any], path: Path, value: Any) -> None:
    parents = [spec]
    for key in path[:-1]:
        child = parents[-1].get(key)
        if not isinstance(child, dict):
            child = {}
            parents[-1][key] = child
        parents.append(child)
    if value is None:
        parents[-1].pop(path[-1], None)
        for depth in range(len(path) - 1, 0, -1):  # drop maps this emptied
            if not parents[depth]:
                parents[depth - 1].pop(path[depth - 1], None)
    else:
        parents[-1][path[-1]] = value


def changes(old: dict[str, Any], new: dict[str, Any], prefix: str = "spec") -> list[str]:
    """What differs, field by field: `spec.a.b: value` (removed: `spec.a.b: (removed)`)."""
    out: list[str] = []
    for key in [*new, *(k for k in old if k not in new)]:
        path = f"{prefix}.{key}"
        before, after = old.get(key), new.get(key)
        if isinstance(after, dict) and after and (before is None or isinstance(before, dict)):
            out += changes(before or {}, after, path)
        elif key not in new:
            out.append(f"{path}: (removed)")
        elif before != after:
            out.append(f"{path}: {show(after)}")
    return out


def show(value: Any) -> str:
    """A value as the report shows it: strings bare, the rest as JSON."""
    return value if isinstance(value, str) else json.dumps(value)
