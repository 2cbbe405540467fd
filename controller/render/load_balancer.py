"""What an environment's load balancers want in AWS: a security group, an Application Load
Balancer and its listeners (pure)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..api.environment import DEFAULT_SSL_POLICY, LoadBalancer
from ..naming import Names, to_aws_tags

Kind = Literal["public", "private"]
KINDS: tuple[Kind, ...] = ("public", "private")
HTTP_PORT = 80
HTTPS_PORT = 443
# Elastic Load Balancing API Reference, CreateLoadBalancer.Name: at most 32 characters,
# alphanumerics and hyphens, not beginning or ending with a hyphen.
NAME_MAX = 32
EVERYONE = "0.0.0.0/0"
# What a listener answers when no service's rule matches.
NOT_ROUTED = {
    "Type": "fixed-response",
    "FixedResponseConfig": {
        "StatusCode": "404",
        "ContentType": "text/plain",
        "MessageBody": "no kopilot service is routed here",
    },
}
REDIRECT_TO_HTTPS = {
    "Type": "redirect",
    "RedirectConfig": {"Protocol": "HTTPS", "Port": str(HTTPS_PORT), "StatusCode": "HTTP_301"},
}


@dataclass(frozen=True)
class LoadBalancerWant:
    kind: Kind
    name: str  # the load balancer's; its security group is named after it
    vpc_id: str
    subnets: tuple[str, ...]
    ingress_cidrs: tuple[str, ...]
    certificates: tuple[str, ...]
    ssl_policy: str
    idle_timeout: int
    access_logs: tuple[str, str | None] | None  # (bucket, prefix)
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def scheme(self) -> str:
        return "internet-facing" if self.kind == "public" else "internal"

    @property
    def ports(self) -> tuple[int, ...]:
        return (HTTP_PORT, HTTPS_PORT) if self.certificates else (HTTP_PORT,)

    @property
    def security_group_name(self) -> str:
        return f"{self.name}-lb"

    @property
    def targets_security_group_name(self) -> str:
        return f"{self.name}-targets"


@dataclass(frozen=True)
class ListenerWant:
    load_balancer: LoadBalancerWant
    port: int

    @property
    def https(self) -> bool:
        return self.port == HTTPS_PORT


def load_balancer_name(names: Names, kind: Kind) -> str:
    """{app}-{env}-pub / -int, shortened with a digest of both when too long (ELB names are
    at most 32 characters and unique per account and Region)."""
    suffix = "-pub" if kind == "public" else "-int"
    base = f"{names.app}-{names.env}"
    if len(base) + len(suffix) > NAME_MAX:
        digest = hashlib.sha256(base.encode()).hexdigest()[:6]
        base = f"{base[: NAME_MAX - len(suffix) - len(digest) - 1].rstrip('-')}-{digest}"
    return base + suffix


def load_balancer_wanted(
    spec: LoadBalancer,
    kind: Kind,
    names: Names,
    vpc_id: str,
    default_subnets: tuple[str, ...],
    vpc_cidr: str | None,
    tags: Mapping[str, str],
) -> LoadBalancerWant:
    cidrs = tuple(spec.allowed_source_cidrs) or (
        (EVERYONE,) if kind == "public" else ((vpc_cidr,) if vpc_cidr else (EVERYONE,))
    )
    return LoadBalancerWant(
        kind=kind,
        name=load_balancer_name(names, kind),
        vpc_id=vpc_id,
        subnets=tuple(sorted(spec.subnets or default_subnets)),
        ingress_cidrs=tuple(sorted(cidrs)),
        certificates=tuple(spec.certificates),
        ssl_policy=spec.ssl_policy or DEFAULT_SSL_POLICY,
        idle_timeout=spec.idle_timeout,
        access_logs=(spec.access_logs.bucket, spec.access_logs.prefix)
        if spec.access_logs
        else None,
        tags=tags,
    )


# -- security group ------------------------------------------------------------------------


def create_security_group_request(want: LoadBalancerWant) -> dict[str, Any]:
    return {
        "GroupName": want.security_group_name,
        "Description": f"kopilot: who may reach load balancer {want.name}",
        "VpcId": want.vpc_id,
        "TagSpecifications": [
            {"ResourceType": "security-group", "Tags": to_aws_tags(dict(want.tags), "Key", "Value")}
        ],
    }


def create_targets_security_group_request(want: LoadBalancerWant) -> dict[str, Any]:
    """The group a routed service's tasks join, so the load balancer may reach them."""
    return {
        **create_security_group_request(want),
        "GroupName": want.targets_security_group_name,
        "Description": f"kopilot: tasks load balancer {want.name} may reach",
    }


