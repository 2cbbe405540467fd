"""Every `Ready` reason in the README's table, produced by the real engine and managers in
one pass (two for a rollout), with a dict for Kubernetes and stubbed boto3 clients for AWS
(tests/unit/passes.py). One test per reason, named after it, and a test that the README's
table and this module name the same reasons. Also the reasons the error policy adds:
AccessDenied and ServiceLinkedRoleMissing (blocked: retried, never terminal), TooManyTags
and AwsRejected (terminal), Retained and Deleted (deletion)."""

# Each test is named after the CamelCase reason it produces (test_ClusterNotOwned).
# ruff: noqa: N802

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from controller.naming import Names, to_aws_tags
from controller.reconcile.engine import SYNCED_ERROR, SYNCED_OK, SYNCED_TERMINAL, Known, Result
from controller.reconcile.service import ROLLOUT_POLL_SECONDS
from controller.tenancy import Tenancy
from tests.unit.passes import (
    ACCOUNT,
    CLOUD_MAP_NAMESPACE,
    REGION,
    Body,
    World,
    app,
    cloud_map_tags,
    cluster,
    deployment,
    ecs_service,
    environment,
    owner_tags,
    ready_condition,
    ready_environment,
    service,
)

README = Path(__file__).resolve().parents[2] / "README.md"
# Reasons the error policy and the deletion policy add to the README's table.
POLICY_REASONS = ("AccessDenied", "ServiceLinkedRoleMissing", "TooManyTags", "AwsRejected")
DELETION_REASONS = ("Retained", "Deleted")

TD0 = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/kudos-test-api:0"
TD1 = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/kudos-test-api:1"
SERVICE_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/kudos-test/api"
DISCOVERY = {
    "Id": "srv-api",
    "Arn": f"arn:aws:servicediscovery:{REGION}:{ACCOUNT}:service/srv-api",
    "Name": "api",
}
SERVICE_LINKED_ROLE = (
    "Unable to assume the service linked role. Please verify that the ECS service linked "
    "role exists."
)
ENV_NAMES = Names("kudos", "test")


# -- what a pass must end with ------------------------------------------------------------


def expect(
    world: World,
    body: Body,
    result: Result,
    outcome: str,
    reason: str,
    ready: bool = False,
    synced: str = SYNCED_OK,
) -> str:
    """The pass ended with `outcome`, its last conditions say Ready=`ready` with `reason`
    and Synced with `synced`, and AWS was asked every stubbed call. Returns the message."""
    condition = world.ready(body)
    assert (condition["status"], condition["reason"]) == (str(ready), reason), condition
    assert world.synced(body)["reason"] == synced, world.synced(body)
    assert result.outcome == outcome, result
    world.aws.assert_done()
    return str(condition["message"])


def terminal(world: World, body: Body, result: Result, reason: str) -> str:
    """The spec (or what AWS holds) must change: reported, not retried before the resync."""
    return expect(world, body, result, "terminal", reason, synced=SYNCED_TERMINAL)


def blocked(world: World, body: Body, result: Result, reason: str) -> str:
    """Refused by IAM or the account: Ready=False, retried (a requeue), never terminal."""
    message = expect(world, body, result, "requeue", reason, synced=SYNCED_ERROR)
    assert result.delay > 0
    return message


def waiting(world: World, body: Body, result: Result, reason: str) -> str:
    """On its way or held by something else: the pass succeeded and looks again."""
    message = expect(world, body, result, "requeue", reason)
    assert result.delay > 0
    return message


# -- AWS answers, in the order a pass asks --------------------------------------------


def namespace_created(world: World) -> None:
    """An environment's first pass up to its cluster: the namespace is made at once."""
    sd = "servicediscovery"
    world.aws.answer(sd, "list_namespaces", {"Namespaces": []})
    world.aws.answer(sd, "create_private_dns_namespace", {"OperationId": "op-1"})
    world.aws.answer(
        sd,
        "get_operation",
        {"Operation": {"Id": "op-1", "Status": "SUCCESS", "Targets": {"NAMESPACE": "ns-test"}}},
    )
    world.aws.answer(sd, "get_namespace", {"Namespace": CLOUD_MAP_NAMESPACE})


