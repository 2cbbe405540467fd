"""kopf registration only: every handler hands the object to reconcile.convergence (or the
engine) and translates the answer (done, look again later, stop) into kopf's terms. What
differs between kinds comes from reconcile.convergence.KINDS."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
from collections.abc import Callable, Iterator
from typing import Any

import kopf
import urllib3
from kubernetes.client.exceptions import ApiException

from .api import GROUP, VERSION
from .api.crd import KINDS
from .handled import StatusDiffBaseStorage, UnmarkedProgressStorage
from .reconcile import indexed
from .reconcile.conditions import ready_and_synced
from .reconcile.convergence import KINDS as POLICIES
from .reconcile.convergence import KindPolicy, Timing, Waits, converge
from .reconcile.engine import Engine, Known, Resource, Result
from .reconcile.waiting import object_key

FINALIZER = "kopilot.dev/finalizer"
log = logging.getLogger("kopilot.handlers")


def post_event(resource: Resource, type_: str, reason: str, message: str) -> None:
    if resource.body is not None:
        kopf.event(resource.body, type=type_, reason=reason, message=message[:1000])


# The Kubernetes API unreachable (an apiserver restart, a network blip) while a pass reads
# or writes status: look again in seconds, not after kopf's default 60 s backoff (which kopf
# also records on the object, so a restarted operator would wait it out too).
KUBE_RETRY_SECONDS = 3.0
_KUBE_UNREACHABLE = (ApiException, urllib3.exceptions.HTTPError, ConnectionError)


@contextlib.contextmanager
def _kube_retried() -> Iterator[None]:
    try:
        yield
    except _KUBE_UNREACHABLE as err:
        if isinstance(err, ApiException) and err.status not in (None, 0, 429) and err.status < 500:
            raise
        raise kopf.TemporaryError(
            f"the Kubernetes API failed ({type(err).__name__}); retrying",
            delay=KUBE_RETRY_SECONDS,
        ) from err


def _raise_for(result: Result) -> None:
    if result.outcome == "requeue":
        raise kopf.TemporaryError(result.message or "requeued", delay=result.delay)
    if result.outcome == "terminal":
        raise kopf.PermanentError(result.message)


# (namespace, environment name, what the environment's pass read) -> services visited
ChildResync = Callable[[str, str, Known], int]


def register(
    registry: kopf.OperatorRegistry,
    engine: Engine,
    timing: Timing,
    waits: Waits,
    resync_services: ChildResync | None = None,
    labels: dict[str, Any] | None = None,
) -> None:
    """`labels`: kopf's label filters (controller.selection), for a shard of objects."""
    _register_indices(registry)
    for kind in KINDS:
        if kind.kind in engine.kinds:
            policy = POLICIES[kind.kind]
            children = resync_services if policy.has_services else None
            _register_kind(
                registry, engine, timing, waits, kind.kind, kind.plural, children, labels or {}
            )


def _register_indices(registry: kopf.OperatorRegistry) -> None:
    """Apps and environments as the watch last saw them (controller.reconcile.indexed).
    Not filtered by a shard's labels: a shard's services may belong to any app."""

    @kopf.index(GROUP, VERSION, "ecsapps", registry=registry, id=indexed.APPS)
    def apps(namespace: str | None, name: str, body: kopf.Body, **_: Any) -> Any:
        return indexed.entry(namespace or "", name, body)

    @kopf.index(GROUP, VERSION, "ecsenvironments", registry=registry, id=indexed.ENVIRONMENTS)
    def environments(namespace: str | None, name: str, body: kopf.Body, **_: Any) -> Any:
        return indexed.entry(namespace or "", name, body)


