"""Build (once) and cache the `helm` CLI the chart tests use, the way the control plane's
binaries are built: with Go, from the pinned module in ``gobuild/helm``, never downloaded.

The binary lands in kopilot's cache directory (see :func:`binaries.cache_root`) under a
folder named for the version, so a second run finds it at once. Building takes minutes on
two cores, which is why ``make test`` does not wait for it: the tests that need helm build it
through a session fixture, and ``make helm`` builds it ahead of time.

    python -m controller.sandbox.controlplane.helm     # prints the binary's path
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from .binaries import (
    GOBUILD_DIR,
    ControlPlaneBinariesError,
    Progress,
    _exclusive,
    _go_build,
    cache_root,
)

# Pinned in gobuild/helm/go.mod too (tests/deploy/test_helm.py checks they agree).
HELM_VERSION = "v4.3.2"
HELM_PACKAGE = "helm.sh/helm/v4/cmd/helm"
GOBUILD_MODULE = GOBUILD_DIR / "helm"


class HelmBuildError(ControlPlaneBinariesError):
    """helm is not cached and cannot be built; the message says why."""


def helm_cache_dir() -> Path:
    return cache_root() / "helm" / f"helm-{HELM_VERSION}"


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _stderr_progress(message: str) -> None:
    print(f"[kopilot helm] {message}", file=sys.stderr, flush=True)


def ensure_helm(progress: Progress = _stderr_progress) -> Path:
    """Return the cached helm binary, building it first when it is missing."""
    target = helm_cache_dir()
    binary = target / "helm"
    if _runnable(binary):
        return binary
    target.mkdir(parents=True, exist_ok=True)
    with _exclusive(target / ".build.lock"):
        # Another process (a parallel test run) may have built it while we waited.
        if _runnable(binary):
            return binary
        go = shutil.which("go")
        if go is None:
            raise HelmBuildError(
                f"helm {HELM_VERSION} is not cached and Go (1.26 or newer) is not installed "
                "to build it."
            )
        progress(f"building helm {HELM_VERSION} with Go into {target} (once; minutes)")
        try:
            _go_build(go, "helm", GOBUILD_MODULE.name, HELM_PACKAGE, target, progress)
        except ControlPlaneBinariesError as err:
            raise HelmBuildError(str(err)) from err
    return binary


if __name__ == "__main__":
    print(ensure_helm())
