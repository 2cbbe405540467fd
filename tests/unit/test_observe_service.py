"""observe.service: describe responses into the desired shape, the delta, rollout and Ready."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from controller.api.service import EcsServiceSpec
from controller.naming import Names
from controller.observe.service import (
    is_ready,
    normalise_service_connect,
    observed_service,
    primary_deployment,
    rollout,
    service_connect_status,
    service_diff,
    task_definition_matches,
    update_service_request,
)
from controller.render.service import (
    ServiceContext,
    create_service_request,
    desired_service,
    service_discovery_service_request,
    task_definition_request,
)
from tests.fixtures_aws import LocalAws

ACCOUNT = "123456789012"
NAMESPACE_ARN = f"arn:aws:servicediscovery:us-east-1:{ACCOUNT}:namespace/ns-kudos"
EXECUTION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/kudos-test-execution"
TD_ARN = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/kudos-test-api:3"
OLD_TD_ARN = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/kudos-test-api:2"
REGISTRY_ARN = f"arn:aws:servicediscovery:us-east-1:{ACCOUNT}:service/srv-api"
SECRET_DB = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/db"
WHEN = datetime(2025, 1, 1, tzinfo=UTC)


def context(**changes: Any) -> ServiceContext:
    base = ServiceContext(
        names=Names("kudos", "test", "api"),
        region="us-east-1",
        cluster="kudos-test",
        namespace_name="test.kudos.local",
        namespace_arn=NAMESPACE_ARN,
        namespace_id="ns-kudos",
        namespace_type="DNS_PRIVATE",
        subnets=("subnet-b", "subnet-a"),
        security_groups=("sg-1",),
        assign_public_ip=False,
        execution_role_arn=EXECUTION_ROLE,
        tags={"team": "kudos"},
    )
    return dataclasses.replace(base, **changes)


def api_spec(**fields: Any) -> EcsServiceSpec:
    return EcsServiceSpec.model_validate(
        {
            "app": "kudos",
            "environment": "test",
            "image": "nginx:1.27",
            "port": 8080,
            "count": 2,
            "variables": {"LOG_LEVEL": "info", "EMPTY": ""},
            "secrets": {"DB_PASSWORD": SECRET_DB},
            "healthCheck": {"command": ["CMD", "true"]},
            "network": {"connect": {"enabled": True}},
            **fields,
        }
    )


# -- task definitions -----------------------------------------------------------------------


def as_ecs_registers(request: dict[str, Any], revision: int = 3) -> dict[str, Any]:
    """What DescribeTaskDefinition answers for a revision registered from `request`: ECS adds
    identity and defaults, returns empty lists, reorders nothing we rely on, and keeps tags
    beside the revision rather than in it."""
    described = copy.deepcopy(request)
    described.pop("tags", None)
    for container in described["containerDefinitions"]:
        container["cpu"] = 0
        container.setdefault("essential", True)
        container["mountPoints"] = []
        container["volumesFrom"] = []
        container["systemControls"] = []
        # ECS leaves out variables with an empty value, and keeps no order we rely on.
        container["environment"] = [
            entry for entry in reversed(container.get("environment", [])) if entry["value"]
        ]
        for mapping in container.get("portMappings", []):
            mapping["hostPort"] = mapping["containerPort"]
        container["logConfiguration"]["secretOptions"] = []
    described.update(
        taskDefinitionArn=f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/"
        f"{request['family']}:{revision}",
        revision=revision,
        status="ACTIVE",
        volumes=[],
        placementConstraints=[],
        compatibilities=["EC2", "FARGATE"],
        requiresAttributes=[{"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"}],
        registeredAt=WHEN,
        registeredBy=f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/kopilot",
    )
    return described


def test_a_revision_registered_from_the_request_matches_it() -> None:
    request = task_definition_request(api_spec(), context())
    assert task_definition_matches(request, as_ecs_registers(request))


def test_tags_alone_do_not_ask_for_a_new_revision() -> None:
    request = task_definition_request(api_spec(), context())
    described = as_ecs_registers(request)
    retagged = task_definition_request(api_spec(), context(tags={"team": "other"}))
    assert task_definition_matches(retagged, described)


def test_health_check_defaults_filled_in_by_ecs_match() -> None:
    request = task_definition_request(api_spec(), context())
    request["containerDefinitions"][0]["healthCheck"] = {"command": ["CMD", "true"]}
    described = as_ecs_registers(request)
    described["containerDefinitions"][0]["healthCheck"].update(interval=30, timeout=5, retries=3)
    assert task_definition_matches(request, described)


def test_cpu_and_memory_match_in_any_form_ecs_accepts() -> None:
    request = task_definition_request(api_spec(cpu=1024, memory=2048), context())
    described = as_ecs_registers(request)
    request.update(cpu=1024, memory=2048)  # integers where ECS answers strings
    assert task_definition_matches(request, described)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(definition: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = definition
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value

    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def change(definition: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = definition
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[last]

    return change


def _add_variable(definition: dict[str, Any]) -> None:
    definition["containerDefinitions"][0]["environment"].append({"name": "NEW", "value": "1"})


C = "containerDefinitions.0"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_set(f"{C}.image", "nginx:1.28"), id="image"),
        pytest.param(_set(f"{C}.environment.0.value", "debug"), id="variable value"),
        pytest.param(_add_variable, id="variable added"),
        pytest.param(_set(f"{C}.portMappings.0.containerPort", 9090), id="port"),
        pytest.param(_set(f"{C}.portMappings.0.appProtocol", "grpc"), id="app protocol"),
        pytest.param(_set(f"{C}.portMappings.0.name", "other"), id="port name"),
        pytest.param(_set("cpu", "512"), id="cpu"),
        pytest.param(_set("memory", "1024"), id="memory"),
        pytest.param(_set(f"{C}.secrets.0.valueFrom", SECRET_DB + "-2"), id="secret"),
        pytest.param(_set(f"{C}.command", ["sleep", "1"]), id="command"),
        pytest.param(_set(f"{C}.entryPoint", ["/bin/sh"]), id="entry point"),
        pytest.param(_set(f"{C}.healthCheck.interval", 20), id="health check"),
        pytest.param(_drop(f"{C}.healthCheck"), id="health check removed"),
        pytest.param(_set(f"{C}.logConfiguration.options.awslogs-group", "/other"), id="log group"),
        pytest.param(_set(f"{C}.essential", False), id="essential"),
        pytest.param(_set("executionRoleArn", EXECUTION_ROLE + "-2"), id="execution role"),
        pytest.param(_set("taskRoleArn", f"arn:aws:iam::{ACCOUNT}:role/t"), id="task role added"),
        pytest.param(_set("runtimePlatform.cpuArchitecture", "ARM64"), id="platform"),
        pytest.param(_set("networkMode", "bridge"), id="network mode"),
        pytest.param(_set("family", "kudos-test-web"), id="family"),
    ],
)
def test_a_meaningful_change_needs_a_new_revision(
    change: Callable[[dict[str, Any]], None],
) -> None:
    request = task_definition_request(api_spec(), context())
    described = as_ecs_registers(request)
    change(described)
    assert not task_definition_matches(request, described)


def test_a_variable_removed_from_the_spec_needs_a_new_revision() -> None:
    described = as_ecs_registers(task_definition_request(api_spec(), context()))
    request = task_definition_request(api_spec(variables={"EMPTY": ""}), context())
    assert not task_definition_matches(request, described)


def test_an_empty_variable_is_no_difference_since_ecs_drops_it() -> None:
    request = task_definition_request(api_spec(), context())
    assert {"name": "EMPTY", "value": ""} in request["containerDefinitions"][0]["environment"]
    described = as_ecs_registers(request)
    assert all(e["name"] != "EMPTY" for e in described["containerDefinitions"][0]["environment"])
    assert task_definition_matches(request, described)
    without = task_definition_request(api_spec(variables={"LOG_LEVEL": "info"}), context())
    assert task_definition_matches(without, described)


def test_a_variable_set_to_a_value_where_it_was_empty_needs_a_new_revision() -> None:
    described = as_ecs_registers(task_definition_request(api_spec(), context()))
    request = task_definition_request(
        api_spec(variables={"LOG_LEVEL": "info", "EMPTY": "now"}), context()
    )
    assert not task_definition_matches(request, described)


SIDECARS = [
    {"name": "envoy", "image": "envoyproxy/envoy:v1.31", "port": 9901},
    {
        "name": "migrate",
        "image": "flyway/flyway:10",
        "essential": False,
        "dependsOn": {"envoy": "START", "api": "START"},
    },
]


def test_a_revision_with_sidecars_matches_its_request_in_any_order_ecs_gives() -> None:
    request = task_definition_request(api_spec(sidecars=SIDECARS), context())
    described = as_ecs_registers(request)
    described["containerDefinitions"].reverse()
    described["containerDefinitions"][0]["dependsOn"].reverse()
    described["containerDefinitions"][1]["readonlyRootFilesystem"] = False  # ECS's default
    assert task_definition_matches(request, described)


@pytest.mark.parametrize(
    "sidecars",
    [
        pytest.param([{**SIDECARS[0], "image": "envoyproxy/envoy:v1.32"}, SIDECARS[1]], id="image"),
        pytest.param([SIDECARS[0]], id="removed"),
        pytest.param([SIDECARS[0], {**SIDECARS[1], "essential": True}], id="essential"),
        pytest.param(
            [SIDECARS[0], {**SIDECARS[1], "dependsOn": {"envoy": "COMPLETE"}}], id="depends on"
        ),
    ],
)
def test_a_sidecar_change_needs_a_new_revision(sidecars: list[dict[str, Any]]) -> None:
    described = as_ecs_registers(task_definition_request(api_spec(sidecars=SIDECARS), context()))
    request = task_definition_request(api_spec(sidecars=sidecars), context())
    assert not task_definition_matches(request, described)


# -- describe services ----------------------------------------------------------------------


def deployment(
    status: str = "PRIMARY",
    state: str = "COMPLETED",
    task_definition: str = TD_ARN,
    running: int = 2,
    desired: int = 2,
    connect: dict[str, Any] | None = None,
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": f"ecs-svc/{status.lower()}-{state.lower()}",
        "status": status,
        "taskDefinition": task_definition,
        "desiredCount": desired,
        "pendingCount": desired - running,
        "runningCount": running,
        "failedTasks": 0,
        "createdAt": WHEN,
        "updatedAt": WHEN,
        "launchType": "FARGATE",
        "platformVersion": "1.4.0",
        "rolloutState": state,
        "rolloutStateReason": f"ECS deployment {state.lower()}.",
    }
    if connect is not None:
        found["serviceConnectConfiguration"] = connect
        found["serviceConnectResources"] = [
            {"discoveryName": "api-sc", "discoveryArn": REGISTRY_ARN + "-sc"}
        ]
    return found


SERVER_CONNECT: dict[str, Any] = {
    "enabled": True,
    "namespace": NAMESPACE_ARN,
    "services": [
        {
            "portName": "api-8080",
            "discoveryName": "api-sc",
            "clientAliases": [{"port": 8080, "dnsName": "api"}],
        }
    ],
}


def described_service(*deployments: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A DescribeServices entry as ECS gives it for the kudos api, with what ECS adds."""
    deployments = deployments or (deployment(connect=SERVER_CONNECT),)
    primary = next(d for d in deployments if d["status"] == "PRIMARY")
    service: dict[str, Any] = {
        "serviceArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/kudos-test/api",
        "serviceName": "api",
        "clusterArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/kudos-test",
        "status": "ACTIVE",
        "desiredCount": 2,
        "runningCount": sum(d["runningCount"] for d in deployments),
        "pendingCount": sum(d["pendingCount"] for d in deployments),
        "launchType": "FARGATE",
        "platformVersion": "LATEST",
        "platformFamily": "Linux",
        "taskDefinition": primary["taskDefinition"],
        "deploymentConfiguration": {
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
            "alarms": {"alarmNames": [], "enable": False, "rollback": False},
            "strategy": "ROLLING",
        },
        "deployments": list(deployments),
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/x",
        "events": [],
        "createdAt": WHEN,
        "placementConstraints": [],
        "placementStrategy": [],
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": ["subnet-b", "subnet-a"],
                "securityGroups": ["sg-1"],
                "assignPublicIp": "DISABLED",
            }
        },
        "serviceRegistries": [{"registryArn": REGISTRY_ARN, "port": 8080}],
        "schedulingStrategy": "REPLICA",
        "deploymentController": {"type": "ECS"},
        "createdBy": f"arn:aws:iam::{ACCOUNT}:role/deployer",
        "enableECSManagedTags": True,
        "propagateTags": "SERVICE",
        "enableExecuteCommand": False,
        "availabilityZoneRebalancing": "ENABLED",
        "tags": [{"key": "team", "value": "kudos"}],
    }
    service.update(fields)
    return service


