"""pydantic JSON Schema -> Kubernetes structural OpenAPI v3 schema (pure)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

# Keys a structural schema may carry, besides the nested ones handled below.
_KEEP = {
    "type",
    "description",
    "default",
    "enum",
    "format",
    "pattern",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "required",
    "nullable",
}


class SchemaError(ValueError):
    """The model uses something a structural schema cannot express."""


def structural_schema(model: type[BaseModel]) -> dict[str, Any]:
    raw = model.model_json_schema(by_alias=True)
    return _convert(raw, raw.get("$defs", {}), path=model.__name__)


def _clean_text(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _convert(node: dict[str, Any], defs: dict[str, Any], path: str) -> dict[str, Any]:
    node = dict(node)
    # Optional[X] is anyOf [X, null]: the field may be left out, it is never null.
    if "anyOf" in node:
        variants = [v for v in node.pop("anyOf") if v.get("type") != "null"]
        if len(variants) != 1:
            raise SchemaError(f"{path}: unions other than Optional[X] are not structural")
        node = {**variants[0], **node}
    if "$ref" in node:
        target = defs[node.pop("$ref").split("/")[-1]]
        node = {**target, **node}  # the field's own description and default win
    if node.get("default", ...) is None:
        del node["default"]
    if "const" in node:
        node["enum"] = [node.pop("const")]

    out: dict[str, Any] = {
        k: v for k, v in node.items() if k in _KEEP or k.startswith("x-kubernetes-")
    }
    if "description" in out:
        out["description"] = _clean_text(out["description"])
    if "type" not in out:
        raise SchemaError(f"{path}: every node of a structural schema needs a type")
    if out["type"] == "object":
        props = node.get("properties")
        if props:
            out["properties"] = {k: _convert(v, defs, f"{path}.{k}") for k, v in props.items()}
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            if props:
                raise SchemaError(f"{path}: properties and additionalProperties together")
            out["additionalProperties"] = _convert(extra, defs, f"{path}.*")
    if out["type"] == "array":
        out["items"] = _convert(node["items"], defs, f"{path}[]")
    return out


def walk(schema: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every (path, node) of a structural schema, depth first, for docs and checks."""
    found: list[tuple[str, dict[str, Any]]] = []
    for name, prop in schema.get("properties", {}).items():
        here = f"{path}.{name}" if path else name
        found.append((here, prop))
        found.extend(walk(prop, here))
        if prop.get("type") == "array" and prop["items"].get("type") == "object":
            found.extend(walk(prop["items"], f"{here}[]"))
    return found
