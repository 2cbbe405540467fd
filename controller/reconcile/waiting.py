"""Waiting in the operator's memory instead of through Kubernetes.

A pass that must look again soon (a service whose environment is being created, a rollout
under way, an AWS slot a few seconds off) used to end in a kopf retry: kopf records its
progress on the object, sleeps, and touches the object to wake itself, a few writes per
wait and per object, each fanned out to every watcher. For a short wait the handler now
waits here instead: for its environment to turn Ready, for a batched rollout poll
(`RolloutWatcher`) to see its service settle, or for its slot. Longer waits still go back
to kopf, so a spec change or a deletion never waits behind a handler for long.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass


def environment_key(namespace: str, name: str) -> tuple[str, str, str]:
    """The signal an environment's handler sends when the environment turns Ready."""
    return ("EcsEnvironment", namespace, name)


def object_key(uid: str) -> tuple[str, str]:
    """Marks an object whose handler is converging it: its resyncs stand aside meanwhile."""
    return ("object", uid)


@dataclass
class Hold:
    """Set `ready` before the block ends to signal the keys' waiters."""

    ready: bool = False


class Wakeups:
    """In-process signals by key, and which keys are converging right now.

    The environment handler marks its environment as converging while its pass runs and
    signals when it is Ready; a service of that environment waits for the signal instead
    of reporting WaitingForEnvironment and retrying on a timer."""

    def __init__(self) -> None:
        self._waiters: dict[Hashable, set[asyncio.Future[None]]] = defaultdict(set)
        self._converging: set[Hashable] = set()

    @contextlib.contextmanager
    def converging_on(self, *keys: Hashable) -> Iterator[Hold]:
        """The keys count as converging inside the block; at its end, their waiters are
        woken if the block set `ready`."""
        hold = Hold()
        self._converging.update(keys)
        try:
            yield hold
        finally:
            for key in keys:
                self._converging.discard(key)
                if hold.ready:
                    self.notify(key)

    def converging(self, key: Hashable) -> bool:
        return key in self._converging

    def notify(self, key: Hashable) -> None:
        for future in self._waiters.pop(key, set()):
            if not future.done():
                future.set_result(None)

    async def wait(self, key: Hashable, timeout: float) -> bool:
        """True when signalled within `timeout` seconds, False when the time ran out."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[key].add(future)
        try:
            await asyncio.wait_for(future, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            waiting = self._waiters.get(key)
            if waiting is not None:
                waiting.discard(future)
                if not waiting:
                    self._waiters.pop(key, None)
