"""The Kubernetes side of the benchmark: the local control plane, kubectl, and readiness
read with one list call per poll (never one get per object)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes import client, watch

from controller.sandbox.controlplane import ControlPlane

from .manifests import GROUP, VERSION

ROOT = Path(__file__).resolve().parents[1]
_Watch: Any = watch.Watch  # the kubernetes client is untyped
# The Synced reason of a resource the operator stopped retrying (controller/reconcile/engine.py).
TERMINAL_REASON = "ReconcileTerminal"
CRD_NAMES = ("ecsapps.kopilot.dev", "ecsenvironments.kopilot.dev", "ecsservices.kopilot.dev")


@dataclass(frozen=True)
class Readiness:
    """One list of a kind: how many objects, how many Ready at their current generation, and
    which ones the operator gave up on (Synced=False, ReconcileTerminal, this generation)."""

    total: int
    ready: int
    terminal: tuple[str, ...] = ()  # "name: message"

    @property
    def finished(self) -> bool:
        """Every object is Ready or stopped on a terminal error: waiting longer changes nothing."""
        return self.total > 0 and self.ready + len(self.terminal) == self.total


@dataclass(frozen=True)
class Wait:
    """How a wait for readiness ended."""

    seconds: float
    last: Readiness
    expected: int

    @property
    def complete(self) -> bool:
        return self.last.ready >= self.expected and self.last.ready == self.last.total


def _condition(obj: dict[str, Any], type_: str) -> dict[str, Any] | None:
    status = obj.get("status") or {}
    for condition in status.get("conditions") or []:
        if condition.get("type") == type_:
            found = dict(condition)
            found.setdefault("observedGeneration", status.get("observedGeneration"))
            return found
    return None


def ready_at_generation(obj: dict[str, Any]) -> bool:
    """Ready=True, said about the object's current generation (so a spec change that the
    operator has not handled yet does not count as Ready)."""
    ready = _condition(obj, "Ready")
    return bool(
        ready
        and ready.get("status") == "True"
        and ready.get("observedGeneration") == obj["metadata"].get("generation", 1)
    )


def terminal_at_generation(obj: dict[str, Any]) -> str | None:
    """The message of a terminal error for the current generation, else None."""
    synced = _condition(obj, "Synced")
    if (
        synced
        and synced.get("reason") == TERMINAL_REASON
        and synced.get("observedGeneration") == obj["metadata"].get("generation", 1)
    ):
        return str(synced.get("message", ""))
    return None


class Kube:
    """The control plane as the benchmark drives it."""

    def __init__(self, plane: ControlPlane) -> None:
        self.plane = plane
        self.api = plane.api_client()
        self.core = client.CoreV1Api(self.api)
        self.custom: Any = client.CustomObjectsApi(self.api)

    @property
    def kubeconfig(self) -> Path:
        return self.plane.admin_kubeconfig

    def close(self) -> None:
        self.api.close()

    def kubectl(self, *args: str, stdin: str | None = None, timeout: float = 600) -> str:
        env = {**os.environ, "KUBECONFIG": str(self.kubeconfig)}
        result = subprocess.run(
            ["kubectl", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def install_crds(self) -> None:
        self.kubectl("apply", "--server-side", "-f", str(ROOT / "crds"))
        self.kubectl(
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            *[f"crd/{name}" for name in CRD_NAMES],
        )

    def create_namespace(self, name: str) -> None:
        self.core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))

    def apply(self, namespace: str, yaml_stream: str) -> float:
        """One `kubectl apply --server-side -f -` of a multi-document stream; its seconds.

        Server-side apply sends one request per object (client-side apply reads each object
        first), so the apply itself weighs as little as it can on the measured time."""
        started = time.monotonic()
        self.kubectl(
            "apply",
            "--server-side",
            "--field-manager=bench",
            "-n",
            namespace,
            "-f",
            "-",
            stdin=yaml_stream,
        )
        return time.monotonic() - started

    def list_objects(self, namespace: str, plural: str) -> list[dict[str, Any]]:
        response = self.custom.list_namespaced_custom_object(
            GROUP, VERSION, namespace, plural, _preload_content=False
        )
        items: list[dict[str, Any]] = json.loads(response.data)["items"]
        return items

    def readiness(self, namespace: str, plural: str = "ecsservices") -> Readiness:
        items = self.list_objects(namespace, plural)
        ready = sum(1 for item in items if ready_at_generation(item))
        terminal = tuple(
            f"{item['metadata']['name']}: {message}"
            for item in items
            if (message := terminal_at_generation(item)) is not None
        )
        return Readiness(len(items), ready, terminal)

    def wait_all_ready(
        self,
        namespace: str,
        expected: int,
        started: float,
        timeout: float,
        interval: float = 0.5,
        plural: str = "ecsservices",
        give_up: Callable[[], bool] | None = None,
    ) -> Wait:
        """Poll (one list call each time) until `expected` objects are all Ready at their
        generation, or all settled (some terminal), or `timeout` seconds from `started` (a
        time.monotonic()) have passed, or `give_up()` says the writer of the status failed;
        how it ended, never an exception for slowness."""
        while True:
            last = self.readiness(namespace, plural)
            elapsed = time.monotonic() - started
            if last.total >= expected and last.finished:
                return Wait(elapsed, last, expected)
            if elapsed > timeout or (give_up is not None and give_up()):
                return Wait(elapsed, last, expected)
            time.sleep(interval)


@dataclass
class StatusWatch:
    """Watches the three kinds in a namespace from a given resourceVersion and records when
    the first status write of any of them arrives, and how many object writes it saw."""

    kube: Kube
    namespace: str
    first_status_at: float | None = None
    events: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> StatusWatch:
        for plural in ("ecsapps", "ecsenvironments", "ecsservices"):
            listing = self.kube.custom.list_namespaced_custom_object(
                GROUP, VERSION, self.namespace, plural, limit=1
            )
            version = listing["metadata"]["resourceVersion"]
            thread = threading.Thread(
                target=self._watch, args=(plural, version), name=f"watch-{plural}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()

    def _watch(self, plural: str, version: str) -> None:
        api: Any = client.CustomObjectsApi(self.kube.plane.api_client())
        stream = _Watch()
        while not self._stop.is_set():
            try:
                for event in stream.stream(
                    api.list_namespaced_custom_object,
                    GROUP,
                    VERSION,
                    self.namespace,
                    plural,
                    resource_version=version,
                    timeout_seconds=5,
                ):
                    if self._stop.is_set():
                        break
                    obj = event["object"]
                    version = obj["metadata"]["resourceVersion"]
                    with self._lock:
                        self.events += 1
                    if self.first_status_at is None and obj.get("status"):
                        self.first_status_at = time.monotonic()
            except Exception:  # a dropped watch restarts from the last version seen
                time.sleep(0.1)
        stream.stop()
