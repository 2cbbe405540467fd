"""Leader election with a coordination.k8s.io Lease, as controller-runtime does it.

Replicas of one operator (or of one shard: `--selector`) share a Lease. The one holding it
runs kopf; the others wait and do nothing else (no AWS call, no write but the attempt to take
the Lease). The timings are controller-runtime's defaults: a Lease lasts 15 s, its holder
renews it every 2 s and gives up if it could not renew for 10 s, so a holder that lost it
stops acting before anyone else may take it (15 s after its last renewal). A holder that
stops on SIGTERM hands the Lease over at once (it clears holderIdentity), so the standby
takes over within its retry period instead of waiting for the Lease to run out.

Expiry is judged as client-go judges it: by this process's own clock since it last saw the
Lease record change, never by comparing another node's renewTime with ours (clock skew)."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

log = logging.getLogger("kopilot.leadership")

LEASE_SECONDS = 15.0
RENEW_DEADLINE_SECONDS = 10.0
RETRY_SECONDS = 2.0


@dataclass(frozen=True)
class LeaseConfig:
    namespace: str
    name: str
    identity: str
    lease_seconds: float = LEASE_SECONDS
    renew_deadline: float = RENEW_DEADLINE_SECONDS
    retry: float = RETRY_SECONDS


def default_identity() -> str:
    """The pod's name (its host name) and a random part: two processes on one host differ."""
    return f"{socket.gethostname()}_{uuid.uuid4().hex[:8]}"


def lease_name(selector: str | None) -> str:
    """One Lease per shard: replicas with the same selector share it."""
    if not selector:
        return "kopilot"
    return f"kopilot-{hashlib.sha256(selector.encode()).hexdigest()[:10]}"


def pod_namespace(default: str = "kopilot-system") -> str:
    """The namespace the operator runs in (the Lease lives there)."""
    path = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
    if os.environ.get("POD_NAMESPACE"):
        return os.environ["POD_NAMESPACE"]
    try:
        with open(path, encoding="utf-8") as file:
            return file.read().strip() or default
    except OSError:
        return default


@dataclass
class _Observed:
    holder: str | None
    record: tuple[Any, ...]  # what changes when anyone renews: (holder, renewTime, transitions)
    seen_at: float  # our clock when the record last changed


def _now_micro() -> datetime:
    return datetime.now(UTC)


class LeaderElector:
    def __init__(
        self,
        api: Any,
        config: LeaseConfig,
        clock: Callable[[], float] = time.monotonic,
        coordination: Any = None,  # a CoordinationV1Api (or a stand-in for tests)
    ) -> None:
        self._api: Any = coordination or client.CoordinationV1Api(api)
        self.config = config
        self._clock = clock
        self._observed: _Observed | None = None
        self.last_renewed: float | None = None

    # -- one attempt -----------------------------------------------------------------------

    def try_acquire_or_renew(self) -> bool:
        """True when this process holds the Lease after the attempt."""
        cfg = self.config
        try:
            lease: Any = self._api.read_namespaced_lease(cfg.name, cfg.namespace)
        except ApiException as err:
            if err.status != 404:
                raise
            return self._create()
        spec = lease.spec
        holder = spec.holder_identity or None
        record = (holder, spec.renew_time, spec.lease_transitions)
        now = self._clock()
        if self._observed is None or self._observed.record != record:
            self._observed = _Observed(holder, record, now)
        duration = float(spec.lease_duration_seconds or cfg.lease_seconds)
        expired = now >= self._observed.seen_at + duration
        if holder not in (None, cfg.identity) and not expired:
            return False
        transitions = int(spec.lease_transitions or 0) + (0 if holder == cfg.identity else 1)
        spec.holder_identity = cfg.identity
        spec.lease_duration_seconds = int(cfg.lease_seconds)
        spec.renew_time = _now_micro()
        if holder != cfg.identity:
            spec.acquire_time = spec.renew_time
        spec.lease_transitions = transitions
        try:
            # resourceVersion makes it a compare-and-swap: two standbys cannot both win.
            self._api.replace_namespaced_lease(cfg.name, cfg.namespace, lease)
        except ApiException as err:
            if err.status == 409:
                return False
            raise
        self.last_renewed = self._clock()
        return True

    def _create(self) -> bool:
        cfg = self.config
        now = _now_micro()
        body = client.V1Lease(
            metadata=client.V1ObjectMeta(name=cfg.name, namespace=cfg.namespace),
            spec=client.V1LeaseSpec(
                holder_identity=cfg.identity,
                lease_duration_seconds=int(cfg.lease_seconds),
                acquire_time=now,
                renew_time=now,
                lease_transitions=0,
            ),
        )
        try:
            self._api.create_namespaced_lease(cfg.namespace, body)
        except ApiException as err:
            if err.status == 409:  # another replica made it first
                return False
            raise
        self.last_renewed = self._clock()
        return True

    def release(self) -> None:
        """Hand the Lease over: whoever retries next takes it at once."""
        cfg = self.config
        try:
            lease = self._api.read_namespaced_lease(cfg.name, cfg.namespace)
            if lease.spec.holder_identity != cfg.identity:
                return
            lease.spec.holder_identity = None
            lease.spec.lease_duration_seconds = 1
            self._api.replace_namespaced_lease(cfg.name, cfg.namespace, lease)
            log.info("released Lease %s/%s", cfg.namespace, cfg.name)
        except ApiException as err:
            log.warning("could not release Lease %s/%s: %s", cfg.namespace, cfg.name, err.reason)

    # -- the loops -----------------------------------------------------------------------------

    def wait_until_leader(self, stop: threading.Event) -> bool:
        """Try every retry period until this process holds the Lease (True) or `stop`."""
        cfg = self.config
        log.info("waiting to lead: Lease %s/%s as %s", cfg.namespace, cfg.name, cfg.identity)
        while not stop.is_set():
            try:
                if self.try_acquire_or_renew():
                    log.info("leading: Lease %s/%s", cfg.namespace, cfg.name)
                    return True
            except Exception as err:  # the apiserver may be away: try again
                log.warning("leader election: %s", err)
            stop.wait(cfg.retry)
        return False

    def keep_renewing(self, stop: threading.Event, lost: Callable[[], None]) -> None:
        """Renew every retry period; call `lost` when renewing failed for the renew
        deadline (or someone else holds the Lease), which is before the Lease runs out."""
        cfg = self.config
        while not stop.wait(cfg.retry):
            try:
                if not self.try_acquire_or_renew():
                    log.error("Lease %s/%s taken by another: stopping", cfg.namespace, cfg.name)
                    lost()
                    return
            except Exception as err:
                log.warning("renewing the Lease failed: %s", err)
            if self.last_renewed is not None and (
                self._clock() - self.last_renewed >= cfg.renew_deadline
            ):
                log.error(
                    "Lease %s/%s not renewed for %.0f s: stopping",
                    cfg.namespace,
                    cfg.name,
                    cfg.renew_deadline,
                )
                lost()
                return


@contextlib.contextmanager
def standby_health(address: str | None) -> Iterator[None]:
    """/healthz answers 200 while a standby waits (HOST:PORT, as kopf's endpoint will)."""
    if not address:
        yield
        return
    host, _, port = address.rpartition(":")

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.path.split("?")[0] == "/healthz"
            self.send_response(200 if ok else 404)
            self.end_headers()
            self.wfile.write(b"standby\n" if ok else b"")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    http.server.ThreadingHTTPServer.allow_reuse_address = True
    server = http.server.ThreadingHTTPServer((host or "0.0.0.0", int(port)), Health)
    thread = threading.Thread(target=server.serve_forever, name="standby-health", daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
