"""ECS services as the Amazon ECS API Reference describes them.

moto keeps one deployment that never changes, replaces a service created twice, and deletes
at once. Here a service has deployments that roll out over time (settings.rollout_seconds),
creation is idempotent only through clientToken, deletion drains first, and listing pages.

Images that cannot be pulled: any container image whose reference contains
UNPULLABLE_IMAGE_MARK ("does-not-exist"), e.g. `nginx:does-not-exist` or
`registry.example/does-not-exist/app:1`, stands for an image missing from its registry. A
deployment of such a task definition fails as settings.fail_rollouts makes every one fail
(see _pull_failure), and a later deployment of a good image completes.

The task objects of each deployment are ecs_tasks.py's, synced on every tick.
"""

from __future__ import annotations

import copy
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from botocore import xform_name
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ecs.exceptions import (
    ECSException,
    InvalidParameterException,
    TaskDefinitionNotFoundException,
)
from moto.ecs.models import EC2ContainerServiceBackend
from moto.ecs.models import Service as MotoService
from moto.ecs.responses import EC2ContainerServiceResponse

from .. import settings
from . import ecs_service_connect as service_connect
from . import ecs_tasks
from .paging import page_request

_moto_create_service: Any = EC2ContainerServiceBackend.create_service
_moto_delete_service: Any = EC2ContainerServiceBackend.delete_service
_moto_describe_services: Any = EC2ContainerServiceResponse.describe_services
_moto_validate_network: Any = MotoService._validate_network

Backend = Any  # moto's EC2ContainerServiceBackend, untyped
Service = Any
Deployment = dict[str, Any]

# Service fields ECS keeps as given that moto does not model; set on create and update.
_KEPT_FIELDS = (
    "healthCheckGracePeriodSeconds",
    "enableExecuteCommand",
    "enableECSManagedTags",
    "placementConstraints",
    "placementStrategy",
    "capacityProviderStrategy",
    "availabilityZoneRebalancing",
)
# DeploymentConfiguration as ECS fills it in for a REPLICA service created without one.
_DEFAULT_DEPLOYMENT_CONFIGURATION = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}
# A container image whose reference contains this cannot be pulled (see the module docstring).
UNPULLABLE_IMAGE_MARK = "does-not-exist"


class ServiceNotActiveException(ECSException):
    code = "ServiceNotActiveException"
    message = "Service was not ACTIVE."


class InactiveClusterException(ECSException):
    code = "ClusterNotFoundException"
    message = "The referenced cluster was inactive."


def _owner(service: Service) -> str:
    return f"{service.cluster_name}:{service.name}"


def _primary(service: Service) -> Deployment | None:
    return next((d for d in service.deployments if d["status"] == "PRIMARY"), None)


def _event(service: Service, when: datetime, message: str) -> None:
    service.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": when, "message": message})
    del service.events[100:]


def _keep_fields(service: Service, params: dict[str, Any]) -> None:
    for name in _KEPT_FIELDS:
        if name in params:
            setattr(service, xform_name(name), params[name])
    if "deploymentConfiguration" in params:
        current = getattr(service, "deployment_configuration", None) or {}
        service.deployment_configuration = {**current, **params["deploymentConfiguration"]}


# -- deployments -------------------------------------------------------------------------------


def _start_deployment(
    backend: Backend,
    service: Service,
    task_definition_arn: str | None,
    connect: service_connect.ServiceConnectPlan | None,
) -> Deployment:
    """Amazon ECS API Reference, UpdateService: a new task definition, Service Connect
    configuration, service registries or forceNewDeployment starts a new deployment; it
    becomes PRIMARY and the one it replaces turns ACTIVE until the new one completes
    (Deployment.status).
    """
    previous = _primary(service)
    sc_config: dict[str, Any] | None
    sc_resources: list[dict[str, str]] | None
    if connect is not None:
        sc_config = connect.config
        sc_resources = service_connect.apply(backend, connect, _owner(service))
    else:
        sc_config = previous.get("serviceConnectConfiguration") if previous else None
        sc_resources = previous.get("serviceConnectResources") if previous else None
    deployment = _new_deployment(service, task_definition_arn, sc_config, sc_resources, utcnow())
    if previous is not None:
        previous["status"] = "ACTIVE"
        previous["updatedAt"] = deployment["createdAt"]
    service.deployments.insert(0, deployment)
    service.task_definition = task_definition_arn
    return deployment


