"""Application Auto Scaling: what deregistering a scalable target takes with it, and the
filters of DescribeScalingPolicies.

DeregisterScalableTarget: "Deregistering a scalable target deletes the scaling policies and the
scheduled actions that are associated with it." (API_DeregisterScalableTarget.html of
https://docs.aws.amazon.com/autoscaling/application/APIReference.) moto deleted the target
only: its policies stayed listed, with their CloudWatch alarms.

DescribeScalingPolicies (API_DescribeScalingPolicies.html): "PolicyNames: The names of the
scaling policies to describe." moto ignored PolicyNames, and matched ResourceId and
ScalableDimension as substrings of the requested values (a policy of service/c/web was listed
for service/c/web2); its pages were of 100 policies, not AWS's 10.
"""

from __future__ import annotations

from typing import Any

from moto.applicationautoscaling.models import ApplicationAutoscalingBackend
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.core.exceptions import JsonRESTError

from .paging import page

_moto_deregister_scalable_target: Any = ApplicationAutoscalingBackend.deregister_scalable_target

# DescribeScalingPolicies.MaxResults: "This value can be between 1 and 10. The default value is
# 10."
DEFAULT_MAX_RESULTS = 10


def deregister_scalable_target(self: Any, namespace: str, r_id: str, dimension: str) -> None:
    """The target, then its scaling policies (and their alarms) and scheduled actions."""
    _moto_deregister_scalable_target(self, namespace, r_id, dimension)

    def of_target(item: Any) -> bool:
        return bool(
            item.service_namespace == namespace
            and item.resource_id == r_id
            and item.scalable_dimension == dimension
        )

    for key, policy in list(self.policies.items()):
        if of_target(policy):
            policy.delete_alarms(self.account_id, self.region_name)
            del self.policies[key]
    self.scheduled_actions = [a for a in self.scheduled_actions if not of_target(a)]


def describe_scaling_policies(
    self: Any,
    service_namespace: str,
    resource_id: str | None,
    scalable_dimension: str | None,
    max_results: int | None,
    next_token: str | None,
    policy_names: list[str] | None = None,
) -> tuple[str | None, list[Any]]:
    """The policies of the namespace whose resource ID, dimension and name are those asked
    for (each filter only when given), a page of `max_results` from `next_token`."""
    policies = [
        policy
        for policy in self.policies.values()
        if policy.service_namespace == service_namespace
        and (not resource_id or policy.resource_id == resource_id)
        and (not scalable_dimension or policy.scalable_dimension == scalable_dimension)
        and (not policy_names or policy.policy_name in policy_names)
    ]
    found, token = page(
        policies,
        max_results,
        next_token,
        default_size=DEFAULT_MAX_RESULTS,
        # An error of the operation's (InvalidNextTokenException); the words are written here.
        invalid_token=lambda: JsonRESTError("InvalidNextTokenException", "The token is not valid."),
    )
    return token, found


def _describe_scaling_policies_response(self: Any) -> str:
    import json

    from moto.applicationautoscaling.responses import _build_policy

    next_token, found = self.applicationautoscaling_backend.describe_scaling_policies(
        service_namespace=self._get_param("ServiceNamespace"),
        resource_id=self._get_param("ResourceId"),
        scalable_dimension=self._get_param("ScalableDimension"),
        max_results=self._get_int_param("MaxResults"),
        next_token=self._get_param("NextToken"),
        policy_names=self._get_param("PolicyNames"),
    )
    return json.dumps(
        {"ScalingPolicies": [_build_policy(p) for p in found], "NextToken": next_token}
    )


def apply() -> None:
    backend: Any = ApplicationAutoscalingBackend
    backend.deregister_scalable_target = deregister_scalable_target
    backend.describe_scaling_policies = describe_scaling_policies
    response: Any = ApplicationAutoScalingResponse
    response.describe_scaling_policies = _describe_scaling_policies_response
