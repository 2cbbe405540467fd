"""The operator's few Kubernetes calls: read related resources, patch status (never spec)."""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from ..api import GROUP, VERSION
from ..api.crd import KINDS, TENANT_POLICY, Kind

_BY_KIND: dict[str, Kind] = {k.kind: k for k in KINDS}
PAGE_SIZE = 100


@dataclass(frozen=True)
class Written:
    """The object as a status write left it."""

    version: str  # metadata.resourceVersion
    generation: int  # metadata.generation


class KubeGateway:
    def __init__(self, api_client: Any) -> None:
        self._api = api_client
        self._custom = client.CustomObjectsApi(api_client)
        # No CoreV1Api nor ApiextensionsV1Api: each method of the client's typed APIs carries
        # a pydantic validator, and importing CoreV1Api alone costs 20 MB and 2 s, for one
        # read of a namespace. Those two reads go through _read below.

    def _read(self, path: str, name: str, query: builtins.list[tuple[str, str]]) -> Any:
        """GET an API path ({name} filled in) as plain JSON; ApiException on an error."""
        api = self._api
        request = api.param_serialize(
            method="GET",
            resource_path=path,
            path_params={"name": name} if name else None,
            query_params=query,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )
        response = api.call_api(*request)
        response.read()
        return api.response_deserialize(
            response_data=response, response_types_map={"200": "object"}
        ).data

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
            found = self._read("/api/v1/namespaces/{name}", name, [])
        except ApiException as err:
            if err.status == 404:
                return None
            raise
        return dict((found.get("metadata") or {}).get("labels") or {})

    def crd_deleting(self, kind: str) -> bool:
        """Whether the kind's CRD itself is being deleted (an uninstall). Listed by name:
        the operator's role may list CRDs (kopf needs that) but not get them."""
        found = self._read(
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            "",
            [("fieldSelector", f"metadata.name={_BY_KIND[kind].crd_name}")],
        )
        return any(
            (item.get("metadata") or {}).get("deletionTimestamp")
            for item in found.get("items") or []
        )

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

    def patch_status(
        self, kind: str, namespace: str, name: str, status: dict[str, Any]
    ) -> Written | None:
        """JSON merge patch of the status subresource: only `status` can change here.
        Returns the object's resourceVersion and generation after it (None: it is gone)."""
        try:
            # Only the metadata of the answer (the whole object) is read.
            response: Any = self._custom.patch_namespaced_custom_object_status(
                GROUP,
                VERSION,
                namespace,
                _BY_KIND[kind].plural,
                name,
                {"status": status},
                _preload_content=False,
            )
            data = response.read()
            response.release_conn()
        except ApiException as err:
            if err.status != 404:  # deleted meanwhile: nothing left to report on
                raise
            return None
        meta = json.loads(data).get("metadata") or {}
        version = meta.get("resourceVersion")
        return Written(str(version), int(meta.get("generation", 1))) if version else None
