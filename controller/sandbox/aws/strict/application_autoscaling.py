"""Strict rules of Application Auto Scaling for ECS services: scalable targets and target
tracking scaling policies.

moto's applicationautoscaling backend refuses a new policy without a PolicyType, with AWS's
code (PutScalingPolicy.PolicyType: "required if you are creating a scaling policy"); the tests
pin it. It also checks that an ECS target's service exists and that the namespace, resource
type and dimension go together, but it split the ResourceId without looking (a 500 for
service/<name>), answered ClusterNotFoundException for an unknown cluster and took an INACTIVE
service: the rules below check those first, in moto's words where they are AWS's ("ECS service
doesn't exist: ..."). The other rules are what moto accepts or answers with another code.

JSON protocol: the parameters are the request's JSON object. Where AWS's message is not
documented, the rule writes one in AWS's style and says so.
"""

from __future__ import annotations

import re
from typing import Any, TypeGuard

from .rules import Request, rule

API = "https://docs.aws.amazon.com/autoscaling/application/APIReference"
TESTS = "tests/aws/strict/test_application_autoscaling.py"
AAS = "application-autoscaling"
REGISTER = (f"{AAS}:RegisterScalableTarget",)
PUT_POLICY = (f"{AAS}:PutScalingPolicy",)

ECS = "ecs"
ECS_DIMENSION = "ecs:service:DesiredCount"
# RegisterScalableTarget.ResourceId, ECS service: "The resource type is service and the unique
# identifier is the cluster name and service name. Example: service/my-cluster/my-service."
# Cluster and service names: up to 255 letters, numbers, underscores and hyphens
# (CreateCluster.clusterName, CreateService.serviceName). AWS has been seen to take a cluster
# ARN in place of the name and make a target that does not scale; the documented form only.
ECS_RESOURCE_ID = re.compile(r"service/([A-Za-z0-9_-]{1,255})/([A-Za-z0-9_-]{1,255})")
# RegisterScalableTarget.MinCapacity: "For the following resources, the minimum value allowed
# is 0. ... ECS services".
ECS_MIN_CAPACITY = 0
# PutScalingPolicy.PolicyName: "Minimum length of 1. Maximum length of 256. Pattern:
# \p{Print}+" (Java's \p{Print}: the printable ASCII characters, space included).
POLICY_NAME_MAX = 256
POLICY_NAME = re.compile(r"[\x20-\x7e]+")
TARGET_TRACKING = "TargetTrackingScaling"
# TargetTrackingScalingPolicyConfiguration.TargetValue: "Values must be in the range of -2^360
# to 2^360."
TARGET_VALUE_LIMIT = 2.0**360
# PredefinedMetricSpecification.PredefinedMetricType: the MetricType values of an ECS service
# (the Application Auto Scaling User Guide, "Target tracking scaling policies": Amazon ECS;
# the high-resolution ones are documented on PredefinedMetricSpecification).
ALB_REQUEST_COUNT = "ALBRequestCountPerTarget"
ECS_METRIC_TYPES = (
    ALB_REQUEST_COUNT,
    "ECSServiceAverageCPUUtilization",
    "ECSServiceAverageMemoryUtilization",
    "ECSServiceAverageCPUUtilizationHighResolution",
    "ECSServiceAverageMemoryUtilizationHighResolution",
)
# PredefinedMetricSpecification.ResourceLabel: "app/<load-balancer-name>/<load-balancer-id>"
# (the final portion of the load balancer ARN), "/", then
# "targetgroup/<target-group-name>/<target-group-id>" (the final portion of the target group
# ARN). Names: up to 32 alphanumerics and hyphens (CreateLoadBalancer, CreateTargetGroup).
RESOURCE_LABEL = re.compile(
    r"(?P<load_balancer>app/[A-Za-z0-9-]{1,32}/[A-Za-z0-9]+)/"
    r"(?P<target_group>targetgroup/[A-Za-z0-9-]{1,32}/[A-Za-z0-9]+)"
)
COOLDOWNS = ("ScaleInCooldown", "ScaleOutCooldown")


def _backend(request: Request) -> Any:
    """moto's Application Auto Scaling backend of this account and Region."""

    def find() -> Any:
        from moto.applicationautoscaling.models import applicationautoscaling_backends

        return applicationautoscaling_backends[request.account_id][request.call.region]

    return request.once("applicationautoscaling", find)


