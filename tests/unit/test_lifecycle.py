"""Every branch of one AWS resource's life in a pass (reconcile.lifecycle), with a function
fake for the resource client: absent, owned and current, owned with a delta, foreign,
foreign with adopt, a taken name on create, tags, ids saved before the next step, deletion
of ours and of someone else's, and AWS errors sorted with the client's own codes."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import pydantic
import pytest
from botocore.exceptions import ClientError

from controller.naming import Owner
from controller.reconcile.errors import (
    COMMON_TERMINAL_CODES,
    Blocked,
    ReconcileError,
    Retryable,
    Terminal,
    Waiting,
)
from controller.reconcile.lifecycle import AlreadyExists, Seen, ensure, remove

OWNER = Owner("EcsEnvironment", "demo", "test", "uid-1")
OURS = OWNER.tags()
THEIRS = {"aws:cloudformation:stack-name": "kudos-test"}
OTHER_KOPILOT = Owner("EcsEnvironment", "other", "test", "uid-2").tags()
WANTED_TAGS = {**OURS, "team": "a"}


class Ids(pydantic.BaseModel):
    thing_id: str | None = None


@dataclass
class FakePass:
    """The object's pass: ownership, events and status writes, recorded."""

    events: list[tuple[str, str, bool]] = field(default_factory=list)
    saved: list[dict[str, Any]] = field(default_factory=list)
    recorded_later: list[dict[str, Any]] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # shared with the client: who did what when
    observing: bool = False  # managementPolicy Observe
    planned: list[str] = field(default_factory=list)

    def plan(self, change: str) -> None:
        self.planned.append(change)

    @property
    def owner(self) -> Owner:
        return OWNER

    def event(self, reason: str, message: str, warning: bool = False) -> None:
        self.events.append((reason, message, warning))

    def save(self, update: pydantic.BaseModel) -> None:
        self.order.append("save")
        self.saved.append(update.model_dump(exclude_unset=True))

    def record(self, update: pydantic.BaseModel) -> None:
        self.recorded_later.append(update.model_dump(exclude_unset=True))

    @property
    def reasons(self) -> list[str]:
        return [reason for reason, _, _ in self.events]


@dataclass
class FakeThing:
    """A resource client whose AWS is a dict; each call is recorded in `order`."""

    order: list[str]
    present: Seen[str] | None = None
    was_recorded: bool = False
    delta: dict[str, Any] = field(default_factory=dict)
    taken_by: Seen[str] | None = None  # create answers AlreadyExists with this
    made_again: Seen[str] | None = None  # what observe finds once the recorded one is forgotten
    fail: dict[str, Exception] = field(default_factory=dict)  # step -> error it raises
    idempotent_create: bool = False
    trusts_recorded: bool = False
    noun: str = "thing"
    reason: str = "Thing"
    not_owned_reason: str = "ThingNotOwned"
    rename_hint: str = "choose another spec.name"
    terminal_codes: Collection[str] = COMMON_TERMINAL_CODES
    tagged: list[dict[str, str]] = field(default_factory=list)

    def _do(self, step: str) -> None:
        self.order.append(step)
        if step in self.fail:
            raise self.fail[step]

    def recorded(self) -> bool:
        return self.was_recorded

    def name_of(self, want: str) -> str:
        return want

    def observe(self, want: str) -> Seen[str] | None:
        self._do("observe")
        return self.present

    def diff(self, want: str, seen: Seen[str]) -> dict[str, Any]:
        return dict(self.delta)

    def create(self, want: str) -> Seen[str]:
        self._do("create")
        if self.taken_by is not None:
            raise AlreadyExists(self.taken_by)
        return Seen(want, f"id-of-{want}", dict(WANTED_TAGS), created=True)

    def update(self, want: str, seen: Seen[str]) -> Seen[str]:
        self._do("update")
        return Seen(seen.name, seen.facts, seen.tags)

    def tag(self, seen: Seen[str], tags: Mapping[str, str]) -> None:
        self._do("tag")
        self.tagged.append(dict(tags))

    def read_tags(self, seen: Seen[str]) -> Mapping[str, str]:
        self._do("read_tags")
        return OURS

    def forget(self) -> None:
        self._do("forget")
        self.present = self.made_again

    def keep(self, seen: Seen[str]) -> Ids:
        return Ids(thing_id=seen.facts)

    def created_event(self, seen: Seen[str]) -> tuple[str, str]:
        return "CreatedThing", f"created thing {seen.name}"

    def delete(self, seen: Seen[str]) -> None:
        self._do("delete")


