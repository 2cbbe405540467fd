"""What the AWS world looks like after a run, reduced to what must match between the
operator's run and the floor's: resource counts, and the configuration of sample services
with identities (ARNs, ids, tags, subnets) left out."""

from __future__ import annotations

from typing import Any

import boto3

from . import manifests


def _clients(endpoint: str) -> tuple[Any, Any, Any]:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=manifests.REGION
    )
    return (
        session.client("ecs", endpoint_url=endpoint),
        session.client("servicediscovery", endpoint_url=endpoint),
        session.client("logs", endpoint_url=endpoint),
    )


def end_state(endpoint: str, names: list[str]) -> dict[str, Any]:
    """Counts of ECS services, Cloud Map services, task definition revisions and log groups
    (with their retention), and the comparable shape of the first and the last service."""
    ecs, sd, logs = _clients(endpoint)
    services = 0
    for page in ecs.get_paginator("list_services").paginate(cluster=manifests.CLUSTER):
        services += len(page["serviceArns"])
    cloud_map = [
        s for page in sd.get_paginator("list_services").paginate() for s in page["Services"]
    ]
    revisions = 0
    for page in ecs.get_paginator("list_task_definitions").paginate(status="ACTIVE"):
        revisions += len(page["taskDefinitionArns"])
    groups = [
        g
        for page in logs.get_paginator("describe_log_groups").paginate()
        for g in page["logGroups"]
    ]
    state: dict[str, Any] = {
        "ecs services": services,
        "cloud map services": len(cloud_map),
        "active task definition revisions": revisions,
        "log groups": len(groups),
        "log group retentions (days)": sorted({g.get("retentionInDays") or 0 for g in groups}),
    }
    samples = sorted({names[0], names[-1]}) if names else []
    described = ecs.describe_services(cluster=manifests.CLUSTER, services=samples)["services"]
    registries = {
        s["Name"]: sd.get_service(Id=s["Id"])["Service"] for s in cloud_map if s["Name"] in samples
    }
    for service in described:
        state[service["serviceName"]] = _service_shape(ecs, service, registries)
    return state


def _service_shape(
    ecs: Any, service: dict[str, Any], registries: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    primary = next(d for d in service["deployments"] if d["status"] == "PRIMARY")
    connect = dict(primary.get("serviceConnectConfiguration") or {})
    connect.pop("namespace", None)
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])[
        "taskDefinition"
    ]
    registry = registries.get(service["serviceName"], {})
    awsvpc = service["networkConfiguration"]["awsvpcConfiguration"]
    return {
        "launchType": service.get("launchType"),
        "desiredCount": service.get("desiredCount"),
        "deploymentConfiguration": service.get("deploymentConfiguration"),
        "propagateTags": service.get("propagateTags"),
        "enableECSManagedTags": service.get("enableECSManagedTags"),
        "serviceRegistries": len(service.get("serviceRegistries") or []),
        "subnets": len(awsvpc.get("subnets") or []),
        "assignPublicIp": awsvpc.get("assignPublicIp"),
        "serviceConnect": connect,
        "taskDefinition": service["taskDefinition"].rsplit("/", 1)[-1],
        "containerDefinitions": definition["containerDefinitions"],
        "cpu": definition.get("cpu"),
        "memory": definition.get("memory"),
        "runtimePlatform": definition.get("runtimePlatform"),
        "discovery": {
            key: registry.get(key) for key in ("Name", "DnsConfig", "HealthCheckCustomConfig")
        },
    }


def differences(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    """Keys (dotted one level into samples) whose values differ; [] when the worlds match."""
    found = []
    for key in sorted(set(first) | set(second)):
        a, b = first.get(key), second.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            found += [f"{key}.{k}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        elif a != b:
            found.append(f"{key} ({a} vs {b})")
    return found
