"""What the sandbox holds: kopilot resources with their status, and the emulated AWS state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubernetes import client

from ..api import GROUP, KINDS, VERSION
from ..reconcile.conditions import find


def resources(api: Any) -> list[dict[str, Any]]:
    """Every kopilot resource in every namespace, in kind order (apps, envs, services)."""
    custom: Any = client.CustomObjectsApi(api)
    found: list[dict[str, Any]] = []
    for kind in KINDS:
        items = custom.list_cluster_custom_object(GROUP, VERSION, kind.plural).get("items", [])
        found.extend(
            sorted(items, key=lambda o: (o["metadata"]["namespace"], o["metadata"]["name"]))
        )
    return found


def summary(obj: dict[str, Any]) -> dict[str, Any]:
    status = obj.get("status") or {}
    ready = find(status.get("conditions"), "Ready") or {}
    synced = find(status.get("conditions"), "Synced") or {}
    return {
        "kind": obj["kind"],
        "namespace": obj["metadata"]["namespace"],
        "name": obj["metadata"]["name"],
        "ready": ready.get("status", "Unknown"),
        "reason": ready.get("reason", ""),
        "message": ready.get("message", ""),
        "terminal": synced.get("reason") == "ReconcileTerminal"
        or ready.get("reason") == "RolloutFailed",
        "status": status,
    }


def all_ready_or_failed(items: list[dict[str, Any]]) -> bool:
    """Every resource is Ready or has failed in a way that waiting will not fix."""
    return bool(items) and all(s["ready"] == "True" or s["terminal"] for s in items)


def regions_of(items: list[dict[str, Any]]) -> list[str]:
    """The Regions the environments use."""
    return sorted(
        {
            str(item["spec"]["region"])
            for item in items
            if item["kind"] == "EcsEnvironment" and (item.get("spec") or {}).get("region")
        }
    )


def aws_state(client_for: Callable[[str, str], Any], regions: list[str]) -> dict[str, Any]:
    """Clusters, services (with deployments and Service Connect), task definitions in use,
    namespaces, Cloud Map services, and load balancers with their listeners, per Region."""
    state: dict[str, Any] = {}
    for region in regions:
        ecs, sd = client_for("ecs", region), client_for("servicediscovery", region)
        elb = client_for("elbv2", region)
        clusters = _clusters(ecs)
        services = [s for c in clusters for s in _services(ecs, c["clusterArn"])]
        task_definitions = sorted(
            {d["taskDefinition"] for s in services for d in s.get("deployments", [])}
        )
        state[region] = {
            "clusters": clusters,
            "services": services,
            "taskDefinitions": [_task_definition(ecs, arn) for arn in task_definitions],
            "namespaces": [
                _namespace(sd, n["Id"]) for n in sd.list_namespaces().get("Namespaces", [])
            ],
            "cloudMapServices": [
                _cloud_map_service(sd, s["Id"]) for s in sd.list_services().get("Services", [])
            ],
            "loadBalancers": [
                _load_balancer(elb, lb)
                for lb in elb.describe_load_balancers().get("LoadBalancers", [])
            ],
        }
    return state


def _clusters(ecs: Any) -> list[dict[str, Any]]:
    arns = ecs.list_clusters().get("clusterArns", [])
    if not arns:
        return []
    found = ecs.describe_clusters(clusters=arns, include=["SETTINGS", "TAGS"])["clusters"]
    return [
        {
            k: c.get(k)
            for k in (
                "clusterName",
                "clusterArn",
                "status",
                "settings",
                "serviceConnectDefaults",
                "tags",
            )
        }
        for c in found
        if c.get("status") == "ACTIVE"
    ]


def _services(ecs: Any, cluster: str) -> list[dict[str, Any]]:
    arns = ecs.list_services(cluster=cluster, maxResults=100).get("serviceArns", [])
    services: list[dict[str, Any]] = []
    for start in range(0, len(arns), 10):
        for s in ecs.describe_services(cluster=cluster, services=arns[start : start + 10])[
            "services"
        ]:
            services.append(
                {
                    "serviceName": s["serviceName"],
                    "cluster": cluster,
                    "status": s["status"],
                    "taskDefinition": s.get("taskDefinition"),
                    "desiredCount": s.get("desiredCount"),
                    "runningCount": s.get("runningCount"),
                    "serviceRegistries": s.get("serviceRegistries", []),
                    "deployments": [
                        {
                            k: d.get(k)
                            for k in (
                                "id",
                                "status",
                                "taskDefinition",
                                "rolloutState",
                                "desiredCount",
                                "runningCount",
                                "serviceConnectConfiguration",
                                "serviceConnectResources",
                            )
                        }
                        for d in s.get("deployments", [])
                    ],
                }
            )
    return services


def _task_definition(ecs: Any, arn: str) -> dict[str, Any]:
    td = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
    return {
        k: td.get(k)
        for k in (
            "taskDefinitionArn",
            "family",
            "revision",
            "cpu",
            "memory",
            "networkMode",
            "requiresCompatibilities",
            "containerDefinitions",
        )
    }


def _namespace(sd: Any, namespace_id: str) -> dict[str, Any]:
    ns = sd.get_namespace(Id=namespace_id)["Namespace"]
    return {k: ns.get(k) for k in ("Id", "Arn", "Name", "Type", "ServiceCount", "Properties")}


def _cloud_map_service(sd: Any, service_id: str) -> dict[str, Any]:
    svc = sd.get_service(Id=service_id)["Service"]
    return {
        k: svc.get(k)
        for k in ("Id", "Arn", "Name", "NamespaceId", "DnsConfig", "HealthCheckCustomConfig")
    }


def _load_balancer(elb: Any, found: dict[str, Any]) -> dict[str, Any]:
    listeners = elb.describe_listeners(LoadBalancerArn=found["LoadBalancerArn"])["Listeners"]
    return {
        **{k: found.get(k) for k in ("LoadBalancerName", "LoadBalancerArn", "Scheme", "DNSName")},
        "listeners": [
            {
                "Port": listener["Port"],
                "Protocol": listener["Protocol"],
                "Rules": len(elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]),
            }
            for listener in sorted(listeners, key=lambda listener: listener["Port"])
        ],
    }
