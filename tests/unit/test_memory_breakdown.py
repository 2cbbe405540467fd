"""The benchmark's memory breakdown: an allocation's owner from its stack, and smaps by kind
of mapping (bench/breakdown.py)."""

from __future__ import annotations

from bench.breakdown import (
    BOTOCORE_MODELS,
    BOTOCORE_PARSED,
    THREAD_STACK,
    Layout,
    by_owner,
    native,
    owner,
)

SITE = "/venv/lib/python3.11/site-packages"
LIB = "/usr/lib/python3.11"
LAYOUT = Layout("/work/main", (SITE,), (LIB,))


def test_the_innermost_owner_wins_past_the_standard_library_and_plumbing() -> None:
    frames = [
        f"{LIB}/json/decoder.py",
        f"{SITE}/urllib3/response.py",
        f"{SITE}/botocore/loaders.py",
        f"{SITE}/botocore/client.py",
        "/work/main/controller/aws/clients.py",
        f"{LIB}/threading.py",
    ]
    assert owner(frames, LAYOUT) == BOTOCORE_MODELS


def test_what_our_lean_model_loader_keeps_is_botocores_models() -> None:
    frames = [
        "/work/main/controller/aws/models.py",
        f"{SITE}/botocore/loaders.py",
        "/work/main/controller/aws/clients.py",
    ]
    assert owner(frames, LAYOUT) == BOTOCORE_MODELS


def test_botocore_parsing_is_told_from_models() -> None:
    frames = [f"{SITE}/botocore/parsers.py", "/work/main/controller/aws/ecs.py"]
    assert owner(frames, LAYOUT) == BOTOCORE_PARSED


def test_our_modules_by_dotted_name() -> None:
    frames = [f"{LIB}/copy.py", "/work/main/controller/reconcile/resync.py"]
    assert owner(frames, LAYOUT) == "controller.reconcile.resync"
    package = ["/work/main/controller/__init__.py"]
    assert owner(package, LAYOUT) == "controller"


def test_kopf_and_the_kubernetes_client() -> None:
    kopf = [f"{LIB}/asyncio/queues.py", f"{SITE}/kopf/_core/reactor/queueing.py"]
    assert owner(kopf, LAYOUT).startswith("kopf")
    kube = [f"{LIB}/json/decoder.py", f"{SITE}/kubernetes/client/api_client.py"]
    assert owner(kube, LAYOUT) == "kubernetes client"


def test_import_time_allocations_are_the_imported_package_code() -> None:
    frames = [
        f"{SITE}/botocore/model.py",
        "<frozen importlib._bootstrap_external>",
        "<frozen importlib._bootstrap>",
        "/work/main/controller/aws/clients.py",
    ]
    assert owner(frames, LAYOUT) == "module code (imports): botocore"
    ours = ["/work/main/controller/handlers.py", "<frozen importlib._bootstrap>"]
    assert owner(ours, LAYOUT) == "module code (imports): controller"


def test_a_stack_with_no_owner_is_named_by_its_innermost_frame() -> None:
    assert owner([f"{LIB}/asyncio/events.py", f"{LIB}/threading.py"], LAYOUT).startswith("asyncio")
    assert owner([f"{LIB}/threading.py"], LAYOUT).startswith("threading")
    assert owner([f"{SITE}/aiohttp/client.py"], LAYOUT) == "plumbing: aiohttp"
    assert owner(["/elsewhere/x.py"], LAYOUT) == "other"
    assert owner([], LAYOUT) == "other"


def test_by_owner_sums_and_sorts_largest_first() -> None:
    traces = [
        (10, [f"{SITE}/kopf/_core/engines/peering.py"]),
        (300, [f"{SITE}/botocore/loaders.py"]),
        (5, [f"{SITE}/kopf/_cogs/structs/bodies.py"]),
    ]
    totals = by_owner(traces, LAYOUT)
    assert list(totals.values()) == [300, 15]
    assert next(iter(totals)) == BOTOCORE_MODELS


SMAPS = """\
55dfe26f1000-55dfe2814000 rw-p 00000000 00:00 0                          [heap]
Size:               1164 kB
Rss:                1000 kB
7f0058000000-7f0058021000 rw-p 00000000 00:00 0
Rss:                 100 kB
7f0058021000-7f005c000000 ---p 00000000 00:00 0
Rss:                   0 kB
7f00660fa000-7f00660fb000 ---p 00000000 00:00 0
Rss:                   0 kB
7f00660fb000-7f00668fb000 rw-p 00000000 00:00 0
Rss:                  40 kB
7f0066900000-7f0066a00000 rw-p 00000000 00:00 0
Rss:                 512 kB
7f0068000000-7f0068100000 r-xp 00000000 08:01 123   /usr/lib/libssl.so.3
Rss:                 300 kB
7f0068553000-7f0068555000 r-xp 00000000 00:00 0                          [vdso]
Rss:                   8 kB
7fff059d8000-7fff059f9000 rw-p 00000000 00:00 0                          [stack]
Rss:                  60 kB
"""


def test_native_classifies_mappings() -> None:
    kinds = native(SMAPS)
    assert kinds["malloc main heap ([heap])"] == 1000 * 1024
    assert kinds["malloc arenas of other threads"] == 100 * 1024
    assert kinds[THREAD_STACK] == 40 * 1024
    assert kinds["other anonymous (pymalloc arenas, large malloc blocks)"] == 512 * 1024
    assert kinds["files (shared libraries, extension modules)"] == 300 * 1024
    assert kinds["main thread stack"] == 60 * 1024
    assert sum(kinds.values()) == (1000 + 100 + 40 + 512 + 300 + 8 + 60) * 1024