def _new_deployment(
    service: Service,
    task_definition_arn: str | None,
    sc_config: dict[str, Any] | None,
    sc_resources: list[dict[str, str]] | None,
    created: datetime,
) -> Deployment:
    deployment_id = f"ecs-svc/{random.randint(10**18, 10**19 - 1)}"
    deployment: Deployment = {
        "id": deployment_id,
        "status": "PRIMARY",
        "taskDefinition": task_definition_arn,
        "desiredCount": service.desired_count,
        "pendingCount": service.desired_count,
        "runningCount": 0,
        "failedTasks": 0,
        "createdAt": created,
        "updatedAt": created,
        "launchType": service.launch_type,
        "platformVersion": service.platform_version,
        "platformFamily": "EC2" if service.launch_type == "EC2" else "FARGATE",
        "networkConfiguration": service.network_configuration or None,
        "rolloutState": "IN_PROGRESS",
        "rolloutStateReason": f"ECS deployment {deployment_id} in progress.",
        # The emulator's own: the registries this deployment's tasks register with.
        "_serviceRegistries": copy.deepcopy(service.service_registries),
    }
    if sc_config is not None:
        deployment["serviceConnectConfiguration"] = sc_config
        deployment["serviceConnectResources"] = sc_resources or []
    return deployment


def _complete(service: Service, deployment: Deployment, when: datetime) -> None:
    """Deployment.rolloutState: COMPLETED once the new tasks run; older deployments go."""
    deployment.update(
        rolloutState="COMPLETED",
        rolloutStateReason=f"ECS deployment {deployment['id']} completed.",
        runningCount=deployment["desiredCount"],
        pendingCount=0,
        updatedAt=when,
    )
    service.deployments = [deployment]
    _event(service, when, f"(service {service.name}) has reached a steady state.")


def _fail(
    backend: Backend,
    service: Service,
    deployment: Deployment,
    when: datetime,
    stopped_reason: str | None,
) -> None:
    """Amazon ECS Developer Guide, "deployment circuit breaker": when tasks fail to start and
    the breaker is enabled, the deployment turns FAILED and, with rollback, ECS rolls back to
    the last completed deployment (its task definition and service registries). Without the
    breaker ECS keeps trying: it stays IN_PROGRESS while failedTasks grows.
    """
    deployment.update(failedTasks=max(deployment["desiredCount"], 1), runningCount=0)
    task_id = ecs_tasks.fail(backend, service, deployment, when, stopped_reason)
    if stopped_reason:
        # The stopped tasks carry the reason (DescribeTasks); an event quotes it as well.
        _event(
            service, when, f"(service {service.name}) (task {task_id}) stopped: {stopped_reason}"
        )
    breaker = (getattr(service, "deployment_configuration", None) or {}).get(
        "deploymentCircuitBreaker"
    ) or {}
    if not breaker.get("enable"):
        return
    deployment.update(
        rolloutState="FAILED",
        rolloutStateReason="ECS deployment circuit breaker: tasks failed to start.",
        pendingCount=0,
        updatedAt=when,
    )
    _event(
        service,
        when,
        f"(service {service.name}) (deployment {deployment['id']}) deployment failed: "
        "tasks failed to start.",
    )
    previous = next((d for d in service.deployments if d is not deployment), None)
    if not breaker.get("rollback") or previous is None:
        return
    service.service_registries = copy.deepcopy(previous.get("_serviceRegistries", []))
    rollback = _new_deployment(
        service,
        previous["taskDefinition"],
        previous.get("serviceConnectConfiguration"),
        previous.get("serviceConnectResources"),
        when,
    )
    rollback["rolloutStateReason"] = (
        f"ECS deployment circuit breaker: rolling back to deploymentId {previous['id']}."
    )
    rollback["_rollback"] = True  # the emulator's own mark: rollbacks do not fail
    deployment["status"] = "ACTIVE"
    service.deployments = [rollback, deployment]
    service.task_definition = previous["taskDefinition"]


