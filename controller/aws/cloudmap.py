"""AWS Cloud Map (servicediscovery) calls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..naming import from_aws_tags, to_aws_tags


def get_namespace(sd: Any, namespace_id: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = sd.get_namespace(Id=namespace_id)["Namespace"]
    except sd.exceptions.NamespaceNotFound:
        return None
    return found


def find_namespace(sd: Any, name: str) -> dict[str, Any] | None:
    """A namespace by exact name (ListNamespaces with a NAME filter, all pages)."""
    pages = sd.get_paginator("list_namespaces").paginate(
        Filters=[{"Name": "NAME", "Values": [name], "Condition": "EQ"}]
    )
    for page in pages:
        for namespace in page.get("Namespaces", []):
            if namespace.get("Name") == name:
                return dict(namespace)
    return None


def tags_of(sd: Any, arn: str) -> dict[str, str]:
    return from_aws_tags(sd.list_tags_for_resource(ResourceARN=arn).get("Tags"))


def tag(sd: Any, arn: str, tags: dict[str, str]) -> None:
    sd.tag_resource(ResourceARN=arn, Tags=to_aws_tags(tags, "Key", "Value"))


def create_namespace(
    sd: Any,
    name: str,
    type_: str,
    vpc_id: str | None,
    creator_request_id: str,
    tags: dict[str, str],
    description: str,
) -> str:
    """Start creating a namespace; returns the operation id to poll."""
    common = {
        "Name": name,
        "CreatorRequestId": creator_request_id,
        "Description": description,
        "Tags": to_aws_tags(tags, "Key", "Value"),
    }
    if type_ == "HTTP":
        response = sd.create_http_namespace(**common)
    else:
        response = sd.create_private_dns_namespace(Vpc=vpc_id, **common)
    operation: str = response["OperationId"]
    return operation


def get_operation(sd: Any, operation_id: str) -> dict[str, Any]:
    operation: dict[str, Any] = sd.get_operation(OperationId=operation_id)["Operation"]
    return operation


def delete_namespace(sd: Any, namespace_id: str) -> str | None:
    """Start deleting; returns the operation id, or None when it is already gone."""
    try:
        response = sd.delete_namespace(Id=namespace_id)
    except sd.exceptions.NamespaceNotFound:
        return None
    operation: str = response["OperationId"]
    return operation


def get_service(sd: Any, service_id: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = sd.get_service(Id=service_id)["Service"]
    except sd.exceptions.ServiceNotFound:
        return None
    return found


def create_service(sd: Any, request: dict[str, Any]) -> dict[str, Any]:
    """Create (idempotent through CreatorRequestId): a repeat of our own request returns the
    service it made; a name taken by another request raises ServiceAlreadyExists, whose
    ServiceId names the service in the way."""
    try:
        created: dict[str, Any] = sd.create_service(**request)["Service"]
    except sd.exceptions.ServiceAlreadyExists as err:
        existing = err.response.get("ServiceId")
        if existing and err.response.get("CreatorRequestId") == request.get("CreatorRequestId"):
            found = get_service(sd, existing)
            if found is not None:
                return found
        raise
    return created


def delete_service(sd: Any, service_id: str) -> None:
    try:
        sd.delete_service(Id=service_id)
    except sd.exceptions.ServiceNotFound:
        return


def services_in(sd: Any, namespace_id: str) -> Iterator[dict[str, Any]]:
    """Every Cloud Map service of a namespace: ListServices, 100 a page."""
    pages = sd.get_paginator("list_services").paginate(
        Filters=[{"Name": "NAMESPACE_ID", "Values": [namespace_id], "Condition": "EQ"}],
        PaginationConfig={"PageSize": 100},
    )
    for page in pages:
        yield from page.get("Services", [])


def instances_health(sd: Any, service_id: str) -> dict[str, str]:
    """GetInstancesHealthStatus of every instance of a service (100 a page): id -> HEALTHY,
    UNHEALTHY or UNKNOWN. A service gone meanwhile has none."""
    found: dict[str, str] = {}
    request: dict[str, Any] = {"ServiceId": service_id, "MaxResults": 100}
    try:
        while True:
            response = sd.get_instances_health_status(**request)
            found.update(response.get("Status") or {})
            if not response.get("NextToken"):
                return found
            request["NextToken"] = response["NextToken"]
    except sd.exceptions.ServiceNotFound:
        return found
