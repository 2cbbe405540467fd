"""Strict rules of EC2: DescribeVpcs and DescribeSubnets filters, security group rules.

EC2 refuses a filter name it does not know (InvalidParameterValue, "The filter 'x' is
invalid") rather than ignoring it; moto answers a name it has not implemented with an error of
its own. The names accepted are those the API reference lists for the action, with the names
its earlier versions listed (isDefault, tag-value...): EC2 keeps old requests working.

AuthorizeSecurityGroupIngress: moto refuses a source group that does not exist
(InvalidGroup.NotFound) and a rule the group already has (InvalidPermission.Duplicate), but
only when it reaches that permission, after adding the ones before it; EC2 adds none of a
refused request's rules. The rules below refuse such a request whole, with EC2's messages
(moto's duplicate message is "The specified rule already exists").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .rules import Request, rule

API = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference"
TESTS = "tests/aws/strict/test_ec2.py"

# tag:<key> filters by the value of the tag <key>, whatever the key.
TAG_FILTER_PREFIX = "tag:"
_FILTER_NAME = re.compile(r"Filter\.(\d+)\.Name")

VPC_FILTERS = frozenset(
    {
        "cidr",
        "cidr-block-association.association-id",
        "cidr-block-association.cidr-block",
        "cidr-block-association.state",
        "dhcp-options-id",
        "ipv6-cidr-block-association.association-id",
        "ipv6-cidr-block-association.ipv6-cidr-block",
        "ipv6-cidr-block-association.ipv6-pool",
        "ipv6-cidr-block-association.state",
        "is-default",
        "isDefault",  # the name until the reference renamed it is-default
        "owner-id",
        "state",
        "tag-key",
        "tag-value",  # listed by earlier versions
        "vpc-id",
    }
)

SUBNET_FILTERS = frozenset(
    {
        "availability-zone",
        "availabilityZone",
        "availability-zone-id",
        "availabilityZoneId",
        "available-ip-address-count",
        "cidr",
        "cidr-block",
        "cidrBlock",
        "customer-owned-ipv4-pool",
        "default-for-az",
        "defaultForAz",
        "enable-dns64",
        "enable-lni-at-device-index",
        "ipv6-cidr-block-association.association-id",
        "ipv6-cidr-block-association.ipv6-cidr-block",
        "ipv6-cidr-block-association.state",
        "ipv6-native",
        "map-customer-owned-ip-on-launch",
        "map-public-ip-on-launch",
        "outpost-arn",
        "owner-id",
        "private-dns-name-options-on-launch.enable-resource-name-dns-a-record",
        "private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record",
        "private-dns-name-options-on-launch.hostname-type",
        "state",
        "subnet-arn",
        "subnet-id",
        "tag-key",
        "tag-value",  # listed by earlier versions
        "vpc-id",
    }
)


def _unknown_filter(request: Request, known: frozenset[str]) -> str | None:
    """EC2's message for the first filter (in Filter.N order) whose name it does not know."""
    names = sorted(
        (int(match[1]), str(value))
        for key, value in request.params.items()
        if (match := _FILTER_NAME.fullmatch(key))
    )
    for _, name in names:
        if name not in known and not (
            name.startswith(TAG_FILTER_PREFIX) and len(name) > len(TAG_FILTER_PREFIX)
        ):
            return f"The filter '{name}' is invalid"
    return None


@rule(
    "ec2.vpc-filter-names",
    operations=("ec2:DescribeVpcs",),
    code="InvalidParameterValue",
    summary="DescribeVpcs filters by the names the API reference lists (is-default, vpc-id, "
    "tag:<key>...); any other name is refused, not ignored.",
    source=f"{API}/API_DescribeVpcs.html#AmazonEC2-DescribeVpcs-request-Filter.N",
    test=f"{TESTS}::test_describe_vpcs_refuses_an_unknown_filter",
)
def _vpc_filter_names(request: Request) -> str | None:
    return _unknown_filter(request, VPC_FILTERS)


@rule(
    "ec2.subnet-filter-names",
    operations=("ec2:DescribeSubnets",),
    code="InvalidParameterValue",
    summary="DescribeSubnets filters by the names the API reference lists (vpc-id, "
    "default-for-az, tag:<key>...); any other name is refused, not ignored.",
    source=f"{API}/API_DescribeSubnets.html#AmazonEC2-DescribeSubnets-request-Filter.N",
    test=f"{TESTS}::test_describe_subnets_refuses_an_unknown_filter",
)
def _subnet_filter_names(request: Request) -> str | None:
    return _unknown_filter(request, SUBNET_FILTERS)


