"""The operator's few Kubernetes calls: read related resources, patch status (never spec)."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from typing import Any, cast

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from ..api import GROUP, VERSION
from ..api.crd import KINDS, TENANT_POLICY, Kind

_BY_KIND: dict[str, Kind] = {k.kind: k for k in KINDS}
PAGE_SIZE = 100


class KubeGateway:
    def __init__(self, api_client: Any) -> None:
        self._custom = client.CustomObjectsApi(api_client)
        self._extensions: Any = client.ApiextensionsV1Api(api_client)
        self._core: Any = client.CoreV1Api(api_client)

    def tenant_policies(self) -> builtins.list[dict[str, Any]]:
        """Every TenantPolicy (cluster-scoped; a few, set by the platform admin)."""
        try:
            found = cast(
                dict[str, Any],
                self._custom.list_cluster_custom_object(GROUP, VERSION, TENANT_POLICY.plural),
            )
        except ApiException as err:
            if err.status == 404:  # the CRD is not installed (or being uninstalled): none
                return []
            raise
        return cast(builtins.list[dict[str, Any]], found.get("items", []))

    def namespace_labels(self, name: str) -> dict[str, str] | None:
        try:
            found = self._core.read_namespace(name)
        except ApiException as err:
            if err.status == 404:
                return None
            raise
        return dict(found.metadata.labels or {})

    def crd_deleting(self, kind: str) -> bool:
        """Whether the kind's CRD itself is being deleted (an uninstall). Listed by name:
        the operator's role may list CRDs (kopf needs that) but not get them."""
        found = self._extensions.list_custom_resource_definition(
            field_selector=f"metadata.name={_BY_KIND[kind].crd_name}"
        )
        return any(item.metadata.deletion_timestamp for item in found.items)

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            found = self._custom.get_namespaced_custom_object(
                GROUP, VERSION, namespace, _BY_KIND[kind].plural, name
            )
        except ApiException as err:
            if err.status == 404:
                return None
            raise
        return cast(dict[str, Any], found)

    def list(self, kind: str, namespace: str) -> list[dict[str, Any]]:
        return [item for page in self.pages(kind, namespace) for item in page]

    def pages(
        self, kind: str, namespace: str, limit: int = PAGE_SIZE, label_selector: str | None = None
    ) -> Iterator[builtins.list[dict[str, Any]]]:
        """The objects of a kind, a page at a time (a resync of a thousand services then
        holds a hundred at once, not all of them). managedFields are dropped: the operator
        never reads them, and they are the bulk of a listed object."""
        token: str | None = None
        while True:
            found = cast(
                dict[str, Any],
                self._custom.list_namespaced_custom_object(
                    GROUP,
                    VERSION,
                    namespace,
                    _BY_KIND[kind].plural,
                    limit=limit,
                    _continue=token,
                    label_selector=label_selector or "",
                ),
            )
            items = cast(builtins.list[dict[str, Any]], found.get("items", []))
            for item in items:
                item.get("metadata", {}).pop("managedFields", None)
            yield items
            token = (found.get("metadata") or {}).get("continue")
            if not token:
                return

    def patch_status(self, kind: str, namespace: str, name: str, status: dict[str, Any]) -> None:
        """JSON merge patch of the status subresource: only `status` can change here."""
        try:
            # The answer (the whole object) is not parsed: nothing here reads it.
            response: Any = self._custom.patch_namespaced_custom_object_status(
                GROUP,
                VERSION,
                namespace,
                _BY_KIND[kind].plural,
                name,
                {"status": status},
                _preload_content=False,
            )
            response.read()
            response.release_conn()
        except ApiException as err:
            if err.status != 404:  # deleted meanwhile: nothing left to report on
                raise
