"""The operator as a child process (`python -m controller run`), as it runs in production.

Used by the sandbox, the tests and the benchmark. Like every sandbox process it dies with
its owner.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from .controlplane.processes import free_port, log_tail, spawn, terminate


class OperatorProcess:
    def __init__(
        self,
        kubeconfig: Path,
        namespace: str | None,
        aws_env: dict[str, str],
        log_path: Path,
        resync_seconds: float = 2.0,
        app_status_seconds: float = 1.0,
        verbose: bool = True,
        extra_args: Sequence[str] = (),
        tenancy: str = "single",  # the sandbox is one person's; tests of tenancy set it
    ) -> None:
        self.kubeconfig = kubeconfig
        self.namespace = namespace  # None: every namespace
        self.aws_env = aws_env
        self.log_path = log_path
        self.resync_seconds = resync_seconds
        self.app_status_seconds = app_status_seconds
        self.verbose = verbose
        self.extra_args = list(extra_args)
        self.tenancy = tenancy
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def command(self, health_port: int) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "controller",
            "run",
            "--kubeconfig",
            str(self.kubeconfig),
            "--resync-seconds",
            str(self.resync_seconds),
            "--resync-jitter",
            "0.1",
            "--app-status-seconds",
            str(self.app_status_seconds),
            "--health",
            f"127.0.0.1:{health_port}",
            "--tenancy",
            self.tenancy,
            *self.extra_args,
        ]
        if self.namespace:
            command += ["--namespace", self.namespace]
        if self.verbose:
            command.append("--verbose")
        return command

    def start(self, timeout: float = 30.0) -> OperatorProcess:
        """Start it and wait until its liveness endpoint answers."""
        port = free_port()
        env = {**os.environ, **self.aws_env}
        self.proc = spawn(self.command(port), self.log_path, self.log_path.parent, env=env)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the operator exited with {self.proc.returncode}:\n{log_tail(self.log_path, 40)}"
                )
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError(
            f"the operator is not healthy after {timeout}s:\n{log_tail(self.log_path, 40)}"
        )

    def kill(self) -> None:
        """SIGKILL: no cleanup, as when a node dies or the pod is OOM-killed."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        terminate(self.proc, grace=10)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""
