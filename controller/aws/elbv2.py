"""Elastic Load Balancing (v2) calls: load balancers, their attributes, listeners, tags."""

from __future__ import annotations

from typing import Any

from ..naming import from_aws_tags, to_aws_tags


def describe_load_balancer(
    elb: Any, arn: str | None = None, name: str | None = None
) -> dict[str, Any] | None:
    try:
        found = elb.describe_load_balancers(
            **({"LoadBalancerArns": [arn]} if arn else {"Names": [name]})
        )["LoadBalancers"]
    except elb.exceptions.LoadBalancerNotFoundException:
        return None
    return dict(found[0]) if found else None


def tags_of(elb: Any, arn: str) -> dict[str, str]:
    descriptions = elb.describe_tags(ResourceArns=[arn])["TagDescriptions"]
    return from_aws_tags(descriptions[0].get("Tags") if descriptions else [])


def tag(elb: Any, arn: str, tags: dict[str, str]) -> None:
    elb.add_tags(ResourceArns=[arn], Tags=to_aws_tags(tags, "Key", "Value"))


def create_load_balancer(elb: Any, request: dict[str, Any]) -> dict[str, Any]:
    created: dict[str, Any] = elb.create_load_balancer(**request)["LoadBalancers"][0]
    return created


def attributes_of(elb: Any, arn: str) -> dict[str, str]:
    found = elb.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    return {str(a["Key"]): str(a.get("Value", "")) for a in found}


def set_attributes(elb: Any, arn: str, attributes: dict[str, str]) -> None:
    elb.modify_load_balancer_attributes(
        LoadBalancerArn=arn, Attributes=[{"Key": k, "Value": v} for k, v in attributes.items()]
    )


def set_subnets(elb: Any, arn: str, subnets: list[str]) -> None:
    elb.set_subnets(LoadBalancerArn=arn, Subnets=subnets)


def set_security_groups(elb: Any, arn: str, groups: list[str]) -> None:
    elb.set_security_groups(LoadBalancerArn=arn, SecurityGroups=groups)


def delete_load_balancer(elb: Any, arn: str) -> None:
    elb.delete_load_balancer(LoadBalancerArn=arn)


def listeners_of(elb: Any, load_balancer_arn: str) -> list[dict[str, Any]]:
    try:
        pages = elb.get_paginator("describe_listeners").paginate(LoadBalancerArn=load_balancer_arn)
        return [dict(listener) for page in pages for listener in page.get("Listeners", [])]
    except elb.exceptions.LoadBalancerNotFoundException:
        return []


def create_listener(elb: Any, request: dict[str, Any]) -> dict[str, Any]:
    created: dict[str, Any] = elb.create_listener(**request)["Listeners"][0]
    return created


def modify_listener(elb: Any, request: dict[str, Any]) -> dict[str, Any]:
    modified: dict[str, Any] = elb.modify_listener(**request)["Listeners"][0]
    return modified


def add_certificates(elb: Any, listener_arn: str, certificates: list[str]) -> None:
    if certificates:
        elb.add_listener_certificates(
            ListenerArn=listener_arn, Certificates=[{"CertificateArn": c} for c in certificates]
        )


def delete_listener(elb: Any, arn: str) -> None:
    elb.delete_listener(ListenerArn=arn)


# -- target groups and rules ------------------------------------------------------------------


def describe_target_group(
    elb: Any, arn: str | None = None, name: str | None = None
) -> dict[str, Any] | None:
    try:
        found = elb.describe_target_groups(
            **({"TargetGroupArns": [arn]} if arn else {"Names": [name]})
        )["TargetGroups"]
    except elb.exceptions.TargetGroupNotFoundException:
        return None
    return dict(found[0]) if found else None


def target_groups_of(elb: Any, load_balancer_arn: str) -> list[dict[str, Any]]:
    """Every target group a load balancer forwards to (400 a page)."""
    pages = elb.get_paginator("describe_target_groups").paginate(LoadBalancerArn=load_balancer_arn)
    return [dict(group) for page in pages for group in page.get("TargetGroups", [])]


def create_target_group(elb: Any, request: dict[str, Any]) -> dict[str, Any]:
    created: dict[str, Any] = elb.create_target_group(**request)["TargetGroups"][0]
    return created


def modify_target_group(elb: Any, request: dict[str, Any]) -> None:
    elb.modify_target_group(**request)


def target_group_attributes_of(elb: Any, arn: str) -> dict[str, str]:
    found = elb.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]
    return {str(a["Key"]): str(a.get("Value", "")) for a in found}


def set_target_group_attributes(elb: Any, arn: str, attributes: dict[str, str]) -> None:
    elb.modify_target_group_attributes(
        TargetGroupArn=arn, Attributes=[{"Key": k, "Value": v} for k, v in attributes.items()]
    )


def delete_target_group(elb: Any, arn: str) -> None:
    elb.delete_target_group(TargetGroupArn=arn)


def rules_of(elb: Any, listener_arn: str) -> list[dict[str, Any]]:
    """Every rule of a listener (the default one included), 100 a page."""
    rules: list[dict[str, Any]] = []
    marker: str | None = None
    while True:
        page = elb.describe_rules(
            ListenerArn=listener_arn, PageSize=100, **({"Marker": marker} if marker else {})
        )
        rules.extend(dict(rule) for rule in page.get("Rules", []))
        marker = page.get("NextMarker")
        if not marker:
            return rules


def describe_rule(elb: Any, arn: str) -> dict[str, Any] | None:
    try:
        found = elb.describe_rules(RuleArns=[arn])["Rules"]
    except elb.exceptions.RuleNotFoundException:
        return None
    return dict(found[0]) if found else None


def create_rule(elb: Any, request: dict[str, Any]) -> dict[str, Any]:
    created: dict[str, Any] = elb.create_rule(**request)["Rules"][0]
    return created


def modify_rule(elb: Any, request: dict[str, Any]) -> dict[str, Any]:
    modified: dict[str, Any] = elb.modify_rule(**request)["Rules"][0]
    return modified


def delete_rule(elb: Any, arn: str) -> None:
    elb.delete_rule(RuleArn=arn)
