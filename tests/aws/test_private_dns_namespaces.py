"""Cloud Map private DNS namespaces over HTTP: several names share a VPC; a name already in
the VPC fails the creation operation the way Route 53 refuses its hosted zone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws.strict.refusals import default_network
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws


def _create(sd: Any, name: str, vpc: str, request_id: str) -> str:
    operation_id: str = sd.create_private_dns_namespace(
        Name=name, Vpc=vpc, CreatorRequestId=request_id
    )["OperationId"]
    return operation_id


def _finished(aws: LocalAws, sd: Any, operation_id: str) -> dict[str, Any]:
    operation: dict[str, Any] = aws.eventually(
        lambda: sd.get_operation(OperationId=operation_id)["Operation"],
        until=lambda op: op["Status"] in ("SUCCESS", "FAIL"),
    )
    return operation


def _private_names(sd: Any) -> list[str]:
    return sorted(ns["Name"] for ns in sd.list_namespaces()["Namespaces"])


def test_private_namespaces_of_different_names_share_a_vpc(aws: LocalAws) -> None:
    sd = aws.client("servicediscovery", max_attempts=1)
    vpc, _ = default_network(aws)
    # An environment's {env}.{app}.local beside the app's {app}.local and an unrelated name.
    names = ["test.kudos.local", "kudos.local", "other.internal"]
    for name in names:
        operation = _finished(aws, sd, _create(sd, name, vpc, f"create-{name}"))
        assert operation["Status"] == "SUCCESS"
        namespace = sd.get_namespace(Id=operation["Targets"]["NAMESPACE"])["Namespace"]
        assert (namespace["Name"], namespace["Type"]) == (name, "DNS_PRIVATE")
    assert _private_names(sd) == sorted(names)


def test_the_same_name_twice_in_one_vpc_fails_its_operation(aws: LocalAws) -> None:
    sd = aws.client("servicediscovery", max_attempts=1)
    aws.settings(operation_seconds=0.3)
    vpc, _ = default_network(aws)
    first = _create(sd, "kudos.local", vpc, "first")
    assert _finished(aws, sd, first)["Status"] == "SUCCESS"
    assert _create(sd, "kudos.local", vpc, "first") == first  # a retry, not a second request

    second = _create(sd, "kudos.local", vpc, "second")  # accepted: the operation fails
    assert sd.get_operation(OperationId=second)["Operation"]["Status"] == "SUBMITTED"
    failed = _finished(aws, sd, second)
    assert (failed["Type"], failed["Status"]) == ("CREATE_NAMESPACE", "FAIL")
    assert failed["ErrorCode"] == "CANNOT_CREATE_HOSTED_ZONE"
    assert f"The VPC that you chose, {vpc} in region" in failed["ErrorMessage"]
    assert "Error Code: ConflictingDomainExists" in failed["ErrorMessage"]
    assert _private_names(sd) == ["kudos.local"]

    other_vpc = aws.client("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    elsewhere = _finished(aws, sd, _create(sd, "kudos.local", other_vpc, "elsewhere"))
    assert elsewhere["Status"] == "SUCCESS"
    assert _private_names(sd) == ["kudos.local", "kudos.local"]
