"""Kubernetes-style conditions (pure): lastTransitionTime moves only when status moves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

READY = "Ready"
SYNCED = "Synced"


@dataclass(frozen=True)
class Cond:
    type: str
    status: bool | None  # None: Unknown
    reason: str
    message: str = ""

    @property
    def status_text(self) -> str:
        return "Unknown" if self.status is None else ("True" if self.status else "False")


def now_rfc3339() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def merge_conditions(
    current: list[dict[str, Any]], updates: list[Cond], generation: int, now: str
) -> list[dict[str, Any]]:
    """The condition list after `updates`; others are kept, order is stable."""
    by_type = {c.get("type"): dict(c) for c in current}
    for cond in updates:
        old = by_type.get(cond.type)
        transitioned = old is None or old.get("status") != cond.status_text
        by_type[cond.type] = {
            "type": cond.type,
            "status": cond.status_text,
            "reason": cond.reason,
            "message": cond.message,
            "observedGeneration": generation,
            "lastTransitionTime": now if transitioned else old.get("lastTransitionTime", now),  # type: ignore[union-attr]
        }
    order = [READY, SYNCED]
    return sorted(
        by_type.values(),
        key=lambda c: (order.index(c["type"]) if c["type"] in order else 99, c["type"]),
    )


def find(conditions: list[dict[str, Any]] | None, type_: str) -> dict[str, Any] | None:
    for cond in conditions or []:
        if cond.get("type") == type_:
            return cond
    return None


def is_true(conditions: list[dict[str, Any]] | None, type_: str = READY) -> bool:
    cond = find(conditions, type_)
    return cond is not None and cond.get("status") == "True"


def environment_ready(env: Any) -> bool:
    """An EcsEnvironment its services can be made in: Ready, with its cluster recorded."""
    status = env.get("status") or {}
    return is_true(status.get("conditions")) and bool(status.get("clusterArn"))


def ready_and_synced(body: Any) -> bool:
    """Ready and Synced for the generation in spec: nothing left to do but watch for drift."""
    status = body.get("status") or {}
    conditions = status.get("conditions")
    return (
        status.get("observedGeneration") == (body.get("metadata") or {}).get("generation")
        and is_true(conditions, READY)
        and is_true(conditions, SYNCED)
    )
