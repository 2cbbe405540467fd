"""The operator's memory by owner (`--memory-breakdown`; see bench/README.md).

The operator traces its allocations once its imports are done (KOPILOT_TRACEMALLOC=6
frames; tracing the imports too takes minutes) and writes a snapshot on SIGUSR1
(controller/memory.py). Each traced block goes to the first *owner* found walking its
allocation stack from the innermost frame out: kopf, the kubernetes client, botocore/boto3,
pydantic, a module of ours. Frames of the standard library and of HTTP plumbing (urllib3,
aiohttp, ...) are passed over, so a JSON document botocore loads is botocore's, not json's.
Allocations made while a module was being imported (a late import) are the imported
package's code. What tracemalloc does not see (RSS when tracing started, thread stacks,
malloc's free pages) comes from /proc/<pid>/smaps, read just before the snapshot.

The grouping functions are pure (tests/unit/test_memory_breakdown.py); the rest reads files.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
import tracemalloc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

FRAMES = 6  # tracemalloc frames kept per allocation: enough to reach an owner, mostly
TRACE_ENV = "KOPILOT_TRACEMALLOC"  # read by controller/memory.py
DUMP_ENV = "KOPILOT_TRACEMALLOC_DUMP"
MB = 1e6

# Packages that own what they allocate, by the top-level name under site-packages.
OWNERS = {
    "kopf": "kopf (per-object state, queues, watch streams)",
    "kubernetes": "kubernetes client",
    "pydantic": "pydantic",
    "pydantic_core": "pydantic",
    "psutil": "psutil",
    "prometheus_client": "prometheus_client",
}
BOTOCORE = ("botocore", "boto3", "s3transfer")
# botocore modules whose allocations are responses on their way to the caller (or kept by it).
BOTOCORE_RESPONSES = frozenset(
    {"parsers.py", "response.py", "awsrequest.py", "endpoint.py", "httpsession.py"}
)
BOTOCORE_MODELS = "botocore/boto3: service models, loaders, clients"
BOTOCORE_PARSED = "botocore/boto3: responses being parsed or kept"
# Our botocore loader (controller/aws/models.py): what it allocates is botocore's models.
OUR_MODEL_LOADER = "controller.aws.models"
# Site-packages that are plumbing: passed over, as the standard library is.
PLUMBING = frozenset(
    {
        "urllib3",
        "aiohttp",
        "aiosignal",
        "frozenlist",
        "multidict",
        "yarl",
        "propcache",
        "certifi",
        "charset_normalizer",
        "idna",
        "dateutil",
        "six.py",
        "jmespath",
        "yaml",
        "typing_extensions.py",
        "python_json_logger",
        "pythonjsonlogger",
        "iso8601",
        "attr",
        "attrs",
        "websocket",
        "oauthlib",
        "requests",
        "requests_oauthlib",
        "google",
        "cachetools",
        "rsa",
        "pyasn1",
        "pyasn1_modules",
        "durationpy.py",
    }
)
IMPORTING = "<frozen importlib._bootstrap"  # ._bootstrap and ._bootstrap_external


@dataclass(frozen=True)
class Layout:
    """Where files come from, to name their owner."""

    project: str  # the repository root: <project>/controller/... is ours
    site_packages: tuple[str, ...] = ()  # .../site-packages/ directories
    stdlib: tuple[str, ...] = ()  # the standard library's directories


def _package(filename: str, layout: Layout) -> tuple[str, str] | None:
    """("site", top-level name and the rest) / ("ours", dotted module) / ("stdlib", first
    component) for a frame's file; None when unknown."""
    for root in layout.site_packages:
        if filename.startswith(root):
            return "site", filename[len(root) :].lstrip("/")
    project = layout.project.rstrip("/") + "/"
    if filename.startswith(project):
        module = filename[len(project) :].removesuffix(".py").replace("/", ".")
        return "ours", module.removesuffix(".__init__")
    if filename.startswith("<frozen "):
        return "stdlib", filename.strip("<>").split()[-1]
    for root in layout.stdlib:
        if filename.startswith(root):
            return "stdlib", filename[len(root) :].lstrip("/")
    return None


