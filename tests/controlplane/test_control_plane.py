"""The local control plane is a real Kubernetes API: what a user of kubectl would see."""

from __future__ import annotations

import json
import time

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from tests.conftest import Kube, Kubectl
from tests.controlplane.widgets import GROUP, PLURAL, VERSION, widget

pytestmark = pytest.mark.controlplane


def test_kubectl_applies_a_structural_crd_and_a_custom_resource(
    widget_crd: str, namespace: str, kubectl: Kubectl
) -> None:
    crd = json.loads(kubectl("get", "crd", widget_crd, "-o", "json", check=True).stdout)
    conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
    assert conditions["Established"] == "True"
    # A non-structural schema would carry NonStructuralSchema=True.
    assert conditions.get("NonStructuralSchema", "False") == "False"

    created = kubectl("apply", "-n", namespace, "-f", "-", stdin=widget("first"), check=True)
    assert "widget.probe.kopilot.dev/first created" in created.stdout
    listed = kubectl("get", "wdg", "-n", namespace, "-o", "name", check=True)
    assert listed.stdout.split() == ["widget.probe.kopilot.dev/first"]


def test_generation_bumps_on_spec_change_and_not_on_status_change(
    widget_crd: str, namespace: str, kube: Kube
) -> None:
    body = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Widget",
        "metadata": {"name": "gen"},
        "spec": {"size": 1},
    }
    obj = kube.custom.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, body)
    assert obj["metadata"]["generation"] == 1

    obj = kube.custom.patch_namespaced_custom_object_status(
        GROUP, VERSION, namespace, PLURAL, "gen", {"status": {"phase": "Ready"}}
    )
    assert obj["status"]["phase"] == "Ready"
    assert obj["metadata"]["generation"] == 1

    obj = kube.custom.patch_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, "gen", {"spec": {"size": 2}}
    )
    assert obj["metadata"]["generation"] == 2
    # A status written through the main resource is dropped: the status subresource owns it.
    obj = kube.custom.patch_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, "gen", {"status": {"phase": "Overwritten"}}
    )
    assert obj["status"]["phase"] == "Ready"


def test_update_with_a_stale_resource_version_gets_409(
    widget_crd: str, namespace: str, kube: Kube
) -> None:
    body = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Widget",
        "metadata": {"name": "stale"},
        "spec": {"size": 1},
    }
    original = kube.custom.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, body)
    kube.custom.patch_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, "stale", {"spec": {"size": 5}}
    )
    original["spec"]["size"] = 7  # still carries the first resourceVersion
    with pytest.raises(ApiException) as err:
        kube.custom.replace_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, "stale", original
        )
    assert err.value.status == 409
    assert "the object has been modified" in json.loads(err.value.body)["message"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "{size: 11}",
            "spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10",
        ),
        (
            "{size: big}",
            'spec.size: Invalid value: "string": spec.size in body must be of type integer',
        ),
        ("{size: 2, color: green}", 'spec.color: Unsupported value: "green"'),
        ("{color: red}", "spec.size: Required value"),
    ],
)
def test_schema_violations_are_refused_with_the_apiservers_message(
    widget_crd: str, namespace: str, kubectl: Kubectl, spec: str, message: str
) -> None:
    manifest = (
        f"apiVersion: {GROUP}/{VERSION}\nkind: Widget\nmetadata: {{name: bad}}\nspec: {spec}\n"
    )
    result = kubectl("apply", "-n", namespace, "-f", "-", stdin=manifest)
    assert result.returncode != 0
    assert message in result.stderr
    assert kubectl("get", "wdg", "bad", "-n", namespace).returncode != 0


def test_a_restricted_user_is_denied_by_rbac_until_granted(
    widget_crd: str, namespace: str, kube: Kube, kubectl: Kubectl
) -> None:
    restricted = kube.plane.user_kubeconfig("alice", groups=("developers",))
    denied = kubectl("get", "wdg", "-n", namespace, kubeconfig=restricted)
    assert denied.returncode != 0
    assert (
        f'User "alice" cannot list resource "{PLURAL}" in API group "{GROUP}" in the namespace "{namespace}"'
        in denied.stderr
    )

    kube.rbac.create_namespaced_role(
        namespace,
        client.V1Role(
            metadata=client.V1ObjectMeta(name="widget-reader"),
            rules=[
                client.V1PolicyRule(api_groups=[GROUP], resources=[PLURAL], verbs=["get", "list"])
            ],
        ),
    )
    kube.rbac.create_namespaced_role_binding(
        namespace,
        client.V1RoleBinding(
            metadata=client.V1ObjectMeta(name="developers-read-widgets"),
            role_ref=client.V1RoleRef(
                api_group="rbac.authorization.k8s.io", kind="Role", name="widget-reader"
            ),
            subjects=[
                client.RbacV1Subject(
                    kind="Group", name="developers", api_group="rbac.authorization.k8s.io"
                )
            ],
        ),
    )
    assert _eventually(
        lambda: kubectl("get", "wdg", "-n", namespace, kubeconfig=restricted).returncode == 0
    )
    # Reading is granted, writing still is not.
    write = kubectl(
        "apply", "-n", namespace, "-f", "-", stdin=widget("by-alice"), kubeconfig=restricted
    )
    assert write.returncode != 0
    assert "forbidden" in write.stderr


def test_a_service_account_token_carries_only_its_rbac(
    namespace: str, kube: Kube, kubectl: Kubectl
) -> None:
    kube.core.create_namespaced_service_account(
        namespace, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="operator"))
    )
    token_config = kube.plane.service_account_kubeconfig(namespace, "operator")
    who = kubectl(
        "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}", kubeconfig=token_config
    )
    assert who.stdout == f"system:serviceaccount:{namespace}:operator"
    secrets = kubectl("get", "secrets", "-n", namespace, kubeconfig=token_config)
    assert secrets.returncode != 0
    assert (
        f'"system:serviceaccount:{namespace}:operator" cannot list resource "secrets"'
        in secrets.stderr
    )


def test_server_reports_the_pinned_kubernetes_version(kubectl: Kubectl) -> None:
    from controller.sandbox.controlplane import KUBERNETES_VERSION

    version = json.loads(kubectl("version", "-o", "json", check=True).stdout)
    assert version["serverVersion"]["gitVersion"] == KUBERNETES_VERSION


def _eventually(check: object, timeout: float = 10.0) -> bool:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False
