"""Strict mode, Elastic Load Balancing v2: each test sends a request AWS refuses and gets
AWS's error, then the corrected request and sees it accepted (so the rule is not stricter
than AWS). The tests marked "moto" pin a refusal moto's elbv2 backend already makes with
AWS's code and message; the others test the rules of controller/sandbox/aws/strict/elbv2.py.

ELB speaks the query protocol, whose errors also carry a Type (Sender): the tests compare
the code and the message."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from tests.aws.builders import (
    application_load_balancer,
    forward,
    http_listener,
    target_group,
)
from tests.aws.strict.refusals import default_network, refusal
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws

# A subnet of the default VPC (172.31.0.0/16) outside its default subnets.
EXTRA_SUBNET_CIDR = "172.31.128.0/24"


def _elb(aws: LocalAws, *, validate: bool = True) -> Any:
    """An ELB client; without botocore's parameter validation, which refuses values under a
    documented minimum before they reach the emulator."""
    return aws.client("elbv2", max_attempts=1, parameter_validation=validate)


def _error(call: Any) -> tuple[str, str]:
    error = refusal(call)
    return error["Code"], error["Message"]


def _zones(aws: LocalAws) -> tuple[str, str, str]:
    """Two default subnets (in two zones) and a third subnet in the first one's zone."""
    ec2 = aws.client("ec2")
    vpc, subnets = default_network(aws)
    first, second = ec2.describe_subnets(SubnetIds=subnets[:2])["Subnets"]
    beside = ec2.create_subnet(
        VpcId=vpc, CidrBlock=EXTRA_SUBNET_CIDR, AvailabilityZone=first["AvailabilityZone"]
    )["Subnet"]["SubnetId"]
    return first["SubnetId"], second["SubnetId"], beside


# -- load balancers ----------------------------------------------------------------------------


def test_a_load_balancer_name_is_32_alphanumerics_or_hyphens(aws: LocalAws) -> None:
    elb = _elb(aws)
    _, subnets = default_network(aws)
    create = partial(elb.create_load_balancer, Subnets=subnets[:2])
    long_name = "a" * 33
    for name, message in (
        (long_name, f"The load balancer name '{long_name}' cannot be longer than '32' characters"),
        (
            "web_lb",
            "The load balancer name 'web_lb' can only contain characters that are alphanumeric "
            "characters or hyphens(-)",
        ),
        ("-web", "The load balancer name '-web' cannot begin or end with '-'"),
        ("web-", "The load balancer name 'web-' cannot begin or end with '-'"),
        ("internal-web", "The load balancer name 'internal-web' cannot begin with 'internal-'"),
    ):
        assert _error(partial(create, Name=name)) == ("ValidationError", message)
    assert elb.describe_load_balancers()["LoadBalancers"] == []

    for name in ("Web-lb-" + "1" * 25, "internalweb", "a"):
        assert create(Name=name)["LoadBalancers"][0]["LoadBalancerName"] == name


def test_a_load_balancer_scheme_is_internet_facing_or_internal(aws: LocalAws) -> None:
    elb = _elb(aws)
    _, subnets = default_network(aws)
    create = partial(elb.create_load_balancer, Subnets=subnets[:2])
    assert _error(partial(create, Name="web", Scheme="public")) == (
        "ValidationError",
        "1 validation error detected: Value 'public' at 'scheme' failed to satisfy constraint: "
        "Member must satisfy enum value set: [internet-facing, internal]",
    )
    code, message = _error(partial(create, Name="web", Type="classic"))
    assert code == "ValidationError"
    assert "Value 'classic' at 'type'" in message

    internal = create(Name="private", Scheme="internal")["LoadBalancers"][0]
    assert internal["Scheme"] == "internal"
    # Left out, the scheme is internet-facing (CreateLoadBalancer.Scheme: the default).
    assert create(Name="public")["LoadBalancers"][0]["Scheme"] == "internet-facing"


def test_a_load_balancer_name_is_used_once(aws: LocalAws) -> None:
    elb = _elb(aws)
    _, subnets = default_network(aws)
    arn = application_load_balancer(aws, "web")
    for other in ({"Scheme": "internal"}, {"Subnets": subnets[1:3]}):
        request = {"Name": "web", "Subnets": subnets[:2], **other}
        assert _error(partial(elb.create_load_balancer, **request)) == (
            "DuplicateLoadBalancerName",
            "A load balancer with the specified name already exists.",
        )

    # The same settings again: CreateLoadBalancer is idempotent.
    again = elb.create_load_balancer(Name="web", Subnets=list(reversed(subnets[:2])))
    assert again["LoadBalancers"][0]["LoadBalancerArn"] == arn
    assert len(elb.describe_load_balancers()["LoadBalancers"]) == 1


