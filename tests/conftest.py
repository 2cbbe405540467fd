"""Shared fixtures: the local control plane (session) and a fresh namespace per test."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from kubernetes import client

from controller.sandbox.controlplane import ControlPlane
from tests.operator_process import OperatorProcess

if TYPE_CHECKING:
    from tests.fixtures_aws import LocalAws

# The local AWS fixtures live beside these (tests/fixtures_aws.py).
pytest_plugins = ["tests.fixtures_aws"]


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist's workers run with SIGINT ignored, and an ignored signal stays ignored in
    # every process started from them: a test that sends Ctrl-C to the plugin or to a
    # process owning a control plane would wait for it forever.
    signal.signal(signal.SIGINT, signal.default_int_handler)


@dataclass(frozen=True)
class Kube:
    """API clients for the admin identity of the session's control plane."""

    plane: ControlPlane
    api: Any
    core: client.CoreV1Api
    custom: client.CustomObjectsApi
    extensions: client.ApiextensionsV1Api
    rbac: client.RbacAuthorizationV1Api

    @property
    def kubeconfig(self) -> Path:
        return self.plane.admin_kubeconfig


@pytest.fixture(scope="session")
def control_plane() -> Iterator[ControlPlane]:
    with ControlPlane() as plane:
        yield plane


@pytest.fixture(scope="session")
def kube(control_plane: ControlPlane) -> Iterator[Kube]:
    api = control_plane.api_client()
    yield Kube(
        plane=control_plane,
        api=api,
        core=client.CoreV1Api(api),
        custom=client.CustomObjectsApi(api),
        extensions=client.ApiextensionsV1Api(api),
        rbac=client.RbacAuthorizationV1Api(api),
    )
    api.close()


@pytest.fixture
def namespace(kube: Kube) -> Iterator[str]:
    """A namespace of its own for one test, deleted afterwards."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    kube.core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    # No namespace controller runs in the local control plane, so the namespace stays
    # Terminating; its objects are unreachable to later tests all the same.
    kube.core.delete_namespace(name)


Kubectl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def kubectl(control_plane: ControlPlane) -> Kubectl:
    """Run the real kubectl against the control plane: kubectl("get", "ns", check=True)."""

    def run(
        *args: str, kubeconfig: Path | None = None, stdin: str | None = None, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "KUBECONFIG": str(kubeconfig or control_plane.admin_kubeconfig)}
        result = subprocess.run(
            ["kubectl", *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed:\n{result.stderr}")
        return result

    return run


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def kopilot_crds(kubectl: Kubectl) -> list[str]:
    """kopilot's CRDs, installed from crds/ with the real kubectl, and Established."""
    kubectl("apply", "-f", str(ROOT / "crds"), check=True)
    names = [
        "ecsapps.kopilot.dev",
        "ecsenvironments.kopilot.dev",
        "ecsservices.kopilot.dev",
        "tenantpolicies.kopilot.dev",
    ]
    kubectl(
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        *[f"crd/{name}" for name in names],
        check=True,
    )
    return names


@pytest.fixture
def operator(
    kube: Kube, kopilot_crds: list[str], namespace: str, aws: LocalAws, tmp_path: Path
) -> Iterator[OperatorProcess]:
    """`kopilot run` for the test's namespace, against the control plane and local AWS,
    with a 2 s resync. Started by the test (operator.start()), stopped afterwards."""
    process = OperatorProcess(kube.kubeconfig, namespace, aws.env(), tmp_path / "operator.log")
    yield process
    process.stop()
