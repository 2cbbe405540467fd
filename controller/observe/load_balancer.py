"""What Elastic Load Balancing and EC2 say of an environment's load balancer, against what it
wants (pure). Deltas are path-keyed, each with the wanted value."""

from __future__ import annotations

from typing import Any

from ..render.load_balancer import (
    ListenerWant,
    LoadBalancerWant,
    ingress,
    listener_shape,
    load_balancer_attributes,
)


def security_group_ingress(group: dict[str, Any]) -> frozenset[tuple[int, str]]:
    """(port, CIDR) pairs a described security group lets in over TCP (single ports)."""
    pairs = set()
    for permission in group.get("IpPermissions") or []:
        if permission.get("IpProtocol") != "tcp":
            continue
        low, high = permission.get("FromPort"), permission.get("ToPort")
        if low is None or low != high:
            continue
        for ip_range in permission.get("IpRanges") or []:
            pairs.add((int(low), str(ip_range.get("CidrIp"))))
    return frozenset(pairs)


def security_group_delta(want: LoadBalancerWant, group: dict[str, Any]) -> dict[str, Any]:
    """Ingress the load balancer needs and its group lacks (rules someone added are kept)."""
    missing = ingress(want) - security_group_ingress(group)
    return {"ingress": sorted(missing)} if missing else {}


def targets_group_delta(group: dict[str, Any], load_balancer_group: str) -> dict[str, Any]:
    """Whether the targets' group still lets the load balancer's group in on every port."""
    for permission in group.get("IpPermissions") or []:
        pairs = permission.get("UserIdGroupPairs") or []
        if (
            permission.get("IpProtocol") == "tcp"
            and permission.get("FromPort") == 0
            and permission.get("ToPort") == 65535
            and any(p.get("GroupId") == load_balancer_group for p in pairs)
        ):
            return {}
    return {"ingress": f"tcp 0-65535 from {load_balancer_group}"}


def load_balancer_delta(
    want: LoadBalancerWant,
    described: dict[str, Any],
    attributes: dict[str, str],
    security_group: str,
) -> dict[str, Any]:
    delta: dict[str, Any] = {}
    subnets = sorted(z.get("SubnetId") for z in described.get("AvailabilityZones") or [])
    if subnets != list(want.subnets):
        delta["subnets"] = list(want.subnets)
    if security_group not in (described.get("SecurityGroups") or []):
        delta["securityGroups"] = [security_group]
    for key, value in load_balancer_attributes(want).items():
        if attributes.get(key, "") != value:
            delta[f"attributes.{key}"] = value
    return delta


def _action(action: dict[str, Any]) -> dict[str, Any]:
    """A listener action with what ELB adds (order, defaults) left out."""
    kept = {
        k: v for k, v in action.items() if k in ("Type", "FixedResponseConfig", "RedirectConfig")
    }
    redirect = kept.get("RedirectConfig")
    if redirect:
        kept["RedirectConfig"] = {
            k: v for k, v in redirect.items() if k in ("Protocol", "Port", "StatusCode")
        }
    return kept


def listener_delta(want: ListenerWant, described: dict[str, Any]) -> dict[str, Any]:
    delta: dict[str, Any] = {}
    for key, value in listener_shape(want).items():
        have = described.get(key)
        if key == "DefaultActions":
            have = [_action(a) for a in have or []]
        elif key == "Certificates":
            have = [{"CertificateArn": c.get("CertificateArn")} for c in have or []][:1]
        if have != value:
            delta[key] = value
    return delta
