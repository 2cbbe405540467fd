"""Strict mode, Application Auto Scaling of ECS services: each test sends a request AWS refuses
and gets AWS's error, then the corrected request and sees it accepted (so the rule is not
stricter than AWS). The tests of controller/sandbox/aws/strict/application_autoscaling.py come
first; then those of the extensions (what DeregisterScalableTarget deletes, the filters of
DescribeScalingPolicies) and those that pin what moto already does as AWS does.

Application Auto Scaling speaks the JSON protocol: botocore reads the code from `__type`."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from tests.aws.builders import (
    ECS_DESIRED_COUNT,
    application_load_balancer,
    create_web,
    describe,
    ecs_scalable_target,
    http_listener,
    register_web,
    resource_label,
    target_group,
)
from tests.aws.strict.refusals import refusal
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws

WEB = "service/c/web"
CPU = "ECSServiceAverageCPUUtilization"
MEMORY = "ECSServiceAverageMemoryUtilization"
REQUESTS = "ALBRequestCountPerTarget"


def _aas(aws: LocalAws, *, validate: bool = True) -> Any:
    """An Application Auto Scaling client; without botocore's parameter validation, which
    refuses a missing required member before it reaches the emulator."""
    return aws.client("application-autoscaling", max_attempts=1, parameter_validation=validate)


def _error(call: Any) -> tuple[str, str]:
    error = refusal(call)
    return error["Code"], error["Message"]


def _service(aws: LocalAws, name: str = "web", **request: Any) -> str:
    """An ACTIVE service of register_web's task definition in cluster "c"; its resource ID."""
    ecs = aws.client("ecs")
    if not ecs.describe_clusters(clusters=["c"])["clusters"]:
        ecs.create_cluster(clusterName="c")
        register_web(ecs)
    create_web(aws, ecs, serviceName=name, desiredCount=1, **request)
    return f"service/c/{name}"


def _balanced_service(aws: LocalAws) -> tuple[str, str]:
    """Service "web" behind an Application Load Balancer (a listener forwards to its target
    group); its resource ID and the ResourceLabel of that load balancer and target group."""
    balancer = application_load_balancer(aws, "web")
    group = target_group(aws, "web")
    http_listener(aws, balancer, group)
    attached = [{"targetGroupArn": group, "containerName": "app", "containerPort": 8080}]
    return _service(aws, "web", loadBalancers=attached), resource_label(balancer, group)


def _register(aas: Any, **request: Any) -> Any:
    return partial(
        aas.register_scalable_target,
        **{"ServiceNamespace": "ecs", "ResourceId": WEB, "ScalableDimension": ECS_DESIRED_COUNT}
        | request,
    )


def _put(aas: Any, **request: Any) -> Any:
    """PutScalingPolicy of a target tracking policy "cpu" on service web, to call; `request`
    adds to or replaces those parameters."""
    defaults = {
        "PolicyName": "cpu",
        "ServiceNamespace": "ecs",
        "ResourceId": WEB,
        "ScalableDimension": ECS_DESIRED_COUNT,
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": _tracking(CPU),
    }
    # An override of None leaves the parameter out.
    sent = {key: value for key, value in (defaults | request).items() if value is not None}
    return partial(aas.put_scaling_policy, **sent)


def _tracking(metric: str, target: float = 60.0, **extra: Any) -> dict[str, Any]:
    """A TargetTrackingScalingPolicyConfiguration on a predefined metric; `extra` adds to its
    PredefinedMetricSpecification (ResourceLabel) or, capitalised, to the configuration."""
    spec: dict[str, Any] = {"PredefinedMetricType": metric}
    config: dict[str, Any] = {"TargetValue": target, "PredefinedMetricSpecification": spec}
    for key, value in extra.items():
        (spec if key == "ResourceLabel" else config)[key] = value
    return config


