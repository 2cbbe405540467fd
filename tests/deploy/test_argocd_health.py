"""The Argo CD health check (deploy/argocd/health.lua), run in a real Lua 5.1 runtime: on
small hand-written objects, and on objects the operator produced in real runs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import Kube, Kubectl
from tests.deploy.manifests import ARGOCD, HEALTH_LUA, KINDS, argocd_health, kustomize
from tests.fixtures_aws import LocalAws
from tests.operator.objects import app, apply, condition, env, get, service, wait_ready, wait_reason
from tests.operator_process import OperatorProcess

# -- hand-written objects --------------------------------------------------------------------


def cond(
    type_: str, status: str, reason: str, message: str = "", generation: int = 1
) -> dict[str, Any]:
    return {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "observedGeneration": generation,
        "lastTransitionTime": "2025-01-01T00:00:00Z",
    }


def obj(generation: int = 1, status: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "kopilot.dev/v1alpha1",
        "kind": "EcsService",
        "metadata": {"name": "api", "namespace": "apps", "generation": generation},
        "spec": {"app": "kudos", "environment": "test", "image": "nginx"},
    }
    if status is not None:
        body["status"] = status
    return body


def synced_ok(generation: int = 1) -> dict[str, Any]:
    return cond("Synced", "True", "ReconcileSuccess", generation=generation)


CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("no status yet", obj(), "Progressing", "Waiting for the kopilot operator"),
    ("no conditions yet", obj(status={"conditions": []}), "Progressing", "Waiting for"),
    (
        "ready",
        obj(
            status={
                "observedGeneration": 1,
                "conditions": [cond("Ready", "True", "Available", "2/2 tasks"), synced_ok()],
            }
        ),
        "Healthy",
        "2/2 tasks",
    ),
    (
        "ready, but a newer spec is not reconciled yet",
        obj(
            generation=2,
            status={
                "observedGeneration": 1,
                "conditions": [cond("Ready", "True", "Available"), synced_ok()],
            },
        ),
        "Progressing",
        "generation 2",
    ),
    (
        "rolling out",
        obj(
            status={
                "observedGeneration": 1,
                "conditions": [cond("Ready", "False", "RollingOut", "1/2 tasks"), synced_ok()],
            }
        ),
        "Progressing",
        "RollingOut: 1/2 tasks",
    ),
    (
        "waiting on a dependency",
        obj(
            status={
                "observedGeneration": 1,
                "conditions": [
                    cond("Ready", "False", "WaitingForEnvironment", "env is not Ready"),
                    synced_ok(),
                ],
            }
        ),
        "Progressing",
        "WaitingForEnvironment",
    ),
    (
        "failed rollout",
        obj(
            status={
                "observedGeneration": 1,
                "conditions": [cond("Ready", "False", "RolloutFailed", "rolled back"), synced_ok()],
            }
        ),
        "Degraded",
        "RolloutFailed: rolled back",
    ),
    (
        "terminal error",
        obj(
            status={
                "observedGeneration": 1,
                "conditions": [
                    cond("Ready", "False", "InvalidSpec", "spec.port: too big"),
                    cond("Synced", "False", "ReconcileTerminal", "spec.port: too big"),
                ],
            }
        ),
        "Degraded",
        "ReconcileTerminal: spec.port: too big",
    ),
    (
        "blocked on IAM: someone must act, kopilot retries by itself",
        obj(
            status={
                "observedGeneration": 1,
                "conditions": [
                    cond("Ready", "False", "AccessDenied", "grant ecs:CreateService"),
                    cond("Synced", "False", "ReconcileError", "grant ecs:CreateService"),
                ],
            }
        ),
        "Degraded",
        "AccessDenied: grant ecs:CreateService",
    ),
    (
        "refused by the namespace's TenantPolicy: the admin or the spec must change",
        obj(
            status={
                "observedGeneration": 1,
                "conditions": [
                    cond("Ready", "False", "NotPermitted", "spec.roleArn is not allowed"),
                    cond("Synced", "True", "ReconcileSuccess", ""),
                ],
            }
        ),
        "Degraded",
        "NotPermitted: spec.roleArn is not allowed",
    ),
    (
        "terminal error, then a new spec not reconciled yet",
        obj(
            generation=2,
            status={
                "observedGeneration": 1,
                "conditions": [
                    cond("Ready", "False", "InvalidSpec", "bad"),
                    cond("Synced", "False", "ReconcileTerminal", "bad"),
                ],
            },
        ),
        "Progressing",
        "generation 2",
    ),
    (
        "transient error while serving: still healthy",
        obj(
            status={
                "observedGeneration": 1,
                "conditions": [
                    cond("Ready", "True", "Available", "2/2 tasks"),
                    cond("Synced", "False", "ReconcileError", "ThrottlingException (will retry)"),
                ],
            }
        ),
        "Healthy",
        "ThrottlingException",
    ),
    (
        "transient error applying a new spec: Ready is for the old one",
        obj(
            generation=2,
            status={
                "observedGeneration": 2,
                "conditions": [
                    cond("Ready", "True", "Available", generation=1),
                    cond("Synced", "False", "ReconcileError", "AwsError", generation=2),
                ],
            },
        ),
        "Progressing",
        "Applying generation 2",
    ),
    (
        "unknown readiness",
        obj(
            status={
                "observedGeneration": 1,
                "conditions": [cond("Ready", "Unknown", "Checking"), synced_ok()],
            }
        ),
        "Progressing",
        "Checking",
    ),
]


@pytest.mark.parametrize(
    ("body", "status", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_health_of_hand_written_objects(body: dict[str, Any], status: str, message: str) -> None:
    health = argocd_health(body)
    assert health["status"] == status, health
    assert message in health["message"], health


def test_the_script_needs_nothing_outside_argo_cds_sandbox() -> None:
    # argocd_health removes io, os, package, require, load* and debug; a script reaching for
    # them fails there, as it would in Argo CD.
    with pytest.raises(Exception, match="attempt to index"):
        argocd_health(obj(), script="return {status = os.time()}")
    assert argocd_health(obj())["status"] == "Progressing"


def test_the_component_adds_the_health_checks_to_argocd_cm(tmp_path: Path) -> None:
    # An Argo CD install as its kustomization holds it: argocd-cm with settings of its own.
    install = tmp_path / "install"
    install.mkdir()
    (install / "argocd-cm.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": "argocd-cm",
                    "labels": {"app.kubernetes.io/part-of": "argocd"},
                },
                "data": {"url": "https://argocd.example.com"},
            }
        )
    )
    component = os.path.relpath(ARGOCD, install)
    (install / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "namespace": "argocd",
                "resources": ["argocd-cm.yaml"],
                "components": [component],
            }
        )
    )
    (cm,) = kustomize(install)
    assert cm["metadata"] == {
        "name": "argocd-cm",
        "namespace": "argocd",
        "labels": {"app.kubernetes.io/part-of": "argocd"},
    }
    script = HEALTH_LUA.read_text()
    assert cm["data"] == {
        "url": "https://argocd.example.com",
        **{f"resource.customizations.health.kopilot.dev_{kind}": script for kind in KINDS},
    }


@pytest.mark.controlplane
def test_the_plain_patch_holds_the_same_script_and_patches_argocd_cm(
    namespace: str, kubectl: Kubectl, kube: Kube
) -> None:
    patch_file = ARGOCD / "argocd-cm-patch.yaml"
    script = HEALTH_LUA.read_text()
    keys = {f"resource.customizations.health.kopilot.dev_{kind}" for kind in KINDS}
    assert yaml.safe_load(patch_file.read_text())["data"] == dict.fromkeys(keys, script)

    kubectl("create", "configmap", "argocd-cm", "-n", namespace, "--from-literal=url=x", check=True)
    kubectl(
        "patch", "configmap", "argocd-cm", "-n", namespace, "--patch-file", str(patch_file),
        check=True,
    )  # fmt: skip
    data = kube.core.read_namespaced_config_map("argocd-cm", namespace).data
    assert data == {"url": "x", **dict.fromkeys(keys, script)}


# -- objects from real runs --------------------------------------------------------------------


@pytest.mark.controlplane
@pytest.mark.aws
def test_health_of_objects_from_real_runs(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    # An environment whose cluster exists and is someone else's: a terminal error.
    aws.client("ecs").create_cluster(
        clusterName="kudos-prod", tags=[{"key": "owner", "value": "platform-team"}]
    )
    apply(
        kubectl,
        namespace,
        app(),
        env("test"),
        env("prod"),
        service("api", port=8080),
        service("web", port=80),
    )
    # Applied, not seen by any operator yet.
    fresh = get(kube, namespace, "ecsservices", "api")
    assert fresh is not None
    assert "status" not in fresh
    assert argocd_health(fresh)["status"] == "Progressing"

    operator.start()
    for name in ("api", "web"):
        ready = wait_ready(kube, namespace, "ecsservices", name, timeout=60)
        assert argocd_health(ready) == {"status": "Healthy", "message": condition(ready)["message"]}
    assert argocd_health(wait_ready(kube, namespace, "ecsenvironments", "test"))["status"] == (
        "Healthy"
    )

    terminal = wait_reason(kube, namespace, "ecsenvironments", "prod", "ClusterNotOwned")
    assert condition(terminal, "Synced")["reason"] == "ReconcileTerminal"
    health = argocd_health(terminal)
    assert health["status"] == "Degraded", health
    assert "ECS cluster kudos-prod already exists" in health["message"]
    # The app waits for its environments: progressing, not failed.
    kudos = get(kube, namespace, "ecsapps", "kudos")
    assert argocd_health(kudos or {})["status"] == "Progressing"

    # A rollout that fails: ECS's circuit breaker rolls back.
    aws.settings(fail_rollouts=True)
    apply(kubectl, namespace, service("web", port=80, image="nginx:broken"))
    failed = wait_reason(kube, namespace, "ecsservices", "web", "RolloutFailed", timeout=60)
    health = argocd_health(failed)
    assert health["status"] == "Degraded", health
    assert "RolloutFailed: the rollout of kudos-test-web:2 failed" in health["message"]

    # A rollout under way.
    aws.settings(fail_rollouts=False, rollout_seconds=30)
    apply(kubectl, namespace, service("api", port=8080, image="nginx:2"))
    rolling = wait_reason(kube, namespace, "ecsservices", "api", "RollingOut")
    health = argocd_health(rolling)
    assert health["status"] == "Progressing", health
    assert health["message"].startswith("RollingOut: rollout IN_PROGRESS")