def desired(**fields: Any) -> dict[str, Any]:
    return desired_service(api_spec(**fields), context(), TD_ARN, REGISTRY_ARN)


def test_observed_service_has_the_desired_shape_and_no_aws_extras() -> None:
    assert observed_service(described_service()) == {
        "taskDefinition": TD_ARN,
        "desiredCount": 2,
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": ["subnet-a", "subnet-b"],
                "securityGroups": ["sg-1"],
                "assignPublicIp": "DISABLED",
            }
        },
        "deploymentConfiguration": {
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "minimumHealthyPercent": 100,
            "maximumPercent": 200,
        },
        "propagateTags": "SERVICE",
        "serviceRegistries": [{"registryArn": REGISTRY_ARN, "port": 8080}],
        "loadBalancers": [],
        "healthCheckGracePeriodSeconds": 0,
        "serviceConnectConfiguration": SERVER_CONNECT,
    }


def test_a_matching_service_has_no_difference() -> None:
    assert service_diff(desired(), observed_service(described_service())) == {}


def test_service_connect_is_read_from_the_primary_deployment_only() -> None:
    old = {**SERVER_CONNECT, "services": []}
    service = described_service(
        deployment(state="IN_PROGRESS", running=0, connect=SERVER_CONNECT),
        deployment(status="ACTIVE", task_definition=OLD_TD_ARN, connect=old),
    )
    assert observed_service(service)["serviceConnectConfiguration"] == SERVER_CONNECT
    # ...and not from the service, where ECS never puts it.
    service["serviceConnectConfiguration"] = {"enabled": False}
    assert service_diff(desired(), observed_service(service)) == {}


