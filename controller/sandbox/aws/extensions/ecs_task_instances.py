"""The Cloud Map instances ECS registers for the tasks of a service.

Amazon ECS Developer Guide, "Use service discovery to connect Amazon ECS services with DNS
names": each task of a service with `serviceRegistries` is a service discovery instance of
the registry's Cloud Map service, with the custom attributes AWS_INSTANCE_IPV4,
AWS_INSTANCE_PORT ("the port value associated with the service discovery service"),
AVAILABILITY_ZONE, REGION, ECS_SERVICE_NAME, ECS_CLUSTER_NAME and ECS_TASK_DEFINITION_FAMILY
(EC2_INSTANCE_ID and ECS_TASK_SET_EXTERNAL_ID only apply to the EC2 launch type and to
external deployments, which the emulator has not). Service Connect ("Amazon ECS Service
Connect components"): ECS manages "entries for each task as the tasks start and stop" in each
discovery service of serviceConnectConfiguration.services; the emulator writes the same
attributes there, the port being the proxy's (ingressPortOverride, else the port mapping's).

The instance id is the task id. A task is registered when it starts RUNNING and deregistered
when it stops, as part of the same tick, without a Cloud Map operation of its own: ECS does
it, and a thousand services' tasks would otherwise fill the operations every tick walks. Its
health follows the task's (Cloud Map API Reference, UpdateInstanceCustomHealthStatus, is how
ECS reports it): UNHEALTHY when the task is, HEALTHY otherwise.
"""

from __future__ import annotations

from typing import Any

from moto.servicediscovery.models import ServiceInstance, servicediscovery_backends

Backend = Any  # moto's EC2ContainerServiceBackend
Task = dict[str, Any]


def _cloudmap(backend: Backend) -> Any:
    return servicediscovery_backends[backend.account_id][backend.region_name]


def _port_mappings(definition: Any) -> dict[str, int]:
    return {
        str(mapping["name"]): int(mapping["containerPort"])
        for container in (definition.container_definitions if definition else [])
        for mapping in container.get("portMappings") or []
        if mapping.get("name") and mapping.get("containerPort")
    }


def _targets(deployment: dict[str, Any], definition: Any) -> list[tuple[str, int | None]]:
    """(Cloud Map service id, port or None) of every service a deployment's task joins."""
    found: list[tuple[str, int | None]] = []
    for registry in deployment.get("_serviceRegistries") or []:
        port = registry.get("port") or registry.get("containerPort")
        found.append((str(registry["registryArn"]).rsplit("/", 1)[-1], port))
    config = deployment.get("serviceConnectConfiguration") or {}
    arns = {
        r["discoveryName"]: r["discoveryArn"]
        for r in deployment.get("serviceConnectResources") or []
    }
    ports = _port_mappings(definition)
    for entry in (config.get("services") or []) if config.get("enabled") else []:
        arn = arns.get(entry.get("discoveryName") or entry.get("portName"))
        if arn:
            port = entry.get("ingressPortOverride") or ports.get(entry.get("portName"))
            found.append((str(arn).rsplit("/", 1)[-1], port))
    return found


def register(
    backend: Backend, service: Any, deployment: dict[str, Any], task: Task, definition: Any
) -> None:
    """Register a task of `deployment` (of ECS `service`) that started RUNNING; the services
    it joined are remembered on the task for its deregistration."""
    where = _targets(deployment, definition)
    if not where:
        return
    cloudmap = _cloudmap(backend)
    task_id = task["taskArn"].rsplit("/", 1)[-1]
    details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
    common = {
        "AWS_INSTANCE_IPV4": details["privateIPv4Address"],
        "AVAILABILITY_ZONE": task["availabilityZone"],
        "REGION": backend.region_name,
        "ECS_CLUSTER_NAME": service.cluster_name,
        "ECS_SERVICE_NAME": service.name,
        "ECS_TASK_DEFINITION_FAMILY": getattr(definition, "family", None)
        or str(task["taskDefinitionArn"]).rsplit("/", 1)[-1].split(":")[0],
    }
    registered = task.setdefault("_registered", [])
    for service_id, port in where:
        holder = cloudmap.services.get(service_id)
        if holder is None:
            continue  # a registry deleted out of band: ECS registers nothing there
        attributes = dict(common)
        if port:
            attributes["AWS_INSTANCE_PORT"] = str(port)
        instance = ServiceInstance(service_id, task_id, attributes=attributes)
        instance.health_status = health(task)
        holder.instances = [i for i in holder.instances if i.instance_id != task_id]
        holder.instances.append(instance)
        _revise(holder, task_id)
        registered.append(service_id)


def deregister(backend: Backend, task: Task) -> None:
    """A stopped task leaves every service it was registered in (those still there)."""
    registered: list[str] = task.pop("_registered", None) or []
    if not registered:
        return
    cloudmap = _cloudmap(backend)
    task_id = task["taskArn"].rsplit("/", 1)[-1]
    for service_id in registered:
        service = cloudmap.services.get(service_id)
        if service is not None:
            service.instances = [i for i in service.instances if i.instance_id != task_id]
            _revise(service, task_id)


def health(task: Task) -> str:
    return "UNHEALTHY" if task["healthStatus"] == "UNHEALTHY" else "HEALTHY"


def _revise(service: Any, instance_id: str) -> None:
    # DiscoverInstancesRevision changes whenever an instance is registered or deregistered.
    service.instances_revision[instance_id] = service.instances_revision.get(instance_id, 0) + 1