def _target(request: Request) -> Any:
    """The scalable target the request names, or None."""
    dimension, resource_id = request.get("ScalableDimension"), request.get("ResourceId")
    if not isinstance(dimension, str) or not isinstance(resource_id, str):
        return None
    target = _backend(request).targets.get(dimension, {}).get(resource_id)
    if target is None or target.service_namespace != request.get("ServiceNamespace"):
        return None
    return target


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _validation(value: Any, field: str, constraint: str) -> str:
    shown = "null" if value is None else f"'{value}'"
    return (
        f"1 validation error detected: Value {shown} at '{field}' failed to satisfy "
        f"constraint: {constraint}"
    )


# -- scalable targets --------------------------------------------------------------------------


@rule(
    f"{AAS}.ecs-resource-id",
    operations=REGISTER,
    code="ValidationException",
    summary="An ECS scalable target's `ResourceId` is `service/<cluster-name>/<service-name>` "
    "and its `ScalableDimension` is `ecs:service:DesiredCount`.",
    source=f"{API}/API_RegisterScalableTarget.html",
    test=f"{TESTS}::test_an_ecs_scalable_target_is_a_service_desired_count",
)
def _ecs_resource_id(request: Request) -> str | None:
    if request.get("ServiceNamespace") != ECS:
        return None
    resource_id = request.get("ResourceId")
    if isinstance(resource_id, str) and not ECS_RESOURCE_ID.fullmatch(resource_id):
        # Not documented: written in AWS's style.
        return (
            f"Invalid resource ID for service namespace ecs: {resource_id}. The resource ID "
            "of an ECS service is service/<cluster-name>/<service-name>"
        )
    dimension = request.get("ScalableDimension")
    if dimension is not None and dimension != ECS_DIMENSION:
        # moto's words for a dimension of another service; AWS's are not documented.
        return "Unsupported service namespace, resource type or scalable dimension"
    return None


@rule(
    f"{AAS}.new-target-capacity",
    operations=REGISTER,
    code="ValidationException",
    summary="Registering a new scalable target gives both `MinCapacity` and `MaxCapacity` (an "
    "update may leave them out).",
    source=f"{API}/API_RegisterScalableTarget.html",
    test=f"{TESTS}::test_a_new_scalable_target_needs_min_and_max_capacity",
)
def _new_target_capacity(request: Request) -> str | None:
    # "When you register a new scalable target, you must specify values for the minimum and
    # maximum capacity."
    if _target(request) is not None:
        return None
    missing = [f for f in ("MinCapacity", "MaxCapacity") if request.get(f) is None]
    if not missing:
        return None
    # Not documented: written in AWS's style.
    return f"{' and '.join(missing)} must be specified when registering a new scalable target"


@rule(
    f"{AAS}.capacity-range",
    operations=REGISTER,
    code="ValidationException",
    summary="An ECS scalable target's capacities are at least 0 and `MinCapacity` is at most "
    "`MaxCapacity` (an update: with the target's current value for the one it leaves out).",
    source=f"{API}/API_RegisterScalableTarget.html",
    test=f"{TESTS}::test_capacities_are_not_negative_and_min_is_at_most_max",
)
def _capacity_range(request: Request) -> str | None:
    least, most = request.get("MinCapacity"), request.get("MaxCapacity")
    if request.get("ServiceNamespace") == ECS:
        for field, value in (("minCapacity", least), ("maxCapacity", most)):
            if _is_number(value) and value < ECS_MIN_CAPACITY:
                # The API reference: "the error message will provide the minimum value that
                # the resource can accept"; its words are not documented.
                return _validation(
                    value,
                    field,
                    f"Member must have value greater than or equal to {ECS_MIN_CAPACITY}",
                )
    current = _target(request)
    if current is not None:
        least = least if least is not None else current.min_capacity
        most = most if most is not None else current.max_capacity
    if _is_number(least) and _is_number(most) and least > most:
        # Not documented: written in AWS's style.
        return f"Minimum capacity ({least}) cannot be greater than maximum capacity ({most})"
    return None


