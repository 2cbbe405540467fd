"""Strict mode, Cloud Map: each test sends a request AWS refuses and gets AWS's error, then
the corrected request and sees it accepted (so the rule is not stricter than AWS)."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from tests.aws.builders import http_namespace
from tests.aws.strict.refusals import default_network, private_namespace, refusal
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws

VALIDATION = "1 validation error detected: Value"


def _sd(aws: LocalAws) -> Any:
    aws.settings(operation_seconds=0)
    return aws.client("servicediscovery", max_attempts=1)


def _service(aws: LocalAws, namespace: dict[str, Any], **request: Any) -> dict[str, Any]:
    """CreateService `api` in the namespace, with the request's other parameters."""
    created: dict[str, Any] = _sd(aws).create_service(
        **{"Name": "api", "NamespaceId": namespace["Id"], **request}
    )["Service"]
    return created


def _public_namespace(aws: LocalAws, name: str = "kudos.example.com") -> dict[str, Any]:
    """A public DNS namespace (the kind that takes a Route 53 health check)."""
    sd = _sd(aws)
    operation_id = sd.create_public_dns_namespace(Name=name, CreatorRequestId=name)["OperationId"]
    namespace_id = sd.get_operation(OperationId=operation_id)["Operation"]["Targets"]["NAMESPACE"]
    namespace: dict[str, Any] = sd.get_namespace(Id=namespace_id)["Namespace"]
    return namespace


def _dns(*record_types: str, **config: Any) -> dict[str, Any]:
    return {"DnsRecords": [{"Type": t, "TTL": 10} for t in record_types], **config}


# -- namespaces --------------------------------------------------------------------------------


def test_a_private_dns_namespace_name_is_printable_ascii_up_to_253(aws: LocalAws) -> None:
    sd = _sd(aws)
    vpc, _ = default_network(aws)
    for bad in ("my namespace.local", "arn:aws:kudos.local", "a" * 254):
        error = refusal(partial(sd.create_private_dns_namespace, Name=bad, Vpc=vpc))
        assert error["Code"] == "InvalidInput"
        assert "at 'name' failed to satisfy constraint" in error["Message"]
    too_long = refusal(lambda: sd.create_private_dns_namespace(Name="a" * 254, Vpc=vpc))
    assert too_long["Message"].startswith("2 validation errors detected")
    assert "Member must have length less than or equal to 253" in too_long["Message"]

    name = ("a" * 61 + ".") * 4 + "local"  # 253 characters
    assert sd.create_private_dns_namespace(Name=name, Vpc=vpc)["OperationId"]


def test_an_http_namespace_name_is_printable_ascii_up_to_1024(aws: LocalAws) -> None:
    sd = _sd(aws)
    error = refusal(lambda: sd.create_http_namespace(Name="team apps"))
    assert error["Code"] == "InvalidInput"
    assert error["Message"].startswith(VALIDATION)
    assert "Member must satisfy regular expression pattern: ^(?!arn:)" in error["Message"]
    too_long = refusal(lambda: sd.create_http_namespace(Name="a" * 1025))
    assert "Member must have length less than or equal to 1024" in too_long["Message"]

    assert sd.create_http_namespace(Name="a" * 1024)["OperationId"]
    assert sd.create_http_namespace(Name="team-apps_2")["OperationId"]


def test_a_creator_request_id_is_at_most_64_characters(aws: LocalAws) -> None:
    sd = _sd(aws)
    namespace = http_namespace(aws, "apps")
    vpc, _ = default_network(aws)
    for call in (
        lambda request_id: sd.create_http_namespace(Name="other", CreatorRequestId=request_id),
        lambda request_id: sd.create_private_dns_namespace(
            Name="kudos.local", Vpc=vpc, CreatorRequestId=request_id
        ),
        lambda request_id: _service(aws, namespace, CreatorRequestId=request_id),
    ):
        error = refusal(partial(call, "r" * 65))
        assert error["Code"] == "InvalidInput"
        assert (
            "at 'creatorRequestId' failed to satisfy constraint: Member must have length less "
            "than or equal to 64"
        ) in error["Message"]
        assert call("r" * 64)


