"""AWS Cloud Map over HTTP: asynchronous operations, idempotency, guarded deletes, listings."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.aws.builders import http_namespace
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws


def _sd(aws: LocalAws) -> Any:
    aws.settings(operation_seconds=0)  # tests of timing set their own
    return aws.client("servicediscovery", max_attempts=1)


def _error(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call()
    response: dict[str, Any] = caught.value.response
    return response


def test_namespace_creation_is_submitted_then_pending_then_succeeds(aws: LocalAws) -> None:
    sd = _sd(aws)
    aws.settings(operation_seconds=60)
    operation_id = sd.create_http_namespace(Name="apps", CreatorRequestId="r1")["OperationId"]
    operation = sd.get_operation(OperationId=operation_id)["Operation"]
    assert (operation["Type"], operation["Status"]) == ("CREATE_NAMESPACE", "SUBMITTED")
    namespace_id = operation["Targets"]["NAMESPACE"]
    # Until the operation succeeds the namespace is not there for anyone.
    assert _error(lambda: sd.get_namespace(Id=namespace_id))["Error"]["Code"] == (
        "NamespaceNotFound"
    )
    assert sd.list_namespaces()["Namespaces"] == []

    time.sleep(0.5)
    aws.settings(operation_seconds=0.9)  # 0.5 s in: past half-time, not yet done
    assert sd.get_operation(OperationId=operation_id)["Operation"]["Status"] == "PENDING"

    aws.settings(operation_seconds=0)
    assert sd.get_operation(OperationId=operation_id)["Operation"]["Status"] == "SUCCESS"
    assert sd.get_namespace(Id=namespace_id)["Namespace"]["Name"] == "apps"


def test_operations_finish_after_the_configured_delay(aws: LocalAws) -> None:
    sd = _sd(aws)
    aws.settings(operation_seconds=0.4)
    started = time.monotonic()
    operation_id = sd.create_http_namespace(Name="apps", CreatorRequestId="r1")["OperationId"]
    aws.eventually(
        lambda: sd.get_operation(OperationId=operation_id)["Operation"]["Status"],
        until=lambda status: status == "SUCCESS",
    )
    assert time.monotonic() - started >= 0.4


def test_creator_request_id_makes_namespace_creation_idempotent(aws: LocalAws) -> None:
    sd = _sd(aws)
    aws.settings(operation_seconds=60)
    first = sd.create_http_namespace(Name="apps", CreatorRequestId="r1")["OperationId"]
    assert sd.create_http_namespace(Name="apps", CreatorRequestId="r1")["OperationId"] == first
    namespace_id = sd.get_operation(OperationId=first)["Operation"]["Targets"]["NAMESPACE"]

    aws.settings(operation_seconds=0)
    assert sd.create_http_namespace(Name="apps", CreatorRequestId="r1")["OperationId"] == first
    for other in ({"CreatorRequestId": "r2"}, {}):  # boto3 fills in a fresh id when none is given
        error = _error(lambda other=other: sd.create_http_namespace(Name="apps", **other))
        assert error["Error"]["Code"] == "NamespaceAlreadyExists"
        assert (error["CreatorRequestId"], error["NamespaceId"]) == ("r1", namespace_id)
    assert len(sd.list_namespaces()["Namespaces"]) == 1


def test_creator_request_id_makes_service_creation_idempotent(aws: LocalAws) -> None:
    sd = _sd(aws)
    namespace = http_namespace(aws, "apps")
    created = sd.create_service(Name="api", NamespaceId=namespace["Id"], CreatorRequestId="s1")
    again = sd.create_service(Name="api", NamespaceId=namespace["Arn"], CreatorRequestId="s1")
    assert again["Service"]["Id"] == created["Service"]["Id"]

    error = _error(
        lambda: sd.create_service(Name="api", NamespaceId=namespace["Id"], CreatorRequestId="s2")
    )
    assert error["Error"]["Code"] == "ServiceAlreadyExists"
    assert (error["CreatorRequestId"], error["ServiceId"], error["ServiceArn"]) == (
        "s1",
        created["Service"]["Id"],
        created["Service"]["Arn"],
    )
    unknown = _error(lambda: sd.create_service(Name="api", NamespaceId="ns-nothere"))
    assert unknown["Error"]["Code"] == "NamespaceNotFound"
    assert len(sd.list_services()["Services"]) == 1


def test_a_namespace_with_services_cannot_be_deleted(aws: LocalAws) -> None:
    sd = _sd(aws)
    namespace = http_namespace(aws, "apps")
    service_id = sd.create_service(Name="api", NamespaceId=namespace["Id"])["Service"]["Id"]
    error = _error(lambda: sd.delete_namespace(Id=namespace["Id"]))
    assert error["Error"] == {
        "Code": "ResourceInUse",
        "Message": "Namespace has associated services; delete the services before deleting "
        "the namespace",
    }

    sd.delete_service(Id=service_id)
    aws.settings(operation_seconds=60)
    operation_id = sd.delete_namespace(Id=namespace["Id"])["OperationId"]
    assert sd.get_namespace(Id=namespace["Id"])["Namespace"]["Name"] == "apps"  # not yet gone
    duplicate = _error(lambda: sd.delete_namespace(Id=namespace["Id"]))
    assert duplicate["Error"]["Code"] == "DuplicateRequest"
    assert duplicate["DuplicateOperationId"] == operation_id

    aws.settings(operation_seconds=0)
    assert sd.get_operation(OperationId=operation_id)["Operation"]["Status"] == "SUCCESS"
    assert _error(lambda: sd.get_namespace(Id=namespace["Id"]))["Error"]["Code"] == (
        "NamespaceNotFound"
    )


def test_a_service_with_instances_cannot_be_deleted(aws: LocalAws) -> None:
    sd = _sd(aws)
    namespace = http_namespace(aws, "apps")
    service_id = sd.create_service(Name="api", NamespaceId=namespace["Id"])["Service"]["Id"]
    sd.register_instance(ServiceId=service_id, InstanceId="i-1", Attributes={"PORT": "80"})
    error = _error(lambda: sd.delete_service(Id=service_id))
    assert error["Error"] == {
        "Code": "ResourceInUse",
        "Message": "Service contains registered instances; delete the instances before "
        "deleting the service",
    }
    sd.deregister_instance(ServiceId=service_id, InstanceId="i-1")
    sd.delete_service(Id=service_id)
    assert _error(lambda: sd.delete_service(Id=service_id))["Error"]["Code"] == "ServiceNotFound"


def test_registering_an_existing_instance_id_updates_it(aws: LocalAws) -> None:
    sd = _sd(aws)
    namespace = http_namespace(aws, "apps")
    service_id = sd.create_service(Name="api", NamespaceId=namespace["Id"])["Service"]["Id"]
    sd.register_instance(ServiceId=service_id, InstanceId="i-1", Attributes={"PORT": "80"})
    operation_id = sd.register_instance(
        ServiceId=service_id, InstanceId="i-1", Attributes={"PORT": "81"}
    )["OperationId"]
    assert sd.list_instances(ServiceId=service_id)["Instances"] == [
        {"Id": "i-1", "Attributes": {"PORT": "81"}}
    ]
    targets = sd.get_operation(OperationId=operation_id)["Operation"]["Targets"]
    assert targets == {"INSTANCE": "i-1", "SERVICE": service_id}


def test_namespaces_count_services_and_services_count_instances(aws: LocalAws) -> None:
    sd = _sd(aws)
    namespace = http_namespace(aws, "apps")
    ids = [
        sd.create_service(Name=name, NamespaceId=namespace["Id"])["Service"]["Id"]
        for name in ("api", "db")
    ]
    for instance in ("i-1", "i-2"):
        sd.register_instance(ServiceId=ids[0], InstanceId=instance, Attributes={"PORT": "80"})

    assert sd.get_namespace(Id=namespace["Id"])["Namespace"]["ServiceCount"] == 2
    assert sd.list_namespaces()["Namespaces"][0]["ServiceCount"] == 2
    assert sd.get_service(Id=ids[0])["Service"]["InstanceCount"] == 2
    counts = {s["Name"]: s["InstanceCount"] for s in sd.list_services()["Services"]}
    assert counts == {"api": 2, "db": 0}


def test_list_namespaces_honours_filters_and_pages(aws: LocalAws) -> None:
    sd = _sd(aws)
    for name in ("team-a", "other", "team-b"):
        http_namespace(aws, name)

    def names(**request: Any) -> list[str]:
        return [n["Name"] for n in sd.list_namespaces(**request)["Namespaces"]]

    assert names(Filters=[{"Name": "NAME", "Values": ["team-"], "Condition": "BEGINS_WITH"}]) == [
        "team-a",
        "team-b",
    ]
    assert names(Filters=[{"Name": "TYPE", "Values": ["DNS_PRIVATE"]}]) == []
    assert names(Filters=[{"Name": "HTTP_NAME", "Values": ["other"], "Condition": "EQ"}]) == [
        "other"
    ]

    first = sd.list_namespaces(MaxResults=2)
    assert [n["Name"] for n in first["Namespaces"]] == ["team-a", "other"]
    rest = sd.list_namespaces(MaxResults=2, NextToken=first["NextToken"])
    assert [n["Name"] for n in rest["Namespaces"]] == ["team-b"]
    assert "NextToken" not in rest

    # "Cloud Map gets MaxResults namespaces and then filters them": a page may come back
    # empty with a NextToken, and only following it finds the match.
    only_b = [{"Name": "NAME", "Values": ["team-b"]}]
    page = sd.list_namespaces(MaxResults=1, Filters=only_b)
    assert page["Namespaces"] == []
    assert "NextToken" in page
    pages = sd.get_paginator("list_namespaces").paginate(
        Filters=only_b, PaginationConfig={"PageSize": 1}
    )
    assert [n["Name"] for p in pages for n in p["Namespaces"]] == ["team-b"]


def test_list_services_honours_the_namespace_filter_and_pages(aws: LocalAws) -> None:
    sd = _sd(aws)
    apps, other = http_namespace(aws, "apps"), http_namespace(aws, "other")
    for name in ("a1", "a2", "a3"):
        sd.create_service(Name=name, NamespaceId=apps["Id"])
    sd.create_service(Name="o1", NamespaceId=other["Id"])

    for ref in (apps["Id"], apps["Arn"]):
        by_namespace = [{"Name": "NAMESPACE_ID", "Values": [ref], "Condition": "EQ"}]
        listed = sd.list_services(Filters=by_namespace)["Services"]
        assert sorted(s["Name"] for s in listed) == ["a1", "a2", "a3"]

    first = sd.list_services(MaxResults=3)
    assert len(first["Services"]) == 3
    rest = sd.list_services(MaxResults=3, NextToken=first["NextToken"])
    assert [s["Name"] for s in rest["Services"]] == ["o1"]
    bad = _error(lambda: sd.list_services(NextToken="not-a-token"))
    assert bad["Error"]["Code"] == "InvalidInput"


def test_list_operations_keeps_finished_ones_and_filters(aws: LocalAws) -> None:
    sd = _sd(aws)
    namespace = http_namespace(aws, "apps")
    aws.settings(operation_seconds=0)
    sd.delete_namespace(Id=namespace["Id"])
    aws.settings(operation_seconds=60)
    pending = sd.create_http_namespace(Name="later", CreatorRequestId="later")["OperationId"]

    listed = sd.list_operations()["Operations"]
    assert [op["Status"] for op in listed] == ["SUCCESS", "SUCCESS", "SUBMITTED"]
    submitted = sd.list_operations(Filters=[{"Name": "STATUS", "Values": ["SUBMITTED"]}])
    assert [op["Id"] for op in submitted["Operations"]] == [pending]
    deletes = sd.list_operations(
        Filters=[{"Name": "TYPE", "Values": ["DELETE_NAMESPACE"], "Condition": "EQ"}]
    )
    assert len(deletes["Operations"]) == 1


def test_instance_and_service_updates_are_asynchronous_too(aws: LocalAws) -> None:
    sd = _sd(aws)
    namespace = http_namespace(aws, "apps")
    service_id = sd.create_service(Name="api", NamespaceId=namespace["Id"])["Service"]["Id"]
    aws.settings(operation_seconds=60)
    operations = [
        sd.register_instance(ServiceId=service_id, InstanceId="i-1", Attributes={"PORT": "80"}),
        sd.update_service(Id=service_id, Service={"Description": "the api"}),
        sd.deregister_instance(ServiceId=service_id, InstanceId="i-1"),
    ]
    statuses = [
        sd.get_operation(OperationId=op["OperationId"])["Operation"]["Status"] for op in operations
    ]
    assert statuses == ["SUBMITTED", "SUBMITTED", "SUBMITTED"]
    aws.settings(operation_seconds=0)
    assert sd.list_operations(Filters=[{"Name": "SERVICE_ID", "Values": [service_id]}])[
        "Operations"
    ] == [{"Id": op["OperationId"], "Status": "SUCCESS"} for op in operations]
