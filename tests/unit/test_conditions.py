"""Conditions: lastTransitionTime moves only on transitions."""

from __future__ import annotations

from controller.reconcile.conditions import Cond, is_true, merge_conditions


def test_transition_time_moves_only_when_status_changes() -> None:
    first = merge_conditions([], [Cond("Ready", False, "Creating")], 1, "t1")
    assert first == [
        {
            "type": "Ready",
            "status": "False",
            "reason": "Creating",
            "message": "",
            "observedGeneration": 1,
            "lastTransitionTime": "t1",
        }
    ]
    same = merge_conditions(first, [Cond("Ready", False, "Waiting", "still")], 2, "t2")
    assert same[0]["lastTransitionTime"] == "t1"
    assert same[0]["reason"] == "Waiting"
    assert same[0]["observedGeneration"] == 2
    flipped = merge_conditions(same, [Cond("Ready", True, "Available")], 2, "t3")
    assert flipped[0]["lastTransitionTime"] == "t3"
    assert is_true(flipped)


def test_other_conditions_are_kept_and_ordered() -> None:
    current = [{"type": "Custom", "status": "True"}]
    merged = merge_conditions(
        current, [Cond("Synced", True, "ok"), Cond("Ready", None, "x")], 1, "t"
    )
    assert [c["type"] for c in merged] == ["Ready", "Synced", "Custom"]
    assert merged[0]["status"] == "Unknown"
    assert not is_true(merged)