def test_a_load_balancer_has_one_subnet_per_zone(aws: LocalAws) -> None:
    elb = _elb(aws)
    first, second, beside = _zones(aws)
    for subnets in ([first, beside, second], [first, beside]):
        assert _error(partial(elb.create_load_balancer, Name="web", Subnets=subnets)) == (
            "InvalidConfigurationRequest",
            "A load balancer cannot be attached to multiple subnets in the same Availability Zone",
        )
    created = elb.create_load_balancer(Name="web", Subnets=[beside, second])["LoadBalancers"][0]
    assert len(created["AvailabilityZones"]) == 2

    set_subnets = partial(elb.set_subnets, LoadBalancerArn=created["LoadBalancerArn"])
    assert _error(partial(set_subnets, Subnets=[first, beside, second]))[0] == (
        "InvalidConfigurationRequest"
    )
    assert len(set_subnets(Subnets=[first, second])["AvailabilityZones"]) == 2


def test_an_application_load_balancer_spans_two_zones(aws: LocalAws) -> None:
    elb = _elb(aws)
    first, second, _ = _zones(aws)
    message = "At least two subnets in two different Availability Zones must be specified"
    for request in ({"Subnets": [first]}, {"SubnetMappings": [{"SubnetId": first}]}):
        assert _error(partial(elb.create_load_balancer, Name="web", **request)) == (
            "ValidationError",
            message,
        )
    assert elb.describe_load_balancers()["LoadBalancers"] == []

    # A Network Load Balancer may use one zone.
    elb.create_load_balancer(Name="net", Type="network", Subnets=[first])
    mapped = [{"SubnetId": first}, {"SubnetId": second}]
    created = elb.create_load_balancer(Name="web", SubnetMappings=mapped)["LoadBalancers"][0]
    assert len(created["AvailabilityZones"]) == 2

    set_subnets = partial(elb.set_subnets, LoadBalancerArn=created["LoadBalancerArn"])
    assert _error(partial(set_subnets, Subnets=[second])) == ("ValidationError", message)
    assert len(set_subnets(Subnets=[second, first])["AvailabilityZones"]) == 2


# -- target groups -----------------------------------------------------------------------------


def test_a_target_group_name_is_32_alphanumerics_or_hyphens(aws: LocalAws) -> None:
    """moto: CreateTargetGroup.Name is checked by moto's backend with AWS's messages."""
    elb = _elb(aws)
    vpc, _ = default_network(aws)
    create = partial(elb.create_target_group, Protocol="HTTP", Port=80, VpcId=vpc)
    long_name = "a" * 33
    assert _error(partial(create, Name=long_name)) == (
        "ValidationError",
        f"Target group name '{long_name}' cannot be longer than '32' characters",
    )
    assert _error(partial(create, Name="web_tg")) == (
        "ValidationError",
        "Target group name 'web_tg' can only contain characters that are alphanumeric "
        "characters or hyphens(-)",
    )
    for name in ("-web", "web-"):
        code, message = _error(partial(create, Name=name))
        assert code == "ValidationError"
        assert message.startswith(
            f"1 validation error detected: Value '{name}' at "
            "'targetGroup.targetGroupArn.targetGroupName' failed to satisfy constraint"
        )
    assert elb.describe_target_groups()["TargetGroups"] == []

    name = "Web-tg-" + "1" * 25
    assert create(Name=name)["TargetGroups"][0]["TargetGroupName"] == name


def test_an_ip_target_group_needs_a_protocol_port_and_vpc(aws: LocalAws) -> None:
    """moto: an ip or instance target group gives Protocol, Port and VpcId."""
    elb = _elb(aws)
    vpc, _ = default_network(aws)
    request = {"Name": "web", "Protocol": "HTTP", "Port": 8080, "VpcId": vpc, "TargetType": "ip"}
    for left_out, message in (
        ("Protocol", "A protocol must be specified"),
        ("Port", "A port must be specified"),
        ("VpcId", "A VPC ID must be specified"),
    ):
        partial_request = {k: v for k, v in request.items() if k != left_out}
        assert _error(partial(elb.create_target_group, **partial_request)) == (
            "ValidationError",
            message,
        )
    created = elb.create_target_group(**request)["TargetGroups"][0]
    assert (created["Protocol"], created["Port"], created["VpcId"]) == ("HTTP", 8080, vpc)