def _register_kind(
    registry: kopf.OperatorRegistry,
    engine: Engine,
    timing: Timing,
    waits: Waits,
    kind: str,
    plural: str,
    resync_children: ChildResync | None,
    labels: dict[str, Any],
) -> None:
    resource = (GROUP, VERSION, plural)
    only: dict[str, Any] = {"labels": labels} if labels else {}
    policy: KindPolicy = POLICIES[kind]
    interval = policy.interval(timing)

    async def reconcile(body: kopf.Body, retry: int, indices: dict[str, Any]) -> Result:
        # While a handler converges an object (waits included), resyncs leave it alone: they
        # would work from an older view of its status and add nothing. An environment's
        # services wait for it in-process meanwhile.
        known = indexed.known_from(kind, body, indices)
        with waits.wakeups.converging_on(*policy.converging_keys(body)) as hold, _kube_retried():
            result = await converge(engine, waits, timing, kind, body, retry, known)
            hold.ready = result.ready
        _raise_for(result)
        return result

    @kopf.on.create(*resource, registry=registry, id="reconcile", **only)
    @kopf.on.update(*resource, registry=registry, id="reconcile", field="spec", **only)
    async def on_change(body: kopf.Body, retry: int, **kwargs: Any) -> None:
        await reconcile(body, retry, kwargs)

    @kopf.on.resume(*resource, registry=registry, id="resume", **only)
    async def on_resume(body: kopf.Body, meta: kopf.Meta, retry: int, **kwargs: Any) -> None:
        """At the operator's start. A settled service waits for its environment's resume,
        which describes all of them in batches; everything else is reconciled now."""
        if policy.in_environment and ready_and_synced(body):
            return
        result = await reconcile(body, retry, kwargs)
        if resync_children is not None:
            # Its timer's first tick may come while this first pass over the services runs:
            # it stands aside (one pass over them at a time).
            with waits.wakeups.converging_on(object_key(meta["uid"])):
                await asyncio.to_thread(
                    resync_children, meta["namespace"], meta["name"], result.reads
                )

    if policy.timer is None:
        # No timer: services are resynced by their environment, in batched reads.
        _register_deletion(registry, engine, kind, resource, only)
        return

    @kopf.timer(
        *resource,
        registry=registry,
        id="resync",
        interval=interval,
        initial_delay=interval,
        **only,
    )
    async def resync(body: kopf.Body, meta: kopf.Meta, **_: Any) -> None:
        await asyncio.sleep(random.uniform(0, timing.resync_jitter * interval))
        if waits.wakeups.converging(object_key(meta["uid"])):
            return  # its handler is at work; the next tick comes anyway
        # A resync that must look again soon (an operation in progress) is not an error:
        # the next tick comes anyway. Terminal errors stay on the conditions.
        try:
            result = await asyncio.to_thread(engine.reconcile, kind, body)
            if resync_children is not None:
                await asyncio.to_thread(
                    resync_children, meta["namespace"], meta["name"], result.reads
                )
        except _KUBE_UNREACHABLE as err:
            # Not kopf's 60 s backoff for a timer: the next tick comes in one period anyway.
            log.warning(
                "resync of %s %s/%s: the Kubernetes API failed: %s",
                kind,
                meta["namespace"],
                meta["name"],
                err,
            )

    _register_deletion(registry, engine, kind, resource, only)


def _register_deletion(
    registry: kopf.OperatorRegistry,
    engine: Engine,
    kind: str,
    resource: tuple[str, str, str],
    only: dict[str, Any],
) -> None:
    @kopf.on.delete(*resource, registry=registry, id="delete", **only)
    async def on_delete(body: kopf.Body, retry: int, **_: Any) -> None:
        with _kube_retried():
            result = await asyncio.to_thread(engine.delete, kind, body, retry)
        _raise_for(result)


def configure_settings(settings: kopf.OperatorSettings, max_concurrent: int | None) -> None:
    settings.persistence.finalizer = FINALIZER
    # kopf's workers per watch stream (a kind in a namespace, or a kind cluster-wide).
    settings.queueing.worker_limit = max_concurrent
    # kopf's bookkeeping goes to annotations, never to spec or to our status schema.
    settings.persistence.progress_storage = UnmarkedProgressStorage(prefix="kopilot.dev")
    # What was handled is read from status (controller.handled): no annotation write.
    settings.persistence.diffbase_storage = StatusDiffBaseStorage(
        prefix="kopilot.dev", key="last-handled-configuration"
    )
    # Events come from the engine (kopf.event) with reasons a person can act on; kopf's own
    # log lines ("Handler ... failed temporarily" while a rollout runs) would only be noise.
    settings.posting.level = logging.CRITICAL
    # `kubectl describe` shows who said it ("From"): kopilot, and which replica (a pod's
    # host name is its name).
    settings.posting.reporting_component = "kopilot"
    settings.posting.reporting_instance = socket.gethostname()
    settings.posting.event_name_prefix = "kopilot-"
    settings.execution.max_workers = 20
    # A deleted object's finalizer waits for its resync timer to exit; kopf looks again
    # only every 60 s by default, which held an environment's deletion for a minute when a
    # resync pass was under way. A pass takes seconds: look again every 2 s.
    settings.background.cancellation_polling = 2.0
    settings.watching.server_timeout = 300
    settings.watching.client_timeout = 330