def _aws_error(code: str, message: str = "", status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "CreateThing",
    )


def _world(observing: bool = False, **client: Any) -> tuple[FakePass, FakeThing]:
    ctx = FakePass(observing=observing)
    return ctx, FakeThing(order=ctx.order, **client)


# -- ensure -------------------------------------------------------------------------------


def test_absent_is_created_and_its_id_saved_before_the_next_step() -> None:
    ctx, thing = _world()
    seen = ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS)
    assert seen.facts == "id-of-a"
    assert thing.order == ["observe", "create", "save"]
    assert ctx.saved == [{"thing_id": "id-of-a"}]
    assert ctx.reasons == ["CreatedThing"]


def test_an_idempotent_create_writes_its_id_with_the_pass_status() -> None:
    ctx, thing = _world(idempotent_create=True)
    ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS)
    assert ctx.saved == []  # a repeat of the create returns the same resource
    assert ctx.recorded_later == [{"thing_id": "id-of-a"}]


def test_a_recorded_resource_gone_missing_is_said_and_made_again() -> None:
    ctx, thing = _world(was_recorded=True)
    ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS)
    # Forgotten, it is looked for afresh before it is made again.
    assert thing.order[:4] == ["observe", "forget", "observe", "create"]
    assert ctx.events[0][0] == "ThingMissing"
    assert ctx.events[0][2] is True
    assert ctx.reasons[-1] == "CreatedThing"


def test_a_recorded_resource_made_again_by_someone_else_is_theirs() -> None:
    ctx, thing = _world(was_recorded=True, made_again=Seen("a", "id-2", dict(THEIRS)))
    with pytest.raises(Terminal) as refused:
        ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS)
    assert refused.value.reason == "ThingNotOwned"
    assert "create" not in thing.order


def test_owned_and_current_makes_no_call_but_the_observation() -> None:
    ctx, thing = _world(present=Seen("a", "id-1", dict(WANTED_TAGS)), was_recorded=True)
    ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS)
    assert thing.order == ["observe", "save"]  # the save is skipped by status when unchanged
    assert ctx.events == []


def test_owned_with_a_delta_is_updated_and_says_what_changed() -> None:
    ctx, thing = _world(
        present=Seen("a", "id-1", dict(WANTED_TAGS)), delta={"settings.insights": True}
    )
    ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS)
    assert "update" in thing.order
    assert ctx.events == [("UpdatedThing", "updated thing a: settings.insights", False)]


def test_missing_tags_are_added_and_others_kept() -> None:
    ctx, thing = _world(present=Seen("a", "id-1", {**OURS, "team": "b", "cost": "x"}))
    ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS)
    assert thing.tagged == [{"team": "a"}]


def test_tags_not_read_this_pass_are_left_alone() -> None:
    ctx, thing = _world(present=Seen("a", "id-1", None))
    ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS)
    assert "tag" not in thing.order
    assert ctx.events == []


@pytest.mark.parametrize("tags", [THEIRS, OTHER_KOPILOT, {}])
def test_foreign_without_adopt_is_refused_and_untouched(tags: dict[str, str]) -> None:
    ctx, thing = _world(present=Seen("a", "id-1", tags), delta={"x": 1})
    with pytest.raises(Terminal) as refused:
        ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS)
    assert refused.value.reason == "ThingNotOwned"
    assert "thing a already exists" in refused.value.message
    assert "spec.adopt: true" in refused.value.message
    if tags == OTHER_KOPILOT:
        assert "EcsEnvironment other/test" in refused.value.message
    assert thing.order == ["observe"]  # no tag, no update, no save


