"""Helpers of the strict-mode tests: catch AWS's refusal, and the few resources a bad
request needs around it (a cluster, the default network, a private DNS namespace)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fixtures_aws import LocalAws


def refusal(call: Callable[[], Any]) -> dict[str, str]:
    """The error AWS answers to `call`: {"Code": ..., "Message": ...}."""
    with pytest.raises(ClientError) as caught:
        call()
    error: dict[str, str] = caught.value.response["Error"]
    return error


def default_network(aws: LocalAws) -> tuple[str, list[str]]:
    """The default VPC of the emulated Region and its default subnets."""
    ec2 = aws.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])
    return vpc["VpcId"], sorted(s["SubnetId"] for s in subnets["Subnets"])


def cluster_and_network(aws: LocalAws, cluster: str = "kudos-test") -> dict[str, Any]:
    """A cluster, and the awsvpc networkConfiguration of a service in the default VPC."""
    aws.client("ecs").create_cluster(clusterName=cluster)
    _, subnets = default_network(aws)
    return {"awsvpcConfiguration": {"subnets": subnets[:2], "assignPublicIp": "DISABLED"}}


def private_namespace(aws: LocalAws, name: str = "test.kudos.local") -> dict[str, Any]:
    """A private DNS namespace in the default VPC, once its operation has succeeded."""
    sd = aws.client("servicediscovery")
    vpc, _ = default_network(aws)
    operation_id = sd.create_private_dns_namespace(Name=name, Vpc=vpc, CreatorRequestId=name)[
        "OperationId"
    ]
    operation = aws.eventually(
        lambda: sd.get_operation(OperationId=operation_id)["Operation"],
        until=lambda op: op["Status"] == "SUCCESS",
    )
    namespace: dict[str, Any] = sd.get_namespace(Id=operation["Targets"]["NAMESPACE"])["Namespace"]
    return namespace
