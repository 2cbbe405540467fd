"""The generic reconcile engine, shared by the three kinds.

Every decision that is the same for all kinds lives here: parse and validate the spec,
serialise work per object, apply the deletion policy, run the kind's manager (its ordered
steps, each an AWS resource driven by reconcile.lifecycle), sort errors into terminal,
blocked and retryable, compute conditions, patch `status` (never `spec`), post events, and
say when to look again. Managers say which resources a kind has, in which order, and what
its status and Ready condition say.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

import pydantic

from .. import metrics
from ..aws.clients import ClientFactory
from ..naming import MAX_TAGS, Names, Owner, resource_tags
from ..pacing import acting_for
from ..tenancy import RETRY_SECONDS as TENANCY_RETRY_SECONDS
from ..tenancy import NotPermitted, Tenancy
from .conditions import READY, SYNCED, Cond, find, merge_conditions, now_rfc3339
from .errors import Blocked, ReconcileError, Retryable, Terminal, Waiting, classify
from .kube import KubeGateway, Written

log = logging.getLogger("kopilot.engine")

SYNCED_OK = "ReconcileSuccess"
SYNCED_ERROR = "ReconcileError"
SYNCED_TERMINAL = "ReconcileTerminal"

EventSink = Callable[["Resource", str, str, str], None]  # resource, type, reason, message
Body = dict[str, Any]


@dataclass
class Resource:
    """One custom resource as the engine sees it."""

    kind: str
    namespace: str
    name: str
    uid: str
    generation: int
    spec: dict[str, Any]
    status: dict[str, Any]  # as stored (camelCase); Context.status is its typed view
    body: Any = None  # the raw object, for event posting
    created: str | None = None  # metadata.creationTimestamp
    version: str | None = None  # metadata.resourceVersion

    @classmethod
    def from_body(cls, kind: str, body: Any) -> Resource:
        meta = body["metadata"]
        return cls(
            kind=kind,
            namespace=meta["namespace"],
            name=meta["name"],
            uid=meta["uid"],
            generation=int(meta.get("generation", 1)),
            spec=dict(body.get("spec") or {}),
            status=_plain(body.get("status") or {}),
            body=body,
            created=meta.get("creationTimestamp"),
            version=meta.get("resourceVersion"),
        )

    @property
    def owner(self) -> Owner:
        return Owner(self.kind, self.namespace, self.name, self.uid)


@dataclass
class Known:
    """What was already read for a pass, so it is not read again.

    A caller hands it in (the environment's resync: the environment, its app, a batched
    describe of ten services, the namespace's Cloud Map service ids), and a pass hands back
    what it read (`Result.reads`) for the next pass of the same handler, seconds later."""

    app: Body | None = None
    environment: Body | None = None  # an environment found Ready
    described: Body | None = None  # this service's DescribeServices entry; None: not read
    discovery_ids: frozenset[str] | None = None  # None: not listed this pass
    namespace_service_count: int | None = None  # the environment's namespace's ServiceCount
    # The environment's load balancers' target groups and listener rules, by ARN (None: not
    # listed this pass).
    target_groups: dict[str, Body] | None = None
    rules: dict[str, Body] | None = None
    # The Application Auto Scaling targets of a batch's autoscaled services, by ResourceId
    # (None: not described this pass).
    scalable_targets: dict[str, Body] | None = None
    # When the caller began reading (time.monotonic()): a body or description read before
    # another pass of the object ended is stale, and that pass is newer (see Engine.reconcile).
    as_of: float | None = None


@dataclass(frozen=True)
class OwnWrites:
    """This process's last status writes of one object, oldest first (Engine._current)."""

    versions: tuple[str, ...]  # their resourceVersions
    generation: int  # the object's generation at the last
    handled: bool  # the last ended this generation's handling (status.handledGeneration)

    KEPT = 4  # a handler's passes write two or three times

    @property
    def last(self) -> str:
        return self.versions[-1]

    @classmethod
    def after(cls, before: OwnWrites | None, writes: list[Written], handled: bool) -> OwnWrites:
        versions = (before.versions if before else ()) + tuple(w.version for w in writes)
        return cls(versions[-cls.KEPT :], writes[-1].generation, handled)


ST = TypeVar("ST", bound=pydantic.BaseModel)


# The generation whose handling ended (a pass done, or stopped on a terminal error): what
# kopf's diff base is derived from (controller.handled), so kopf writes no annotation.
HANDLED = "handledGeneration"
# Status fields that say nothing of what exists in AWS.
_BOOKKEEPING = frozenset({"conditions", "observedGeneration", HANDLED, "plannedChanges"})


def _made_nothing(status: dict[str, Any]) -> bool:
    return not any(value for key, value in status.items() if key not in _BOOKKEEPING)


def wire(update: pydantic.BaseModel) -> dict[str, Any]:
    """A partial status as a merge patch: the fields set on it, camelCase; None deletes."""
    return update.model_dump(by_alias=True, exclude_unset=True, mode="json")


@dataclass
class Outcome:
    """What a manager achieved in one pass."""

    ready: bool
    reason: str
    message: str = ""
    status: pydantic.BaseModel | None = None  # the fields of the kind's status it sets
    requeue_after: float | None = None
    watch: Any = None  # what may end the wait before requeue_after (see reconcile.waiting)


@dataclass
class Result:
    """What the engine tells the event loop: done, look again in `delay` s, or stop.

    `status` is the object's status after the pass (what it wrote), so a caller that
    looks again in-process can start the next pass from it; `watch` is what may end the
    wait early; `reads` what the pass read that the next one may reuse."""

    outcome: Literal["done", "requeue", "terminal"]
    delay: float = 0.0
    message: str = ""
    status: dict[str, Any] | None = None
    watch: Any = None
    ready: bool = False  # the object is Ready for its generation
    reads: Known = field(default_factory=Known)


@dataclass
class Notes:
    """The Normal events of one handler's passes, posted as one when the handler hands back
    (Engine.post_notes): a new service's creations, what ECS said meanwhile, and its
    becoming Ready say one thing, "created ...; (service api) has reached a steady state.;
    1/1 tasks running". Warnings are posted at once."""

    resource: Resource | None = None
    # (reason, message, quoted): quoted is AWS's own word, which never gives the reason.
    said: list[tuple[str, str, bool]] = field(default_factory=list)


class Context(Generic[ST]):
    """What a manager may use: the resource and its typed status, AWS clients, Kubernetes
    reads, status saves, events."""

    def __init__(
        self,
        resource: Resource,
        kube: KubeGateway,
        clients: ClientFactory,
        events: EventSink,
        status_model: type[ST],
        known: Known | None = None,
        notes: Notes | None = None,
    ) -> None:
        self.resource = resource
        self._notes = notes
        self.kube = kube
        self.clients = clients
        self._events = events
        self._status_model = status_model
        self._status: ST | None = None
        self.known = known or Known()
        self.reads = Known()  # see Known
        # Status fields that need not be written before the next AWS step (what an
        # idempotent create returned): written with the pass's conditions, in one patch.
        self.unsaved: dict[str, Any] = {}
        self.events_posted = 0
        self.written: list[Written] = []  # this pass's status writes, in order
        # managementPolicy Observe: nothing in AWS is changed; `planned` says what would be.
        self.observing = False
        self.planned: list[str] = []

    def plan(self, change: str) -> None:
        self.planned.append(change)

    @property
    def owner(self) -> Owner:
        return self.resource.owner

    @property
    def status(self) -> ST:
        """The status as stored, typed (fields of other versions ignored)."""
        if self._status is None:
            self._status = self._status_model.model_validate(self.resource.status)
        return self._status

    def save(self, update: pydantic.BaseModel) -> None:
        """Write status now, before the next AWS step, so a restart resumes from here
        (nothing is written when status already says it)."""
        fields = self._wire(update)
        if _changed(self.resource.status, fields):
            self._save_wire(fields)

    def record(self, update: pydantic.BaseModel) -> None:
        """Status to write at the end of this pass (with the conditions), not now: for IDs
        that a repeat of the same idempotent call would return again after a restart."""
        fields = self._wire(update)
        _deep_merge_into(self.unsaved, fields)
        _deep_merge(self.resource.status, fields)
        self._status = None

    def _wire(self, update: pydantic.BaseModel) -> dict[str, Any]:
        # The lifecycle hands on what resource clients keep: of this kind's status only.
        if not isinstance(update, self._status_model):
            raise TypeError(f"{type(update).__name__} is not {self._status_model.__name__}")
        return wire(update)

    def _save_wire(self, fields: dict[str, Any]) -> None:
        written = self.kube.patch_status(
            self.resource.kind, self.resource.namespace, self.resource.name, fields
        )
        if written is not None:
            self.written.append(written)
        _deep_merge(self.resource.status, fields)
        self._status = None

    def tags_for(self, names: Names, *user_tags: dict[str, str]) -> dict[str, str]:
        """The tags of an AWS resource of this object (see naming.resource_tags); more than
        AWS takes per resource is a spec error, said before any AWS call."""
        tags = resource_tags(self.owner, names, *user_tags)
        if len(tags) > MAX_TAGS:
            raise Terminal(
                "TooManyTags",
                f"this resource's AWS tags come to {len(tags)} (the app's, the "
                "environment's and the service's spec.tags, and kopilot's own ownership "
                f"tags); AWS takes at most {MAX_TAGS} per resource: remove some spec.tags",
            )
        return tags

    def event(self, reason: str, message: str, warning: bool = False, quoted: bool = False) -> None:
        """A Kubernetes Event on the object: a warning at once, a Normal one within the
        handler's one; `quoted`: AWS's own message (its reason used only when alone)."""
        self.events_posted += 1
        if self._notes is not None and not warning:
            self._notes.resource = self.resource
            self._notes.said.append((reason, message, quoted))
            return
        self._events(self.resource, "Warning" if warning else "Normal", reason, message)


S = TypeVar("S", bound=pydantic.BaseModel)


class Manager(Protocol, Generic[S]):
    """A kind: its spec and status models, and its steps (see reconcile.lifecycle)."""

    @property
    def kind(self) -> str: ...

    @property
    def spec_model(self) -> type[S]: ...

    @property
    def status_model(self) -> type[pydantic.BaseModel]: ...

    @property
    def retained(self) -> str:
        """What deletionPolicy Retain leaves in AWS, for the Ready message."""
        ...

    def reconcile(self, ctx: Context[Any], spec: S) -> Outcome: ...

    def delete(self, ctx: Context[Any], spec: S) -> Outcome:
        """Outcome.ready=True when everything to delete is gone and the finalizer may go."""
        ...


class Engine:
    def __init__(
        self,
        managers: list[Manager[Any]],
        kube: KubeGateway,
        clients: ClientFactory,
        events: EventSink,
        backoff_base: float = 2.0,
        backoff_max: float = 300.0,  # the resync period: Blocked objects wait no longer
        tenancy: Tenancy | None = None,
    ) -> None:
        self._tenancy = tenancy
        self._managers = {m.kind: m for m in managers}
        self._kube = kube
        self._clients = clients
        self._events = events
        self._locks: dict[str, threading.Lock] = {}
        # uid -> the generation last seen Ready (by any pass: a resync may get there first).
        self._ready: dict[str, int] = {}
        # uid -> this process's last status writes of the object (see _current).
        self._written: dict[str, OwnWrites] = {}
        # uid -> when its last pass ended (time.monotonic()), to refuse stale reads.
        self._passed: dict[str, float] = {}
        self._locks_guard = threading.Lock()
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._managers)

    def _lock(self, uid: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(uid, threading.Lock())

    def forget(self, uid: str) -> None:
        with self._locks_guard:
            self._locks.pop(uid, None)
            self._ready.pop(uid, None)
            self._passed.pop(uid, None)
            self._written.pop(uid, None)
        metrics.forget(uid)

    # -- entry points -------------------------------------------------------------------

    def reconcile(
        self,
        kind: str,
        body: Any,
        retry: int = 0,
        known: Known | None = None,
        status: dict[str, Any] | None = None,
        notes: Notes | None = None,
    ) -> Result:
        """One pass. `status`, when given, replaces the body's (older) status: the status
        an earlier pass of this same handler left, for a pass run again in-process.
        An object stopped on a terminal error is looked at again by every call (the
        resync's, once a period): what AWS refused may have gone away meanwhile."""
        resource = Resource.from_body(kind, body)
        if status is not None:
            resource.status = _plain(status)
        with self._lock(resource.uid):
            if retry > 0 and self._ready.get(resource.uid) == resource.generation:
                # A retry (say a rollout poll) of a pass that another pass has since seen
                # through to Ready: nothing is left for it to do.
                return Result("done", message="already Ready", ready=True)
            if status is None and (known is None or known.as_of is None):
                # A handler's first pass (a resync's passes come from a listing, as_of).
                current = self._current(resource)
                if isinstance(current, Result):
                    return current
                resource = current
            if self._stale(resource.uid, known):
                # Read before another pass ended (a resync that listed the object as its
                # own handler was about to write): that pass saw more, and this one, from
                # older status, could register a revision twice.
                return Result("done", message="a newer pass ran")
            try:
                return self._run(resource, retry, deleting=False, known=known, notes=notes)
            finally:
                self._passed[resource.uid] = time.monotonic()

    def post_notes(self, notes: Notes) -> None:
        """The handler's Normal events as one: the last one's reason (where it ended up; a
        message quoted from AWS gives it only when there is nothing else), every message in
        order."""
        if notes.resource is None or not notes.said:
            return
        own = [reason for reason, _, quoted in notes.said if not quoted]
        reason = own[-1] if own else notes.said[-1][0]
        message = "; ".join(dict.fromkeys(message for _, message, _ in notes.said))
        notes.said.clear()
        self._events(notes.resource, "Normal", reason, message)

    def _current(self, resource: Resource) -> Resource | Result:
        """The object to work from, or "already handled" when kopf's body is older than
        this generation's end. kopf hands over the last event it queued while its
        handler ran, which may be a status write before the last (a pass from it would
        post ECS's events again, or say Ready twice), or a change made since. Status is
        written by kopilot alone, so no read is needed for a body at our last write, of a
        later generation (generations only grow: it came after), or at one of our own
        earlier writes when a later one ended this generation's handling (kopf does hand
        over the RollingOut write after the handler wrote Ready). Any other body of the
        same generation is read again (one GET)."""
        own = self._written.get(resource.uid)
        if own is None or own.last == resource.version or resource.generation > own.generation:
            return resource
        if own.handled and resource.version in own.versions:
            ready = self._ready.get(resource.uid) == resource.generation
            return Result("done", message="already handled", ready=ready)
        current = self._kube.get(resource.kind, resource.namespace, resource.name)
        if current is None:
            return resource
        fresh = Resource.from_body(resource.kind, current)
        if fresh.status.get(HANDLED) == fresh.generation:
            # This generation's handling ended since (the resync looks at it in its time).
            return Result("done", message="already handled", ready=_is_ready(fresh))
        return fresh

    def _stale(self, uid: str, known: Known | None) -> bool:
        if known is None or known.as_of is None:
            return False
        return self._passed.get(uid, float("-inf")) > known.as_of

    def delete(self, kind: str, body: Any, retry: int = 0) -> Result:
        resource = Resource.from_body(kind, body)
        if self._kube.crd_deleting(kind):
            # Uninstalling kopilot (deleting its CRDs) deletes every resource of the kind;
            # that must never delete what they made in AWS. Let them go untouched.
            log.warning(
                "%s %s/%s released without touching AWS: its CRD is being deleted",
                kind,
                resource.namespace,
                resource.name,
            )
            self.forget(resource.uid)
            return Result("done")
        with self._lock(resource.uid):
            result = self._run(resource, retry, deleting=True)
        if result.outcome == "done":
            self.forget(resource.uid)
        return result

    # -- the one pass ---------------------------------------------------------------------

    def _run(
        self,
        resource: Resource,
        retry: int,
        deleting: bool,
        known: Known | None = None,
        notes: Notes | None = None,
    ) -> Result:
        manager = self._managers[resource.kind]
        ctx: Context[Any] = Context(
            resource, self._kube, self._clients, self._events, manager.status_model, known, notes
        )
        # AWS pacing gives each object its slot; the pass is counted and timed (metrics).
        with acting_for(resource.uid), metrics.measured(resource.kind, resource.uid) as measured:
            try:
                result = self._outcome_of(ctx, manager, retry, deleting)
            finally:
                if ctx.written:
                    self._written[resource.uid] = OwnWrites.after(
                        self._written.get(resource.uid),
                        ctx.written,
                        handled=resource.status.get(HANDLED) == resource.generation,
                    )
            measured.done(result.outcome, resource.status)
        result.status, result.reads = resource.status, ctx.reads
        return result

    def _outcome_of(
        self, ctx: Context[Any], manager: Manager[Any], retry: int, deleting: bool
    ) -> Result:
        resource = ctx.resource
        try:
            spec = manager.spec_model.model_validate(resource.spec)
        except pydantic.ValidationError as err:
            if deleting:
                # A spec that cannot be parsed created nothing: let the object go.
                return Result("done")
            return self._failed(ctx, Terminal("InvalidSpec", _validation_message(err)), retry)
        ctx.observing = getattr(spec, "management_policy", "Manage") == "Observe"
        retained = deleting and (
            ctx.observing or getattr(spec, "deletion_policy", "Delete") == "Retain"
        )
        try:
            if not retained:  # what leaves AWS untouched needs no permission
                try:
                    self._permitted(ctx, spec)
                except NotPermitted:
                    if not (deleting and _made_nothing(resource.status)):
                        raise
                    # Refused from the start: it made nothing, and looks for nothing.
                    return self._succeeded(
                        ctx, Outcome(True, "Deleted", "nothing was made in AWS"), deleting
                    )
            if deleting and getattr(spec, "deletion_policy", "Delete") == "Retain":
                outcome = Outcome(True, "Retained", f"deletionPolicy Retain: {manager.retained}")
            elif deleting and ctx.observing:
                outcome = Outcome(True, "Retained", f"managementPolicy Observe: {manager.retained}")
            elif deleting:
                outcome = manager.delete(ctx, spec)
            else:
                outcome = manager.reconcile(ctx, spec)
        except Waiting as wait:
            outcome = Outcome(
                False, wait.reason, wait.message, requeue_after=wait.delay or 5.0, watch=wait.wake
            )
        except NotPermitted as refused:
            # Not an error of the pass: the namespace's policy says no, until it says yes.
            outcome = Outcome(
                False,
                "NotPermitted",
                refused.message,
                requeue_after=TENANCY_RETRY_SECONDS,
            )
        except Exception as err:  # sorted, reported on status and retried or stopped
            if not isinstance(err, ReconcileError):
                log.debug(
                    "%s %s/%s failed",
                    resource.kind,
                    resource.namespace,
                    resource.name,
                    exc_info=True,
                )
            action = "delete" if deleting else "reconcile"
            return self._failed(ctx, classify(err, action), retry)
        if ctx.observing and not deleting:
            outcome = _observed(ctx, outcome)
        return self._succeeded(ctx, outcome, deleting)

    def _permitted(self, ctx: Context[Any], spec: Any) -> None:
        """The tenancy check, before any AWS call (see controller.tenancy)."""
        if self._tenancy is None or self._tenancy.mode == "single":
            return
        resource = ctx.resource
        app = None
        app_ref = getattr(spec, "app", None)
        if isinstance(app_ref, str):
            app = ctx.known.app or self._kube.get("EcsApp", resource.namespace, app_ref)
            if app is not None and ctx.known.app is None:
                ctx.known = dataclasses.replace(ctx.known, app=app)  # read once a pass
        self._tenancy.check(resource.kind, resource.namespace, resource.name, spec, app)

    def _succeeded(self, ctx: Context[Any], outcome: Outcome, deleting: bool) -> Result:
        resource = ctx.resource
        before = find(resource.status.get("conditions"), READY)
        conditions = merge_conditions(
            resource.status.get("conditions", []),
            [
                Cond(READY, outcome.ready, outcome.reason, outcome.message),
                Cond(SYNCED, True, SYNCED_OK),
            ],
            resource.generation,
            now_rfc3339(),
        )
        status = {
            **(wire(outcome.status) if outcome.status is not None else {}),
            "observedGeneration": resource.generation,
            "conditions": conditions,
        }
        if outcome.requeue_after is None and not deleting:
            status[HANDLED] = resource.generation
        if ctx.observing or "plannedChanges" in resource.status:
            status["plannedChanges"] = ctx.planned if ctx.observing else None
        if ctx.unsaved or _changed(resource.status, status):
            ctx._save_wire(_merged(ctx.unsaved, status))
        transition = (
            before is None
            or before.get("status") != ("True" if outcome.ready else "False")
            or (not outcome.ready and before.get("reason") != outcome.reason)
        )
        # Progress right after an action ("RollingOut" after "CreatedService") is no news:
        # the action's event said it. Becoming Ready always gets its event.
        if transition and (outcome.ready or not ctx.events_posted):
            ctx.event(outcome.reason, outcome.message or outcome.reason)
        if outcome.ready and not deleting:
            self._ready[resource.uid] = resource.generation
        else:
            self._ready.pop(resource.uid, None)
        if deleting:
            return (
                Result("done")
                if outcome.ready
                else Result("requeue", outcome.requeue_after or 5.0, outcome.message)
            )
        if outcome.requeue_after is not None:
            return Result("requeue", outcome.requeue_after, outcome.message, watch=outcome.watch)
        return Result("done", ready=outcome.ready)

    def _failed(self, ctx: Context[Any], error: ReconcileError, retry: int) -> Result:
        resource = ctx.resource
        self._ready.pop(resource.uid, None)
        terminal = isinstance(error, Terminal)
        metrics.reconcile_error(resource.kind, error.reason, terminal)
        previous_ready = find(resource.status.get("conditions"), READY)
        updates = [
            Cond(SYNCED, False, SYNCED_TERMINAL if terminal else SYNCED_ERROR, error.message)
        ]
        if (
            terminal
            or isinstance(error, Blocked)
            or previous_ready is None
            or previous_ready.get("status") != "True"
        ):
            # A transient AWS error does not make a serving resource unready; being
            # refused (a spec error, a permission) does: someone must act.
            updates.append(Cond(READY, False, error.reason, error.message))
        conditions = merge_conditions(
            resource.status.get("conditions", []), updates, resource.generation, now_rfc3339()
        )
        status: dict[str, Any] = {
            "observedGeneration": resource.generation,
            "conditions": conditions,
        }
        if terminal:
            status[HANDLED] = resource.generation
        if _changed(resource.status, status):
            ctx._save_wire(_merged(ctx.unsaved, status))
            ctx.event(error.reason, error.message, warning=True)
        elif ctx.unsaved:
            ctx._save_wire(ctx.unsaved)
        if terminal:
            return Result("terminal", message=error.message)
        delay = (
            error.delay if isinstance(error, Retryable) and error.delay else self._backoff(retry)
        )
        return Result("requeue", delay, error.message)

    def _backoff(self, retry: int) -> float:
        """Doubling from the base, up to the resync period, with jitter."""
        base: float = min(self._backoff_base * (2**retry), self._backoff_max)
        return base * random.uniform(0.8, 1.2)


def _is_ready(resource: Resource) -> bool:
    ready = find(resource.status.get("conditions"), READY)
    return ready is not None and ready.get("status") == "True"


def _observed(ctx: Context[Any], outcome: Outcome) -> Outcome:
    """Under managementPolicy Observe, Ready says what was observed and what Manage would
    change (the list is status.plannedChanges)."""
    if not outcome.ready:
        return outcome
    changes = [c for c in ctx.planned if not _ownership_only(c)]
    if changes:
        message = (
            f"observed; Manage would make {len(changes)} change(s) (status.plannedChanges): "
            f"{changes[0]}{' …' if len(changes) > 1 else ''}"
        )
    else:
        message = (
            "observed: AWS matches the spec"
            + (" apart from kopilot's ownership (adoption, tags)" if ctx.planned else "")
            + "; set managementPolicy: Manage to take it over"
        )
    return dataclasses.replace(outcome, reason="Observed", message=message)


def _ownership_only(change: str) -> bool:
    """A planned change that only makes a resource kopilot's (tags, an allowed adoption)."""
    return change.startswith("tag ") or (
        change.startswith("adopt ") and "spec.adopt: true" not in change
    )


def _validation_message(err: pydantic.ValidationError) -> str:
    parts = []
    for problem in err.errors():
        where = ".".join(str(p) for p in problem["loc"])
        parts.append(f"spec.{where}: {problem['msg']}" if where else problem["msg"])
    return "; ".join(parts)


def _changed(current: dict[str, Any], update: dict[str, Any]) -> bool:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(current.get(key), dict):
            if _changed(current[key], value):
                return True
        elif key == "conditions":
            if _strip_times(current.get(key)) != _strip_times(value):
                return True
        elif current.get(key) != value:
            return True
    return False


def _strip_times(conditions: Any) -> Any:
    if not isinstance(conditions, list):
        return conditions
    return [{k: v for k, v in c.items() if k != "lastTransitionTime"} for c in conditions]


def _merged(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _deep_merge_into(out, first)
    _deep_merge_into(out, second)
    return out


def _deep_merge_into(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """Merge keeping None (a merge patch's delete) for the patch to carry."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge_into(target[key], value)
        else:
            target[key] = value


def _deep_merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = value


def _plain(value: Any) -> Any:
    """kopf hands out read-only views; managers want plain, mutable dicts."""
    if isinstance(value, dict) or hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
