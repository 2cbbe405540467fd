"""The kopilot objects of the current kubeconfig context (or --kubeconfig/--context/-n)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import PluginError

GROUP, VERSION = "kopilot.dev", "v1alpha1"
KINDS = {"ecsservices": "EcsService", "ecsenvironments": "EcsEnvironment", "ecsapps": "EcsApp"}


@dataclass
class Kube:
    custom: Any  # kubernetes.client.CustomObjectsApi
    namespace: str
    server: str

    def get(self, plural: str, name: str) -> dict[str, Any] | None:
        from kubernetes.client.exceptions import ApiException

        try:
            found: dict[str, Any] = self.custom.get_namespaced_custom_object(
                GROUP, VERSION, self.namespace, plural, name
            )
        except ApiException as err:
            if err.status == 404:
                return None
            raise _api_error(err, plural, self.namespace) from err
        except Exception as err:
            raise self._unreachable(err) from err
        return found

    def need(self, plural: str, name: str) -> dict[str, Any]:
        found = self.get(plural, name)
        if found is None:
            raise PluginError(
                f"{KINDS[plural]} {name!r} not found in namespace {self.namespace!r}: "
                f"`kubectl get {plural} -A` lists them all; pick one with -n NAMESPACE"
            )
        return found

    def list(self, plural: str) -> list[dict[str, Any]]:
        from kubernetes.client.exceptions import ApiException

        try:
            found = self.custom.list_namespaced_custom_object(
                GROUP, VERSION, self.namespace, plural
            )
        except ApiException as err:
            raise _api_error(err, plural, self.namespace) from err
        except Exception as err:
            raise self._unreachable(err) from err
        items: list[dict[str, Any]] = found.get("items", [])
        return sorted(items, key=lambda o: str(o["metadata"]["name"]))

    def _unreachable(self, err: Exception) -> PluginError:
        return PluginError(
            f"cannot reach the Kubernetes API server at {self.server} ({type(err).__name__}): "
            "check the kubeconfig context (`kubectl config current-context`)"
        )


def _api_error(err: Any, plural: str, namespace: str) -> PluginError:
    if err.status == 403:
        return PluginError(
            f"not allowed to read {plural} in namespace {namespace!r}: ask for kopilot's "
            "view role (aggregated into `view`)"
        )
    if err.status == 404:
        return PluginError(
            f"the API server has no {plural}.{GROUP}: install kopilot's CRDs "
            "(`kopilot crds | kubectl apply -f -`)"
        )
    return PluginError(f"the API server answered {err.status} {err.reason} for {plural}")


def connect(kubeconfig: str | None, context: str | None, namespace: str | None) -> Kube:
    """The API of the kubeconfig's context; the namespace given, else the context's, else
    "default" (as kubectl chooses it)."""
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    try:
        contexts, active = config.list_kube_config_contexts(  # type: ignore[no-untyped-call]
            config_file=kubeconfig
        )
        api = config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=kubeconfig, context=context
        )
    except (ConfigException, OSError) as err:
        raise PluginError(
            f"cannot use the kubeconfig ({kubeconfig or 'KUBECONFIG or ~/.kube/config'}): {err}"
        ) from err
    chosen = next((c for c in contexts if c["name"] == context), None) if context else active
    chosen_namespace = ((chosen or {}).get("context") or {}).get("namespace")
    return Kube(
        custom=client.CustomObjectsApi(api),
        namespace=namespace or chosen_namespace or "default",
        server=str(api.configuration.host),
    )


def condition(obj: dict[str, Any], type_: str = "Ready") -> dict[str, Any]:
    for found in (obj.get("status") or {}).get("conditions") or []:
        if found.get("type") == type_:
            return dict(found)
    return {}
