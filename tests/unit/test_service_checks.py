"""What the service manager judges from status and metadata alone: whether a recorded ECS
service ARN names the service the spec names, and whether an earlier operator process
worked on the object (it may have registered a revision it did not save)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from controller.api.service import EcsServiceStatus
from controller.reconcile.engine import Context, Resource
from controller.reconcile.service import _handled_before, service_arn_names

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


STARTED = datetime(2026, 12, 2, 6, 0, 30, 500000, tzinfo=UTC)


def _context(metadata: dict[str, Any]) -> Context[EcsServiceStatus]:
    resource = Resource(
        "EcsService", "demo", "api", "uid-1", 1, {}, {}, body={"metadata": metadata}
    )
    return Context(resource, None, None, lambda *a: None, EcsServiceStatus)  # type: ignore[arg-type]


def _entry(manager: str, time: str, subresource: str | None = None) -> dict[str, Any]:
    entry = {"manager": manager, "operation": "Update", "time": time}
    return entry | ({"subresource": subresource} if subresource else {})


@pytest.mark.parametrize(
    ("fields", "handled"),
    [
        # Applied before the start, first handled now: only the user's apply is older.
        ([_entry("kubectl-client-side-apply", "2026-12-02T05:59:00Z")], False),
        (
            [
                _entry("kubectl-client-side-apply", "2026-12-02T05:59:00Z"),
                _entry("kopf", "2026-12-02T06:00:31Z"),
            ],
            False,
        ),
        # kopf's finalizer, or a status write, from before the start: an earlier process.
        ([_entry("kopf", "2026-12-02T06:00:12Z")], True),
        ([_entry("OpenAPI-Generator", "2026-12-02T05:00:00Z", "status")], True),
        # The same second as the start cannot be told apart: it counts.
        ([_entry("kopf", "2026-12-02T06:00:30Z")], True),
    ],
)
def test_an_earlier_process_is_seen_in_managed_fields(
    fields: list[dict[str, Any]], handled: bool
) -> None:
    metadata = {"creationTimestamp": "2026-12-02T05:59:00Z", "managedFields": fields}
    assert _handled_before(_context(metadata), STARTED) is handled


def test_without_managed_fields_the_age_decides() -> None:
    assert _handled_before(_context({"creationTimestamp": "2026-12-02T05:59:00Z"}), STARTED)
    assert not _handled_before(_context({"creationTimestamp": "2026-12-02T06:01:00Z"}), STARTED)
