"""Fixtures for the control plane tests."""

from __future__ import annotations

import pytest

from tests.conftest import Kube, Kubectl
from tests.controlplane.widgets import CRD, GROUP, PLURAL


@pytest.fixture(scope="session")
def widget_crd(kube: Kube, kubectl: Kubectl) -> str:
    kubectl("apply", "-f", "-", stdin=CRD, check=True)
    kubectl(
        "wait", "--for=condition=Established", f"crd/{PLURAL}.{GROUP}", "--timeout=30s", check=True
    )
    return f"{PLURAL}.{GROUP}"