def _policies(aas: Any, **request: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = aas.describe_scaling_policies(ServiceNamespace="ecs", **request)[
        "ScalingPolicies"
    ]
    return found


# -- scalable targets --------------------------------------------------------------------------


def test_an_ecs_scalable_target_is_a_service_desired_count(aws: LocalAws) -> None:
    aas = _aas(aws)
    _service(aws)
    for resource_id in (
        "service/web",  # moto: a 500
        "service/c/web/extra",  # moto: a 500
        "c/web",
        # AWS has been seen to take a cluster ARN here and make a target that does not scale.
        "service/arn:aws:ecs:us-east-1:123456789012:cluster/c/web",
    ):
        code, message = _error(_register(aas, ResourceId=resource_id, MinCapacity=1, MaxCapacity=2))
        assert code == "ValidationException"
        assert message == (
            f"Invalid resource ID for service namespace ecs: {resource_id}. The resource ID of "
            "an ECS service is service/<cluster-name>/<service-name>"
        )
    wrong_dimension = _register(
        aas, ScalableDimension="dynamodb:table:ReadCapacityUnits", MinCapacity=1, MaxCapacity=2
    )
    assert _error(wrong_dimension) == (
        "ValidationException",
        "Unsupported service namespace, resource type or scalable dimension",
    )
    assert aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"] == []

    arn = _register(aas, MinCapacity=1, MaxCapacity=2)()["ScalableTargetARN"]
    (target,) = aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert (target["ScalableTargetARN"], target["ResourceId"]) == (arn, WEB)


def test_a_new_scalable_target_needs_min_and_max_capacity(aws: LocalAws) -> None:
    aas = _aas(aws)
    _service(aws)
    for request, missing in (
        ({}, "MinCapacity and MaxCapacity"),
        ({"MinCapacity": 1}, "MaxCapacity"),
        ({"MaxCapacity": 3}, "MinCapacity"),
    ):
        assert _error(_register(aas, **request)) == (
            "ValidationException",
            f"{missing} must be specified when registering a new scalable target",
        )
    assert aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"] == []

    _register(aas, MinCapacity=1, MaxCapacity=3)()
    # An update gives only what it changes.
    _register(aas, MaxCapacity=6)()
    (target,) = aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 6)


def test_capacities_are_not_negative_and_min_is_at_most_max(aws: LocalAws) -> None:
    aas = _aas(aws)
    _service(aws)
    assert _error(_register(aas, MinCapacity=-1, MaxCapacity=2)) == (
        "ValidationException",
        "1 validation error detected: Value '-1' at 'minCapacity' failed to satisfy constraint: "
        "Member must have value greater than or equal to 0",
    )
    code, message = _error(_register(aas, MinCapacity=0, MaxCapacity=-2))
    assert (code, "at 'maxCapacity'" in message) == ("ValidationException", True)
    assert _error(_register(aas, MinCapacity=5, MaxCapacity=2)) == (
        "ValidationException",
        "Minimum capacity (5) cannot be greater than maximum capacity (2)",
    )
    assert aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"] == []

    # 0 is an ECS service's least capacity; an update is checked with the current maximum.
    _register(aas, MinCapacity=0, MaxCapacity=2)()
    assert _error(_register(aas, MinCapacity=3)) == (
        "ValidationException",
        "Minimum capacity (3) cannot be greater than maximum capacity (2)",
    )
    _register(aas, MinCapacity=2)()
    (target,) = aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 2)


def test_a_scalable_target_needs_an_active_ecs_service(aws: LocalAws) -> None:
    aas = _aas(aws)
    ecs = aws.client("ecs")
    _service(aws)
    # moto answered the same for an unknown service, ClusterNotFoundException for an unknown
    # cluster, and took an INACTIVE service.
    for resource_id in ("service/c/api", "service/elsewhere/web"):
        assert _error(_register(aas, ResourceId=resource_id, MinCapacity=1, MaxCapacity=2)) == (
            "ValidationException",
            f"ECS service doesn't exist: {resource_id}",
        )
    aws.settings(drain_seconds=0)
    ecs.delete_service(cluster="c", service="web", force=True)
    aws.eventually(lambda: describe(ecs, "c", "web"), until=lambda s: s["status"] == "INACTIVE")
    assert _error(_register(aas, MinCapacity=1, MaxCapacity=2)) == (
        "ValidationException",
        f"ECS service doesn't exist: {WEB}",
    )
    assert aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"] == []

    api = _service(aws, "api")
    _register(aas, ResourceId=api, MinCapacity=1, MaxCapacity=2)()
    (target,) = aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert target["ResourceId"] == api


# -- scaling policies --------------------------------------------------------------------------


