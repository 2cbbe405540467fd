"""Strict rules of Elastic Load Balancing v2: Application Load Balancers, their listeners and
rules, and target groups.

moto's elbv2 backend already refuses some of what AWS refuses, with AWS's code and message:
a target group's name (up to 32 alphanumerics and hyphens, no hyphen at either end), the
protocol, port and VPC an ip or instance target group needs, a priority already used on the
listener (PriorityInUse), and a path-pattern or host-header value longer than 128 characters.
tests/aws/strict/test_elbv2.py pins those. The rules below are what moto accepts (or answers
with another message) and AWS refuses.

The query protocol carries every value as a string; `Request.form` nests the flattened names
(Conditions.member.1.PathPatternConfig.Values.member.1) into objects and lists. Where AWS's
message is not documented, the rule writes one in AWS's style and says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .rules import Request, rule

API = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference"
GUIDE = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application"
TESTS = "tests/aws/strict/test_elbv2.py"
ELB = "elasticloadbalancing"
CREATE_LOAD_BALANCER = (f"{ELB}:CreateLoadBalancer",)
LOAD_BALANCER_SUBNETS = (f"{ELB}:CreateLoadBalancer", f"{ELB}:SetSubnets")
CREATE_TARGET_GROUP = (f"{ELB}:CreateTargetGroup",)
TARGET_GROUP_HEALTH = (f"{ELB}:CreateTargetGroup", f"{ELB}:ModifyTargetGroup")
CREATE_LISTENER = (f"{ELB}:CreateListener",)
LISTENER_PORT = (f"{ELB}:CreateListener", f"{ELB}:ModifyListener")
RULE_CONDITIONS = (f"{ELB}:CreateRule", f"{ELB}:ModifyRule")

# CreateLoadBalancer.Name: "can have a maximum of 32 characters, must contain only
# alphanumeric characters or hyphens, must not begin or end with a hyphen, and must not begin
# with "internal-"." (CreateTargetGroup.Name: the same but "internal-"; moto checks that one.)
NAME_MAX = 32
NAME_CHARACTERS = re.compile(r"[A-Za-z0-9-]+")
INTERNAL_PREFIX = "internal-"
# The enums of the API reference (LoadBalancerSchemeEnum, LoadBalancerTypeEnum,
# TargetTypeEnum, ProtocolEnum), as AWS lists them in its validation messages.
SCHEMES = ("internet-facing", "internal")
LOAD_BALANCER_TYPES = ("application", "network", "gateway")
TARGET_TYPES = ("instance", "ip", "lambda", "alb")
PROTOCOLS = ("HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE", "QUIC", "TCP_QUIC")
# Port (CreateTargetGroup.Port, CreateListener.Port): "Minimum value of 1. Maximum value of
# 65535."
PORT_RANGE = (1, 65535)
# CreateTargetGroup: HealthCheckIntervalSeconds 5-300, HealthCheckTimeoutSeconds 2-120,
# HealthyThresholdCount and UnhealthyThresholdCount 2-10.
HEALTH_CHECK_RANGES = {
    "HealthCheckIntervalSeconds": (5, 300),
    "HealthCheckTimeoutSeconds": (2, 120),
    "HealthyThresholdCount": (2, 10),
    "UnhealthyThresholdCount": (2, 10),
}
# Matcher.HttpCode: "200", "200,202" or "200-299"; for Application Load Balancers (HTTP and
# HTTPS target groups, and lambda ones) between 200 and 499, for Network Load Balancers
# between 200 and 599, for Gateway Load Balancers 200-399.
HTTP_CODE = re.compile(r"\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*")
HTTP_CODE_RANGES = {"TCP": 599, "TLS": 599, "UDP": 599, "TCP_UDP": 599, "QUIC": 599}
HTTP_CODE_RANGES |= {"TCP_QUIC": 599, "GENEVE": 399}
HTTP_CODE_MAX_ALB = 499
# CreateRule.Priority: "Minimum value of 1. Maximum value of 50000."
PRIORITY_RANGE = (1, 50000)
# Quotas for your Application Load Balancers, Rules: "Condition values per rule: 5".
CONDITION_VALUES_MAX = 5
# HostHeaderConditionConfig.Values: "The following wildcard characters are supported: *
# (matches 0 or more characters) and ? (matches exactly 1 character). You must include at
# least one "." character. You can include only alphabetical characters after the final "."
# character." The characters a host name may have: A-Z, a-z, 0-9, - . * ? (the Application
# Load Balancers Guide, "Host conditions").
HOST_HEADER = re.compile(r"[A-Za-z0-9.*?-]*\.[A-Za-z*?]+")


def _int(value: Any) -> int | None:
    """A query-protocol integer ("80"), or None when absent or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _list(value: Any) -> list[Any]:
    """A query-protocol list: an empty one travels as "" (or not at all)."""
    return value if isinstance(value, list) else []


