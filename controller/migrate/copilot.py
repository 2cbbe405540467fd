"""How Copilot reads its manifests, so the importer reads them the same way (pure).

- YAML: Copilot decodes with gopkg.in/yaml.v3 into typed Go fields, so a plain scalar is
  taken as the text it is written with (`DEBUG: yes` is the string "yes", `VERSION: 007`
  is "007") and is turned into a number, a boolean or a duration only where the field is
  one. The loader here keeps every scalar as its text (null aside); `as_int`, `as_bool`
  and `duration_seconds` read the typed fields.
- Interpolation (internal/pkg/manifest/interpolate.go): `${COPILOT_APPLICATION_NAME}` and
  `${COPILOT_ENVIRONMENT_NAME}` are replaced in every string value, any other `${VAR}`
  comes from the deploying shell, `\\${VAR}` stands for itself, and a string that is a JSON
  array of strings becomes a list.
- Environment overrides (internal/pkg/manifest/transform.go): `environments.<env>` is
  merged into the top level: maps merge key by key, lists and scalars replace, a null
  leaves the top-level value, and a value of another shape (`count: 2` over
  `count: {range: ...}`, `connect: true` over `connect: {alias: ...}`) replaces it.
  `image.build` / `image.location` and `count.spot` / autoscaling exclude each other.
- Shell strings (`command: npm start`) split with shell rules, as Copilot's shlex does.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import yaml

_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"


class ManifestYAMLError(ValueError):
    """The text is not YAML Copilot would read."""


class _TextLoader(yaml.SafeLoader):
    """A safe loader that resolves no plain scalar but null (and `<<` merge keys)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        # yaml.v3 refuses a key given twice ("mapping key already defined"); PyYAML would
        # keep the last one without a word.
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"mapping key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag in (_NULL, _MERGE)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str) -> Any:
    """One YAML document, every scalar as its text (null as None)."""
    try:
        return yaml.load(text, Loader=_TextLoader)
    except yaml.YAMLError as err:
        raise ManifestYAMLError(str(err)) from err


class ValueKindError(ValueError):
    """A value is not of the kind its field takes."""


# yaml.v3 decodes these into a Go bool (YAML 1.2's true/false plus YAML 1.1's words).
_TRUE = {"true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON"}
_FALSE = {"false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF"}


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in _TRUE:
        return True
    if isinstance(value, str) and value in _FALSE:
        return False
    raise ValueKindError(f"{_show(value)} is not a boolean")


def is_bool(value: Any) -> bool:
    return isinstance(value, bool) or (isinstance(value, str) and value in _TRUE | _FALSE)


def as_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.replace("_", "")
        for pattern, base in (
            (r"[-+]?(0|[1-9][0-9]*)", 10),
            (r"[-+]?0x[0-9a-fA-F]+", 16),
            (r"[-+]?0o[0-7]+", 8),
        ):
            if re.fullmatch(pattern, text):
                return int(text, base)
    raise ValueKindError(f"{_show(value)} is not an integer")


_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}


def duration_seconds(value: Any) -> int:
    """A Go duration ("10s", "1m30s", "500ms") in whole seconds, truncated as Copilot
    truncates it for ECS (`int64(d.Seconds())`)."""
    return int(duration(value))


def duration(value: Any) -> float:
    """A Go duration ("10s", "1m30s", "500ms") in seconds."""
    if not isinstance(value, str):
        raise ValueKindError(f"{_show(value)} is not a duration such as 10s")
    text = value.strip()
    sign = -1.0 if text.startswith("-") else 1.0
    text = text.lstrip("+-")
    if text == "0":
        return 0.0
    total, pos = 0.0, 0
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if match is None or match.group(1) in ("", "."):
            raise ValueKindError(f"{_show(value)} is not a duration such as 10s")
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if not text:
        raise ValueKindError(f"{_show(value)} is not a duration such as 10s")
    return sign * total


def split_shell(text: str) -> list[str]:
    """`command: npm run start` -> ["npm", "run", "start"], with shell quoting rules."""
    try:
        return shlex.split(text, comments=True)
    except ValueError as err:
        raise ValueKindError(f"{_show(text)} does not split into words: {err}") from err


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else json.dumps(value, default=str)


# -- interpolation -------------------------------------------------------------------------

_VARIABLE = re.compile(r"(\\?)\$\{([_a-zA-Z][_a-zA-Z0-9]*)\}")
APP_VARIABLE = "COPILOT_APPLICATION_NAME"
ENV_VARIABLE = "COPILOT_ENVIRONMENT_NAME"


@dataclass
class Interpolated:
    """A manifest after interpolation, with what could not be interpolated from files."""

    doc: Any
    # field path -> the shell variables it uses (Copilot read them when it deployed).
    shell_variables: dict[str, list[str]] = field(default_factory=dict)


def interpolate(doc: Any, app: str, env: str | None, keep: tuple[str, ...] = ()) -> Interpolated:
    """Interpolate as Copilot does for `app` and `env`. With env None,
    `${COPILOT_ENVIRONMENT_NAME}` is left as written (it differs per environment). Values at
    the field paths in `keep` are left exactly as written."""
    result = Interpolated(doc=None)
    known = {APP_VARIABLE: app} | ({ENV_VARIABLE: env} if env is not None else {})

    def walk(node: Any, path: str) -> Any:
        if path in keep:
            return node
        if isinstance(node, dict):
            return {k: walk(v, _join(path, str(k))) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, _join(path, str(i))) for i, v in enumerate(node)]
        if not isinstance(node, str):
            return node
        text = _interpolate_text(node, known, lambda name: _note(result, path, name), env)
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        if isinstance(parsed, list) and parsed and all(isinstance(s, str) for s in parsed):
            return parsed
        return text

    result.doc = walk(doc, "")
    return result


def _note(result: Interpolated, path: str, name: str) -> None:
    names = result.shell_variables.setdefault(path, [])
    if name not in names:
        names.append(name)


def _interpolate_text(text: str, known: dict[str, str], unknown: Any, env: str | None) -> str:
    def replace(match: re.Match[str]) -> str:
        escaped, name = match.group(1), match.group(2)
        if escaped:
            return "${" + name + "}"
        if name in known:
            return known[name]
        if name == ENV_VARIABLE and env is None:
            return match.group(0)
        unknown(name)
        return match.group(0)

    return _VARIABLE.sub(replace, text)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# -- environment overrides -----------------------------------------------------------------

# Keys of `count` (a map) that turn on autoscaling; `spot` excludes them.
AUTOSCALING_KEYS = (
    "range",
    "cooldown",
    "cpu_percentage",
    "memory_percentage",
    "requests",
    "response_time",
    "queue_delay",
)


def merge_override(base: Any, override: Any, path: tuple[str, ...] = ()) -> Any:
    """Copilot's merge of `environments.<env>` (override) into the top level (base)."""
    if override is None:
        return base
    if not (isinstance(base, dict) and isinstance(override, dict)):
        return override
    merged = dict(base)
    if path == ("image",):
        if override.get("build") is not None:
            merged.pop("location", None)
        if override.get("location") is not None:
            merged.pop("build", None)
    if path == ("count",):
        if override.get("spot") is not None:
            for key in AUTOSCALING_KEYS:
                merged.pop(key, None)
        if any(override.get(key) is not None for key in AUTOSCALING_KEYS):
            merged.pop("spot", None)
    for key, value in override.items():
        if value is None and key not in base:
            continue
        merged[key] = merge_override(base.get(key), value, (*path, str(key)))
    return merged