def test_foreign_with_adopt_is_adopted_tagged_and_updated() -> None:
    ctx, thing = _world(present=Seen("a", "id-1", dict(THEIRS)), delta={"x": 1})
    ensure(ctx, thing, "a", adopt=True, tags=WANTED_TAGS)
    assert ctx.reasons == ["AdoptedThing", "UpdatedThing"]
    assert thing.tagged == [WANTED_TAGS]  # ours from now on
    assert thing.order == ["observe", "tag", "update", "save"]


def test_a_name_taken_on_create_is_claimed_like_an_observed_one() -> None:
    ctx, thing = _world(taken_by=Seen("a", "id-9", dict(THEIRS)))
    with pytest.raises(Terminal) as refused:
        ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS)
    assert refused.value.reason == "ThingNotOwned"
    ctx, thing = _world(taken_by=Seen("a", "id-9", dict(THEIRS)))
    seen = ensure(ctx, thing, "a", adopt=True, tags=WANTED_TAGS)
    assert seen.facts == "id-9"
    assert ctx.reasons == ["AdoptedThing"]
    assert ctx.saved == [{"thing_id": "id-9"}]


def test_a_name_taken_by_our_own_earlier_create_is_simply_ours() -> None:
    ctx, thing = _world(taken_by=Seen("a", "id-9", dict(OURS)))
    seen = ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS)
    assert seen.facts == "id-9"
    assert "AdoptedThing" not in ctx.reasons


def test_an_observation_given_is_not_made_again() -> None:
    ctx, thing = _world()
    ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS, seen=Seen("a", "id-1", OURS))
    assert "observe" not in thing.order


def test_a_waiting_create_stops_the_pass_with_nothing_saved_after_it() -> None:
    ctx, thing = _world(fail={"create": Waiting("CreatingThing", "in progress", delay=2)})
    with pytest.raises(Waiting):
        ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS)
    assert ctx.saved == []
    assert ctx.events == []


# -- managementPolicy Observe: the same decisions, none carried out -----------------------------


def test_observing_plans_adoption_tags_and_updates_and_calls_nothing_but_observe() -> None:
    ctx, thing = _world(
        observing=True,
        present=Seen("a", "id-1", dict(THEIRS)),
        delta={"desiredCount": (2, 1), "settings.insights": True},
    )
    seen = ensure(ctx, thing, "a", adopt=True, tags=WANTED_TAGS)
    assert thing.order == ["observe", "save"]  # no tag, no update
    assert ctx.events == []
    assert ctx.planned[0].startswith("adopt thing a (now nobody known to kopilot's)")
    assert ctx.planned[1].startswith("tag thing a: kopilot.dev/owner-kind")
    assert ctx.planned[2:] == [
        "update thing a: desiredCount to 2 (now 1)",
        "update thing a: settings.insights to true",
    ]
    assert seen.facts == "id-1"  # the steps after it work from what is there


def test_observing_a_foreign_resource_without_adopt_says_what_manage_needs() -> None:
    ctx, thing = _world(observing=True, present=Seen("a", "id-1", dict(THEIRS)))
    ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS)
    assert ctx.planned[0].endswith("Manage needs spec.adopt: true to take it over")


def test_observing_what_is_not_there_stops_without_creating() -> None:
    ctx, thing = _world(observing=True)
    with pytest.raises(Terminal) as missing:
        ensure(ctx, thing, "a", adopt=True, tags=WANTED_TAGS)
    assert missing.value.reason == "ObservedMissing"
    assert "thing a" in missing.value.message
    assert thing.order == ["observe"]


