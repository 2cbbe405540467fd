"""The operator as a real process, as it runs in production: `kopilot run`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from controller.sandbox.controlplane.processes import free_port, spawn, terminate

T = TypeVar("T")


class OperatorProcess:
    def __init__(
        self,
        kubeconfig: Path,
        namespace: str,
        aws_env: dict[str, str],
        log_path: Path,
        resync_seconds: float = 2.0,
        app_status_seconds: float = 1.0,
    ) -> None:
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.aws_env = aws_env
        self.log_path = log_path
        self.resync_seconds = resync_seconds
        self.app_status_seconds = app_status_seconds
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout: float = 30.0) -> OperatorProcess:
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "controller",
            "run",
            "--namespace",
            self.namespace,
            "--kubeconfig",
            str(self.kubeconfig),
            "--resync-seconds",
            str(self.resync_seconds),
            "--resync-jitter",
            "0.1",
            "--app-status-seconds",
            str(self.app_status_seconds),
            "--health",
            f"127.0.0.1:{port}",
            "--verbose",
        ]
        env = {**os.environ, **self.aws_env}
        self.proc = spawn(command, self.log_path, self.log_path.parent, env=env)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"operator exited with {self.proc.returncode}:\n{self.log()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"operator not healthy after {timeout}s:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no cleanup, as when a node dies or the pod is OOM-killed."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        terminate(self.proc, grace=10)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


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
