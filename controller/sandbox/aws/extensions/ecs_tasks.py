"""The tasks of ECS services, as ListTasks and DescribeTasks answer them.

moto keeps tasks for RunTask only, and its ListTasks ignores serviceName. Here each
deployment of a service (ecs_services.py) keeps task objects for its counts: `pendingCount`
tasks PENDING and `runningCount` tasks RUNNING (oldest first), started by the deployment
(Task.startedBy is its id, Task.group `service:<name>`). A task that starts RUNNING writes a
line to its containers' awslogs streams (task_logs.py) and is registered in the service's
Cloud Map services (ecs_task_instances.py) until it stops. Tasks beyond the counts, and those
of deployments that are gone, stop; a deployment whose tasks cannot start (an unpullable
image, --fail-rollouts) stops them with the stoppedReason ECS gives. Stopped tasks stay
listed with desiredStatus STOPPED, as ECS shows them for a while.
"""

from __future__ import annotations

import ipaddress
import random
import uuid
from datetime import datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.models import ec2_backends
from moto.ecs.exceptions import InvalidParameterException, TaskDefinitionNotFoundException
from moto.ecs.responses import EC2ContainerServiceResponse

from . import ecs_task_instances, task_logs
from .paging import page_request

_moto_list_tasks: Any = EC2ContainerServiceResponse.list_tasks
_moto_describe_tasks: Any = EC2ContainerServiceResponse.describe_tasks

Backend = Any
Service = Any
Task = dict[str, Any]

# Stopped tasks kept per service: ECS shows them "for at least one hour", the emulator a few.
_STOPPED_KEPT = 50
# Task.stoppedReason of a task stopped because it is no longer wanted.
_SCALED_IN = "Scaling activity initiated by (deployment {id})"
# The reason for a task of --fail-rollouts, which fails with no named cause.
_GENERIC_FAILURE = "Essential container in task exited"


def _by_service(backend: Backend) -> dict[tuple[str, str], dict[str, Task]]:
    """Service tasks by (cluster, service), then by ARN in the order they were created: each
    request's tick syncs every service, so a service finds its own without a scan."""
    found: dict[tuple[str, str], dict[str, Task]] | None = getattr(
        backend, "_kopilot_service_tasks", None
    )
    if found is None:
        found = backend._kopilot_service_tasks = {}
    return found


def _all(backend: Backend) -> list[Task]:
    return [task for tasks in _by_service(backend).values() for task in tasks.values()]


def _own(backend: Backend, service: Service) -> dict[str, Task]:
    return _by_service(backend).setdefault((service.cluster_name, service.name), {})


def _of(backend: Backend, service: Service) -> list[Task]:
    return list(_own(backend, service).values())


def _task_definition(backend: Backend, arn: str | None) -> Any:
    if not arn:
        return None
    try:
        return backend.describe_task_definition(arn)
    except TaskDefinitionNotFoundException:
        return None


def _network(backend: Backend, service: Service) -> tuple[str, str, str]:
    """(subnet, Availability Zone, private IP) in the first subnet of the service."""
    awsvpc = (service.network_configuration or {}).get("awsvpcConfiguration") or {}
    subnet_id = (awsvpc.get("subnets") or ["subnet-unknown"])[0]
    zone, cidr = f"{backend.region_name}a", "10.0.0.0/24"
    try:
        subnet = ec2_backends[backend.account_id][backend.region_name].get_subnet(subnet_id)
        zone, cidr = subnet.availability_zone, subnet.cidr_block
    except Exception:  # an unknown subnet: moto's own error types vary
        pass
    network = ipaddress.ip_network(cidr, strict=False)
    host = network[random.randint(4, max(4, network.num_addresses - 2))]
    return subnet_id, zone, str(host)


