"""Two teams, one operator, one AWS account: each works within its TenantPolicy, and neither
can reach the other's roles, names or resources through the operator."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.conftest import Kube, Kubectl
from tests.fixtures_aws import LocalAws
from tests.operator.objects import (
    GROUP,
    VERSION,
    app,
    apply,
    condition,
    env,
    get,
    service,
    wait_ready,
    wait_reason,
    writes,
)
from tests.operator_process import OperatorProcess

pytestmark = [pytest.mark.controlplane, pytest.mark.aws]

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role"


def _policy(team: str, namespace: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "TenantPolicy",
        "metadata": {"name": f"team-{team}-{namespace}"},
        "spec": {
            "namespaces": [namespace],
            "accounts": [ACCOUNT],
            "assumeRoles": [f"{ROLE}/team-{team}/deployer"],
            "passRoles": [f"{ROLE}/team-{team}/*"],
            "appPrefixes": [f"{team}-"],
            **spec,
        },
    }


def _team(team: str, app_name: str, **env_spec: Any) -> list[dict[str, Any]]:
    spec = {
        "roleArn": f"{ROLE}/team-{team}/deployer",
        "executionRoleArn": f"{ROLE}/team-{team}/execution",
        **env_spec,
    }
    return [
        app(app_name),
        env("test", app_name, **spec),
        service("api", app=app_name, port=8080, taskRoleArn=f"{ROLE}/team-{team}/task"),
    ]


@pytest.fixture
def other_namespace(kube: Kube) -> Iterator[str]:
    name = f"test-{uuid.uuid4().hex[:10]}"
    kube.core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    kube.core.delete_namespace(name)


@pytest.fixture
def policies(kube: Kube, kopilot_crds: list[str]) -> Iterator[list[str]]:
    """TenantPolicies are cluster-scoped: the test's are deleted after it."""
    made: list[str] = []
    yield made
    for name in made:
        kube.custom.delete_cluster_custom_object(GROUP, VERSION, "tenantpolicies", name)


def test_two_teams_each_within_its_policy(
    namespace: str,
    other_namespace: str,
    policies: list[str],
    kube: Kube,
    kubectl: Kubectl,
    aws: LocalAws,
    tmp_path: Path,
) -> None:
    team_a, team_b = namespace, other_namespace
    for doc in (_policy("a", team_a), _policy("b", team_b)):
        kube.custom.create_cluster_custom_object(GROUP, VERSION, "tenantpolicies", doc)
        policies.append(doc["metadata"]["name"])
    operator = OperatorProcess(
        kube.kubeconfig,
        team_a,
        aws.env(),
        tmp_path / "operator.log",
        tenancy="policies",
        extra_args=["--namespace", team_b],
    )
    apply(kubectl, team_a, *_team("a", "a-shop"))
    operator.start()
    try:
        # Team A works within its policy.
        wait_ready(kube, team_a, "ecsservices", "api", timeout=90)

        # Team B tries A's deploy role, A's task role, A's app name prefix, and adopting
        # A's cluster: each refused, naming B's policy and the field, before any AWS call.
        aws.reset_counters()
        apply(kubectl, team_b, *_team("b", "b-shop", roleArn=f"{ROLE}/team-a/deployer"))
        refused = wait_reason(kube, team_b, "ecsenvironments", "test", "NotPermitted")
        message = condition(refused)["message"]
        assert f"TenantPolicy team-b-{team_b}" in message
        assert f"spec.roleArn '{ROLE}/team-a/deployer'" in message
        apply(
            kubectl,
            team_b,
            service("web", app="b-shop", port=80, taskRoleArn=f"{ROLE}/team-a/task"),
            app("a-shop-too"),
        )
        web = wait_reason(kube, team_b, "ecsservices", "web", "NotPermitted")
        assert f"spec.taskRoleArn '{ROLE}/team-a/task'" in condition(web)["message"]
        thief = wait_reason(kube, team_b, "ecsapps", "a-shop-too", "NotPermitted")
        assert "the app name 'a-shop-too'" in condition(thief)["message"]
        apply(
            kubectl,
            team_b,
            env(
                "grab",
                "b-shop",
                roleArn=f"{ROLE}/team-b/deployer",
                executionRoleArn=f"{ROLE}/team-b/execution",
                cluster={"name": "a-shop-test"},
                adopt=True,
                deletionPolicy="Delete",
            ),
        )
        grab = wait_reason(kube, team_b, "ecsenvironments", "grab", "NotPermitted")
        # A's cluster by name: not a name B's apps may use, let alone adopt.
        assert "spec.cluster.name 'a-shop-test'" in condition(grab)["message"]
        calls = aws.counters()
        assert writes(calls) == {}, calls
        assert "sts:AssumeRole" not in calls
        # Deleting the refused grab touches nothing: it made nothing.
        kubectl("delete", "ecsenv", "grab", "-n", team_b, "--wait=true", check=True)
        clusters = aws.client("ecs").describe_clusters(clusters=["a-shop-test"])["clusters"]
        assert clusters[0]["status"] == "ACTIVE"

        # The admin widens B's policy at run time (a second deploy role): B goes on.
        patch = {"spec": {"assumeRoles": [f"{ROLE}/team-b/deployer", f"{ROLE}/team-b/ops"]}}
        kube.custom.patch_cluster_custom_object(
            GROUP, VERSION, "tenantpolicies", f"team-b-{team_b}", patch
        )
        apply(
            kubectl,
            team_b,
            env(
                "test",
                "b-shop",
                roleArn=f"{ROLE}/team-b/ops",
                executionRoleArn=f"{ROLE}/team-b/execution",
            ),
        )
        wait_ready(kube, team_b, "ecsenvironments", "test", timeout=60)
        api = wait_ready(kube, team_b, "ecsservices", "api", timeout=60)
        assert api["status"]["serviceArn"].endswith("/b-shop-test/api")
        web = get(kube, team_b, "ecsservices", "web")
        assert condition(web)["reason"] == "NotPermitted"  # still A's task role

        # A namespace no policy selects gets nothing done.
        kube.custom.delete_cluster_custom_object(
            GROUP, VERSION, "tenantpolicies", f"team-b-{team_b}"
        )
        policies.remove(f"team-b-{team_b}")
        apply(kubectl, team_b, app("b-later"))
        later = wait_reason(kube, team_b, "ecsapps", "b-later", "NotPermitted", timeout=30)
        assert f"no TenantPolicy selects namespace '{team_b}'" in condition(later)["message"]
    finally:
        operator.stop()
