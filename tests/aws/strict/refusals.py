"""Helpers of the strict-mode tests: catch AWS's refusal, and the few resources a bad
request needs around it (a cluster, the default network, a private DNS namespace)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.aws.builders import default_network, network
from tests.fixtures_aws import LocalAws

__all__ = ["cluster_and_network", "default_network", "private_namespace", "refusal"]


def refusal(call: Callable[[], Any]) -> dict[str, str]:
    """The error AWS answers to `call`: {"Code": ..., "Message": ...}."""
    with pytest.raises(ClientError) as caught:
        call()
    error: dict[str, str] = caught.value.response["Error"]
    return error


def cluster_and_network(aws: LocalAws, cluster: str = "kudos-test") -> dict[str, Any]:
    """A cluster, and the awsvpc networkConfiguration of a service in the default VPC."""
    aws.client("ecs").create_cluster(clusterName=cluster)
    return network(aws)


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
