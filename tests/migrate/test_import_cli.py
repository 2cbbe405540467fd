"""`kopilot import` as a person runs it: help, exit codes, what it writes and prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from controller.cli import main

KUDOS = Path(__file__).resolve().parent / "workspaces" / "kudos"


def test_help_explains_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "controller", "import", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for words in (
        "WORKSPACE_DIR",
        "--out DIR",
        "--region",
        "--legacy-namespace",
        "--strict",
        "--from-aws",
        "--role-arn ARN",
        "exit codes",
        "overlays/<env>/",
        "example:",
        "kubectl apply -k kudos-deploy/overlays/test",
    ):
        assert words in result.stdout, words


def test_import_writes_the_layout_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["import", str(KUDOS), "--out", str(out), "--region", "us-east-1"]) == 0
    report = capsys.readouterr().out
    assert report.startswith("kopilot import: app kudos, 2 environment(s), 3 service(s)")
    assert "Not mapped (8):\n| file | field | why |" in report
    assert "| copilot/front-end/manifest.yml | `image.build` |" in report
    assert (out / "README.md").is_file()
    env = yaml.safe_load((out / "overlays" / "prod" / "environment.yaml").read_text())
    assert env["spec"]["region"] == "us-east-1"


def test_strict_exits_1_after_writing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(
        ["import", str(KUDOS / "copilot"), "--out", str(out), "--strict", "--region", "us-east-1"]
    )
    assert code == 1
    assert "--strict: 8 manifest field(s) are not mapped" in capsys.readouterr().err
    assert (out / "overlays" / "test" / "kustomization.yaml").is_file()


def test_region_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert main(["import", str(KUDOS), "--out", str(tmp_path / "a")]) == 0
    env = yaml.safe_load((tmp_path / "a" / "overlays" / "test" / "environment.yaml").read_text())
    assert env["spec"]["region"] == "eu-west-1"
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert main(["import", str(KUDOS), "--out", str(tmp_path / "b")]) == 2
    assert "give --region" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{missing}"], "no Copilot workspace at"),
        (["{kudos}", "--legacy-namespace", "test,staging"], "--legacy-namespace names staging"),
        (["{kudos}", "--region", "Mars"], "--region 'Mars' is not an AWS Region"),
        (["{kudos}", "--out", "{kudos}"], "exists and is not an empty directory"),
    ],
)
def test_unusable_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    values = {"missing": str(tmp_path / "nowhere"), "kudos": str(KUDOS)}
    argv = ["import", *(a.format(**values) for a in args)]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "out")]
    if "--region" not in argv:
        argv += ["--region", "us-east-1"]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
