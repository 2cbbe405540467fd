"""Uninstalling kopilot (deleting its CRDs) never deletes anything in AWS."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import yaml

from controller.sandbox.controlplane import ControlPlane
from tests.conftest import ROOT
from tests.fixtures_aws import LocalAws
from tests.operator.objects import CLUSTER, app, env, service
from tests.operator_process import OperatorProcess, eventually

pytestmark = [pytest.mark.controlplane, pytest.mark.aws]

CRDS = ["ecsservices.kopilot.dev", "ecsenvironments.kopilot.dev", "ecsapps.kopilot.dev"]


def _writes(counters: dict[str, int]) -> dict[str, int]:
    reads = ("Describe", "Get", "List")
    return {op: n for op, n in counters.items() if not op.split(":")[1].startswith(reads)}


def test_deleting_the_crds_leaves_aws_alone(aws: LocalAws, tmp_path: Path) -> None:
    # A control plane of its own: deleting CRDs must not disturb the session's.
    with ControlPlane() as plane:

        def kubectl(*args: str, stdin: str | None = None, check: bool = True) -> str:
            result = subprocess.run(
                ["kubectl", "--kubeconfig", str(plane.admin_kubeconfig), *args],
                input=stdin,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0 or not check, result.stderr
            return result.stdout

        kubectl("apply", "-f", str(ROOT / "crds"))
        kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
        kubectl("create", "namespace", "apps")
        operator = OperatorProcess(plane.admin_kubeconfig, "apps", aws.env(), tmp_path / "op.log")
        operator.start()
        try:
            docs = [
                app(),
                env(deletionPolicy="Delete"),
                service("api", port=8080, deletionPolicy="Delete"),
            ]
            kubectl("apply", "-n", "apps", "-f", "-", stdin=yaml.safe_dump_all(docs))
            kubectl(
                "wait",
                "-n",
                "apps",
                "--for=condition=Ready",
                "ecssvc/api",
                "ecsenv/test",
                "--timeout=90s",
            )
            aws.reset_counters()
            kubectl("delete", "crd", *CRDS, "--wait=false")
            # Every object is now being deleted; the operator must leave AWS alone.
            eventually(
                lambda: kubectl(
                    "get",
                    "ecssvc",
                    "api",
                    "-n",
                    "apps",
                    "-o",
                    "jsonpath={.metadata.deletionTimestamp}",
                ),
                bool,
            )
            time.sleep(5)
            assert _writes(aws.counters()) == {}
        finally:
            operator.stop()
        # The documented way out (deploy/base/README.md): with the operator stopped, let the
        # objects go by removing kopilot's finalizer.
        for kind, name in (
            ("ecsservices", "api"),
            ("ecsenvironments", "test"),
            ("ecsapps", "kudos"),
        ):
            kubectl(
                "patch",
                f"{kind}.kopilot.dev",
                name,
                "-n",
                "apps",
                "--type=merge",
                "-p",
                '{"metadata":{"finalizers":null}}',
                check=False,  # some are gone already: the operator released them untouched
            )
        kubectl("wait", "--for=delete", *[f"crd/{c}" for c in CRDS], "--timeout=60s")

    ecs, sd = aws.client("ecs"), aws.client("servicediscovery")
    [svc] = ecs.describe_services(cluster=CLUSTER, services=["api"])["services"]
    assert svc["status"] == "ACTIVE"
    assert svc["desiredCount"] == 1
    [cluster] = ecs.describe_clusters(clusters=[CLUSTER])["clusters"]
    assert cluster["status"] == "ACTIVE"
    assert "test.kudos.local" in [n["Name"] for n in sd.list_namespaces()["Namespaces"]]
    assert _writes(aws.counters()) == {}
