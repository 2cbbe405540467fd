"""A real Kubernetes control plane on loopback: etcd plus kube-apiserver, RBAC on.

There is no controller-manager and no scheduler, as in controller-runtime's envtest: the
API behaves exactly as a cluster's does (schemas, generation, status subresource, conflicts,
RBAC, watches), but nothing garbage-collects namespaces or runs pods.
"""

from __future__ import annotations

import atexit
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from .binaries import Binaries, ensure_binaries
from .kubeconfig import kubeconfig
from .pki import CertificateAuthority, KeyPair, service_account_signing_key, write_private
from .processes import free_port, spawn, terminate, wait_until

ADMIN_USER = "kopilot-admin"
SERVICE_CIDR = "10.0.0.0/24"


class ControlPlane:
    """Start with :meth:`start` (or use as a context manager), stop with :meth:`stop`."""

    def __init__(self, binaries: Binaries | None = None, workdir: Path | None = None) -> None:
        self._binaries = binaries
        self._own_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="kopilot-controlplane-"))
        self._etcd: subprocess.Popen[bytes] | None = None
        self._apiserver: subprocess.Popen[bytes] | None = None
        self._apiserver_command: list[str] = []
        self._apiserver_context: ssl.SSLContext | None = None
        self._ca: CertificateAuthority | None = None
        self._admin: KeyPair | None = None
        self.server = ""
        self.admin_kubeconfig = self.workdir / "admin.kubeconfig"
        self.startup_seconds = 0.0

    # -- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> ControlPlane:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 90.0) -> ControlPlane:
        binaries = self._binaries or ensure_binaries()
        started = time.monotonic()
        atexit.register(self.stop)
        try:
            self._start_etcd(binaries, timeout)
            self._start_apiserver(binaries, timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        """Stop the apiserver, then etcd; remove the working directory we created."""
        terminate(self._apiserver)
        terminate(self._etcd)
        self._apiserver = self._etcd = None
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        atexit.unregister(self.stop)

    def restart_apiserver(self, timeout: float = 90.0, grace: float = 2.0) -> None:
        """Stop the kube-apiserver and start it again with the same flags, port and
        certificates over the same etcd: clients (watches included) see a dropped connection
        and reconnect to the same address and data, as in a control plane upgrade.

        SIGTERM, then SIGKILL after `grace` seconds, as the kubelet ends a pod: it stops
        listening at once, but an open watch holds its shutdown for a minute."""
        assert self._apiserver_command, "control plane not started"
        terminate(self._apiserver, grace=grace)
        self._spawn_apiserver(timeout)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in (self._etcd, self._apiserver) if p is not None and p.poll() is None]

    # -- identities ------------------------------------------------------------------------

    def user_kubeconfig(self, user: str, groups: tuple[str, ...] = ()) -> Path:
        """A kubeconfig for a named user (client certificate), with only the rights RBAC grants."""
        assert self._ca is not None, "control plane not started"
        pair = self._ca.issue_client(user, groups)
        doc = kubeconfig(
            server=self.server,
            ca_pem=self._ca.cert_pem,
            user=user,
            client_cert_pem=pair.cert_pem,
            client_key_pem=pair.key_pem,
        )
        return self._write_kubeconfig(f"user-{user}", doc)

    def service_account_kubeconfig(self, namespace: str, name: str, seconds: int = 3600) -> Path:
        """A kubeconfig holding a TokenRequest token of an existing ServiceAccount."""
        from kubernetes import client  # local import: only this helper needs the client

        api = client.CoreV1Api(self.api_client())
        request = client.AuthenticationV1TokenRequest(
            spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=seconds)
        )
        status = api.create_namespaced_service_account_token(name, namespace, request).status
        if status is None or not status.token:
            raise RuntimeError(f"TokenRequest for {namespace}/{name} returned no token")
        token: str = status.token
        assert self._ca is not None
        user = f"system:serviceaccount:{namespace}:{name}"
        doc = kubeconfig(server=self.server, ca_pem=self._ca.cert_pem, user=user, token=token)
        return self._write_kubeconfig(f"sa-{namespace}-{name}", doc)

    def api_client(self, kubeconfig_path: Path | None = None) -> Any:
        """A `kubernetes.client.ApiClient` for the admin (or the given kubeconfig)."""
        from kubernetes import config

        return config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=str(kubeconfig_path or self.admin_kubeconfig)
        )

    # -- internals ------------------------------------------------------------------------

    def _write_kubeconfig(self, stem: str, doc: dict[str, Any]) -> Path:
        path = self.workdir / f"{stem}.kubeconfig"
        write_private(path, yaml.safe_dump(doc, sort_keys=False).encode())
        return path

    def _start_etcd(self, binaries: Binaries, timeout: float) -> None:
        client_port, peer_port = free_port(), free_port()
        client_url = f"http://127.0.0.1:{client_port}"
        peer_url = f"http://127.0.0.1:{peer_port}"
        self.etcd_url = client_url
        log = self.workdir / "etcd.log"
        self._etcd = spawn(
            [
                str(binaries.etcd),
                "--name=kopilot",
                f"--data-dir={self.workdir / 'etcd'}",
                f"--listen-client-urls={client_url}",
                f"--advertise-client-urls={client_url}",
                f"--listen-peer-urls={peer_url}",
                f"--initial-advertise-peer-urls={peer_url}",
                f"--initial-cluster=kopilot={peer_url}",
                # A throwaway store: durability buys nothing and fsync costs seconds per test.
                "--unsafe-no-fsync=true",
                "--log-level=warn",
            ],
            log,
            self.workdir,
        )
        wait_until(
            lambda: _http_ok(f"{client_url}/health"),
            timeout=timeout,
            what="etcd",
            proc=self._etcd,
            log_path=log,
        )

    def _spawn_apiserver(self, timeout: float) -> None:
        log = self.workdir / "kube-apiserver.log"
        self._apiserver = spawn(self._apiserver_command, log, self.workdir)
        wait_until(
            lambda: _http_ok(f"{self.server}/readyz", self._apiserver_context),
            timeout=timeout,
            what="kube-apiserver",
            proc=self._apiserver,
            log_path=log,
            interval=0.25,
        )

    def _start_apiserver(self, binaries: Binaries, timeout: float) -> None:
        pki = self.workdir / "pki"
        pki.mkdir(exist_ok=True)
        self._ca = ca = CertificateAuthority()
        serving = ca.issue_serving(["127.0.0.1", "localhost"])
        self._admin = ca.issue_client(ADMIN_USER, ("system:masters",))
        (pki / "ca.crt").write_bytes(ca.cert_pem)
        (pki / "apiserver.crt").write_bytes(serving.cert_pem)
        write_private(pki / "apiserver.key", serving.key_pem)
        write_private(pki / "sa.key", service_account_signing_key())
        port = free_port()
        self.server = f"https://127.0.0.1:{port}"
        self._apiserver_command = [
            str(binaries.kube_apiserver),
            f"--etcd-servers={self.etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={port}",
            f"--cert-dir={pki}",
            f"--tls-cert-file={pki / 'apiserver.crt'}",
            f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            "--authorization-mode=RBAC",
            f"--service-account-key-file={pki / 'sa.key'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--allow-privileged=true",
            "--v=0",
        ]
        context = ssl.create_default_context(cadata=ca.cert_pem.decode())
        admin_dir = pki / "admin"
        admin_dir.mkdir(exist_ok=True)
        (admin_dir / "tls.crt").write_bytes(self._admin.cert_pem)
        write_private(admin_dir / "tls.key", self._admin.key_pem)
        context.load_cert_chain(admin_dir / "tls.crt", admin_dir / "tls.key")
        self._apiserver_context = context
        self._spawn_apiserver(timeout)
        doc = kubeconfig(
            server=self.server,
            ca_pem=ca.cert_pem,
            user=ADMIN_USER,
            client_cert_pem=self._admin.cert_pem,
            client_key_pem=self._admin.key_pem,
        )
        write_private(self.admin_kubeconfig, yaml.safe_dump(doc, sort_keys=False).encode())


def _http_ok(url: str, context: ssl.SSLContext | None = None) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, ssl.SSLError):
        return False
