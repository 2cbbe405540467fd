"""Tenancy: which namespace may make the operator do what in AWS (TenantPolicy objects).

`Tenancy.check` runs in the engine before a pass makes any AWS call. In `single` mode (one
team, or a cluster where everyone who may create kopilot objects is trusted) it allows all,
as kopilot did before tenancy existed; in `policies` mode, the default of the shipped
manifests, an object is refused (Ready=False, NotPermitted) unless a TenantPolicy selecting
its namespace allows all that its spec asks: nothing is assumed, passed, adopted or deleted.
Policies are listed again at most every POLICIES_TTL_SECONDS when a check needs them, so a
change applies within seconds without a restart; a refused object is looked at again every
RETRY_SECONDS."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

import pydantic

from ..api.app import EcsAppSpec, app_name
from ..api.environment import EcsEnvironmentSpec
from ..api.service import EcsServiceSpec
from ..api.tenancy import TenantPolicySpec
from .asks import app_asks, environment_asks, service_asks
from .policy import Asks, Policy, refusal

Mode = Literal["single", "policies"]
MODES: tuple[Mode, ...] = ("single", "policies")
RETRY_SECONDS = 10.0
POLICIES_TTL_SECONDS = 5.0
LABELS_TTL_SECONDS = 30.0


class NotPermitted(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


Body = dict[str, Any]
# (namespace) -> its labels, None when it does not exist
LabelsOf = Callable[[str], Mapping[str, str] | None]
ListPolicies = Callable[[], list[Body]]
log = logging.getLogger("kopilot.tenancy")


class Tenancy:
    def __init__(
        self,
        mode: Mode,
        list_policies: ListPolicies | None = None,
        labels_of: LabelsOf | None = None,
    ) -> None:
        self.mode = mode
        self._list_policies = list_policies
        self._labels_of = labels_of
        self._policies: list[Policy] = []
        self._listed_at: float | None = None
        self._labels: dict[str, tuple[float, Mapping[str, str] | None]] = {}
        self._lock = threading.Lock()

    def policies(self) -> list[Policy]:
        """The TenantPolicies, listed again when the last listing is older than the TTL."""
        now = time.monotonic()
        with self._lock:
            if self._listed_at is not None and now - self._listed_at < POLICIES_TTL_SECONDS:
                return self._policies
        listed = parse_policies(self._list_policies() if self._list_policies else [])
        with self._lock:
            self._policies, self._listed_at = listed, now
        return listed

    # -- the check -----------------------------------------------------------------------------

    def check(self, kind: str, namespace: str, name: str, spec: Any, app: Body | None) -> None:
        """Raise NotPermitted unless the namespace's policies allow what `spec` asks.
        `app`: the EcsApp an environment or service belongs to (None: not found yet)."""
        if self.mode == "single":
            return
        asks = _asks(kind, name, spec, app)
        found = refusal(self.policies(), namespace, self._labels_for(namespace), asks)
        if found is not None:
            raise NotPermitted(found)

    def _labels_for(self, namespace: str) -> Mapping[str, str] | None:
        if self._labels_of is None:
            return None
        now = time.monotonic()
        with self._lock:
            cached = self._labels.get(namespace)
        if cached is not None and now - cached[0] < LABELS_TTL_SECONDS:
            return cached[1]
        labels = self._labels_of(namespace)
        with self._lock:
            self._labels[namespace] = (now, labels)
        return labels


def parse_policies(bodies: list[Body]) -> list[Policy]:
    """Valid policies; one the schema let through but the model refuses is left out, loudly
    (it then allows nothing, rather than something it did not mean)."""
    found = []
    for body in bodies:
        name = str(body["metadata"]["name"])
        try:
            found.append(Policy(name, TenantPolicySpec.model_validate(body.get("spec") or {})))
        except pydantic.ValidationError as err:
            log.warning("TenantPolicy %s is ignored: %s", name, err)
    return found


def _asks(kind: str, name: str, spec: Any, app: Body | None) -> Asks:
    app_aws_name = (
        app_name(EcsAppSpec.model_validate(app.get("spec") or {}), app["metadata"])
        if app is not None
        else None
    )
    if isinstance(spec, EcsAppSpec):
        return app_asks(spec, {"name": name})
    if isinstance(spec, EcsEnvironmentSpec):
        return environment_asks(spec, name, app_aws_name)
    if isinstance(spec, EcsServiceSpec):
        return service_asks(spec, name, app_aws_name)
    raise TypeError(f"no tenancy rules for {kind}")


__all__ = ["MODES", "RETRY_SECONDS", "Mode", "NotPermitted", "Tenancy", "parse_policies"]
