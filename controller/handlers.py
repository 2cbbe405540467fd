"""kopf registration only: every handler hands the object to the engine and translates
its answer (done, look again later, stop) into kopf's terms."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import kopf

from .api import GROUP, VERSION
from .api.crd import KINDS
from .reconcile.conditions import settled
from .reconcile.engine import Engine, Resource, Result
from .reconcile.rollouts import RolloutTicket, RolloutWatcher
from .reconcile.waiting import Wakeups, environment_key, object_key

FINALIZER = "kopilot.dev/finalizer"


@dataclass(frozen=True)
class Timing:
    resync_seconds: float = 300.0
    resync_jitter: float = 0.1  # fraction of the period, so resyncs of many objects spread out
    app_status_seconds: float = 10.0
    # How long a handler may wait in-process (for its environment, a rollout, an AWS slot)
    # before it hands the wait back to kopf. It bounds how long a spec change or a deletion
    # of the same object can wait behind it.
    handler_wait_seconds: float = 20.0


@dataclass
class Waits:
    """What handlers wait on in-process (see reconcile.waiting)."""

    wakeups: Wakeups
    rollouts: RolloutWatcher


def post_event(resource: Resource, type_: str, reason: str, message: str) -> None:
    if resource.body is not None:
        kopf.event(resource.body, type=type_, reason=reason, message=message[:1000])


def _raise_for(result: Result) -> None:
    if result.outcome == "requeue":
        raise kopf.TemporaryError(result.message or "requeued", delay=result.delay)
    if result.outcome == "terminal":
        raise kopf.PermanentError(result.message)


# (namespace, environment name, what the environment's pass read) -> services visited
ChildResync = Callable[[str, str, dict[str, Any]], int]


async def converge(
    engine: Engine, waits: Waits, timing: Timing, kind: str, body: kopf.Body, retry: int
) -> Result:
    """Passes until done, a terminal error, or a wait longer than what is left of
    `timing.handler_wait_seconds`: short waits happen here, without Kubernetes writes.
    Only the time spent waiting counts, not the passes (which queue for worker threads
    when many objects converge at once)."""
    loop = asyncio.get_running_loop()
    budget = timing.handler_wait_seconds
    if kind == "EcsService":
        # Applied together with its environment: wait for it rather than report
        # WaitingForEnvironment and look again on a timer.
        key = environment_key(
            body["metadata"]["namespace"], (body.get("spec") or {}).get("environment", "")
        )
        if waits.wakeups.converging(key):
            started = loop.time()
            await waits.wakeups.wait(key, budget)
            budget -= loop.time() - started
    status: dict[str, Any] | None = None
    hints: dict[str, Any] | None = None
    while True:
        result = await asyncio.to_thread(
            engine.reconcile, kind, body, "change", retry, hints, status
        )
        if result.outcome != "requeue" or result.delay > budget:
            if result.outcome == "requeue" and result.delay > timing.handler_wait_seconds:
                # Back a little before the time, to wait out the rest here (an AWS slot).
                result.delay -= timing.handler_wait_seconds / 2
            return result
        # The next pass starts from this one's status, and from what it read of the
        # environment and app (seconds old; a resync catches a later change).
        status, hints, retry = result.status, dict(result.reads), retry + 1
        started = loop.time()
        if isinstance(result.watch, RolloutTicket):
            described = await waits.rollouts.wait(result.watch, budget)
            if described is not None:
                hints["described"] = described
        elif result.watch is not None:
            await waits.wakeups.wait(result.watch, result.delay)
        else:
            await asyncio.sleep(result.delay)
        budget -= loop.time() - started


def register(
    registry: kopf.OperatorRegistry,
    engine: Engine,
    timing: Timing,
    waits: Waits,
    resync_services: ChildResync | None = None,
) -> None:
    for kind in KINDS:
        if kind.kind in engine.kinds:
            children = resync_services if kind.kind == "EcsEnvironment" else None
            _register_kind(registry, engine, timing, waits, kind.kind, kind.plural, children)


def _register_kind(
    registry: kopf.OperatorRegistry,
    engine: Engine,
    timing: Timing,
    waits: Waits,
    kind: str,
    plural: str,
    resync_children: ChildResync | None,
) -> None:
    resource = (GROUP, VERSION, plural)
    interval = timing.app_status_seconds if kind == "EcsApp" else timing.resync_seconds

    async def reconcile(body: kopf.Body, retry: int) -> Result:
        # While a handler converges an object (waits included), resyncs leave it alone: they
        # would work from an older view of its status and add nothing.
        keys: list[Hashable] = [object_key(body["metadata"]["uid"])]
        if kind == "EcsEnvironment":
            # Its services wait for it in-process while it converges.
            keys.append(environment_key(body["metadata"]["namespace"], body["metadata"]["name"]))
        with waits.wakeups.converging_on(*keys) as hold:
            result = await converge(engine, waits, timing, kind, body, retry)
            hold.ready = result.ready
        _raise_for(result)
        return result

    @kopf.on.create(*resource, registry=registry, id="reconcile")
    @kopf.on.update(*resource, registry=registry, id="reconcile", field="spec")
    async def on_change(body: kopf.Body, retry: int, **_: Any) -> None:
        await reconcile(body, retry)

    @kopf.on.resume(*resource, registry=registry, id="resume")
    async def on_resume(body: kopf.Body, meta: kopf.Meta, retry: int, **_: Any) -> None:
        """At the operator's start. A settled service waits for its environment's resume,
        which describes all of them in batches; everything else is reconciled now."""
        if kind == "EcsService" and settled(body):
            return
        result = await reconcile(body, retry)
        if resync_children is not None:
            # Its timer's first tick may come while this first pass over the services runs:
            # it stands aside (one pass over them at a time).
            with waits.wakeups.converging_on(object_key(meta["uid"])):
                await asyncio.to_thread(
                    resync_children, meta["namespace"], meta["name"], result.reads
                )

    if kind == "EcsService":
        # No timer: services are resynced by their environment, in batched reads.
        _register_deletion(registry, engine, kind, resource)
        return

    @kopf.timer(
        *resource, registry=registry, id="resync", interval=interval, initial_delay=interval
    )
    async def resync(body: kopf.Body, meta: kopf.Meta, **_: Any) -> None:
        await asyncio.sleep(random.uniform(0, timing.resync_jitter * interval))
        if waits.wakeups.converging(object_key(meta["uid"])):
            return  # its handler is at work; the next tick comes anyway
        # A resync that must look again soon (an operation in progress) is not an error:
        # the next tick comes anyway. Terminal errors stay on the conditions.
        result = await asyncio.to_thread(engine.reconcile, kind, body, "resync")
        if resync_children is not None:
            await asyncio.to_thread(resync_children, meta["namespace"], meta["name"], result.reads)

    _register_deletion(registry, engine, kind, resource)


def _register_deletion(
    registry: kopf.OperatorRegistry, engine: Engine, kind: str, resource: tuple[str, str, str]
) -> None:
    @kopf.on.delete(*resource, registry=registry, id="delete")
    async def on_delete(body: kopf.Body, retry: int, **_: Any) -> None:
        _raise_for(await asyncio.to_thread(engine.delete, kind, body, retry))


def configure_settings(settings: kopf.OperatorSettings) -> None:
    settings.persistence.finalizer = FINALIZER
    # kopf's bookkeeping goes to annotations, never to spec or to our status schema.
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix="kopilot.dev")
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
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
    settings.watching.server_timeout = 300
    settings.watching.client_timeout = 330
