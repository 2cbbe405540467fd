"""A client for the emulator's control API (see middleware.py), over plain HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from typing import Any

from .faults import FaultRule
from .middleware import CONTROL_PREFIX


class EmulatorControl:
    def __init__(self, endpoint: str, timeout: float = 10.0) -> None:
        self.endpoint = endpoint.rstrip("/")
        self._timeout = timeout

    def health(self) -> dict[str, Any]:
        health: dict[str, Any] = self._call("GET", "/health")
        return health

    def reset(self) -> None:
        """No AWS resources and no counts; faults and settings as the emulator started."""
        self._call("POST", "/reset")

    def counters(self) -> dict[str, int]:
        """Calls per operation since the last reset: {"ecs:CreateService": 3, ...}."""
        counters: dict[str, int] = self._call("GET", "/counters")
        return counters

    def reset_counters(self) -> None:
        self._call("DELETE", "/counters")

    def faults(self) -> dict[str, Any]:
        """The rules (with how often each fired), the token-bucket switch, and the tally of
        injected errors per operation."""
        state: dict[str, Any] = self._call("GET", "/faults")
        return state

    def set_faults(
        self,
        rules: Iterable[FaultRule | Mapping[str, Any]] = (),
        *,
        token_buckets: bool = False,
        seed: int | None = None,
    ) -> dict[str, Any]:
        """Replace all fault rules (and the token-bucket switch)."""
        body = {
            "rules": [r.as_dict() if isinstance(r, FaultRule) else dict(r) for r in rules],
            "token_buckets": token_buckets,
            "seed": seed,
        }
        state: dict[str, Any] = self._call("PUT", "/faults", body)
        return state

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def settings(self, **changes: Any) -> dict[str, Any]:
        """The settings in force, after applying `changes` if any are given."""
        current: dict[str, Any] = (
            self._call("PATCH", "/settings", changes) if changes else self._call("GET", "/settings")
        )
        return current

    def _call(self, method: str, route: str, body: Mapping[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.endpoint}{CONTROL_PREFIX}{route}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            detail = err.read().decode(errors="replace")
            raise ValueError(f"{method} {route}: HTTP {err.code}: {detail}") from err