def test_a_description_is_at_most_1024_characters(aws: LocalAws) -> None:
    sd = _sd(aws)
    namespace = http_namespace(aws, "apps")
    vpc, _ = default_network(aws)
    for call in (
        lambda text: sd.create_http_namespace(Name="other", Description=text),
        lambda text: sd.create_private_dns_namespace(Name="kudos.local", Vpc=vpc, Description=text),
        lambda text: _service(aws, namespace, Description=text),
    ):
        error = refusal(partial(call, "d" * 1025))
        assert error["Code"] == "InvalidInput"
        assert "at 'description' failed to satisfy constraint" in error["Message"]
        assert call("d" * 1024)


# -- services ---------------------------------------------------------------------------------


def test_a_service_name_is_dns_labels(aws: LocalAws) -> None:
    namespace = http_namespace(aws, "apps")
    for bad in ("-api", "api-", "my api", "api!", "a" * 64, "_"):
        error = refusal(partial(_service, aws, namespace, Name=bad))
        assert error["Code"] == "InvalidInput"
        assert (
            "at 'name' failed to satisfy constraint: Member must satisfy regular"
            in (error["Message"])
        )
    for good in ("api", "a" * 63, "_api._tcp", "Api-2"):
        assert _service(aws, namespace, Name=good)["Name"] == good


def test_dns_config_values_come_from_the_enums(aws: LocalAws) -> None:
    namespace = private_namespace(aws)
    policy = refusal(lambda: _service(aws, namespace, DnsConfig=_dns("A", RoutingPolicy="RANDOM")))
    assert policy["Code"] == "InvalidInput"
    assert "Value 'RANDOM' at 'dnsConfig.routingPolicy'" in policy["Message"]
    assert "Member must satisfy enum value set: [MULTIVALUE, WEIGHTED]" in policy["Message"]
    record = refusal(lambda: _service(aws, namespace, DnsConfig=_dns("A", "MX")))
    assert "Value 'MX' at 'dnsConfig.dnsRecords.2.member.type'" in record["Message"]

    created = _service(aws, namespace, DnsConfig=_dns("A", "AAAA", RoutingPolicy="WEIGHTED"))
    assert created["DnsConfig"]["RoutingPolicy"] == "WEIGHTED"


def test_a_dns_record_ttl_is_at_most_2147483647(aws: LocalAws) -> None:
    namespace = private_namespace(aws)
    too_long = {"DnsRecords": [{"Type": "A", "TTL": 2147483648}]}
    error = refusal(lambda: _service(aws, namespace, DnsConfig=too_long))
    assert error["Code"] == "InvalidInput"
    assert "Member must have value less than or equal to 2147483647" in error["Message"]

    longest = {"DnsRecords": [{"Type": "A", "TTL": 2147483647}]}
    assert _service(aws, namespace, DnsConfig=longest)["DnsConfig"]["DnsRecords"][0]["TTL"] == (
        2147483647
    )


def test_a_custom_health_check_failure_threshold_is_at_most_10(aws: LocalAws) -> None:
    namespace = private_namespace(aws)
    error = refusal(
        lambda: _service(
            aws, namespace, DnsConfig=_dns("A"), HealthCheckCustomConfig={"FailureThreshold": 11}
        )
    )
    assert error["Code"] == "InvalidInput"
    assert "Value '11' at 'healthCheckCustomConfig.failureThreshold'" in error["Message"]
    assert "Member must have value less than or equal to 10" in error["Message"]

    created = _service(
        aws, namespace, DnsConfig=_dns("A"), HealthCheckCustomConfig={"FailureThreshold": 10}
    )
    assert created["Name"] == "api"


def test_a_service_in_an_http_namespace_has_no_dns_config(aws: LocalAws) -> None:
    namespace = http_namespace(aws, "apps")
    for ref in (namespace["Id"], namespace["Arn"]):
        error = refusal(partial(_service, aws, {"Id": ref}, DnsConfig=_dns("A", "SRV")))
        assert error == {
            "Code": "InvalidInput",
            "Message": "When you specify an HTTP service, you can't include a DnsConfig element.",
        }
    assert _service(aws, namespace)["NamespaceId"] == namespace["Id"]

    dns = private_namespace(aws)  # a DNS namespace takes the same DnsConfig
    assert _service(aws, dns, DnsConfig=_dns("A", "SRV"))["NamespaceId"] == dns["Id"]


def test_a_cname_record_comes_alone(aws: LocalAws) -> None:
    namespace = private_namespace(aws)
    error = refusal(
        lambda: _service(aws, namespace, DnsConfig=_dns("CNAME", "A", RoutingPolicy="WEIGHTED"))
    )
    assert error["Code"] == "InvalidInput"
    assert "CNAME record can't be combined" in error["Message"]

    alone = _service(aws, namespace, DnsConfig=_dns("CNAME", RoutingPolicy="WEIGHTED"))
    assert [r["Type"] for r in alone["DnsConfig"]["DnsRecords"]] == ["CNAME"]


