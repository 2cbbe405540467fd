"""The written layout: a kustomize base and one overlay per environment.

    base/kustomization.yaml
    base/app.yaml                     EcsApp <app>
    base/services/<svc>.yaml          EcsService <svc>: the manifest's top level
    overlays/<env>/kustomization.yaml namespace <app>-<env>; base + the files below
    overlays/<env>/namespace.yaml     Namespace <app>-<env>
    overlays/<env>/environment.yaml   EcsEnvironment <env>
    overlays/<env>/services/<svc>.yaml  patch: spec.environment and environments.<env>
    README.md                         how to apply it, what was not mapped

`layout_files` is pure (path -> text); `write_layout` puts them on disk.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import yaml

from ..api import API_VERSION
from .plan import Plan
from .report import readme

KUSTOMIZE_API = "kustomize.config.k8s.io/v1beta1"


class LayoutError(Exception):
    """The output directory cannot be written (exit code 2)."""


def layout_files(plan: Plan) -> dict[str, str]:
    files: dict[str, str] = {}
    services = [s.name for s in plan.services]
    from_aws = " and the names of what Copilot runs in AWS (--from-aws)" if plan.aws else ""
    files["base/kustomization.yaml"] = _dump(
        f"{plan.app}: the EcsApp and its services as the Copilot manifests' top level says.\n"
        "Not applied alone (an EcsService needs spec.environment): apply an overlay.",
        _kustomization(None, ["app.yaml", *[f"services/{s}.yaml" for s in services]], []),
    )
    files["base/app.yaml"] = _dump(
        "Imported by `kopilot import` from copilot/.workspace.",
        _object("EcsApp", plan.app, {}),
    )
    for service in plan.services:
        files[f"base/services/{service.name}.yaml"] = _dump(
            f"Imported by `kopilot import` from {service.file} ({service.type}).",
            _object("EcsService", service.name, service.base),
        )
    for env in plan.environments:
        root = f"overlays/{env.name}"
        files[f"{root}/kustomization.yaml"] = _dump(
            f"Copilot environment {env.name}: `kubectl apply -k {root}`.",
            _kustomization(
                env.namespace,
                ["../../base", "namespace.yaml", "environment.yaml"],
                [f"services/{s}.yaml" for s in services],
            ),
        )
        files[f"{root}/namespace.yaml"] = _dump(
            f"The Kubernetes namespace of Copilot environment {env.name}.",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": env.namespace}},
        )
        files[f"{root}/environment.yaml"] = _dump(
            f"Imported by `kopilot import` from {env.file}{from_aws}.",
            _object("EcsEnvironment", env.name, env.spec),
        )
        for service in plan.services:
            files[f"{root}/services/{service.name}.yaml"] = _dump(
                f"{service.name} in {env.name}: spec.environment, what environments.{env.name} "
                f"in {service.file} changes{from_aws}. A merge patch: maps merge, lists replace, "
                "null removes.",
                _object("EcsService", service.name, service.patches[env.name]),
            )
    files["README.md"] = readme(plan, sorted(files))
    return files


def write_layout(plan: Plan, out: Path) -> list[Path]:
    """Write the layout under `out`, which must be empty or not exist yet."""
    check_out(out)
    files = layout_files(plan)
    written: list[Path] = []
    for relative, text in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def check_out(out: Path) -> None:
    """`out` must be a new or empty directory (LayoutError otherwise)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise LayoutError(
            f"{out} exists and is not an empty directory: give a new one (nothing is overwritten)"
        )


def _object(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": {"name": name}, "spec": spec}


def _kustomization(
    namespace: str | None, resources: list[str], patches: list[str]
) -> dict[str, Any]:
    doc: dict[str, Any] = {"apiVersion": KUSTOMIZE_API, "kind": "Kustomization"}
    if namespace:
        doc["namespace"] = namespace
    doc["resources"] = resources
    if patches:
        doc["patches"] = [{"path": p} for p in patches]
    return doc


def _dump(header: str, doc: dict[str, Any]) -> str:
    lines = [wrapped for line in header.splitlines() for wrapped in textwrap.wrap(line, 98)]
    comment = "".join(f"# {line}\n" for line in lines)
    return comment + yaml.safe_dump(doc, sort_keys=False, width=10_000, allow_unicode=True)
