"""EcsApp: validates, aggregates its environments' and services' readiness, and holds its
own deletion while environments remain. It owns no AWS resource itself."""

from __future__ import annotations

from typing import Any

from ..api.app import Counts, EcsAppSpec, EcsAppStatus
from .conditions import is_true
from .engine import Context, Outcome
from .errors import Waiting


def counts(items: list[dict[str, Any]]) -> Counts:
    ready = sum(1 for item in items if is_true((item.get("status") or {}).get("conditions")))
    return Counts(ready=ready, total=len(items), summary=f"{ready}/{len(items)}")


class AppManager:
    kind = "EcsApp"
    spec_model = EcsAppSpec
    status_model = EcsAppStatus
    retained = "the app owns no AWS resource"

    def _members(self, ctx: Context[EcsAppStatus], kind: str) -> list[dict[str, Any]]:
        return [
            item
            for item in ctx.kube.list(kind, ctx.resource.namespace)
            if (item.get("spec") or {}).get("app") == ctx.resource.name
        ]

    def reconcile(self, ctx: Context[EcsAppStatus], spec: EcsAppSpec) -> Outcome:
        envs = counts(self._members(ctx, "EcsEnvironment"))
        services = counts(self._members(ctx, "EcsService"))
        ready = envs.ready == envs.total and services.ready == services.total
        return Outcome(
            ready=ready,
            reason="Available" if ready else "Progressing",
            message=f"{envs.summary} environments and {services.summary} services ready",
            status=EcsAppStatus(environments=envs, services=services),
        )

    def delete(self, ctx: Context[EcsAppStatus], spec: EcsAppSpec) -> Outcome:
        envs = sorted(e["metadata"]["name"] for e in self._members(ctx, "EcsEnvironment"))
        if envs:
            raise Waiting(
                "EnvironmentsExist",
                f"waiting for EcsEnvironments {', '.join(envs)} of this app to be deleted first",
                delay=5.0,
            )
        return Outcome(True, "Deleted", "no environments left")