def test_a_policy_name_is_printable_and_at_most_256_characters(aws: LocalAws) -> None:
    aas = _aas(aws)
    ecs_scalable_target(aws, _service(aws))
    long_name = "p" * 257
    assert _error(_put(aas, PolicyName=long_name)) == (
        "ValidationException",
        f"1 validation error detected: Value '{long_name}' at 'policyName' failed to satisfy "
        "constraint: Member must have length less than or equal to 256",
    )
    for name in ("cpu\ttracking", "cpü"):
        assert _error(_put(aas, PolicyName=name)) == (
            "ValidationException",
            f"1 validation error detected: Value '{name}' at 'policyName' failed to satisfy "
            r"constraint: Member must satisfy regular expression pattern: \p{Print}+",
        )
    assert _policies(aas) == []

    for name in ("p" * 256, "cpu tracking: 60% (web)"):
        _put(aas, PolicyName=name)()
    assert len(_policies(aas)) == 2


def test_a_target_tracking_policy_needs_a_target_value_in_range(aws: LocalAws) -> None:
    aas = _aas(aws, validate=False)
    ecs_scalable_target(aws, _service(aws))
    # moto's refusal: a new policy has a PolicyType.
    code, message = _error(_put(aas, PolicyType=None))
    assert (code, "at 'policyType' failed to satisfy constraint" in message) == (
        "ValidationException",
        True,
    )
    assert _error(_put(aas, TargetTrackingScalingPolicyConfiguration=None)) == (
        "ValidationException",
        "TargetTrackingScalingPolicyConfiguration must be specified for a policy of type "
        "TargetTrackingScaling",
    )
    no_value = {"PredefinedMetricSpecification": {"PredefinedMetricType": CPU}}
    assert _error(_put(aas, TargetTrackingScalingPolicyConfiguration=no_value)) == (
        "ValidationException",
        "1 validation error detected: Value null at "
        "'targetTrackingScalingPolicyConfiguration.targetValue' failed to satisfy constraint: "
        "Member must not be null",
    )
    for value in (1e200, -1e200):
        code, message = _error(
            _put(aas, TargetTrackingScalingPolicyConfiguration=_tracking(CPU, value))
        )
        assert code == "ValidationException"
        assert "must be between -2^360 and 2^360" in message
    assert _policies(aas) == []

    _put(aas, TargetTrackingScalingPolicyConfiguration=_tracking(CPU, 2.0**360))()
    (policy,) = _policies(aas)
    assert policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 2.0**360


def test_cooldowns_are_not_negative(aws: LocalAws) -> None:
    aas = _aas(aws)
    ecs_scalable_target(aws, _service(aws))
    for key, field in (
        ("ScaleInCooldown", "scaleInCooldown"),
        ("ScaleOutCooldown", "scaleOutCooldown"),
    ):
        config = _tracking(CPU, **{key: -1})
        assert _error(_put(aas, TargetTrackingScalingPolicyConfiguration=config)) == (
            "ValidationException",
            f"1 validation error detected: Value '-1' at "
            f"'targetTrackingScalingPolicyConfiguration.{field}' failed to satisfy constraint: "
            "Member must have value greater than or equal to 0",
        )
    assert _policies(aas) == []

    config = _tracking(CPU, ScaleInCooldown=0, ScaleOutCooldown=600)
    _put(aas, TargetTrackingScalingPolicyConfiguration=config)()
    (policy,) = _policies(aas)
    assert policy["TargetTrackingScalingPolicyConfiguration"]["ScaleOutCooldown"] == 600


def test_a_scaling_policy_needs_a_registered_target(aws: LocalAws) -> None:
    aas = _aas(aws)
    _service(aws)
    assert _error(_put(aas)) == (
        "ObjectNotFoundException",
        "No scalable target registered for service namespace: ecs, resource ID: service/c/web, "
        "scalable dimension: ecs:service:DesiredCount",
    )
    assert _policies(aas) == []

    ecs_scalable_target(aws, WEB)
    arn = _put(aas)()["PolicyARN"]
    assert [p["PolicyARN"] for p in _policies(aas)] == [arn]