def test_no_service_connect_on_the_deployment_reads_as_off() -> None:
    observed = observed_service(described_service(deployment()))
    assert observed["serviceConnectConfiguration"] == {"enabled": False}
    delta = service_diff(desired(), observed)
    assert delta == {"serviceConnectConfiguration": (SERVER_CONNECT, {"enabled": False})}


def test_turning_service_connect_off_is_a_difference() -> None:
    delta = service_diff(desired(network={}), observed_service(described_service()))
    assert delta["serviceConnectConfiguration"] == ({"enabled": False}, SERVER_CONNECT)


def test_differences_are_keyed_by_path() -> None:
    observed = observed_service(
        described_service(
            deployment(task_definition=OLD_TD_ARN, connect=SERVER_CONNECT),
            desiredCount=1,
            networkConfiguration={
                "awsvpcConfiguration": {"subnets": ["subnet-c"], "securityGroups": ["sg-1"]}
            },
            deploymentConfiguration={"deploymentCircuitBreaker": {"enable": False}},
        )
    )
    assert service_diff(desired(), observed) == {
        "taskDefinition": (TD_ARN, OLD_TD_ARN),
        "desiredCount": (2, 1),
        "networkConfiguration.awsvpcConfiguration.subnets": (
            ["subnet-a", "subnet-b"],
            ["subnet-c"],
        ),
        "deploymentConfiguration.deploymentCircuitBreaker.enable": (True, False),
        "deploymentConfiguration.deploymentCircuitBreaker.rollback": (True, False),
        "deploymentConfiguration.minimumHealthyPercent": (100, None),
        "deploymentConfiguration.maximumPercent": (200, None),
    }


