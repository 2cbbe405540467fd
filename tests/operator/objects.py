"""The objects the operator tests apply, and how they read them back: shared by the tests
of the operator process, the Argo CD health checks, RBAC and uninstalling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.conftest import Kube, Kubectl
from tests.fixtures_aws import LocalAws
from tests.operator_process import eventually

GROUP, VERSION = "kopilot.dev", "v1alpha1"
# Fargate sends logs with the task execution role (AWS refuses awslogs without one).
EXECUTION_ROLE = "arn:aws:iam::123456789012:role/kudos-test-execution"


def apply(kubectl: Kubectl, namespace: str, *docs: dict[str, Any]) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump_all(docs), check=True)


def app(name: str = "kudos", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "EcsApp",
        "metadata": {"name": name},
        "spec": spec,
    }


def env(name: str = "test", app_name: str = "kudos", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "EcsEnvironment",
        "metadata": {"name": name},
        "spec": {
            "app": app_name,
            "region": "us-east-1",
            "executionRoleArn": EXECUTION_ROLE,
            **spec,
        },
    }


def get(kube: Kube, namespace: str, plural: str, name: str) -> dict[str, Any] | None:
    from kubernetes.client.exceptions import ApiException

    try:
        found: dict[str, Any] = kube.custom.get_namespaced_custom_object(
            GROUP, VERSION, namespace, plural, name
        )
    except ApiException as err:
        if err.status == 404:
            return None
        raise
    return found


def condition(obj: dict[str, Any] | None, type_: str = "Ready") -> dict[str, Any]:
    for cond in ((obj or {}).get("status") or {}).get("conditions", []):
        if cond["type"] == type_:
            return dict(cond)
    return {}


def ready_now(obj: dict[str, Any] | None) -> bool:
    """Ready, and for the spec as it is now (not a Ready left from before an update)."""
    cond = condition(obj)
    return (
        obj is not None
        and cond.get("status") == "True"
        and cond.get("observedGeneration") == obj["metadata"]["generation"]
    )


def wait_ready(
    kube: Kube, namespace: str, plural: str, name: str, timeout: float = 30
) -> dict[str, Any]:
    obj = eventually(lambda: get(kube, namespace, plural, name), ready_now, timeout=timeout)
    assert obj is not None
    return obj


def wait_reason(
    kube: Kube, namespace: str, plural: str, name: str, reason: str, timeout: float = 30
) -> dict[str, Any]:
    obj = eventually(
        lambda: get(kube, namespace, plural, name),
        lambda o: condition(o).get("reason") == reason,
        timeout=timeout,
    )
    assert obj is not None
    return obj


def cluster(aws: LocalAws, name: str) -> dict[str, Any]:
    found = aws.client("ecs").describe_clusters(clusters=[name], include=["TAGS", "SETTINGS"])[
        "clusters"
    ]
    return dict(found[0]) if found else {}


def tags(items: list[dict[str, str]]) -> dict[str, str]:
    return {t.get("key", t.get("Key", "")): t.get("value", t.get("Value", "")) for t in items}


def namespaces(aws: LocalAws) -> list[dict[str, Any]]:
    return list(aws.client("servicediscovery").list_namespaces()["Namespaces"])


ROOT = Path(__file__).resolve().parents[2]
CLUSTER = "kudos-test"
# Every verb of ECS, Cloud Map, EC2 and Elastic Load Balancing that changes something.
WRITE_PREFIXES = (
    "Create",
    "Update",
    "Delete",
    "Register",
    "Deregister",
    "Tag",
    "Untag",
    "Put",
    "Modify",
    "Set",
    "Add",
    "Remove",
    "Authorize",
    "Revoke",
)


def service(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "EcsService",
        "metadata": {"name": name},
        "spec": {"app": "kudos", "environment": "test", "image": "nginx:1", **spec},
    }


def described(aws: LocalAws, name: str, cluster: str = CLUSTER) -> dict[str, Any]:
    found = aws.client("ecs").describe_services(cluster=cluster, services=[name])["services"]
    return dict(found[0]) if found else {}


def described_tags(aws: LocalAws, name: str) -> dict[str, str]:
    found = aws.client("ecs").describe_services(cluster=CLUSTER, services=[name], include=["TAGS"])
    return {t["key"]: t["value"] for t in found["services"][0].get("tags", [])}


def primary(svc: dict[str, Any]) -> dict[str, Any]:
    return next(d for d in svc["deployments"] if d["status"] == "PRIMARY")


def task_definition(aws: LocalAws, arn: str) -> dict[str, Any]:
    return dict(aws.client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"])


def cloud_map_services(aws: LocalAws) -> dict[str, dict[str, Any]]:
    sd = aws.client("servicediscovery")
    return {
        s["Name"]: sd.get_service(Id=s["Id"])["Service"] for s in sd.list_services()["Services"]
    }


def writes(counters: dict[str, int]) -> dict[str, int]:
    return {op: n for op, n in counters.items() if op.split(":")[1].startswith(WRITE_PREFIXES)}
