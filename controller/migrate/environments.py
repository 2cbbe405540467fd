"""An environment manifest -> an EcsEnvironment spec (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..api import EcsEnvironmentSpec
from .copilot import ValueKindError, as_bool, interpolate
from .mapping import LATER, Builder, Mapping, ordered, validate


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
            b.skip(
                "http",
                "the environment's load balancers (certificates, ingress, access logs, SSL "
                f"policy): kopilot does not create load balancers yet; {LATER}",
            )
        elif key == "cdn":
            b.skip("cdn", "CloudFront: kopilot does not create a content delivery network")
        else:
            b.unknown(str(key), "environment manifest")
    if "network" not in b.result.spec:
        b.result.notes.append(
            f"Environment {env}: {file} imports no VPC (Copilot created one): set spec.network "
            f"(vpcId, subnets) in overlays/{env}/environment.yaml to that VPC, or kopilot uses "
            "the Region's default VPC, where Copilot's namespace and services are not."
        )
    if ctx.legacy_namespace:
        b.result.spec["serviceDiscovery"] = {"legacyNamespace": True}
    validated = validate(EcsEnvironmentSpec, b.result.spec, b, None, {})
    b.result.spec = ordered(
        validated,
        ("app", "region", "network", "cluster", "serviceDiscovery"),
    )
    return b.result


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
