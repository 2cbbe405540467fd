"""Strict rules of the EC2 look-ups: DescribeVpcs and DescribeSubnets filters.

EC2 refuses a filter name it does not know (InvalidParameterValue, "The filter 'x' is
invalid") rather than ignoring it; moto answers a name it has not implemented with an error of
its own. The names accepted are those the API reference lists for the action, with the names
its earlier versions listed (isDefault, tag-value...): EC2 keeps old requests working.
"""

from __future__ import annotations

import re

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