def test_a_target_group_name_is_used_once(aws: LocalAws) -> None:
    """moto: another target group of a name in use is DuplicateTargetGroupName; the same
    settings again answer the existing group (CreateTargetGroup is idempotent)."""
    elb = _elb(aws)
    arn = target_group(aws, "web", HealthCheckPath="/healthz")
    assert _error(partial(target_group, aws, "web", port=9090)) == (
        "DuplicateTargetGroupName",
        "A target group with the specified name already exists.",
    )
    assert _error(partial(target_group, aws, "web", HealthCheckPath="/")) == (
        "DuplicateTargetGroupName",
        "A target group with the specified name already exists.",
    )
    assert target_group(aws, "web", HealthCheckPath="/healthz") == arn
    assert target_group(aws, "web") == arn  # what it leaves out is not compared
    assert len(elb.describe_target_groups(Names=["web"])["TargetGroups"]) == 1


def test_a_target_type_and_protocol_come_from_the_enums(aws: LocalAws) -> None:
    elb = _elb(aws)
    vpc, _ = default_network(aws)
    create = partial(elb.create_target_group, Name="web", Port=8080, VpcId=vpc)
    assert _error(partial(create, Protocol="HTTP", TargetType="container")) == (
        "ValidationError",
        "1 validation error detected: Value 'container' at 'targetType' failed to satisfy "
        "constraint: Member must satisfy enum value set: [instance, ip, lambda, alb]",
    )
    for field, value in (("Protocol", "http"), ("HealthCheckProtocol", "HTTP2")):
        request = {"Protocol": "HTTP", "TargetType": "ip", field: value}
        code, message = _error(partial(create, **request))
        assert code == "ValidationError"
        assert message.startswith(
            f"1 validation error detected: Value '{value}' at '{field[0].lower()}{field[1:]}'"
        )
    assert elb.describe_target_groups()["TargetGroups"] == []

    created = create(Protocol="HTTPS", TargetType="ip", HealthCheckProtocol="HTTP")
    assert created["TargetGroups"][0]["TargetType"] == "ip"
    function = elb.create_target_group(Name="fn", TargetType="lambda")["TargetGroups"][0]
    assert function["TargetType"] == "lambda"


def test_a_port_is_at_most_65535(aws: LocalAws) -> None:
    elb, unchecked = _elb(aws), _elb(aws, validate=False)
    vpc, _ = default_network(aws)
    create = partial(elb.create_target_group, Name="web", Protocol="HTTP", VpcId=vpc)
    above = (
        "ValidationError",
        "1 validation error detected: Value '65536' at 'port' failed to satisfy constraint: "
        "Member must have value less than or equal to 65535",
    )
    assert _error(partial(create, Port=65536)) == above
    code, message = _error(
        partial(unchecked.create_target_group, Name="web", Protocol="HTTP", VpcId=vpc, Port=0)
    )
    assert (code, "greater than or equal to 1" in message) == ("ValidationError", True)
    group = create(Port=65535)["TargetGroups"][0]["TargetGroupArn"]

    balancer = application_load_balancer(aws)
    listen = partial(
        elb.create_listener,
        LoadBalancerArn=balancer,
        Protocol="HTTP",
        DefaultActions=forward(group),
    )
    assert _error(partial(listen, Port=65536)) == above
    listener = listen(Port=65535)["Listeners"][0]["ListenerArn"]
    modify = partial(elb.modify_listener, ListenerArn=listener)
    assert _error(partial(modify, Port=65536)) == above
    assert modify(Port=8080)["Listeners"][0]["Port"] == 8080


