"""kopf runs against the local control plane: it sees a created object and patches its status."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from kopf.testing import KopfRunner

from tests.conftest import Kube
from tests.controlplane.widgets import GROUP, PLURAL, VERSION

pytestmark = pytest.mark.controlplane

OPERATOR = Path(__file__).with_name("smoke_operator.py")


def test_a_kopf_operator_reacts_to_a_created_object(
    widget_crd: str, namespace: str, kube: Kube, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(kube.kubeconfig))
    args = ["run", "--standalone", "--namespace", namespace, str(OPERATOR)]
    with KopfRunner(args, timeout=60) as runner:
        kube.custom.create_namespaced_custom_object(
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            {
                "apiVersion": f"{GROUP}/{VERSION}",
                "kind": "Widget",
                "metadata": {"name": "watched"},
                "spec": {"size": 4},
            },
        )
        status: dict[str, object] = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and status.get("phase") != "Seen":
            time.sleep(0.2)
            obj = kube.custom.get_namespaced_custom_object(
                GROUP, VERSION, namespace, PLURAL, "watched"
            )
            status = obj.get("status", {})
    assert runner.exception is None, runner.output
    assert status == {"phase": "Seen", "observedSize": 4}