def no_cluster(world: World) -> None:
    world.aws.answer(
        "ecs", "describe_clusters", {"clusters": [], "failures": [{"reason": "MISSING"}]}
    )


def service_world(*objects: Body) -> World:
    """The app, its Ready environment, and `objects`."""
    return World(app(), ready_environment(), *objects)


def log_group_made(world: World) -> None:
    """The service's log group, missing, made with its retention."""
    world.aws.answer("logs", "create_log_group", {})
    world.aws.answer("logs", "put_retention_policy", {})


def new_service(world: World, create_refused: tuple[str, str] | None = None) -> None:
    """A new service's pass: not there yet, its log group made, a revision registered, its
    Service Discovery service and the ECS service created (or CreateService refused with
    (code, message))."""
    world.aws.answer(
        "ecs", "describe_services", {"services": [], "failures": [{"reason": "MISSING"}]}
    )
    log_group_made(world)
    world.aws.answer(
        "ecs",
        "register_task_definition",
        {"taskDefinition": {"taskDefinitionArn": TD1, "family": "kudos-test-api"}},
    )
    world.aws.answer("servicediscovery", "create_service", {"Service": DISCOVERY})
    if create_refused is not None:
        world.aws.refuse("ecs", "create_service", *create_refused)
        return
    created = {
        "serviceArn": SERVICE_ARN,
        "serviceName": "api",
        "status": "ACTIVE",
        "taskDefinition": TD1,
        "desiredCount": 1,
        "runningCount": 0,
        "pendingCount": 1,
        "deployments": [deployment(TD1, "IN_PROGRESS")],
    }
    world.aws.answer("ecs", "create_service", {"service": created})


def first_service_pass(world: World, body: Body) -> Result:
    new_service(world)
    return world.reconcile(body)


def later_service_pass(
    world: World, body: Body, first: Result, deployments: list[dict[str, Any]], running: int
) -> Result:
    """The next pass, given (as the environment's resync would) the description of the
    service the first pass created, with these deployments."""
    described = ecs_service(world.aws.params("CreateService"), deployments, running)
    world.aws.calls.clear()
    return world.reconcile(body, known=Known(described=described), status=first.status)


# -- on its way, or there -----------------------------------------------------------------


def app_available() -> tuple[World, Body, Result]:
    ready = {"conditions": [ready_condition()]}
    kudos = app()
    world = World(kudos, environment(status=ready), service(status=ready))
    return world, kudos, world.reconcile(kudos)


def environment_available() -> tuple[World, Body, Result]:
    env = environment()
    world = World(app(), env)
    namespace_created(world)
    no_cluster(world)
    world.aws.answer(
        "ecs", "create_cluster", {"cluster": cluster("kudos-test", owner_tags(env, ENV_NAMES))}
    )
    return world, env, world.reconcile(env)


def service_available() -> tuple[World, Body, Result]:
    api = service()
    world = service_world(api)
    first = first_service_pass(world, api)
    result = later_service_pass(world, api, first, [deployment(TD1, "COMPLETED")], running=1)
    # A service made from kopilot's own request observes with no difference: no call.
    assert world.aws.calls == []
    return world, api, result


@pytest.mark.parametrize(
    "scenario",
    [app_available, environment_available, service_available],
    ids=["EcsApp", "EcsEnvironment", "EcsService"],
)
def test_Available(scenario: Callable[[], tuple[World, Body, Result]]) -> None:
    world, body, result = scenario()
    expect(world, body, result, "done", "Available", ready=True)
    assert result.ready


