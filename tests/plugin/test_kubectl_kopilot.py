"""`kubectl kopilot`, run as kubectl runs it (plugin discovery of kubectl-kopilot on PATH),
against one world: the operator, the kudos-like objects Ready, and the local AWS."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Kube, Kubectl
from tests.fixtures_aws import LocalAws
from tests.operator.objects import app, apply, env, service, wait_ready, wait_reason
from tests.operator_process import OperatorProcess, eventually

pytestmark = [pytest.mark.controlplane, pytest.mark.aws]

BIN = Path(sys.executable).parent  # the venv's bin, where kubectl-kopilot is installed
API_LOGS = "/copilot/kudos-test-api"


class Plugin:
    def __init__(self, kube: Kube, aws: LocalAws, namespace: str) -> None:
        self.namespace = namespace
        self.env = {
            **os.environ,
            **aws.env(),
            "KUBECONFIG": str(kube.kubeconfig),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }

    def argv(self, args: tuple[str, ...], namespace: bool) -> list[str]:
        return ["kubectl", "kopilot", *args, *(["-n", self.namespace] if namespace else [])]

    def __call__(
        self, *args: str, namespace: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(args, namespace),
            capture_output=True,
            text=True,
            env=env or self.env,
            timeout=30,
        )

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "-o", "json"))


class Lines:
    """A child's stdout, line by line, with a timeout (a thread reads it: select() does not
    see lines already in the pipe's Python buffer)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.queue.put(line.rstrip("\n"))
        self.queue.put(None)

    def take(self, count: int, timeout: float = 20) -> list[str]:
        lines: list[str] = []
        deadline = time.monotonic() + timeout
        while len(lines) < count:
            try:
                line = self.queue.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"only {lines} after {timeout}s") from None
            assert line is not None, f"the plugin ended after {lines}"
            lines.append(line)
        return lines