def targets_ingress(load_balancer_group: str) -> list[dict[str, Any]]:
    """Every TCP port, from the load balancer's group only (a service's target port is its
    own choice; the group is joined only by routed tasks)."""
    return [
        {
            "IpProtocol": "tcp",
            "FromPort": 0,
            "ToPort": 65535,
            "UserIdGroupPairs": [{"GroupId": load_balancer_group}],
        }
    ]


def ingress(want: LoadBalancerWant) -> frozenset[tuple[int, str]]:
    """(port, CIDR) pairs the load balancer's security group lets in."""
    return frozenset((port, cidr) for port in want.ports for cidr in want.ingress_cidrs)


def ingress_permissions(pairs: frozenset[tuple[int, str]]) -> list[dict[str, Any]]:
    by_port: dict[int, list[str]] = {}
    for port, cidr in sorted(pairs):
        by_port.setdefault(port, []).append(cidr)
    return [
        {
            "IpProtocol": "tcp",
            "FromPort": port,
            "ToPort": port,
            "IpRanges": [{"CidrIp": cidr} for cidr in cidrs],
        }
        for port, cidrs in by_port.items()
    ]


# -- load balancer ---------------------------------------------------------------------------


def create_load_balancer_request(want: LoadBalancerWant, security_group: str) -> dict[str, Any]:
    return {
        "Name": want.name,
        "Subnets": list(want.subnets),
        "SecurityGroups": [security_group],
        "Scheme": want.scheme,
        "Type": "application",
        "IpAddressType": "ipv4",
        "Tags": to_aws_tags(dict(want.tags), "Key", "Value"),
    }


def load_balancer_attributes(want: LoadBalancerWant) -> dict[str, str]:
    """The attributes kopilot sets, as ModifyLoadBalancerAttributes takes them."""
    attributes = {"idle_timeout.timeout_seconds": str(want.idle_timeout)}
    bucket, prefix = want.access_logs or ("", None)
    attributes["access_logs.s3.enabled"] = "true" if want.access_logs else "false"
    if want.access_logs:
        attributes["access_logs.s3.bucket"] = bucket
        attributes["access_logs.s3.prefix"] = prefix or ""
    return attributes


# -- listeners -------------------------------------------------------------------------------


def listeners_wanted(want: LoadBalancerWant) -> list[ListenerWant]:
    return [ListenerWant(want, port) for port in want.ports]


def listener_shape(want: ListenerWant) -> dict[str, Any]:
    """What kopilot manages of a listener, in DescribeListeners' shape."""
    lb = want.load_balancer
    if want.https:
        return {
            "Port": HTTPS_PORT,
            "Protocol": "HTTPS",
            "Certificates": [{"CertificateArn": lb.certificates[0]}],
            "SslPolicy": lb.ssl_policy,
            "DefaultActions": [NOT_ROUTED],
        }
    return {
        "Port": HTTP_PORT,
        "Protocol": "HTTP",
        "DefaultActions": [REDIRECT_TO_HTTPS if lb.certificates else NOT_ROUTED],
    }


def create_listener_request(want: ListenerWant, load_balancer_arn: str) -> dict[str, Any]:
    return {
        "LoadBalancerArn": load_balancer_arn,
        **listener_shape(want),
        "Tags": to_aws_tags(dict(want.load_balancer.tags), "Key", "Value"),
    }


def extra_certificates(want: ListenerWant) -> list[str]:
    """Certificates beyond the default, added with AddListenerCertificates (SNI)."""
    return list(want.load_balancer.certificates[1:]) if want.https else []
