"""The engine's branches, with a fake manager and a fake status writer: conditions and
events for success, terminal, blocked and retryable errors, the deletion policy, terminal
errors looked at again, and status written only when it changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pydantic import Field

from controller.api.common import Model, StatusModel
from controller.pacing import Throttled
from controller.reconcile.engine import Context, Engine, Known, Outcome
from controller.reconcile.errors import Terminal
from controller.reconcile.kube import Written


class ThingSpec(Model):
    size: int = Field(1, ge=1)
    deletion_policy: str = "Delete"
    management_policy: str = "Manage"


class ThingStatus(StatusModel):
    observed_generation: int | None = None
    thing_id: str | None = None
    size_seen: int | None = None


Step = Callable[[Context[ThingStatus], ThingSpec], Outcome]


def _ready(ctx: Context[ThingStatus], spec: ThingSpec) -> Outcome:
    return Outcome(True, "Available", "ready", ThingStatus(size_seen=spec.size))


@dataclass
class FakeManager:
    kind: str = "Thing"
    spec_model: type[ThingSpec] = ThingSpec
    status_model: type[ThingStatus] = ThingStatus
    retained: str = "the thing left in AWS"
    on_reconcile: Step = _ready
    on_delete: Step = lambda ctx, spec: Outcome(True, "Deleted", "gone")
    calls: list[str] = field(default_factory=list)

    def reconcile(self, ctx: Context[Any], spec: ThingSpec) -> Outcome:
        self.calls.append("reconcile")
        return self.on_reconcile(ctx, spec)

    def delete(self, ctx: Context[Any], spec: ThingSpec) -> Outcome:
        self.calls.append("delete")
        return self.on_delete(ctx, spec)


@dataclass
class FakeKube:
    patches: list[dict[str, Any]] = field(default_factory=list)
    deleting_crds: bool = False
    version: int | None = None  # the resourceVersion a status write answers, then +1
    stored: dict[str, Any] | None = None  # what a GET answers
    gets: int = 0

    def patch_status(
        self, kind: str, namespace: str, name: str, status: dict[str, Any]
    ) -> Written | None:
        self.patches.append(status)
        if self.version is None:
            return None
        self.version += 1
        return Written(str(self.version - 1), 1)

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        self.gets += 1
        return self.stored

    def crd_deleting(self, kind: str) -> bool:
        return self.deleting_crds


@dataclass
class World:
    manager: FakeManager
    kube: FakeKube
    engine: Engine
    events: list[tuple[str, str]]

    def body(self, spec: dict[str, Any] | None = None, status: dict[str, Any] | None = None) -> Any:
        return {
            "metadata": {"name": "t", "namespace": "demo", "uid": "uid-1", "generation": 1},
            "spec": spec or {},
            "status": status or {},
        }

    def ready(self) -> dict[str, Any]:
        conditions = next(p["conditions"] for p in reversed(self.kube.patches) if "conditions" in p)
        return next(c for c in conditions if c["type"] == "Ready")

    def synced(self) -> dict[str, Any]:
        conditions = next(p["conditions"] for p in reversed(self.kube.patches) if "conditions" in p)
        return next(c for c in conditions if c["type"] == "Synced")


def _world(manager: FakeManager | None = None, backoff_max: float = 300.0) -> World:
    manager = manager or FakeManager()
    kube = FakeKube()
    events: list[tuple[str, str]] = []
    engine = Engine(
        [manager],
        kube,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        lambda resource, type_, reason, message: events.append((type_, reason)),
        backoff_max=backoff_max,
    )
    return World(manager, kube, engine, events)


def _raises(error: Exception) -> Step:
    def step(ctx: Context[ThingStatus], spec: ThingSpec) -> Outcome:
        raise error

    return step


def _aws_error(code: str, message: str = "") -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}},
        "CreateThing",
    )


def test_a_successful_pass_writes_typed_status_and_conditions_once() -> None:
    world = _world()
    result = world.engine.reconcile("Thing", world.body({"size": 3}))
    assert result.outcome == "done"
    assert result.ready
    patch = world.kube.patches[-1]
    assert patch["sizeSeen"] == 3
    assert patch["observedGeneration"] == 1
    assert world.ready()["reason"] == "Available"
    assert world.events == [("Normal", "Available")]
    # The same pass again, from the status it left: nothing to write, nothing to say.
    world.engine.reconcile("Thing", world.body({"size": 3}), status=result.status)
    assert len(world.kube.patches) == 1
    assert len(world.events) == 1


def test_ids_recorded_during_the_pass_go_out_with_its_conditions() -> None:
    def step(ctx: Context[ThingStatus], spec: ThingSpec) -> Outcome:
        ctx.record(ThingStatus(thing_id="id-1"))
        assert ctx.status.thing_id == "id-1"  # the typed view sees it at once
        return _ready(ctx, spec)

    world = _world(FakeManager(on_reconcile=step))
    world.engine.reconcile("Thing", world.body())
    assert len(world.kube.patches) == 1
    assert world.kube.patches[0]["thingId"] == "id-1"


def test_a_save_that_changes_nothing_writes_nothing() -> None:
    def step(ctx: Context[ThingStatus], spec: ThingSpec) -> Outcome:
        ctx.save(ThingStatus(thing_id="id-1"))
        ctx.save(ThingStatus(thing_id="id-1"))
        return _ready(ctx, spec)

    world = _world(FakeManager(on_reconcile=step))
    world.engine.reconcile("Thing", world.body())
    assert [p.get("thingId") for p in world.kube.patches] == ["id-1", None]


def test_an_invalid_spec_is_terminal_and_names_the_field() -> None:
    world = _world()
    result = world.engine.reconcile("Thing", world.body({"size": 0}))
    assert result.outcome == "terminal"
    assert world.ready()["reason"] == "InvalidSpec"
    assert "spec.size" in world.ready()["message"]
    assert world.manager.calls == []


def test_a_terminal_error_stops_and_is_looked_at_again_by_the_next_pass() -> None:
    world = _world(FakeManager(on_reconcile=_raises(Terminal("ThingNotOwned", "not ours"))))
    first = world.engine.reconcile("Thing", world.body())
    assert first.outcome == "terminal"
    assert world.synced()["reason"] == "ReconcileTerminal"
    assert world.events == [("Warning", "ThingNotOwned")]
    # Someone freed the name: the resync's pass goes on from the terminal status.
    world.manager.on_reconcile = _ready
    again = world.engine.reconcile("Thing", world.body(), status=first.status)
    assert again.outcome == "done"
    assert world.ready()["reason"] == "Available"


def test_the_same_terminal_error_again_writes_nothing() -> None:
    world = _world(FakeManager(on_reconcile=_raises(Terminal("ThingNotOwned", "not ours"))))
    first = world.engine.reconcile("Thing", world.body())
    writes = len(world.kube.patches)
    world.engine.reconcile("Thing", world.body(), status=first.status)
    assert len(world.kube.patches) == writes
    assert len(world.events) == 1


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            _aws_error("AccessDeniedException", "not authorized to ecs:CreateService"),
            "AccessDenied",
        ),
        (_aws_error("UnauthorizedOperation"), "AccessDenied"),
        (
            _aws_error("InvalidParameterException", "Unable to assume the service linked role."),
            "ServiceLinkedRoleMissing",
        ),
    ],
)
def test_blocked_is_retried_with_a_growing_delay_up_to_the_resync_period(
    error: Exception, reason: str
) -> None:
    world = _world(FakeManager(on_reconcile=_raises(error)), backoff_max=300.0)
    delays = []
    for retry in range(12):
        result = world.engine.reconcile("Thing", world.body(), retry=retry)
        assert result.outcome == "requeue"  # never parked
        delays.append(result.delay)
    assert world.ready()["reason"] == reason
    assert world.ready()["status"] == "False"
    assert delays[0] < 5
    assert delays[4] > delays[0]
    assert max(delays) <= 300 * 1.2
    assert delays[-1] >= 300 * 0.8


def test_a_blocked_object_that_was_ready_is_not_ready_any_more() -> None:
    world = _world()
    ok = world.engine.reconcile("Thing", world.body())
    world.manager.on_reconcile = _raises(_aws_error("AccessDeniedException", "no"))
    world.engine.reconcile("Thing", world.body(), status=ok.status)
    assert world.ready()["status"] == "False"
    assert world.ready()["reason"] == "AccessDenied"


def test_a_transient_error_leaves_a_serving_object_ready() -> None:
    world = _world()
    ok = world.engine.reconcile("Thing", world.body())
    world.manager.on_reconcile = _raises(_aws_error("ServerException", "boom"))
    result = world.engine.reconcile("Thing", world.body(), status=ok.status)
    assert result.outcome == "requeue"
    assert world.ready()["status"] == "True"
    assert world.synced()["reason"] == "ReconcileError"


def test_throttled_comes_back_when_its_slot_does() -> None:
    world = _world(FakeManager(on_reconcile=_raises(Throttled("ecs:CreateService", 7.5))))
    result = world.engine.reconcile("Thing", world.body())
    assert result.outcome == "requeue"
    assert result.delay == 7.5
    assert world.ready()["reason"] == "Throttled"


def test_retain_leaves_aws_alone() -> None:
    world = _world()
    result = world.engine.delete("Thing", world.body({"deletionPolicy": "Retain"}))
    assert result.outcome == "done"
    assert world.manager.calls == []
    assert world.ready()["reason"] == "Retained"
    assert "the thing left in AWS" in world.ready()["message"]


def test_delete_runs_the_manager_until_it_is_done() -> None:
    from controller.reconcile.errors import Waiting

    world = _world(FakeManager(on_delete=_raises(Waiting("DeletingThing", "draining", 2.0))))
    waiting = world.engine.delete("Thing", world.body())
    assert waiting.outcome == "requeue"
    assert world.ready()["reason"] == "DeletingThing"
    world.manager.on_delete = lambda ctx, spec: Outcome(True, "Deleted", "gone")
    assert world.engine.delete("Thing", world.body()).outcome == "done"
    assert world.manager.calls == ["delete", "delete"]


def test_uninstalling_the_crds_releases_objects_without_touching_aws() -> None:
    world = _world()
    world.kube.deleting_crds = True
    assert world.engine.delete("Thing", world.body()).outcome == "done"
    assert world.manager.calls == []
    assert world.kube.patches == []


def test_an_unparseable_spec_is_let_go_on_deletion() -> None:
    world = _world()
    assert world.engine.delete("Thing", world.body({"size": 0})).outcome == "done"
    assert world.manager.calls == []


def _plans(*changes: str) -> Step:
    def step(ctx: Context[ThingStatus], spec: ThingSpec) -> Outcome:
        for change in changes:
            ctx.plan(change)
        return _ready(ctx, spec)

    return step


def test_observing_reports_the_plan_and_manage_clears_it() -> None:
    world = _world(FakeManager(on_reconcile=_plans("tag thing t: owner", "update thing t: x to 2")))
    observed = world.engine.reconcile("Thing", world.body({"managementPolicy": "Observe"}))
    assert world.kube.patches[-1]["plannedChanges"] == [
        "tag thing t: owner",
        "update thing t: x to 2",
    ]
    assert world.ready()["reason"] == "Observed"
    assert "1 change(s)" in world.ready()["message"]
    assert "update thing t: x to 2" in world.ready()["message"]
    world.manager.on_reconcile = _ready
    world.engine.reconcile("Thing", world.body(), status=observed.status)
    assert world.kube.patches[-1]["plannedChanges"] is None  # removed from status
    assert world.ready()["reason"] == "Available"


def test_observing_with_only_ownership_tags_to_add_says_it_matches() -> None:
    world = _world(FakeManager(on_reconcile=_plans("tag thing t: owner")))
    world.engine.reconcile("Thing", world.body({"managementPolicy": "Observe"}))
    assert world.ready()["message"].startswith(
        "observed: AWS matches the spec apart from kopilot's ownership (adoption, tags)"
    )


def test_a_managed_object_never_writes_an_empty_plan() -> None:
    world = _world()
    world.engine.reconcile("Thing", world.body())
    assert "plannedChanges" not in world.kube.patches[-1]


def test_deleting_an_observed_object_leaves_aws_alone() -> None:
    world = _world()
    result = world.engine.delete("Thing", world.body({"managementPolicy": "Observe"}))
    assert result.outcome == "done"
    assert world.manager.calls == []
    assert world.ready()["reason"] == "Retained"


def test_a_family_is_looked_up_again_until_a_lookup_went_through() -> None:
    """A throttled lookup of a family (after a restart) must not count as done: the next
    pass looks again rather than registering a second revision."""
    from controller.reconcile.resources.task_definition import FamiliesSeen

    seen = FamiliesSeen()
    assert seen.first_look("kudos-test-api")
    assert seen.first_look("kudos-test-api")  # the first lookup failed: still to do
    seen.looked("kudos-test-api")
    assert not seen.first_look("kudos-test-api")
    assert seen.first_look("kudos-test-web")


def test_a_pass_from_reads_older_than_the_last_pass_does_nothing() -> None:
    """A resync that listed the object before its own handler's pass ended holds older
    status (and an older description): it must not act on it."""
    import time

    from controller.reconcile.engine import Known

    world = _world()
    listed = Known(as_of=time.monotonic())
    world.engine.reconcile("Thing", world.body({"size": 1}))
    stale = world.engine.reconcile("Thing", world.body({"size": 1}), known=listed)
    assert stale.outcome == "done"
    assert world.manager.calls == ["reconcile"]  # the stale pass did not run
    fresh = world.engine.reconcile(
        "Thing", world.body({"size": 1}), known=Known(as_of=time.monotonic())
    )
    assert fresh.outcome == "done"
    assert world.manager.calls == ["reconcile", "reconcile"]


def test_a_revision_this_process_registered_is_found_again_by_its_content() -> None:
    """A pass whose status save failed after registering, or that started from older
    status, finds the revision of its content rather than registering another."""
    from controller.reconcile.resources.task_definition import FamiliesSeen

    seen = FamiliesSeen()
    seen.registered("kudos-test-api", "arn:td/kudos-test-api:2", "digest-b")
    assert seen.mine("kudos-test-api", "digest-b") == "arn:td/kudos-test-api:2"
    assert seen.mine("kudos-test-api", "digest-a") is None  # other content: a new revision
    assert not seen.first_look("kudos-test-api")


def test_a_handlers_events_are_one_with_its_own_reason_and_aws_words_in_order() -> None:
    from controller.reconcile.engine import Notes, Resource

    posted: list[tuple[str, str, str]] = []
    engine = Engine(
        [FakeManager()],
        FakeKube(),  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        lambda resource, type_, reason, message: posted.append((type_, reason, message)),
    )
    resource = Resource.from_body("Thing", _world().body())
    notes = Notes()
    ctx: Context[ThingStatus] = Context(
        resource,
        FakeKube(),  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        lambda *args: posted.append(("now", args[2], args[3])),
        ThingStatus,
        notes=notes,
    )
    ctx.event("CreatedThing", "created thing t")
    ctx.event("EcsServiceEvent", "(service t) has started 1 tasks.", quoted=True)
    ctx.event("EcsServiceEvent", "(service t) was unable to place a task.", warning=True)
    ctx.event("Available", "1/1 tasks running")
    ctx.event("EcsServiceEvent", "(service t) has reached a steady state.", quoted=True)
    engine.post_notes(notes)
    assert posted == [
        ("now", "EcsServiceEvent", "(service t) was unable to place a task."),
        (
            "Normal",
            "Available",
            "created thing t; (service t) has started 1 tasks.; 1/1 tasks running; "
            "(service t) has reached a steady state.",
        ),
    ]
    # Only AWS's words: their reason.
    ctx.event("EcsServiceEvent", "(service t) has reached a steady state.", quoted=True)
    engine.post_notes(notes)
    assert posted[-1][:2] == ("Normal", "EcsServiceEvent")


# -- the body kopf hands over (Engine._current) --------------------------------------------


def _at(world: World, version: str, generation: int, size: int = 1) -> dict[str, Any]:
    body = world.body({"size": size})
    body["metadata"].update(resourceVersion=version, generation=generation)
    return body


def _after_a_write(manager: FakeManager | None = None) -> World:
    world = _world(manager)
    world.kube.version = 5
    world.engine.reconcile("Thing", _at(world, "4", 1, size=1))  # writes: version 5 (, 6)
    world.kube.stored = _at(world, "5", 1)
    world.kube.gets = 0
    return world


def test_a_handler_body_older_than_kopilots_last_write_is_read_again() -> None:
    world = _after_a_write()

    world.engine.reconcile("Thing", _at(world, "3", 1))

    assert world.kube.gets == 1


def test_a_handler_body_at_kopilots_last_write_or_a_later_generation_is_not_read() -> None:
    world = _after_a_write()

    world.engine.reconcile("Thing", _at(world, "5", 1))
    world.engine.reconcile("Thing", _at(world, "9", 2, size=2))  # a spec change since

    assert world.kube.gets == 0


def test_a_handler_pass_starting_from_indexed_reads_still_checks_its_body() -> None:
    world = _after_a_write()

    world.engine.reconcile("Thing", _at(world, "3", 1), known=Known(app={"spec": {}}))

    assert world.kube.gets == 1


def test_a_resync_pass_works_from_its_listing_without_reading_again() -> None:
    world = _after_a_write()

    world.engine.reconcile("Thing", _at(world, "3", 1), known=Known(as_of=0.0))

    assert world.kube.gets == 0


def test_a_body_at_an_earlier_write_of_a_handling_that_ended_is_already_handled() -> None:
    def two_writes(ctx: Context[ThingStatus], spec: ThingSpec) -> Outcome:
        ctx.save(ThingStatus(thing_id="id-1"))  # what was created (RollingOut): version 5
        return _ready(ctx, spec)  # Ready, handledGeneration 1: version 6

    manager = FakeManager(on_reconcile=two_writes)
    world = _after_a_write(manager)
    calls = len(manager.calls)

    result = world.engine.reconcile("Thing", _at(world, "5", 1))  # kopf's queued RollingOut

    assert (result.outcome, result.message, result.ready) == ("done", "already handled", True)
    assert world.kube.gets == 0
    assert len(manager.calls) == calls