@rule(
    f"{AAS}.ecs-service-exists",
    operations=REGISTER,
    code="ValidationException",
    summary="An ECS scalable target's service exists in its cluster and is not INACTIVE "
    "(moto answered ClusterNotFoundException for an unknown cluster and took an INACTIVE "
    "service).",
    source=f"{API}/API_RegisterScalableTarget.html",
    test=f"{TESTS}::test_a_scalable_target_needs_an_active_ecs_service",
)
def _ecs_service_exists(request: Request) -> str | None:
    # "Registers or updates a scalable target, which is the resource that you want to scale":
    # the service must be there to be scaled. AWS's message (and moto's).
    if request.get("ServiceNamespace") != ECS:
        return None
    resource_id = request.get("ResourceId")
    found = ECS_RESOURCE_ID.fullmatch(resource_id) if isinstance(resource_id, str) else None
    if found is None:
        return None
    service = _ecs_service(request, found[1], found[2])
    if service is not None and service.status != "INACTIVE":
        return None
    return f"ECS service doesn't exist: {resource_id}"


def _ecs_service(request: Request, cluster: str, name: str) -> Any:
    # moto keys its services by "<cluster name>:<service name>".
    return request.ecs.services.get(f"{cluster}:{name}")


# -- scaling policies --------------------------------------------------------------------------


@rule(
    f"{AAS}.policy-name",
    operations=PUT_POLICY,
    code="ValidationException",
    summary="A scaling policy's `PolicyName` is 1-256 printable ASCII characters (botocore "
    "checks only the minimum).",
    source=f"{API}/API_PutScalingPolicy.html",
    test=f"{TESTS}::test_a_policy_name_is_printable_and_at_most_256_characters",
)
def _policy_name(request: Request) -> str | None:
    name = request.get("PolicyName")
    if not isinstance(name, str):
        return None
    if len(name) > POLICY_NAME_MAX:
        return _validation(
            name, "policyName", f"Member must have length less than or equal to {POLICY_NAME_MAX}"
        )
    if not POLICY_NAME.fullmatch(name):
        return _validation(
            name, "policyName", r"Member must satisfy regular expression pattern: \p{Print}+"
        )
    return None


def _tracking(request: Request) -> dict[str, Any] | None:
    config = request.get("TargetTrackingScalingPolicyConfiguration")
    return config if isinstance(config, dict) else None


@rule(
    f"{AAS}.target-tracking-configuration",
    operations=PUT_POLICY,
    code="ValidationException",
    summary="A new `TargetTrackingScaling` policy gives `TargetTrackingScalingPolicyConfiguration`,"
    " whose `TargetValue` is between -2^360 and 2^360.",
    source=f"{API}/API_TargetTrackingScalingPolicyConfiguration.html",
    test=f"{TESTS}::test_a_target_tracking_policy_needs_a_target_value_in_range",
)
def _target_tracking_configuration(request: Request) -> str | None:
    config = _tracking(request)
    if config is None:
        if request.get("PolicyType") != TARGET_TRACKING or _existing_policy(request) is not None:
            return None
        # Not documented: written in AWS's style. (An update keeps the current configuration.)
        return (
            "TargetTrackingScalingPolicyConfiguration must be specified for a policy of type "
            f"{TARGET_TRACKING}"
        )
    value = config.get("TargetValue")
    field = "targetTrackingScalingPolicyConfiguration.targetValue"
    if value is None:
        return _validation(None, field, "Member must not be null")
    if _is_number(value) and not -TARGET_VALUE_LIMIT <= value <= TARGET_VALUE_LIMIT:
        # Not documented: written in AWS's style.
        return f"The target value {value} is out of range: it must be between -2^360 and 2^360"
    return None


def _existing_policy(request: Request) -> Any:
    from moto.applicationautoscaling.models import FakeApplicationAutoscalingPolicy

    key = FakeApplicationAutoscalingPolicy.formulate_key(
        str(request.get("ServiceNamespace")),
        str(request.get("ResourceId")),
        str(request.get("ScalableDimension")),
        str(request.get("PolicyName")),
    )
    return _backend(request).policies.get(key)


