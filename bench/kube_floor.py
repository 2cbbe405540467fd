"""The Kubernetes-aware floor: the least an operator that reports status must do for the same
end state, the Kubernetes side included.

The same `kubectl apply --server-side` stream the operator gets; one list call per kind (an
operator lists or watches them anyway; here it learns each object's metadata.generation); the
AWS floor's calls (bench/floor.py); and one status write per object, a merge patch of its
status subresource with Ready=True for its generation: each EcsService's as the floor sees its
deployment COMPLETED, the EcsApp's and the EcsEnvironment's once the environment step is done.
The writes go out from a small pool of threads, so the floor's DescribeServices poll never
waits on them. Its time is taken as the operator's: from the start of the apply until the
benchmark's readiness poll sees all N services Ready at their generation.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from controller.reconcile.conditions import READY, now_rfc3339

from . import manifests
from .floor import Floor
from .kube import Kube, Wait
from .manifests import GROUP, VERSION

STATUS_WORKERS = 4
MERGE_PATCH = "application/merge-patch+json"
APPS, ENVIRONMENTS, SERVICES = "ecsapps", "ecsenvironments", "ecsservices"


def ready_status(generation: int, now: str) -> dict[str, Any]:
    """The body of an object's one status write: Ready=True for `generation`, in fields the
    CRDs' status schema keeps (so the apiserver prunes nothing the readiness poll reads)."""
    return {
        "status": {
            "observedGeneration": generation,
            "conditions": [
                {
                    "type": READY,
                    "status": "True",
                    "reason": "Ready",
                    "message": "",
                    "observedGeneration": generation,
                    "lastTransitionTime": now,
                }
            ],
        }
    }


def generations(listed: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, str], int]:
    """(plural, name) → metadata.generation, from one listing per kind."""
    return {
        (plural, item["metadata"]["name"]): int(item["metadata"].get("generation", 1))
        for plural, items in listed.items()
        for item in items
    }


@dataclass
class StatusWrites:
    """One status write per object, from a pool of `workers` threads sharing the benchmark's
    kubernetes client."""

    kube: Kube
    namespace: str
    generations: dict[tuple[str, str], int]
    workers: int = STATUS_WORKERS
    written: int = 0
    _pool: ThreadPoolExecutor | None = None
    _futures: list[Future[None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="status")

    def submit(self, plural: str, name: str) -> None:
        assert self._pool is not None
        future = self._pool.submit(self._write, plural, name)
        with self._lock:
            self._futures.append(future)

    def failed(self) -> BaseException | None:
        with self._lock:
            done = [f for f in self._futures if f.done()]
        return next((err for f in done if (err := f.exception()) is not None), None)

    def close(self) -> None:
        """Wait for the writes; the first that failed is raised."""
        assert self._pool is not None
        self._pool.shutdown(wait=True)
        if (err := self.failed()) is not None:
            raise err

    def _write(self, plural: str, name: str) -> None:
        body = ready_status(self.generations[(plural, name)], now_rfc3339())
        self.kube.custom.patch_namespaced_custom_object_status(
            GROUP, VERSION, self.namespace, plural, name, body, _content_type=MERGE_PATCH
        )
        with self._lock:
            self.written += 1


@dataclass
class KubeFloor:
    """The AWS floor with the Kubernetes side around it, for one namespace."""

    kube: Kube
    floor: Floor
    status_workers: int = STATUS_WORKERS

    def wave(
        self, namespace: str, services: int, image: str, cold: bool, timeout: float, interval: float
    ) -> tuple[Wait, dict[str, Any]]:
        """Apply the world with `image`, then (in a thread) list, make the AWS floor's calls
        (cold: everything; else: a revision and UpdateService per service) and write status,
        while this thread polls readiness as for the operator. How the wait ended, and notes."""
        names = manifests.service_names(services)
        started = time.monotonic()
        apply_seconds = self.kube.apply(
            namespace, manifests.stream(manifests.world(services, image))
        )
        failure: list[BaseException] = []
        writes: list[StatusWrites] = []

        def work() -> None:
            try:
                listed = {
                    p: self.kube.list_objects(namespace, p) for p in (APPS, ENVIRONMENTS, SERVICES)
                }
                writer = StatusWrites(
                    self.kube, namespace, generations(listed), workers=self.status_workers
                )
                writes.append(writer)

                def environment_done() -> None:
                    writer.submit(APPS, manifests.APP)
                    writer.submit(ENVIRONMENTS, manifests.ENV)

                def service_done(name: str) -> None:
                    writer.submit(SERVICES, name)

                try:
                    if cold:
                        self.floor.converge(names, image, environment_done, service_done)
                    else:
                        self.floor.update(names, image, service_done)
                finally:
                    writer.close()
            except BaseException as err:  # raised below, from the benchmark's thread
                failure.append(err)

        thread = threading.Thread(target=work, name="kube-floor", daemon=True)
        thread.start()
        wait = self.kube.wait_all_ready(
            namespace,
            services,
            started,
            timeout=timeout,
            interval=interval,
            give_up=lambda: bool(failure) or any(w.failed() for w in writes),
        )
        thread.join(timeout=60.0)
        if failure:
            raise RuntimeError(f"the Kubernetes-aware floor failed: {failure[0]!r}") from failure[0]
        if thread.is_alive():
            raise RuntimeError("the Kubernetes-aware floor did not finish its AWS calls")
        notes = {
            "kubectl apply seconds": apply_seconds,
            "status writes": writes[0].written if writes else 0,
        }
        return wait, notes

    def clean(self, namespace: str) -> None:
        """Delete its objects (no finalizers: the apiserver deletes them at once), so that
        the scenarios after it meet the control plane as before."""
        for plural in (SERVICES, ENVIRONMENTS, APPS):
            self.kube.custom.delete_collection_namespaced_custom_object(
                GROUP, VERSION, namespace, plural
            )
