"""Elastic Load Balancing v2: the idempotent creations of the API reference.

CreateLoadBalancer, CreateTargetGroup and CreateListener: "This operation is idempotent, which
means that it completes at most one time. If you attempt to create multiple ... with the same
settings, each call succeeds." moto created a second load balancer of the same name and a
second listener on the same port, and refused a target group of a name in use even with the
same settings. Here the same settings answer the existing resource; other settings are
refused by strict mode (elbv2.load-balancer-name-in-use, elbv2.listener-port-in-use) and, for
a target group name, by moto (DuplicateTargetGroupName).
"""

from __future__ import annotations

from typing import Any

from moto.elbv2.models import ELBv2Backend

from ..strict.elbv2 import (
    existing_listener_settings,
    existing_load_balancer_settings,
    listener_on_port,
    listener_settings,
    load_balancer_settings,
)

_moto_create_load_balancer: Any = ELBv2Backend.create_load_balancer
_moto_create_target_group: Any = ELBv2Backend.create_target_group
_moto_create_listener: Any = ELBv2Backend.create_listener

# CreateTargetGroup's keyword arguments (moto's names) and the attribute of moto's target
# group that holds each; a setting left out of the request is not compared.
_TARGET_GROUP_SETTINGS = {
    "protocol": "protocol",
    "port": "port",
    "vpc_id": "vpc_id",
    "protocol_version": "protocol_version",
    "healthcheck_protocol": "health_check_protocol",
    "healthcheck_port": "health_check_port",
    "healthcheck_path": "health_check_path",
    "healthcheck_interval_seconds": "health_check_interval_seconds",
    "healthcheck_timeout_seconds": "health_check_timeout_seconds",
    "healthy_threshold_count": "healthy_threshold_count",
    "unhealthy_threshold_count": "unhealthy_threshold_count",
    "ip_address_type": "ip_address_type",
}


def create_load_balancer(
    self: Any,
    name: str,
    security_groups: list[str],
    subnet_ids: list[str],
    subnet_mappings: list[dict[str, str]] | None = None,
    scheme: str | None = None,
    loadbalancer_type: str | None = None,
    ip_address_type: str = "ipv4",
    tags: list[dict[str, str]] | None = None,
) -> Any:
    """The load balancer of this name when the settings are the same; else a new one, whose
    scheme is internet-facing when the request leaves it out (CreateLoadBalancer.Scheme: "The
    default is an Internet-facing load balancer"; moto kept none)."""
    subnets = list(subnet_ids or []) + [m["SubnetId"] for m in subnet_mappings or []]
    given = load_balancer_settings(
        loadbalancer_type, scheme, subnets, security_groups, ip_address_type
    )
    for balancer in self.load_balancers.values():
        if balancer.name == name and existing_load_balancer_settings(balancer) == given:
            return balancer
    return _moto_create_load_balancer(
        self,
        name=name,
        security_groups=security_groups,
        subnet_ids=subnet_ids,
        subnet_mappings=subnet_mappings,
        scheme=scheme or "internet-facing",
        loadbalancer_type=loadbalancer_type,
        ip_address_type=ip_address_type,
        tags=tags,
    )


def create_target_group(self: Any, name: str, **kwargs: Any) -> Any:
    """The target group of this name when the settings given are its own."""
    existing = next((g for g in self.target_groups.values() if g.name == name), None)
    if existing is not None and _same_target_group(existing, kwargs):
        return existing
    return _moto_create_target_group(self, name, **kwargs)


def _same_target_group(group: Any, kwargs: dict[str, Any]) -> bool:
    if (kwargs.get("target_type") or "instance") != group.target_type:
        return False
    for argument, attribute in _TARGET_GROUP_SETTINGS.items():
        given = kwargs.get(argument)
        if given is not None and str(given) != str(getattr(group, attribute, None)):
            return False
    matcher = (kwargs.get("matcher") or {}).get("HttpCode")
    current = (getattr(group, "matcher", None) or {}).get("HttpCode")
    return matcher is None or matcher == current


def create_listener(
    self: Any,
    load_balancer_arn: str,
    protocol: str,
    port: str,
    ssl_policy: str,
    certificate: str | None,
    actions: list[dict[str, Any]],
    alpn_policy: list[str] | None = None,
    tags: list[dict[str, str]] | None = None,
) -> Any:
    """The listener on this port when the settings are the same (moto looked for the port
    among listener ARNs, so it never found one)."""
    existing = listener_on_port(self, load_balancer_arn, port)
    if existing is not None:
        certificates = [{"CertificateArn": certificate}] if certificate else []
        given = listener_settings(protocol, certificates, None, actions)
        if given == existing_listener_settings(existing, None):
            return existing
    return _moto_create_listener(
        self,
        load_balancer_arn,
        protocol,
        port,
        ssl_policy,
        certificate,
        actions,
        alpn_policy=alpn_policy,
        tags=tags,
    )


def apply() -> None:
    backend: Any = ELBv2Backend
    backend.create_load_balancer = create_load_balancer
    backend.create_target_group = create_target_group
    backend.create_listener = create_listener