def test_CreatingNamespace() -> None:
    env = environment()
    world = World(app(), env)
    world.aws.answer("servicediscovery", "list_namespaces", {"Namespaces": []})
    world.aws.answer("servicediscovery", "create_private_dns_namespace", {"OperationId": "op-1"})
    world.aws.answer(
        "servicediscovery", "get_operation", {"Operation": {"Id": "op-1", "Status": "PENDING"}}
    )
    result = world.reconcile(env)
    assert "op-1" in waiting(world, env, result, "CreatingNamespace")
    # The operation was saved before it was polled: a restart polls it, never creates twice.
    assert world.kube.patches[0][2]["namespace"]["operationId"] == "op-1"


def test_RollingOut() -> None:
    api = service()
    world = service_world(api)
    result = first_service_pass(world, api)
    assert "0/1 tasks running" in waiting(world, api, result, "RollingOut")
    assert result.delay == ROLLOUT_POLL_SECONDS
    assert result.watch is not None  # the rollout watcher polls it in a batch
    assert (result.status or {}).get("serviceArn") == SERVICE_ARN


def test_Progressing() -> None:
    kudos = app()
    world = World(kudos, environment(), service())
    result = world.reconcile(kudos)
    message = expect(world, kudos, result, "done", "Progressing")
    assert message == "0/1 environments and 0/1 services ready"


# -- waiting for what the spec names ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["EcsEnvironment", "EcsService"])
def test_AppNotFound(kind: str) -> None:
    body = environment() if kind == "EcsEnvironment" else service()
    world = World(ready_environment(), body) if kind == "EcsService" else World(body)
    result = world.reconcile(body)
    assert "EcsApp 'kudos' does not exist" in waiting(world, body, result, "AppNotFound")
    assert world.aws.calls == []


@pytest.mark.parametrize(
    "env", [None, environment()], ids=["environment missing", "environment not Ready"]
)
def test_WaitingForEnvironment(env: Body | None) -> None:
    api = service()
    world = World(app(), api, *([env] if env else []))
    result = world.reconcile(api)
    assert "EcsEnvironment 'test'" in waiting(world, api, result, "WaitingForEnvironment")
    assert result.watch is not None  # the environment turning Ready ends the wait
    assert world.aws.calls == []


def test_Throttled() -> None:
    api = service()
    world = service_world(api)
    world.aws.answer(
        "ecs", "describe_services", {"services": [], "failures": [{"reason": "MISSING"}]}
    )
    log_group_made(world)
    world.aws.refuse("ecs", "register_task_definition", "ThrottlingException", "Rate exceeded")
    result = world.reconcile(api)
    message = expect(world, api, result, "requeue", "Throttled", synced=SYNCED_ERROR)
    assert "RegisterTaskDefinition" in message
    assert 1.0 <= result.delay <= 3.0


# -- not kopilot's ------------------------------------------------------------------------


def test_ClusterNotOwned() -> None:
    env = environment()
    world = World(app(), env)
    namespace_created(world)
    copilot = {"copilot-application": "kudos", "copilot-environment": "test"}
    world.aws.answer("ecs", "describe_clusters", {"clusters": [cluster("kudos-test", copilot)]})
    message = terminal(world, env, world.reconcile(env), "ClusterNotOwned")
    assert "ECS cluster kudos-test already exists" in message
    assert "adopt: true" in message
    assert "CreateCluster" not in world.aws.operations


def test_NamespaceNotOwned() -> None:
    env = environment()
    world = World(app(), env)
    world.aws.answer("servicediscovery", "list_namespaces", {"Namespaces": [CLOUD_MAP_NAMESPACE]})
    world.aws.answer(
        "servicediscovery", "list_tags_for_resource", cloud_map_tags({"copilot-application": "x"})
    )
    message = terminal(world, env, world.reconcile(env), "NamespaceNotOwned")
    assert "Cloud Map namespace test.kudos.local already exists" in message


def test_ServiceNotOwned() -> None:
    api = service()
    world = service_world(api)
    theirs = {
        "serviceArn": SERVICE_ARN,
        "serviceName": "api",
        "status": "ACTIVE",
        "tagMap": {"copilot-service": "api"},
    }
    result = world.reconcile(api, known=Known(described=theirs))
    assert "ECS service api already exists" in terminal(world, api, result, "ServiceNotOwned")
    assert world.aws.calls == []  # nothing registered for a service that is not ours