def _pull_failure(backend: Backend, deployment: Deployment) -> str | None:
    """The stoppedReason of a task whose image cannot be pulled, or None when all can be.

    Amazon ECS Developer Guide, "CannotPullContainer task errors": a task whose image does
    not exist in its registry stops with CannotPullContainerError before any container
    starts; the message is the one Fargate gives for a missing tag or repository. Images
    that contain UNPULLABLE_IMAGE_MARK stand for those.
    """
    if deployment.get("_rollback") or not deployment["taskDefinition"]:
        return None  # a rollback returns to a deployment that completed
    try:
        task_definition = backend.describe_task_definition(deployment["taskDefinition"])
    except TaskDefinitionNotFoundException:
        return None
    for container in task_definition.container_definitions:
        image = str(container.get("image") or "")
        if UNPULLABLE_IMAGE_MARK in image:
            ref = _resolved_reference(image)
            return (
                "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
                f"failed to resolve ref {ref}: {ref}: not found"
            )
    return None


def _resolved_reference(image: str) -> str:
    """The image as the container runtime resolves it: Docker Hub's registry (and library/
    for official images) when none is named, :latest when there is neither tag nor digest."""
    name, at, digest = image.partition("@")
    first, slash, _ = name.partition("/")
    if not slash:
        name = f"docker.io/library/{name}"
    elif "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}"
    if not at and ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    return f"{name}{at}{digest}"


def advance(backend: Backend, now: datetime) -> None:
    """Move every service of a backend along with the clock."""
    for service in list(backend.services.values()):
        _advance_service(backend, service, now)


def _advance_service(backend: Backend, service: Service, now: datetime) -> None:
    current = settings.current()
    deleted_at = getattr(service, "deleted_at", None)
    drain = timedelta(seconds=current.drain_seconds)
    if service.status == "DRAINING" and deleted_at is not None and now >= deleted_at + drain:
        # DeleteService: "the service status moves from ACTIVE to DRAINING ... After all
        # tasks have transitioned to either STOPPING or STOPPED status, the service status
        # moves from DRAINING to INACTIVE."
        service.status = "INACTIVE"
        for deployment in service.deployments:
            deployment.update(runningCount=0, pendingCount=0)
        service_connect.release(backend, _owner(service))
    if service.status != "INACTIVE":
        rollout = timedelta(seconds=current.rollout_seconds)
        for _ in range(10):  # a rollback that starts here may also finish here
            primary = _primary(service)
            if primary is None or primary["rolloutState"] != "IN_PROGRESS":
                break
            done_at = primary["createdAt"] + rollout
            if now < done_at:
                break
            stopped_reason = _pull_failure(backend, primary)
            if stopped_reason or (current.fail_rollouts and not primary.get("_rollback")):
                if primary["failedTasks"]:
                    break  # already failing, and ECS keeps trying
                _fail(backend, service, primary, done_at, stopped_reason)
            else:
                _complete(service, primary, done_at)
    service.running_count = sum(d["runningCount"] for d in service.deployments)
    service.pending_count = sum(d["pendingCount"] for d in service.deployments)
    ecs_tasks.sync(backend, service, now)


def _set_desired_count(service: Service, count: int) -> None:
    """A desired count alone starts no deployment; the emulator scales a completed deployment
    at once and an unfinished one when it completes."""
    service.desired_count = count
    primary = _primary(service)
    if primary is None:
        return
    primary["desiredCount"] = count
    if primary["rolloutState"] == "COMPLETED":
        primary.update(runningCount=count, pendingCount=0)
    elif primary["rolloutState"] == "IN_PROGRESS":
        primary["pendingCount"] = count


# -- CreateService / UpdateService / DeleteService -----------------------------------------------