def _enum_message(value: Any, field: str, allowed: tuple[str, ...]) -> str:
    return (
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
        f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"
    )


def _range_message(value: int, field: str, bounds: tuple[int, int]) -> str | None:
    """AWS's validation message for `value` outside `bounds`, or None when inside them."""
    least, most = bounds
    if value < least:
        return (
            f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
            f"constraint: Member must have value greater than or equal to {least}"
        )
    if value > most:
        return (
            f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
            f"constraint: Member must have value less than or equal to {most}"
        )
    return None


def _camel(name: str) -> str:
    return name[0].lower() + name[1:]


# -- load balancers ----------------------------------------------------------------------------


@rule(
    "elbv2.load-balancer-name",
    operations=CREATE_LOAD_BALANCER,
    code="ValidationError",
    summary="A load balancer's `Name` has up to 32 alphanumerics and hyphens, does not begin "
    "or end with a hyphen, and does not begin with `internal-`.",
    source=f"{API}/API_CreateLoadBalancer.html",
    test=f"{TESTS}::test_a_load_balancer_name_is_32_alphanumerics_or_hyphens",
)
def _load_balancer_name(request: Request) -> str | None:
    name = request.get("Name")
    if not isinstance(name, str):
        return None
    # The length message is AWS's; the others are written in its style.
    if len(name) > NAME_MAX:
        return f"The load balancer name '{name}' cannot be longer than '{NAME_MAX}' characters"
    if not NAME_CHARACTERS.fullmatch(name):
        return (
            f"The load balancer name '{name}' can only contain characters that are "
            "alphanumeric characters or hyphens(-)"
        )
    if name.startswith("-") or name.endswith("-"):
        return f"The load balancer name '{name}' cannot begin or end with '-'"
    if name.startswith(INTERNAL_PREFIX):
        return f"The load balancer name '{name}' cannot begin with '{INTERNAL_PREFIX}'"
    return None


@rule(
    "elbv2.load-balancer-scheme-and-type",
    operations=CREATE_LOAD_BALANCER,
    code="ValidationError",
    summary="A load balancer's `Scheme` is internet-facing or internal and its `Type` "
    "application, network or gateway.",
    source=f"{API}/API_CreateLoadBalancer.html",
    test=f"{TESTS}::test_a_load_balancer_scheme_is_internet_facing_or_internal",
)
def _load_balancer_scheme_and_type(request: Request) -> str | None:
    for field, allowed in (("Scheme", SCHEMES), ("Type", LOAD_BALANCER_TYPES)):
        value = request.get(field)
        if value is not None and value not in allowed:
            return _enum_message(value, _camel(field), allowed)
    return None


def load_balancer_settings(
    type_: Any, scheme: Any, subnets: Any, security_groups: Any, ip_address_type: Any
) -> tuple[Any, ...]:
    """What makes two CreateLoadBalancer requests of one name "the same settings"
    (CreateLoadBalancer is idempotent for those): type, scheme, subnets, security groups and
    IP address type, with the API's defaults for what is left out."""
    return (
        type_ or "application",
        scheme or "internet-facing",
        tuple(sorted(str(s) for s in subnets or [])),
        tuple(sorted(str(g) for g in security_groups or [])),
        ip_address_type or "ipv4",
    )


def existing_load_balancer_settings(balancer: Any) -> tuple[Any, ...]:
    """`load_balancer_settings` of a load balancer moto holds."""
    return load_balancer_settings(
        balancer.type,
        balancer.scheme,
        [subnet.id for subnet in balancer.subnets],
        balancer.security_groups,
        balancer.ip_address_type,
    )


def _requested_subnets(request: Request) -> list[str]:
    subnets = [s for s in _list(request.get("Subnets")) if isinstance(s, str)]
    mappings = [m for m in _list(request.get("SubnetMappings")) if isinstance(m, dict)]
    return subnets + [str(m.get("SubnetId")) for m in mappings]


