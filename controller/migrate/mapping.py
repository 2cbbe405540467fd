"""What mapping one Copilot manifest gives, and the check against kopilot's models (pure).

`services.map_service` and `environments.map_environment` take a manifest as Copilot would
deploy it to one environment (plan.py merges `environments.<env>` in first) and return a
`Mapping`: the spec, the Copilot fields mapped and an `Unmapped(file, field, why)` for every
field not mapped. `validate` checks the spec with kopilot's own models before it is
returned: a value the API refuses is reported with the API's message and left out (or the
top level's value kept), so what is written always applies.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from ..api import EcsServiceSpec

KPath = tuple[str, ...]

LATER = "a later kopilot version maps this"


@dataclass(frozen=True, order=True)
class Unmapped:
    """A manifest field kopilot does not take: where, and why (with what to do)."""

    file: str
    field: str
    why: str


@dataclass
class Mapping:
    spec: dict[str, Any]
    mapped: list[str] = field(default_factory=list)  # Copilot field paths
    unmapped: list[Unmapped] = field(default_factory=list)
    origins: dict[KPath, str] = field(default_factory=dict)  # kopilot path -> Copilot field
    notes: list[str] = field(default_factory=list)  # choices the reader should know of
    # What an environment's load balancer gets when a service needs one the manifest does
    # not configure: kind -> its spec (the public one's subnets).
    implied: dict[str, dict[str, Any]] = field(default_factory=dict)


class Builder:
    """Collects a Mapping while a manifest is read."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.result = Mapping(spec={})

    def put(self, kpath: KPath, value: Any, source: str) -> None:
        node = self.result.spec
        for key in kpath[:-1]:
            node = node.setdefault(key, {})
        node[kpath[-1]] = value
        self.result.origins[kpath] = source
        self.done(source)

    def done(self, source: str) -> None:
        if source not in self.result.mapped:
            self.result.mapped.append(source)

    def skip(self, source: str, why: str) -> None:
        self.result.unmapped.append(Unmapped(self.file, source, why))

    def invalid(self, source: str, err: Exception) -> None:
        self.skip(source, f"{err} (Copilot refuses it too): fix the manifest")

    def unknown(self, source: str, where: str) -> None:
        self.skip(
            source,
            f"not a field of Copilot's {where} (Copilot ignores it): check it against "
            "Copilot's manifest reference",
        )


# -- checking with kopilot's models --------------------------------------------------------

_FARGATE_PAIR = (("cpu",), ("memory",))
# Maps whose presence means something even when empty (a service's routing, an
# environment's load balancer): left empty, not removed, when what they held is refused.
_PRESENCE = {("http",), ("http", "public"), ("http", "private")}
_RULE_PREFIX = re.compile(r"^([A-Za-z][A-Za-z.]*): (.*)$", re.DOTALL)


