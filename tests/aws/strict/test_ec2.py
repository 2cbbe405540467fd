"""Strict mode, EC2 look-ups: each test sends a request AWS refuses and gets AWS's error,
then the corrected request and sees it accepted (so the rule is not stricter than AWS)."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from tests.aws.strict.refusals import default_network, refusal
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws


def test_describe_vpcs_refuses_an_unknown_filter(aws: LocalAws) -> None:
    ec2 = aws.client("ec2", max_attempts=1)
    for typo in ("is-defualt", "default", "tag"):
        filters = [{"Name": "state", "Values": ["available"]}, {"Name": typo, "Values": ["true"]}]
        error = refusal(partial(ec2.describe_vpcs, Filters=filters))
        # EC2's own error document: code and message, nothing more (no query-style Type).
        assert error == {
            "Code": "InvalidParameterValue",
            "Message": f"The filter '{typo}' is invalid",
        }

    for name in ("is-default", "isDefault"):  # the reference's name, and the one it had before
        vpcs = ec2.describe_vpcs(Filters=[{"Name": name, "Values": ["true"]}])["Vpcs"]
        assert [v["IsDefault"] for v in vpcs] == [True]
    assert ec2.describe_vpcs(Filters=[{"Name": "tag:team", "Values": ["kudos"]}])["Vpcs"] == []


def test_describe_subnets_refuses_an_unknown_filter(aws: LocalAws) -> None:
    ec2 = aws.client("ec2", max_attempts=1)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    error = refusal(
        lambda: ec2.describe_subnets(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc["VpcId"]]},
                {"Name": "default-for-zone", "Values": ["true"]},
            ]
        )
    )
    assert error["Code"] == "InvalidParameterValue"
    assert error["Message"] == "The filter 'default-for-zone' is invalid"

    for name in ("default-for-az", "defaultForAz"):  # both are in the reference
        subnets = ec2.describe_subnets(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc["VpcId"]]},
                {"Name": name, "Values": ["true"]},
            ]
        )["Subnets"]
        assert subnets
        assert all(s["DefaultForAz"] and s["VpcId"] == vpc["VpcId"] for s in subnets)


def _groups(aws: LocalAws) -> tuple[Any, str, str]:
    """(EC2 client, a service's security group, a load balancer's) in the default VPC."""
    ec2 = aws.client("ec2", max_attempts=1)
    vpc, _ = default_network(aws)
    service, balancer = (
        ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        for name in ("web-service", "web-lb")
    )
    return ec2, service, balancer


def _from_group(source: str, port: int) -> dict[str, Any]:
    return {
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": port,
        "UserIdGroupPairs": [{"GroupId": source}],
    }


def _ingress(ec2: Any, group: str) -> list[tuple[int, str]]:
    """(port, source group or CIDR) of each ingress rule of the group."""
    described = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    return sorted(
        (permission["FromPort"], source)
        for permission in described["IpPermissions"]
        for source in [p["GroupId"] for p in permission["UserIdGroupPairs"]]
        + [r["CidrIp"] for r in permission["IpRanges"]]
    )


def test_an_ingress_source_group_exists(aws: LocalAws) -> None:
    ec2, service, balancer = _groups(aws)
    missing = "sg-0123456789abcdef0"
    permissions = [_from_group(balancer, 8080), _from_group(missing, 9090)]
    error = refusal(
        partial(ec2.authorize_security_group_ingress, GroupId=service, IpPermissions=permissions)
    )
    assert error == {
        "Code": "InvalidGroup.NotFound",
        "Message": f"The security group '{missing}' does not exist",
    }
    assert _ingress(ec2, service) == []  # none of the request's rules was added

    ec2.authorize_security_group_ingress(GroupId=service, IpPermissions=permissions[:1])
    assert _ingress(ec2, service) == [(8080, balancer)]


def test_a_duplicate_ingress_rule_is_refused_whole(aws: LocalAws) -> None:
    ec2, service, balancer = _groups(aws)
    authorize = partial(ec2.authorize_security_group_ingress, GroupId=service)
    authorize(IpPermissions=[_from_group(balancer, 8080)])
    error = refusal(
        partial(authorize, IpPermissions=[_from_group(balancer, 9090), _from_group(balancer, 8080)])
    )
    assert error == {
        "Code": "InvalidPermission.Duplicate",
        "Message": f'the specified rule "peer: {balancer}, TCP, from port: 8080, to port: 8080, '
        'ALLOW" already exists',
    }
    assert _ingress(ec2, service) == [(8080, balancer)]  # 9090 was not added

    web = [
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ]
    ec2.authorize_security_group_ingress(GroupId=balancer, IpPermissions=web)
    error = refusal(
        partial(ec2.authorize_security_group_ingress, GroupId=balancer, IpPermissions=web)
    )
    assert error["Message"] == (
        'the specified rule "peer: 0.0.0.0/0, TCP, from port: 80, to port: 80, ALLOW" already exists'
    )

    authorize(IpPermissions=[_from_group(balancer, 9090)])
    assert _ingress(ec2, service) == [(8080, balancer), (9090, balancer)]
