"""Install the CRDs and apply kopilot manifests with the Kubernetes client (no kubectl)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from ..api import GROUP, KINDS, VERSION, crd
from ..api.crd import ALL_KINDS

PLURALS = {kind.kind: kind.plural for kind in KINDS}


class ManifestError(ValueError):
    """A manifest the sandbox cannot apply; the message says which and why."""


def install_crds(api: Any, timeout: float = 30.0) -> None:
    extensions: Any = client.ApiextensionsV1Api(api)  # dict bodies: typed loosely
    for kind in ALL_KINDS:
        body = crd(kind)
        try:
            extensions.create_custom_resource_definition(body)
        except ApiException as err:
            if err.status != 409:
                raise
            current = extensions.read_custom_resource_definition(body["metadata"]["name"])
            body["metadata"]["resourceVersion"] = current.metadata.resource_version
            extensions.replace_custom_resource_definition(body["metadata"]["name"], body)
    deadline = time.monotonic() + timeout
    for kind in ALL_KINDS:
        while True:
            found = extensions.read_custom_resource_definition(kind.crd_name)
            conditions = {c.type: c.status for c in (found.status.conditions or [])}
            if conditions.get("Established") == "True":
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"CRD {kind.crd_name} not Established after {timeout}s")
            time.sleep(0.1)


def load(paths: list[Path]) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    for path in paths:
        try:
            docs = list(yaml.safe_load_all(path.read_text()))
        except (OSError, yaml.YAMLError) as err:
            raise ManifestError(f"{path}: {err}") from err
        for index, doc in enumerate(d for d in docs if d):
            kind = doc.get("kind")
            if kind != "Namespace" and kind not in PLURALS:
                raise ManifestError(
                    f"{path} document {index + 1}: kind {kind!r} is not a kopilot kind "
                    f"({', '.join(PLURALS)}) or a Namespace; the sandbox applies only those"
                )
            if doc.get("apiVersion") not in (f"{GROUP}/{VERSION}", "v1"):
                raise ManifestError(
                    f"{path} document {index + 1}: apiVersion must be {GROUP}/{VERSION}"
                )
            documents.append(doc)
    return documents


def apply(
    api: Any, documents: list[dict[str, Any]], default_namespace: str = "default"
) -> list[tuple[str, str, str]]:
    """Create or update each document; returns (kind, namespace, name) of the kopilot ones."""
    core: Any = client.CoreV1Api(api)
    custom: Any = client.CustomObjectsApi(api)
    applied: list[tuple[str, str, str]] = []
    for doc in documents:
        if doc["kind"] == "Namespace":
            _create_namespace(core, doc["metadata"]["name"])
            continue
        namespace = doc["metadata"].get("namespace") or default_namespace
        _create_namespace(core, namespace)
        plural, name = PLURALS[doc["kind"]], doc["metadata"]["name"]
        try:
            custom.create_namespaced_custom_object(GROUP, VERSION, namespace, plural, doc)
        except ApiException as err:
            if err.status == 409:
                custom.patch_namespaced_custom_object(
                    GROUP, VERSION, namespace, plural, name, {"spec": doc.get("spec", {})}
                )
            elif err.status == 422:
                raise ManifestError(
                    f"{doc['kind']} {namespace}/{name} refused: {_message(err)}"
                ) from err
            else:
                raise
        applied.append((doc["kind"], namespace, name))
    return applied


def _create_namespace(core: Any, name: str) -> None:
    try:
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    except ApiException as err:
        if err.status != 409:
            raise


def _message(err: ApiException) -> str:
    import json

    try:
        return str(json.loads(err.body or "")["message"])
    except (ValueError, KeyError, TypeError):
        return str(err)
