"""The life of one AWS resource in a pass: every decision about it, made here once.

A resource client (reconcile/resources/) only talks to AWS: it observes, creates, updates,
tags and deletes one kind of AWS resource, and says what its status must remember. This
module decides, the same way for all of them (crossplane-runtime's managed reconciler is the
model):

    observe ─ absent ─────────────────────────────── create ─┐
       │      (recorded on status before? say it went missing) │
       present ─ not ours ─ adopt: true? ── no ─ *NotOwned     │
       │                      └ yes ─ adopt (event)            │
       ours ─ tags missing? ─ tag                              │
       │                                                       │
       delta? ─ update ──────────────────────────────────── keep ids on status
                                                               (before the next step)

and, on deletion (in reverse step order, under the kind's deletionPolicy, which the engine
applies): absent or not ours ─ leave it; ours ─ delete (and wait while AWS deletes).

Under managementPolicy Observe the same decisions are taken and none is carried out: each
create, adoption, tag and update becomes a line of the pass's plan (status.plannedChanges),
and an absent resource stops the pass (ObservedMissing): there is nothing to read.

AWS errors are classified here with the client's own terminal codes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import pydantic
from botocore.exceptions import BotoCoreError, ClientError

from ..naming import Owner, owner_of
from .errors import Terminal, classify

F = TypeVar("F")  # what a client knows of one observed resource (its facts)
W = TypeVar("W", contravariant=True)  # what a client is asked for (its wanted state)


@dataclass
class Seen(Generic[F]):
    """One AWS resource as observed (or just created)."""

    name: str  # for messages
    facts: F
    # Its tags; None when this pass did not read them (the status says it is ours and
    # the client tags it when it creates it, or knows the tags are current).
    tags: Mapping[str, str] | None = None
    delta: dict[str, Any] = field(default_factory=dict)  # path -> wanted value
    # Made by this pass, or by an operation that finished in it: "Created" is said once.
    created: bool = False


class AwsResource(Protocol[W, F]):
    """One kind of AWS resource, seen from one object's pass (bound to its status)."""

    # Read-only facts of the kind of resource (class attributes in each client).
    @property
    def noun(self) -> str:
        """What it is called in messages: ECS cluster."""
        ...

    @property
    def reason(self) -> str:
        """The word events and reasons are made of: Cluster gives CreatedCluster,
        ClusterNotOwned, AdoptedCluster, UpdatedCluster, ClusterMissing, DeletedCluster."""
        ...

    @property
    def not_owned_reason(self) -> str:
        """Usually f"{reason}NotOwned"."""
        ...

    @property
    def rename_hint(self) -> str:
        """How to pick another name, for the not-owned message."""
        ...

    @property
    def terminal_codes(self) -> Collection[str]:
        """AWS error codes that mean the request is wrong (see errors.classify)."""
        ...

    @property
    def trusts_recorded(self) -> bool:
        """Its observe takes a resource status names as this object's without reading its
        tags (to save calls): so status must name only what is this object's."""
        ...

    @property
    def idempotent_create(self) -> bool:
        """A repeat of its create returns the same resource (a client token): the ids it
        returned are written with the pass's status rather than at once."""
        ...

    def recorded(self) -> bool:
        """Whether status names one (so "absent" means it went missing)."""
        ...

    def name_of(self, want: W) -> str:
        """The name of the resource `want` describes, for messages."""
        ...

    def observe(self, want: W) -> Seen[F] | None: ...

    def diff(self, want: W, seen: Seen[F]) -> dict[str, Any]:
        """Path-keyed delta, each path with its wanted value; empty when current."""
        ...

    def create(self, want: W) -> Seen[F]:
        """Make it (idempotently: a repeat after a restart must not make a second one).
        May raise Waiting while AWS makes it asynchronously, and AlreadyExists when the
        name is taken (`ensure` then claims what is there)."""
        ...

    def update(self, want: W, seen: Seen[F]) -> Seen[F]: ...

    def tag(self, seen: Seen[F], tags: Mapping[str, str]) -> None: ...

    def read_tags(self, seen: Seen[F]) -> Mapping[str, str]:
        """Its tags, for an observation that did not read them (deletion must know)."""
        ...

    def forget(self) -> None:
        """The one status names is gone: the next create makes a new one."""
        ...

    def keep(self, seen: Seen[F]) -> pydantic.BaseModel | None:
        """What status must hold of it before the next step (ids), or None."""
        ...

    def created_event(self, seen: Seen[F]) -> tuple[str, str] | None:
        """The event (reason, message) when it was created, or None to say nothing."""
        ...

    def delete(self, seen: Seen[F]) -> None:
        """Delete it; raise Waiting while AWS deletes it."""
        ...


class Pass(Protocol):
    """What the lifecycle needs of the object's pass (reconcile.engine.Context)."""

    @property
    def owner(self) -> Owner: ...

    def event(self, reason: str, message: str, warning: bool = False) -> None: ...

    def save(self, update: pydantic.BaseModel) -> None: ...

    def record(self, update: pydantic.BaseModel) -> None: ...

    @property
    def observing(self) -> bool:
        """managementPolicy Observe: read and plan, change nothing in AWS."""
        ...

    def plan(self, change: str) -> None: ...


class AlreadyExists(Exception):
    """A create found the name taken; `seen` is what holds it."""

    def __init__(self, seen: Seen[Any]) -> None:
        super().__init__(seen.name)
        self.seen = seen


class _NotObserved:
    pass


NOT_OBSERVED = _NotObserved()


@contextmanager
def _classified(client: AwsResource[Any, Any], action: str) -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError) as err:
        raise classify(err, f"{action} {client.noun}", client.terminal_codes) from err