def test_an_ecs_policy_tracks_an_ecs_metric(aws: LocalAws) -> None:
    aas = _aas(aws)
    ecs_scalable_target(aws, _service(aws))
    for metric in ("DynamoDBReadCapacityUtilization", "CPUUtilization"):
        code, message = _error(
            _put(aas, TargetTrackingScalingPolicyConfiguration=_tracking(metric))
        )
        assert code == "ValidationException"
        assert message.startswith(
            f"Unsupported predefined metric type {metric} for service namespace ecs."
        )
    customized = {
        "MetricName": "CPUUtilization",
        "Namespace": "AWS/ECS",
        "Statistic": "Average",
        "Dimensions": [
            {"Name": "ClusterName", "Value": "c"},
            {"Name": "ServiceName", "Value": "web"},
        ],
    }
    assert _error(_put(aas, TargetTrackingScalingPolicyConfiguration={"TargetValue": 60.0})) == (
        "ValidationException",
        "Either PredefinedMetricSpecification or CustomizedMetricSpecification must be "
        "specified in TargetTrackingScalingPolicyConfiguration",
    )
    both = _tracking(CPU, CustomizedMetricSpecification=customized)
    code, message = _error(_put(aas, TargetTrackingScalingPolicyConfiguration=both))
    assert (code, message.endswith("not both")) == ("ValidationException", True)
    assert _policies(aas) == []

    _put(aas, PolicyName="memory", TargetTrackingScalingPolicyConfiguration=_tracking(MEMORY))()
    custom = {"TargetValue": 60.0, "CustomizedMetricSpecification": customized}
    _put(aas, PolicyName="custom", TargetTrackingScalingPolicyConfiguration=custom)()
    assert sorted(p["PolicyName"] for p in _policies(aas)) == ["custom", "memory"]


