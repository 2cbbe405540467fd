"""`kopilot run --selector`: which objects this operator (one shard of several) serves.

The selector is a Kubernetes equality-based label selector (`team=a`, `tier!=batch`, `shard`,
`!legacy`, joined by commas), given to kopf as its label filters and to the apiserver as
`labelSelector` where the operator lists objects to resync. Set-based selectors (`in`,
`notin`) are refused: kopf's filters cannot express them."""

from __future__ import annotations

import re
from typing import Any

import kopf

_KEY = r"([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?"
_VALUE = r"([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?"
_TERM = re.compile(rf"^(?P<neg>!)?(?P<key>{_KEY})((?P<op>==|=|!=)(?P<value>{_VALUE}))?$")


class SelectorError(ValueError):
    pass


def parse(selector: str) -> list[tuple[str, str, str | None]]:
    """[(key, op, value)]: op is "=", "!=", "exists" or "absent"."""
    terms: list[tuple[str, str, str | None]] = []
    for raw in selector.split(","):
        term = raw.strip()
        match = _TERM.match(term)
        if not term or match is None:
            raise SelectorError(
                f"{term!r} is not an equality-based label selector term (key=value, "
                "key!=value, key or !key)"
            )
        key, op, value = match.group("key"), match.group("op"), match.group("value")
        if match.group("neg"):
            if op:
                raise SelectorError(f"{term!r}: ! takes a key alone")
            terms.append((key, "absent", None))
        elif op:
            terms.append((key, "!=" if op == "!=" else "=", value or ""))
        else:
            terms.append((key, "exists", None))
    return terms


def kopf_labels(selector: str | None) -> dict[str, Any] | None:
    """The selector as kopf's `labels=` filter (None: every object)."""
    if not selector:
        return None
    labels: dict[str, Any] = {}
    for key, op, value in parse(selector):
        if op == "=":
            labels[key] = value
        elif op == "exists":
            labels[key] = kopf.PRESENT
        elif op == "absent":
            labels[key] = kopf.ABSENT
        else:
            labels[key] = _not_equal(value or "")
    return labels


def _not_equal(unwanted: str) -> Any:
    def check(value: str | None, **_: Any) -> bool:
        return value != unwanted

    return check
