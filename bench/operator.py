"""`kopilot run` as a real process, with its memory sampled from outside (psutil)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from controller.sandbox.controlplane.processes import free_port, log_tail, spawn, terminate

from .kube import ROOT

MIB = 1024 * 1024


@dataclass
class MemorySampler:
    """RSS of a process and all its children, every `interval` seconds, in a thread."""

    pid: int
    interval: float = 0.2
    samples: list[tuple[float, int]] = field(default_factory=list)  # (monotonic, bytes)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _run(self) -> None:
        try:
            process = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            try:
                rss = process.memory_info().rss
                for child in process.children(recursive=True):
                    with contextlib.suppress(psutil.NoSuchProcess):
                        rss += child.memory_info().rss
            except psutil.NoSuchProcess:
                return
            self.samples.append((time.monotonic(), rss))
            self._stop.wait(self.interval)

    def peak(self, since: float = 0.0, until: float = float("inf")) -> int:
        return max((rss for at, rss in self.samples if since <= at <= until), default=0)

    def median(self, since: float = 0.0, until: float = float("inf")) -> int:
        values = sorted(rss for at, rss in self.samples if since <= at <= until)
        return values[len(values) // 2] if values else 0


def process_facts(pid: int) -> dict[str, int]:
    """What a process holds now: resident memory split into file-backed (shared libraries)
    and the rest, threads, and TCP connections (each TLS one carries OpenSSL buffers)."""
    try:
        process = psutil.Process(pid)
        memory = process.memory_info()
        return {
            "rss MiB": memory.rss // MIB,
            "file-backed MiB": memory.shared // MIB,
            "anonymous MiB": (memory.rss - memory.shared) // MIB,
            "threads": process.num_threads(),
            "tcp connections": len(process.net_connections(kind="tcp")),
        }
    except psutil.Error:
        return {}


class Operator:
    """One `python -m controller run` for one namespace, pointed at one emulator.

    `profile` runs it under bench/sampler.py, which samples every thread's stack and writes a
    report at exit (for finding bottlenecks; it costs a little CPU, so figures that matter are
    taken without it)."""

    def __init__(
        self,
        kubeconfig: Path,
        namespace: str,
        aws_env: dict[str, str],
        log_path: Path,
        resync_seconds: float = 300.0,
        app_status_seconds: float = 10.0,
        profile_path: Path | None = None,
    ) -> None:
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.aws_env = aws_env
        self.log_path = log_path
        self.resync_seconds = resync_seconds
        self.app_status_seconds = app_status_seconds
        self.profile_path = profile_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.sampler: MemorySampler | None = None
        self.spawned_at = 0.0
        self.healthy_at = 0.0

    def command(self, health_port: int) -> list[str]:
        run = [
            "run",
            "--namespace",
            self.namespace,
            "--kubeconfig",
            str(self.kubeconfig),
            "--resync-seconds",
            str(self.resync_seconds),
            "--app-status-seconds",
            str(self.app_status_seconds),
            "--health",
            f"127.0.0.1:{health_port}",
            # One namespace of the bench's own: the tenancy check's cost (a cached listing of
            # the policies) is not what this measures.
            "--tenancy",
            "single",
        ]
        if self.profile_path is not None:
            return [sys.executable, "-m", "bench.sampler", str(self.profile_path), "--", *run]
        return [sys.executable, "-m", "controller", *run]

    def start(self, timeout: float = 60.0, sample_memory: bool = True) -> Operator:
        """Spawn, start sampling memory at once, and wait for the liveness endpoint."""
        port = free_port()
        env = {**os.environ, **self.aws_env}
        self.spawned_at = time.monotonic()
        self.proc = spawn(self.command(port), self.log_path, ROOT, env=env)
        if sample_memory:
            self.sampler = MemorySampler(self.proc.pid).start()
        deadline = self.spawned_at + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"operator exited with {self.proc.returncode}:\n{log_tail(self.log_path)}"
                )
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        self.healthy_at = time.monotonic()
                        return self
            except OSError:
                pass
            time.sleep(0.02)
        raise TimeoutError(f"operator not healthy after {timeout}s:\n{log_tail(self.log_path)}")

    def stop(self) -> None:
        if self.sampler is not None:
            self.sampler.stop()
        if self.proc is not None and self.proc.poll() is None and self.profile_path is not None:
            # The sampler writes its report on SIGINT, as on Ctrl-C.
            self.proc.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=20)
        terminate(self.proc, grace=10)
        self.proc = None
