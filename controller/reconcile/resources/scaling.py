"""A service's Application Auto Scaling: the scalable target of its ECS service's desired
count, with its target tracking policies, as one client of reconcile.lifecycle.

The target has no name and no tags to read back (ListTagsForResource is not to be relied
on everywhere): it belongs to the ECS service its ResourceId names, and that service is
this object's (its step claims it first). Policies are this object's by name
(render.scaling.our_policy_names); others on the same target are left alone.

A resync reads no target on its own: the environment's resync describes its autoscaled
services' targets in batches (Known.scalable_targets), and policies are read only outside
resyncs (a spec change, a restart); between, status.autoscaling.policiesDigest stands for
them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...api.scaling import AutoscalingStatus
from ...api.service import EcsServiceStatus
from ...aws import autoscaling
from ...observe.scaling import ScalingFacts, scaling_delta
from ...render.scaling import (
    ScalingWant,
    put_policy_request,
    register_request,
)
from ..engine import Context
from ..errors import COMMON_TERMINAL_CODES
from ..lifecycle import Seen

SvcContext = Context[EcsServiceStatus]


def _keep(**fields: Any) -> EcsServiceStatus:
    return EcsServiceStatus(autoscaling=AutoscalingStatus(**fields))


class ScalingResource:
    noun = "scalable target"
    reason = "ScalableTarget"
    not_owned_reason = "ScalableTargetNotOwned"  # never raised: see the module's docstring
    rename_hint = "set another spec.name"
    terminal_codes = COMMON_TERMINAL_CODES | {"ValidationException"}
    idempotent_create = False
    trusts_recorded = True

    def __init__(self, ctx: SvcContext, client: Any, want: ScalingWant, ours: frozenset[str]):
        self._ctx = ctx
        self._aws = client
        self._want = want  # what keep() records
        self._ours = ours

    @property
    def _recorded(self) -> AutoscalingStatus:
        return self._ctx.status.autoscaling or AutoscalingStatus()

    def recorded(self) -> bool:
        return bool(self._recorded.resource_id)

    def name_of(self, want: ScalingWant) -> str:
        return want.resource_id

    def observe(self, want: ScalingWant) -> Seen[ScalingFacts] | None:
        listed = self._ctx.known.scalable_targets
        if listed is not None and self.recorded():
            found = listed.get(want.resource_id)  # the resync's batched read: no call
            return None if found is None else Seen(want.resource_id, ScalingFacts(found))
        found = autoscaling.scalable_targets(self._aws, [want.resource_id]).get(want.resource_id)
        if found is None:
            return None
        policies = autoscaling.policies_of(self._aws, want.resource_id)
        return Seen(want.resource_id, ScalingFacts(found, policies))

    def diff(self, want: ScalingWant, seen: Seen[ScalingFacts]) -> dict[str, Any]:
        return scaling_delta(
            want,
            seen.facts,
            self._ours,
            self._recorded.policies_digest,
            self._recorded.policies,
        )

    def create(self, want: ScalingWant) -> Seen[ScalingFacts]:
        autoscaling.register(self._aws, register_request(want, tags=True))
        self._ctx.save(_keep(resource_id=want.resource_id, min=want.min, max=want.max))
        self._put(want, {name: tracking for name, tracking in want.policies})
        target = {"ResourceId": want.resource_id, "MinCapacity": want.min, "MaxCapacity": want.max}
        return Seen(want.resource_id, ScalingFacts(target, dict(want.policies)), created=True)

    def update(self, want: ScalingWant, seen: Seen[ScalingFacts]) -> Seen[ScalingFacts]:
        if "MinCapacity" in seen.delta or "MaxCapacity" in seen.delta:
            autoscaling.register(self._aws, register_request(want, tags=False))
        self._put(
            want,
            {k.split(".", 1)[1]: v for k, v in seen.delta.items() if k.startswith("policies.")},
        )
        return seen

    def _put(self, want: ScalingWant, changes: Mapping[str, dict[str, Any] | None]) -> None:
        for name, tracking in changes.items():
            if tracking is None:
                autoscaling.delete_policy(self._aws, name, want.resource_id)
            else:
                autoscaling.put_policy(self._aws, put_policy_request(want, name, tracking))

    def tag(self, seen: Seen[ScalingFacts], tags: Mapping[str, str]) -> None:
        """Never called: the target's tags are not read (Seen.tags is None)."""

    def read_tags(self, seen: Seen[ScalingFacts]) -> Mapping[str, str]:
        # Ours when status names it: deletion removes only what this object registered.
        return self._ctx.owner.tags() if self.recorded() else {}

    def forget(self) -> None:
        self._ctx.save(_keep(resource_id=None, policies_digest=None, policies=None))

    def keep(self, seen: Seen[ScalingFacts]) -> EcsServiceStatus:
        want = self._want
        return _keep(
            resource_id=want.resource_id,
            min=want.min,
            max=want.max,
            policies=list(want.policy_names),
            policies_digest=want.digest,
        )

    def created_event(self, seen: Seen[ScalingFacts]) -> tuple[str, str]:
        return "CreatedScalableTarget", f"registered scalable target {seen.name}"

    def delete(self, seen: Seen[ScalingFacts]) -> None:
        autoscaling.deregister(self._aws, seen.name)
        self._ctx.save(EcsServiceStatus(autoscaling=None))
