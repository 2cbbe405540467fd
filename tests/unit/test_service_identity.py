"""An ECS service ARN recorded on status must name the service the spec names."""

from __future__ import annotations

import pytest

from controller.reconcile.service import service_arn_names

LONG = "arn:aws:ecs:us-east-1:123456789012:service/kudos-test/api"
SHORT = "arn:aws:ecs:us-east-1:123456789012:service/api"  # before ECS's long ARN format


@pytest.mark.parametrize(
    ("arn", "cluster", "service", "named"),
    [
        (LONG, "kudos-test", "api", True),
        (SHORT, "kudos-test", "api", True),
        (LONG, "kudos-prod", "api", False),  # spec.environment changed
        (LONG, "kudos-test", "api-two", False),  # spec.name changed
        (SHORT, "kudos-test", "web", False),
        ("arn:aws:ecs:us-east-1:123456789012:cluster/kudos-test", "kudos-test", "api", False),
    ],
)
def test_a_recorded_arn_names_the_service_or_not(
    arn: str, cluster: str, service: str, named: bool
) -> None:
    assert service_arn_names(arn, cluster, service) is named