def test_order_and_aws_defaults_are_not_differences() -> None:
    connect = copy.deepcopy(SERVER_CONNECT)
    del connect["services"][0]["discoveryName"]  # ECS's default is the port name...
    connect["services"][0]["portName"] = "api-sc"  # ...so this says the same thing
    want = desired()
    want["serviceConnectConfiguration"]["services"][0]["portName"] = "api-sc"
    observed = observed_service(
        described_service(
            deployment(connect=connect),
            networkConfiguration={  # no assignPublicIp: DISABLED
                "awsvpcConfiguration": {
                    "subnets": ["subnet-b", "subnet-a"],
                    "securityGroups": ["sg-1"],
                }
            },
        )
    )
    assert service_diff(want, observed) == {}


def test_no_security_group_accepts_the_vpc_default_aws_reports() -> None:
    want = desired_service(api_spec(), context(security_groups=()), TD_ARN, REGISTRY_ARN)
    assert service_diff(want, observed_service(described_service())) == {}
    # A security group that is asked for is compared.
    want = desired_service(api_spec(), context(security_groups=("sg-9",)), TD_ARN, REGISTRY_ARN)
    assert set(service_diff(want, observed_service(described_service()))) == {
        "networkConfiguration.awsvpcConfiguration.securityGroups"
    }


