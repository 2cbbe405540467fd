"""Starting and stopping: nothing is left running, whatever way the owner goes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from controller.sandbox.controlplane import ControlPlane, ControlPlaneBinariesError, ensure_binaries
from controller.sandbox.controlplane import binaries as binaries_module

pytestmark = pytest.mark.controlplane


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is gone for every purpose that matters here.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_gone(pids: list[int], timeout: float = 15.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if _alive(p)]
        if not alive:
            return []
        time.sleep(0.1)
    return [p for p in pids if _alive(p)]


def test_stop_ends_both_processes_and_removes_the_workdir() -> None:
    plane = ControlPlane().start()
    pids, workdir = plane.pids, plane.workdir
    assert len(pids) == 2
    assert plane.admin_kubeconfig.is_file()
    plane.stop()
    assert _wait_gone(pids) == []
    assert not workdir.exists()


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_no_process_outlives_an_owner_that_is_killed(how: signal.Signals, tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys, time
        from controller.sandbox.controlplane import ControlPlane
        plane = ControlPlane().start()
        print(" ".join(map(str, plane.pids)), plane.workdir, flush=True)
        time.sleep(600)
        """
    )
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None
    line = owner.stdout.readline().split()
    pids = [int(p) for p in line[:2]]
    assert len(pids) == 2
    assert all(_alive(p) for p in pids)
    owner.send_signal(how)
    owner.wait(timeout=30)
    assert _wait_gone(pids) == []


def test_kubebuilder_assets_take_precedence_over_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("etcd", "kube-apiserver"):
        (tmp_path / name).write_text("#!/bin/sh\n")
        (tmp_path / name).chmod(0o755)
    monkeypatch.setenv("KUBEBUILDER_ASSETS", str(tmp_path))
    found = ensure_binaries()
    assert found.etcd == tmp_path / "etcd"
    assert found.kube_apiserver == tmp_path / "kube-apiserver"


def test_missing_go_gives_an_error_that_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBEBUILDER_ASSETS", raising=False)
    monkeypatch.setenv("KOPILOT_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no `go` here
    with pytest.raises(ControlPlaneBinariesError) as err:
        ensure_binaries(progress=lambda _: None)
    assert "Install Go 1.24 or newer" in str(err.value)
    assert "KUBEBUILDER_ASSETS" in str(err.value)
    assert binaries_module.find_binaries() is None


def test_restarting_the_apiserver_keeps_its_address_and_data() -> None:
    from kubernetes import client

    with ControlPlane() as plane:
        api = plane.api_client()  # made before the restart: it must reconnect by itself
        core = client.CoreV1Api(api)
        body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="kept"), data={"a": "1"})
        core.create_namespaced_config_map("default", body)
        etcd, before = plane.pids
        server = plane.server

        plane.restart_apiserver()

        assert plane.server == server
        assert plane.pids[0] == etcd
        assert plane.pids[1] != before
        assert _wait_gone([before]) == []
        assert core.read_namespaced_config_map("kept", "default").data == {"a": "1"}
        api.close()