def test_DiscoveryNameTaken() -> None:
    api = service()
    taken = f"arn:aws:servicediscovery:{REGION}:{ACCOUNT}:service/srv-web-sc"
    web = service("web", status={"serviceConnect": {"discoveryArn": taken}})
    world = service_world(api, web)
    refused = (
        "InvalidParameterException",
        f"SC service is already used by {CLOUD_MAP_NAMESPACE['Arn']}",
    )
    new_service(world, create_refused=refused)
    # Who holds the name: ECS's Cloud Map service for another EcsService's endpoint.
    world.aws.answer(
        "servicediscovery",
        "list_services",
        {"Services": [{"Id": "srv-web-sc", "Arn": taken, "Name": "api-sc"}]},
    )
    world.aws.answer(
        "servicediscovery", "list_tags_for_resource", cloud_map_tags({"AmazonECSManaged": "true"})
    )
    message = terminal(world, api, world.reconcile(api), "DiscoveryNameTaken")
    assert "'api-sc' is already taken" in message
    assert "EcsService demo/web" in message


# -- a rollout that failed ----------------------------------------------------------------


def test_RolloutFailed() -> None:
    api = service()
    world = service_world(api)
    first = first_service_pass(world, api)
    # The circuit breaker rolled back to the revision that ran before.
    world.aws.answer(
        "ecs",
        "describe_task_definition",
        {
            "taskDefinition": {
                "taskDefinitionArn": TD0,
                "containerDefinitions": [{"name": "api", "image": "nginx:1.26"}],
            }
        },
    )
    deployments = [
        deployment(TD0, "COMPLETED"),
        deployment(TD1, "FAILED", primary=False, reason="tasks failed to start"),
    ]
    result = later_service_pass(world, api, first, deployments, running=1)
    message = expect(world, api, result, "done", "RolloutFailed")
    assert "kudos-test-api:1 failed and ECS rolled back to kudos-test-api:0" in message
    assert (result.status or {})["rollout"]["failedTaskDefinition"] == TD1
    # The failed revision is not sent again: no UpdateService.
    assert world.aws.operations == ["DescribeTaskDefinition"]
    assert "RolloutFailed" in world.events.reasons


# -- deletion waits -------------------------------------------------------------------------


def test_ServicesExist() -> None:
    env = ready_environment()
    world = World(app(), env, service(), service("web"))
    result = world.delete(env)
    assert "EcsServices api, web" in waiting(world, env, result, "ServicesExist")
    assert world.aws.calls == []


def test_EnvironmentsExist() -> None:
    kudos = app()
    world = World(kudos, environment())
    result = world.delete(kudos)
    assert "EcsEnvironments test" in waiting(world, kudos, result, "EnvironmentsExist")


def test_NamespaceInUse() -> None:
    env = ready_environment()
    world = World(app(), env)
    no_cluster(world)  # the cluster is gone already
    sd = "servicediscovery"
    world.aws.answer(sd, "get_namespace", {"Namespace": CLOUD_MAP_NAMESPACE})
    world.aws.answer(sd, "list_tags_for_resource", cloud_map_tags(owner_tags(env, ENV_NAMES)))
    world.aws.refuse(sd, "delete_namespace", "ResourceInUse", "namespace has services")
    in_use = {"Id": "srv-1", "Arn": DISCOVERY["Arn"], "Name": "api-sc"}
    world.aws.answer(sd, "list_services", {"Services": [in_use]})
    world.aws.answer(sd, "list_tags_for_resource", cloud_map_tags({"AmazonECSManaged": "true"}))
    message = waiting(world, env, world.delete(env), "NamespaceInUse")
    assert "api-sc (made by ECS for the Service Connect endpoint of an ECS service)" in message


