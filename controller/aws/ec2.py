"""EC2 look-ups: the Region's default VPC and its default subnets."""

from __future__ import annotations

from typing import Any


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
