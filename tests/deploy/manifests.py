"""Helpers for the deployment tests: render kustomizations, find objects, run the Argo CD
health check in a real Lua runtime."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "base"
IRSA = ROOT / "deploy" / "overlays" / "irsa"
SINGLE_TENANT = ROOT / "deploy" / "overlays" / "single-tenant"
ARGOCD = ROOT / "deploy" / "argocd"
HEALTH_LUA = ARGOCD / "health.lua"
POLICY = ROOT / "deploy" / "iam" / "kopilot-policy.json"

SYSTEM_NAMESPACE = "kopilot-system"
SERVICE_ACCOUNT = "kopilot"
KINDS = ("EcsApp", "EcsEnvironment", "EcsService")


def kustomize(path: Path) -> list[dict[str, Any]]:
    """`kubectl kustomize PATH` (offline), parsed."""
    result = subprocess.run(
        ["kubectl", "kustomize", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"kubectl kustomize {path} failed:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def one(docs: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [
        d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)
    ]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def _to_lua(runtime: Any, value: Any) -> Any:
    """A JSON value as Argo CD hands it to Lua: objects and arrays become tables (arrays
    indexed from 1), null is absent."""
    if isinstance(value, dict):
        table = runtime.table()
        for key, item in value.items():
            if item is not None:
                table[key] = _to_lua(runtime, item)
        return table
    if isinstance(value, list):
        table = runtime.table()
        for index, item in enumerate(value, start=1):
            if item is not None:
                table[index] = _to_lua(runtime, item)
        return table
    return value


def argocd_health(obj: dict[str, Any], script: str | None = None) -> dict[str, str]:
    """Run the health check the way Argo CD does: Lua 5.1 (Argo CD embeds gopher-lua, a
    Lua 5.1), no io/os/package, the object bound to the global `obj`, the chunk returning
    a table with `status` and `message`."""
    from lupa import lua51

    runtime = lua51.LuaRuntime(register_eval=False, register_builtins=False)
    env = runtime.globals()
    for name in ("io", "os", "package", "require", "dofile", "loadfile", "load", "debug"):
        env[name] = None
    env["obj"] = _to_lua(runtime, obj)
    hs = runtime.execute(script if script is not None else HEALTH_LUA.read_text())
    assert hs is not None, "the script returned nothing"
    status, message = hs["status"], hs["message"]
    assert status in ("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown")
    assert isinstance(message, str)
    return {"status": status, "message": message}