# -- security group rules ----------------------------------------------------------------------

INGRESS = ("ec2:AuthorizeSecurityGroupIngress",)
# IpPermission.IpProtocol: a name or number; "-1" (or all) is every protocol and port.
_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "all": "-1", "icmpv6": "58"}


def _permissions(request: Request) -> list[dict[str, Any]]:
    permissions = request.get("IpPermissions")
    return [p for p in permissions if isinstance(p, dict)] if isinstance(permissions, list) else []


def _items(permission: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = permission.get(key)
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _peers(permission: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(kind, value) of each source of a permission: CidrIp, CidrIpv6 or GroupId."""
    for item in _items(permission, "IpRanges"):
        if item.get("CidrIp"):
            yield "CidrIp", str(item["CidrIp"])
    for item in _items(permission, "Ipv6Ranges"):
        if item.get("CidrIpv6"):
            yield "CidrIpv6", str(item["CidrIpv6"])
    for item in _items(permission, "Groups"):  # UserIdGroupPairs on the wire
        if item.get("GroupId"):
            yield "GroupId", str(item["GroupId"])


@rule(
    "ec2.ingress-source-group",
    operations=INGRESS,
    code="InvalidGroup.NotFound",
    summary="A rule's source security group (`UserIdGroupPairs` `GroupId`, in this account) "
    "exists; the whole request is refused, none of its rules added.",
    source=f"{API}/API_AuthorizeSecurityGroupIngress.html",
    test=f"{TESTS}::test_an_ingress_source_group_exists",
)
def _ingress_source_group(request: Request) -> str | None:
    for permission in _permissions(request):
        for pair in _items(permission, "Groups"):
            group_id = pair.get("GroupId")
            if not group_id or pair.get("UserId") not in (None, request.account_id):
                continue  # another account's group is not known here
            if request.ec2.get_security_group_from_id(group_id) is None:
                return f"The security group '{group_id}' does not exist"
    return None


def _existing(
    group: Any, protocol: str, ports: tuple[int, int] | None, kind: str, peer: str
) -> bool:
    for existing in group.ingress_rules:
        if existing.ip_protocol != protocol:
            continue
        if ports is not None and (existing.from_port, existing.to_port) != ports:
            continue
        if kind == "GroupId":
            if (existing.source_group or {}).get("GroupId") == peer:
                return True
        elif (existing.ip_range or {}).get(kind) == peer:
            return True
    return False


def _rule_text(peer: str, protocol: str, ports: tuple[int, int] | None) -> str:
    # EC2's words for TCP and UDP rules and for all protocols; others in the same style.
    if protocol == "-1":
        return f"peer: {peer}, ALL, ALLOW"
    if protocol in ("tcp", "udp") and ports is not None:
        return (
            f"peer: {peer}, {protocol.upper()}, from port: {ports[0]}, to port: {ports[1]}, ALLOW"
        )
    if protocol == "icmp" and ports is not None:
        return f"peer: {peer}, ICMP, type: {ports[0]}, code: {ports[1]}, ALLOW"
    return f"peer: {peer}, protocol: {protocol}, ALLOW"


@rule(
    "ec2.ingress-rule-duplicate",
    operations=INGRESS,
    code="InvalidPermission.Duplicate",
    summary="A rule the security group already has (same protocol, ports and source) is "
    "refused with EC2's message, and none of the request's other rules is added.",
    source=f"{API}/API_AuthorizeSecurityGroupIngress.html",
    test=f"{TESTS}::test_a_duplicate_ingress_rule_is_refused_whole",
)
def _ingress_rule_duplicate(request: Request) -> str | None:
    ref = request.get("GroupId") or request.get("GroupName")
    group = request.ec2.get_security_group_by_name_or_id(ref) if isinstance(ref, str) else None
    if group is None:
        return None  # moto reports an unknown group before adding anything
    for permission in _permissions(request):
        name = str(permission.get("IpProtocol") or "").lower()
        protocol = _PROTOCOLS.get(name, name)
        ports: tuple[int, int] | None = None
        if protocol != "-1":
            try:
                ports = (int(permission["FromPort"]), int(permission["ToPort"]))
            except (KeyError, TypeError, ValueError):
                continue
        for kind, peer in _peers(permission):
            if _existing(group, protocol, ports, kind, peer):
                text = _rule_text(peer, protocol, ports)
                return f'the specified rule "{text}" already exists'
    return None
