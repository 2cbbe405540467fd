"""AWS call accounting from the emulator's counters: reads and writes, resync passes told
apart by the quiet gaps between them, and the moment of the first call."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from controller.sandbox.aws import EmulatorControl

WRITE_PREFIXES = ("Create", "Update", "Delete", "Register", "Deregister", "Tag", "Untag", "Put")


def is_write(operation: str) -> bool:
    """A write, as "ecs:CreateService"; a read, as "ecs:DescribeServices"."""
    return operation.split(":", 1)[-1].startswith(WRITE_PREFIXES)


@dataclass(frozen=True)
class Calls:
    """Calls per operation over some span ({"ecs:CreateService": 3, ...})."""

    by_operation: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())

    @property
    def writes(self) -> int:
        return sum(n for op, n in self.by_operation.items() if is_write(op))

    @property
    def reads(self) -> int:
        return self.total - self.writes

    def get(self, operation: str) -> int:
        return self.by_operation.get(operation, 0)

    def minus(self, earlier: Calls) -> Calls:
        diff = Counter(self.by_operation)
        diff.subtract(earlier.by_operation)
        return Calls({op: n for op, n in sorted(diff.items()) if n})


def snapshot(control: EmulatorControl) -> Calls:
    return Calls(control.counters())


def wait_quiet(
    control: EmulatorControl, quiet: float, timeout: float, require_calls: bool = True
) -> Calls:
    """Wait until no AWS call has arrived for `quiet` seconds (after at least one call, when
    `require_calls`); the counters at that moment."""
    deadline = time.monotonic() + timeout
    last = snapshot(control)
    changed_at = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = snapshot(control)
        if now != last:
            last, changed_at = now, time.monotonic()
        elif time.monotonic() - changed_at >= quiet and (last.total > 0 or not require_calls):
            return last
    raise TimeoutError(f"AWS calls did not pause for {quiet}s within {timeout:.0f}s: {last}")


def wait_activity(control: EmulatorControl, since: Calls, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while snapshot(control) == since:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no AWS call within {timeout:.0f}s")
        time.sleep(0.05)


@dataclass(frozen=True)
class Pass:
    calls: Calls
    seconds: float  # from the first call seen to the quiet that ended it (±0.1 s)


def resync_passes(control: EmulatorControl, count: int, quiet: float, timeout: float) -> list[Pass]:
    """Record `count` bursts of calls, each ended by `quiet` seconds without a call. Start
    it while the operator is quiet: with an environment resync period longer than a pass plus
    `quiet`, each burst is one resync pass (its ecs:DescribeClusters count says so)."""
    passes: list[Pass] = []
    before = snapshot(control)
    for _ in range(count):
        wait_activity(control, before, timeout)
        started = time.monotonic()
        after = wait_quiet(control, quiet, timeout)
        passes.append(Pass(after.minus(before), time.monotonic() - started - quiet))
        before = after
    return passes


@dataclass
class FirstCall:
    """Polls the counters in a thread and records when the first AWS call arrives."""

    control: EmulatorControl
    interval: float = 0.02
    at: float | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> FirstCall:
        self._thread = threading.Thread(target=self._run, name="first-call", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _run(self) -> None:
        while not self._stop.is_set():
            if snapshot(self.control).total > 0:
                self.at = time.monotonic()
                return
            self._stop.wait(self.interval)
