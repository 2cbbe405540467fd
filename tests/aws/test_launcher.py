"""The emulator as a process: launch options, the module entry point, clean stops."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from controller.sandbox.aws import AwsEmulator, EmulatorControl, EmulatorSettings, FaultRule

pytestmark = pytest.mark.aws

ROOT = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    """Running, and not a zombie waiting for a parent to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_launch_options_are_the_state_a_reset_returns_to() -> None:
    launch = EmulatorSettings(rollout_seconds=0.25, drain_seconds=0, operation_seconds=0)
    latency = FaultRule("latency", "ecs:ListClusters", latency_seconds=0.01)
    emulator = AwsEmulator(launch, token_buckets=True, faults=[latency])
    with emulator:
        pid = emulator.pid
        assert pid is not None
        assert _alive(pid)
        control = emulator.control
        control.settings(rollout_seconds=5)
        control.set_faults([])
        control.reset()
        assert control.settings() == launch.as_dict()
        faults = control.faults()
        assert faults["token_buckets"] is True
        assert [rule["fault"] for rule in faults["rules"]] == ["latency"]

        env = emulator.env()
        ecs = boto3.client(
            "ecs",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name=env["AWS_DEFAULT_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
        assert ecs.list_clusters()["clusterArns"] == []
        assert control.faults()["rules"][0]["fired"] == 1
        workdir = emulator.workdir
    assert not _alive(pid)
    assert emulator.pid is None
    assert not workdir.exists()


def test_the_module_prints_its_endpoint_and_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "controller.sandbox.aws", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("AWS emulator ready at http://127.0.0.1:")
        endpoint = first.split()[4]
        assert EmulatorControl(endpoint).health()["ok"] is True
        assert f"export AWS_ENDPOINT_URL={endpoint}" in proc.stdout.readline()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_bad_launch_options_are_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "controller.sandbox.aws", "--faults", '[{"fault": "explode"}]'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "fault must be one of" in result.stderr


PARENT = """
import time
from controller.sandbox.aws import AwsEmulator
emulator = AwsEmulator().start()
print(emulator.pid, emulator.workdir, flush=True)
time.sleep(120)
"""


def test_the_emulator_dies_with_the_process_that_started_it() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    workdir = ""
    try:
        assert parent.stdout is not None
        pid_text, workdir = parent.stdout.readline().split()
        child = int(pid_text)
        assert _alive(child)
        parent.kill()  # SIGKILL: no atexit, no cleanup; the kernel must end the child
        parent.wait()
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)
