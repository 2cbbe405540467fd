"""The periodic resync of an environment's services, with batched reads.

A service's drift can only be seen by asking ECS, and DescribeServices takes 10 services
per call. So services have no timer of their own: the environment's resync describes all
of its services in batches and hands each service's description (and the environment and
app it already read) to that service's reconcile. A no-op pass over N services costs
ceil(N/10) DescribeServices calls and no writes, and a batch with autoscaled services one
DescribeScalableTargets. To see a Service Discovery service
deleted outside kopilot, the namespace's Cloud Map services are listed (100 a page) when
the namespace's ServiceCount, which the environment's pass reads anyway, has moved since
the last listing, and at least every LIST_AT_LEAST_EVERY passes.
Services are listed a page at a time, so a pass holds a page of them in memory, not all.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any

import pydantic

from ..api.environment import EcsEnvironmentSpec
from ..api.service import EcsServiceSpec
from ..aws import autoscaling, cloudmap, ecs, elbv2
from ..aws.clients import ClientFactory
from ..render.scaling import resource_id
from .conditions import environment_ready
from .engine import Body, Engine, Known
from .kube import KubeGateway

log = logging.getLogger("kopilot.resync")


# A delete and a create between two passes can leave a namespace's ServiceCount where it
# was: a listing at least this often (once an hour at the default 5 min resync) sees it.
LIST_AT_LEAST_EVERY = 12


class CloudMapListings:
    """When to list a namespace's Cloud Map services, and what the last listing counted."""

    def __init__(self, at_least_every: int = LIST_AT_LEAST_EVERY) -> None:
        self._at_least_every = at_least_every
        self._last: dict[str, tuple[int, int]] = {}  # namespace id -> (count, passes since)

    def due(self, namespace_id: str, count: int | None) -> bool:
        """Whether this pass lists; a pass that does not counts towards the next that must."""
        last = self._last.get(namespace_id)
        if count is None or last is None or last[0] != count or last[1] + 1 >= self._at_least_every:
            return True
        self._last[namespace_id] = (count, last[1] + 1)
        return False

    def listed(self, namespace_id: str, count: int | None) -> None:
        if count is not None:
            self._last[namespace_id] = (count, 0)


def resync_environment_services(
    engine: Engine,
    kube: KubeGateway,
    clients: ClientFactory,
    namespace: str,
    env_name: str,
    reads: Known | None = None,
    busy: Callable[[str], bool] = lambda uid: False,
    listings: CloudMapListings | None = None,
    selector: str | None = None,
) -> int:
    """Reconcile every EcsService of this environment; returns how many were visited.
    Services that are `busy` (their own handler is converging them) are left out, and so are
    those `selector` (this shard's labels) does not select."""
    as_of = time.monotonic()  # what is listed below is no newer than this
    env = kube.get("EcsEnvironment", namespace, env_name)  # fresh: its reconcile just ran
    if env is None:
        return 0
    if not environment_ready(env):
        return 0
    status = env["status"]
    spec = EcsEnvironmentSpec.model_validate(env.get("spec") or {})
    app = kube.get("EcsApp", namespace, spec.app)
    client = clients.client("ecs", spec.region, spec.role_arn)
    shared = Known(environment=env, app=app, as_of=as_of)
    listed = routes_listed = False
    visited = 0
    waiting: list[tuple[str, dict[str, Any]]] = []  # at most a batch, carried across pages
    scaled: list[str] = []  # the batch's autoscaled services' ResourceIds
    for page in kube.pages("EcsService", namespace, label_selector=selector):
        for item in page:
            if (item.get("spec") or {}).get("environment") != env_name:
                continue
            if item["metadata"].get("deletionTimestamp") or busy(item["metadata"]["uid"]):
                continue  # the delete handler, or its own handler, is at work on it
            if not routes_listed and (item.get("spec") or {}).get("http"):
                shared = dataclasses.replace(shared, **_routes(clients, spec, status))
                routes_listed = True
            if not listed:  # listed once, and only with services to check
                count = reads.namespace_service_count if reads is not None else None
                ids = _discovery_ids(clients, spec, status, count, listings)
                shared = dataclasses.replace(shared, discovery_ids=ids)
                listed = True
            try:
                parsed = EcsServiceSpec.model_validate(item.get("spec") or {})
            except pydantic.ValidationError:
                _reconcile(engine, namespace, item, shared)
                visited += 1  # reconciled alone: it reports its own error
                continue
            name = parsed.name or item["metadata"]["name"]
            if parsed.autoscaling is not None:
                scaled.append(resource_id(status["clusterArn"], parsed.ecs_service_name or name))
            waiting.append((name, item))
            if len(waiting) == ecs.DESCRIBE_BATCH:
                batch = _scaling(clients, spec, scaled, shared)
                visited += _batch(engine, client, status["clusterArn"], namespace, waiting, batch)
                waiting, scaled = [], []
    if waiting:
        batch = _scaling(clients, spec, scaled, shared)
        visited += _batch(engine, client, status["clusterArn"], namespace, waiting, batch)
    return visited


