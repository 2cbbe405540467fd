"""kopf's diff base, read from status instead of written to an annotation.

kopf decides between "created", "updated" and "nothing to do" by comparing an object with
the last state it handled, which it stores in an annotation: one more write per object and
per change. The engine already writes, in the pass's own status patch, which generation's
handling ended (`status.handledGeneration`: done, or stopped on a terminal error; a pass that
looks again later leaves it). So the last handled state is derived from it: the object as it
is when its generation was handled, something that differs in `spec` when it was not (kopf
then calls the update handlers), nothing when nothing was handled (the create handlers).

Objects handled by an older kopilot carry the annotation and no handledGeneration: the
annotation is read until a pass records the generation. Nothing writes it any more.
"""

from __future__ import annotations

from typing import Any

import kopf

from .reconcile.engine import HANDLED

# The spec of a state that was never handled: any real spec differs from it.
_UNHANDLED_SPEC = {"kopilot.dev/unhandled": True}


def handled_generation(body: Any) -> int | None:
    value = (body.get("status") or {}).get(HANDLED)
    return value if isinstance(value, int) else None


class StatusDiffBaseStorage(kopf.AnnotationsDiffBaseStorage):
    def fetch(self, *, body: kopf.Body) -> kopf.BodyEssence | None:
        handled = handled_generation(body)
        if handled is None:
            return super().fetch(body=body)  # never handled, or by an older kopilot
        essence = self.build(body=body)
        if handled != body.get("metadata", {}).get("generation"):
            essence = {**essence, "spec": _UNHANDLED_SPEC}
        return essence

    def store(self, *, body: kopf.Body, patch: kopf.Patch, essence: kopf.BodyEssence) -> None:
        return None  # status says it (see the module's docstring)


class UnmarkedProgressStorage(kopf.AnnotationsProgressStorage):
    """kopf's retry records, without the `kopilot.dev/kopf-managed` marker it adds to an
    object on its first handling (a write of its own, now that no diff-base annotation
    goes with it). The marker tells other kopf operators to ignore the prefix's keys; the
    diff base here is built from one body, so those keys never differ within it."""

    def _store_marker(self, prefix: str, patch: kopf.Patch, body: kopf.Body) -> None:
        return None
