"""render.scaling and observe.scaling: spec.autoscaling as Application Auto Scaling
requests, shaped as Copilot made them, and what differs from what AWS holds."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from controller.api.scaling import Autoscaling
from controller.observe.scaling import ScalingFacts, scaling_delta
from controller.render.scaling import (
    our_policy_names,
    policy_name,
    put_policy_request,
    register_request,
    resource_id,
    scaling_wanted,
)

CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/kudos-test"
LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/kudos-test-pub/50dc6c495c0c9188"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/kudos-test-api/73e2d6bc24d8a067"
TAGS = {"kopilot.dev/owner-uid": "uid-1"}


def scaling(**fields: Any) -> Autoscaling:
    return Autoscaling.model_validate({"min": 1, "max": 10, **fields})


def test_the_target_is_the_services_desired_count_by_cluster_name() -> None:
    assert resource_id(CLUSTER, "api") == "service/kudos-test/api"
    want = scaling_wanted(CLUSTER, "api", "api", scaling(), TAGS)
    assert register_request(want, tags=True) == {
        "ServiceNamespace": "ecs",
        "ResourceId": "service/kudos-test/api",
        "ScalableDimension": "ecs:service:DesiredCount",
        "MinCapacity": 1,
        "MaxCapacity": 10,
        "Tags": TAGS,
    }
    assert "Tags" not in register_request(want, tags=False)  # an update takes none


def test_cpu_and_memory_policies_are_copilots() -> None:
    want = scaling_wanted(
        CLUSTER, "api", "api", scaling(cpuPercentage=70, memoryPercentage=80), TAGS
    )
    assert want.policy_names == (
        "api-ECSServiceAverageCPUUtilization-ScalingPolicy",
        "api-ECSServiceAverageMemoryUtilization-ScalingPolicy",
    )
    name, tracking = want.policies[0]
    assert put_policy_request(want, name, tracking) == {
        "PolicyName": "api-ECSServiceAverageCPUUtilization-ScalingPolicy",
        "ServiceNamespace": "ecs",
        "ResourceId": "service/kudos-test/api",
        "ScalableDimension": "ecs:service:DesiredCount",
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
            },
            "ScaleInCooldown": 120,
            "ScaleOutCooldown": 60,
        },
    }


def test_request_and_response_time_policies_name_the_load_balancer_and_group() -> None:
    spec = scaling(requestsPerTarget=500, responseTime=0.25, cooldown={"in": 300, "out": 30})
    want = scaling_wanted(CLUSTER, "api", "api", spec, TAGS, LB, TG)
    policies = dict(want.policies)
    requests = policies[policy_name("api", "ALBSumRequestCountPerTarget")]
    assert requests["CustomizedMetricSpecification"] == {
        "MetricName": "RequestCountPerTarget",
        "Namespace": "AWS/ApplicationELB",
        "Dimensions": [
            {"Name": "LoadBalancer", "Value": "app/kudos-test-pub/50dc6c495c0c9188"},
            {"Name": "TargetGroup", "Value": "targetgroup/kudos-test-api/73e2d6bc24d8a067"},
        ],
        "Statistic": "Sum",
    }
    assert (requests["ScaleInCooldown"], requests["ScaleOutCooldown"]) == (300, 30)
    latency = policies[policy_name("api", "ALBAverageResponseTime")]
    assert latency["CustomizedMetricSpecification"]["Statistic"] == "Average"
    assert latency["TargetValue"] == 0.25


def test_load_balancer_metrics_need_a_target_group() -> None:
    with pytest.raises(ValueError, match="target group"):
        scaling_wanted(CLUSTER, "api", "api", scaling(requestsPerTarget=500), TAGS)


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"min": 5, "max": 2}, "min"),
        ({"min": -1, "max": 2}, "min"),
        ({"min": 1, "max": 2, "cpuPercentage": 120}, "cpuPercentage"),
        ({"min": 1, "max": 2, "cooldown": {"in": -5}}, "in"),
    ],
)
def test_bad_ranges_are_refused(fields: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError, match=where):
        Autoscaling.model_validate(fields)


def _facts(
    minimum: int = 1, maximum: int = 10, policies: dict[str, Any] | None = None
) -> ScalingFacts:
    return ScalingFacts({"MinCapacity": minimum, "MaxCapacity": maximum}, policies)


def _described(want_policies: tuple[tuple[str, dict[str, Any]], ...]) -> dict[str, Any]:
    # As AWS describes them: DisableScaleIn added, a whole number given back as an int.
    return {
        name: {
            "PolicyName": name,
            "TargetTrackingScalingPolicyConfiguration": {
                **tracking,
                "TargetValue": int(tracking["TargetValue"]),
                "DisableScaleIn": False,
            },
        }
        for name, tracking in want_policies
    }


def test_nothing_differs_when_aws_holds_what_is_wanted() -> None:
    want = scaling_wanted(CLUSTER, "api", "api", scaling(cpuPercentage=70), TAGS)
    facts = _facts(policies=_described(want.policies))
    assert scaling_delta(want, facts, our_policy_names("api"), None, None) == {}


def test_capacities_and_a_changed_policy_differ_and_our_unwanted_policy_goes() -> None:
    want = scaling_wanted(CLUSTER, "api", "api", scaling(cpuPercentage=50), TAGS)
    before = scaling_wanted(
        CLUSTER, "api", "api", scaling(cpuPercentage=70, memoryPercentage=80), TAGS
    )
    described = _described(before.policies)
    described["someone-elses"] = {"PolicyName": "someone-elses"}
    delta = scaling_delta(
        want, _facts(2, 4, described), our_policy_names("api"), before.digest, None
    )
    cpu = policy_name("api", "ECSServiceAverageCPUUtilization")
    memory = policy_name("api", "ECSServiceAverageMemoryUtilization")
    assert delta == {
        "MinCapacity": 1,
        "MaxCapacity": 10,
        f"policies.{cpu}": dict(want.policies)[cpu],
        f"policies.{memory}": None,
    }


def test_unread_policies_are_judged_by_the_digest_last_put() -> None:
    want = scaling_wanted(CLUSTER, "api", "api", scaling(cpuPercentage=70), TAGS)
    ours = our_policy_names("api")
    assert scaling_delta(want, _facts(), ours, want.digest, list(want.policy_names)) == {}
    memory = policy_name("api", "ECSServiceAverageMemoryUtilization")
    delta = scaling_delta(want, _facts(), ours, "an-older-digest", [memory])
    assert set(delta) == {f"policies.{want.policy_names[0]}", f"policies.{memory}"}
    assert delta[f"policies.{memory}"] is None
