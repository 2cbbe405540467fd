"""The machine and the versions a result was measured with, and CPU time per process."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from controller.sandbox.controlplane import ETCD_VERSION, KUBERNETES_VERSION

from .kube import ROOT

PACKAGES = ("kopf", "boto3", "botocore", "moto", "pydantic", "kubernetes", "psutil")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _git(*args: str) -> str:
    try:
        result = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return "?"
    return result.stdout.strip() or "?"


def _kubectl_version() -> str:
    try:
        result = subprocess.run(
            ["kubectl", "version", "--client", "-o", "json"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except OSError:
        return "?"
    import json

    try:
        return str(json.loads(result.stdout)["clientVersion"]["gitVersion"])
    except (ValueError, KeyError):
        return "?"


def machine_lines() -> list[str]:
    memory = psutil.virtual_memory().total / 1024**3
    versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = " (with uncommitted changes)" if _git("status", "--porcelain") not in ("", "?") else ""
    source = (
        f"kopilot commit {commit}{dirty}"
        if commit != "?"
        else f"kopilot source {ROOT} (not a git checkout)"
    )
    return [
        f"machine: {os.cpu_count()} CPUs ({_cpu_model()}), {memory:.1f} GiB memory, "
        f"{platform.system()} {platform.release()}",
        f"python {platform.python_version()}; {versions}",
        f"kube-apiserver {KUBERNETES_VERSION}, etcd {ETCD_VERSION}, kubectl {_kubectl_version()}",
        source,
        "load average at the start: " + ", ".join(f"{v:.2f}" for v in os.getloadavg()),
    ]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


@dataclass(frozen=True)
class CpuTimes:
    """user+system CPU seconds of named processes (children included) at one moment."""

    seconds: dict[str, float]

    def minus(self, earlier: CpuTimes) -> dict[str, float]:
        return {
            name: round(value - earlier.seconds.get(name, 0.0), 1)
            for name, value in self.seconds.items()
        }


OTHERS = "(other processes)"


def cpu_times(pids: dict[str, int | None]) -> CpuTimes:
    """CPU seconds of each named process and, under OTHERS, of everything else on the
    machine (other work on a shared machine shows here and explains a slow run)."""
    seconds: dict[str, float] = {}
    for name, pid in pids.items():
        if pid is None:
            continue
        try:
            process = psutil.Process(pid)
            total = _cpu(process)
            if pid != os.getpid():  # the benchmark's own children are counted on their own
                for child in process.children(recursive=True):
                    total += _cpu(child)
        except psutil.NoSuchProcess:
            continue
        seconds[name] = total
    machine = psutil.cpu_times()
    busy = machine.user + machine.system + machine.nice + getattr(machine, "irq", 0.0)
    busy += getattr(machine, "softirq", 0.0) + getattr(machine, "steal", 0.0)
    seconds[OTHERS] = busy - sum(seconds.values())
    return CpuTimes(seconds)


def _cpu(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.NoSuchProcess:
        return 0.0
    return float(times.user + times.system)