def test_health_check_settings_stay_in_their_ranges(aws: LocalAws) -> None:
    unchecked = _elb(aws, validate=False)
    vpc, _ = default_network(aws)
    create = partial(
        unchecked.create_target_group, Name="web", Protocol="HTTP", Port=8080, VpcId=vpc
    )
    for field, low, high in (
        ("HealthCheckIntervalSeconds", 4, 301),
        ("HealthCheckTimeoutSeconds", 1, 121),
        ("HealthyThresholdCount", 1, 11),
        ("UnhealthyThresholdCount", 1, 11),
    ):
        # The interval stays above any timeout tried, so only the range is at stake.
        extra = {} if field == "HealthCheckIntervalSeconds" else {"HealthCheckIntervalSeconds": 300}
        at = f"'{field[0].lower()}{field[1:]}'"
        code, message = _error(partial(create, **{field: low}, **extra))
        assert (code, at in message, "greater than or equal to" in message) == (
            "ValidationError",
            True,
            True,
        )
        code, message = _error(partial(create, **{field: high}, **extra))
        assert (code, at in message, "less than or equal to" in message) == (
            "ValidationError",
            True,
            True,
        )
    assert unchecked.describe_target_groups()["TargetGroups"] == []

    highest = create(
        HealthCheckIntervalSeconds=300,
        HealthCheckTimeoutSeconds=120,
        HealthyThresholdCount=10,
        UnhealthyThresholdCount=10,
    )["TargetGroups"][0]
    assert highest["HealthCheckIntervalSeconds"] == 300
    error = _error(
        partial(
            unchecked.modify_target_group,
            TargetGroupArn=highest["TargetGroupArn"],
            HealthyThresholdCount=11,
        )
    )
    assert error[0] == "ValidationError"
    lowest = unchecked.modify_target_group(
        TargetGroupArn=highest["TargetGroupArn"],
        HealthCheckIntervalSeconds=5,
        HealthCheckTimeoutSeconds=2,
        HealthyThresholdCount=2,
        UnhealthyThresholdCount=2,
    )["TargetGroups"][0]
    assert lowest["HealthCheckIntervalSeconds"] == 5


def test_a_health_check_timeout_is_less_than_its_interval(aws: LocalAws) -> None:
    elb = _elb(aws)
    vpc, _ = default_network(aws)
    create = partial(elb.create_target_group, Name="web", Protocol="HTTP", Port=8080, VpcId=vpc)
    refused = ("ValidationError", "Health check interval must be greater than the timeout.")
    for timeout in (10, 20):
        request = {"HealthCheckIntervalSeconds": 10, "HealthCheckTimeoutSeconds": timeout}
        assert _error(partial(create, **request)) == refused

    arn = create(HealthCheckIntervalSeconds=10, HealthCheckTimeoutSeconds=5)["TargetGroups"][0][
        "TargetGroupArn"
    ]
    # ModifyTargetGroup: what it leaves out is the target group's current value.
    modify = partial(elb.modify_target_group, TargetGroupArn=arn)
    assert _error(partial(modify, HealthCheckTimeoutSeconds=10)) == refused
    assert _error(partial(modify, HealthCheckIntervalSeconds=5)) == refused
    assert (
        modify(HealthCheckIntervalSeconds=6)["TargetGroups"][0]["HealthCheckIntervalSeconds"] == 6
    )


def test_a_matcher_http_code_is_codes_lists_or_ranges(aws: LocalAws) -> None:
    elb = _elb(aws)
    vpc, _ = default_network(aws)
    create = partial(elb.create_target_group, Protocol="HTTP", Port=8080, VpcId=vpc)
    for code in ("abc", "200-", "200;202", "2000", "199", "500", "299-200"):
        error = _error(partial(create, Name="web", Matcher={"HttpCode": code}))
        assert error[0] == "ValidationError"
        assert f"Health check matcher HTTP code '{code}' is not valid" in error[1]
    assert _error(partial(create, Name="web", Matcher={"HttpCode": ""})) == (
        "ValidationError",
        "Health check matcher HTTP code cannot be empty",
    )
    assert elb.describe_target_groups()["TargetGroups"] == []

    for number, code in enumerate(("200", "200,202", "200-299", "200-499,302")):
        matcher = {"HttpCode": code}
        created = create(Name=f"web-{number}", Matcher=matcher)["TargetGroups"][0]
        assert created["Matcher"]["HttpCode"] == code
    arn = created["TargetGroupArn"]
    error = _error(
        partial(elb.modify_target_group, TargetGroupArn=arn, Matcher={"HttpCode": "600"})
    )
    assert error[0] == "ValidationError"
    modified = elb.modify_target_group(TargetGroupArn=arn, Matcher={"HttpCode": "204"})
    assert modified["TargetGroups"][0]["Matcher"] == {"HttpCode": "204"}


# -- listeners ---------------------------------------------------------------------------------


