"""One DescribeServices call for the passes that each want one service at about the same time.

When many services converge at once (hundreds applied together, a restart), each pass starts
by describing its own service. DescribeServices takes ten names per call, so passes that ask
within a few milliseconds of each other share one call: fewer calls, and fewer tokens from
ECS's service-read bucket when it throttles.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from . import ecs

WINDOW_SECONDS = 0.02  # how long the first asker waits for others to join its call


@dataclass
class _Call:
    names: set[str] = field(default_factory=set)
    closed: threading.Event = field(default_factory=threading.Event)  # no more names join
    done: threading.Event = field(default_factory=threading.Event)
    found: dict[str, dict[str, Any]] = field(default_factory=dict)
    error: BaseException | None = None


class ServiceDescriber:
    def __init__(self, window: float = WINDOW_SECONDS) -> None:
        self._window = window
        self._lock = threading.Lock()
        self._open: dict[tuple[int, str], _Call] = {}

    def describe(self, client: Any, cluster: str, name: str) -> dict[str, Any] | None:
        """The service as ecs.describe_services() reports it (None when absent or
        INACTIVE), read by a call made at most `window` seconds from now."""
        key = (id(client), cluster)
        with self._lock:
            call = self._open.get(key)
            first = call is None
            if call is None:
                call = self._open[key] = _Call()
            call.names.add(name)
            if len(call.names) >= ecs.DESCRIBE_BATCH:
                self._close(key, call)
        if first:
            call.closed.wait(self._window)  # a full call is closed early and made at once
            with self._lock:
                self._close(key, call)
            try:
                call.found = ecs.describe_services(client, cluster, sorted(call.names))
            except BaseException as err:  # every asker gets it, like its own call would
                call.error = err
            finally:
                call.done.set()
        else:
            call.done.wait()
        if call.error is not None:
            raise call.error
        return call.found.get(name)

    def _close(self, key: tuple[int, str], call: _Call) -> None:
        call.closed.set()
        if self._open.get(key) is call:
            del self._open[key]
