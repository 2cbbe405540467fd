"""A service's task definition family: revisions are immutable, so "update" is a new
revision (a create), and the one in use is found by content."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ...api.service import EcsServiceStatus
from ...aws import ecs
from ...observe.service import task_definition_delta, task_definition_digest
from ..engine import Context
from ..errors import COMMON_TERMINAL_CODES
from ..lifecycle import Seen

# Old revisions kept ACTIVE beside the one in use (for rollbacks).
KEEP_REVISIONS = 5


class TaskDefinitionCache:
    """Task definition revisions are immutable, so one describe per ARN is enough. Only the
    digest of what matching compares is kept (a short string, not the whole description:
    a thousand services' revisions would otherwise stay in memory)."""

    def __init__(self) -> None:
        self._digests: dict[str, str] = {}
        self._lock = threading.Lock()

    def digest(self, client: Any, arn: str) -> str:
        with self._lock:
            found = self._digests.get(arn)
        if found is None:
            found = task_definition_digest(ecs.describe_task_definition(client, arn))
            with self._lock:
                self._digests[arn] = found
        return found

    def put(self, arn: str, digest: str) -> None:
        with self._lock:
            self._digests[arn] = digest


class FamiliesSeen:
    """Families whose newest revision this process has registered or looked at: an
    unsaved revision (see TaskDefinitionResource.observe) is looked for once per family.
    The revision this process last registered in a family is kept with its digest, so a
    pass whose status save failed, or that started from older status, finds it again."""

    def __init__(self) -> None:
        # family -> (ARN, digest) of the revision this process registered last, or None
        self._seen: dict[str, tuple[str, str] | None] = {}
        self._lock = threading.Lock()

    def first_look(self, family: str) -> bool:
        with self._lock:
            return family not in self._seen

    def looked(self, family: str) -> None:
        """The family's lookup went through: not again in this process (a throttled or
        failed one is tried again, or a revision registered before a restart is missed)."""
        with self._lock:
            self._seen.setdefault(family, None)

    def registered(self, family: str, arn: str, digest: str) -> None:
        with self._lock:
            self._seen[family] = (arn, digest)

    def mine(self, family: str, digest: str) -> str | None:
        """The revision of this content this process registered last in the family."""
        with self._lock:
            last = self._seen.get(family)
        return last[0] if last is not None and last[1] == digest else None


@dataclass(frozen=True)
class TaskDefinitionWant:
    request: dict[str, Any]  # RegisterTaskDefinition's arguments
    digest: str
    family: str
    running: str | None  # the revision the ECS service runs, if it exists
    announce: bool  # say "registered" (a new service's revision is named in CreatedService)


Revision = str  # a task definition ARN


class TaskDefinitionResource:
    noun = "task definition"
    reason = "TaskDefinition"
    not_owned_reason = "TaskDefinitionNotOwned"
    rename_hint = "set another spec.name"
    terminal_codes = COMMON_TERMINAL_CODES
    # Registering has no client token, but a repeat by kopilot finds the same revision: a
    # pass of this process in `families` (even from status without its ARN), a process
    # acting after this one by looking at the family's newest revision (_unsaved_revision).
    # So its ARN is written with the pass's status, not at once.
    idempotent_create = True
    trusts_recorded = False

    def __init__(
        self,
        ctx: Context[EcsServiceStatus],
        client: Any,
        cache: TaskDefinitionCache,
        families: FamiliesSeen,
        unsaved_possible: Callable[[], bool],
        keep_revisions: int = KEEP_REVISIONS,
    ) -> None:
        self._ctx = ctx
        self._ecs = client
        self._cache = cache
        self._families = families
        self._unsaved_possible = unsaved_possible
        self._keep_revisions = keep_revisions
        self._digest: str | None = None

    def recorded(self) -> bool:
        return False  # a recorded revision that does not match is replaced, not "missing"

    def name_of(self, want: TaskDefinitionWant) -> str:
        return f"family {want.family}"

    def observe(self, want: TaskDefinitionWant) -> Seen[Revision] | None:
        """The revision of this content: the recorded one (no call when status says it was
        registered from this very content), the running one, or one an earlier process
        registered and did not live to save."""
        self._digest = want.digest
        status = self._ctx.status
        recorded = status.task_definition_arn
        if (
            recorded
            and want.running in (None, recorded)
            and status.task_definition_digest == want.digest
        ):
            return _revision(recorded)
        for arn in (want.running, recorded):
            if arn and self._cache.digest(self._ecs, arn) == want.digest:
                return _revision(arn)
        if self._ctx.observing and want.running:
            # What runs, whose content is not known to match: diff says how it differs,
            # and status must not take it for a revision of this content.
            self._digest = None
            return _revision(want.running)
        mine = self._families.mine(want.family, want.digest)
        if mine is not None:
            return _revision(mine)
        unsaved = self._unsaved_revision(want)
        return None if unsaved is None else _revision(unsaved)

    def _unsaved_revision(self, want: TaskDefinitionWant) -> str | None:
        """Revisions have no idempotency token: only an object older than this process can
        have one, and only the family's newest revision can be it; asked once per family
        per process (two reads), before registering."""
        if not self._families.first_look(want.family):
            return None
        if not self._unsaved_possible():
            self._families.looked(want.family)  # nothing of before this process to find
            return None
        found = None
        for arn in ecs.task_definition_revisions(self._ecs, want.family)[:1]:
            definition, tags = ecs.describe_task_definition_and_tags(self._ecs, arn)
            if self._ctx.owner.owns(tags) and task_definition_digest(definition) == want.digest:
                self._cache.put(arn, want.digest)
                self._ctx.event(
                    "FoundTaskDefinition",
                    f"found {arn.rsplit('/', 1)[-1]}, registered before a restart",
                )
                found = arn
        self._families.looked(want.family)
        return found

    def diff(self, want: TaskDefinitionWant, seen: Seen[Revision]) -> dict[str, Any]:
        """Empty for a revision found by its content. Observing, the running revision is
        compared field by field (one describe) to say what a new revision would change."""
        if not self._ctx.observing or self._cache.digest(self._ecs, seen.facts) == want.digest:
            return {}
        return dict(
            task_definition_delta(want.request, ecs.describe_task_definition(self._ecs, seen.facts))
        )

    def create(self, want: TaskDefinitionWant) -> Seen[Revision]:
        in_use = {a for a in (want.running, self._ctx.status.task_definition_arn) if a}
        arn = str(ecs.register_task_definition(self._ecs, want.request)["taskDefinitionArn"])
        self._cache.put(arn, want.digest)
        self._families.registered(want.family, arn, want.digest)
        self._prune(want.family, keep={arn, *in_use})
        seen = _revision(arn)
        seen.created = want.announce
        return seen

    def _prune(self, family: str, keep: set[str]) -> None:
        """Deregister our own revisions beyond the newest few (never one someone else made,
        say Copilot before an adoption). Runs only right after a registration."""
        newest = max(int(arn.rsplit(":", 1)[-1]) for arn in keep)
        if newest <= self._keep_revisions:
            return  # revisions count from 1: there cannot be more than we keep yet
        revisions = ecs.task_definition_revisions(self._ecs, family)
        for arn in revisions[self._keep_revisions :]:
            if arn not in keep and self._ctx.owner.owns(ecs.task_definition_tags(self._ecs, arn)):
                ecs.deregister_task_definition(self._ecs, arn)

    def update(self, want: TaskDefinitionWant, seen: Seen[Revision]) -> Seen[Revision]:
        return seen  # never called: diff is always empty

    def tag(self, seen: Seen[Revision], tags: Mapping[str, str]) -> None:
        ecs.tag(self._ecs, seen.facts, dict(tags))

    def read_tags(self, seen: Seen[Revision]) -> Mapping[str, str]:
        return ecs.task_definition_tags(self._ecs, seen.facts)

    def forget(self) -> None:
        return None

    def keep(self, seen: Seen[Revision]) -> EcsServiceStatus:
        return EcsServiceStatus(task_definition_arn=seen.facts, task_definition_digest=self._digest)

    def created_event(self, seen: Seen[Revision]) -> tuple[str, str]:
        return "RegisteredTaskDefinition", f"registered {seen.facts.rsplit('/', 1)[-1]}"

    def delete(self, seen: Seen[Revision]) -> None:
        ecs.deregister_task_definition(self._ecs, seen.facts)


def _revision(arn: str) -> Seen[Revision]:
    # Tags are given at registration and revisions are never re-tagged: not read.
    return Seen(arn.rsplit("/", 1)[-1], arn)