def test_a_namespace_given_by_name_is_not_compared_with_the_arn_ecs_returns() -> None:
    want = desired(network={"connect": {"namespace": "test.kudos.local"}})
    assert service_diff(want, observed_service(described_service())) == {}


def test_a_namespace_arn_is_compared() -> None:
    other = dict(SERVER_CONNECT, namespace=NAMESPACE_ARN.replace("ns-kudos", "ns-other"))
    observed = observed_service(described_service(deployment(connect=other)))
    assert set(service_diff(desired(), observed)) == {"serviceConnectConfiguration"}


def test_alias_change_differs_in_the_whole_service_connect_configuration() -> None:
    want = desired(network={"connect": {"alias": "api.local"}})
    delta = service_diff(want, observed_service(described_service()))
    assert list(delta) == ["serviceConnectConfiguration"]
    assert delta["serviceConnectConfiguration"][0]["services"][0]["clientAliases"] == [
        {"port": 8080, "dnsName": "api.local"}
    ]


def test_service_discovery_turned_off_differs_in_service_registries() -> None:
    want = desired(network={"connect": {}, "serviceDiscovery": {"enabled": False}})
    delta = service_diff(want, observed_service(described_service()))
    assert delta == {"serviceRegistries": ([], [{"registryArn": REGISTRY_ARN, "port": 8080}])}


def test_normalised_service_connect() -> None:
    assert normalise_service_connect(None) == {"enabled": False}
    assert normalise_service_connect({"enabled": False, "namespace": "x"}) == {"enabled": False}
    assert normalise_service_connect(
        {
            "enabled": True,
            "namespace": "n",
            "services": [],
            "logConfiguration": {"logDriver": "awslogs", "options": {}, "secretOptions": []},
            "accessLogConfiguration": {"format": "TEXT"},
        }
    ) == {
        "enabled": True,
        "namespace": "n",
        "logConfiguration": {"logDriver": "awslogs"},
        "accessLogConfiguration": {"format": "TEXT", "includeQueryParameters": "DISABLED"},
    }