def _scaling(
    clients: ClientFactory, spec: EcsEnvironmentSpec, resource_ids: list[str], shared: Known
) -> Known:
    """The batch's autoscaled services' scalable targets: one DescribeScalableTargets for
    up to ten, none for a batch without any."""
    if not resource_ids:
        return shared
    aas = clients.client("application-autoscaling", spec.region, spec.role_arn)
    return dataclasses.replace(
        shared, scalable_targets=autoscaling.scalable_targets(aas, resource_ids)
    )


def _batch(
    engine: Engine,
    client: Any,
    cluster: str,
    namespace: str,
    services: list[tuple[str, dict[str, Any]]],
    shared: Known,
) -> int:
    """One DescribeServices call for up to ten services, then each one's reconcile."""
    described = ecs.describe_services(client, cluster, [name for name, _ in services])
    for name, item in services:
        _reconcile(
            engine, namespace, item, dataclasses.replace(shared, described=described.get(name))
        )
    return len(services)


def _reconcile(engine: Engine, namespace: str, item: Body, known: Known) -> None:
    try:
        engine.reconcile("EcsService", item, known=known)
    except Exception:  # one broken service must not stop the others' resync
        log.exception("resync of EcsService %s/%s failed", namespace, item["metadata"]["name"])


def _routes(
    clients: ClientFactory, spec: EcsEnvironmentSpec, status: dict[str, Any]
) -> dict[str, Any]:
    """The target groups of the environment's load balancers and the rules of their
    listeners, by ARN: one DescribeTargetGroups per load balancer and one DescribeRules per
    listener (a page each up to 400 and 100), so routed services read nothing on their own."""
    elb = clients.client("elbv2", spec.region, spec.role_arn)
    groups: dict[str, Any] = {}
    rules: dict[str, Any] = {}
    for found in (status.get("loadBalancers") or {}).values():
        if not found or not found.get("arn"):
            continue
        groups |= {g["TargetGroupArn"]: g for g in elbv2.target_groups_of(elb, found["arn"])}
        for key in ("httpListenerArn", "httpsListenerArn"):
            if found.get(key):
                rules |= {r["RuleArn"]: r for r in elbv2.rules_of(elb, found[key])}
    return {"target_groups": groups, "rules": rules}


def _discovery_ids(
    clients: ClientFactory,
    spec: EcsEnvironmentSpec,
    status: dict[str, Any],
    count: int | None,
    listings: CloudMapListings | None,
) -> frozenset[str] | None:
    """The ids of the Cloud Map services in the environment's DNS namespace, so a Service
    Discovery service deleted outside kopilot is seen and made again: one ListServices per
    100 Cloud Map services (each service with both has two: {svc}, {svc}-sc) when a listing
    is due. None (not due, or an HTTP namespace: no Service Discovery) tells the services
    not to check."""
    namespace = status.get("namespace") or {}
    namespace_id = namespace.get("id")
    if not namespace_id or namespace.get("type", "DNS_PRIVATE") != "DNS_PRIVATE":
        return None
    if listings is not None and not listings.due(namespace_id, count):
        return None
    sd = clients.client("servicediscovery", spec.region, spec.role_arn)
    ids = frozenset(str(s["Id"]) for s in cloudmap.services_in(sd, namespace_id))
    if listings is not None:
        listings.listed(namespace_id, count)
    return ids