@rule(
    "elbv2.load-balancer-name-in-use",
    operations=CREATE_LOAD_BALANCER,
    code="DuplicateLoadBalancerName",
    summary="A load balancer name is used once: another load balancer of that name is refused "
    "(the same settings again answer the existing one: CreateLoadBalancer is idempotent).",
    source=f"{API}/API_CreateLoadBalancer.html",
    test=f"{TESTS}::test_a_load_balancer_name_is_used_once",
)
def _load_balancer_name_in_use(request: Request) -> str | None:
    name = request.get("Name")
    existing = next((b for b in request.elbv2.load_balancers.values() if b.name == name), None)
    if existing is None:
        return None
    given = load_balancer_settings(
        request.get("Type"),
        request.get("Scheme"),
        _requested_subnets(request),
        _list(request.get("SecurityGroups")),
        request.get("IpAddressType"),
    )
    if given == existing_load_balancer_settings(existing):
        return None
    return "A load balancer with the specified name already exists."


def _load_balancer_zones(request: Request) -> list[str] | None:
    """The Availability Zone of each known subnet the CreateLoadBalancer or SetSubnets request
    names, in order; None when it is not an Application Load Balancer's. Unknown subnets are
    moto's SubnetNotFound to report."""
    if request.call.operation == "SetSubnets":
        balancer = request.elbv2.load_balancers.get(request.get("LoadBalancerArn"))
        kind = balancer.type if balancer is not None else None
    else:
        kind = request.get("Type") or "application"
    if kind != "application":
        return None
    zones = []
    for subnet_id in _requested_subnets(request):
        try:
            zones.append(request.ec2.get_subnet(subnet_id).availability_zone)
        except Exception:
            continue
    return zones


@rule(
    "elbv2.one-subnet-per-zone",
    operations=LOAD_BALANCER_SUBNETS,
    code="InvalidConfigurationRequest",
    summary="An Application Load Balancer has one subnet per Availability Zone (moto's "
    "SetSubnets refuses it in other words).",
    source=f"{API}/API_CreateLoadBalancer.html",
    test=f"{TESTS}::test_a_load_balancer_has_one_subnet_per_zone",
)
def _one_subnet_per_zone(request: Request) -> str | None:
    zones = _load_balancer_zones(request)
    if zones is None or len(zones) == len(set(zones)):
        return None
    return "A load balancer cannot be attached to multiple subnets in the same Availability Zone"


@rule(
    "elbv2.two-zones",
    operations=LOAD_BALANCER_SUBNETS,
    code="ValidationError",
    summary="An Application Load Balancer has subnets in at least two Availability Zones "
    "(moto's SetSubnets refuses it in other words).",
    source=f"{API}/API_CreateLoadBalancer.html",
    test=f"{TESTS}::test_an_application_load_balancer_spans_two_zones",
)
def _two_zones(request: Request) -> str | None:
    zones = _load_balancer_zones(request)
    if zones is None or len(set(zones)) >= 2:
        return None
    return "At least two subnets in two different Availability Zones must be specified"


# -- target groups -----------------------------------------------------------------------------


@rule(
    "elbv2.target-group-enums",
    operations=CREATE_TARGET_GROUP,
    code="ValidationError",
    summary="A target group's `TargetType` is instance, ip, lambda or alb, and its `Protocol` "
    "and `HealthCheckProtocol` are values of the protocol enum (HTTP, HTTPS, TCP...).",
    source=f"{API}/API_CreateTargetGroup.html",
    test=f"{TESTS}::test_a_target_type_and_protocol_come_from_the_enums",
)
def _target_group_enums(request: Request) -> str | None:
    for field, allowed in (
        ("TargetType", TARGET_TYPES),
        ("Protocol", PROTOCOLS),
        ("HealthCheckProtocol", PROTOCOLS),
    ):
        value = request.get(field)
        if value is not None and value not in allowed:
            return _enum_message(value, _camel(field), allowed)
    return None


@rule(
    "elbv2.port-range",
    operations=(*CREATE_TARGET_GROUP, *LISTENER_PORT),
    code="ValidationError",
    summary="A target group's or listener's `Port` is 1-65535 (botocore checks only the minimum).",
    source=f"{API}/API_CreateTargetGroup.html",
    test=f"{TESTS}::test_a_port_is_at_most_65535",
)
def _port_range(request: Request) -> str | None:
    port = _int(request.get("Port"))
    return None if port is None else _range_message(port, "port", PORT_RANGE)


