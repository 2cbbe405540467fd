"""WSGI middleware around moto: counts calls, injects faults, and serves the control API.

Control API (JSON), under CONTROL_PREFIX:
  GET    /health                   {"ok": true, "moto": "<version>"}
  POST   /reset                    moto's state and counters cleared; faults and settings
                                   back to what the emulator was started with
  GET    /counters                 {"ecs:CreateService": 3, ...} since the last reset
  DELETE /counters                 counters only back to zero
  GET    /faults                   {"rules": [...], "token_buckets": bool, "injected": {...}}
  PUT    /faults                   {"rules": [...], "token_buckets": bool, "seed": int | null}
  DELETE /faults                   no faults
  GET    /settings                 timing and behaviour switches (see settings.py)
  PATCH  /settings                 {"rollout_seconds": 0.2, ...}; answers the new settings
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from . import settings
from .counters import CallCounter
from .faults import FaultInjector, FaultRule
from .wire import AwsCall, Environ, error_response, identify

CONTROL_PREFIX = "/_kopilot"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]
# Strict mode: (status, code, message) of AWS's refusal of a call, or None to let it through.
Validator = Callable[[AwsCall, Environ], "tuple[int, str, str] | None"]


class ControlError(ValueError):
    pass


class EmulatorMiddleware:
    def __init__(
        self,
        app: WsgiApp,
        *,
        reset_backends: Callable[[], None],
        before_call: Callable[[], None],
        moto_version: str,
        validate: Validator | None = None,
    ) -> None:
        self._app = app
        self._reset_backends = reset_backends
        self._before_call = before_call
        self._validate = validate
        self._moto_version = moto_version
        self.counter = CallCounter()
        self.faults = FaultInjector()
        # moto's backends are plain objects without locks: one request at a time touches them.
        self._moto_lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            return self._control(environ, start_response, path[len(CONTROL_PREFIX) :])
        call = identify(environ)
        if call is not None:
            self.counter.add(call.name)
            decision = self.faults.decide(call)
            if decision.delay:
                time.sleep(decision.delay)
            if decision.error is not None:
                err = decision.error
                status, headers, body = error_response(call, err.status, err.code, err.message)
                start_response(status, headers)
                return [body]
        return self._moto(environ, start_response, call)

    def _moto(
        self, environ: Environ, start_response: StartResponse, call: AwsCall | None
    ) -> list[bytes]:
        with self._moto_lock:
            self._before_call()
            # Validated under the lock: rules that look at other resources see settled state.
            if call is not None and self._validate is not None and settings.current().strict:
                refused = self._validate(call, environ)
                if refused is not None:
                    status, headers, body = error_response(call, *refused)
                    start_response(status, headers)
                    return [body]
            result = self._app(environ, start_response)
            try:
                return list(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()

    # -- control API --------------------------------------------------------------------

    def _control(self, environ: Environ, start_response: StartResponse, route: str) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            status, payload = self._route(method, route.rstrip("/") or "/", environ)
        except ControlError as err:
            status, payload = HTTPStatus.BAD_REQUEST, {"error": str(err)}
        body = json.dumps(payload).encode()
        start_response(
            f"{status.value} {status.phrase}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def _route(self, method: str, route: str, environ: Environ) -> tuple[HTTPStatus, Any]:
        ok = HTTPStatus.OK
        if route == "/health" and method == "GET":
            return ok, {"ok": True, "moto": self._moto_version}
        if route == "/reset" and method == "POST":
            self.reset()
            return ok, {"ok": True}
        if route == "/counters":
            if method == "GET":
                return ok, self.counter.snapshot()
            if method == "DELETE":
                self.counter.reset()
                return ok, {}
        if route == "/faults":
            if method == "GET":
                return ok, self.faults.state()
            if method == "PUT":
                self._set_faults(_json_body(environ))
                return ok, self.faults.state()
            if method == "DELETE":
                self.faults.clear()
                return ok, self.faults.state()
        if route == "/settings":
            if method == "GET":
                return ok, settings.current().as_dict()
            if method in ("PATCH", "PUT"):
                try:
                    return ok, settings.update(_json_body(environ)).as_dict()
                except ValueError as err:
                    raise ControlError(str(err)) from err
        return HTTPStatus.NOT_FOUND, {"error": f"no control endpoint {method} {route}"}

    def reset(self) -> None:
        with self._moto_lock:
            self._reset_backends()
        self.counter.reset()
        self.faults.reset()
        settings.reset()

    def _set_faults(self, body: dict[str, Any]) -> None:
        unknown = set(body) - {"rules", "token_buckets", "seed"}
        if unknown:
            raise ControlError(f"unknown fields: {sorted(unknown)}")
        try:
            rules = [FaultRule.from_dict(rule) for rule in body.get("rules", [])]
        except (TypeError, ValueError) as err:
            raise ControlError(f"invalid fault rule: {err}") from err
        seed = body.get("seed")
        if seed is not None and not isinstance(seed, int):
            raise ControlError("seed must be an integer")
        self.faults.configure(rules, token_buckets=bool(body.get("token_buckets")), seed=seed)


def _json_body(environ: Environ) -> dict[str, Any]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b"{}"
        body = json.loads(raw or b"{}")
    except (ValueError, KeyError) as err:
        raise ControlError(f"body is not JSON: {err}") from err
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    return body