# -- update requests -----------------------------------------------------------------------


def test_update_sends_only_what_differs() -> None:
    want = desired(count=3)
    delta = service_diff(want, observed_service(described_service()))
    assert update_service_request("kudos-test", "api", delta, want) == {
        "cluster": "kudos-test",
        "service": "api",
        "desiredCount": 3,
    }


def test_update_sends_nested_settings_and_service_connect_whole() -> None:
    want = desired(network={"connect": {"alias": "api.local"}})
    observed = observed_service(
        described_service(
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": ["subnet-a"],
                    "securityGroups": ["sg-1"],
                    "assignPublicIp": "DISABLED",
                }
            },
        )
    )
    request = update_service_request("kudos-test", "api", service_diff(want, observed), want)
    assert request == {
        "cluster": "kudos-test",
        "service": "api",
        "networkConfiguration": want["networkConfiguration"],
        "serviceConnectConfiguration": want["serviceConnectConfiguration"],
    }
    assert "forceNewDeployment" not in request
    # What is sent is a copy: changing it leaves the desired shape alone.
    request["networkConfiguration"]["awsvpcConfiguration"]["subnets"].clear()
    assert want["networkConfiguration"]["awsvpcConfiguration"]["subnets"]


def test_update_turns_service_connect_off_explicitly() -> None:
    want = desired(network={})
    delta = service_diff(want, observed_service(described_service()))
    request = update_service_request("kudos-test", "api", delta, want)
    assert request["serviceConnectConfiguration"] == {"enabled": False}


# -- ECS Exec ------------------------------------------------------------------------------


def test_exec_turned_on_is_a_difference_sent_with_a_new_deployment() -> None:
    want = desired(exec=True)
    delta = service_diff(want, observed_service(described_service()))
    assert delta == {"enableExecuteCommand": (True, False)}
    assert update_service_request("kudos-test", "api", delta, want) == {
        "cluster": "kudos-test",
        "service": "api",
        "enableExecuteCommand": True,
        # Amazon ECS Developer Guide, ECS Exec: the setting reaches new tasks only.
        "forceNewDeployment": True,
    }


def test_exec_turned_off_is_a_difference_too() -> None:
    want = desired()
    assert "enableExecuteCommand" not in want  # off: ECS's default, left unsaid
    observed = observed_service(described_service(enableExecuteCommand=True))
    delta = service_diff(want, observed)
    assert delta == {"enableExecuteCommand": (False, True)}
    request = update_service_request("kudos-test", "api", delta, want)
    assert request["enableExecuteCommand"] is False
    assert request["forceNewDeployment"] is True


@pytest.mark.parametrize("on", [True, False])
def test_exec_as_it_runs_is_no_difference(on: bool) -> None:
    observed = observed_service(described_service(enableExecuteCommand=on))
    assert service_diff(desired(exec=on), observed) == {}


# -- rollout and readiness ------------------------------------------------------------------


def test_rollout_comes_from_the_primary_deployment() -> None:
    service = described_service(
        deployment(state="IN_PROGRESS", running=1, connect=SERVER_CONNECT),
        deployment(status="ACTIVE", task_definition=OLD_TD_ARN, running=2),
    )
    assert rollout(service) == {
        "state": "IN_PROGRESS",
        "reason": "ECS deployment in_progress.",
        "deploymentId": "ecs-svc/primary-in_progress",
        "taskDefinition": TD_ARN,
        "desiredCount": 2,
        "runningCount": 3,
        "pendingCount": 1,
        "failed": False,
    }


def test_rollout_reports_a_failure_after_the_circuit_breaker_rolled_back() -> None:
    service = described_service(
        deployment(state="IN_PROGRESS", task_definition=OLD_TD_ARN, running=0),
        deployment(status="ACTIVE", state="FAILED", running=0),
    )
    result = rollout(service)
    assert result["state"] == "IN_PROGRESS"
    assert result["taskDefinition"] == OLD_TD_ARN
    assert result["failed"] is True