def test_ClusterInUse() -> None:
    env = ready_environment()
    world = World(app(), env)
    ours = cluster("kudos-test", owner_tags(env, ENV_NAMES))
    world.aws.answer("ecs", "describe_clusters", {"clusters": [ours]})
    world.aws.refuse("ecs", "delete_cluster", "ClusterContainsServicesException")
    world.aws.answer("ecs", "list_services", {"serviceArns": [SERVICE_ARN]})
    draining = service("api")  # deleted from Kubernetes, still draining in ECS
    tags = owner_tags(draining, Names("kudos", "test", "api"))
    world.aws.answer(
        "ecs",
        "describe_services",
        {"services": [{"serviceName": "api", "tags": to_aws_tags(tags)}]},
    )
    message = waiting(world, env, world.delete(env), "ClusterInUse")
    assert "api (EcsService demo/api)" in message


# -- terminal: change the spec ----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (app("kudos", name="Kudos_App"), "spec.name"),
        (environment(region=None), "spec.region"),
        (service(memory=999), "memory is not a Fargate size"),
    ],
    ids=["EcsApp", "EcsEnvironment", "EcsService"],
)
def test_InvalidSpec(body: Body, field: str) -> None:
    world = World(app(), ready_environment(), body)
    assert field in terminal(world, body, world.reconcile(body), "InvalidSpec")
    assert world.aws.calls == []


def test_NoDefaultVpc() -> None:
    env = environment(network=None)
    world = World(app(), env)
    world.aws.answer("ec2", "describe_vpcs", {"Vpcs": []})
    assert "set spec.network" in terminal(world, env, world.reconcile(env), "NoDefaultVpc")


def test_NamespaceChangeUnsupported() -> None:
    env = ready_environment(serviceDiscovery={"type": "HTTP"})
    world = World(app(), env)
    message = terminal(world, env, world.reconcile(env), "NamespaceChangeUnsupported")
    assert "test.kudos.local (DNS_PRIVATE)" in message
    assert world.aws.calls == []


def test_AppMismatch() -> None:
    api = service()
    world = World(app(), app("other"), ready_environment(app="other"), api)
    message = terminal(world, api, world.reconcile(api), "AppMismatch")
    assert "belongs to app 'other'" in message


def test_ServiceDiscoveryNeedsDns() -> None:
    api = service(network={"connect": {"enabled": True}, "serviceDiscovery": {"enabled": True}})
    env = ready_environment(namespace_type="HTTP", serviceDiscovery={"type": "HTTP"})
    world = World(app(), env, api)
    message = terminal(world, api, world.reconcile(api), "ServiceDiscoveryNeedsDns")
    assert "HTTP namespace (test.kudos.local)" in message
    assert world.aws.calls == []


def test_ExecutionRoleRequired() -> None:
    api = service()
    world = World(app(), ready_environment(executionRoleArn=None), api)
    message = terminal(world, api, world.reconcile(api), "ExecutionRoleRequired")
    assert "executionRoleArn" in message
    assert world.aws.calls == []


@pytest.mark.parametrize(
    "namespace",
    ["shared.local", f"arn:aws:servicediscovery:{REGION}:{ACCOUNT}:namespace/ns-gone"],
    ids=["by name", "by ARN"],
)
def test_NamespaceNotFound(namespace: str) -> None:
    api = service(network={"connect": {"namespace": namespace}})
    world = service_world(api)
    if namespace.startswith("arn:"):
        world.aws.refuse("servicediscovery", "get_namespace", "NamespaceNotFound")
    else:
        world.aws.answer("servicediscovery", "list_namespaces", {"Namespaces": []})
    message = terminal(world, api, world.reconcile(api), "NamespaceNotFound")
    assert "spec.network.connect.namespace" in message
    assert "CreateService" not in world.aws.operations


def test_IdentityChanged() -> None:
    # The ECS service it runs is "web"; spec.name now says "api".
    recorded = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/kudos-test/web"
    api = service(status={"serviceArn": recorded})
    world = service_world(api)
    assert recorded in terminal(world, api, world.reconcile(api), "IdentityChanged")
    assert world.aws.calls == []