def _new_task(
    backend: Backend, service: Service, deployment: dict[str, Any], when: datetime
) -> Task:
    task_id = uuid.uuid4().hex
    arn = f"arn:aws:ecs:{backend.region_name}:{backend.account_id}:task/{service.cluster_name}/{task_id}"
    definition = _task_definition(backend, deployment["taskDefinition"])
    containers = [
        {
            "containerArn": f"arn:aws:ecs:{backend.region_name}:{backend.account_id}:container/{service.cluster_name}/{task_id}/{uuid.uuid4()}",
            "taskArn": arn,
            "name": container.get("name"),
            "image": container.get("image"),
            "lastStatus": "PENDING",
            "healthStatus": "UNKNOWN",
            "_healthCheck": bool(container.get("healthCheck")),
            "_definition": container,
        }
        for container in (definition.container_definitions if definition else [])
    ]
    subnet_id, zone, private_ip = _network(backend, service)
    eni = f"eni-{uuid.uuid4().hex[:17]}"
    cluster = backend._get_cluster(service.cluster_name)
    return {
        "taskArn": arn,
        "clusterArn": cluster.arn,
        "taskDefinitionArn": deployment["taskDefinition"],
        "group": f"service:{service.name}",
        "startedBy": deployment["id"],
        "lastStatus": "PENDING",
        "desiredStatus": "RUNNING",
        "healthStatus": "UNKNOWN",
        "createdAt": when,
        "launchType": service.launch_type,
        "platformVersion": service.platform_version,
        "platformFamily": "Linux",
        "availabilityZone": zone,
        "connectivity": "CONNECTED",
        "connectivityAt": when,
        "cpu": getattr(definition, "cpu", None),
        "memory": getattr(definition, "memory", None),
        "containers": containers,
        "attachments": [
            {
                "id": str(uuid.uuid4()),
                "type": "ElasticNetworkInterface",
                "status": "ATTACHED",
                "details": [
                    {"name": "subnetId", "value": subnet_id},
                    {"name": "networkInterfaceId", "value": eni},
                    {"name": "privateIPv4Address", "value": private_ip},
                ],
            }
        ],
        "tags": [],
        "version": 1,
        "_owner": (service.cluster_name, service.name),
    }


def _start(backend: Backend, task: Task, when: datetime) -> None:
    """PENDING -> RUNNING. Task.healthStatus: HEALTHY when its essential containers with a
    health check are; UNKNOWN when no container defines one (ECS reports no health then)."""
    checked = False
    for container in task["containers"]:
        container["lastStatus"] = "RUNNING"
        if container["_healthCheck"]:
            container["healthStatus"] = "HEALTHY"
            checked = True
        task_logs.write_start(
            backend.account_id,
            backend.region_name,
            container["_definition"],
            task["taskArn"].rsplit("/", 1)[-1],
            when,
        )
    task.update(
        lastStatus="RUNNING",
        healthStatus="HEALTHY" if checked else "UNKNOWN",
        pullStartedAt=when,
        pullStoppedAt=when,
        startedAt=when,
        version=task["version"] + 1,
    )


def _stop(
    backend: Backend, task: Task, when: datetime, reason: str, code: str, failed: bool = False
) -> None:
    ecs_task_instances.deregister(backend, task)
    for container in task["containers"]:
        container["lastStatus"] = "STOPPED"
        if failed:
            container["reason"] = reason
        elif container["healthStatus"] != "UNKNOWN":
            container["healthStatus"] = "UNKNOWN"
    task.update(
        lastStatus="STOPPED",
        desiredStatus="STOPPED",
        healthStatus="UNHEALTHY" if failed else task["healthStatus"],
        stoppedReason=reason,
        stopCode=code,
        stoppingAt=when,
        stoppedAt=when,
        executionStoppedAt=when,
        version=task["version"] + 1,
    )


def fail(
    backend: Backend,
    service: Service,
    deployment: dict[str, Any],
    when: datetime,
    reason: str | None,
) -> str:
    """Stop the deployment's tasks as tasks that failed to start (TaskFailedToStart), making
    up to `failedTasks` of them; the id of one, for the service event that quotes it."""
    live = [t for t in _of(backend, service) if t["startedBy"] == deployment["id"] and _is_live(t)]
    while len(live) < max(deployment["failedTasks"], 1):
        task = _new_task(backend, service, deployment, when)
        _own(backend, service)[task["taskArn"]] = task
        live.append(task)
    for task in live:
        _stop(backend, task, when, reason or _GENERIC_FAILURE, "TaskFailedToStart", failed=True)
    _trim(backend, service)
    return str(live[0]["taskArn"].rsplit("/", 1)[-1])


def _is_live(task: Task) -> bool:
    return bool(task["lastStatus"] != "STOPPED")