@rule(
    "elbv2.health-check-ranges",
    operations=TARGET_GROUP_HEALTH,
    code="ValidationError",
    summary="`HealthCheckIntervalSeconds` is 5-300, `HealthCheckTimeoutSeconds` 2-120, "
    "`HealthyThresholdCount` and `UnhealthyThresholdCount` 2-10 (botocore checks only the "
    "minimums).",
    source=f"{API}/API_CreateTargetGroup.html",
    test=f"{TESTS}::test_health_check_settings_stay_in_their_ranges",
)
def _health_check_ranges(request: Request) -> str | None:
    for field, bounds in HEALTH_CHECK_RANGES.items():
        value = _int(request.get(field))
        message = None if value is None else _range_message(value, _camel(field), bounds)
        if message is not None:
            return message
    return None


def _target_group(request: Request, arn: Any) -> Any:
    return request.elbv2.target_groups.get(arn) if isinstance(arn, str) else None


@rule(
    "elbv2.health-check-timeout",
    operations=TARGET_GROUP_HEALTH,
    code="ValidationError",
    summary="A health check's timeout is less than its interval (ModifyTargetGroup: with the "
    "target group's current values for what it leaves out).",
    source=f"{API}/API_CreateTargetGroup.html",
    test=f"{TESTS}::test_a_health_check_timeout_is_less_than_its_interval",
)
def _health_check_timeout(request: Request) -> str | None:
    interval = _int(request.get("HealthCheckIntervalSeconds"))
    timeout = _int(request.get("HealthCheckTimeoutSeconds"))
    current = _target_group(request, request.get("TargetGroupArn"))
    if current is not None:  # ModifyTargetGroup
        interval = interval if interval is not None else _int(current.health_check_interval_seconds)
        timeout = timeout if timeout is not None else _int(current.health_check_timeout_seconds)
    # CreateTargetGroup with one of them left out takes a default for the other, which the
    # reference gives differently on different pages: moto checks that case, with its own
    # message. This is AWS's message (moto's is "Health check timeout '10' must be smaller
    # than the interval '10'").
    if interval is None or timeout is None or timeout < interval:
        return None
    return "Health check interval must be greater than the timeout."


def _protocol_of(request: Request) -> str | None:
    protocol = request.get("Protocol")
    current = _target_group(request, request.get("TargetGroupArn"))
    if protocol is None and current is not None:
        protocol = current.protocol
    return protocol if isinstance(protocol, str) else None


@rule(
    "elbv2.health-check-matcher",
    operations=TARGET_GROUP_HEALTH,
    code="ValidationError",
    summary='`Matcher.HttpCode` is a code ("200"), a list ("200,202") or a range ("200-299") '
    "of codes from 200 to 499 for an HTTP, HTTPS or lambda target group (599 for TCP, TLS, "
    "UDP..., 399 for GENEVE).",
    source=f"{API}/API_Matcher.html",
    test=f"{TESTS}::test_a_matcher_http_code_is_codes_lists_or_ranges",
)
def _health_check_matcher(request: Request) -> str | None:
    code = request.get("Matcher", "HttpCode")
    if not isinstance(code, str):
        return None
    if code == "":
        return "Health check matcher HTTP code cannot be empty"  # AWS's message
    most = HTTP_CODE_RANGES.get(_protocol_of(request) or "", HTTP_CODE_MAX_ALB)
    codes = [int(c) for c in re.findall(r"\d+", code)] if HTTP_CODE.fullmatch(code) else []
    ranges = [tuple(int(c) for c in part.split("-")) for part in code.split(",")] if codes else []
    if codes and all(200 <= c <= most for c in codes) and all(r[0] <= r[-1] for r in ranges):
        return None
    # AWS's message is not documented: written in its style.
    return (
        f"Health check matcher HTTP code '{code}' is not valid: specify a code between 200 and "
        f"{most} ('200'), a list ('200,202') or a range ('200-299')"
    )


# -- listeners ---------------------------------------------------------------------------------


def _certificate_arns(certificates: Any) -> list[str]:
    return [
        str(c["CertificateArn"])
        for c in _list(certificates)
        if isinstance(c, dict) and c.get("CertificateArn")
    ]