def _site_owner(rest: str) -> str | None:
    """The owner of a site-packages file, None for plumbing."""
    top, _, inner = rest.partition("/")
    if top in BOTOCORE:
        first = inner.split("/", 1)[0]
        return BOTOCORE_PARSED if first in BOTOCORE_RESPONSES else BOTOCORE_MODELS
    if top in PLUMBING or top.endswith((".dist-info", ".pth")):
        return None
    return OWNERS.get(top, f"other package: {top.removesuffix('.py')}")


def _fallback(kind: str, rest: str) -> str:
    """For a stack with no owner: what its innermost frame is."""
    if kind == "stdlib":
        top = rest.split("/", 1)[0].removesuffix(".py")
        if top in ("asyncio", "selectors", "concurrent"):
            return "asyncio (loop, tasks, futures)"
        if top in ("threading", "queue"):
            return "threading (thread objects, queues)"
        if top in ("ssl", "http", "socket", "email"):
            return "ssl, sockets, http (standard library)"
        if top.startswith("importlib"):
            return "module code (imports): other"
        return "standard library, other"
    if kind == "site":
        return f"plumbing: {rest.split('/', 1)[0].removesuffix('.py')}"
    return "other"


def owner(frames: Sequence[str], layout: Layout) -> str:
    """The owner of one allocation, from its stack's file names, innermost first."""
    importing = any(name.startswith(IMPORTING) for name in frames)
    innermost: tuple[str, str] | None = None
    for filename in frames:
        found = _package(filename, layout)
        if found is None:
            continue
        kind, rest = found
        if innermost is None:
            innermost = found
        if kind == "ours":
            if rest == OUR_MODEL_LOADER and not importing:
                return BOTOCORE_MODELS
            name = rest if rest.startswith(("controller", "bench")) else f"ours: {rest}"
            return f"module code (imports): {name.split('.')[0]}" if importing else name
        if kind == "site":
            site = _site_owner(rest)
            if site is not None:
                if importing:
                    top = rest.split("/", 1)[0].removesuffix(".py")
                    return f"module code (imports): {top}"
                return site
    if importing:
        return "module code (imports): other"
    return _fallback(*innermost) if innermost is not None else "other"


def by_owner(traces: Iterable[tuple[int, Sequence[str]]], layout: Layout) -> dict[str, int]:
    """Bytes per owner, from (size, file names innermost first) pairs; largest first."""
    totals: dict[str, int] = {}
    for size, frames in traces:
        name = owner(frames, layout)
        totals[name] = totals.get(name, 0) + size
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


_MAPPING = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$")
THREAD_STACK = "thread stacks"
ARENA_ALIGN = 64 * 1024 * 1024  # glibc's non-main arenas are 64 MiB-aligned heaps
GUARD_MAX = 64 * 1024


def native(smaps: str) -> dict[str, int]:
    """Resident bytes of a /proc/<pid>/smaps text by kind of mapping: files (shared libraries,
    extension modules), malloc's main heap and its other arenas, the main and the other
    threads' stacks (an anonymous mapping right after a guard page), the rest of anonymous
    memory (pymalloc's arenas, large blocks malloc maps on their own)."""
    totals: dict[str, int] = {}
    kind = ""
    previous: tuple[int, int, str, str] | None = None  # start, end, perms, path
    for line in smaps.splitlines():
        head = _MAPPING.match(line)
        if head is not None:
            start, end = int(head[1], 16), int(head[2], 16)
            perms, path = head[3], head[4].strip()
            kind = _mapping_kind(start, perms, path, previous)
            previous = (start, end, perms, path)
            continue
        if line.startswith("Rss:") and kind:
            totals[kind] = totals.get(kind, 0) + int(line.split()[1]) * 1024
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def _mapping_kind(
    start: int, perms: str, path: str, previous: tuple[int, int, str, str] | None
) -> str:
    if path == "[heap]":
        return "malloc main heap ([heap])"
    if path == "[stack]":
        return "main thread stack"
    if path.startswith("["):
        return "kernel ([vdso], [vvar])"
    if path:
        return "files (shared libraries, extension modules)"
    if "w" in perms and previous is not None:
        p_start, p_end, p_perms, p_path = previous
        if (
            p_end == start
            and p_perms.startswith("---")
            and not p_path
            and p_end - p_start <= GUARD_MAX
        ):
            return THREAD_STACK
    if start % ARENA_ALIGN == 0:
        return "malloc arenas of other threads"
    return "other anonymous (pymalloc arenas, large malloc blocks)"


