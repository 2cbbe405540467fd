"""A tiny kopf operator used only by the smoke test (not product code)."""

from __future__ import annotations

from typing import Any

import kopf

from tests.controlplane.widgets import GROUP, PLURAL, VERSION


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
    # Keep kopf's own bookkeeping in annotations: the probe CRD's status schema prunes
    # anything it does not declare.
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage()
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage()
    settings.posting.enabled = False


@kopf.on.login()
def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
    # Reads $KUBECONFIG when called (the client library read it once, at import).
    return kopf.login_with_kubeconfig(**kwargs)


@kopf.on.create(GROUP, VERSION, PLURAL)
def seen(spec: kopf.Spec, patch: kopf.Patch, **_: Any) -> None:
    patch.status["phase"] = "Seen"
    patch.status["observedSize"] = spec["size"]
