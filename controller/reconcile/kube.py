"""The operator's few Kubernetes calls: read related resources, patch status (never spec)."""

from __future__ import annotations

from typing import Any, cast

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from ..api import GROUP, VERSION
from ..api.crd import KINDS, Kind

_BY_KIND: dict[str, Kind] = {k.kind: k for k in KINDS}


class KubeGateway:
    def __init__(self, api_client: Any) -> None:
        self._custom = client.CustomObjectsApi(api_client)
        self._extensions: Any = client.ApiextensionsV1Api(api_client)

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
        found = self._custom.list_namespaced_custom_object(
            GROUP, VERSION, namespace, _BY_KIND[kind].plural
        )
        return cast(list[dict[str, Any]], cast(dict[str, Any], found).get("items", []))

    def patch_status(self, kind: str, namespace: str, name: str, status: dict[str, Any]) -> None:
        """JSON merge patch of the status subresource: only `status` can change here."""
        try:
            self._custom.patch_namespaced_custom_object_status(
                GROUP, VERSION, namespace, _BY_KIND[kind].plural, name, {"status": status}
            )
        except ApiException as err:
            if err.status != 404:  # deleted meanwhile: nothing left to report on
                raise
