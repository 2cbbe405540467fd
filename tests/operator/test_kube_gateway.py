"""The operator's Kubernetes reads and writes, against the real kube-apiserver: listing a page
at a time, and status patches that never touch spec."""

from __future__ import annotations

from typing import Any

from controller.reconcile.kube import KubeGateway
from tests.conftest import Kube


def _service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "kopilot.dev/v1alpha1",
        "kind": "EcsService",
        "metadata": {"name": name},
        "spec": {"app": "kudos", "environment": "test", "image": "nginx:1"},
    }


def test_pages_list_every_object_once_without_managed_fields(
    kube: Kube, kopilot_crds: list[str], namespace: str
) -> None:
    names = [f"svc{i}" for i in range(7)]
    for name in names:
        kube.custom.create_namespaced_custom_object(
            "kopilot.dev", "v1alpha1", namespace, "ecsservices", _service(name)
        )
    gateway = KubeGateway(kube.api)

    pages = list(gateway.pages("EcsService", namespace, limit=3))

    assert [len(page) for page in pages] == [3, 3, 1]
    listed = [item["metadata"]["name"] for page in pages for item in page]
    assert sorted(listed) == names
    assert all("managedFields" not in item["metadata"] for page in pages for item in page)
    assert sorted(i["metadata"]["name"] for i in gateway.list("EcsService", namespace)) == names


def test_a_status_patch_changes_status_only(
    kube: Kube, kopilot_crds: list[str], namespace: str
) -> None:
    kube.custom.create_namespaced_custom_object(
        "kopilot.dev", "v1alpha1", namespace, "ecsservices", _service("api")
    )
    gateway = KubeGateway(kube.api)

    gateway.patch_status("EcsService", namespace, "api", {"tasks": "1/1"})
    gateway.patch_status("EcsService", namespace, "gone", {"tasks": "1/1"})  # 404: ignored

    found = gateway.get("EcsService", namespace, "api")
    assert found is not None
    assert found["status"]["tasks"] == "1/1"
    assert found["spec"]["image"] == "nginx:1"


def test_namespace_labels_and_crd_deletion_are_read_as_plain_json(
    kube: Kube, kopilot_crds: list[str], namespace: str
) -> None:
    gateway = KubeGateway(kube.api)

    labels = gateway.namespace_labels(namespace)
    assert labels is not None
    assert labels["kubernetes.io/metadata.name"] == namespace
    assert gateway.namespace_labels("no-such-namespace") is None
    assert gateway.crd_deleting("EcsService") is False
