"""ECS Service Connect: the namespace it names, and the Cloud Map services ECS makes for it.

Amazon ECS API Reference, ServiceConnectConfiguration.namespace: "The namespace name or full
Amazon Resource Name (ARN) of the Cloud Map namespace"; ServiceConnectService.discoveryName:
"the name of the new Cloud Map service that Amazon ECS creates for this Amazon ECS service.
This must be unique within the Cloud Map namespace" and defaults to the portName.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from moto.ecs.exceptions import ECSException, InvalidParameterException
from moto.servicediscovery.models import servicediscovery_backends

from .cloudmap import find_namespace

# ECS tags the Cloud Map services it creates for Service Connect with this.
ECS_MANAGED_TAG = {"Key": "AmazonECSManaged", "Value": "true"}


class NamespaceNotFoundException(ECSException):
    code = "NamespaceNotFoundException"


@dataclass(frozen=True)
class ServiceConnectPlan:
    config: dict[str, Any]  # as the client sent it: ECS returns it as given
    namespace: Any = None  # moto's Cloud Map namespace, when Service Connect is enabled
    discovery_names: list[str] = field(default_factory=list)


def cloudmap_backend(ecs_backend: Any) -> Any:
    return servicediscovery_backends[ecs_backend.account_id][ecs_backend.region_name]


def plan(
    ecs_backend: Any, cluster: Any, config: dict[str, Any], task_definition: Any, owner: str
) -> ServiceConnectPlan:
    """Check a serviceConnectConfiguration for the ECS service `owner` ("cluster:service");
    changes nothing, so a refused request leaves no Cloud Map service behind. Whether each
    portName names a port mapping of `task_definition` is the strict rule
    ecs.service-connect-port-name, checked before the request gets here."""
    if not config.get("enabled"):
        return ServiceConnectPlan(config)
    ref = config.get("namespace") or (cluster.service_connect_defaults or {}).get("namespace")
    if not ref:
        raise InvalidParameterException(
            "Service Connect requires a namespace: none given and the cluster has no default."
        )
    cloudmap = cloudmap_backend(ecs_backend)
    namespace = find_namespace(cloudmap, ref)
    if namespace is None:
        raise NamespaceNotFoundException(f"Failed to retrieve namespace for {ref}")
    names: list[str] = []
    for entry in config.get("services") or []:
        name = entry.get("discoveryName") or entry.get("portName")
        holder = _cloudmap_service(cloudmap, namespace.id, name)
        if holder is not None and getattr(holder, "ecs_owner", None) != owner:
            raise InvalidParameterException(f"SC service is already used by {namespace.arn}")
        names.append(name)
    return ServiceConnectPlan(config, namespace, names)


def apply(ecs_backend: Any, connect: ServiceConnectPlan, owner: str) -> list[dict[str, str]]:
    """Create the Cloud Map services the plan needs; the deployment's serviceConnectResources."""
    if connect.namespace is None:
        return []
    cloudmap = cloudmap_backend(ecs_backend)
    resources = []
    for name in connect.discovery_names:
        service = _cloudmap_service(cloudmap, connect.namespace.id, name)
        if service is None:
            service = cloudmap.create_service(
                name=name,
                namespace_id=connect.namespace.id,
                creator_request_id=str(uuid.uuid4()),
                description=None,
                dns_config=None,
                health_check_config=None,
                health_check_custom_config=None,
                tags=[ECS_MANAGED_TAG],
                service_type="HTTP",
            )
            service.ecs_owner = owner
        resources.append({"discoveryName": name, "discoveryArn": service.arn})
    return resources


def release(ecs_backend: Any, owner: str) -> None:
    """When its ECS service is gone, ECS removes the Cloud Map services it created for it."""
    cloudmap = cloudmap_backend(ecs_backend)
    for service_id, service in list(cloudmap.services.items()):
        if getattr(service, "ecs_owner", None) == owner:
            del cloudmap.services[service_id]


def _cloudmap_service(cloudmap: Any, namespace_id: str, name: str) -> Any:
    for service in cloudmap.services.values():
        if service.namespace_id == namespace_id and service.name == name:
            return service
    return None
