"""spec.autoscaling: Copilot's count range as an Application Auto Scaling target with target
tracking policies, and an operator that never fights the autoscaler for the desired count."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Kube, Kubectl
from tests.fixtures_aws import LocalAws
from tests.operator.objects import (
    CLUSTER,
    app,
    apply,
    described,
    env,
    get,
    service,
    wait_ready,
    writes,
)
from tests.operator_process import OperatorProcess, eventually

pytestmark = [pytest.mark.controlplane, pytest.mark.aws]

RESOURCE = f"service/{CLUSTER}/api"
CPU = "api-ECSServiceAverageCPUUtilization-ScalingPolicy"
MEMORY = "api-ECSServiceAverageMemoryUtilization-ScalingPolicy"
REQUESTS = "api-ALBSumRequestCountPerTarget-ScalingPolicy"


def _target(aws: LocalAws) -> dict[str, Any] | None:
    found = aws.client("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[RESOURCE]
    )["ScalableTargets"]
    return dict(found[0]) if found else None


def _policies(aws: LocalAws) -> dict[str, dict[str, Any]]:
    found = aws.client("application-autoscaling").describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=RESOURCE
    )["ScalingPolicies"]
    return {p["PolicyName"]: p for p in found}


def _api(**spec: Any) -> dict[str, Any]:
    return service("api", port=8080, http={"path": "api"}, **spec)


def test_a_range_tracks_cpu_and_requests_and_leaves_the_count_to_the_autoscaler(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    scaling = {"min": 2, "max": 6, "cpuPercentage": 70, "requestsPerTarget": 500}
    apply(kubectl, namespace, app(), env(http={"public": {}}), _api(autoscaling=scaling))
    operator.start()
    ready = wait_ready(kube, namespace, "ecsservices", "api", timeout=90)["status"]
    target = _target(aws)
    assert target is not None
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 6)
    assert described(aws, "api")["desiredCount"] == 2  # a new service starts at min
    policies = _policies(aws)
    assert set(policies) == {CPU, REQUESTS}
    cpu = policies[CPU]["TargetTrackingScalingPolicyConfiguration"]
    assert cpu["TargetValue"] == 70
    assert (cpu["ScaleInCooldown"], cpu["ScaleOutCooldown"]) == (120, 60)
    requests = policies[REQUESTS]["TargetTrackingScalingPolicyConfiguration"]
    dimensions = {
        d["Name"]: d["Value"] for d in requests["CustomizedMetricSpecification"]["Dimensions"]
    }
    assert ready["http"]["targetGroupArn"].endswith(dimensions["TargetGroup"])
    assert ready["autoscaling"]["min"] == 2
    assert ready["autoscaling"]["policies"] == [CPU, REQUESTS]

    # The autoscaler scales out; three resyncs later nobody has set it back.
    aws.client("ecs").update_service(cluster=CLUSTER, service="api", desiredCount=5)
    aws.reset_counters()
    calls = eventually(aws.counters, lambda c: c.get("ecs:DescribeClusters", 0) >= 3, timeout=30)
    assert writes(calls) == {}
    assert described(aws, "api")["desiredCount"] == 5
    after = eventually(
        lambda: get(kube, namespace, "ecsservices", "api"),
        lambda o: o is not None and o["status"].get("desiredCount") == 5,
        timeout=20,
    )
    assert after is not None

    # A range changed: capacities and policies follow; still no desiredCount sent.
    aws.reset_counters()
    apply(
        kubectl,
        namespace,
        _api(autoscaling={"min": 1, "max": 8, "memoryPercentage": 60}),
    )
    eventually(lambda: _policies(aws), lambda found: set(found) == {MEMORY}, timeout=30)
    target = _target(aws)
    assert target is not None
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 8)
    assert aws.counters().get("ecs:UpdateService", 0) == 0


def test_a_range_to_a_fixed_count_and_back(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(
        kubectl,
        namespace,
        app(),
        env(http={"public": {}}),
        _api(autoscaling={"min": 1, "max": 4, "cpuPercentage": 50}),
    )
    operator.start()
    wait_ready(kube, namespace, "ecsservices", "api", timeout=90)
    aws.client("ecs").update_service(cluster=CLUSTER, service="api", desiredCount=3)

    # A fixed count: the target (and its policies) go first, then the count is set once.
    aws.reset_counters()
    apply(kubectl, namespace, _api(count=2))
    eventually(lambda: described(aws, "api")["desiredCount"], lambda n: n == 2, timeout=30)
    assert _target(aws) is None
    assert _policies(aws) == {}
    fixed = eventually(
        lambda: get(kube, namespace, "ecsservices", "api"),
        lambda o: o is not None and not o["status"].get("autoscaling"),
        timeout=20,
    )
    assert fixed is not None
    assert aws.counters().get("application-autoscaling:DeregisterScalableTarget") == 1

    # And back to a range, which starts from the count the service has.
    aws.reset_counters()
    apply(kubectl, namespace, _api(autoscaling={"min": 2, "max": 5, "cpuPercentage": 60}))
    target = eventually(lambda: _target(aws), lambda t: t is not None, timeout=30)
    assert target is not None
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 5)
    assert set(_policies(aws)) == {CPU}
    assert aws.counters().get("ecs:UpdateService", 0) == 0
    assert described(aws, "api")["desiredCount"] == 2

    # Deleted with the service: AWS would keep a deleted service's target.
    kubectl("delete", "ecssvc", "api", "-n", namespace, "--wait=true", check=True)
    assert _target(aws) is None