def validate(
    model: type[BaseModel],
    spec: dict[str, Any],
    b: Builder,
    environment: str | None,
    required: dict[str, Any],
    fallback: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The spec as the model accepts it: each value the model refuses is reported with the
    model's message and replaced by fallback's (the top level's, for an environment), or
    `required`'s placeholder, or left out."""
    spec = copy.deepcopy(spec)
    for _ in range(200):
        candidate = dict(spec, environment=environment) if environment else spec
        try:
            model.model_validate(candidate)
            return spec
        except ValidationError as err:
            blamed = [hit for e in err.errors() for hit in _blame(model, spec, e)]
        progress = False
        for kpath, message in blamed:
            progress = _drop(spec, kpath, message, b, required, fallback) or progress
        if not progress:
            raise ValueError(f"kopilot import cannot make this spec valid: {spec}") from None
    raise ValueError(f"kopilot import cannot make this spec valid: {spec}")


def _blame(model: type[BaseModel], spec: dict[str, Any], error: Any) -> list[tuple[KPath, str]]:
    loc = tuple(str(x) for x in error["loc"])
    if error["type"] == "missing":
        loc = loc[:-1]  # a required field left out of a map: the map goes
    message = str(error["msg"]).removeprefix("Value error, ")
    match = _RULE_PREFIX.match(message) if error["type"] == "value_error" else None
    if match:
        loc = (*loc, *match.group(1).split("."))
        message = match.group(2)
    if loc == ("memory",) and match:
        pair = f"cpu {spec.get('cpu', 256)} with memory {spec.get('memory', 512)}: {message}"
        return [(path, pair) for path in _FARGATE_PAIR if _get(spec, path) is not None]
    if loc in (("variables",), ("secrets",)) and match and model is EcsServiceSpec:
        return _blame_entries(spec, message)
    return [(loc, message)]


def _blame_entries(spec: dict[str, Any], message: str) -> list[tuple[KPath, str]]:
    """Which entries of variables / secrets a rule on the whole map refuses: each is tried
    alone; what no entry fails alone is a name in both maps."""
    hits: list[tuple[KPath, str]] = []
    for key in ("variables", "secrets"):
        for name, value in spec.get(key, {}).items():
            probe = {"app": "a", "environment": "e", "image": "i", key: {name: value}}
            try:
                EcsServiceSpec.model_validate(probe)
            except ValidationError as err:
                first = str(err.errors()[0]["msg"]).removeprefix("Value error, ")
                match = _RULE_PREFIX.match(first)
                hits.append(((key, name), match.group(2) if match else first))
    if not hits:
        both = set(spec.get("variables", {})) & set(spec.get("secrets", {}))
        hits = [(("secrets", name), message) for name in sorted(both)]
    return hits


def _drop(
    spec: dict[str, Any],
    kpath: KPath,
    message: str,
    b: Builder,
    required: dict[str, Any],
    fallback: dict[str, Any] | None,
) -> bool:
    """Take kpath (or the mapped field it lies in) out of spec and report it."""
    origins = b.result.origins
    target = next((kpath[:n] for n in range(len(kpath), 0, -1) if kpath[:n] in origins), kpath)
    value = _get(spec, target)
    if value is None or not target:
        return False
    inside = [path for path in origins if path[: len(target)] == target]
    sources = [origins[target]] if target in origins else sorted({origins[p] for p in inside})
    if target in _FARGATE_PAIR:
        refused = message  # it names both values
    else:
        refused = f"{json.dumps(value, separators=(', ', ': '))}: {message}"
    kept = _get(fallback, target) if fallback is not None else None
    if kept is not None and kept != value:
        _set(spec, target, copy.deepcopy(kept))
        rest = f"the top level's {json.dumps(kept)} stays"
    elif len(target) == 1 and target[0] in required:
        _set(spec, target, required[target[0]])
        rest = f"spec.{target[0]} is written as {required[target[0]]}: set it"
    elif len(target) == 1:
        _pop(spec, target)
        rest = "it is left out, so kopilot's default applies"
    else:
        _pop(spec, target)
        rest = "it is left out"
        for n in range(1, len(target)):
            if target[:n] in _PRESENCE and _get(spec, target[:n]) is None:
                _set(spec, target[:n], {})  # an empty block still says something
    for source in sources or [".".join(target)]:
        b.skip(source, f"kopilot's API refuses {refused}; {rest}")
    for path in inside:
        if origins[path] in b.result.mapped:
            b.result.mapped.remove(origins[path])
        del origins[path]
    return True


def _get(spec: dict[str, Any], path: KPath) -> Any:
    node: Any = spec
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _set(spec: dict[str, Any], path: KPath, value: Any) -> None:
    node = spec
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


def _pop(spec: dict[str, Any], path: KPath) -> None:
    parents = [spec]
    for key in path[:-1]:
        parents.append(parents[-1][key])
    parents[-1].pop(path[-1], None)
    # Drop the maps this emptied (`network: {}` says nothing).
    for depth in range(len(path) - 1, 0, -1):
        if not parents[depth]:
            parents[depth - 1].pop(path[depth - 1], None)


def ordered(spec: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    first = {k: spec[k] for k in order if k in spec}
    return first | {k: v for k, v in spec.items() if k not in first}


def camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)