def test_kubectl_kopilot(
    operator: OperatorProcess,
    namespace: str,
    kube: Kube,
    kubectl: Kubectl,
    aws: LocalAws,
    tmp_path: Path,
) -> None:
    assert shutil.which("kubectl-kopilot", path=str(BIN)), "make setup installs the plugin"
    # kopilot makes each service's log group before its tasks start.
    apply(
        kubectl,
        namespace,
        app(),
        env(),
        service("api", port=8080, count=2, network={"connect": {"enabled": True}}),
        service("broken", port=80, image="nginx:does-not-exist"),
    )
    operator.start()
    wait_ready(kube, namespace, "ecsservices", "api", timeout=60)
    wait_reason(kube, namespace, "ecsservices", "broken", "RolloutFailed", timeout=60)
    plugin = Plugin(kube, aws, namespace)

    # status: Ready, rollout, the tasks with their health, endpoints, events.
    text = plugin.ok("status", "api")
    assert "Ready    True  Available" in text
    assert "2/2 running" in text
    assert "http://api:8080" in text
    assert "api.test.kudos.local:8080" in text
    assert "has reached a steady state." in text
    doc = plugin.json("status", "api")
    running = [t for t in doc["tasks"] if t["lastStatus"] == "RUNNING"]
    assert len(running) == 2
    assert {t["healthStatus"] for t in running} == {"UNKNOWN"}  # no health check defined
    assert all(t["privateIp"] and t["startedAt"] for t in running)
    assert [(d["status"], d["rolloutState"]) for d in doc["deployments"]] == [
        ("PRIMARY", "COMPLETED")
    ]
    assert doc["ready"]["status"] == "True"
    for task in running:
        assert task["id"][:8] in text

    # A failed rollout: the stopped tasks say why.
    broken = plugin.json("status", "broken")
    assert broken["ready"]["reason"] == "RolloutFailed"
    stopped = [t for t in broken["tasks"] if t["lastStatus"] == "STOPPED"]
    assert stopped
    assert all(t["stoppedReason"].startswith("CannotPullContainerError: ") for t in stopped)
    assert "CannotPullContainerError: pull image manifest" in plugin.ok("status", "broken")

    # show: the resolved configuration.
    shown = plugin.json("show", "api")
    [container] = shown["taskDefinition"]["containers"]
    assert (container["name"], container["image"]) == ("api", "nginx:1")
    assert [p["containerPort"] for p in container["ports"]] == [8080]
    assert container["variables"]["COPILOT_SERVICE_NAME"] == "api"
    assert container["logGroup"] == API_LOGS
    [entry] = shown["serviceConnect"]["services"]
    assert entry["clientAliases"] == ["api:8080"]
    assert shown["serviceDiscovery"]["endpoint"] == "api.test.kudos.local:8080"
    text = plugin.ok("show", "api")
    assert "kudos-test-api:1 (cpu 256, memory 512, awsvpc)" in text
    assert "COPILOT_SERVICE_NAME" in text

    # svc ls / env ls, in the namespace of the kubeconfig's context (no -n).
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(Path(kube.kubeconfig).read_text())
    kubectl("config", "set-context", "--current", f"--namespace={namespace}", kubeconfig=kubeconfig)
    in_context = {**plugin.env, "KUBECONFIG": str(kubeconfig)}
    listed = plugin("svc", "ls", namespace=False, env=in_context)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["NAME", "APP", "ENV", "READY", "REASON", "ENDPOINT", "TASKS"]
    assert lines[1].split()[:5] == ["api", "kudos", "test", "True", "Available"]
    assert lines[1].split()[-1] == "2/2"
    assert lines[2].split()[:5] == ["broken", "kudos", "test", "False", "RolloutFailed"]
    [environment] = plugin.json("env", "ls")
    assert (environment["name"], environment["region"], environment["ready"]) == (
        "test",
        "us-east-1",
        "True",
    )
    assert environment["services"] == 2
    assert "test.kudos.local" in plugin.ok("env", "ls")

    # logs: a line per task start, the task id in front.
    logs = plugin.ok("logs", "api").splitlines()
    assert sorted(line.split("/")[0] for line in logs) == sorted(t["id"][:8] for t in running)
    assert all("container api started from nginx:1" in line for line in logs)
    one = running[0]["id"]
    found = plugin.json("logs", "api", "--task", one[:8], "--since", "10m")
    assert found["logGroup"] == API_LOGS
    [line] = found["events"]
    assert (line["task"], line["container"]) == (one, "api")

    # A service whose log group does not exist (deleted by hand) says so, and exits 0.
    aws.client("logs").delete_log_group(logGroupName="/copilot/kudos-test-broken")
    none = plugin("logs", "broken")
    assert none.returncode == 0
    assert "log group /copilot/kudos-test-broken does not exist yet" in none.stderr

    # --follow: what is there, then what comes (a third task), until Ctrl-C.
    follow = subprocess.Popen(
        plugin.argv(("logs", "api", "--follow"), namespace=True),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=plugin.env,
    )
    try:
        lines = Lines(follow)
        assert len(lines.take(2)) == 2
        apply(
            kubectl,
            namespace,
            service("api", port=8080, count=3, network={"connect": {"enabled": True}}),
        )
        [third] = lines.take(1, timeout=30)
        assert "container api started" in third
        follow.send_signal(signal.SIGINT)
        follow.wait(timeout=10)
        assert follow.stderr is not None
        err = follow.stderr.read()
    finally:
        if follow.poll() is None:
            follow.kill()
    assert follow.returncode == 0, err
    assert "Traceback" not in err

    # Errors say what to do.
    missing = plugin("status", "nope")
    assert missing.returncode == 1
    assert f"EcsService 'nope' not found in namespace '{namespace}'" in missing.stderr
    no_credentials = {
        **{k: v for k, v in plugin.env.items() if not k.startswith("AWS_")},
        "AWS_ENDPOINT_URL": aws.endpoint,
        "AWS_DEFAULT_REGION": aws.region,
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    refused = plugin("status", "api", env=no_credentials)
    assert refused.returncode == 1
    assert "error: no AWS credentials to describe ECS service" in refused.stderr
    assert "Traceback" not in refused.stderr
    apply(
        kubectl,
        namespace,
        env("lonely", app_name="missing"),
        {**service("orphan"), "spec": {**service("orphan")["spec"], "environment": "lonely"}},
    )
    wait_reason(kube, namespace, "ecsenvironments", "lonely", "AppNotFound")
    waiting = plugin("status", "orphan")
    assert waiting.returncode == 1
    assert "EcsEnvironment 'lonely' is not Ready (AppNotFound" in waiting.stderr
    eventually(lambda: plugin.json("status", "api")["counts"]["running"], lambda n: n == 3)
