"""Strict rules of AWS Cloud Map: creating namespaces and services, listing them.

Cloud Map checks a request against its API model first (lengths, patterns, enums, ranges) and
answers InvalidInput with the model's "N validation error(s) detected: Value ... at '...'
failed to satisfy constraint: ..." message; the rules of that kind come first here, then the
rules about how the parts of a request go together.
"""

from __future__ import annotations

import re
from typing import Any

from .rules import Request, rule

API = "https://docs.aws.amazon.com/cloud-map/latest/api"
TESTS = "tests/aws/strict/test_cloudmap.py"
SD = "servicediscovery"
CREATE_PRIVATE_DNS_NAMESPACE = f"{SD}:CreatePrivateDnsNamespace"
CREATE_HTTP_NAMESPACE = f"{SD}:CreateHttpNamespace"
CREATE_SERVICE = f"{SD}:CreateService"
LIST_NAMESPACES = f"{SD}:ListNamespaces"
LIST_SERVICES = f"{SD}:ListServices"
GET_INSTANCES_HEALTH_STATUS = f"{SD}:GetInstancesHealthStatus"
CREATES = (CREATE_PRIVATE_DNS_NAMESPACE, CREATE_HTTP_NAMESPACE, CREATE_SERVICE)

# The patterns of the API reference, as written there (Java regular expressions that must
# match the whole value; Python's fullmatch reads them the same way).
PRIVATE_DNS_NAMESPACE_NAME = r"^(?!arn:)[!-~]{1,253}$"
HTTP_NAMESPACE_NAME = r"^(?!arn:)[!-~]{1,1024}$"
SERVICE_NAME = (
    r"((?=^.{1,127}$)^([a-zA-Z0-9_][a-zA-Z0-9-_]{0,61}[a-zA-Z0-9_]|[a-zA-Z0-9])"
    r"(\.([a-zA-Z0-9_][a-zA-Z0-9-_]{0,61}[a-zA-Z0-9_]|[a-zA-Z0-9]))*$)|(^\.$)"
)
LONG_MAX = 2147483647  # DnsRecord.TTL
ROUTING_POLICIES = ("MULTIVALUE", "WEIGHTED")
RECORD_TYPES = ("SRV", "A", "AAAA", "CNAME")
NAMESPACE_FILTER_NAMES = ("TYPE", "NAME", "HTTP_NAME", "RESOURCE_OWNER")
FILTER_CONDITIONS = ("EQ", "IN", "BETWEEN", "BEGINS_WITH")
# NamespaceFilter.Condition: EQ for every filter, BEGINS_WITH for TYPE, NAME and HTTP_NAME.
# IN on TYPE is what the reference documented before BEGINS_WITH came; AWS keeps old requests
# working, so it stays accepted.
NAMESPACE_FILTER_CONDITIONS = {
    "TYPE": ("EQ", "BEGINS_WITH", "IN"),
    "NAME": ("EQ", "BEGINS_WITH"),
    "HTTP_NAME": ("EQ", "BEGINS_WITH"),
    "RESOURCE_OWNER": ("EQ",),
}
SERVICE_FILTER_NAMES = ("NAMESPACE_ID", "RESOURCE_OWNER")
# ServiceFilter.Condition: EQ; IN on NAMESPACE_ID is what the reference documented before.
SERVICE_FILTER_CONDITIONS = {"NAMESPACE_ID": ("EQ", "IN"), "RESOURCE_OWNER": ("EQ",)}


# -- the model's messages ---------------------------------------------------------------------


def _violation(value: Any, member: str, constraint: str) -> str:
    return f"Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"


def _validation(*violations: str) -> str | None:
    """InvalidInput's message for the model constraints a request breaks, None for none."""
    if not violations:
        return None
    count = len(violations)
    return f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(violations)


def _too_long(value: Any, member: str, limit: int) -> str | None:
    if isinstance(value, str) and len(value) > limit:
        return _violation(value, member, f"Member must have length less than or equal to {limit}")
    return None


