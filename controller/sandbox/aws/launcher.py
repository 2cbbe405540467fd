"""Start and stop the emulator as a child process on a free loopback port."""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..controlplane.processes import free_port, spawn, terminate, wait_until
from .control import EmulatorControl
from .faults import FaultRule
from .server import DEFAULT_REGION
from .settings import EmulatorSettings

# The directory holding the `controller` package: the child imports it from there.
_SOURCE_ROOT = Path(__file__).resolve().parents[3]


class AwsEmulator:
    """Start with :meth:`start` (or use as a context manager), stop with :meth:`stop`.

    `settings`, `faults`, `token_buckets` and `seed` are the launch state, which the control
    API's reset returns to.
    """

    def __init__(
        self,
        settings: EmulatorSettings | None = None,
        *,
        faults: Iterable[FaultRule] = (),
        token_buckets: bool = False,
        seed: int | None = None,
        region: str = DEFAULT_REGION,
        workdir: Path | None = None,
    ) -> None:
        self.settings = settings or EmulatorSettings()
        self.faults = list(faults)
        self.token_buckets = token_buckets
        self.seed = seed
        self.region = region
        self._own_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="kopilot-aws-"))
        self.log_path = self.workdir / "aws-emulator.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.startup_seconds = 0.0

    def __enter__(self) -> AwsEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def control(self) -> EmulatorControl:
        return EmulatorControl(self.endpoint)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def command(self) -> list[str]:
        command = [
            sys.executable, "-m", "controller.sandbox.aws",
            "--port", str(self.port),
            "--rollout-seconds", str(self.settings.rollout_seconds),
            "--drain-seconds", str(self.settings.drain_seconds),
            "--operation-seconds", str(self.settings.operation_seconds),
        ]  # fmt: skip
        if self.settings.fail_rollouts:
            command.append("--fail-rollouts")
        if not self.settings.strict:
            command.append("--no-strict")
        if self.token_buckets:
            command.append("--token-buckets")
        if self.faults:
            command += ["--faults", json.dumps([rule.as_dict() for rule in self.faults])]
        if self.seed is not None:
            command += ["--seed", str(self.seed)]
        return command

    def start(self, timeout: float = 60.0) -> AwsEmulator:
        started = time.monotonic()
        self.port = free_port()
        atexit.register(self.stop)
        try:
            self._proc = spawn(self.command(), self.log_path, _SOURCE_ROOT)
            wait_until(
                self._answers, timeout=timeout, what="AWS emulator",
                proc=self._proc, log_path=self.log_path,
            )  # fmt: skip
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        terminate(self._proc)
        self._proc = None
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        atexit.unregister(self.stop)

    def env(self) -> dict[str, str]:
        """Environment for a process whose boto3 clients should talk to this emulator."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }

    def _answers(self) -> bool:
        try:
            health: Any = EmulatorControl(self.endpoint, timeout=1.0).health()
        except OSError:
            return False
        return bool(health.get("ok"))
