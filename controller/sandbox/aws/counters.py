"""Calls per AWS operation since the last reset, named as IAM names actions: "ecs:CreateService"."""

from __future__ import annotations

import threading
from collections import Counter


class CallCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()

    def add(self, operation: str) -> None:
        with self._lock:
            self._calls[operation] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._calls.items()))

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
