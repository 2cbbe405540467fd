"""Assemble and run the operator: Kubernetes and AWS clients, engine, kopf registry."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import kopf

from . import memory, metrics, selection
from .aws.clients import ClientFactory
from .handlers import configure_settings, post_event, register
from .leadership import (
    LeaderElector,
    LeaseConfig,
    default_identity,
    lease_name,
    pod_namespace,
    standby_health,
)
from .reconcile.app import AppManager
from .reconcile.convergence import Timing, Waits
from .reconcile.engine import Engine
from .reconcile.environment import EnvironmentManager
from .reconcile.kube import KubeGateway
from .reconcile.resync import CloudMapListings, resync_environment_services
from .reconcile.rollouts import RolloutWatcher
from .reconcile.service import ServiceManager
from .reconcile.waiting import Wakeups, object_key
from .tenancy import Mode, Tenancy


@dataclass(frozen=True)
class OperatorConfig:
    namespaces: tuple[str, ...] = ()  # empty: every namespace
    timing: Timing = field(default_factory=Timing)
    kubeconfig: str | None = None
    log_format: str = "text"
    verbose: bool = False
    health: str | None = None  # host:port for /healthz
    metrics: str | None = None  # host:port for /metrics (controller.metrics); None: off
    tenancy: Mode = "policies"  # see controller.tenancy
    selector: str | None = None  # this shard's label selector (controller.selection)
    leader_elect: bool = False  # hold a Lease before acting (controller.leadership)
    lease_namespace: str | None = None  # default: the pod's namespace
    max_concurrent_objects: int | None = None  # per kind and watched namespace; None: no limit


def kubernetes_api_client(kubeconfig: str | None) -> Any:
    from kubernetes import client, config

    if kubeconfig:
        return config.new_client_from_config(config_file=kubeconfig)  # type: ignore[no-untyped-call]
    try:
        config.load_incluster_config()  # type: ignore[no-untyped-call]
    except config.ConfigException:
        return config.new_client_from_config()  # type: ignore[no-untyped-call]
    return client.ApiClient()


def build_registry(config: OperatorConfig) -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()
    kube = KubeGateway(kubernetes_api_client(config.kubeconfig))
    clients = ClientFactory()
    wakeups = Wakeups()
    engine = Engine(
        [AppManager(), EnvironmentManager(), ServiceManager()],
        kube,
        clients,
        post_event,
        tenancy=Tenancy(config.tenancy, kube.tenant_policies, kube.namespace_labels),
    )
    register(
        registry,
        engine,
        config.timing,
        Waits(wakeups, RolloutWatcher(clients)),
        resync_services=partial(
            resync_environment_services,
            engine,
            kube,
            clients,
            busy=lambda uid: wakeups.converging(object_key(uid)),
            listings=CloudMapListings(),
            selector=config.selector,
        ),
        labels=selection.kopf_labels(config.selector),
    )

    @kopf.on.startup(registry=registry)
    async def startup(settings: kopf.OperatorSettings, **_: Any) -> None:
        configure_settings(settings, config.max_concurrent_objects)
        _background.add(asyncio.create_task(_trim_memory(TRIM_SECONDS)))

    @kopf.on.cleanup(registry=registry)
    async def cleanup(**_: Any) -> None:
        # kopf gives tasks it did not start 5 s to end on their own before it cancels them:
        # ours never end, so every stop (a rolling update's handover too) would wait 5 s.
        for task in _background:
            task.cancel()

    @kopf.on.login(registry=registry)
    def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
        if config.kubeconfig:
            os.environ["KUBECONFIG"] = config.kubeconfig
        if os.environ.get("KUBERNETES_SERVICE_HOST") and not config.kubeconfig:
            return kopf.login_with_service_account(**kwargs)
        return kopf.login_with_kubeconfig(**kwargs)

    return registry


TRIM_SECONDS = 3.0  # malloc_trim takes milliseconds; RSS then follows what is live
_background: set[asyncio.Task[None]] = set()


async def _trim_memory(every: float) -> None:
    while True:
        await asyncio.sleep(every)
        await asyncio.to_thread(memory.trim)


def run(config: OperatorConfig) -> None:
    memory.limit_arenas()
    kopf.configure(
        verbose=config.verbose,
        log_format=kopf.LogFormat.JSON if config.log_format == "json" else kopf.LogFormat.PLAIN,
    )
    logging.getLogger("botocore").setLevel(logging.WARNING)
    if config.metrics:
        metrics.serve(config.metrics)  # first: a standby replica is scraped too
    elector = _lead(config) if config.leader_elect else None
    stop_renewing = threading.Event()
    if elector is not None:
        # Lost (not renewed within the deadline, or taken): stop at once, before another
        # replica may start; in-flight calls are safe to repeat (every create is idempotent).
        threading.Thread(
            target=elector.keep_renewing,
            args=(stop_renewing, lambda: os._exit(LOST_LEASE_EXIT)),
            name="lease",
            daemon=True,
        ).start()
    try:
        registry = build_registry(config)
        memory.dump_on_signal()  # --memory-breakdown only
        kopf.run(
            registry=registry,
            standalone=True,
            clusterwide=not config.namespaces,
            namespaces=list(config.namespaces),
            liveness_endpoint=f"http://{config.health}/healthz" if config.health else None,
        )
    finally:
        stop_renewing.set()
        if elector is not None:
            elector.release()  # SIGTERM: the standby takes over within its retry period


LOST_LEASE_EXIT = 3


def _lead(config: OperatorConfig) -> LeaderElector | None:
    """Wait, as a standby, until this replica holds the Lease. The standby answers its
    liveness probe meanwhile (kopf's endpoint starts only with kopf)."""
    elector = LeaderElector(
        kubernetes_api_client(config.kubeconfig),
        LeaseConfig(
            namespace=config.lease_namespace or pod_namespace(),
            name=lease_name(config.selector),
            identity=default_identity(),
        ),
    )
    metrics.set_leader(False, elector.config.name)
    with standby_health(config.health):
        elector.wait_until_leader(threading.Event())
    metrics.set_leader(True, elector.config.name)
    return elector
