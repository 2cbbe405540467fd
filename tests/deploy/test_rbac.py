"""The operator with the identity deploy/base gives it (the kopilot ServiceAccount's token)
reconciles the kudos sample under a TenantPolicy, as deployed; the same identity is refused
what it does not need; a tenant with the namespace `edit` role manages kopilot objects and
cannot touch the policies."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from kubernetes import client

from tests.conftest import Kube, Kubectl
from tests.deploy.manifests import (
    POLICY,
    ROOT,
    SERVICE_ACCOUNT,
    SYSTEM_NAMESPACE,
    argocd_health,
)
from tests.fixtures_aws import LocalAws
from tests.operator.objects import wait_ready
from tests.operator_process import OperatorProcess

pytestmark = pytest.mark.controlplane

IDENTITY = f"system:serviceaccount:{SYSTEM_NAMESPACE}:{SERVICE_ACCOUNT}"
KUDOS = ROOT / "deploy" / "samples" / "kudos.yaml"
KUDOS_OBJECTS = [
    ("ecsapps", "kudos"),
    ("ecsenvironments", "test"),
    ("ecsservices", "api"),
    ("ecsservices", "front-end"),
]
CLUSTER_SCOPED = {
    "customresourcedefinitions",
    "tenantpolicies",
    "namespaces",
    "clusterroles",
    "clusterkopfpeerings",
    "users",
}
# What the operator's log says when RBAC refuses it something (kopf's own warnings, and
# the API's 403 as kopf and the kubernetes client print it).
REFUSED = re.compile(r"forbidden|not enough permissions|\(403\)", re.IGNORECASE)


@pytest.mark.aws
def test_the_operator_reconciles_the_kudos_sample_with_its_service_account(
    installed_base: list[str],
    namespace: str,
    kube: Kube,
    kubectl: Kubectl,
    aws: LocalAws,
    tmp_path: Path,
) -> None:
    token = kube.plane.service_account_kubeconfig(SYSTEM_NAMESPACE, SERVICE_ACCOUNT)
    who = kubectl("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}", kubeconfig=token)
    assert who.stdout == IDENTITY
    kubectl("apply", "-n", namespace, "-f", str(KUDOS), check=True)
    # As deployed: tenancy by policies, the sample's namespace allowed what the sample asks.
    tenant = {
        "apiVersion": "kopilot.dev/v1alpha1",
        "kind": "TenantPolicy",
        "metadata": {"name": f"kudos-{namespace}"},
        "spec": {
            "namespaces": [namespace],
            "operatorCredentials": True,
            "passRoles": ["arn:aws:iam::123456789012:role/kudos-*"],
            "appPrefixes": ["kudos"],
        },
    }
    kube.custom.create_cluster_custom_object("kopilot.dev", "v1alpha1", "tenantpolicies", tenant)
    operator = OperatorProcess(
        kubeconfig=token,
        namespace=namespace,
        aws_env=aws.env(),
        log_path=tmp_path / "operator.log",
        tenancy="policies",
    )
    try:
        operator.start()
        ready = {
            (plural, name): wait_ready(kube, namespace, plural, name, timeout=60)
            for plural, name in KUDOS_OBJECTS
        }
    finally:
        operator.stop()
        kube.custom.delete_cluster_custom_object(
            "kopilot.dev", "v1alpha1", "tenantpolicies", tenant["metadata"]["name"]
        )
    log = operator.log()
    refused = [line for line in log.splitlines() if REFUSED.search(line)]
    assert refused == [], "\n".join(refused)

    for (plural, name), obj in ready.items():
        # Argo CD would show every resource Healthy ...
        assert argocd_health(obj)["status"] == "Healthy", (plural, name)
        # ... and Synced: the operator wrote status and kopf's finalizer only (what was
        # handled is on status, not in an annotation; retries would be kopilot.dev/ ones).
        annotations = obj["metadata"].get("annotations") or {}
        assert set(annotations) == {"kubectl.kubernetes.io/last-applied-configuration"}
        assert obj["status"]["handledGeneration"] == obj["metadata"]["generation"]
        assert obj["metadata"]["finalizers"] == ["kopilot.dev/finalizer"]
    diff = kubectl("diff", "-n", namespace, "-f", str(KUDOS))
    assert diff.returncode == 0, f"the live objects differ from the manifest:\n{diff.stdout}"

    # Every AWS operation the operator made is one the IAM policy grants.
    policy = json.loads(POLICY.read_text())
    granted = {
        action
        for statement in policy["Statement"]
        for action in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
    }
    made = set(aws.counters())
    assert made, "the operator made no AWS call"
    assert made - granted == set()


# (verb, resource.group, subresource) the operator may do, and a selection it may not.
ALLOWED = [
    *[
        (verb, f"{plural}.kopilot.dev", "")
        for plural in ("ecsapps", "ecsenvironments", "ecsservices")
        for verb in ("get", "list", "watch", "patch")
    ],
    *[
        ("patch", f"{plural}.kopilot.dev", "status")
        for plural in ("ecsapps", "ecsenvironments", "ecsservices")
    ],
    ("create", "events", ""),
    ("list", "customresourcedefinitions.apiextensions.k8s.io", ""),
    ("watch", "customresourcedefinitions.apiextensions.k8s.io", ""),
    ("get", "namespaces", ""),
    ("list", "namespaces", ""),
    ("watch", "namespaces", ""),
    ("list", "tenantpolicies.kopilot.dev", ""),
]
DENIED = [
    # Its own kinds: it never creates, replaces or deletes them, nor writes status by update.
    ("create", "ecsservices.kopilot.dev", ""),
    ("update", "ecsservices.kopilot.dev", ""),
    ("delete", "ecsservices.kopilot.dev", ""),
    ("deletecollection", "ecsenvironments.kopilot.dev", ""),
    ("update", "ecsservices.kopilot.dev", "status"),
    ("get", "ecsservices.kopilot.dev", "status"),
    # Secrets and ConfigMaps: neither read nor written.
    ("get", "secrets", ""),
    ("list", "secrets", ""),
    ("watch", "secrets", ""),
    ("create", "secrets", ""),
    ("get", "configmaps", ""),
    ("create", "configmaps", ""),
    ("patch", "configmaps", ""),
    ("update", "configmaps", ""),
    ("delete", "configmaps", ""),
    # Other API groups and kinds.
    ("get", "deployments.apps", ""),
    ("create", "deployments.apps", ""),
    ("patch", "deployments.apps", ""),
    ("get", "pods", ""),
    ("create", "pods", ""),
    ("create", "serviceaccounts", "token"),
    ("create", "clusterroles.rbac.authorization.k8s.io", ""),
    ("list", "clusterkopfpeerings.kopf.dev", ""),
    # Events are only created.
    ("get", "events", ""),
    ("patch", "events", ""),
    ("delete", "events", ""),
    ("create", "events.events.k8s.io", ""),
    # Cluster scanning is read-only.
    ("create", "customresourcedefinitions.apiextensions.k8s.io", ""),
    ("patch", "customresourcedefinitions.apiextensions.k8s.io", ""),
    ("delete", "customresourcedefinitions.apiextensions.k8s.io", ""),
    ("create", "namespaces", ""),
    # The platform admin's policies: read, never written.
    ("create", "tenantpolicies.kopilot.dev", ""),
    ("patch", "tenantpolicies.kopilot.dev", ""),
    ("delete", "tenantpolicies.kopilot.dev", ""),
    ("delete", "namespaces", ""),
    ("impersonate", "users", ""),
    ("*", "*.*", ""),
]


def _review(
    api: client.AuthorizationV1Api, rule: tuple[str, str, str], namespace: str | None
) -> bool:
    """What `kubectl auth can-i VERB RESOURCE [--subresource=S] [-n NS]` answers for the
    identity of `api` (a SelfSubjectAccessReview); namespace None: cluster-wide."""
    verb, resource, subresource = rule
    plural, _, group = resource.partition(".")
    attributes = client.V1ResourceAttributes(
        verb=verb,
        group=group,
        resource=plural,
        subresource=subresource or None,
        namespace=None if plural in CLUSTER_SCOPED else namespace,
    )
    review = api.create_self_subject_access_review(
        client.V1SelfSubjectAccessReview(
            spec=client.V1SelfSubjectAccessReviewSpec(resource_attributes=attributes)
        )
    )
    return bool(review.status.allowed)


def test_the_service_account_has_exactly_what_the_operator_needs(
    installed_base: list[str], namespace: str, kube: Kube, kubectl: Kubectl
) -> None:
    token = kube.plane.service_account_kubeconfig(SYSTEM_NAMESPACE, SERVICE_ACCOUNT)
    api_client = kube.plane.api_client(token)
    try:
        api = client.AuthorizationV1Api(api_client)
        wrong = [
            f"{'denied' if expected else 'allowed'}: {' '.join(rule).strip()}"
            for expected, rules in ((True, ALLOWED), (False, DENIED))
            for rule in rules
            if _review(api, rule, namespace) != expected
        ]
        # Run without --namespace (as deployed), kopf lists and watches across namespaces.
        wrong += [
            f"denied cluster-wide: {verb} {plural}"
            for plural in ("ecsapps", "ecsenvironments", "ecsservices")
            for verb in ("list", "watch")
            if not _review(api, (verb, f"{plural}.kopilot.dev", ""), None)
        ]
    finally:
        api_client.close()
    assert wrong == []

    # Leader election: its Lease in its own namespace, nowhere else.
    for verb in ("get", "create", "update"):
        lease = ["auth", "can-i", f"--as={IDENTITY}", verb, "leases.coordination.k8s.io"]
        assert kubectl(*lease, "-n", SYSTEM_NAMESPACE).stdout == "yes\n", verb
        assert kubectl(*lease, "-n", namespace).stdout == "no\n", verb
    assert kubectl(
        "auth", "can-i", f"--as={IDENTITY}", "delete", "leases.coordination.k8s.io",
        "-n", SYSTEM_NAMESPACE,
    ).stdout == "no\n"  # fmt: skip

    # The same answers from kubectl, impersonating the ServiceAccount ...
    can_i = ["auth", "can-i", "-n", namespace, f"--as={IDENTITY}"]
    assert kubectl(*can_i, "patch", "ecsservices.kopilot.dev", "--subresource=status").stdout == (
        "yes\n"
    )
    assert kubectl(*can_i, "list", "secrets").stdout == "no\n"
    # ... and from the API server itself, to the ServiceAccount's token.
    refused = kubectl("get", "secrets", "-n", namespace, kubeconfig=token)
    assert refused.returncode != 0
    assert f'"{IDENTITY}" cannot list resource "secrets"' in refused.stderr


def test_a_tenant_with_the_edit_role_manages_kopilot_objects_but_not_policies(
    installed_base: list[str], namespace: str, kube: Kube, kubectl: Kubectl
) -> None:
    """The `edit` role a namespace admin hands out gains kopilot's kinds through the
    aggregation label on kopilot-edit. The local control plane runs no controller manager
    (which does the aggregating), so the tenant is bound to kopilot-edit itself: the rules
    `edit` would gain."""
    user = f"tenant-{namespace}"
    kube.rbac.create_namespaced_role_binding(
        namespace,
        client.V1RoleBinding(
            metadata=client.V1ObjectMeta(name="tenant-edit"),
            role_ref=client.V1RoleRef(
                api_group="rbac.authorization.k8s.io", kind="ClusterRole", name="kopilot-edit"
            ),
            subjects=[
                client.RbacV1Subject(kind="User", name=user, api_group="rbac.authorization.k8s.io")
            ],
        ),
    )
    role = kube.rbac.read_cluster_role("kopilot-edit")
    assert role.metadata.labels["rbac.authorization.k8s.io/aggregate-to-edit"] == "true"

    def can(*args: str) -> str:
        return kubectl("auth", "can-i", f"--as={user}", *args).stdout.strip()

    for verb in ("create", "patch", "delete"):
        assert can(verb, "ecsservices.kopilot.dev", "-n", namespace) == "yes", verb
        assert can(verb, "ecsenvironments.kopilot.dev", "-n", namespace) == "yes", verb
        assert can(verb, "ecsservices.kopilot.dev", "-n", "default") == "no", verb
        assert can(verb, "tenantpolicies.kopilot.dev") == "no", verb
    assert can("patch", "ecsservices.kopilot.dev", "--subresource=status", "-n", namespace) == "no"
    # And the API server refuses the tenant a policy of their own.
    refused = kubectl(
        "create",
        f"--as={user}",
        "-f",
        "-",
        stdin=json.dumps(
            {
                "apiVersion": "kopilot.dev/v1alpha1",
                "kind": "TenantPolicy",
                "metadata": {"name": f"mine-{namespace}"},
                "spec": {"namespaces": [namespace], "adopt": True},
            }
        ),
    )
    assert refused.returncode != 0
    assert 'cannot create resource "tenantpolicies"' in refused.stderr