def test_rollout_of_a_service_without_deployments() -> None:
    result = rollout({"desiredCount": 0, "deployments": []})
    assert result["state"] is None
    assert result["deploymentId"] is None
    assert (result["runningCount"], result["pendingCount"]) == (0, 0)


@pytest.mark.parametrize(
    ("service", "ready"),
    [
        pytest.param(described_service(), True, id="completed and all running"),
        pytest.param(
            described_service(deployment(state="IN_PROGRESS", running=1)), False, id="in progress"
        ),
        pytest.param(described_service(deployment(state="FAILED", running=0)), False, id="failed"),
        pytest.param(
            described_service(
                deployment(),
                deployment(status="ACTIVE", task_definition=OLD_TD_ARN, running=0),
            ),
            False,
            id="older deployment still there",
        ),
        pytest.param(
            described_service(deployment(running=1)), False, id="completed but one task short"
        ),
        pytest.param(described_service(status="DRAINING"), False, id="draining"),
        pytest.param(described_service(deployments=[]), False, id="no deployment"),
        pytest.param(
            described_service(deployment(running=0, desired=0), desiredCount=0),
            True,
            id="scaled to zero",
        ),
    ],
)
def test_is_ready(service: dict[str, Any], ready: bool) -> None:
    assert is_ready(service) is ready


def test_ready_without_a_rollout_state_follows_the_counts() -> None:
    only = deployment()
    del only["rolloutState"]
    assert is_ready(described_service(only))
    assert not is_ready(described_service(only, runningCount=1))


def test_a_rollback_to_an_older_revision_is_not_ready_for_the_new_one() -> None:
    service = described_service(deployment(task_definition=OLD_TD_ARN))
    assert is_ready(service)
    assert is_ready(service, task_definition_arn=OLD_TD_ARN)
    assert not is_ready(service, task_definition_arn=TD_ARN)


def test_primary_deployment_and_service_connect_status() -> None:
    service = described_service()
    primary = primary_deployment(service)
    assert primary is not None
    assert primary["id"] == "ecs-svc/primary-completed"
    assert service_connect_status(service, "arn:unused") == {
        "namespace": NAMESPACE_ARN,
        "discoveryName": "api-sc",
        "discoveryArn": REGISTRY_ARN + "-sc",
    }
    assert service_connect_status(described_service(deployment()), NAMESPACE_ARN) == {
        "namespace": None,
        "discoveryName": None,
        "discoveryArn": None,
    }


def test_service_connect_status_gives_an_arn_where_ecs_echoes_a_name() -> None:
    by_name = deployment(
        connect={**SERVER_CONNECT, "namespace": "test.kudos.local"},
    )
    status = service_connect_status(described_service(by_name), NAMESPACE_ARN)
    assert status["namespace"] == NAMESPACE_ARN


# -- against the local AWS emulator ----------------------------------------------------------


def _world(aws: LocalAws) -> ServiceContext:
    """A VPC, a subnet, a security group, a private DNS namespace and a cluster."""
    aws.settings(operation_seconds=0, rollout_seconds=0.2)
    ec2 = aws.client("ec2")
    sd = aws.client("servicediscovery")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    operation_id = sd.create_private_dns_namespace(
        Name="test.kudos.local", Vpc=vpc, CreatorRequestId="ns-1"
    )["OperationId"]
    operation = aws.eventually(
        lambda: sd.get_operation(OperationId=operation_id)["Operation"],
        until=lambda op: op["Status"] == "SUCCESS",
    )
    namespace = sd.get_namespace(Id=operation["Targets"]["NAMESPACE"])["Namespace"]
    aws.client("ecs").create_cluster(clusterName="kudos-test")
    return context(
        region=aws.region,
        namespace_arn=namespace["Arn"],
        namespace_id=namespace["Id"],
        subnets=(subnet,),
        security_groups=(group,),
    )


