"""EC2 calls: the Region's default VPC and subnets, and load balancers' security groups."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from ..naming import to_aws_tags


def default_network(ec2: Any) -> tuple[str, list[str]] | None:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    if not vpcs:
        return None
    vpc_id: str = vpcs[0]["VpcId"]
    subnets = ec2.describe_subnets(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "default-for-az", "Values": ["true"]},
        ]
    )["Subnets"]
    return vpc_id, sorted(s["SubnetId"] for s in subnets)


def vpc_cidr(ec2: Any, vpc_id: str) -> str | None:
    vpcs = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    return str(vpcs[0]["CidrBlock"]) if vpcs else None


def describe_security_group(ec2: Any, group_id: str) -> dict[str, Any] | None:
    try:
        groups = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "InvalidGroup.NotFound":
            return None
        raise
    return dict(groups[0]) if groups else None


def find_security_group(ec2: Any, vpc_id: str, name: str) -> dict[str, Any] | None:
    groups = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": [name]},
        ]
    )["SecurityGroups"]
    return dict(groups[0]) if groups else None


def default_security_group(ec2: Any, vpc_id: str) -> str | None:
    found = find_security_group(ec2, vpc_id, "default")
    return str(found["GroupId"]) if found else None


def create_security_group(ec2: Any, request: dict[str, Any]) -> str:
    group_id: str = ec2.create_security_group(**request)["GroupId"]
    return group_id


def authorize_ingress(ec2: Any, group_id: str, permissions: list[dict[str, Any]]) -> None:
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=permissions)


def tag(ec2: Any, resource_id: str, tags: dict[str, str]) -> None:
    ec2.create_tags(Resources=[resource_id], Tags=to_aws_tags(tags, "Key", "Value"))


def delete_security_group(ec2: Any, group_id: str) -> None:
    ec2.delete_security_group(GroupId=group_id)