@pytest.mark.parametrize("trusts_recorded", [True, False])
def test_observing_keeps_a_foreign_id_only_where_manage_reads_tags_again(
    trusts_recorded: bool,
) -> None:
    ctx, thing = _world(
        observing=True, present=Seen("a", "id-1", dict(THEIRS)), trusts_recorded=trusts_recorded
    )
    ensure(ctx, thing, "a", adopt=True, tags=WANTED_TAGS)
    # A client that takes what status names as its own must not be told about theirs:
    # Manage then finds it again and adopts (tags) it.
    assert ctx.saved == ([] if trusts_recorded else [{"thing_id": "id-1"}])


def test_observing_a_current_resource_plans_nothing() -> None:
    ctx, thing = _world(observing=True, present=Seen("a", "id-1", dict(WANTED_TAGS)))
    ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS)
    assert ctx.planned == []


# -- AWS errors, sorted with the client's codes ----------------------------------------------


@pytest.mark.parametrize(
    ("step", "error", "kind", "reason"),
    [
        ("create", _aws_error("InvalidParameterException", "bad"), Terminal, "AwsRejected"),
        ("create", _aws_error("InvalidParameterException", "bad", 500), Retryable, "AwsError"),
        ("create", _aws_error("ServerException", "boom", 500), Retryable, "AwsError"),
        ("observe", _aws_error("AccessDeniedException", "no"), Blocked, "AccessDenied"),
        ("create", _aws_error("UnauthorizedOperation", "no"), Blocked, "AccessDenied"),
        (
            "create",
            _aws_error(
                "InvalidParameterException",
                "Unable to assume the service linked role. Please verify that the ECS "
                "service linked role exists.",
            ),
            Blocked,
            "ServiceLinkedRoleMissing",
        ),
        ("create", _aws_error("ThrottlingException", "slow down"), Retryable, "Throttled"),
        ("create", _aws_error("ThingAlreadyThere"), Retryable, "AwsError"),
    ],
)
def test_aws_errors_are_sorted(
    step: str, error: Exception, kind: type[ReconcileError], reason: str
) -> None:
    ctx, thing = _world(fail={step: error})
    with pytest.raises(ReconcileError) as raised:
        ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS)
    assert type(raised.value) is kind
    assert raised.value.reason == reason
    assert "thing" in raised.value.message  # says which resource


def test_a_code_is_terminal_only_for_the_client_that_says_so() -> None:
    error = _aws_error("ThingAlreadyThere", "taken")
    ctx, thing = _world(fail={"create": error}, terminal_codes={"ThingAlreadyThere"})
    with pytest.raises(Terminal):
        ensure(ctx, thing, "a", adopt=False, tags=WANTED_TAGS)


# -- remove -------------------------------------------------------------------------------


def test_remove_deletes_ours_and_says_so() -> None:
    ctx, thing = _world(present=Seen("a", "id-1", dict(OURS)))
    assert remove(ctx, thing, "a") is True
    assert thing.order == ["observe", "delete"]
    assert ctx.reasons == ["DeletedThing"]


@pytest.mark.parametrize("tags", [THEIRS, OTHER_KOPILOT])
def test_remove_never_deletes_what_is_not_ours(tags: dict[str, str]) -> None:
    ctx, thing = _world(present=Seen("a", "id-1", tags))
    assert remove(ctx, thing, "a") is False
    assert "delete" not in thing.order
    assert ctx.events == []


def test_remove_of_something_gone_does_nothing() -> None:
    ctx, thing = _world()
    assert remove(ctx, thing, "a") is False
    assert thing.order == ["observe"]


def test_remove_reads_tags_it_did_not_observe() -> None:
    ctx, thing = _world(present=Seen("a", "id-1", None))
    assert remove(ctx, thing, "a") is True
    assert thing.order == ["observe", "read_tags", "delete"]


def test_remove_waits_while_aws_deletes() -> None:
    ctx, thing = _world(
        present=Seen("a", "id-1", dict(OURS)),
        fail={"delete": Waiting("DeletingThing", "draining", delay=2)},
    )
    with pytest.raises(Waiting):
        remove(ctx, thing, "a")
    assert ctx.events == []  # "Deleted" only once it is