def create_service(backend: Backend, params: dict[str, Any]) -> Service:
    """Amazon ECS API Reference, CreateService, clientToken: "An identifier that you provide
    to ensure the idempotency of the request". The same token and parameters return the service
    already created; any other request for the name of an ACTIVE or DRAINING service fails with
    InvalidParameterException "Creation of service was not idempotent."
    """
    cluster = backend._get_cluster(params.get("cluster") or "default")
    if cluster.status != "ACTIVE":
        raise InactiveClusterException()
    name = params["serviceName"]
    token = params.get("clientToken")
    request = {key: value for key, value in params.items() if key != "clientToken"}
    existing = backend.services.get(f"{cluster.name}:{name}")
    if existing is not None and existing.status != "INACTIVE":
        if (
            token
            and getattr(existing, "client_token", None) == token
            and getattr(existing, "create_request", None) == request
        ):
            return existing
        raise InvalidParameterException("Creation of service was not idempotent.")
    task_definition = (
        backend.describe_task_definition(params["taskDefinition"])
        if params.get("taskDefinition")
        else None
    )
    connect = None
    if params.get("serviceConnectConfiguration") is not None:
        connect = service_connect.plan(
            backend,
            cluster,
            params["serviceConnectConfiguration"],
            task_definition,
            f"{cluster.name}:{name}",
        )
    service = _moto_create_service(
        backend,
        cluster.name,
        name,
        params.get("desiredCount"),
        params.get("taskDefinition"),
        params.get("loadBalancers"),
        params.get("schedulingStrategy"),
        params.get("tags"),
        params.get("deploymentController"),
        params.get("launchType"),
        service_registries=params.get("serviceRegistries"),
        platform_version=params.get("platformVersion"),
        propagate_tags=params.get("propagateTags") or "NONE",
        network_configuration=params.get("networkConfiguration"),
        role_arn=params.get("role"),
    )
    service.client_token = token
    service.create_request = request
    service.created_at = utcnow()
    service.deleted_at = None
    service.deployment_configuration = copy.deepcopy(_DEFAULT_DEPLOYMENT_CONFIGURATION)
    _keep_fields(service, params)
    if service.deployments:  # the ECS deployment controller; CODE_DEPLOY/EXTERNAL have none
        service.deployments = []
        _start_deployment(
            backend, service, task_definition.arn if task_definition else None, connect
        )
    return service


def update_service(backend: Backend, params: dict[str, Any]) -> Service:
    """Amazon ECS API Reference, UpdateService: an INACTIVE (or DRAINING) service cannot be
    updated (ServiceNotActiveException); a new task definition, network configuration,
    platform version, Service Connect configuration, service registries or
    forceNewDeployment starts a deployment with the full task definition ARN; a new
    desiredCount alone does not. UpdateService.serviceRegistries: "You can remove existing
    serviceRegistries by passing an empty list"; ServiceRegistry: "When you add, update, or
    remove the service registries configuration, Amazon ECS starts a new deployment."
    UpdateService.loadBalancers, likewise: "You can remove existing loadBalancers by passing
    an empty list. This parameter triggers a new service deployment."
    """
    cluster = backend._get_cluster(params.get("cluster") or "default")
    service = backend._get_service(cluster.name, params["service"])
    if service.status != "ACTIVE":
        raise ServiceNotActiveException()
    primary = _primary(service)
    td_ref = params.get("taskDefinition") or service.task_definition
    task_definition = backend.describe_task_definition(td_ref) if td_ref else None
    td_arn = task_definition.arn if task_definition else None
    sc_config = params.get("serviceConnectConfiguration")
    if sc_config is None and primary is not None and td_arn != primary["taskDefinition"]:
        sc_config = primary.get("serviceConnectConfiguration")  # recheck it against the new ports
    connect = None
    if sc_config is not None:
        connect = service_connect.plan(
            backend, cluster, sc_config, task_definition, _owner(service)
        )
    network = params.get("networkConfiguration")
    registries = params.get("serviceRegistries")
    balancers = params.get("loadBalancers")
    new_deployment = primary is not None and (
        td_arn != primary["taskDefinition"]
        or bool(params.get("forceNewDeployment"))
        or (connect is not None and connect.config != primary.get("serviceConnectConfiguration"))
        or (network is not None and network != service.network_configuration)
        or ("platformVersion" in params and params["platformVersion"] != service.platform_version)
        or (registries is not None and registries != service.service_registries)
        or (balancers is not None and balancers != service.load_balancers)
    )
    if network is not None:
        service.network_configuration = service._validate_network(network)
    if "platformVersion" in params:
        service.platform_version = params["platformVersion"]
    if registries is not None:
        service.service_registries = registries
    if balancers is not None:
        service.load_balancers = balancers
    if params.get("desiredCount") is not None:
        _set_desired_count(service, params["desiredCount"])
    _keep_fields(service, params)
    if new_deployment:
        _start_deployment(backend, service, td_arn, connect)
    return service


