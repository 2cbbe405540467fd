"""The environment's Cloud Map namespace: created asynchronously (an operation to poll)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from ...api.environment import EcsEnvironmentStatus, NamespaceStatus
from ...aws import cloudmap
from ...naming import holder_of
from ...render.environment import NamespaceWant
from ..engine import Context
from ..errors import COMMON_TERMINAL_CODES, Retryable, Waiting
from ..lifecycle import Seen

NAMESPACE_POLL_SECONDS = 2.0
# Messages name this many resources in the way, then say how many more there are.
NAMED_AT_MOST = 10

Namespace = dict[str, Any]  # GetNamespace's Namespace


def tags_digest(tags: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(dict(tags), sort_keys=True).encode()).hexdigest()[:16]


def listed(items: list[str], total: int) -> str:
    more = f" and {total - len(items)} more" if total > len(items) else ""
    return ", ".join(items) + more


class NamespaceResource:
    noun = "Cloud Map namespace"
    reason = "Namespace"
    not_owned_reason = "NamespaceNotOwned"
    rename_hint = "choose another spec.serviceDiscovery.namespace"
    terminal_codes = COMMON_TERMINAL_CODES | {"NamespaceAlreadyExists"}
    idempotent_create = False  # the operation id must be saved before it is polled
    trusts_recorded = False

    def __init__(
        self, ctx: Context[EcsEnvironmentStatus], sd: Any, find_by_name: bool = True
    ) -> None:
        self._ctx = ctx
        self._sd = sd
        self._find_by_name = find_by_name  # deletion looks only at the recorded one
        self._tags_hash: str | None = None

    @property
    def _recorded(self) -> NamespaceStatus:
        return self._ctx.status.namespace or NamespaceStatus()

    def recorded(self) -> bool:
        return bool(self._recorded.id)

    def name_of(self, want: NamespaceWant) -> str:
        return want.name

    def observe(self, want: NamespaceWant) -> Seen[Namespace] | None:
        recorded = self._recorded
        self._tags_hash = tags_digest(want.tags)
        if recorded.delete_operation_id:
            self._finish_deletion(recorded)
            recorded = self._recorded
        if recorded.id:
            found = cloudmap.get_namespace(self._sd, recorded.id)
            if found is None:
                return None
            # Its services' resync lists them only when this count moved (see resync).
            self._ctx.reads.namespace_service_count = found.get("ServiceCount")
            # GetNamespace carries no tags: they are read only when the wanted set changed.
            tags = None
            if recorded.tags_hash != self._tags_hash:
                tags = cloudmap.tags_of(self._sd, found["Arn"])
            return Seen(found["Name"], found, tags)
        if recorded.operation_id:
            return self._finish_creation(recorded.operation_id)
        if not self._find_by_name:
            return None
        existing = cloudmap.find_namespace(self._sd, want.name)
        if existing is None:
            return None
        return Seen(existing["Name"], existing, cloudmap.tags_of(self._sd, existing["Arn"]))

    def diff(self, want: NamespaceWant, seen: Seen[Namespace]) -> dict[str, Any]:
        return {}  # name and type cannot change (the environment refuses it before)

    def create(self, want: NamespaceWant) -> Seen[Namespace]:
        creations = self._recorded.creations or 0
        operation = cloudmap.create_namespace(
            self._sd,
            want.name,
            want.type,
            want.vpc_id,
            f"{self._ctx.resource.uid}-{creations}",
            dict(want.tags),
            description=want.description,
        )
        # Saved before anything else: a restart polls this operation instead of creating again.
        self._ctx.save(
            EcsEnvironmentStatus(
                namespace=NamespaceStatus(
                    operation_id=operation, name=want.name, type=want.type, creations=creations
                )
            )
        )
        self._ctx.event(
            "CreatingNamespace", f"creating Cloud Map namespace {want.name} ({want.type})"
        )
        return self._finish_creation(operation)

    def _finish_creation(self, operation_id: str) -> Seen[Namespace]:
        operation = cloudmap.get_operation(self._sd, operation_id)
        state = operation.get("Status")
        if state == "SUCCESS":
            namespace_id = operation.get("Targets", {}).get("NAMESPACE")
            found = cloudmap.get_namespace(self._sd, namespace_id) if namespace_id else None
            if found is None:
                raise Waiting(
                    "CreatingNamespace",
                    f"operation {operation_id} succeeded but its namespace is not there yet",
                    delay=NAMESPACE_POLL_SECONDS,
                )
            return Seen(found["Name"], found, created=True)
        if state == "FAIL":
            self._ctx.save(EcsEnvironmentStatus(namespace=NamespaceStatus(operation_id=None)))
            raise Retryable(
                "NamespaceCreateFailed",
                f"Cloud Map could not create the namespace: {operation.get('ErrorCode')}: "
                f"{operation.get('ErrorMessage')}",
            )
        raise Waiting(
            "CreatingNamespace",
            f"Cloud Map operation {operation_id} is {state}",
            delay=NAMESPACE_POLL_SECONDS,
        )

    def update(self, want: NamespaceWant, seen: Seen[Namespace]) -> Seen[Namespace]:
        return seen  # never called: diff is always empty

    def tag(self, seen: Seen[Namespace], tags: Mapping[str, str]) -> None:
        cloudmap.tag(self._sd, seen.facts["Arn"], dict(tags))

    def read_tags(self, seen: Seen[Namespace]) -> Mapping[str, str]:
        return cloudmap.tags_of(self._sd, seen.facts["Arn"])

    def forget(self) -> None:
        creations = (self._recorded.creations or 0) + 1
        self._ctx.save(
            EcsEnvironmentStatus(namespace=NamespaceStatus(id=None, arn=None, creations=creations))
        )

    def keep(self, seen: Seen[Namespace]) -> EcsEnvironmentStatus:
        found = seen.facts
        return EcsEnvironmentStatus(
            namespace=NamespaceStatus(
                id=found["Id"],
                arn=found["Arn"],
                name=found["Name"],
                type=found["Type"],
                operation_id=None,
                # Observing applies no tags: they are read and compared again next time.
                tags_hash=None if self._ctx.observing else self._tags_hash,
            )
        )

    def created_event(self, seen: Seen[Namespace]) -> tuple[str, str]:
        return "CreatedNamespace", f"Cloud Map namespace {seen.name} is {seen.facts['Id']}"

    def delete(self, seen: Seen[Namespace]) -> None:
        namespace_id = seen.facts["Id"]
        try:
            operation_id = cloudmap.delete_namespace(self._sd, namespace_id)
        except self._sd.exceptions.ResourceInUse as err:
            raise Waiting(
                "NamespaceInUse",
                f"namespace {seen.name} still has Cloud Map services: "
                f"{self._holders(namespace_id)}. Delete them (or their EcsServices), "
                "or set deletionPolicy: Retain",
                delay=5.0,
            ) from err
        if operation_id:
            self._ctx.save(
                EcsEnvironmentStatus(namespace=NamespaceStatus(delete_operation_id=operation_id))
            )
            raise Waiting(
                "DeletingNamespace", f"deleting namespace {seen.name}", delay=NAMESPACE_POLL_SECONDS
            )

    def _finish_deletion(self, recorded: NamespaceStatus) -> None:
        """A deletion in progress: done (the namespace is forgotten), still running (wait),
        or failed (observed again, to try again)."""
        operation = cloudmap.get_operation(self._sd, str(recorded.delete_operation_id))
        if operation.get("Status") == "SUCCESS":
            self._ctx.save(
                EcsEnvironmentStatus(namespace=NamespaceStatus(delete_operation_id=None, id=None))
            )
            # Said here: the delete call itself only started the operation.
            self._ctx.event("DeletedNamespace", f"deleted Cloud Map namespace {recorded.name}")
            return
        if operation.get("Status") != "FAIL":
            raise Waiting(
                "DeletingNamespace",
                f"deleting namespace {recorded.name}",
                delay=NAMESPACE_POLL_SECONDS,
            )
        self._ctx.save(EcsEnvironmentStatus(namespace=NamespaceStatus(delete_operation_id=None)))

    def _holders(self, namespace_id: str) -> str:
        """The Cloud Map services left in a namespace, each with who made it."""
        services = list(cloudmap.services_in(self._sd, namespace_id))
        named = [
            holder_of(s["Name"], cloudmap.tags_of(self._sd, s["Arn"]))
            for s in services[:NAMED_AT_MOST]
        ]
        return listed(named, len(services)) or "none listed yet (deleted meanwhile)"