@rule(
    "elbv2.secure-listener-certificate",
    operations=CREATE_LISTENER,
    code="ValidationError",
    summary="An HTTPS (or TLS) listener gives exactly one certificate in `Certificates`.",
    source=f"{API}/API_CreateListener.html",
    test=f"{TESTS}::test_an_https_listener_needs_a_certificate",
)
def _secure_listener_certificate(request: Request) -> str | None:
    protocol = request.get("Protocol")
    if protocol not in ("HTTPS", "TLS"):
        return None
    count = len(_certificate_arns(request.get("Certificates")))
    if count == 0:
        # AWS's message for HTTPS; the TLS one is written in the same words.
        return f"A certificate must be specified for {protocol} listeners"
    if count > 1:
        # AWS's code for this case is not documented. The words are those moto's
        # ModifyListener answers (as InvalidConfigurationRequest) for a missing certificate.
        return (
            "You must provide a list containing exactly one certificate if the listener "
            f"protocol is {protocol}."
        )
    return None


def _forwarded_groups(action: Any) -> tuple[str, ...]:
    """The target group ARNs a forward action sends to (TargetGroupArn or ForwardConfig)."""
    if not isinstance(action, dict):
        return ()
    arns = [action.get("TargetGroupArn")]
    forward = action.get("ForwardConfig")
    if isinstance(forward, dict):
        arns += [g.get("TargetGroupArn") for g in _list(forward.get("TargetGroups"))]
    return tuple(sorted(a for a in arns if isinstance(a, str) and a))


def listener_settings(
    protocol: Any, certificates: Any, ssl_policy: Any, actions: Any
) -> tuple[Any, ...]:
    """What makes two CreateListener requests on one port "the same settings" (CreateListener
    is idempotent for those): protocol, default certificate, SSL policy when one is given,
    and the type and target groups of each default action. `certificates` and `actions` are
    lists of the API's Certificate and Action objects; moto's models give the same keys."""
    return (
        str(protocol or "").upper(),
        tuple(_certificate_arns(certificates)),
        ssl_policy or None,
        tuple((a.get("Type"), _forwarded_groups(a)) for a in _list(actions) if isinstance(a, dict)),
    )


def existing_listener_settings(listener: Any, given_ssl_policy: Any) -> tuple[Any, ...]:
    """`listener_settings` of a listener moto holds; its SSL policy counts only when the
    request gives one (moto fills a default in)."""
    return listener_settings(
        listener.protocol,
        [{"CertificateArn": arn} for arn in listener.certificates],
        listener.ssl_policy if given_ssl_policy else None,
        [action.data for action in listener.default_actions],
    )


def listener_on_port(backend: Any, load_balancer_arn: Any, port: Any) -> Any:
    """The listener of the load balancer on `port`, or None."""
    balancer = backend.load_balancers.get(load_balancer_arn)
    if balancer is None or port is None:
        return None
    return next((x for x in balancer.listeners.values() if str(x.port) == str(port)), None)


def _modified_listener(request: Request) -> Any:
    """The listener a ModifyListener request names, or None."""
    arn = request.get("ListenerArn")
    for balancer in request.elbv2.load_balancers.values():
        if arn in balancer.listeners:
            return balancer.listeners[arn]
    return None


@rule(
    "elbv2.listener-port-in-use",
    operations=LISTENER_PORT,
    code="DuplicateListener",
    summary="A port is used by one listener of a load balancer: another listener on it (or "
    "moved to it) is refused; the same settings again answer the existing listener "
    "(CreateListener is idempotent).",
    source=f"{API}/API_CreateListener.html",
    test=f"{TESTS}::test_a_port_takes_one_listener",
)
def _listener_port_in_use(request: Request) -> str | None:
    duplicate = "A listener with the specified port already exists."
    port = request.get("Port")
    if request.call.operation == "ModifyListener":
        listener = _modified_listener(request)
        if listener is None or port is None:
            return None
        other = listener_on_port(request.elbv2, listener.load_balancer_arn, port)
        return duplicate if other is not None and other is not listener else None
    existing = listener_on_port(request.elbv2, request.get("LoadBalancerArn"), port)
    if existing is None:
        return None
    ssl_policy = request.get("SslPolicy")
    given = listener_settings(
        request.get("Protocol"),
        request.get("Certificates"),
        ssl_policy,
        request.get("DefaultActions"),
    )
    if given == existing_listener_settings(existing, ssl_policy):
        return None
    return duplicate


