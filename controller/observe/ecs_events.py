"""ECS's own service events (DescribeServices `events`, newest first, up to 100) as
Kubernetes Events (pure): which are new, and which one explains a failed rollout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# At most this many are posted by one pass (a service found with a backlog posts its newest).
PER_PASS = 10
# Words of ECS's messages that say why tasks do not run.
_TELLING = ("unable to", "stopped", "failed", "error")


@dataclass(frozen=True)
class EcsEvent:
    id: str
    at: datetime
    message: str

    @property
    def warning(self) -> bool:
        return any(word in self.message.lower() for word in _TELLING)


def parse(events: list[dict[str, Any]] | None) -> list[EcsEvent]:
    """Oldest first."""
    found = [
        EcsEvent(str(e.get("id", "")), _when(e.get("createdAt")), str(e.get("message", "")))
        for e in events or []
    ]
    return sorted(found, key=lambda e: e.at)


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return datetime.fromtimestamp(0, UTC)


def unseen(
    events: list[EcsEvent], last_at: str | None, ids_at_last: list[str], since: datetime
) -> list[EcsEvent]:
    """The events after those posted: newer than the newest posted, or as new and not
    posted (ECS writes several at one instant, each with its own id); before any was posted,
    those since `since` (the object's creation: an adopted service's history is not
    replayed). The newest PER_PASS, oldest first."""
    if last_at is not None:
        last = _when(last_at)
        fresh = [e for e in events if e.at > last or (e.at == last and e.id not in ids_at_last)]
    else:
        fresh = [e for e in events if e.at >= since]
    return fresh[-PER_PASS:]


def mark(
    posted: list[EcsEvent], last_at: str | None, ids_at_last: list[str]
) -> tuple[str, list[str]]:
    """What to remember after posting: the newest instant and every id posted at it."""
    newest = posted[-1].at
    ids = [e.id for e in posted if e.at == newest]
    if last_at is not None and _when(last_at) == newest:
        ids = [*ids_at_last, *ids]
    return newest.isoformat(), ids


def telling(events: list[EcsEvent]) -> EcsEvent | None:
    """The newest event that says why tasks do not run (a stopped reason, a placement
    failure), for a failed rollout's message."""
    return next((e for e in reversed(events) if e.warning), None)