def test_alb_request_count_needs_a_resource_label(aws: LocalAws) -> None:
    aas = _aas(aws)
    web, label = _balanced_service(aws)
    ecs_scalable_target(aws, web)
    requests = partial(_put, aas, PolicyName="requests")
    assert _error(
        requests(TargetTrackingScalingPolicyConfiguration=_tracking(REQUESTS, 500.0))
    ) == (
        "ValidationException",
        "ResourceLabel must be specified for predefined metric type ALBRequestCountPerTarget",
    )
    for malformed in (
        label.split("/targetgroup/")[0],
        "targetgroup/web/0123456789abcdef",
        f"{label}/",
    ):
        config = _tracking(REQUESTS, 500.0, ResourceLabel=malformed)
        code, message = _error(requests(TargetTrackingScalingPolicyConfiguration=config))
        assert code == "ValidationException"
        assert message.startswith(f"Invalid ResourceLabel: {malformed}. Its format is app/")
    assert _error(
        _put(aas, TargetTrackingScalingPolicyConfiguration=_tracking(CPU, ResourceLabel=label))
    ) == (
        "ValidationException",
        f"ResourceLabel cannot be specified for predefined metric type {CPU}",
    )
    assert _policies(aas) == []

    requests(
        TargetTrackingScalingPolicyConfiguration=_tracking(REQUESTS, 500.0, ResourceLabel=label)
    )()
    (policy,) = _policies(aas)
    spec = policy["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]
    assert spec == {"PredefinedMetricType": REQUESTS, "ResourceLabel": label}


def test_a_resource_label_names_a_target_group_of_the_service(aws: LocalAws) -> None:
    aas = _aas(aws)
    web, label = _balanced_service(aws)
    api = _service(aws, "api")
    for service in (web, api):
        ecs_scalable_target(aws, service)
    balancer_part, group_part = label.split("/targetgroup/")
    group_part = f"targetgroup/{group_part}"
    # A second load balancer, which does not forward to the target group.
    other_balancer = application_load_balancer(aws, "other").split(":loadbalancer/")[1]
    other = f"{other_balancer}/{group_part}"

    def requests(service: str, resource: str) -> Any:
        config = _tracking(REQUESTS, 500.0, ResourceLabel=resource)
        return _put(
            aas,
            PolicyName="requests",
            ResourceId=service,
            TargetTrackingScalingPolicyConfiguration=config,
        )

    ghost_balancer = f"app/ghost/0123456789abcdef/{group_part}"
    ghost_group = f"{balancer_part}/targetgroup/ghost/0123456789abcdef"
    for service, resource, message in (
        (
            web,
            ghost_balancer,
            "The load balancer app/ghost/0123456789abcdef in ResourceLabel does not exist",
        ),
        (
            web,
            ghost_group,
            "The target group targetgroup/ghost/0123456789abcdef in ResourceLabel does not exist",
        ),
        (
            web,
            other,
            f"The target group {group_part} is not associated with the load balancer "
            f"{other_balancer}",
        ),
        (api, label, f"The target group {group_part} is not attached to the ECS service {api}"),
    ):
        assert _error(requests(service, resource)) == ("ValidationException", message)
    assert _policies(aas) == []

    requests(web, label)()
    assert [p["ResourceId"] for p in _policies(aas)] == [web]


# -- deleting ----------------------------------------------------------------------------------


def test_deregistering_an_unknown_target_is_not_found(aws: LocalAws) -> None:
    aas = _aas(aws)
    _service(aws)
    deregister = partial(
        aas.deregister_scalable_target,
        ServiceNamespace="ecs",
        ResourceId=WEB,
        ScalableDimension=ECS_DESIRED_COUNT,
    )
    not_found = (
        "ObjectNotFoundException",
        "No scalable target found for service namespace: ecs, resource ID: service/c/web, "
        "scalable dimension: ecs:service:DesiredCount",
    )
    assert _error(deregister) == not_found

    ecs_scalable_target(aws, WEB)
    deregister()
    assert aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"] == []
    assert _error(deregister) == not_found


def test_deleting_an_unknown_policy_is_not_found(aws: LocalAws) -> None:
    aas = _aas(aws)
    ecs_scalable_target(aws, _service(aws))
    delete = partial(
        aas.delete_scaling_policy,
        PolicyName="cpu",
        ServiceNamespace="ecs",
        ResourceId=WEB,
        ScalableDimension=ECS_DESIRED_COUNT,
    )
    not_found = (
        "ObjectNotFoundException",
        "No scaling policy found for service namespace: ecs, resource ID: service/c/web, "
        "scalable dimension: ecs:service:DesiredCount, policy name: cpu",
    )
    assert _error(delete) == not_found

    _put(aas)()
    delete()
    assert _policies(aas) == []
    assert _error(delete) == not_found


# -- extensions and what moto already does -----------------------------------------------------


def _alarms(aws: LocalAws, resource_id: str) -> list[str]:
    alarms = aws.client("cloudwatch").describe_alarms()["MetricAlarms"]
    return [
        a["AlarmName"]
        for a in alarms
        if a["AlarmName"].startswith(f"TargetTracking-{resource_id}-")
    ]


def test_deregistering_a_target_deletes_its_policies(aws: LocalAws) -> None:
    # DeregisterScalableTarget: "Deregistering a scalable target deletes the scaling policies and
    # the scheduled actions that are associated with it." moto kept them (extension).
    aas = _aas(aws)
    web, api = _service(aws), _service(aws, "api")
    for service in (web, api):
        ecs_scalable_target(aws, service)
        _put(aas, ResourceId=service)()
        aas.put_scheduled_action(
            ServiceNamespace="ecs",
            ScheduledActionName="night",
            ResourceId=service,
            ScalableDimension=ECS_DESIRED_COUNT,
            Schedule="cron(0 22 * * ? *)",
            ScalableTargetAction={"MinCapacity": 1, "MaxCapacity": 1},
        )
    _put(aas, PolicyName="memory", TargetTrackingScalingPolicyConfiguration=_tracking(MEMORY))()
    assert len(_policies(aas, ResourceId=web)) == 2
    assert _alarms(aws, web)

    aas.deregister_scalable_target(
        ServiceNamespace="ecs", ResourceId=web, ScalableDimension=ECS_DESIRED_COUNT
    )
    assert _policies(aas, ResourceId=web) == []
    assert [p["ResourceId"] for p in _policies(aas)] == [api]
    actions = aas.describe_scheduled_actions(ServiceNamespace="ecs")["ScheduledActions"]
    assert [a["ResourceId"] for a in actions] == [api]
    # The alarms of a target tracking policy go with it.
    assert _alarms(aws, web) == []
    assert _alarms(aws, api)
    # No target, no policy.
    assert _error(_put(aas))[0] == "ObjectNotFoundException"


def test_describe_scaling_policies_matches_names_and_resources_exactly(aws: LocalAws) -> None:
    # DescribeScalingPolicies: moto ignored PolicyNames and matched ResourceId as a substring
    # (service/c/web's policies were listed for service/c/web2) (extension).
    aas = _aas(aws)
    web, web2 = _service(aws), _service(aws, "web2")
    for service in (web, web2):
        ecs_scalable_target(aws, service)
    _put(aas)()
    _put(aas, ResourceId=web2)()
    _put(
        aas,
        ResourceId=web2,
        PolicyName="memory",
        TargetTrackingScalingPolicyConfiguration=_tracking(MEMORY),
    )()

    assert [(p["ResourceId"], p["PolicyName"]) for p in _policies(aas, ResourceId=web)] == [
        (web, "cpu")
    ]
    assert [p["ResourceId"] for p in _policies(aas, ResourceId=web2)] == [web2, web2]
    named = _policies(aas, PolicyNames=["memory"])
    assert [(p["ResourceId"], p["PolicyName"]) for p in named] == [(web2, "memory")]
    assert len(_policies(aas, PolicyNames=["cpu"], ScalableDimension=ECS_DESIRED_COUNT)) == 2

    first = aas.describe_scaling_policies(ServiceNamespace="ecs", MaxResults=2)
    assert len(first["ScalingPolicies"]) == 2
    rest = aas.describe_scaling_policies(
        ServiceNamespace="ecs", MaxResults=2, NextToken=first["NextToken"]
    )
    assert len(rest["ScalingPolicies"]) == 1
    assert "NextToken" not in rest
    code, _ = _error(partial(aas.describe_scaling_policies, ServiceNamespace="ecs", NextToken="x"))
    assert code == "InvalidNextTokenException"


def test_deleting_a_service_leaves_its_scalable_target(aws: LocalAws) -> None:
    # AWS leaves the target (and its policies) registered when the service is deleted; so
    # does moto. An operator deregisters it itself.
    aas = _aas(aws)
    ecs = aws.client("ecs")
    ecs_scalable_target(aws, _service(aws))
    _put(aas)()
    aws.settings(drain_seconds=0)
    ecs.delete_service(cluster="c", service="web", force=True)
    aws.eventually(lambda: describe(ecs, "c", "web"), until=lambda s: s["status"] == "INACTIVE")

    (target,) = aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert target["ResourceId"] == WEB
    assert [p["PolicyName"] for p in _policies(aas)] == ["cpu"]
    aas.deregister_scalable_target(
        ServiceNamespace="ecs", ResourceId=WEB, ScalableDimension=ECS_DESIRED_COUNT
    )
    assert _policies(aas) == []


def test_an_ecs_service_scales_on_cpu_memory_and_requests(aws: LocalAws) -> None:
    aas = _aas(aws)
    web, label = _balanced_service(aws)
    aws.reset_counters()
    arn = ecs_scalable_target(aws, web, min_capacity=1, max_capacity=10)
    configs = {
        "cpu": _tracking(CPU, 60.0, ScaleInCooldown=300, ScaleOutCooldown=60),
        "memory": _tracking(MEMORY, 75.0, DisableScaleIn=True),
        "requests": _tracking(REQUESTS, 1000.0, ResourceLabel=label),
    }
    for name, config in configs.items():
        response = _put(aas, PolicyName=name, TargetTrackingScalingPolicyConfiguration=config)()
        assert response["PolicyARN"].endswith(f":resource/ecs/{web}:policyName/{name}")

    (target,) = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[web])[
        "ScalableTargets"
    ]
    assert (target["ScalableTargetARN"], target["MinCapacity"], target["MaxCapacity"]) == (
        arn,
        1,
        10,
    )
    policies = {p["PolicyName"]: p for p in _policies(aas, ResourceId=web)}
    assert set(policies) == set(configs)
    for name, config in configs.items():
        assert policies[name]["PolicyType"] == "TargetTrackingScaling"
        assert policies[name]["TargetTrackingScalingPolicyConfiguration"] == config
    # The calls are named by the signing name, as IAM names the actions.
    counters = aws.counters()
    assert counters["application-autoscaling:RegisterScalableTarget"] == 1
    assert counters["application-autoscaling:PutScalingPolicy"] == 3
