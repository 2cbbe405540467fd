"""Keep the operator's resident memory near what it really holds (glibc only; a no-op
elsewhere).

Python frees the large, short-lived objects of a pass (a list of every EcsService, a page of
DescribeServices) back to malloc, but glibc keeps freed pages in the process and spreads
allocations over one arena per thread: resident memory then grows far beyond the live data.
Two arenas, fixed mmap and trim thresholds, and a periodic trim give those pages back.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import json
import os
import signal
import threading
import tracemalloc
from types import FrameType

# mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
# Fixed thresholds: glibc otherwise raises both as large blocks are freed (up to 32 MiB), after
# which a freed list response or page of descriptions stays in the process until a trim.
MMAP_THRESHOLD = 256 * 1024
TRIM_THRESHOLD = 1024 * 1024


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt  # noqa: B018  (glibc has it, musl does not)
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def limit_arenas(arenas: int = 2) -> bool:
    """Call before threads start (each new thread would otherwise get an arena). Also fixes
    the thresholds above which freed memory goes back to the system on its own."""
    libc = _glibc()
    if libc is None:
        return False
    return all(
        libc.mallopt(param, value)
        for param, value in (
            (_M_ARENA_MAX, arenas),
            (_M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            (_M_TRIM_THRESHOLD, TRIM_THRESHOLD),
        )
    )


def trim() -> None:
    """Give the pages malloc holds free back to the system."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


TRACE_ENV = "KOPILOT_TRACEMALLOC"  # frames kept per allocation, e.g. 10
DUMP_ENV = "KOPILOT_TRACEMALLOC_DUMP"  # where SIGUSR1 writes the snapshot


def dump_on_signal() -> bool:
    """For the benchmark's memory breakdown (bench/breakdown.py): with $KOPILOT_TRACEMALLOC
    (frames per allocation) and $KOPILOT_TRACEMALLOC_DUMP (a file) set, trace allocations
    from now on (imports are done: tracing them costs minutes) and, on SIGUSR1, write a
    snapshot to the file (and `<file>.json`: tracemalloc's own memory, RSS when tracing
    started). Nothing otherwise: no cost in a normal run."""
    frames, path = os.environ.get(TRACE_ENV), os.environ.get(DUMP_ENV)
    if not frames or not path:
        return False
    started_rss = _rss()
    tracemalloc.start(int(frames))

    def dump(_signum: int, _frame: FrameType | None) -> None:
        snapshot = tracemalloc.take_snapshot()
        facts = {
            "tracemalloc_memory": tracemalloc.get_tracemalloc_memory(),
            "traced": tracemalloc.get_traced_memory(),
            "rss_when_tracing_started": started_rss,
            "python_threads": threading.active_count(),
        }
        with open(f"{path}.json", "w") as out:
            json.dump(facts, out)
        snapshot.dump(f"{path}.tmp")
        os.replace(f"{path}.tmp", path)  # whole or absent: the benchmark waits for it

    signal.signal(signal.SIGUSR1, dump)
    return True


def _rss() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
