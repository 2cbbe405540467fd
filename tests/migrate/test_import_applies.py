"""What `kopilot import` writes applies to a real kube-apiserver, CEL rules included, and
reads back as written: each overlay as `kubectl apply -k` (and Argo CD) would apply it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml

from controller.api import EcsAppSpec, EcsEnvironmentSpec, EcsServiceSpec
from controller.cli import main
from tests.conftest import Kubectl

pytestmark = pytest.mark.controlplane

KUDOS = Path(__file__).resolve().parent / "workspaces" / "kudos"
MODELS: dict[str, type[pydantic.BaseModel]] = {
    "EcsApp": EcsAppSpec,
    "EcsEnvironment": EcsEnvironmentSpec,
    "EcsService": EcsServiceSpec,
}
ENVS = ("prod", "test")


@pytest.fixture
def imported(tmp_path: Path, kubectl: Kubectl) -> Iterator[Path]:
    out = tmp_path / "kudos-deploy"
    assert main(["import", str(KUDOS), "--out", str(out), "--region", "us-east-1"]) == 0
    yield out
    for env in ENVS:
        kubectl("delete", "namespace", f"kudos-{env}", "--wait=false")


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7386, as the importer means its patch files."""
    out = dict(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict):
            out[key] = merge(out.get(key) if isinstance(out.get(key), dict) else {}, value)
        else:
            out[key] = value
    return out


def contains(stored: Any, written: Any) -> bool:
    """Every field written reads back with the value written (the apiserver adds defaults)."""
    if isinstance(written, dict):
        return isinstance(stored, dict) and all(
            k in stored and contains(stored[k], v) for k, v in written.items()
        )
    if isinstance(written, list):  # a list of objects (sidecars) gets defaults in each
        return (
            isinstance(stored, list)
            and len(stored) == len(written)
            and all(contains(s, w) for s, w in zip(stored, written, strict=True))
        )
    return bool(stored == written)


def test_every_overlay_applies_and_reads_back(
    kopilot_crds: list[str], kubectl: Kubectl, imported: Path
) -> None:
    base = {
        path.stem: yaml.safe_load(path.read_text())
        for path in (imported / "base" / "services").glob("*.yaml")
    }
    for env in ENVS:
        overlay = imported / "overlays" / env
        namespace = f"kudos-{env}"
        rendered = list(yaml.safe_load_all(kubectl("kustomize", str(overlay), check=True).stdout))
        kinds = sorted((d["kind"], d["metadata"]["name"]) for d in rendered)
        assert kinds == [
            ("EcsApp", "kudos"),
            ("EcsEnvironment", env),
            ("EcsService", "api"),
            ("EcsService", "front-end"),
            ("EcsService", "worker"),
            ("Namespace", namespace),
        ]
        # kustomize applies each patch file as the merge patch the importer wrote.
        for doc in rendered:
            if doc["kind"] == "EcsService":
                name = doc["metadata"]["name"]
                patch = yaml.safe_load((overlay / "services" / f"{name}.yaml").read_text())
                assert doc["spec"] == merge(base[name]["spec"], patch["spec"]), name
                assert doc["metadata"]["namespace"] == namespace
        # A real apply (a server-side dry run cannot create the namespace its objects need):
        # the apiserver checks every object against the CRD schema and its CEL rules.
        result = kubectl("apply", "-k", str(overlay), check=True)
        assert f"namespace/{namespace} created" in result.stdout
        for doc in rendered:
            kind, name = doc["kind"], doc["metadata"]["name"]
            if kind == "Namespace":
                continue
            stored = yaml.safe_load(
                kubectl("get", kind.lower(), name, "-n", namespace, "-o", "yaml", check=True).stdout
            )
            assert contains(stored["spec"], doc["spec"]), (env, kind, name)
            model = MODELS[kind]
            assert model.model_validate(stored["spec"]) == model.model_validate(doc["spec"])
    stored_api = yaml.safe_load(
        kubectl("get", "ecssvc", "api", "-n", "kudos-prod", "-o", "yaml", check=True).stdout
    )
    assert stored_api["spec"]["environment"] == "prod"
    assert stored_api["spec"]["variables"] == {
        "LOG_LEVEL": "warn",
        "DB_NAME": "kudos",
        "BUILD": "007",
    }
    assert stored_api["spec"]["network"]["connect"]["alias"] == (
        "${COPILOT_SERVICE_NAME}.${COPILOT_ENVIRONMENT_NAME}.${COPILOT_APPLICATION_NAME}.local"
    )
    front = yaml.safe_load(
        kubectl("get", "ecssvc", "front-end", "-n", "kudos-prod", "-o", "yaml", check=True).stdout
    )
    # `rolling: default` in prod removed the top level's recreate: the CRD's defaults apply.
    assert front["spec"]["deployment"] == {
        "rollback": True,
        "minHealthyPercent": 100,
        "maxPercent": 200,
    }
    assert front["spec"]["command"] == ["nginx", "-g", "daemon off;", "-e", "stderr"]
    # Copilot's http: the base's routing with prod's alias and health check merged in.
    assert front["spec"]["http"]["alias"] == ["kudos.example.com"]
    assert front["spec"]["http"]["healthCheck"] == {
        "path": "/healthz",
        "successCodes": "200",
        "healthyThreshold": 3,
        "unhealthyThreshold": 2,
        "interval": 15,
        "timeout": 10,
        "gracePeriod": 120,
    }
    assert (front["spec"]["http"]["deregistrationDelay"], front["spec"]["http"]["stickiness"]) == (
        30,
        True,
    )
    # Each environment has the public load balancer front-end routes from.
    for env in ENVS:
        stored_env = yaml.safe_load(
            kubectl("get", "ecsenv", env, "-n", f"kudos-{env}", "-o", "yaml", check=True).stdout
        )
        assert "public" in stored_env["spec"]["http"], env
