"""`kopilot sandbox`: how a person or a script checks a configuration without AWS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.controlplane, pytest.mark.aws]

ROOT = Path(__file__).resolve().parents[2]
KUDOS = ROOT / "deploy" / "samples" / "kudos.yaml"


def kopilot(
    *args: str, timeout: float = 240, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "controller", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_sandbox_run_reports_the_kudos_sample_as_json() -> None:
    result = kopilot(
        "sandbox", "run", "-f", str(KUDOS), "--wait", "--timeout", "120", "--output", "json"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    doc: dict[str, Any] = json.loads(result.stdout)
    assert doc["ready"] is True
    kinds = sorted((r["kind"], r["name"], r["ready"]) for r in doc["resources"])
    assert kinds == [
        ("EcsApp", "kudos", "True"),
        ("EcsEnvironment", "test", "True"),
        ("EcsService", "api", "True"),
        ("EcsService", "front-end", "True"),
    ]
    aws = doc["aws"]["us-east-1"]
    [cluster] = aws["clusters"]
    [namespace] = aws["namespaces"]
    assert cluster["clusterName"] == "kudos-test"
    assert cluster["serviceConnectDefaults"]["namespace"] == namespace["Arn"]
    assert namespace["Name"] == "test.kudos.local"
    services = {s["serviceName"]: s for s in aws["services"]}
    primary = next(d for d in services["front-end"]["deployments"] if d["status"] == "PRIMARY")
    [entry] = primary["serviceConnectConfiguration"]["services"]
    assert entry["clientAliases"] == [{"port": 80, "dnsName": "frontend.local"}]
    assert entry["discoveryName"] == "front-end-sc"
    families = {td["family"]: td for td in aws["taskDefinitions"]}
    assert set(families) == {"kudos-test-api", "kudos-test-front-end"}
    env = {
        e["name"]: e["value"]
        for e in families["kudos-test-api"]["containerDefinitions"][0]["environment"]
    }
    assert env["COPILOT_SERVICE_DISCOVERY_ENDPOINT"] == "test.kudos.local"
    cloud_map = {s["Name"]: s for s in aws["cloudMapServices"]}
    assert cloud_map["api"]["DnsConfig"]["RoutingPolicy"] == "MULTIVALUE"
    # front-end is a Load Balanced Web Service: its URL is the public load balancer's.
    [balancer] = aws["loadBalancers"]
    assert (balancer["LoadBalancerName"], balancer["Scheme"]) == (
        "kudos-test-pub",
        "internet-facing",
    )
    assert balancer["listeners"] == [{"Port": 80, "Protocol": "HTTP", "Rules": 2}]
    front = next(r for r in doc["resources"] if r["name"] == "front-end")
    assert front["status"]["endpoints"]["http"] == f"http://{balancer['DNSName']}/"
    # Progress went to stderr, so stdout is exactly one JSON document.
    assert "starting the local Kubernetes control plane" in result.stderr


def test_sandbox_run_exits_non_zero_when_something_is_not_ready(tmp_path: Path) -> None:
    broken = tmp_path / "orphan.yaml"
    broken.write_text(
        "apiVersion: kopilot.dev/v1alpha1\nkind: EcsEnvironment\nmetadata: {name: test}\n"
        "spec: {app: missing, region: us-east-1}\n"
    )
    result = kopilot("sandbox", "run", "-f", str(broken), "--wait", "--timeout", "8", "-o", "json")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert doc["ready"] is False
    assert doc["resources"][0]["reason"] == "AppNotFound"
    assert "not Ready: EcsEnvironment default/test (AppNotFound)" in result.stderr


def test_sandbox_run_refuses_what_it_cannot_apply(tmp_path: Path) -> None:
    other = tmp_path / "deployment.yaml"
    other.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n")
    result = kopilot("sandbox", "run", "-f", str(other))
    assert result.returncode == 2
    assert "kind 'Deployment' is not a kopilot kind" in result.stderr


def test_sandbox_up_and_down(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KOPILOT_CACHE_DIR": str(tmp_path / "cache"),
        "KUBEBUILDER_ASSETS": _assets(),
    }
    up = kopilot("sandbox", "up", env=env)
    assert up.returncode == 0, up.stderr
    exports = dict(
        line.strip().removeprefix("export ").split("=", 1)
        for line in up.stdout.splitlines()
        if line.strip().startswith("export ")
    )
    crds = subprocess.run(
        ["kubectl", "get", "crd", "-o", "name"],
        capture_output=True,
        text=True,
        env={**os.environ, "KUBECONFIG": exports["KUBECONFIG"]},
        timeout=30,
    )
    assert "customresourcedefinition.apiextensions.k8s.io/ecsservices.kopilot.dev" in crds.stdout
    state = json.loads((tmp_path / "cache" / "sandbox" / "state.json").read_text())
    down = kopilot("sandbox", "down", env=env)
    assert down.returncode == 0
    assert "sandbox stopped" in down.stdout
    assert (
        not Path(f"/proc/{state['pid']}").exists()
        or "zombie" in Path(f"/proc/{state['pid']}/status").read_text().lower()
    )
    assert not Path(exports["KUBECONFIG"]).exists()


def _assets() -> str:
    from controller.sandbox.controlplane import ensure_binaries

    return str(ensure_binaries().etcd.parent)