def delete_service(self: Backend, cluster_name: str, service_name: str, force: bool) -> Service:
    """Amazon ECS API Reference, DeleteService: the service goes DRAINING, then INACTIVE once
    its tasks stopped (settings.drain_seconds); a service not ACTIVE cannot be deleted again.
    """
    service = self._get_service(cluster_name, service_name)
    if service.status != "ACTIVE":
        raise ServiceNotActiveException()
    _moto_delete_service(self, cluster_name, service_name, force)
    service.status = "DRAINING"
    service.deleted_at = utcnow()
    service.desired_count = 0
    for deployment in service.deployments:
        deployment.update(desiredCount=0, pendingCount=0)
    return service


# -- the response handlers that read the parameters moto drops ----------------------------------


def create_service_response(self: Any) -> ActionResult:
    return ActionResult({"service": create_service(self.ecs_backend, dict(self._get_params()))})


def update_service_response(self: Any) -> ActionResult:
    return ActionResult({"service": update_service(self.ecs_backend, dict(self._get_params()))})


def list_services_response(self: Any) -> ActionResult:
    """Amazon ECS API Reference, ListServices: INACTIVE services are not listed; maxResults
    is 1-100 and "If this parameter isn't used, then ListServices returns up to 10 results and
    a nextToken value if applicable."
    """
    backend = self.ecs_backend
    cluster = backend._get_cluster(self._get_param("cluster") or "default")
    launch_type = self._get_param("launchType")
    strategy = self._get_param("schedulingStrategy")
    arns = sorted(
        service.arn
        for service in backend.services.values()
        if service.cluster_name == cluster.name
        and service.status != "INACTIVE"
        and launch_type in (None, service.launch_type)
        and strategy in (None, service.scheduling_strategy)
    )
    found, token = page_request(
        arns, self._get_param, default_size=10, error=InvalidParameterException
    )
    return ActionResult({"serviceArns": found, "nextToken": token})


def describe_services_response(self: Any) -> Any:
    """Amazon ECS API Reference, DescribeServices.services: "You may specify up to 10
    services to describe in a single operation."
    """
    names = self._get_param("services") or []
    if not names:
        raise InvalidParameterException("Services cannot be empty.")
    if len(names) > 10:
        raise InvalidParameterException("service names can have at most 10 items.")
    return _moto_describe_services(self)


def validate_network(self: Service, config: dict[str, Any]) -> dict[str, Any]:
    """Amazon ECS API Reference, AwsVpcConfiguration.securityGroups: optional; "If you don't
    specify a security group, the default security group for the VPC is used". moto reads
    the key unconditionally (a 500 without it), so it sees an empty list here; the service
    keeps the configuration as it was sent."""
    awsvpc = dict(config.get("awsvpcConfiguration") or {})
    awsvpc.setdefault("securityGroups", [])
    _moto_validate_network(self, {**config, "awsvpcConfiguration": awsvpc})
    return config


def apply() -> None:
    service_class: Any = MotoService
    service_class._validate_network = validate_network
    backend: Any = EC2ContainerServiceBackend
    backend.delete_service = delete_service
    response: Any = EC2ContainerServiceResponse
    response.create_service = create_service_response
    response.update_service = update_service_response
    response.list_services = list_services_response
    response.describe_services = describe_services_response