def ensure(
    ctx: Pass,
    client: AwsResource[W, F],
    want: W,
    adopt: bool,
    tags: Mapping[str, str],
    seen: Seen[F] | _NotObserved | None = NOT_OBSERVED,
) -> Seen[F]:
    """The resource as `want` says, made, adopted, tagged or updated as needed. `seen`,
    when given, is this pass's observation, already claimed (see `observe_claimed`):
    a kind that must know a resource is its own before its other steps observes it first."""
    if isinstance(seen, _NotObserved):
        seen = observe_claimed(ctx, client, want, adopt)
    made = False  # by this call (a client may not announce it: see Seen.created)
    if seen is None:
        try:
            with _classified(client, "create"):
                seen = client.create(want)
                made = True
        except AlreadyExists as taken:
            seen = taken.seen
            claim(ctx, client, seen, adopt)
            sync_tags(ctx, client, seen, tags)
    else:
        sync_tags(ctx, client, seen, tags)
        seen.delta = client.diff(want, seen)
        if seen.delta and ctx.observing:
            for path, value in sorted(seen.delta.items()):
                ctx.plan(f"update {client.noun} {seen.name}: {path} {_change(value)}")
        elif seen.delta:
            changed = ", ".join(sorted(seen.delta))
            with _classified(client, "update"):
                seen = client.update(want, seen)
            ctx.event(f"Updated{client.reason}", f"updated {client.noun} {seen.name}: {changed}")
    if seen.created:
        said = client.created_event(seen)
        if said is not None:
            ctx.event(*said)
    kept = client.keep(seen)
    if kept is not None and ctx.observing and client.trusts_recorded and not _ours(ctx, seen):
        kept = None  # observed, not adopted: Manage must find it and claim it
    if kept is not None:
        if (made or seen.created) and client.idempotent_create:
            ctx.record(kept)
        else:
            ctx.save(kept)
    return seen


def observe_claimed(ctx: Pass, client: AwsResource[W, F], want: W, adopt: bool) -> Seen[F] | None:
    """Observe; an absent resource that status recorded is said to be missing, forgotten
    and looked for afresh (someone may have made one of its name since); a present one
    must be ours or adopted."""
    with _classified(client, "read"):
        seen = client.observe(want)
    if seen is None and client.recorded():
        ctx.event(
            f"{client.reason}Missing",
            f"{client.noun} was deleted outside kopilot; creating it again",
            warning=True,
        )
        client.forget()
        with _classified(client, "read"):
            seen = client.observe(want)
    if seen is None and ctx.observing:
        raise Terminal(
            "ObservedMissing",
            f"there is no {client.noun} {client.name_of(want)} to observe: managementPolicy "
            "Observe only reads what exists. Correct the names in the spec, or set "
            "managementPolicy: Manage to create it",
        )
    if seen is not None:
        claim(ctx, client, seen, adopt)
    return seen


def claim(ctx: Pass, client: AwsResource[Any, F], seen: Seen[F], adopt: bool) -> None:
    """Ours, or adopted with `adopt: true`; anything else stops the pass."""
    if _ours(ctx, seen):
        return
    other = owner_of(dict(seen.tags or {})) or "nobody known to kopilot"
    if ctx.observing:
        ctx.plan(
            f"adopt {client.noun} {seen.name} (now {other}'s)"
            + ("" if adopt else ": Manage needs spec.adopt: true to take it over")
        )
        return
    if not adopt:
        raise Terminal(
            client.not_owned_reason,
            f"{client.noun} {seen.name} already exists and belongs to {other}: set "
            f"spec.adopt: true to take it over, or {client.rename_hint}",
        )
    ctx.event(f"Adopted{client.reason}", f"adopted {client.noun} {seen.name}")


def _ours(ctx: Pass, seen: Seen[Any]) -> bool:
    """Its tags say so, or they were not read (status names it: see trusts_recorded)."""
    return seen.tags is None or ctx.owner.owns(dict(seen.tags))


def sync_tags(
    ctx: Pass, client: AwsResource[Any, F], seen: Seen[F], tags: Mapping[str, str]
) -> None:
    """Add or correct the tags kopilot wants (ownership tags included); others are kept."""
    if seen.tags is None:
        return
    missing = {k: v for k, v in tags.items() if seen.tags.get(k) != v}
    if missing and ctx.observing:
        ctx.plan(f"tag {client.noun} {seen.name}: {', '.join(sorted(missing))}")
    elif missing:
        with _classified(client, "tag"):
            client.tag(seen, missing)
        seen.tags = {**seen.tags, **missing}


def remove(ctx: Pass, client: AwsResource[W, F], want: W) -> bool:
    """Delete it if it is there and ours. True when something was deleted."""
    with _classified(client, "read"):
        seen = client.observe(want)
        if seen is not None and seen.tags is None:
            seen.tags = client.read_tags(seen)
    if seen is None or not ctx.owner.owns(dict(seen.tags or {})):
        return False  # gone, or never ours: never delete what is not ours
    with _classified(client, "delete"):
        client.delete(seen)
    ctx.event(f"Deleted{client.reason}", f"deleted {client.noun} {seen.name}")
    return True


def _change(value: Any) -> str:
    """A delta entry (the wanted value, or (wanted, observed)) in words."""
    if isinstance(value, tuple) and len(value) == 2:
        return f"to {_short(value[0])} (now {_short(value[1])})"
    return f"to {_short(value)}"


def _short(value: Any, limit: int = 120) -> str:
    """A wanted value as one line of a plan."""
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