def sync(backend: Backend, service: Service, now: datetime) -> None:
    """Make the service's task objects match its deployments' counts."""
    tasks = _of(backend, service)
    deployments = {d["id"]: d for d in service.deployments}
    for task in tasks:
        if _is_live(task) and task["startedBy"] not in deployments:
            _stop(
                backend,
                task,
                now,
                _SCALED_IN.format(id=task["startedBy"]),
                "ServiceSchedulerInitiated",
            )
    for deployment in service.deployments:
        if deployment["failedTasks"] and not deployment["runningCount"]:
            continue  # its tasks failed to start (fail()); ECS keeps retrying
        live = [t for t in tasks if t["startedBy"] == deployment["id"] and _is_live(t)]
        wanted = deployment["runningCount"] + deployment["pendingCount"]
        running = sorted((t for t in live if t["lastStatus"] == "RUNNING"), key=_created)
        pending = sorted((t for t in live if t["lastStatus"] == "PENDING"), key=_created)
        # Scale in: pending tasks go first, then the newest running ones.
        for task in (pending[::-1] + running[::-1])[: max(0, len(live) - wanted)]:
            _stop(
                backend,
                task,
                now,
                _SCALED_IN.format(id=deployment["id"]),
                "ServiceSchedulerInitiated",
            )
        for _ in range(max(0, wanted - len(live))):
            task = _new_task(backend, service, deployment, now)
            _own(backend, service)[task["taskArn"]] = task
        live = sorted(
            (
                t
                for t in _of(backend, service)
                if t["startedBy"] == deployment["id"] and _is_live(t)
            ),
            key=lambda t: (t["lastStatus"] != "RUNNING", t["createdAt"]),
        )
        for task in live[: deployment["runningCount"]]:
            if task["lastStatus"] == "PENDING":
                # A rollout that completed between two requests completed at its own time.
                started = min(now, max(task["createdAt"], deployment["updatedAt"]))
                _start(backend, task, started)
                ecs_task_instances.register(
                    backend,
                    service,
                    deployment,
                    task,
                    _task_definition(backend, deployment["taskDefinition"]),
                )
    _trim(backend, service)


def _created(task: Task) -> Any:
    return task["createdAt"]


def _trim(backend: Backend, service: Service) -> None:
    stopped = [t for t in _of(backend, service) if not _is_live(t)]
    for task in stopped[: max(0, len(stopped) - _STOPPED_KEPT)]:
        del _own(backend, service)[task["taskArn"]]


# -- ListTasks / DescribeTasks ------------------------------------------------------------------


def list_tasks_response(self: Any) -> ActionResult:
    """Amazon ECS API Reference, ListTasks: serviceName filters by the service that started
    the tasks; desiredStatus defaults to RUNNING ("tasks that Amazon ECS has set the desired
    status to STOPPED" need desiredStatus STOPPED); 100 per page by default."""
    backend = self.ecs_backend
    cluster = backend._get_cluster(self._get_param("cluster") or "default")
    service_name = self._get_param("serviceName")
    family = self._get_param("family")
    started_by = self._get_param("startedBy")
    desired = self._get_param("desiredStatus") or "RUNNING"
    arns = [
        task["taskArn"]
        for task in _all(backend)
        if task["_owner"][0] == cluster.name
        and service_name in (None, task["_owner"][1])
        and started_by in (None, task["startedBy"])
        and task["desiredStatus"] == desired
        and (
            family is None or str(task["taskDefinitionArn"]).split("/")[-1].split(":")[0] == family
        )
    ]
    if service_name is None:  # RunTask's tasks, as moto keeps them
        arns += _moto_list_tasks(self).result["taskArns"]
    found, token = page_request(
        arns, self._get_param, default_size=100, error=InvalidParameterException
    )
    return ActionResult({"taskArns": found, "nextToken": token})


def describe_tasks_response(self: Any) -> ActionResult:
    """Amazon ECS API Reference, DescribeTasks: a task that is not found is a failure with
    reason MISSING."""
    backend = self.ecs_backend
    cluster = backend._get_cluster(self._get_param("cluster") or "default")
    refs: list[str] = self._get_param("tasks") or []  # 1-100: strict rule ecs.describe-tasks-count
    ours = {
        task["taskArn"].rsplit("/", 1)[-1]: task
        for task in _all(backend)
        if task["_owner"][0] == cluster.name
    }
    found: list[Any] = []
    failures: list[dict[str, str]] = []
    others: list[str] = []
    for ref in refs:
        task = ours.get(ref.rsplit("/", 1)[-1])
        if task is not None:
            found.append(task)
        else:
            others.append(ref)
    if others:
        moto_tasks = backend.describe_tasks(cluster.name, others)
        found += moto_tasks
        known = {t.task_arn for t in moto_tasks} | {t.id for t in moto_tasks}
        failures += [
            {"arn": ref, "reason": "MISSING"}
            for ref in others
            if ref not in known and ref.rsplit("/", 1)[-1] not in known
        ]
    include = self._get_param("include") or []
    if "TAGS" not in include:
        found = [{**t, "tags": None} if isinstance(t, dict) else t for t in found]
    return ActionResult({"tasks": found, "failures": failures})


def apply() -> None:
    response: Any = EC2ContainerServiceResponse
    response.list_tasks = list_tasks_response
    response.describe_tasks = describe_tasks_response
