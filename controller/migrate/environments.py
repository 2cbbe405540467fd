"""An environment manifest -> an EcsEnvironment spec (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..api import EcsEnvironmentSpec
from .copilot import ValueKindError, as_bool, interpolate, is_bool
from .mapping import Builder, Mapping, ordered, validate


@dataclass(frozen=True)
class EnvironmentContext:
    app: str
    name: str
    region: str
    legacy_namespace: bool = False


def map_environment(manifest: dict[str, Any], ctx: EnvironmentContext, file: str) -> Mapping:
    """An environment manifest -> EcsEnvironment spec."""
    env = ctx.name
    doc = interpolate(manifest, ctx.app, env).doc
    b = Builder(file)
    b.result.spec.update({"app": ctx.app, "region": ctx.region})
    http: Any = None
    for key, value in doc.items():
        if key in ("name", "type"):
            b.done(key)
        elif key == "network":
            _environment_network(b, value, env)
        elif key == "observability":
            if not isinstance(value, dict):
                b.invalid(key, ValueKindError(f"{value!r} is not a map"))
                continue
            for sub, item in value.items():
                path = f"observability.{sub}"
                if sub == "container_insights":
                    try:
                        b.put(("cluster", "containerInsights"), as_bool(item), path)
                    except ValueKindError as err:
                        b.invalid(path, err)
                else:
                    b.unknown(path, "environment manifest's observability")
        elif key == "http":
            http = value  # after network: the public load balancer takes its subnets
        elif key == "cdn":
            b.skip("cdn", "CloudFront: kopilot does not create a content delivery network")
        else:
            b.unknown(str(key), "environment manifest")
    _environment_http(b, http, env)
    if "network" not in b.result.spec:
        b.result.notes.append(
            f"Environment {env}: {file} imports no VPC (Copilot created one): set spec.network "
            f"(vpcId, subnets) in overlays/{env}/environment.yaml to that VPC, or kopilot uses "
            "the Region's default VPC, where Copilot's namespace and services are not."
        )
    if ctx.legacy_namespace:
        b.result.spec["serviceDiscovery"] = {"legacyNamespace": True}
    validated = validate(EcsEnvironmentSpec, b.result.spec, b, None, {})
    b.result.spec = ordered(validated, ENVIRONMENT_ORDER)
    return b.result


ENVIRONMENT_ORDER = ("app", "region", "network", "cluster", "serviceDiscovery", "http")
LOAD_BALANCER_ORDER = (
    "certificates",
    "sslPolicy",
    "allowedSourceCidrs",
    "subnets",
    "accessLogs",
)


def private_ingress_note(env: str) -> str:
    """Copilot's internal load balancer lets in the environment security group only (the
    services), unless `http.private.ingress.vpc`; kopilot's lets in the VPC's CIDR."""
    return (
        f"Environment {env}: Copilot's internal load balancer let in only the environment's "
        "services (its environment security group); kopilot's lets in the VPC's CIDR (the "
        "default of spec.http.private.allowedSourceCidrs): narrow allowedSourceCidrs to the "
        "services' subnets if that matters."
    )


def _environment_http(b: Builder, value: Any, env: str) -> None:
    """`http.public` and `http.private` (env.go EnvironmentHTTPConfig) -> spec.http."""
    if value is None:
        return
    if not isinstance(value, dict):
        b.invalid("http", ValueKindError(f"{value!r} is not a map (public, private)"))
        return
    for kind, block in value.items():
        path = f"http.{kind}"
        if kind not in ("public", "private"):
            b.unknown(path, "environment manifest's http")
            continue
        if block is None:
            continue
        if not isinstance(block, dict):
            b.invalid(path, ValueKindError(f"{block!r} is not a map"))
            continue
        lb = b.result.spec.setdefault("http", {}).setdefault(kind, {})
        b.result.origins[("http", kind)] = path
        b.done(path)
        implied = b.result.implied.get(kind, {})
        if implied.get("subnets"):
            b.put(("http", kind, "subnets"), implied["subnets"], "network.vpc.subnets.public")
        vpc_ingress = False
        for sub, item in block.items():
            where = f"{path}.{sub}"
            if item is None:
                continue
            try:
                if sub == "certificates":
                    if not (isinstance(item, list) and all(isinstance(a, str) for a in item)):
                        raise ValueKindError(f"{item!r} is not a list of ARNs")
                    b.put(("http", kind, "certificates"), list(item), where)
                elif sub == "ssl_policy":
                    b.put(("http", kind, "sslPolicy"), str(item), where)
                elif sub == "access_logs" and kind == "public":
                    _access_logs(b, item, where)
                elif sub == "subnets" and kind == "private":
                    if not (isinstance(item, list) and all(isinstance(a, str) for a in item)):
                        raise ValueKindError(f"{item!r} is not a list of subnet ids")
                    b.put(("http", kind, "subnets"), list(item), where)
                elif sub == "ingress":
                    vpc_ingress |= _ingress(b, item, where, kind)
                elif sub == "security_groups":
                    vpc_ingress |= _deprecated_ingress(b, item, where, kind)
                else:
                    b.unknown(where, f"environment manifest's http.{kind}")
            except ValueKindError as err:
                b.invalid(where, err)
        b.result.spec["http"][kind] = ordered(lb, LOAD_BALANCER_ORDER)
        if kind == "private" and not vpc_ingress:
            b.result.notes.append(private_ingress_note(env))


def _access_logs(b: Builder, item: Any, path: str) -> None:
    if is_bool(item):
        if as_bool(item):
            b.skip(
                path,
                "access logs to a bucket Copilot made (its environment stack's "
                "ELBAccessLogsBucket): kopilot writes to a bucket you name; set "
                "spec.http.public.accessLogs.bucket to that bucket",
            )
        else:
            b.done(path)  # off, as kopilot
        return
    if not isinstance(item, dict):
        raise ValueKindError(f"{item!r} is neither a boolean nor a map")
    bucket = item.get("bucket_name")
    for key, value in item.items():
        where = f"{path}.{key}"
        if key == "bucket_name":
            b.put(("http", "public", "accessLogs", "bucket"), str(value), where)
        elif key == "prefix" and bucket is not None:
            b.put(("http", "public", "accessLogs", "prefix"), str(value), where)
        elif key == "prefix":
            b.skip(
                where,
                "a prefix in the bucket Copilot made (no bucket_name): kopilot writes to a "
                "bucket you name; set spec.http.public.accessLogs (bucket, prefix)",
            )
        else:
            b.unknown(where, "environment manifest's http.public.access_logs")


_CDN = (
    "only CloudFront may connect (its managed prefix list): kopilot makes no CloudFront "
    "distribution, and allowedSourceCidrs takes CIDRs"
)


def _ingress(b: Builder, item: Any, path: str, kind: str) -> bool:
    """`ingress` (public: cdn, source_ips; private: vpc); whether the VPC may connect."""
    if not isinstance(item, dict):
        raise ValueKindError(f"{item!r} is not a map")
    vpc = False
    for key, value in item.items():
        where = f"{path}.{key}"
        if value is None:
            continue
        try:
            if kind == "public" and key == "source_ips":
                if not (isinstance(value, list) and all(isinstance(c, str) for c in value)):
                    raise ValueKindError(f"{value!r} is not a list of CIDRs")
                b.put(("http", kind, "allowedSourceCidrs"), list(value), where)
            elif kind == "public" and key == "cdn":
                if as_bool(value):
                    b.skip(where, _CDN)
                else:
                    b.done(where)
            elif kind == "public" and key == "from_vpc":
                raise ValueKindError("a public load balancer already lets the VPC in")
            elif kind == "private" and key in ("vpc", "from_vpc"):
                vpc = as_bool(value)
                b.done(where)  # on: kopilot's default, the VPC's CIDR; off: noted
            else:
                b.unknown(where, f"environment manifest's http.{kind} ingress")
        except ValueKindError as err:
            b.invalid(where, err)
    return vpc


def _deprecated_ingress(b: Builder, item: Any, path: str, kind: str) -> bool:
    """`security_groups.ingress` (before Copilot v1.23): `restrict_to` (public) and
    `from_vpc` (private)."""
    if not isinstance(item, dict):
        raise ValueKindError(f"{item!r} is not a map")
    vpc = False
    for key, value in item.items():
        if key != "ingress":
            b.unknown(f"{path}.{key}", f"environment manifest's http.{kind}.security_groups")
            continue
        if not isinstance(value, dict):
            b.invalid(f"{path}.ingress", ValueKindError(f"{value!r} is not a map"))
            continue
        for sub, rules in value.items():
            where = f"{path}.ingress.{sub}"
            if kind == "public" and sub == "restrict_to":
                _ingress(b, rules, where, kind)
            elif sub == "from_vpc":
                vpc = _ingress(b, {"from_vpc": rules}, f"{path}.ingress", kind)
            else:
                b.unknown(where, f"environment manifest's http.{kind}.security_groups.ingress")
    return vpc


def _environment_network(b: Builder, value: Any, env: str) -> None:
    if not isinstance(value, dict):
        b.invalid("network", ValueKindError(f"{value!r} is not a map"))
        return
    for key, vpc in value.items():
        if key != "vpc":
            b.unknown(f"network.{key}", "environment manifest's network")
        elif not isinstance(vpc, dict):
            b.invalid("network.vpc", ValueKindError(f"{vpc!r} is not a map"))
        else:
            _vpc(b, vpc, env)


def _vpc(b: Builder, vpc: dict[str, Any], env: str) -> None:
    given = vpc.get("subnets")
    subnets: dict[str, Any] = given if isinstance(given, dict) else {}
    ids: dict[str, list[str]] = {"public": [], "private": []}
    for kind in ids:
        entries = subnets.get(kind)
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                ids[kind].append(entry["id"])
                for extra in entry:
                    if extra != "id":
                        b.skip(
                            f"network.vpc.subnets.{kind}[{i}].{extra}",
                            "kopilot takes an imported subnet by its id only; this is not used",
                        )
    chosen = "private" if ids["private"] else "public"
    for key, item in vpc.items():
        path = f"network.vpc.{key}"
        if key == "id":
            if not ids[chosen]:
                b.skip(
                    path,
                    "kopilot needs the VPC's subnet ids with it: set spec.network (vpcId, subnets)",
                )
        elif key == "cidr":
            b.skip(
                path,
                "Copilot created this VPC and kopilot does not create VPCs: set spec.network "
                "(vpcId, subnets) to the VPC Copilot made",
            )
        elif key == "subnets":
            if not any(ids.values()):
                b.skip(
                    path,
                    "subnets Copilot created (cidr, az): kopilot takes subnet ids; set "
                    "spec.network.subnets",
                )
            for kind in item if isinstance(item, dict) else []:
                if kind not in ids:
                    b.unknown(f"{path}.{kind}", "environment manifest's network.vpc.subnets")
        elif key == "security_group":
            b.skip(
                path,
                "the environment security group's rules: kopilot does not manage security "
                "groups; Copilot's group stays as it is",
            )
        elif key == "flow_logs":
            b.skip(path, "VPC flow logs: kopilot does not manage the VPC")
        else:
            b.unknown(path, "environment manifest's network.vpc")
    vpc_id = vpc.get("id")
    if not (isinstance(vpc_id, str) and ids[chosen]):
        return
    b.put(("network", "vpcId"), vpc_id, "network.vpc.id")
    b.put(("network", "subnets"), ids[chosen], f"network.vpc.subnets.{chosen}")
    if chosen == "private" and ids["public"]:
        # Copilot's public load balancer is in the public subnets (environment/cf.yml).
        b.result.implied["public"] = {"subnets": ids["public"]}
    if chosen == "public":
        b.put(("network", "assignPublicIp"), True, "network.vpc.subnets.public")
    elif ids["public"]:
        b.done("network.vpc.subnets.public")
        b.result.notes.append(
            f"Environment {env}: its tasks run in the private subnets, not the public ones: "
            "Copilot's services default to `network.vpc.placement: public` (public subnets, "
            "a public IP), kopilot places every task of an environment in "
            "spec.network.subnets. Private subnets need a NAT gateway or VPC endpoints to "
            "pull images."
        )
