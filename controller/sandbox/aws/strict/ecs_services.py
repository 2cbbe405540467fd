"""Strict rules of ECS CreateService, UpdateService and DeleteService."""

from __future__ import annotations

from typing import Any

from .rules import Request, rule

API = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference"
TESTS = "tests/aws/strict/test_ecs_services.py"
CREATE_UPDATE = ("ecs:CreateService", "ecs:UpdateService")


def task_definition(request: Request) -> Any:
    """The task definition the service will run: the one named in the request, else (an
    update) the service's current one; None when neither can be found."""
    ecs = request.ecs
    ref = request.get("taskDefinition")
    if ref is None and request.call.operation == "UpdateService":
        service = _service(request)
        ref = getattr(service, "task_definition", None)
    if not ref:
        return None
    try:
        return ecs.describe_task_definition(ref)
    except Exception:  # an unknown task definition is moto's error to report
        return None


def _service(request: Request) -> Any:
    try:
        return request.ecs._get_service(
            request.get("cluster") or "default", request.get("service") or ""
        )
    except Exception:
        return None


def _cloudmap_service(request: Request, arn: str) -> Any:
    return next((s for s in request.cloudmap.services.values() if s.arn == arn), None)


def _has_srv_record(cloudmap_service: Any) -> bool:
    records = (getattr(cloudmap_service, "dns_config", None) or {}).get("DnsRecords") or []
    return any(record.get("Type") == "SRV" for record in records)


@rule(
    "ecs.service-registry-port",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="With the awsvpc network mode and a Cloud Map service that has an SRV record, a "
    "service registry gives `port`, or `containerName` and `containerPort`, not both.",
    source=f"{API}/API_ServiceRegistry.html",
    test=f"{TESTS}::test_a_registry_with_an_srv_record_needs_a_port",
)
def _registry_port(request: Request) -> str | None:
    registries = request.get("serviceRegistries") or []
    if not registries:
        return None
    definition = task_definition(request)
    if definition is None or definition.network_mode != "awsvpc":
        return None
    for registry in registries:
        has_port = registry.get("port") is not None
        has_container = (
            registry.get("containerName") is not None or registry.get("containerPort") is not None
        )
        if has_port and has_container:
            return (
                "You cannot specify both a port and a containerName/containerPort combination "
                "for a service registry."
            )
        if has_port or has_container:
            continue
        target = _cloudmap_service(request, str(registry.get("registryArn")))
        if target is not None and _has_srv_record(target):
            return (
                "When specifying 'awsvpc' mode and an SRV record in the service discovery "
                "service, you must specify a containerName and containerPort combination or "
                "a port value."
            )
    return None
