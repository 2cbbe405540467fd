"""An environment's load balancers as requests and deltas (render.load_balancer and
observe.load_balancer): names within ELB's limits, who may connect, what each listener
answers, and the differences a resync repairs."""

from __future__ import annotations

from typing import Any

import pytest

from controller.api.environment import LoadBalancer
from controller.naming import Names
from controller.observe.load_balancer import (
    listener_delta,
    load_balancer_delta,
    security_group_delta,
)
from controller.render.load_balancer import (
    NAME_MAX,
    NOT_ROUTED,
    REDIRECT_TO_HTTPS,
    ListenerWant,
    LoadBalancerWant,
    create_listener_request,
    ingress_permissions,
    listener_shape,
    load_balancer_attributes,
    load_balancer_name,
    load_balancer_wanted,
)

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
SUBNETS = ("subnet-b", "subnet-a")


def wanted(kind: str = "public", cidr: str | None = "10.0.0.0/16", **spec: Any) -> LoadBalancerWant:
    return load_balancer_wanted(
        LoadBalancer.model_validate(spec),
        kind,  # type: ignore[arg-type]
        Names("kudos", "test"),
        "vpc-1",
        SUBNETS,
        cidr,
        {"team": "a"},
    )


@pytest.mark.parametrize(
    ("app", "env"),
    [("kudos", "test"), ("a" * 40, "production"), ("kudos-", "-x"), ("k" * 20, "e" * 9)],
)
def test_names_fit_elb_and_differ_by_kind(app: str, env: str) -> None:
    public = load_balancer_name(Names(app, env), "public")
    private = load_balancer_name(Names(app, env), "private")
    for name in (public, private):
        assert len(name) <= NAME_MAX
        assert not name.startswith(("-", "internal-"))
        assert "--" not in name[-5:]
    assert public != private
    assert load_balancer_name(Names("kudos", "test"), "public") == "kudos-test-pub"


def test_long_names_stay_unique() -> None:
    first = load_balancer_name(Names("a" * 40, "one"), "public")
    second = load_balancer_name(Names("a" * 40, "two"), "public")
    assert first != second


def test_who_may_connect_by_default() -> None:
    assert wanted("public").ingress_cidrs == ("0.0.0.0/0",)
    assert wanted("private").ingress_cidrs == ("10.0.0.0/16",)
    assert wanted("private", allowedSourceCidrs=["192.168.0.0/24"]).ingress_cidrs == (
        "192.168.0.0/24",
    )
    assert wanted("public").scheme == "internet-facing"
    assert wanted("private").scheme == "internal"
    assert wanted().subnets == ("subnet-a", "subnet-b")


def test_https_adds_443_and_redirects_80() -> None:
    plain, secure = wanted(), wanted(certificates=[CERT])
    assert plain.ports == (80,)
    assert secure.ports == (80, 443)
    assert listener_shape(ListenerWant(plain, 80))["DefaultActions"] == [NOT_ROUTED]
    assert listener_shape(ListenerWant(secure, 80))["DefaultActions"] == [REDIRECT_TO_HTTPS]
    https = create_listener_request(ListenerWant(secure, 443), "arn:lb")
    assert https["Protocol"] == "HTTPS"
    assert https["Certificates"] == [{"CertificateArn": CERT}]
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert {"Key": "team", "Value": "a"} in https["Tags"]


def test_ingress_permissions_group_cidrs_by_port() -> None:
    pairs = frozenset({(80, "10.0.0.0/8"), (443, "10.0.0.0/8"), (80, "192.168.0.0/16")})
    assert ingress_permissions(pairs) == [
        {
            "IpProtocol": "tcp",
            "FromPort": 80,
            "ToPort": 80,
            "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "192.168.0.0/16"}],
        },
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
        },
    ]


def test_a_security_group_missing_a_port_is_repaired_and_extra_rules_kept() -> None:
    group = {
        "IpPermissions": [
            {
                "IpProtocol": "tcp",
                "FromPort": 80,
                "ToPort": 80,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "1.2.3.4/32"}],
            },
        ]
    }
    assert security_group_delta(wanted(), group) == {}
    assert security_group_delta(wanted(certificates=[CERT]), group) == {
        "ingress": [(443, "0.0.0.0/0")]
    }


def test_load_balancer_delta_names_what_differs() -> None:
    want = wanted(idleTimeout=120, accessLogs={"bucket": "logs-bucket", "prefix": "kudos"})
    described = {
        "AvailabilityZones": [{"SubnetId": "subnet-a"}, {"SubnetId": "subnet-c"}],
        "SecurityGroups": ["sg-other"],
    }
    attributes = {"idle_timeout.timeout_seconds": "60", "access_logs.s3.enabled": "false"}
    assert load_balancer_delta(want, described, attributes, "sg-1") == {
        "subnets": ["subnet-a", "subnet-b"],
        "securityGroups": ["sg-1"],
        "attributes.idle_timeout.timeout_seconds": "120",
        "attributes.access_logs.s3.enabled": "true",
        "attributes.access_logs.s3.bucket": "logs-bucket",
        "attributes.access_logs.s3.prefix": "kudos",
    }
    current = {
        "AvailabilityZones": [{"SubnetId": "subnet-b"}, {"SubnetId": "subnet-a"}],
        "SecurityGroups": ["sg-1"],
    }
    assert load_balancer_delta(wanted(), current, load_balancer_attributes(wanted()), "sg-1") == {}


def test_listener_delta_ignores_what_elb_adds() -> None:
    want = ListenerWant(wanted(certificates=[CERT]), 80)
    described = {
        "Port": 80,
        "Protocol": "HTTP",
        "SslPolicy": "ELBSecurityPolicy-2016-08",
        "DefaultActions": [
            {
                "Type": "redirect",
                "Order": 1,
                "RedirectConfig": {
                    "Protocol": "HTTPS",
                    "Port": "443",
                    "Host": "#{host}",
                    "Path": "/#{path}",
                    "Query": "#{query}",
                    "StatusCode": "HTTP_301",
                },
            }
        ],
    }
    assert listener_delta(want, described) == {}
    described["DefaultActions"] = [{"Type": "fixed-response", **{"FixedResponseConfig": {}}}]
    assert listener_delta(want, described) == {"DefaultActions": [REDIRECT_TO_HTTPS]}