# -- the error policy: blocked and refused --------------------------------------------


@pytest.mark.parametrize(
    ("env", "aws_service", "operation", "code"),
    [
        (environment(), "servicediscovery", "list_namespaces", "AccessDeniedException"),
        (environment(network=None), "ec2", "describe_vpcs", "UnauthorizedOperation"),
        # A Ready environment whose role lost a permission is no longer Ready.
        (ready_environment(), "servicediscovery", "get_namespace", "AccessDeniedException"),
    ],
    ids=["Cloud Map", "EC2", "was Ready"],
)
def test_AccessDenied(env: Body, aws_service: str, operation: str, code: str) -> None:
    world = World(app(), env)
    world.aws.refuse(aws_service, operation, code, "not authorized", status=403)
    message = blocked(world, env, world.reconcile(env), "AccessDenied")
    assert "deploy/iam/" in message
    # Still denied many retries later: the delay has grown to the resync period (300 s,
    # with jitter), and it is still a retry, not a stop.
    world.aws.refuse(aws_service, operation, code, "not authorized", status=403)
    later = world.reconcile(world.stored(env), retry=10)
    assert blocked(world, env, later, "AccessDenied") == message
    assert 240 <= later.delay <= 360


@pytest.mark.parametrize("kind", ["EcsEnvironment", "EcsService"])
def test_ServiceLinkedRoleMissing(kind: str) -> None:
    refused = ("InvalidParameterException", SERVICE_LINKED_ROLE)
    if kind == "EcsEnvironment":
        body = environment()
        world = World(app(), body)
        namespace_created(world)
        no_cluster(world)
        world.aws.refuse("ecs", "create_cluster", *refused)
        result = world.reconcile(body)
    else:
        body = service()
        world = service_world(body)
        new_service(world, create_refused=refused)
        result = world.reconcile(body)
    message = blocked(world, body, result, "ServiceLinkedRoleMissing")
    assert "aws iam create-service-linked-role" in message


def test_TooManyTags() -> None:
    # Each layer is within its own limit (40); with kopilot's own six they come to 56.
    env = environment(tags={f"env-{i}": "x" for i in range(30)})
    world = World(app(tags={f"app-{i}": "x" for i in range(20)}), env)
    message = terminal(world, env, world.reconcile(env), "TooManyTags")
    assert "at most 50" in message
    assert world.aws.calls == []


def test_AwsRejected() -> None:
    env = environment()
    world = World(app(), env)
    namespace_created(world)
    no_cluster(world)
    world.aws.refuse("ecs", "create_cluster", "InvalidParameterException", "Invalid namespace")
    message = terminal(world, env, world.reconcile(env), "AwsRejected")
    assert "InvalidParameterException" in message


# -- deletion ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [ready_environment(deletionPolicy="Retain"), service(deletionPolicy="Retain")],
    ids=["EcsEnvironment", "EcsService"],
)
def test_Retained(body: Body) -> None:
    world = service_world(body)
    result = world.delete(body)
    assert "deletionPolicy Retain" in expect(world, body, result, "done", "Retained", ready=True)
    assert world.aws.calls == []


def app_deleted() -> tuple[World, Body, Result]:
    kudos = app()
    world = World(kudos)
    return world, kudos, world.delete(kudos)


def environment_deleted() -> tuple[World, Body, Result]:
    """Its cluster and namespace are gone already."""
    env = ready_environment()
    world = World(app(), env)
    inactive = {**cluster("kudos-test", owner_tags(env, ENV_NAMES)), "status": "INACTIVE"}
    world.aws.answer("ecs", "describe_clusters", {"clusters": [inactive]})
    world.aws.refuse("servicediscovery", "get_namespace", "NamespaceNotFound")
    return world, env, world.delete(env)