# -- listener rules ----------------------------------------------------------------------------


@rule(
    "elbv2.rule-priority-range",
    operations=(f"{ELB}:CreateRule",),
    code="ValidationError",
    summary="A rule's `Priority` is 1-50000 (botocore checks only the minimum).",
    source=f"{API}/API_CreateRule.html",
    test=f"{TESTS}::test_a_rule_priority_is_at_most_50000",
)
def _rule_priority_range(request: Request) -> str | None:
    priority = _int(request.get("Priority"))
    return None if priority is None else _range_message(priority, "priority", PRIORITY_RANGE)


def _condition_values(condition: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(field, value) of each value a rule condition matches: `Values` and the values of its
    field's config (HostHeaderConfig.Values, QueryStringConfig.Values...)."""
    field = str(condition.get("Field"))
    for value in _list(condition.get("Values")):
        yield field, value
    for key, config in condition.items():
        if key.endswith("Config") and isinstance(config, dict):
            for values_key in ("Values", "RegexValues"):
                for value in _list(config.get(values_key)):
                    yield field, value


def _conditions(request: Request) -> list[dict[str, Any]]:
    return [c for c in _list(request.get("Conditions")) if isinstance(c, dict)]


@rule(
    "elbv2.rule-condition-values",
    operations=RULE_CONDITIONS,
    code="ValidationError",
    summary=f"A rule's conditions have at most {CONDITION_VALUES_MAX} values in all (the "
    "quota 'Condition values per rule').",
    source=f"{GUIDE}/load-balancer-limits.html",
    test=f"{TESTS}::test_a_rule_has_at_most_5_condition_values",
)
def _rule_condition_values(request: Request) -> str | None:
    count = sum(1 for c in _conditions(request) for _ in _condition_values(c))
    if count <= CONDITION_VALUES_MAX:
        return None
    # AWS's message; its error code is not documented (ELB's validation code is used).
    return f"A rule can only have '{CONDITION_VALUES_MAX}' condition values"


@rule(
    "elbv2.host-header-values",
    operations=RULE_CONDITIONS,
    code="ValidationError",
    summary="A host-header condition value has letters, digits, `-`, `.`, `*` and `?` only, "
    "at least one `.`, and only letters (or wildcards) after the last one.",
    source=f"{API}/API_HostHeaderConditionConfig.html",
    test=f"{TESTS}::test_a_host_header_value_is_a_host_name",
)
def _host_header_values(request: Request) -> str | None:
    for condition in _conditions(request):
        if condition.get("Field") != "host-header":
            continue
        for field, value in _condition_values(condition):
            if isinstance(value, str) and not HOST_HEADER.fullmatch(value):
                # Not documented: written in AWS's style.
                return (
                    f"The '{field}' value '{value}' is not valid; it must contain at least one "
                    "'.', only alphanumeric characters, hyphens, periods and the wildcards * "
                    "and ?, and only alphabetical characters after the final '.'"
                )
    return None


# -- deleting target groups --------------------------------------------------------------------


def listeners_using(backend: Any, target_group_arn: str) -> bool:
    """Whether a listener's default actions or one of its rules forward to the group."""
    for balancer in backend.load_balancers.values():
        for listener in balancer.listeners.values():
            actions = [action.data for action in listener.default_actions]
            for listener_rule in listener.rules.values():
                actions += [action.data for action in listener_rule.actions]
            if any(target_group_arn in _forwarded_groups(action) for action in actions):
                return True
    return False


@rule(
    "elbv2.target-group-in-use",
    operations=(f"{ELB}:DeleteTargetGroup",),
    code="ResourceInUse",
    summary="A target group that a listener or a rule forwards to cannot be deleted (moto "
    "refuses it too, in other words than AWS's).",
    source=f"{API}/API_DeleteTargetGroup.html",
    test=f"{TESTS}::test_a_target_group_in_use_cannot_be_deleted",
)
def _target_group_in_use(request: Request) -> str | None:
    arn = request.get("TargetGroupArn")
    if not isinstance(arn, str) or not listeners_using(request.elbv2, arn):
        return None
    return f"Target group '{arn}' is currently in use by a listener or a rule"
