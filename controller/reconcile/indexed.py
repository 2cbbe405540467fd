"""EcsApps and EcsEnvironments as kopf's watch last saw them, for passes to start from.

Every pass of a service needs its app (the tenancy check, the AWS names) and its
environment (cluster, namespace, network); every pass of an environment, its app. Read
with a GET each, that is two apiserver reads per service per pass, 1,000 for a wave of
500 services, of a handful of objects the operator watches anyway. kopf keeps an index of
them from its watch streams (as controller-runtime's cached client reads from informers),
filled before any handler runs. A pass starts from it: an environment only when it is
Ready (one not Ready yet is read fresh, so a pass woken by its readiness does not wait on
a view a few milliseconds old); anything not in the index is read as before.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from .conditions import environment_ready
from .engine import Known

Body = dict[str, Any]
Key = tuple[str, str]  # (namespace, name)
Index = Mapping[Key, Iterable[Body]]  # kopf.Index: key -> kopf.Store of values

APPS = "kopilot_apps"  # the index handlers' ids, and the handler kwargs they arrive as
ENVIRONMENTS = "kopilot_environments"


def entry(namespace: str, name: str, body: Mapping[str, Any]) -> dict[Key, Body]:
    """What an index keeps of one object: a copy (kopf's body is replaced at each event)."""
    kept = {k: copy.deepcopy(body[k]) for k in ("metadata", "spec", "status") if k in body}
    return {(namespace, name): kept}


def _one(index: Index | None, key: Key) -> Body | None:
    if index is None or key not in index:
        return None
    return next(iter(index[key]), None)


def known_from(kind: str, body: Mapping[str, Any], indices: Mapping[str, Any]) -> Known | None:
    """What a pass of `body` may start from instead of reading; None: nothing."""
    if kind not in ("EcsService", "EcsEnvironment"):
        return None
    namespace = body["metadata"]["namespace"]
    spec = body.get("spec") or {}
    app = _one(indices.get(APPS), (namespace, str(spec.get("app", ""))))
    environment = None
    if kind == "EcsService":
        found = _one(indices.get(ENVIRONMENTS), (namespace, str(spec.get("environment", ""))))
        environment = found if found is not None and environment_ready(found) else None
    if app is None and environment is None:
        return None
    return Known(app=app, environment=environment)
