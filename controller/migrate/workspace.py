"""Reading a Copilot workspace: `copilot/.workspace`, the service, job and pipeline
manifests and the environment manifests (pure parsing, no AWS)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .copilot import ManifestYAMLError, load_yaml

LOAD_BALANCED_WEB_SERVICE = "Load Balanced Web Service"
BACKEND_SERVICE = "Backend Service"
WORKER_SERVICE = "Worker Service"
# The workload types kopilot maps to an EcsService.
SERVICE_TYPES = (LOAD_BALANCED_WEB_SERVICE, BACKEND_SERVICE, WORKER_SERVICE)
# Copilot's other workload types: read, reported as not mapped.
OTHER_TYPES = ("Request-Driven Web Service", "Scheduled Job", "Static Site")
ENVIRONMENT_TYPE = "Environment"
PIPELINE_TYPE = "Pipeline"

MANIFEST = "manifest.yml"


class WorkspaceError(Exception):
    """The input is not a Copilot workspace the importer can read (exit code 2)."""


@dataclass(frozen=True)
class Manifest:
    """One manifest file: its name, type, path relative to the workspace root (as the
    report shows it) and content (every scalar as its text)."""

    name: str
    type: str
    file: str
    doc: dict[str, Any]


@dataclass(frozen=True)
class Workspace:
    root: Path  # the directory that holds copilot/
    app: str
    services: tuple[Manifest, ...]  # SERVICE_TYPES, by name
    environments: tuple[Manifest, ...]  # by name
    others: tuple[Manifest, ...]  # OTHER_TYPES and pipelines
    # Files and folders Copilot deploys beside the manifests (addons, overrides, legacy
    # pipeline files), relative to the root.
    extras: tuple[str, ...]


def find_root(path: Path) -> Path:
    """The directory holding copilot/.workspace: `path` itself, or its parent when `path`
    is the copilot/ folder."""
    if (path / "copilot" / ".workspace").is_file():
        return path
    if path.name == "copilot" and (path / ".workspace").is_file():
        return path.parent
    raise WorkspaceError(
        f"no Copilot workspace at {path}: expected {path / 'copilot' / '.workspace'} "
        "(give the directory that holds copilot/, as `copilot` itself finds it)"
    )


def read_workspace(path: Path) -> Workspace:
    root = find_root(path)
    copilot = root / "copilot"
    app = _read_app(copilot / ".workspace", root)
    services: list[Manifest] = []
    environments: list[Manifest] = []
    others: list[Manifest] = []
    extras: list[str] = []
    for entry in sorted(copilot.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file():
            if entry.name in ("pipeline.yml", "buildspec.yml"):
                extras.append(_relative(entry, root))
            continue
        if entry.name == "environments":
            for env_dir in sorted(p for p in entry.iterdir() if p.is_dir()):
                if env_dir.name == "addons":
                    extras.append(_relative(env_dir, root) + "/")
                elif (env_dir / MANIFEST).is_file():
                    environments.append(_read_manifest(env_dir, root, (ENVIRONMENT_TYPE,)))
            continue
        if entry.name == "pipelines":
            for pipeline_dir in sorted(p for p in entry.iterdir() if p.is_dir()):
                if (pipeline_dir / MANIFEST).is_file():
                    others.append(_read_manifest(pipeline_dir, root, (PIPELINE_TYPE,)))
            continue
        if not (entry / MANIFEST).is_file():
            continue
        manifest = _read_manifest(entry, root, SERVICE_TYPES + OTHER_TYPES)
        (services if manifest.type in SERVICE_TYPES else others).append(manifest)
        extras.extend(
            _relative(entry / sub, root) + "/"
            for sub in ("addons", "overrides")
            if (entry / sub).is_dir()
        )
    _unique(services, "service")
    _unique(environments, "environment")
    return Workspace(
        root=root,
        app=app,
        services=tuple(sorted(services, key=lambda m: m.name)),
        environments=tuple(sorted(environments, key=lambda m: m.name)),
        others=tuple(others),
        extras=tuple(extras),
    )


def _read_app(path: Path, root: Path) -> str:
    doc = _load(path, root)
    app = doc.get("application") if isinstance(doc, dict) else None
    if not isinstance(app, str) or not app:
        raise WorkspaceError(f"{_relative(path, root)}: no `application: <name>` in it")
    return app


def _read_manifest(directory: Path, root: Path, types: tuple[str, ...]) -> Manifest:
    path = directory / MANIFEST
    file = _relative(path, root)
    doc = _load(path, root)
    if not isinstance(doc, dict):
        raise WorkspaceError(f"{file}: a manifest is a YAML map (name, type, ...)")
    kind = doc.get("type")
    if kind not in types:
        expected = " or ".join(f"'{t}'" for t in types)
        if types == SERVICE_TYPES + OTHER_TYPES:
            expected = (
                "one of "
                + ", ".join(f"'{t}'" for t in SERVICE_TYPES)
                + " (mapped) or "
                + ", ".join(f"'{t}'" for t in OTHER_TYPES)
                + " (reported as not mapped)"
            )
        raise WorkspaceError(f"{file}: unknown type {kind!r}: expected {expected}")
    name = doc.get("name")
    if name is None:
        name = directory.name
    if not isinstance(name, str) or not name:
        raise WorkspaceError(f"{file}: name must be a string")
    return Manifest(name=name, type=str(kind), file=file, doc=doc)


def _load(path: Path, root: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise WorkspaceError(f"{_relative(path, root)}: cannot read it: {err}") from err
    try:
        return load_yaml(text)
    except ManifestYAMLError as err:
        raise WorkspaceError(f"{_relative(path, root)}: not valid YAML: {err}") from err


def _unique(manifests: list[Manifest], what: str) -> None:
    seen: dict[str, str] = {}
    for manifest in manifests:
        if manifest.name in seen:
            raise WorkspaceError(
                f"{manifest.file}: {what} {manifest.name!r} is also named in {seen[manifest.name]}"
            )
        seen[manifest.name] = manifest.file


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()