def service_deleted() -> tuple[World, Body, Result]:
    """Its ECS service has drained away and its Service Discovery service is gone."""
    recorded = {
        "serviceArn": SERVICE_ARN,
        "serviceDiscoveryArn": DISCOVERY["Arn"],
        "serviceDiscoveryId": DISCOVERY["Id"],
    }
    api = service(status=recorded)
    world = service_world(api)
    world.aws.answer(
        "ecs", "describe_services", {"services": [], "failures": [{"reason": "MISSING"}]}
    )
    world.aws.refuse("servicediscovery", "get_service", "ServiceNotFound")
    return world, api, world.delete(api)


@pytest.mark.parametrize(
    "scenario",
    [app_deleted, environment_deleted, service_deleted],
    ids=["EcsApp", "EcsEnvironment", "EcsService"],
)
def test_Deleted(scenario: Callable[[], tuple[World, Body, Result]]) -> None:
    world, body, result = scenario()
    expect(world, body, result, "done", "Deleted", ready=True)


# -- the README's table and this module -------------------------------------------------


def readme_reasons() -> list[str]:
    """The reasons in the first column of the README's `Ready` reason table."""
    lines = README.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| `Ready` reason |"))
    reasons: list[str] = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        reasons += re.findall(r"`([A-Za-z]+)`", line.split("|")[1])
    return reasons


def test_Observed() -> None:
    """Copilot's running namespace and cluster, observed: nothing written to AWS, the
    adoption, the ownership tags and the cluster's Container Insights change planned."""
    env = environment(
        adopt=True, managementPolicy="Observe", cluster={"name": "kudos-test-Cluster-X"}
    )
    world = World(app(), env)
    copilot = {"copilot-application": "kudos", "copilot-environment": "test"}
    sd = "servicediscovery"
    world.aws.answer(sd, "list_namespaces", {"Namespaces": [CLOUD_MAP_NAMESPACE]})
    world.aws.answer(sd, "list_tags_for_resource", cloud_map_tags(copilot))
    copilots = {
        **cluster("kudos-test-Cluster-X", copilot),
        "serviceConnectDefaults": {"namespace": CLOUD_MAP_NAMESPACE["Arn"]},
        "settings": [{"name": "containerInsights", "value": "enabled"}],
    }
    world.aws.answer("ecs", "describe_clusters", {"clusters": [copilots]})
    message = expect(world, env, world.reconcile(env), "done", "Observed", ready=True)
    assert "Manage would make 1 change(s)" in message  # Container Insights; the rest is ownership
    planned = world.stored(env)["status"]["plannedChanges"]
    assert planned[0].startswith("adopt Cloud Map namespace test.kudos.local")
    assert any(p.startswith("tag ECS cluster kudos-test-Cluster-X") for p in planned)
    assert "update ECS cluster kudos-test-Cluster-X: settings.containerInsights to false" in planned
    assert not [op for op in world.aws.operations if not op.startswith(("Describe", "List", "Get"))]


def test_ObservedMissing() -> None:
    env = environment(adopt=True, managementPolicy="Observe")
    world = World(app(), env)
    world.aws.answer("servicediscovery", "list_namespaces", {"Namespaces": []})
    message = terminal(world, env, world.reconcile(env), "ObservedMissing")
    assert "no Cloud Map namespace test.kudos.local to observe" in message
    assert "CreatePrivateDnsNamespace" not in world.aws.operations


def routed_environment() -> Body:
    """A Ready environment with a public load balancer listening on 80."""
    env = ready_environment(http={"public": {}})
    lb = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/kudos-test-pub/1"
    env["status"]["network"]["defaultSecurityGroupId"] = "sg-default"
    env["status"]["loadBalancers"] = {
        "public": {
            "arn": lb,
            "dnsName": "kudos-test-pub-1.us-east-1.elb.amazonaws.com",
            "securityGroupId": "sg-lb",
            "targetsSecurityGroupId": "sg-targets",
            "httpListenerArn": lb.replace(":loadbalancer/", ":listener/") + "/80",
        }
    }
    return env


def test_WaitingForLoadBalancer() -> None:
    api = service(http={"path": "api"})
    world = World(app(), ready_environment(), api)  # the environment has no load balancer
    result = world.reconcile(api)
    message = waiting(world, api, result, "WaitingForLoadBalancer")
    assert "set spec.http.public on the environment" in message
    assert world.aws.calls == []