@rule(
    f"{AAS}.cooldowns",
    operations=PUT_POLICY,
    code="ValidationException",
    summary="A target tracking policy's `ScaleInCooldown` and `ScaleOutCooldown` are amounts "
    "of seconds: not negative.",
    source=f"{API}/API_TargetTrackingScalingPolicyConfiguration.html",
    test=f"{TESTS}::test_cooldowns_are_not_negative",
)
def _cooldowns(request: Request) -> str | None:
    # "The amount of time, in seconds, ..." (type Integer): the reference gives no upper
    # bound, so none is enforced. The message is written in AWS's style.
    config = _tracking(request) or {}
    for key in COOLDOWNS:
        value = config.get(key)
        if _is_number(value) and value < 0:
            field = f"targetTrackingScalingPolicyConfiguration.{key[0].lower()}{key[1:]}"
            return _validation(value, field, "Member must have value greater than or equal to 0")
    return None


@rule(
    f"{AAS}.scalable-target-registered",
    operations=PUT_POLICY,
    code="ObjectNotFoundException",
    summary="A scaling policy is put on a registered scalable target (moto took a policy for "
    "any resource).",
    source=f"{API}/API_PutScalingPolicy.html",
    test=f"{TESTS}::test_a_scaling_policy_needs_a_registered_target",
)
def _scalable_target_registered(request: Request) -> str | None:
    # "You cannot create a scaling policy until you have registered the resource as a scalable
    # target." AWS's message.
    if _target(request) is not None:
        return None
    return (
        f"No scalable target registered for service namespace: "
        f"{request.get('ServiceNamespace')}, resource ID: {request.get('ResourceId')}, "
        f"scalable dimension: {request.get('ScalableDimension')}"
    )


def _predefined(request: Request) -> dict[str, Any] | None:
    config = _tracking(request) or {}
    spec = config.get("PredefinedMetricSpecification")
    return spec if isinstance(spec, dict) else None


@rule(
    f"{AAS}.ecs-metric",
    operations=PUT_POLICY,
    code="ValidationException",
    summary="An ECS target tracking policy tracks one metric, predefined or customized; a "
    "predefined one is ECSServiceAverageCPUUtilization, ECSServiceAverageMemoryUtilization, "
    "ALBRequestCountPerTarget (or a high-resolution ECS one).",
    source=f"{API}/API_PredefinedMetricSpecification.html",
    test=f"{TESTS}::test_an_ecs_policy_tracks_an_ecs_metric",
)
def _ecs_metric(request: Request) -> str | None:
    config = _tracking(request)
    if config is None or request.get("ServiceNamespace") != ECS:
        return None
    # TargetTrackingScalingPolicyConfiguration: "You can specify either a predefined metric or
    # a customized metric." The messages are written in AWS's style.
    given = [
        key
        for key in ("PredefinedMetricSpecification", "CustomizedMetricSpecification")
        if config.get(key) is not None
    ]
    if not given:
        return (
            "Either PredefinedMetricSpecification or CustomizedMetricSpecification must be "
            "specified in TargetTrackingScalingPolicyConfiguration"
        )
    if len(given) > 1:
        return (
            "Specify either PredefinedMetricSpecification or CustomizedMetricSpecification in "
            "TargetTrackingScalingPolicyConfiguration, not both"
        )
    spec = _predefined(request)
    metric = spec.get("PredefinedMetricType") if spec is not None else None
    if spec is not None and metric not in ECS_METRIC_TYPES:
        return (
            f"Unsupported predefined metric type {metric} for service namespace ecs. The "
            f"supported types are: {', '.join(ECS_METRIC_TYPES)}"
        )
    return None


@rule(
    f"{AAS}.resource-label",
    operations=PUT_POLICY,
    code="ValidationException",
    summary="`ALBRequestCountPerTarget` gives a `ResourceLabel` "
    "`app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>`; other metric types give none.",
    source=f"{API}/API_PredefinedMetricSpecification.html",
    test=f"{TESTS}::test_alb_request_count_needs_a_resource_label",
)
def _resource_label(request: Request) -> str | None:
    # "You can't specify a resource label unless the metric type is ALBRequestCountPerTarget
    # and there is a target group attached to the Spot Fleet or ECS service." The messages are
    # written in AWS's style.
    spec = _predefined(request)
    if spec is None:
        return None
    metric, label = spec.get("PredefinedMetricType"), spec.get("ResourceLabel")
    if metric != ALB_REQUEST_COUNT:
        if label is None:
            return None
        return f"ResourceLabel cannot be specified for predefined metric type {metric}"
    if label is None:
        return f"ResourceLabel must be specified for predefined metric type {ALB_REQUEST_COUNT}"
    if not isinstance(label, str) or not RESOURCE_LABEL.fullmatch(label):
        return (
            f"Invalid ResourceLabel: {label}. Its format is app/<load-balancer-name>/"
            "<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>"
        )
    return None


