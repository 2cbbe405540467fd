"""A service's Cloud Map Service Discovery service ({svc} in the environment's namespace).

Created straight away: our CreatorRequestId makes a repeat return the same service, and only
a name taken by someone else needs a look-up (listing the namespace's services first would
cost pages of reads per service)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ...api.service import EcsServiceStatus
from ...aws import cloudmap
from ..engine import Context
from ..errors import COMMON_TERMINAL_CODES, Waiting
from ..lifecycle import AlreadyExists, Seen

# Cloud Map API Reference, CreateService.CreatorRequestId: at most 64 characters.
CREATOR_REQUEST_ID_MAX = 64

Registry = dict[str, Any]  # Cloud Map's Service
RequestFor = Callable[[str], dict[str, Any]]  # CreatorRequestId -> CreateService arguments


class DiscoveryResource:
    noun = "Cloud Map service"
    reason = "ServiceDiscovery"
    not_owned_reason = "DiscoveryNameTaken"
    terminal_codes = COMMON_TERMINAL_CODES
    idempotent_create = True
    trusts_recorded = True

    def __init__(
        self,
        ctx: Context[EcsServiceStatus],
        sd: Any,
        name: str,
        namespace: tuple[str, str] = ("", ""),  # (id, name)
        deleting: bool = False,
        look_up: bool = False,
    ) -> None:
        self._look_up = look_up  # spec.adopt: one may be there already; look before creating
        self._name = name
        self._namespace_id = namespace[0]
        self.rename_hint = f"rename this service (spec.name): the name is taken in {namespace[1]}"
        self._ctx = ctx
        self._forgotten = False
        self._sd = sd
        self._deleting = deleting
        self._request_id = f"{ctx.resource.uid}-sd"

    def recorded(self) -> bool:
        status = self._ctx.status
        return bool(status.service_discovery_arn and status.service_discovery_id)

    def name_of(self, want: RequestFor) -> str:
        return self._name

    def observe(self, want: RequestFor) -> Seen[Registry] | None:
        status = self._ctx.status
        if self._forgotten or not self.recorded():
            # Creating is how a name is found (CreatorRequestId makes it safe); observing
            # creates nothing, and adopting expects one, so those look it up by name.
            return self._find_by_name() if self._ctx.observing or self._look_up else None
        service_id = str(status.service_discovery_id)
        if self._deleting:
            found = cloudmap.get_service(self._sd, service_id)
            return None if found is None else Seen(found["Name"], found)
        # The environment's resync lists its namespace's Cloud Map services now and then
        # (Known.discovery_ids); one missing from that list is asked for once more, since
        # the list may predate its creation. Otherwise status is trusted: no call.
        listed = self._ctx.known.discovery_ids
        if (
            listed is not None
            and service_id not in listed
            and cloudmap.get_service(self._sd, service_id) is None
        ):
            return None
        return Seen(service_id, {"Arn": status.service_discovery_arn, "Id": service_id})

    def _find_by_name(self) -> Seen[Registry] | None:
        for found in cloudmap.services_in(self._sd, self._namespace_id):
            if found.get("Name") == self._name:
                return Seen(self._name, found, cloudmap.tags_of(self._sd, found["Arn"]))
        return None

    def diff(self, want: RequestFor, seen: Seen[Registry]) -> dict[str, Any]:
        return {}  # DNS settings are not changed after creation (as Copilot)

    def create(self, want: RequestFor) -> Seen[Registry]:
        try:
            created = cloudmap.create_service(self._sd, want(self._request_id))
        except self._sd.exceptions.ServiceAlreadyExists as err:
            existing = cloudmap.get_service(self._sd, str(err.response.get("ServiceId", "")))
            if existing is None:
                raise
            tags = cloudmap.tags_of(self._sd, existing["Arn"])
            raise AlreadyExists(Seen(existing["Name"], existing, tags)) from err
        return Seen(created["Name"], created, created=True)

    def update(self, want: RequestFor, seen: Seen[Registry]) -> Seen[Registry]:
        return seen  # never called: diff is always empty

    def tag(self, seen: Seen[Registry], tags: Mapping[str, str]) -> None:
        cloudmap.tag(self._sd, seen.facts["Arn"], dict(tags))

    def read_tags(self, seen: Seen[Registry]) -> Mapping[str, str]:
        return cloudmap.tags_of(self._sd, seen.facts["Arn"])

    def forget(self) -> None:
        # A new service needs a new CreatorRequestId (the old one names the deleted
        # service); derived from the id it replaces, so a repeat after a restart matches.
        recorded = self._ctx.status.service_discovery_id
        self._forgotten = True
        self._request_id = f"{self._ctx.resource.uid}-sd-{recorded}"[:CREATOR_REQUEST_ID_MAX]

    def keep(self, seen: Seen[Registry]) -> EcsServiceStatus:
        return EcsServiceStatus(
            service_discovery_arn=seen.facts["Arn"], service_discovery_id=seen.facts["Id"]
        )

    def created_event(self, seen: Seen[Registry]) -> tuple[str, str] | None:
        return None  # named in CreatedService

    def delete(self, seen: Seen[Registry]) -> None:
        try:
            cloudmap.delete_service(self._sd, seen.facts["Id"])
        except self._sd.exceptions.ResourceInUse as err:
            raise Waiting(
                "DeletingServiceDiscovery",
                f"Cloud Map service still has instances: {err}",
                delay=5.0,
            ) from err