def _name_violations(value: Any, limit: int, pattern: str) -> str | None:
    if not isinstance(value, str):
        return None  # botocore sends the required Name as a string
    violations = []
    too_long = _too_long(value, "name", limit)
    if too_long:
        violations.append(too_long)
    if not re.fullmatch(pattern, value):
        violations.append(
            _violation(value, "name", f"Member must satisfy regular expression pattern: {pattern}")
        )
    return _validation(*violations)


def _records(request: Request) -> list[dict[str, Any]]:
    records = request.get("DnsConfig", "DnsRecords") or []
    return [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []


def _record_types(request: Request) -> list[Any]:
    return [record.get("Type") for record in _records(request)]


# -- model constraints: namespaces ------------------------------------------------------------


@rule(
    "cloudmap.private-dns-namespace-name",
    operations=(CREATE_PRIVATE_DNS_NAMESPACE,),
    code="InvalidInput",
    summary="A private DNS namespace's `Name` is 1-253 printable ASCII characters without "
    "spaces and does not start with `arn:`.",
    source=f"{API}/API_CreatePrivateDnsNamespace.html#cloudmap-CreatePrivateDnsNamespace-request-Name",
    test=f"{TESTS}::test_a_private_dns_namespace_name_is_printable_ascii_up_to_253",
)
def _private_dns_namespace_name(request: Request) -> str | None:
    return _name_violations(request.get("Name"), 253, PRIVATE_DNS_NAMESPACE_NAME)


@rule(
    "cloudmap.http-namespace-name",
    operations=(CREATE_HTTP_NAMESPACE,),
    code="InvalidInput",
    summary="An HTTP namespace's `Name` is 1-1024 printable ASCII characters without spaces "
    "and does not start with `arn:`.",
    source=f"{API}/API_CreateHttpNamespace.html#cloudmap-CreateHttpNamespace-request-Name",
    test=f"{TESTS}::test_an_http_namespace_name_is_printable_ascii_up_to_1024",
)
def _http_namespace_name(request: Request) -> str | None:
    return _name_violations(request.get("Name"), 1024, HTTP_NAMESPACE_NAME)


# -- model constraints: shared by the creations -----------------------------------------------


@rule(
    "cloudmap.creator-request-id-length",
    operations=CREATES,
    code="InvalidInput",
    summary="`CreatorRequestId` of CreatePrivateDnsNamespace, CreateHttpNamespace and "
    "CreateService is at most 64 characters.",
    source=f"{API}/API_CreateService.html#cloudmap-CreateService-request-CreatorRequestId",
    test=f"{TESTS}::test_a_creator_request_id_is_at_most_64_characters",
)
def _creator_request_id_length(request: Request) -> str | None:
    too_long = _too_long(request.get("CreatorRequestId"), "creatorRequestId", 64)
    return _validation(too_long) if too_long else None


@rule(
    "cloudmap.description-length",
    operations=CREATES,
    code="InvalidInput",
    summary="`Description` of a namespace or service is at most 1024 characters.",
    source=f"{API}/API_CreateService.html#cloudmap-CreateService-request-Description",
    test=f"{TESTS}::test_a_description_is_at_most_1024_characters",
)
def _description_length(request: Request) -> str | None:
    too_long = _too_long(request.get("Description"), "description", 1024)
    return _validation(too_long) if too_long else None


# -- model constraints: services ---------------------------------------------------------------


@rule(
    "cloudmap.service-name",
    operations=(CREATE_SERVICE,),
    code="InvalidInput",
    summary="A service's `Name` is dot-separated labels of letters, digits, `_` and `-` "
    "(1-63 characters each, no `-` at either end), 127 characters at most.",
    source=f"{API}/API_CreateService.html#cloudmap-CreateService-request-Name",
    test=f"{TESTS}::test_a_service_name_is_dns_labels",
)
def _service_name(request: Request) -> str | None:
    name = request.get("Name")
    if not isinstance(name, str) or re.fullmatch(SERVICE_NAME, name):
        return None
    return _validation(
        _violation(name, "name", f"Member must satisfy regular expression pattern: {SERVICE_NAME}")
    )


@rule(
    "cloudmap.dns-config-values",
    operations=(CREATE_SERVICE,),
    code="InvalidInput",
    summary="`DnsConfig.RoutingPolicy` is MULTIVALUE or WEIGHTED and each record `Type` is "
    "SRV, A, AAAA or CNAME.",
    source=f"{API}/API_DnsConfig.html",
    test=f"{TESTS}::test_dns_config_values_come_from_the_enums",
)
def _dns_config_values(request: Request) -> str | None:
    violations = []
    policy = request.get("DnsConfig", "RoutingPolicy")
    if policy is not None and policy not in ROUTING_POLICIES:
        violations.append(
            _violation(
                policy,
                "dnsConfig.routingPolicy",
                f"Member must satisfy enum value set: [{', '.join(ROUTING_POLICIES)}]",
            )
        )
    for index, record_type in enumerate(_record_types(request), start=1):
        if record_type not in RECORD_TYPES:
            violations.append(
                _violation(
                    record_type,
                    f"dnsConfig.dnsRecords.{index}.member.type",
                    f"Member must satisfy enum value set: [{', '.join(RECORD_TYPES)}]",
                )
            )
    return _validation(*violations)


@rule(
    "cloudmap.dns-record-ttl",
    operations=(CREATE_SERVICE,),
    code="InvalidInput",
    summary="A DNS record's `TTL` is at most 2147483647 seconds (botocore checks only the "
    "minimum, 0).",
    source=f"{API}/API_DnsRecord.html#cloudmap-Type-DnsRecord-TTL",
    test=f"{TESTS}::test_a_dns_record_ttl_is_at_most_2147483647",
)
def _dns_record_ttl(request: Request) -> str | None:
    violations = [
        _violation(
            record["TTL"],
            f"dnsConfig.dnsRecords.{index}.member.tTL",
            f"Member must have value less than or equal to {LONG_MAX}",
        )
        for index, record in enumerate(_records(request), start=1)
        if isinstance(record.get("TTL"), int) and record["TTL"] > LONG_MAX
    ]
    return _validation(*violations)


@rule(
    "cloudmap.custom-health-check-threshold",
    operations=(CREATE_SERVICE,),
    code="InvalidInput",
    summary="`HealthCheckCustomConfig.FailureThreshold` is at most 10 (botocore checks only "
    "the minimum, 1).",
    source=f"{API}/API_HealthCheckCustomConfig.html#cloudmap-Type-HealthCheckCustomConfig-FailureThreshold",
    test=f"{TESTS}::test_a_custom_health_check_failure_threshold_is_at_most_10",
)
def _custom_health_check_threshold(request: Request) -> str | None:
    threshold = request.get("HealthCheckCustomConfig", "FailureThreshold")
    if not isinstance(threshold, int) or threshold <= 10:
        return None
    return _validation(
        _violation(
            threshold,
            "healthCheckCustomConfig.failureThreshold",
            "Member must have value less than or equal to 10",
        )
    )


# -- how the parts of a service go together ---------------------------------------------------


@rule(
    "cloudmap.http-namespace-dns-config",
    operations=(CREATE_SERVICE,),
    code="InvalidInput",
    summary="A service in an HTTP namespace has no `DnsConfig`: only DNS namespaces create "
    "Route 53 records.",
    source=f"{API}/API_CreateService.html#cloudmap-CreateService-request-DnsConfig",
    test=f"{TESTS}::test_a_service_in_an_http_namespace_has_no_dns_config",
)
def _http_namespace_dns_config(request: Request) -> str | None:
    if request.get("DnsConfig") is None:
        return None
    ref = request.get("NamespaceId") or request.get("DnsConfig", "NamespaceId")
    namespace = next(
        (ns for ns in request.cloudmap.namespaces.values() if ref in (ns.id, ns.arn)), None
    )
    if namespace is None or namespace.type != "HTTP":
        return None  # an unknown namespace is the extension's NamespaceNotFound
    return "When you specify an HTTP service, you can't include a DnsConfig element."


@rule(
    "cloudmap.cname-record-alone",
    operations=(CREATE_SERVICE,),
    code="InvalidInput",
    summary="A CNAME record is the service's only DNS record (the documented combinations "
    "are A, AAAA, A and AAAA, SRV, or CNAME; A with SRV, as ECS uses it, stays accepted).",
    source=f"{API}/API_DnsRecord.html#cloudmap-Type-DnsRecord-Type",
    test=f"{TESTS}::test_a_cname_record_comes_alone",
)
def _cname_record_alone(request: Request) -> str | None:
    types = _record_types(request)
    if "CNAME" in types and len(types) > 1:
        return "A CNAME record can't be combined with other DNS records in DnsConfig."
    return None


@rule(
    "cloudmap.cname-routing-policy",
    operations=(CREATE_SERVICE,),
    code="InvalidInput",
    summary="A service with a CNAME record uses the WEIGHTED routing policy, not MULTIVALUE.",
    source=f"{API}/API_DnsRecord.html#cloudmap-Type-DnsRecord-Type",
    test=f"{TESTS}::test_a_cname_record_needs_weighted_routing",
)
def _cname_routing_policy(request: Request) -> str | None:
    # Only an explicit MULTIVALUE: the reference does not say what an omitted policy becomes.
    if "CNAME" in _record_types(request) and request.get("DnsConfig", "RoutingPolicy") == (
        "MULTIVALUE"
    ):
        return "You must specify WEIGHTED for RoutingPolicy when DnsConfig includes a CNAME record."
    return None


@rule(
    "cloudmap.cname-health-check",
    operations=(CREATE_SERVICE,),
    code="InvalidInput",
    summary="A service with a CNAME record has no `HealthCheckConfig`.",
    source=f"{API}/API_HealthCheckConfig.html",
    test=f"{TESTS}::test_a_cname_record_has_no_route_53_health_check",
)
def _cname_health_check(request: Request) -> str | None:
    if "CNAME" in _record_types(request) and request.get("HealthCheckConfig") is not None:
        return (
            "You can't specify settings for HealthCheckConfig when the DnsConfig includes "
            "CNAME for the value of Type."
        )
    return None


@rule(
    "cloudmap.one-health-check",
    operations=(CREATE_SERVICE,),
    code="InvalidInput",
    summary="A service has `HealthCheckConfig` or `HealthCheckCustomConfig`, not both.",
    source=f"{API}/API_CreateService.html#cloudmap-CreateService-request-HealthCheckCustomConfig",
    test=f"{TESTS}::test_a_service_has_one_kind_of_health_check",
)
def _one_health_check(request: Request) -> str | None:
    if request.get("HealthCheckConfig") is not None and (
        request.get("HealthCheckCustomConfig") is not None
    ):
        return "You can specify either HealthCheckCustomConfig or HealthCheckConfig but not both."
    return None


# -- listings ---------------------------------------------------------------------------------


def _filters(request: Request) -> list[tuple[int, dict[str, Any]]]:
    filters = request.get("Filters") or []
    if not isinstance(filters, list):
        return []
    return [(i, f) for i, f in enumerate(filters, start=1) if isinstance(f, dict)]


def _filter_enum_violations(request: Request, names: tuple[str, ...]) -> str | None:
    violations = []
    for index, spec in _filters(request):
        name, condition = spec.get("Name"), spec.get("Condition")
        if name not in names:
            violations.append(
                _violation(
                    name,
                    f"filters.{index}.member.name",
                    f"Member must satisfy enum value set: [{', '.join(names)}]",
                )
            )
        if condition is not None and condition not in FILTER_CONDITIONS:
            violations.append(
                _violation(
                    condition,
                    f"filters.{index}.member.condition",
                    f"Member must satisfy enum value set: [{', '.join(FILTER_CONDITIONS)}]",
                )
            )
    return _validation(*violations)


def _unsupported_condition(
    request: Request, supported_by: dict[str, tuple[str, ...]]
) -> str | None:
    for _, spec in _filters(request):
        name, condition = spec.get("Name"), spec.get("Condition") or "EQ"  # EQ is the default
        supported = supported_by.get(str(name))
        if supported is None or condition not in FILTER_CONDITIONS:
            continue  # the enums' rule answers those
        if condition not in supported:
            return f"The {condition} condition is not supported for the {name} filter."
        values = spec.get("Values")
        if condition in ("EQ", "BEGINS_WITH") and (
            not isinstance(values, list) or len(values) != 1
        ):
            return f"When you specify {condition} for Condition, you can specify only one value."
    return None


@rule(
    "cloudmap.list-max-results",
    operations=(LIST_NAMESPACES, LIST_SERVICES),
    code="InvalidInput",
    summary="`MaxResults` of ListNamespaces and ListServices is at most 100 (botocore checks "
    "only the minimum, 1).",
    source=f"{API}/API_ListServices.html#cloudmap-ListServices-request-MaxResults",
    test=f"{TESTS}::test_a_listing_page_is_at_most_100",
)
def _list_max_results(request: Request) -> str | None:
    size = request.get("MaxResults")
    if not isinstance(size, int) or size <= 100:
        return None
    return _validation(
        _violation(size, "maxResults", "Member must have value less than or equal to 100")
    )


@rule(
    "cloudmap.health-status-max-results",
    operations=(GET_INSTANCES_HEALTH_STATUS,),
    code="InvalidInput",
    summary="`MaxResults` of GetInstancesHealthStatus is at most 100 (botocore checks only "
    "the minimum, 1).",
    source=f"{API}/API_GetInstancesHealthStatus.html"
    "#cloudmap-GetInstancesHealthStatus-request-MaxResults",
    test=f"{TESTS}::test_a_health_status_page_is_at_most_100",
)
def _health_status_max_results(request: Request) -> str | None:
    return _list_max_results(request)


@rule(
    "cloudmap.namespace-filter-enums",
    operations=(LIST_NAMESPACES,),
    code="InvalidInput",
    summary="A ListNamespaces filter's `Name` is TYPE, NAME, HTTP_NAME or RESOURCE_OWNER and "
    "its `Condition` EQ, IN, BETWEEN or BEGINS_WITH.",
    source=f"{API}/API_NamespaceFilter.html",
    test=f"{TESTS}::test_namespace_filter_names_and_conditions_come_from_the_enums",
)
def _namespace_filter_enums(request: Request) -> str | None:
    return _filter_enum_violations(request, NAMESPACE_FILTER_NAMES)


@rule(
    "cloudmap.namespace-filter-conditions",
    operations=(LIST_NAMESPACES,),
    code="InvalidInput",
    summary="A ListNamespaces filter uses a condition its name supports (EQ for all; "
    "BEGINS_WITH for TYPE, NAME and HTTP_NAME; never BETWEEN), and EQ or BEGINS_WITH with "
    "exactly one value.",
    source=f"{API}/API_NamespaceFilter.html#cloudmap-Type-NamespaceFilter-Condition",
    test=f"{TESTS}::test_namespace_filters_use_the_conditions_their_names_support",
)
def _namespace_filter_conditions(request: Request) -> str | None:
    return _unsupported_condition(request, NAMESPACE_FILTER_CONDITIONS)


@rule(
    "cloudmap.service-filter-enums",
    operations=(LIST_SERVICES,),
    code="InvalidInput",
    summary="A ListServices filter's `Name` is NAMESPACE_ID or RESOURCE_OWNER and its "
    "`Condition` EQ, IN, BETWEEN or BEGINS_WITH.",
    source=f"{API}/API_ServiceFilter.html",
    test=f"{TESTS}::test_service_filter_names_and_conditions_come_from_the_enums",
)
def _service_filter_enums(request: Request) -> str | None:
    return _filter_enum_violations(request, SERVICE_FILTER_NAMES)


@rule(
    "cloudmap.service-filter-conditions",
    operations=(LIST_SERVICES,),
    code="InvalidInput",
    summary="A ListServices filter's condition is EQ with exactly one value (IN also for "
    "NAMESPACE_ID); BETWEEN and BEGINS_WITH are refused.",
    source=f"{API}/API_ServiceFilter.html#cloudmap-Type-ServiceFilter-Condition",
    test=f"{TESTS}::test_service_filters_use_eq",
)
def _service_filter_conditions(request: Request) -> str | None:
    return _unsupported_condition(request, SERVICE_FILTER_CONDITIONS)
