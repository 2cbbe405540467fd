"""Waiting helpers for operator tests; the operator process itself is
`controller.sandbox.operator_process.OperatorProcess`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from controller.sandbox.operator_process import OperatorProcess

__all__ = ["OperatorProcess", "eventually"]

T = TypeVar("T")


def eventually(
    probe: Callable[[], T], until: Callable[[T], bool], timeout: float = 30.0, interval: float = 0.2
) -> T:
    """Call `probe` until `until(result)` holds; return that result or fail with the last one."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if until(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached after {timeout}s; last: {result!r}")
        time.sleep(interval)