def _describe(ecs: Any, ctx: ServiceContext) -> dict[str, Any]:
    found: dict[str, Any] = ecs.describe_services(cluster=ctx.cluster, services=[ctx.names.svc])[
        "services"
    ][0]
    return found


@pytest.mark.aws
def test_emulator_registered_revision_matches_its_request(aws: LocalAws) -> None:
    ctx = _world(aws)
    ecs = aws.client("ecs")
    request = task_definition_request(api_spec(), ctx)
    arn = ecs.register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"]
    described = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
    assert task_definition_matches(request, described["taskDefinition"])

    changed = task_definition_request(api_spec(image="nginx:1.28"), ctx)
    assert not task_definition_matches(changed, described["taskDefinition"])
    grpc = task_definition_request(api_spec(protocol="grpc"), ctx)
    assert not task_definition_matches(grpc, described["taskDefinition"])


@pytest.mark.aws
def test_emulator_created_service_observes_as_desired_and_updates_converge(
    aws: LocalAws,
) -> None:
    ctx = _world(aws)
    ecs, sd = aws.client("ecs"), aws.client("servicediscovery")
    the_spec = api_spec()
    registry = service_discovery_service_request(the_spec, ctx, "creator-1")
    assert registry is not None
    registry_arn = sd.create_service(**registry)["Service"]["Arn"]
    td_arn = ecs.register_task_definition(**task_definition_request(the_spec, ctx))[
        "taskDefinition"
    ]["taskDefinitionArn"]

    ecs.create_service(**create_service_request(the_spec, ctx, td_arn, registry_arn, "tok-1"))
    want = desired_service(the_spec, ctx, td_arn, registry_arn)
    assert service_diff(want, observed_service(_describe(ecs, ctx))) == {}

    # Scale and move to an alias: the delta names both, the update sends both, and then
    # the service (its new PRIMARY deployment included) observes as desired again.
    changed = api_spec(count=3, network={"connect": {"alias": "api.local"}})
    want = desired_service(changed, ctx, td_arn, registry_arn)
    delta = service_diff(want, observed_service(_describe(ecs, ctx)))
    assert set(delta) == {"desiredCount", "serviceConnectConfiguration"}
    ecs.update_service(**update_service_request(ctx.cluster, "api", delta, want))
    described = _describe(ecs, ctx)
    assert service_diff(want, observed_service(described)) == {}
    assert service_connect_status(described, ctx.namespace_arn)["discoveryName"] == "api-sc"

    steady = aws.eventually(lambda: _describe(ecs, ctx), until=is_ready, timeout=10)
    assert rollout(steady)["state"] == "COMPLETED"
    assert is_ready(steady, task_definition_arn=td_arn)


@pytest.mark.aws
def test_emulator_client_only_service_observes_as_desired(aws: LocalAws) -> None:
    ctx = _world(aws)
    ecs = aws.client("ecs")
    the_spec = EcsServiceSpec.model_validate(
        {
            "app": "kudos",
            "environment": "test",
            "name": "worker",
            "image": "python:3.12-slim",
            "network": {"connect": {}},
        }
    )
    ctx = dataclasses.replace(ctx, names=Names("kudos", "test", "worker"))
    td_arn = ecs.register_task_definition(**task_definition_request(the_spec, ctx))[
        "taskDefinition"
    ]["taskDefinitionArn"]
    ecs.create_service(**create_service_request(the_spec, ctx, td_arn, None, "tok-2"))
    described = _describe(ecs, ctx)
    assert observed_service(described)["serviceConnectConfiguration"] == {
        "enabled": True,
        "namespace": ctx.namespace_arn,
    }
    assert (
        service_diff(desired_service(the_spec, ctx, td_arn, None), observed_service(described))
        == {}
    )
    steady = aws.eventually(lambda: _describe(ecs, ctx), until=is_ready, timeout=10)
    assert (
        service_connect_status(steady, ctx.namespace_arn)["discoveryName"] is None
    )  # no endpoint published
