"""deploy/iam/kopilot-policy.json grants exactly the AWS calls the operator makes, and its
conditions keep the operator's hands off resources that are not its own."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable
from fnmatch import fnmatchcase
from functools import cache
from typing import Any

import boto3
import pytest

from controller.naming import TAG_OWNER_UID
from tests.deploy.manifests import POLICY, ROOT

# Receivers of boto3 calls in controller/aws (the gateways' client parameters).
CLIENTS = {
    "ecs": "ecs",
    "sd": "servicediscovery",
    "ec2": "ec2",
    "elb": "elbv2",
    "aas": "application-autoscaling",
    "logs": "logs",
}
# IAM's prefix where it is not boto3's service name.
IAM_PREFIX = {"elbv2": "elasticloadbalancing"}
# Permissions AWS checks on the caller beyond the operation itself.
DEPENDENT = {
    # The role of an environment (spec.roleArn), assumed by botocore's refresher.
    "sts:AssumeRole": "controller/aws/clients.py: create_assume_role_refresher",
    # Tags given on create are authorised as TagResource too.
    "ecs:TagResource": "tag-on-create of CreateCluster, CreateService, RegisterTaskDefinition",
    # A task definition's executionRoleArn / taskRoleArn.
    "iam:PassRole": "RegisterTaskDefinition with an execution or task role",
    # Cloud Map makes a private hosted zone for a DNS_PRIVATE namespace, as the caller.
    "route53:CreateHostedZone": "CreatePrivateDnsNamespace",
    "route53:GetHostedZone": "CreatePrivateDnsNamespace",
    "route53:ListHostedZonesByName": "CreatePrivateDnsNamespace",
    "ec2:DescribeRegions": "CreatePrivateDnsNamespace",
    "servicediscovery:TagResource": "tag-on-create of namespaces and services",
    "ec2:CreateTags": "tag-on-create of security groups (TagSpecifications)",
    "elasticloadbalancing:AddTags": "tag-on-create of load balancers and listeners",
    "logs:TagResource": "tag-on-create of log groups (CreateLogGroup with tags)",
    # Target tracking makes and removes its CloudWatch alarms as the caller
    # (Application Auto Scaling User Guide, "Permissions for target tracking").
    "cloudwatch:DescribeAlarms": "PutScalingPolicy, DeleteScalingPolicy",
    "cloudwatch:PutMetricAlarm": "PutScalingPolicy",
    "cloudwatch:DeleteAlarms": "DeleteScalingPolicy, DeregisterScalableTarget",
    # The first scalable target of an account makes Application Auto Scaling's role for ECS.
    "iam:CreateServiceLinkedRole": "RegisterScalableTarget",
}


def _policy() -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(POLICY.read_text())
    return policy


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _granted() -> set[str]:
    return {a for s in _policy()["Statement"] for a in _listed(s["Action"])}


@cache
def _operations(service: str) -> dict[str, str]:
    client = boto3.session.Session().client(service, region_name="us-east-1")
    mapping: dict[str, str] = client.meta.method_to_api_mapping
    return mapping


def called_actions() -> set[str]:
    """`service:Operation` for every boto3 call in controller/aws (keyword-only calls on the
    client parameters, and paginators)."""
    found = set()
    for path in sorted((ROOT / "controller" / "aws").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in CLIENTS
            ):
                continue
            service, method = CLIENTS[node.func.value.id], node.func.attr
            if method == "get_paginator":
                first = node.args[0]
                assert isinstance(first, ast.Constant)
                method = str(first.value)
            operation = _operations(service).get(method)
            assert operation, f"{path.name}: {method} is not a {service} operation"
            found.add(f"{IAM_PREFIX.get(service, service)}:{operation}")
    return found


def test_calls_are_only_made_through_the_gateways() -> None:
    """Nothing outside controller/aws calls a boto3 client directly (so the scan above sees
    every call): operations are called with keyword arguments only."""
    names = {op for service in set(CLIENTS.values()) for op in _operations(service)}
    stray = []
    for path in sorted((ROOT / "controller").rglob("*.py")):
        # The sandbox is the emulator's; the kubectl plugin runs with its user's credentials,
        # not the operator's (docs/day-2.md lists what it needs).
        if "sandbox" in path.parts or "plugin" in path.parts or path.parent.name == "aws":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in names
                and not node.args
                and node.keywords
            ):
                stray.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr}")
    assert stray == []


def test_the_policy_grants_every_call_and_nothing_else() -> None:
    called = called_actions()
    assert "ecs:CreateService" in called
    assert "servicediscovery:GetOperation" in called
    granted = _granted()
    assert called - granted == set(), "calls the policy does not grant"
    assert granted - called - set(DEPENDENT) == set(), "grants no call needs"
    assert set(DEPENDENT) <= granted


def test_the_policy_is_well_formed() -> None:
    policy = _policy()
    assert policy["Version"] == "2012-10-17"
    sids = [s["Sid"] for s in policy["Statement"]]
    assert len(sids) == len(set(sids))
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        for action in _listed(statement["Action"]):
            service, _, name = action.partition(":")
            assert "*" not in action, action
            if service in ("ecs", "servicediscovery", "ec2", "sts", "route53"):
                assert name in _operations(service).values(), action


# -- a small evaluator of the policy's Allow statements ------------------------------------------


def _condition_holds(conditions: dict[str, dict[str, Any]], context: dict[str, str]) -> bool:
    for operator, tests in conditions.items():
        for key, wanted in tests.items():
            if operator == "Null":
                if (key not in context) != (wanted == "true"):
                    return False
            elif operator == "StringEquals":
                if context.get(key) not in _listed(wanted):
                    return False
            else:
                raise AssertionError(f"the evaluator does not know {operator}")
    return True


def allowed(
    action: str,
    resource: str = "*",
    request_tags: Iterable[str] = (),
    resource_tags: Iterable[str] = (),
    policy: dict[str, Any] | None = None,
    **context: str,
) -> bool:
    keys = {key.replace("__", ":"): value for key, value in context.items()}
    keys |= {f"aws:RequestTag/{tag}": "x" for tag in request_tags}
    keys |= {f"aws:ResourceTag/{tag}": "x" for tag in resource_tags}
    for statement in (policy or _policy())["Statement"]:
        if statement["Effect"] != "Allow":
            continue
        if not any(fnmatchcase(action, a) for a in _listed(statement["Action"])):
            continue
        if not any(fnmatchcase(resource, r) for r in _listed(statement["Resource"])):
            continue
        if _condition_holds(statement.get("Condition", {}), keys):
            return True
    return False


CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/kudos-test"
SERVICE = "arn:aws:ecs:us-east-1:123456789012:service/kudos-test/api"
NAMESPACE = "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-1"
SD_SERVICE = "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-1"
ROLE = "arn:aws:iam::123456789012:role/kudos-task"
LOAD_BALANCER = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/kudos-test-pub/1a2b"
)
LISTENER = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/kudos-test-pub/1a2b/3c4d"
)
SECURITY_GROUP = "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123"
OWNED = (TAG_OWNER_UID,)


@pytest.mark.parametrize(
    "action",
    [
        "ecs:CreateCluster",
        "ecs:CreateService",
        "servicediscovery:CreateService",
        "ec2:CreateSecurityGroup",
        "elasticloadbalancing:CreateLoadBalancer",
        "elasticloadbalancing:CreateListener",
    ],
)
def test_creates_must_carry_the_ownership_tag(action: str) -> None:
    assert allowed(action, request_tags=[TAG_OWNER_UID, "team"])
    assert not allowed(action, request_tags=["team"])


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("ecs:UpdateCluster", CLUSTER),
        ("ecs:DeleteCluster", CLUSTER),
        ("ecs:UpdateService", SERVICE),
        ("ecs:DeleteService", SERVICE),
        ("servicediscovery:DeleteNamespace", NAMESPACE),
        ("servicediscovery:DeleteService", SD_SERVICE),
        ("ec2:AuthorizeSecurityGroupIngress", SECURITY_GROUP),
        ("ec2:DeleteSecurityGroup", SECURITY_GROUP),
        ("elasticloadbalancing:DeleteLoadBalancer", LOAD_BALANCER),
        ("elasticloadbalancing:ModifyLoadBalancerAttributes", LOAD_BALANCER),
        ("elasticloadbalancing:ModifyListener", LISTENER),
        ("elasticloadbalancing:DeleteListener", LISTENER),
    ],
)
def test_changes_are_for_owned_resources_only(action: str, resource: str) -> None:
    assert allowed(action, resource, resource_tags=OWNED)
    assert not allowed(action, resource, resource_tags=["team"])


@pytest.mark.parametrize(
    ("action", "resource"),
    [("ecs:TagResource", CLUSTER), ("servicediscovery:TagResource", NAMESPACE)],
)
def test_tags_change_on_owned_resources_or_to_claim_one(action: str, resource: str) -> None:
    assert allowed(action, resource, request_tags=["team"], resource_tags=OWNED)
    # Claiming (spec.adopt: true) writes the ownership tag first.
    assert allowed(action, resource, request_tags=[TAG_OWNER_UID], resource_tags=["team"])
    assert not allowed(action, resource, request_tags=["team"], resource_tags=["team"])


def test_roles_are_passed_to_ecs_tasks_only() -> None:
    assert allowed("iam:PassRole", ROLE, iam__PassedToService="ecs-tasks.amazonaws.com")
    assert not allowed("iam:PassRole", ROLE, iam__PassedToService="ec2.amazonaws.com")
    assert not allowed("iam:PassRole", ROLE)


@pytest.mark.parametrize(
    "action",
    [
        "ecs:RunTask",
        "ecs:DeleteTaskDefinitions",
        "ecs:ExecuteCommand",
        "ecs:UntagResource",
        "servicediscovery:RegisterInstance",
        "servicediscovery:UntagResource",
        "route53:DeleteHostedZone",
        "route53:ChangeResourceRecordSets",
        "iam:CreateRole",
        "ssm:GetParameters",
        "secretsmanager:GetSecretValue",
        "ec2:CreateVpc",
    ],
)
def test_what_the_operator_never_does_is_denied(action: str) -> None:
    assert not allowed(action, "*", request_tags=OWNED, resource_tags=OWNED)


def test_autoscaling_makes_only_its_own_alarms_and_service_linked_role() -> None:
    alarm = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:TargetTracking-service/kudos-test/api-AlarmHigh-1"
    assert allowed("cloudwatch:PutMetricAlarm", alarm)
    assert not allowed(
        "cloudwatch:PutMetricAlarm", "arn:aws:cloudwatch:us-east-1:123456789012:alarm:billing"
    )
    role = (
        "arn:aws:iam::123456789012:role/aws-service-role/ecs.application-autoscaling.amazonaws."
        "com/AWSServiceRoleForApplicationAutoScaling_ECSService"
    )
    assert allowed(
        "iam:CreateServiceLinkedRole",
        role,
        iam__AWSServiceName="ecs.application-autoscaling.amazonaws.com",
    )
    assert not allowed(
        "iam:CreateServiceLinkedRole",
        "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
        iam__AWSServiceName="ecs.amazonaws.com",
    )


def test_the_narrowed_statements_for_many_teams_keep_to_their_path() -> None:
    """deploy/iam/README.md's statements for a shared operator: the teams' roles only."""
    text = (ROOT / "deploy" / "iam" / "README.md").read_text()
    block = text.split("<!-- narrowed-statements -->", 1)[1].split("```json", 1)[1]
    statements = json.loads(block.split("```", 1)[0])
    shipped = {s["Sid"] for s in _policy()["Statement"]}
    assert {s["Sid"] for s in statements} <= shipped  # they replace shipped statements
    narrowed = {"Version": "2012-10-17", "Statement": statements}
    team = "arn:aws:iam::123456789012:role/kopilot-tenants/team-a/deployer"
    admin = "arn:aws:iam::123456789012:role/admin"
    assert allowed("sts:AssumeRole", team, policy=narrowed)
    assert not allowed("sts:AssumeRole", admin, policy=narrowed)
    tasks = {"iam__PassedToService": "ecs-tasks.amazonaws.com"}
    assert allowed("iam:PassRole", team, policy=narrowed, **tasks)
    assert not allowed("iam:PassRole", admin, policy=narrowed, **tasks)
    assert not allowed(
        "iam:PassRole", team, policy=narrowed, iam__PassedToService="ec2.amazonaws.com"
    )