def _certificate(aws: LocalAws, domain: str = "web.example.com") -> str:
    arn: str = aws.client("acm").request_certificate(DomainName=domain)["CertificateArn"]
    return arn


def test_an_https_listener_needs_a_certificate(aws: LocalAws) -> None:
    elb = _elb(aws)
    balancer, group = application_load_balancer(aws), target_group(aws)
    listen = partial(
        elb.create_listener,
        LoadBalancerArn=balancer,
        Protocol="HTTPS",
        Port=443,
        DefaultActions=forward(group),
    )
    assert _error(listen) == (
        "ValidationError",
        "A certificate must be specified for HTTPS listeners",
    )
    two = [
        {"CertificateArn": _certificate(aws)},
        {"CertificateArn": _certificate(aws, "b.example.com")},
    ]
    assert _error(partial(listen, Certificates=two)) == (
        "ValidationError",
        "You must provide a list containing exactly one certificate if the listener protocol "
        "is HTTPS.",
    )
    assert elb.describe_listeners(LoadBalancerArn=balancer)["Listeners"] == []

    created = listen(Certificates=two[:1])["Listeners"][0]
    assert created["Certificates"] == two[:1]


def test_a_port_takes_one_listener(aws: LocalAws) -> None:
    elb = _elb(aws)
    balancer, group, other = (
        application_load_balancer(aws),
        target_group(aws),
        target_group(aws, "other"),
    )
    arn = http_listener(aws, balancer, group)
    listen = partial(elb.create_listener, LoadBalancerArn=balancer, Port=80)
    duplicate = ("DuplicateListener", "A listener with the specified port already exists.")
    assert _error(partial(listen, Protocol="HTTP", DefaultActions=forward(other))) == duplicate
    certificates = [{"CertificateArn": _certificate(aws)}]
    https = {"Protocol": "HTTPS", "Certificates": certificates, "DefaultActions": forward(group)}
    assert _error(partial(listen, **https)) == duplicate

    # The same settings again: CreateListener is idempotent.
    assert http_listener(aws, balancer, group) == arn
    assert len(elb.describe_listeners(LoadBalancerArn=balancer)["Listeners"]) == 1
    secure = elb.create_listener(LoadBalancerArn=balancer, Port=443, **https)["Listeners"][0]
    assert len(elb.describe_listeners(LoadBalancerArn=balancer)["Listeners"]) == 2

    # ModifyListener cannot move a listener onto a port in use either.
    modify = partial(elb.modify_listener, ListenerArn=secure["ListenerArn"])
    assert _error(partial(modify, Port=80)) == duplicate
    assert modify(Port=8443)["Listeners"][0]["Port"] == 8443
    assert elb.modify_listener(ListenerArn=arn, Port=80)["Listeners"][0]["Port"] == 80


# -- listener rules ----------------------------------------------------------------------------


def _paths(*values: str) -> list[dict[str, Any]]:
    return [{"Field": "path-pattern", "PathPatternConfig": {"Values": list(values)}}]


def _hosts(*values: str) -> list[dict[str, Any]]:
    return [{"Field": "host-header", "HostHeaderConfig": {"Values": list(values)}}]


def _listener(aws: LocalAws) -> tuple[str, str]:
    """(listener ARN, target group ARN): an HTTP listener of a new load balancer."""
    group = target_group(aws)
    return http_listener(aws, application_load_balancer(aws), group), group


def test_a_priority_is_used_once_per_listener(aws: LocalAws) -> None:
    """moto: a priority already used on the listener is PriorityInUse."""
    elb = _elb(aws)
    listener, group = _listener(aws)
    create = partial(elb.create_rule, ListenerArn=listener, Actions=forward(group))
    create(Priority=1, Conditions=_paths("/api/*"))
    assert _error(partial(create, Priority=1, Conditions=_paths("/admin/*"))) == (
        "PriorityInUse",
        "The specified priority is in use.",
    )
    assert create(Priority=2, Conditions=_paths("/admin/*"))["Rules"][0]["Priority"] == "2"


