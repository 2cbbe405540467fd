"""An environment's load balancers (spec.http): made when asked for, with their security group
and listeners; changed in place; deleted when removed from the spec, in order."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Kube, Kubectl
from tests.fixtures_aws import LocalAws
from tests.operator.objects import app, apply, condition, described, env, get, service, wait_ready
from tests.operator_process import OperatorProcess, eventually

pytestmark = [pytest.mark.controlplane, pytest.mark.aws]


def _balancers(aws: LocalAws) -> dict[str, dict[str, Any]]:
    found = aws.client("elbv2").describe_load_balancers()["LoadBalancers"]
    return {lb["LoadBalancerName"]: lb for lb in found}


def _listeners(aws: LocalAws, arn: str) -> dict[int, dict[str, Any]]:
    found = aws.client("elbv2").describe_listeners(LoadBalancerArn=arn)["Listeners"]
    return {listener["Port"]: listener for listener in found}


def _ingress(aws: LocalAws, group_id: str) -> set[tuple[int, str]]:
    group = aws.client("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    return {
        (p["FromPort"], r["CidrIp"]) for p in group["IpPermissions"] for r in p.get("IpRanges", [])
    }


def test_a_public_load_balancer_with_http_then_https_then_none(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, app(), env(http={"public": {}}))
    operator.start()
    ready = wait_ready(kube, namespace, "ecsenvironments", "test", timeout=90)
    public = ready["status"]["loadBalancers"]["public"]
    balancer = _balancers(aws)["kudos-test-pub"]
    assert balancer["Scheme"] == "internet-facing"
    assert public["arn"] == balancer["LoadBalancerArn"]
    assert public["dnsName"] == balancer["DNSName"]
    assert public["dnsName"] in condition(ready)["message"]
    assert balancer["SecurityGroups"] == [public["securityGroupId"]]
    assert _ingress(aws, public["securityGroupId"]) == {(80, "0.0.0.0/0")}
    http = _listeners(aws, public["arn"])
    assert set(http) == {80}
    assert http[80]["DefaultActions"][0]["Type"] == "fixed-response"
    tags = aws.client("elbv2").describe_tags(ResourceArns=[public["arn"]])["TagDescriptions"]
    assert {"Key": "copilot-environment", "Value": "test"} in tags[0]["Tags"]

    # Certificates: 443 serves, 80 redirects, the group lets 443 in.
    certificate = aws.client("acm").request_certificate(DomainName="kudos.example.com")[
        "CertificateArn"
    ]
    apply(kubectl, namespace, env(http={"public": {"certificates": [certificate]}}))
    eventually(
        lambda: _listeners(aws, public["arn"]),
        lambda found: (
            set(found) == {80, 443} and found[80]["DefaultActions"][0]["Type"] == "redirect"
        ),
        timeout=60,
    )
    https = _listeners(aws, public["arn"])[443]
    assert https["Certificates"][0]["CertificateArn"] == certificate
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert _ingress(aws, public["securityGroupId"]) == {(80, "0.0.0.0/0"), (443, "0.0.0.0/0")}
    assert eventually(
        lambda: get(kube, namespace, "ecsenvironments", "test"),
        lambda o: o is not None and o["status"]["loadBalancers"]["public"].get("httpsListenerArn"),
        timeout=30,
    )

    # Removed from the spec: listeners, load balancer and its group go.
    apply(kubectl, namespace, env())
    eventually(lambda: _balancers(aws), lambda found: "kudos-test-pub" not in found, timeout=60)
    gone = eventually(
        lambda: get(kube, namespace, "ecsenvironments", "test"),
        lambda o: o is not None and not (o["status"].get("loadBalancers") or {}).get("public"),
        timeout=60,
    )
    assert condition(gone)["status"] == "True"
    groups = aws.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["kudos-test-pub-lb"]}]
    )["SecurityGroups"]
    assert groups == []


def test_a_private_load_balancer_lets_in_the_vpc_only_and_goes_with_its_environment(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, app(), env(http={"private": {"idleTimeout": 120}}))
    operator.start()
    ready = wait_ready(kube, namespace, "ecsenvironments", "test", timeout=90)
    private = ready["status"]["loadBalancers"]["private"]
    balancer = _balancers(aws)["kudos-test-int"]
    assert balancer["Scheme"] == "internal"
    vpc = aws.client("ec2").describe_vpcs(VpcIds=[balancer["VpcId"]])["Vpcs"][0]
    assert _ingress(aws, private["securityGroupId"]) == {(80, vpc["CidrBlock"])}
    attributes = aws.client("elbv2").describe_load_balancer_attributes(
        LoadBalancerArn=private["arn"]
    )["Attributes"]
    assert {"Key": "idle_timeout.timeout_seconds", "Value": "120"} in attributes

    kubectl("delete", "ecsenvironment", "test", "-n", namespace, "--wait=true", check=True)
    assert "kudos-test-int" not in _balancers(aws)


def _rules(aws: LocalAws, listener: str) -> list[dict[str, Any]]:
    found = aws.client("elbv2").describe_rules(ListenerArn=listener)["Rules"]
    return [rule for rule in found if not rule["IsDefault"]]


def _paths(rule: dict[str, Any]) -> list[str]:
    condition = next(c for c in rule["Conditions"] if c["Field"] == "path-pattern")
    return sorted(condition.get("PathPatternConfig", {}).get("Values") or condition["Values"])


def test_services_routed_by_path_more_specific_first_and_unrouted(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(
        kubectl,
        namespace,
        app(),
        env(http={"public": {}}),
        service("web", port=80, http={"path": "/"}),
        service("api", port=8080, http={"path": "api", "healthCheck": {"path": "/healthz"}}),
    )
    operator.start()
    environment = wait_ready(kube, namespace, "ecsenvironments", "test", timeout=90)
    public = environment["status"]["loadBalancers"]["public"]
    api = wait_ready(kube, namespace, "ecsservices", "api", timeout=90)["status"]
    web = wait_ready(kube, namespace, "ecsservices", "web", timeout=90)["status"]

    assert api["endpoints"]["http"] == f"http://{public['dnsName']}/api"
    assert web["endpoints"]["http"] == f"http://{public['dnsName']}/"
    rules = {rule["RuleArn"]: rule for rule in _rules(aws, public["httpListenerArn"])}
    assert _paths(rules[api["http"]["ruleArn"]]) == ["/api", "/api/*"]
    assert _paths(rules[web["http"]["ruleArn"]]) == ["/*"]
    # A deeper path is looked at first: /api before the catch-all.
    assert api["http"]["rulePriority"] < web["http"]["rulePriority"]

    group = aws.client("elbv2").describe_target_groups(
        TargetGroupArns=[api["http"]["targetGroupArn"]]
    )["TargetGroups"][0]
    assert (group["TargetType"], group["Port"], group["HealthCheckPath"]) == (
        "ip",
        8080,
        "/healthz",
    )
    ecs_api = described(aws, "api")
    assert ecs_api["loadBalancers"] == [
        {"targetGroupArn": group["TargetGroupArn"], "containerName": "api", "containerPort": 8080}
    ]
    assert ecs_api["healthCheckGracePeriodSeconds"] == 60
    groups = ecs_api["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"]
    assert public["targetsSecurityGroupId"] in groups
    assert len(groups) == 2  # the VPC's default group stays beside it

    # No longer routed: the service lets go, then its rule and target group go.
    apply(kubectl, namespace, service("api", port=8080))
    eventually(
        lambda: get(kube, namespace, "ecsservices", "api"),
        lambda o: (
            o is not None and not o["status"].get("http") and condition(o)["status"] == "True"
        ),
        timeout=60,
    )
    assert described(aws, "api").get("loadBalancers") in ([], None)
    assert [r["RuleArn"] for r in _rules(aws, public["httpListenerArn"])] == [
        web["http"]["ruleArn"]
    ]
    names = [
        g["TargetGroupName"] for g in aws.client("elbv2").describe_target_groups()["TargetGroups"]
    ]
    assert "kudos-test-api" not in names


def test_https_routing_a_path_clash_a_restart_and_a_rule_changed_out_of_band(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    certificate = aws.client("acm").request_certificate(DomainName="kudos.example.com")[
        "CertificateArn"
    ]
    apply(
        kubectl,
        namespace,
        app(),
        env(http={"public": {"certificates": [certificate]}}),
        service("api", port=8080, http={"path": "api", "alias": ["kudos.example.com"]}),
    )
    operator.start()
    public = wait_ready(kube, namespace, "ecsenvironments", "test", timeout=90)["status"][
        "loadBalancers"
    ]["public"]
    api = wait_ready(kube, namespace, "ecsservices", "api", timeout=90)["status"]
    assert api["endpoints"]["http"] == "https://kudos.example.com/api"
    assert api["http"]["listenerArn"] == public["httpsListenerArn"]
    rule = {r["RuleArn"]: r for r in _rules(aws, public["httpsListenerArn"])}[
        api["http"]["ruleArn"]
    ]
    hosts = next(c for c in rule["Conditions"] if c["Field"] == "host-header")
    assert hosts["HostHeaderConfig"]["Values"] == ["kudos.example.com"]

    # The same path and host for another service: refused, naming who routes it.
    apply(
        kubectl,
        namespace,
        service("api-two", port=8080, http={"path": "/api", "alias": ["kudos.example.com"]}),
    )
    refused = eventually(
        lambda: get(kube, namespace, "ecsservices", "api-two"),
        lambda o: o is not None and condition(o).get("reason") == "PathTaken",
        timeout=60,
    )
    assert f"EcsService {namespace}/api" in condition(refused)["message"]
    assert len(_rules(aws, public["httpsListenerArn"])) == 1

    # A restart keeps every priority; a rule changed by hand is put back by the resync.
    operator.stop()
    operator.start()
    elb = aws.client("elbv2")
    elb.modify_rule(
        RuleArn=api["http"]["ruleArn"],
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/elsewhere"]}}],
    )
    repaired = eventually(
        lambda: {r["RuleArn"]: r for r in _rules(aws, public["httpsListenerArn"])},
        lambda rules: _paths(rules[api["http"]["ruleArn"]]) == ["/api", "/api/*"],
        timeout=60,
    )
    assert repaired[api["http"]["ruleArn"]]["Priority"] == str(api["http"]["rulePriority"])
    after = get(kube, namespace, "ecsservices", "api")
    assert after is not None
    assert after["status"]["http"] == api["http"]
