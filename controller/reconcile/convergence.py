"""How a handler drives one object: passes until done, with short waits in-process.

What differs between kinds is data (`KINDS`), not branches on kind names: which timer a
kind has, whether it waits for its environment, whether it resyncs its services.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Literal

from .engine import Engine, Known, Notes, Result
from .rollouts import RolloutTicket, RolloutWatcher
from .waiting import Wakeups, environment_key, object_key


@dataclass(frozen=True)
class Timing:
    resync_seconds: float = 300.0
    resync_jitter: float = 0.1  # fraction of the period, so resyncs of many objects spread out
    app_status_seconds: float = 10.0
    # How long a handler may wait in-process (for its environment, a rollout, an AWS slot)
    # before it hands the wait back to kopf. It bounds how long a spec change or a deletion
    # of the same object can wait behind it.
    handler_wait_seconds: float = 20.0


@dataclass
class Waits:
    """What handlers wait on in-process (see reconcile.waiting)."""

    wakeups: Wakeups
    rollouts: RolloutWatcher


@dataclass(frozen=True)
class KindPolicy:
    """How the operator drives one kind."""

    # Its own periodic pass: "resync" every resync period, "status" every
    # app_status_seconds (a roll-up of other objects), or none (resynced by its environment).
    timer: Literal["resync", "status"] | None
    # It lives in an environment: a pass waits for the environment converging beside it, and
    # a settled one is left to the environment's resync at the operator's start.
    in_environment: bool = False
    # It holds services: they wait on it while it converges, and its resync visits them.
    has_services: bool = False

    def interval(self, timing: Timing) -> float:
        return timing.app_status_seconds if self.timer == "status" else timing.resync_seconds

    def converging_keys(self, body: Any) -> list[Hashable]:
        """What marks the object as converging while its handler works on it."""
        meta = body["metadata"]
        keys: list[Hashable] = [object_key(meta["uid"])]
        if self.has_services:
            keys.append(environment_key(meta["namespace"], meta["name"]))
        return keys


KINDS: dict[str, KindPolicy] = {
    "EcsApp": KindPolicy(timer="status"),
    "EcsEnvironment": KindPolicy(timer="resync", has_services=True),
    "EcsService": KindPolicy(timer=None, in_environment=True),
}


async def converge(
    engine: Engine,
    waits: Waits,
    timing: Timing,
    kind: str,
    body: Any,
    retry: int,
    known: Known | None = None,
) -> Result:
    """Passes until done, a terminal error, or a wait longer than what is left of
    `timing.handler_wait_seconds`: short waits happen here, without Kubernetes writes.
    Only the time spent waiting counts, not the passes (which queue for worker threads
    when many objects converge at once)."""
    loop = asyncio.get_running_loop()
    budget = timing.handler_wait_seconds
    if KINDS[kind].in_environment:
        # Applied together with its environment: wait for it rather than report
        # WaitingForEnvironment and look again on a timer.
        key = environment_key(
            body["metadata"]["namespace"], (body.get("spec") or {}).get("environment", "")
        )
        if waits.wakeups.converging(key):
            started = loop.time()
            await waits.wakeups.wait(key, budget)
            budget -= loop.time() - started
    notes = Notes()
    try:
        return await _passes(engine, waits, timing, kind, body, retry, budget, notes, known)
    finally:
        engine.post_notes(notes)


async def _passes(
    engine: Engine,
    waits: Waits,
    timing: Timing,
    kind: str,
    body: Any,
    retry: int,
    budget: float,
    notes: Notes,
    known: Known | None,
) -> Result:
    loop = asyncio.get_running_loop()
    status: dict[str, Any] | None = None
    while True:
        result = await asyncio.to_thread(engine.reconcile, kind, body, retry, known, status, notes)
        if result.outcome != "requeue" or result.delay > budget:
            if result.outcome == "requeue" and result.delay > timing.handler_wait_seconds:
                # Back a little before the time, to wait out the rest here (an AWS slot).
                result.delay -= timing.handler_wait_seconds / 2
            return result
        # The next pass starts from this one's status, and from what it read of the
        # environment and app (seconds old; a resync catches a later change).
        status, known, retry = result.status, result.reads, retry + 1
        started = loop.time()
        if isinstance(result.watch, RolloutTicket):
            described = await waits.rollouts.wait(result.watch, budget)
            if described is not None:
                known = dataclasses.replace(known, described=described)
        elif result.watch is not None:
            await waits.wakeups.wait(result.watch, result.delay)
        else:
            await asyncio.sleep(result.delay)
        budget -= loop.time() - started
