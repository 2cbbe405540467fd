"""Find or build the `kube-apiserver` and `etcd` binaries of the local control plane.

Lookup order, the same convention controller-runtime's envtest uses so that people who
already have envtest assets reuse them:

1. ``$KUBEBUILDER_ASSETS`` when it holds both binaries;
2. kopilot's cache directory (``$KOPILOT_CACHE_DIR``, else ``$XDG_CACHE_HOME/kopilot``, else
   ``~/.cache/kopilot``), under a folder named for the pinned versions;
3. otherwise both are built once with Go from the small modules in ``gobuild/`` and cached.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

KUBERNETES_VERSION = "v1.33.13"
# The etcd that Kubernetes v1.33 pins in its go.mod (go.etcd.io/etcd/* v3.5.21).
ETCD_VERSION = "v3.5.21"

GOBUILD_DIR = Path(__file__).parent / "gobuild"

# (binary name, folder of its Go module under gobuild/, package to build)
_TARGETS: tuple[tuple[str, str, str], ...] = (
    ("etcd", "etcd", "."),
    ("kube-apiserver", "kube-apiserver", "k8s.io/kubernetes/cmd/kube-apiserver"),
)

Progress = Callable[[str], None]


class ControlPlaneBinariesError(RuntimeError):
    """The binaries are missing and cannot be built; the message says what to do."""


@dataclass(frozen=True)
class Binaries:
    etcd: Path
    kube_apiserver: Path


def cache_root() -> Path:
    if explicit := os.environ.get("KOPILOT_CACHE_DIR"):
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "kopilot"


def cache_dir() -> Path:
    return cache_root() / "controlplane" / f"kubernetes-{KUBERNETES_VERSION}-etcd-{ETCD_VERSION}"


def _complete(folder: Path) -> Binaries | None:
    etcd, apiserver = folder / "etcd", folder / "kube-apiserver"
    if all(p.is_file() and os.access(p, os.X_OK) for p in (etcd, apiserver)):
        return Binaries(etcd=etcd, kube_apiserver=apiserver)
    return None


def find_binaries() -> Binaries | None:
    """Return binaries that already exist, without building anything."""
    assets = os.environ.get("KUBEBUILDER_ASSETS")
    if assets and (found := _complete(Path(assets))):
        return found
    return _complete(cache_dir())


def _stderr_progress(message: str) -> None:
    print(f"[kopilot controlplane] {message}", file=sys.stderr, flush=True)


def ensure_binaries(progress: Progress = _stderr_progress) -> Binaries:
    """Return the binaries, building and caching them first when needed."""
    if found := find_binaries():
        return found
    target = cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    with _exclusive(target / ".build.lock"):
        # Another process may have finished the build while we waited for the lock.
        if found := _complete(target):
            return found
        go = _go_command()
        started = time.monotonic()
        progress(
            f"building kube-apiserver {KUBERNETES_VERSION} and etcd {ETCD_VERSION} with Go "
            f"into {target} (once; later starts reuse them)"
        )
        for name, module, package in _TARGETS:
            if not (target / name).is_file():
                _go_build(go, name, module, package, target, progress)
        progress(f"control plane binaries ready in {time.monotonic() - started:.0f}s")
    found = _complete(target)
    assert found is not None
    return found


def _go_command() -> str:
    go = shutil.which("go")
    if go is None:
        raise ControlPlaneBinariesError(
            "kube-apiserver and etcd are not cached and Go is not installed to build them. "
            "Install Go 1.24 or newer (https://go.dev/doc/install, or your distribution's "
            "'golang' package), or point KUBEBUILDER_ASSETS at a folder holding kube-apiserver "
            "and etcd (for example from `setup-envtest use 1.33.x -p path`)."
        )
    return go


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ldflags(name: str) -> str:
    flags = ["-s", "-w"]
    if name == "kube-apiserver":
        # What Kubernetes' own build stamps in, so `kubectl version` reports the real release.
        major, minor = KUBERNETES_VERSION.lstrip("v").split(".")[:2]
        for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
            flags += [
                f"-X {pkg}.gitVersion={KUBERNETES_VERSION}",
                f"-X {pkg}.gitMajor={major}",
                f"-X {pkg}.gitMinor={minor}",
                f"-X {pkg}.gitTreeState=clean",
            ]
    return " ".join(flags)


def _go_build(
    go: str, name: str, module: str, package: str, target: Path, progress: Progress
) -> None:
    # Build from a private copy: the installed package may be read-only, and `go build`
    # must be free to write go.sum updates without touching it.
    with tempfile.TemporaryDirectory(prefix=f"kopilot-gobuild-{name}-") as work:
        source = Path(work) / module
        shutil.copytree(GOBUILD_DIR / module, source)
        output = target / f".{name}.partial"
        command = [
            go,
            "build",
            "-v",
            "-trimpath",
            f"-ldflags={_ldflags(name)}",
            "-o",
            str(output),
            package,
        ]
        env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-buildvcs=false"}
        progress(f"go build {name} ({package}); the slow part, minutes on 2 cores")
        started = time.monotonic()
        proc = subprocess.Popen(
            command,
            cwd=source,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        tail: list[str] = []
        compiled = 0
        done = threading.Event()

        def heartbeat() -> None:
            while not done.wait(30):
                progress(
                    f"  {name}: {compiled} packages compiled, "
                    f"{time.monotonic() - started:.0f}s elapsed"
                )

        ticker = threading.Thread(target=heartbeat, daemon=True)
        ticker.start()
        assert proc.stdout is not None
        for line in proc.stdout:
            compiled += 1
            tail = [*tail[-40:], line.rstrip()]
        code = proc.wait()
        done.set()
        if code != 0:
            output.unlink(missing_ok=True)
            details = "\n".join(tail)
            raise ControlPlaneBinariesError(f"go build of {name} failed (exit {code}):\n{details}")
        output.rename(target / name)
        progress(f"  {name} built in {time.monotonic() - started:.0f}s")