def test_a_cname_record_needs_weighted_routing(aws: LocalAws) -> None:
    namespace = private_namespace(aws)
    error = refusal(
        lambda: _service(aws, namespace, DnsConfig=_dns("CNAME", RoutingPolicy="MULTIVALUE"))
    )
    assert error["Code"] == "InvalidInput"
    assert "You must specify WEIGHTED for RoutingPolicy" in error["Message"]

    created = _service(aws, namespace, DnsConfig=_dns("CNAME", RoutingPolicy="WEIGHTED"))
    assert created["DnsConfig"]["RoutingPolicy"] == "WEIGHTED"


def test_a_cname_record_has_no_route_53_health_check(aws: LocalAws) -> None:
    namespace = _public_namespace(aws)
    cname = _dns("CNAME", RoutingPolicy="WEIGHTED")
    error = refusal(
        lambda: _service(
            aws, namespace, DnsConfig=cname, HealthCheckConfig={"Type": "HTTP", "ResourcePath": "/"}
        )
    )
    assert error["Code"] == "InvalidInput"
    assert "You can't specify settings for HealthCheckConfig" in error["Message"]

    assert _service(aws, namespace, DnsConfig=cname)["Name"] == "api"


def test_a_service_has_one_kind_of_health_check(aws: LocalAws) -> None:
    namespace = http_namespace(aws, "apps")
    error = refusal(
        lambda: _service(
            aws,
            namespace,
            HealthCheckConfig={"Type": "HTTP", "ResourcePath": "/"},
            HealthCheckCustomConfig={"FailureThreshold": 1},
        )
    )
    assert error["Code"] == "InvalidInput"
    assert "either HealthCheckCustomConfig or HealthCheckConfig but not both" in error["Message"]

    created = _service(aws, namespace, HealthCheckCustomConfig={"FailureThreshold": 1})
    assert created["HealthCheckCustomConfig"] == {"FailureThreshold": 1}


# -- namespace listings ------------------------------------------------------------------------


def test_namespace_filter_names_and_conditions_come_from_the_enums(aws: LocalAws) -> None:
    sd = _sd(aws)
    http_namespace(aws, "apps")
    name = refusal(lambda: sd.list_namespaces(Filters=[{"Name": "ID", "Values": ["ns-1"]}]))
    assert name["Code"] == "InvalidInput"
    assert "Value 'ID' at 'filters.1.member.name'" in name["Message"]
    assert "enum value set: [TYPE, NAME, HTTP_NAME, RESOURCE_OWNER]" in name["Message"]
    condition = [{"Name": "NAME", "Values": ["apps"], "Condition": "LIKE"}]
    error = refusal(lambda: sd.list_namespaces(Filters=condition))
    assert "Value 'LIKE' at 'filters.1.member.condition'" in error["Message"]

    by_name = [{"Name": "NAME", "Values": ["apps"], "Condition": "EQ"}]
    assert [n["Name"] for n in sd.list_namespaces(Filters=by_name)["Namespaces"]] == ["apps"]


def test_namespace_filters_use_the_conditions_their_names_support(aws: LocalAws) -> None:
    sd = _sd(aws)
    http_namespace(aws, "apps")

    def listed(*filters: dict[str, Any]) -> list[str]:
        return [n["Name"] for n in sd.list_namespaces(Filters=list(filters))["Namespaces"]]

    refused = [
        ({"Name": "NAME", "Values": ["a", "b"], "Condition": "BETWEEN"}, "BETWEEN condition"),
        ({"Name": "NAME", "Values": ["apps", "other"], "Condition": "IN"}, "IN condition"),
        ({"Name": "RESOURCE_OWNER", "Values": ["SE"], "Condition": "BEGINS_WITH"}, "BEGINS_WITH"),
        ({"Name": "NAME", "Values": ["apps", "other"]}, "specify only one value"),
        ({"Name": "HTTP_NAME", "Values": ["a", "b"], "Condition": "BEGINS_WITH"}, "only one"),
    ]
    for spec, phrase in refused:
        error = refusal(partial(listed, spec))
        assert error["Code"] == "InvalidInput", spec
        assert phrase in error["Message"], spec

    assert listed({"Name": "NAME", "Values": ["apps"]}) == ["apps"]  # EQ is the default
    assert listed({"Name": "NAME", "Values": ["ap"], "Condition": "BEGINS_WITH"}) == ["apps"]
    assert listed({"Name": "TYPE", "Values": ["HTTP", "DNS_PRIVATE"], "Condition": "IN"}) == [
        "apps"
    ]
    assert listed({"Name": "RESOURCE_OWNER", "Values": ["SELF"], "Condition": "EQ"}) == ["apps"]


