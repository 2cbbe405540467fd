"""The operator's deployment manifests, installed once per session on the control plane."""

from __future__ import annotations

import pytest

from tests.conftest import Kubectl
from tests.deploy.manifests import BASE


@pytest.fixture(scope="session")
def installed_base(kubectl: Kubectl) -> list[str]:
    """`kubectl apply -k deploy/base` on the session's control plane, CRDs Established.
    Answers kubectl's output lines (one per object)."""
    applied = kubectl("apply", "-k", str(BASE), check=True)
    kubectl(
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        "crd/ecsapps.kopilot.dev",
        "crd/ecsenvironments.kopilot.dev",
        "crd/ecsservices.kopilot.dev",
        "crd/tenantpolicies.kopilot.dev",
        check=True,
    )
    return applied.stdout.splitlines()