def test_a_rule_priority_is_at_most_50000(aws: LocalAws) -> None:
    elb, unchecked = _elb(aws), _elb(aws, validate=False)
    listener, group = _listener(aws)
    request = {"ListenerArn": listener, "Actions": forward(group), "Conditions": _paths("/a")}
    assert _error(partial(elb.create_rule, Priority=50001, **request)) == (
        "ValidationError",
        "1 validation error detected: Value '50001' at 'priority' failed to satisfy constraint: "
        "Member must have value less than or equal to 50000",
    )
    code, message = _error(partial(unchecked.create_rule, Priority=0, **request))
    assert (code, "greater than or equal to 1" in message) == ("ValidationError", True)

    assert elb.create_rule(Priority=50000, **request)["Rules"][0]["Priority"] == "50000"
    request["Conditions"] = _paths("/b")
    assert elb.create_rule(Priority=1, **request)["Rules"][0]["Priority"] == "1"


def test_a_rule_has_at_most_5_condition_values(aws: LocalAws) -> None:
    elb = _elb(aws)
    listener, group = _listener(aws)
    create = partial(elb.create_rule, ListenerArn=listener, Priority=1, Actions=forward(group))
    too_many = ("ValidationError", "A rule can only have '5' condition values")
    six_paths = _paths("/a", "/b", "/c", "/d", "/e", "/f")
    assert _error(partial(create, Conditions=six_paths)) == too_many
    mixed = _paths("/a", "/b", "/c") + _hosts("a.example.com", "b.example.com", "c.example.com")
    assert _error(partial(create, Conditions=mixed)) == too_many
    assert len(elb.describe_rules(ListenerArn=listener)["Rules"]) == 1  # the default rule

    five = _paths("/a", "/b") + _hosts("a.example.com", "b.example.com", "c.example.com")
    arn = create(Conditions=five)["Rules"][0]["RuleArn"]
    assert _error(partial(elb.modify_rule, RuleArn=arn, Conditions=six_paths)) == too_many


def test_a_condition_value_is_at_most_128_characters(aws: LocalAws) -> None:
    """moto: a path-pattern or host-header value has at most 128 characters."""
    elb = _elb(aws)
    listener, group = _listener(aws)
    create = partial(elb.create_rule, ListenerArn=listener, Priority=1, Actions=forward(group))
    assert _error(partial(create, Conditions=_paths("/" + "a" * 128))) == (
        "ValidationError",
        "The 'path-pattern' value is too long; the limit is '128'",
    )
    assert _error(partial(create, Conditions=_hosts("a" * 125 + ".com"))) == (
        "ValidationError",
        "The 'host-header' value is too long; the limit is '128'",
    )
    conditions = _paths("/" + "a" * 127) + _hosts("a" * 124 + ".com")
    assert len(create(Conditions=conditions)["Rules"][0]["Conditions"]) == 2


def test_a_host_header_value_is_a_host_name(aws: LocalAws) -> None:
    elb = _elb(aws)
    listener, group = _listener(aws)
    create = partial(elb.create_rule, ListenerArn=listener, Priority=1, Actions=forward(group))
    for host in ("localhost", "example.c0m", "exa mple.com", "example.com/", "example."):
        code, message = _error(partial(create, Conditions=_hosts(host)))
        assert code == "ValidationError"
        assert message.startswith(f"The 'host-header' value '{host}' is not valid")
    assert len(elb.describe_rules(ListenerArn=listener)["Rules"]) == 1

    hosts = _hosts("api.example.com", "*.Example.COM", "api-?.example.com")
    assert create(Conditions=hosts)["Rules"][0]["Conditions"][0]["HostHeaderConfig"] == {
        "Values": ["api.example.com", "*.Example.COM", "api-?.example.com"]
    }


# -- deleting target groups --------------------------------------------------------------------


def test_a_target_group_in_use_cannot_be_deleted(aws: LocalAws) -> None:
    elb = _elb(aws)
    listener, default_group = _listener(aws)
    routed = target_group(aws, "routed")
    weighted = [
        {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": routed}]}}
    ]
    rule_arn = elb.create_rule(
        ListenerArn=listener, Priority=1, Conditions=_paths("/api/*"), Actions=weighted
    )["Rules"][0]["RuleArn"]
    for arn in (default_group, routed):
        assert _error(partial(elb.delete_target_group, TargetGroupArn=arn)) == (
            "ResourceInUse",
            f"Target group '{arn}' is currently in use by a listener or a rule",
        )

    elb.delete_rule(RuleArn=rule_arn)
    elb.delete_target_group(TargetGroupArn=routed)
    elb.delete_listener(ListenerArn=listener)
    elb.delete_target_group(TargetGroupArn=default_group)
    assert elb.describe_target_groups()["TargetGroups"] == []
