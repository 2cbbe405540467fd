"""The sandbox: the local control plane, the local AWS and the operator, together.

Everything runs on loopback as child processes of the caller and dies with it.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from .aws import AwsEmulator, EmulatorSettings
from .controlplane import ControlPlane
from .controlplane.processes import free_port
from .manifests import install_crds
from .operator_process import OperatorProcess


class Sandbox:
    """Start with :meth:`start`, stop with :meth:`stop` (or use `with`)."""

    def __init__(
        self,
        rollout_seconds: float = 2.0,
        resync_seconds: float = 30.0,
        progress: Callable[[str], None] = print,
    ) -> None:
        self.progress = progress
        self.workdir = Path(tempfile.mkdtemp(prefix="kopilot-sandbox-"))
        self.plane = ControlPlane(workdir=self.workdir / "controlplane")
        self.aws = AwsEmulator(
            settings=EmulatorSettings(rollout_seconds=rollout_seconds, operation_seconds=0.5),
            workdir=self.workdir / "aws",
        )
        self.resync_seconds = resync_seconds
        self.operator_log = self.workdir / "operator.log"
        self.metrics_url: str | None = None  # the operator's /metrics, once it runs
        self._operator: Any = None
        self._api: Any = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def kubeconfig(self) -> Path:
        return self.plane.admin_kubeconfig

    @property
    def api(self) -> Any:
        if self._api is None:
            self._api = self.plane.api_client()
        return self._api

    def start(self) -> Sandbox:
        progress = self.progress
        for folder in ("controlplane", "aws"):
            (self.workdir / folder).mkdir(parents=True, exist_ok=True)
        try:
            progress("starting the local Kubernetes control plane (kube-apiserver, etcd)...")
            self.plane.start()
            progress(f"  ready at {self.plane.server} in {self.plane.startup_seconds:.1f}s")
            progress("starting the local AWS (ECS, Cloud Map, EC2 emulator)...")
            self.aws.start()
            progress(f"  ready at {self.aws.endpoint}")
            progress("installing the kopilot CRDs...")
            install_crds(self.api)
            progress("starting the operator (kopilot run)...")
            self._start_operator()
            progress("  running")
        except BaseException:
            self.stop()
            raise
        return self

    def _start_operator(self) -> None:
        port = free_port()
        self.metrics_url = f"http://127.0.0.1:{port}/metrics"
        self._operator = OperatorProcess(
            self.kubeconfig,
            None,
            self.aws.env(),
            self.operator_log,
            resync_seconds=self.resync_seconds,
            app_status_seconds=2.0,
            verbose=False,
            extra_args=["--metrics", f"127.0.0.1:{port}"],
        ).start()

    def stop(self) -> None:
        if self._operator is not None:
            self._operator.stop()
            self._operator = None
        if self._api is not None:
            self._api.close()
            self._api = None
        self.aws.stop()
        self.plane.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def env(self) -> dict[str, str]:
        """How to reach the sandbox from a shell."""
        return {"KUBECONFIG": str(self.kubeconfig), **self.aws.env()}

    def aws_client(self, service: str, region: str) -> Any:
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.aws.endpoint,
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
            config=Config(retries={"mode": "standard", "max_attempts": 5}),
        )
