"""The ECS service, with Service Connect and its Service Discovery registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from ...api.service import EcsServiceStatus
from ...aws import ecs
from ...aws.coalesce import ServiceDescriber
from ...naming import client_token
from ...observe.service import observed_service, service_diff, update_service_request
from ..engine import Context
from ..errors import COMMON_TERMINAL_CODES, Terminal, Waiting, error_code, is_discovery_name_clash
from ..lifecycle import Seen

Described = dict[str, Any]  # DescribeServices' service, with `tagMap`

# Codes that mean the request is wrong (Amazon ECS API Reference, CreateService/UpdateService).
ECS_SERVICE_TERMINAL_CODES = COMMON_TERMINAL_CODES | {
    "UnsupportedFeatureException",
    "PlatformUnknownException",
    "PlatformTaskDefinitionIncompatibilityException",
}


@dataclass(frozen=True)
class ServiceWant:
    """The ECS service wanted; empty while only finding it (before the other steps)."""

    desired: dict[str, Any] = field(default_factory=dict)  # render.service.desired_service
    create_request: Callable[[str], dict[str, Any]] | None = None  # clientToken -> request
    hold_revision: bool = False  # its revision failed its rollout: do not send it again
    summary: str = ""  # what it is made of, for the CreatedService event


# Says who holds a Service Connect discovery name (for DiscoveryNameTaken).
ExplainClash = Callable[[str], str]


class EcsServiceResource:
    noun = "ECS service"
    reason = "Service"
    not_owned_reason = "ServiceNotOwned"
    rename_hint = "set another spec.name"
    terminal_codes = ECS_SERVICE_TERMINAL_CODES
    idempotent_create = True  # the clientToken returns the same service on a repeat
    trusts_recorded = False

    def __init__(
        self,
        ctx: Context[EcsServiceStatus],
        client: Any,
        cluster: str,
        name: str,
        describer: ServiceDescriber | None = None,
        explain_clash: ExplainClash | None = None,
        on_namespace_gone: Callable[[str], Terminal] | None = None,
    ) -> None:
        self._ctx = ctx
        self._ecs = client
        self._cluster = cluster
        self._name = name
        self._describer = describer  # None: deleting (any state; `name` may be an ARN)
        self._explain_clash = explain_clash
        self._on_namespace_gone = on_namespace_gone
        self._summary = ""

    def recorded(self) -> bool:
        return bool(self._ctx.status.service_arn)

    def name_of(self, want: ServiceWant) -> str:
        return self._name

    def observe(self, want: ServiceWant) -> Seen[Described] | None:
        if self._describer is None:
            try:
                described = ecs.describe_service_any_state(self._ecs, self._cluster, self._name)
            except self._ecs.exceptions.ClusterNotFoundException:
                return None  # its cluster is gone, and the service with it
            if described is None or described.get("status") == "INACTIVE":
                return None
        else:
            # A batched describe of the environment's services, taken before this service's
            # lock: trusted when it shows the service, but "absent" may be stale (a create
            # may have finished meanwhile), so absent is asked again.
            described = self._ctx.known.described
            if described is None:
                described = self._describer.describe(self._ecs, self._cluster, self._name)
            if described is None:
                return None
        return Seen(described["serviceName"], described, described.get("tagMap", {}))

    def diff(self, want: ServiceWant, seen: Seen[Described]) -> dict[str, Any]:
        delta = service_diff(want.desired, observed_service(seen.facts))
        if want.hold_revision:
            delta.pop("taskDefinition", None)  # do not redeploy the revision that failed
        return delta

    def create(self, want: ServiceWant) -> Seen[Described]:
        render = want.create_request
        if render is None:
            raise ValueError("ServiceWant without create_request")  # a kopilot bug
        self._summary = want.summary
        creations = self._ctx.status.creations or 0
        token = client_token(self._ctx.resource.uid, f"create-{creations}")
        created = self._call(lambda: ecs.create_service(self._ecs, render(token)))
        return Seen(created["serviceName"], created, created.get("tagMap"), created=True)

    def update(self, want: ServiceWant, seen: Seen[Described]) -> Seen[Described]:
        request = update_service_request(self._cluster, self._name, seen.delta, want.desired)
        updated = self._call(lambda: ecs.update_service(self._ecs, request))
        return Seen(updated["serviceName"], updated, seen.tags)

    def _call(self, call: Callable[[], Described]) -> Described:
        """Create or update; ECS's answers that name a spec field become its terminal error."""
        try:
            return call()
        except ClientError as err:
            code, message = error_code(err)
            if code == "NamespaceNotFoundException" and self._on_namespace_gone is not None:
                raise self._on_namespace_gone(message) from err
            if is_discovery_name_clash(err) and self._explain_clash is not None:
                raise Terminal("DiscoveryNameTaken", self._explain_clash(message)) from err
            raise

    def tag(self, seen: Seen[Described], tags: Mapping[str, str]) -> None:
        # Tags are not part of UpdateService; DescribeServices(include=TAGS) has them.
        ecs.tag(self._ecs, seen.facts["serviceArn"], dict(tags))

    def read_tags(self, seen: Seen[Described]) -> Mapping[str, str]:
        return dict(seen.facts.get("tagMap") or {})

    def forget(self) -> None:
        # It existed and is gone (deleted out of band): a new create needs a new token.
        creations = (self._ctx.status.creations or 0) + 1
        self._ctx.save(EcsServiceStatus(creations=creations, service_arn=None))

    def keep(self, seen: Seen[Described]) -> EcsServiceStatus:
        return EcsServiceStatus(service_arn=seen.facts["serviceArn"])

    def created_event(self, seen: Seen[Described]) -> tuple[str, str]:
        return "CreatedService", f"created ECS service {seen.name} ({self._summary})"

    def delete(self, seen: Seen[Described]) -> None:
        """Scale to zero and delete; ECS then drains it (DRAINING) before it is gone."""
        described = seen.facts
        if described.get("status") == "ACTIVE":
            if described.get("desiredCount", 0) > 0:
                ecs.update_service(
                    self._ecs,
                    {"cluster": self._cluster, "service": self._name, "desiredCount": 0},
                )
            ecs.delete_service(self._ecs, self._cluster, self._name)
        raise Waiting("DeletingService", f"ECS service {seen.name} is draining", delay=2.0)
