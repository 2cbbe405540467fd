"""observe.ecs_events: which of ECS's service events are new, and which tells why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from controller.observe.ecs_events import PER_PASS, mark, parse, telling, unseen

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def event(i: str, seconds: int, message: str = "has reached a steady state.") -> dict[str, object]:
    return {"id": i, "createdAt": T0 + timedelta(seconds=seconds), "message": message}


def test_events_of_one_instant_are_each_posted_once() -> None:
    stopped = "(service api) (task 1) stopped: CannotPullContainerError: not found"
    raw = [event("b", 5, "deployment failed"), event("a", 5, stopped), event("z", 1)]
    fresh = unseen(parse(raw), None, [], T0)
    assert [e.id for e in fresh] == ["z", "b", "a"]  # by time; one instant in ECS's order
    at, ids = mark(fresh, None, [])
    assert sorted(ids) == ["a", "b"]
    # The next pass sees one more event of the same instant, and one later.
    fresh = unseen(parse([event("c", 5), event("d", 9), *raw]), at, ids, T0)
    assert [e.id for e in fresh] == ["c", "d"]


def test_before_any_is_posted_only_events_since_the_object_was_made() -> None:
    history = parse([event("old", -60), event("new", 10)])
    assert [e.id for e in unseen(history, None, [], T0)] == ["new"]


def test_a_backlog_posts_its_newest_only() -> None:
    many = parse([event(str(i), i) for i in range(30)])
    fresh = unseen(many, None, [], T0)
    assert len(fresh) == PER_PASS
    assert fresh[-1].id == "29"


def test_the_telling_event_is_the_newest_that_says_why() -> None:
    found = parse(
        [
            event("1", 1, "(service api) (task 1) stopped: CannotPullContainerError: x"),
            event("2", 2, "(service api) was unable to place a task"),
            event("3", 3, "(service api) has reached a steady state."),
        ]
    )
    why = telling(found)
    assert why is not None
    assert why.id == "2"
    assert not found[-1].warning