@dataclass
class Breakdown:
    rss: int  # the process's RSS just before the snapshot
    traced: dict[str, int]  # by owner
    native: dict[str, int]  # smaps, by kind of mapping
    tracemalloc_overhead: int  # tracemalloc's own bookkeeping (absent without it)
    started_rss: int  # RSS when tracing started: imports done, nothing loaded yet
    threads: int


def table(result: Breakdown) -> list[str]:
    """Markdown: traced memory by owner, then what tracemalloc does not see, in MB and as a
    share of RSS."""
    traced = sum(result.traced.values())
    stacks = result.native.get(THREAD_STACK, 0)
    rest = result.rss - traced - result.tracemalloc_overhead - result.started_rss

    def row(name: str, size: int) -> str:
        return f"| {name} | {size / MB:.1f} | {100 * size / result.rss:.0f}% |"

    lines = ["| owner | MB | share of RSS |", "|---|---|---|"]
    lines += [row(name, size) for name, size in result.traced.items() if size >= MB / 10]
    small = sum(size for size in result.traced.values() if size < MB / 10)
    lines.append(row("(owners under 0.1 MB each)", small))
    lines.append(row("**traced since the start, live now**", traced))
    lines.append(
        row("tracemalloc's own bookkeeping (only in this run)", result.tracemalloc_overhead)
    )
    lines.append(
        row(
            "RSS when tracing started: interpreter, imported code, shared libraries",
            result.started_rss,
        )
    )
    lines.append(
        row(
            f"untraced since: malloc's free and fragmented pages, native heaps (OpenSSL), "
            f"thread stacks ({result.threads} threads, {stacks / MB:.1f} MB resident)",
            rest,
        )
    )
    lines.append(row("**RSS**", result.rss))
    lines += ["", "Resident memory by kind of mapping (smaps):", ""]
    lines += ["| mapping | MB |", "|---|---|"]
    lines += [f"| {name} | {size / MB:.1f} |" for name, size in result.native.items()]
    return [*lines, ""]


# -- taking it (reads the operator's files; not pure) ---------------------------------------


def layout(project: Path) -> Layout:
    import site
    import sysconfig

    sites = tuple(sorted({*site.getsitepackages(), sysconfig.get_paths()["purelib"]}))
    stdlib = tuple(sorted({sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}))
    return Layout(str(project), sites, stdlib)


def take(pid: int, dump: Path, project: Path, timeout: float = 300.0) -> Breakdown:
    """Signal the operator (SIGUSR1) to write its snapshot to `dump`, and group it."""
    smaps = Path(f"/proc/{pid}/smaps").read_text()
    rss = sum(native(smaps).values())
    status = Path(f"/proc/{pid}/status").read_text()
    threads = int(re.search(r"^Threads:\s+(\d+)", status, re.M)[1])  # type: ignore[index]
    dump.unlink(missing_ok=True)
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while not dump.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no tracemalloc snapshot in {dump} after {timeout:.0f} s")
        time.sleep(0.2)
    facts = json.loads(Path(f"{dump}.json").read_text())
    snapshot = tracemalloc.Snapshot.load(str(dump))
    traces = (
        (stat.size, [frame.filename for frame in reversed(stat.traceback)])
        for stat in snapshot.statistics("traceback")
    )
    return Breakdown(
        rss=rss,
        traced=by_owner(traces, layout(project)),
        native=native(smaps),
        tracemalloc_overhead=int(facts["tracemalloc_memory"]),
        started_rss=int(facts["rss_when_tracing_started"]),
        threads=threads,
    )
