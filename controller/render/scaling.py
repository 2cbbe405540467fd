"""spec.autoscaling as Application Auto Scaling requests (pure): the scalable target of the
ECS service's desired count, and one target tracking policy per metric, named and shaped as
Copilot's CloudFormation made them, so a service taken over from Copilot keeps its policies
(PutScalingPolicy of the same name updates in place) instead of gaining a second set."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..api.scaling import Autoscaling

NAMESPACE = "ecs"
DIMENSION = "ecs:service:DesiredCount"
# Copilot's policy names: {svc}-{metric}-ScalingPolicy.
CPU = "ECSServiceAverageCPUUtilization"
MEMORY = "ECSServiceAverageMemoryUtilization"
REQUESTS = "ALBSumRequestCountPerTarget"
RESPONSE_TIME = "ALBAverageResponseTime"
METRICS = (CPU, MEMORY, REQUESTS, RESPONSE_TIME)


@dataclass(frozen=True)
class ScalingWant:
    resource_id: str
    min: int
    max: int
    policies: tuple[tuple[str, dict[str, Any]], ...]  # (name, TargetTracking configuration)
    tags: Mapping[str, str]

    @property
    def policy_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.policies)

    @property
    def digest(self) -> str:
        return policies_digest(self.policies)


def resource_id(cluster_arn_or_name: str, service_name: str) -> str:
    """Application Auto Scaling's ResourceId of an ECS service: service/{cluster}/{service},
    with the cluster's name (API_RegisterScalableTarget: ResourceId)."""
    cluster = cluster_arn_or_name.rsplit("/", 1)[-1]
    return f"service/{cluster}/{service_name}"


def policy_name(svc: str, metric: str) -> str:
    return f"{svc}-{metric}-ScalingPolicy"


def our_policy_names(svc: str) -> frozenset[str]:
    """Every name kopilot may give this service's policies: what is not among them is left."""
    return frozenset(policy_name(svc, metric) for metric in METRICS)


def _elb_dimensions(load_balancer_arn: str, target_group_arn: str) -> list[dict[str, str]]:
    """CloudWatch's AWS/ApplicationELB dimensions: the ARNs' resource parts
    (app/{name}/{id} and targetgroup/{name}/{id})."""
    return [
        {"Name": "LoadBalancer", "Value": load_balancer_arn.split(":loadbalancer/", 1)[-1]},
        {"Name": "TargetGroup", "Value": target_group_arn.rsplit(":", 1)[-1]},
    ]


def _tracking(value: float, scaling: Autoscaling, metric: dict[str, Any]) -> dict[str, Any]:
    return {
        "TargetValue": float(value),
        **metric,
        "ScaleInCooldown": scaling.cooldown.in_,
        "ScaleOutCooldown": scaling.cooldown.out,
    }


def policies_wanted(
    svc: str,
    scaling: Autoscaling,
    load_balancer_arn: str | None = None,
    target_group_arn: str | None = None,
) -> tuple[tuple[str, dict[str, Any]], ...]:
    """(name, TargetTrackingScalingPolicyConfiguration) per metric set. The load balancer
    metrics need the routed service's load balancer and target group."""
    wanted: list[tuple[str, dict[str, Any]]] = []
    for metric, value in ((CPU, scaling.cpu_percentage), (MEMORY, scaling.memory_percentage)):
        if value is not None:
            predefined = {"PredefinedMetricSpecification": {"PredefinedMetricType": metric}}
            wanted.append((policy_name(svc, metric), _tracking(value, scaling, predefined)))
    elb = (
        _elb_dimensions(load_balancer_arn, target_group_arn)
        if load_balancer_arn and target_group_arn
        else None
    )
    for metric, value, name, statistic in (
        (REQUESTS, scaling.requests_per_target, "RequestCountPerTarget", "Sum"),
        (RESPONSE_TIME, scaling.response_time, "TargetResponseTime", "Average"),
    ):
        if value is None:
            continue
        if elb is None:
            raise ValueError(f"autoscaling {metric} needs the service's target group")
        custom = {
            "CustomizedMetricSpecification": {
                "MetricName": name,
                "Namespace": "AWS/ApplicationELB",
                "Dimensions": elb,
                "Statistic": statistic,
            }
        }
        wanted.append((policy_name(svc, metric), _tracking(value, scaling, custom)))
    return tuple(wanted)


def scaling_wanted(
    cluster: str,
    service_name: str,
    svc: str,
    scaling: Autoscaling,
    tags: Mapping[str, str],
    load_balancer_arn: str | None = None,
    target_group_arn: str | None = None,
) -> ScalingWant:
    return ScalingWant(
        resource_id=resource_id(cluster, service_name),
        min=scaling.min,
        max=scaling.max,
        policies=policies_wanted(svc, scaling, load_balancer_arn, target_group_arn),
        tags=tags,
    )


def register_request(want: ScalingWant, tags: bool) -> dict[str, Any]:
    """RegisterScalableTarget: creates the target, or updates its capacities. Tags are taken
    only by a new target (API_RegisterScalableTarget: Tags)."""
    request: dict[str, Any] = {
        "ServiceNamespace": NAMESPACE,
        "ResourceId": want.resource_id,
        "ScalableDimension": DIMENSION,
        "MinCapacity": want.min,
        "MaxCapacity": want.max,
    }
    if tags and want.tags:
        request["Tags"] = dict(want.tags)
    return request


def put_policy_request(want: ScalingWant, name: str, tracking: dict[str, Any]) -> dict[str, Any]:
    return {
        "PolicyName": name,
        "ServiceNamespace": NAMESPACE,
        "ResourceId": want.resource_id,
        "ScalableDimension": DIMENSION,
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": tracking,
    }


def policies_digest(policies: tuple[tuple[str, dict[str, Any]], ...]) -> str:
    text = json.dumps(policies, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
