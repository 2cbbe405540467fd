"""What an EcsService's spec.http wants: a target group of its tasks and a rule on its
environment's listener (pure)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..api.service import EcsServiceSpec, ServiceHttp
from ..naming import Names, to_aws_tags
from .load_balancer import NAME_MAX

# Elastic Load Balancing: rule priorities run from 1 (first) to 50000.
PRIORITY_MAX = 50000
# Priorities come in bands by how specific a rule is, so a more specific one is looked at
# first: deeper paths before shallower, and a rule with hosts before one without.
BAND = 1000
DEPTH_BANDS = 40


@dataclass(frozen=True)
class LoadBalancerRef:
    """The environment's load balancer a service is routed from (from its status)."""

    arn: str
    listener_arn: str  # 443's when the load balancer has certificates, else 80's
    dns_name: str
    https: bool
    targets_security_group: str  # lets the load balancer reach the tasks


@dataclass(frozen=True)
class TargetGroupWant:
    name: str
    port: int
    vpc_id: str
    http: ServiceHttp
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleWant:
    listener_arn: str
    conditions: tuple[tuple[str, tuple[str, ...]], ...]  # (field, values), sorted
    band: int  # the first priority of its band
    tags: Mapping[str, str] = field(default_factory=dict)
    target_group_arn: str = ""


def target_port(spec: EcsServiceSpec) -> int:
    """The container port the load balancer sends to: http.targetPort, else the service's
    port (with ports, the first: the main one)."""
    main = spec.ports[0].port if spec.ports else spec.port
    port = (spec.http.target_port if spec.http else None) or main
    if port is None:  # the API refuses http without a port
        raise ValueError("spec.http needs a port")
    return port


def target_group_name(names: Names) -> str:
    """{app}-{env}-{svc}, shortened with a digest when too long (32 characters at most)."""
    base = f"{names.app}-{names.env}-{names.svc}"
    if len(base) <= NAME_MAX:
        return base
    digest = hashlib.sha256(base.encode()).hexdigest()[:6]
    return f"{base[: NAME_MAX - len(digest) - 1].rstrip('-')}-{digest}"


def target_group_wanted(
    spec: EcsServiceSpec, names: Names, vpc_id: str, tags: Mapping[str, str]
) -> TargetGroupWant:
    if spec.http is None:
        raise ValueError("spec.http is not set")
    return TargetGroupWant(target_group_name(names), target_port(spec), vpc_id, spec.http, tags)


def health_check_shape(want: TargetGroupWant) -> dict[str, Any]:
    """The target group's health check, in DescribeTargetGroups' shape."""
    check = want.http.health_check
    return {
        "HealthCheckProtocol": "HTTP",
        "HealthCheckPath": check.path,
        "HealthCheckPort": str(check.port) if check.port else "traffic-port",
        "HealthCheckIntervalSeconds": check.interval,
        "HealthCheckTimeoutSeconds": check.timeout,
        "HealthyThresholdCount": check.healthy_threshold,
        "UnhealthyThresholdCount": check.unhealthy_threshold,
        "Matcher": {"HttpCode": check.success_codes},
    }


def create_target_group_request(want: TargetGroupWant) -> dict[str, Any]:
    return {
        "Name": want.name,
        "Protocol": "HTTP",
        "Port": want.port,
        "VpcId": want.vpc_id,
        "TargetType": "ip",
        "HealthCheckEnabled": True,
        **health_check_shape(want),
        "Tags": to_aws_tags(dict(want.tags), "Key", "Value"),
    }


def target_group_attributes(want: TargetGroupWant) -> dict[str, str]:
    attributes = {
        "deregistration_delay.timeout_seconds": str(want.http.deregistration_delay),
        "stickiness.enabled": "true" if want.http.stickiness else "false",
    }
    if want.http.stickiness:
        attributes["stickiness.type"] = "lb_cookie"
    return attributes


# -- the listener rule ---------------------------------------------------------------------


def path_patterns(path: str) -> tuple[str, ...]:
    """Copilot's: "/" routes everything; "api" routes /api and /api/*."""
    trimmed = path.strip("/")
    return ("/*",) if not trimmed else (f"/{trimmed}", f"/{trimmed}/*")


def rule_conditions(http: ServiceHttp) -> tuple[tuple[str, tuple[str, ...]], ...]:
    conditions = [("path-pattern", path_patterns(http.path))]
    if http.alias:
        conditions.append(("host-header", tuple(sorted(http.alias))))
    if http.allowed_source_ips:
        conditions.append(("source-ip", tuple(sorted(http.allowed_source_ips))))
    return tuple(sorted(conditions))


def priority_band(http: ServiceHttp) -> int:
    """Where the rule's priority is looked for: deeper paths first, a rule with hosts before
    the same path without, the root path ("/") last."""
    depth = len([part for part in http.path.strip("/").split("/") if part])
    band = (DEPTH_BANDS - min(depth, DEPTH_BANDS - 1)) * BAND
    return band - BAND // 2 if http.alias else band


def rule_wanted(spec: EcsServiceSpec, listener_arn: str, tags: Mapping[str, str]) -> RuleWant:
    if spec.http is None:
        raise ValueError("spec.http is not set")
    return RuleWant(listener_arn, rule_conditions(spec.http), priority_band(spec.http), tags)


def conditions_request(conditions: tuple[tuple[str, tuple[str, ...]], ...]) -> list[dict[str, Any]]:
    keys = {
        "path-pattern": "PathPatternConfig",
        "host-header": "HostHeaderConfig",
        "source-ip": "SourceIpConfig",
    }
    return [{"Field": name, keys[name]: {"Values": list(values)}} for name, values in conditions]


def forward(target_group_arn: str) -> list[dict[str, Any]]:
    return [{"Type": "forward", "TargetGroupArn": target_group_arn}]


def free_priority(band: int, taken: set[int]) -> int:
    """The first priority of the band no rule of the listener holds."""
    for priority in range(band, PRIORITY_MAX + 1):
        if priority not in taken:
            return priority
    for priority in range(band - 1, 0, -1):
        if priority not in taken:
            return priority
    raise ValueError("the listener has no free rule priority")


def public_url(ref: LoadBalancerRef, http: ServiceHttp) -> str:
    host = http.alias[0] if http.alias else ref.dns_name
    path = http.path.strip("/")
    return f"{'https' if ref.https else 'http'}://{host}/{path}"