@rule(
    f"{AAS}.resource-label-target-group",
    operations=PUT_POLICY,
    code="ValidationException",
    summary="An ECS policy's `ResourceLabel` names a load balancer and one of its target "
    "groups, and the ECS service has that target group in its `loadBalancers`.",
    source=f"{API}/API_PredefinedMetricSpecification.html",
    test=f"{TESTS}::test_a_resource_label_names_a_target_group_of_the_service",
)
def _resource_label_target_group(request: Request) -> str | None:
    # "... there is a target group attached to the ... ECS service"; the label is "the final
    # portion of the load balancer ARN and the final portion of the target group ARN". The
    # messages are written in AWS's style.
    spec = _predefined(request)
    label = spec.get("ResourceLabel") if spec is not None else None
    found = RESOURCE_LABEL.fullmatch(label) if isinstance(label, str) else None
    resource_id = request.get("ResourceId")
    service_id = ECS_RESOURCE_ID.fullmatch(resource_id) if isinstance(resource_id, str) else None
    if found is None or service_id is None or request.get("ServiceNamespace") != ECS:
        return None
    elbv2 = request.elbv2
    balancer = next(
        (
            arn
            for arn in elbv2.load_balancers
            if arn.endswith(f":loadbalancer/{found['load_balancer']}")
        ),
        None,
    )
    if balancer is None:
        return f"The load balancer {found['load_balancer']} in ResourceLabel does not exist"
    group = next(
        (g for arn, g in elbv2.target_groups.items() if arn.endswith(f":{found['target_group']}")),
        None,
    )
    if group is None:
        return f"The target group {found['target_group']} in ResourceLabel does not exist"
    if balancer not in group.load_balancer_arns:
        return (
            f"The target group {found['target_group']} is not associated with the load "
            f"balancer {found['load_balancer']}"
        )
    service = _ecs_service(request, service_id[1], service_id[2])
    attached = getattr(service, "load_balancers", None) or []
    if not any(
        isinstance(entry, dict) and entry.get("targetGroupArn") == group.arn for entry in attached
    ):
        return (
            f"The target group {found['target_group']} is not attached to the ECS service "
            f"{resource_id}"
        )
    return None


# -- deleting ----------------------------------------------------------------------------------


@rule(
    f"{AAS}.deregister-unknown-target",
    operations=(f"{AAS}:DeregisterScalableTarget",),
    code="ObjectNotFoundException",
    summary="Deregistering a scalable target that is not registered is ObjectNotFoundException "
    "(moto answered ValidationException).",
    source=f"{API}/API_DeregisterScalableTarget.html",
    test=f"{TESTS}::test_deregistering_an_unknown_target_is_not_found",
)
def _deregister_unknown_target(request: Request) -> str | None:
    # ObjectNotFoundException: "For any operation that deletes or deregisters a resource, this
    # exception is thrown if the resource cannot be found." moto's words; AWS's are not
    # documented.
    if _target(request) is not None:
        return None
    return (
        f"No scalable target found for service namespace: {request.get('ServiceNamespace')}, "
        f"resource ID: {request.get('ResourceId')}, scalable dimension: "
        f"{request.get('ScalableDimension')}"
    )


@rule(
    f"{AAS}.delete-unknown-policy",
    operations=(f"{AAS}:DeleteScalingPolicy",),
    code="ObjectNotFoundException",
    summary="Deleting a scaling policy that does not exist is ObjectNotFoundException (moto "
    "answered ValidationException).",
    source=f"{API}/API_DeleteScalingPolicy.html",
    test=f"{TESTS}::test_deleting_an_unknown_policy_is_not_found",
)
def _delete_unknown_policy(request: Request) -> str | None:
    # As for DeregisterScalableTarget; moto's words.
    if _existing_policy(request) is not None:
        return None
    return (
        f"No scaling policy found for service namespace: {request.get('ServiceNamespace')}, "
        f"resource ID: {request.get('ResourceId')}, scalable dimension: "
        f"{request.get('ScalableDimension')}, policy name: {request.get('PolicyName')}"
    )
