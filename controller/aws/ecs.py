"""ECS calls: clusters, services, task definitions."""

from __future__ import annotations

from typing import Any

from ..naming import from_aws_tags, to_aws_tags


def describe_cluster(ecs: Any, name: str) -> dict[str, Any] | None:
    """The cluster if it exists and is not INACTIVE (deleted clusters linger as INACTIVE)."""
    found = ecs.describe_clusters(clusters=[name], include=["TAGS", "SETTINGS"])["clusters"]
    for cluster in found:
        if cluster.get("status") != "INACTIVE":
            cluster["tagMap"] = from_aws_tags(cluster.get("tags"))
            return dict(cluster)
    return None


def create_cluster(ecs: Any, request: dict[str, Any]) -> dict[str, Any]:
    cluster: dict[str, Any] = ecs.create_cluster(**request)["cluster"]
    cluster["tagMap"] = from_aws_tags(cluster.get("tags"))
    return cluster


def update_cluster(ecs: Any, request: dict[str, Any]) -> None:
    ecs.update_cluster(**request)


def tag(ecs: Any, arn: str, tags: dict[str, str]) -> None:
    ecs.tag_resource(resourceArn=arn, tags=to_aws_tags(tags))


def delete_cluster(ecs: Any, name: str) -> None:
    ecs.delete_cluster(cluster=name)


# -- services and task definitions ----------------------------------------------------

DESCRIBE_BATCH = 10  # DescribeServices takes at most 10 services per call


def describe_services(ecs: Any, cluster: str, names: list[str]) -> dict[str, dict[str, Any]]:
    """Services by name, in batches of 10, with their tags; INACTIVE ones left out."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(names), DESCRIBE_BATCH):
        batch = names[start : start + DESCRIBE_BATCH]
        response = ecs.describe_services(cluster=cluster, services=batch, include=["TAGS"])
        for service in response.get("services", []):
            if service.get("status") != "INACTIVE":
                service["tagMap"] = from_aws_tags(service.get("tags"))
                found[service["serviceName"]] = service
    return found


def describe_service_any_state(ecs: Any, cluster: str, name: str) -> dict[str, Any] | None:
    response = ecs.describe_services(cluster=cluster, services=[name], include=["TAGS"])
    services = response.get("services", [])
    if not services:
        return None
    service: dict[str, Any] = services[0]
    service["tagMap"] = from_aws_tags(service.get("tags"))
    return service


def describe_task_definition(ecs: Any, arn: str) -> dict[str, Any]:
    task_definition: dict[str, Any] = ecs.describe_task_definition(taskDefinition=arn)[
        "taskDefinition"
    ]
    return task_definition


def register_task_definition(ecs: Any, request: dict[str, Any]) -> dict[str, Any]:
    task_definition: dict[str, Any] = ecs.register_task_definition(**request)["taskDefinition"]
    return task_definition


def task_definition_revisions(ecs: Any, family: str) -> list[str]:
    """ACTIVE revisions of a family, newest first."""
    arns: list[str] = []
    pages = ecs.get_paginator("list_task_definitions").paginate(
        familyPrefix=family, status="ACTIVE", sort="DESC"
    )
    for page in pages:
        arns.extend(a for a in page.get("taskDefinitionArns", []) if _family_of(a) == family)
    # Sorted here too: the order is what pruning relies on, and revisions are numbers.
    return sorted(arns, key=lambda arn: int(arn.rsplit(":", 1)[-1]), reverse=True)


def _family_of(arn: str) -> str:
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]


def task_definition_tags(ecs: Any, arn: str) -> dict[str, str]:
    response = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
    return from_aws_tags(response.get("tags"))


def describe_task_definition_and_tags(ecs: Any, arn: str) -> tuple[dict[str, Any], dict[str, str]]:
    response = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
    return dict(response["taskDefinition"]), from_aws_tags(response.get("tags"))


def list_service_arns(ecs: Any, cluster: str) -> list[str]:
    """Every service ARN of a cluster (ACTIVE and DRAINING), 100 a page."""
    arns: list[str] = []
    pages = ecs.get_paginator("list_services").paginate(
        cluster=cluster, PaginationConfig={"PageSize": 100}
    )
    for page in pages:
        arns.extend(page.get("serviceArns", []))
    return arns


def deregister_task_definition(ecs: Any, arn: str) -> None:
    ecs.deregister_task_definition(taskDefinition=arn)


def create_service(ecs: Any, request: dict[str, Any]) -> dict[str, Any]:
    service: dict[str, Any] = ecs.create_service(**request)["service"]
    return service


def update_service(ecs: Any, request: dict[str, Any]) -> dict[str, Any]:
    service: dict[str, Any] = ecs.update_service(**request)["service"]
    return service


def delete_service(ecs: Any, cluster: str, name: str) -> None:
    ecs.delete_service(cluster=cluster, service=name, force=True)


TASKS_BATCH = 100  # ListTasks pages and DescribeTasks batches hold at most 100 tasks


def service_tasks(ecs: Any, cluster: str, service: str) -> list[dict[str, Any]]:
    """The tasks ECS wants running for a service (ListTasks, every page), described in
    batches of 100; the pending ones included."""
    arns: list[str] = []
    pages = ecs.get_paginator("list_tasks").paginate(
        cluster=cluster, serviceName=service, PaginationConfig={"PageSize": TASKS_BATCH}
    )
    for page in pages:
        arns.extend(page.get("taskArns", []))
    tasks: list[dict[str, Any]] = []
    for start in range(0, len(arns), TASKS_BATCH):
        batch = arns[start : start + TASKS_BATCH]
        tasks.extend(ecs.describe_tasks(cluster=cluster, tasks=batch).get("tasks", []))
    return tasks
