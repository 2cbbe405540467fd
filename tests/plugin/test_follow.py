"""`kubectl kopilot logs` without a world: --since durations and --follow's polling."""

from __future__ import annotations

from typing import Any

import pytest

from controller.plugin.commands import LogSource, follow, since_ms
from controller.plugin.errors import PluginError


def test_since_takes_durations() -> None:
    assert since_ms("10m", now=1000.0) == (1000 - 600) * 1000
    assert since_ms("1h30m", now=10000.0) == (10000 - 5400) * 1000
    assert since_ms(None) is None
    with pytest.raises(PluginError, match="give a duration such as 30s"):
        since_ms("10 minutes")


class FakeReads:
    """A log group that appears on the second poll and gets one more event per poll; the
    same millisecond answered again, as FilterLogEvents does from startTime on."""

    def __init__(self) -> None:
        self.polls = 0
        self.starts: list[int | None] = []

    def group_exists(self, group: str) -> bool:
        self.polls += 1
        return self.polls > 1

    def events(self, group: str, start_ms: int | None, streams: Any = None) -> list[dict[str, Any]]:
        self.starts.append(start_ms)
        everything = [
            {
                "eventId": str(n),
                "timestamp": 1000 + n // 2,
                "logStreamName": f"p/c/t{n}",
                "message": f"m{n}",
            }
            for n in range(self.polls)
        ]
        return [e for e in everything if start_ms is None or e["timestamp"] >= start_ms]


def test_follow_waits_for_the_group_and_prints_each_event_once() -> None:
    reads = FakeReads()
    waited: list[str] = []
    lines = follow(LogSource(reads, "g", None), None, waited.append, sleep=lambda _: None)
    got = [next(lines)["message"] for _ in range(5)]
    assert got == ["m0", "m1", "m2", "m3", "m4"]
    assert waited == ["g"]
    assert reads.starts[0] is None
    assert reads.starts[-1] == 1001  # from the newest millisecond seen on