def test_a_listing_page_is_at_most_100(aws: LocalAws) -> None:
    sd = _sd(aws)
    http_namespace(aws, "apps")
    for listing in (sd.list_namespaces, sd.list_services):
        error = refusal(partial(listing, MaxResults=101))
        assert error["Code"] == "InvalidInput"
        assert "Value '101' at 'maxResults' failed to satisfy constraint" in error["Message"]
        assert "Member must have value less than or equal to 100" in error["Message"]
        assert "NextToken" not in listing(MaxResults=100)


def _services(aws: LocalAws, *filters: dict[str, Any]) -> list[str]:
    return [s["Name"] for s in _sd(aws).list_services(Filters=list(filters))["Services"]]


def test_service_filter_names_and_conditions_come_from_the_enums(aws: LocalAws) -> None:
    namespace = http_namespace(aws, "apps")
    _service(aws, namespace)
    name = refusal(partial(_services, aws, {"Name": "NAMESPACE", "Values": [namespace["Id"]]}))
    assert name["Code"] == "InvalidInput"
    assert "Value 'NAMESPACE' at 'filters.1.member.name'" in name["Message"]
    assert "enum value set: [NAMESPACE_ID, RESOURCE_OWNER]" in name["Message"]
    by_id = {"Name": "NAMESPACE_ID", "Values": [namespace["Id"]]}
    condition = refusal(partial(_services, aws, {**by_id, "Condition": "eq"}))
    assert "Value 'eq' at 'filters.1.member.condition'" in condition["Message"]

    assert _services(aws, {**by_id, "Condition": "EQ"}) == ["api"]


def test_service_filters_use_eq(aws: LocalAws) -> None:
    namespace, other = http_namespace(aws, "apps"), http_namespace(aws, "other")
    _service(aws, namespace)
    ids = [namespace["Id"], other["Id"]]
    refused = [
        ({"Name": "NAMESPACE_ID", "Values": ids}, "specify only one value"),
        ({"Name": "NAMESPACE_ID", "Values": ["ns-"], "Condition": "BEGINS_WITH"}, "BEGINS_WITH"),
        ({"Name": "NAMESPACE_ID", "Values": ids, "Condition": "BETWEEN"}, "BETWEEN condition"),
        ({"Name": "RESOURCE_OWNER", "Values": ["SELF", "X"], "Condition": "IN"}, "IN condition"),
    ]
    for spec, phrase in refused:
        error = refusal(partial(_services, aws, spec))
        assert error["Code"] == "InvalidInput", spec
        assert phrase in error["Message"], spec

    assert _services(aws, {"Name": "NAMESPACE_ID", "Values": [namespace["Arn"]]}) == ["api"]
    assert _services(aws, {"Name": "RESOURCE_OWNER", "Values": ["SELF"]}) == ["api"]
    # IN on NAMESPACE_ID: what the reference documented before, still accepted.
    assert _services(aws, {"Name": "NAMESPACE_ID", "Values": ids, "Condition": "IN"}) == ["api"]


def test_a_health_status_page_is_at_most_100(aws: LocalAws) -> None:
    sd = _sd(aws)
    service = _service(aws, http_namespace(aws, "apps"))
    sd.register_instance(ServiceId=service["Id"], InstanceId="task-1", Attributes={"A": "1"})
    error = refusal(
        partial(sd.get_instances_health_status, ServiceId=service["Id"], MaxResults=101)
    )
    assert error["Code"] == "InvalidInput"
    assert "Value '101' at 'maxResults' failed to satisfy constraint" in error["Message"]
    page = sd.get_instances_health_status(ServiceId=service["Id"], MaxResults=100)
    assert list(page["Status"]) == ["task-1"]
    # A service that is not there (deleted since it was listed) is ServiceNotFound.
    unknown = refusal(partial(sd.get_instances_health_status, ServiceId="srv-0000000000000000"))
    assert unknown["Code"] == "ServiceNotFound"