def test_PathTaken() -> None:
    api = service(http={"path": "api"})
    world = World(app(), routed_environment(), api)
    new_service_before_routing(world)
    group = {
        "TargetGroupArn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/kudos-test-api/1",
        "TargetGroupName": "kudos-test-api",
    }
    world.aws.refuse("elbv2", "describe_target_groups", "TargetGroupNotFound")
    world.aws.answer("elbv2", "create_target_group", {"TargetGroups": [group]})
    world.aws.answer("elbv2", "modify_target_group_attributes", {"Attributes": []})
    theirs = {
        "RuleArn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener-rule/app/x/1/2/3",
        "Priority": "39000",
        "IsDefault": False,
        "Conditions": [{"Field": "path-pattern", "Values": ["/api/*", "/api"]}],
        "Actions": [{"Type": "forward", "TargetGroupArn": "arn:theirs"}],
    }
    world.aws.answer("elbv2", "describe_rules", {"Rules": [theirs]})
    world.aws.answer(
        "elbv2",
        "describe_tags",
        {
            "TagDescriptions": [
                {"ResourceArn": theirs["RuleArn"], "Tags": [{"Key": "team", "Value": "web"}]}
            ]
        },
    )
    message = terminal(world, api, world.reconcile(api), "PathTaken")
    assert "already exists and belongs to nobody known to kopilot" in message
    assert "route another spec.http.path or alias" in message
    assert "CreateRule" not in world.aws.operations


def new_service_before_routing(world: World) -> None:
    """A new service's pass up to its routing: not there yet, its log group made, a revision
    registered, its Service Discovery service created."""
    world.aws.answer(
        "ecs", "describe_services", {"services": [], "failures": [{"reason": "MISSING"}]}
    )
    log_group_made(world)
    world.aws.answer(
        "ecs",
        "register_task_definition",
        {"taskDefinition": {"taskDefinitionArn": TD1, "family": "kudos-test-api"}},
    )
    world.aws.answer("servicediscovery", "create_service", {"Service": DISCOVERY})


def _tenancy(**spec: Any) -> Tenancy:
    policy = {"metadata": {"name": "team-kudos"}, "spec": {"namespaces": ["demo"], **spec}}
    return Tenancy("policies", lambda: [policy])


def test_NotPermitted() -> None:
    """The namespace's TenantPolicy does not allow the role: refused before any AWS call,
    looked at again soon (a policy may be widened), and deleted without an AWS call since
    it made nothing."""
    env = environment(roleArn=f"arn:aws:iam::{ACCOUNT}:role/someone-elses")
    world = World(app(), env, tenancy=_tenancy(assumeRoles=["*:role/kudos-*"]))
    message = waiting(world, env, world.reconcile(env), "NotPermitted")
    assert "spec.roleArn" in message
    assert "TenantPolicy team-kudos" in message
    assert world.aws.calls == []
    assert world.delete(world.stored(env)).outcome == "done"
    assert world.aws.calls == []


def test_NotPermitted_deletion_of_what_was_made_waits_for_the_policy() -> None:
    env = environment(
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/kudos-deployer",
        status={"clusterArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/kudos-test"},
    )
    world = World(app(), env, tenancy=_tenancy(assumeRoles=["*:role/other-*"]))
    result = world.delete(env)
    assert result.outcome == "requeue"
    assert world.ready(env)["reason"] == "NotPermitted"
    assert world.aws.calls == []


def test_the_readme_table_and_these_tests_agree() -> None:
    reasons = readme_reasons()
    assert len(reasons) >= 20, reasons  # the table was found and read
    module = sys.modules[__name__]
    untested = [
        reason
        for reason in [*reasons, *POLICY_REASONS, *DELETION_REASONS]
        if not callable(getattr(module, f"test_{reason}", None))
    ]
    assert untested == [], f"README reasons without a test_<Reason> here: {untested}"
