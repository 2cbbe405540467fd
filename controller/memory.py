"""Keep the operator's resident memory near what it really holds (glibc only; a no-op
elsewhere).

Python frees the large, short-lived objects of a pass (a list of every EcsService, a page of
DescribeServices) back to malloc, but glibc keeps freed pages in the process and spreads
allocations over one arena per thread: resident memory then grows far beyond the live data.
Two arenas and a trim after each batch of work give those pages back.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

_M_ARENA_MAX = -8  # mallopt parameter (malloc.h)


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
    """Call before threads start (each new thread would otherwise get an arena)."""
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, arenas))


def trim() -> None:
    """Give the pages malloc holds free back to the system."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
