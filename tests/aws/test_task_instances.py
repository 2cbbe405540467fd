"""Tasks of ECS services as Cloud Map instances, over HTTP: each RUNNING task is an instance
(id = task id, ECS's attributes) of the service's Service Discovery service and of each
Service Connect discovery service, HEALTHY in GetInstancesHealthStatus; it leaves them when it
stops (scale in, a new deployment, deletion); tasks that fail to start never join."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws.builders import describe, http_namespace, register_web, service_connect, wait_steady
from tests.aws.strict.refusals import cluster_and_network, private_namespace
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws

CLUSTER = "kudos-test"


def _task_ids(ecs: Any, desired: str = "RUNNING") -> set[str]:
    arns = ecs.list_tasks(cluster=CLUSTER, serviceName="api", desiredStatus=desired)["taskArns"]
    return {arn.rsplit("/", 1)[-1] for arn in arns}


def _instances(sd: Any, service_id: str) -> dict[str, dict[str, str]]:
    found = sd.list_instances(ServiceId=service_id)["Instances"]
    return {i["Id"]: i["Attributes"] for i in found}


def _api(aws: LocalAws, count: int = 2) -> tuple[Any, Any, str, str]:
    """Service `api` with Service Discovery (SRV on 8080) and Service Connect (`api-sc`),
    steady; the ecs and servicediscovery clients and both Cloud Map service ids."""
    ecs = aws.client("ecs", max_attempts=1)
    sd = aws.client("servicediscovery")
    aws.settings(rollout_seconds=0)
    network = cluster_and_network(aws, CLUSTER)
    dns = private_namespace(aws)
    registry = sd.create_service(
        Name="api",
        NamespaceId=dns["Id"],
        DnsConfig={"DnsRecords": [{"Type": "SRV", "TTL": 10}]},
        HealthCheckCustomConfig={"FailureThreshold": 1},
    )["Service"]
    connect = http_namespace(aws, "kudos-test")
    ecs.create_service(
        cluster=CLUSTER,
        serviceName="api",
        launchType="FARGATE",
        desiredCount=count,
        taskDefinition=register_web(ecs, family="api"),
        networkConfiguration=network,
        serviceRegistries=[{"registryArn": registry["Arn"], "port": 8080}],
        serviceConnectConfiguration=service_connect(connect["Arn"], ("http", "api-sc")),
    )
    steady = wait_steady(aws, ecs, CLUSTER, "api")
    resources = next(d for d in steady["deployments"] if d["status"] == "PRIMARY")[
        "serviceConnectResources"
    ]
    return ecs, sd, registry["Id"], resources[0]["discoveryArn"].rsplit("/", 1)[-1]


def test_running_tasks_are_healthy_instances_with_ecs_attributes(aws: LocalAws) -> None:
    ecs, sd, registry, discovery = _api(aws)
    running = _task_ids(ecs)
    assert len(running) == 2
    tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=sorted(running))["tasks"]
    for service_id in (registry, discovery):
        instances = _instances(sd, service_id)
        assert set(instances) == running
        for task in tasks:
            task_id = task["taskArn"].rsplit("/", 1)[-1]
            ip = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
            assert instances[task_id] == {
                "AWS_INSTANCE_IPV4": ip["privateIPv4Address"],
                "AWS_INSTANCE_PORT": "8080",
                "AVAILABILITY_ZONE": task["availabilityZone"],
                "REGION": "us-east-1",
                "ECS_CLUSTER_NAME": CLUSTER,
                "ECS_SERVICE_NAME": "api",
                "ECS_TASK_DEFINITION_FAMILY": "api",
            }
        health = sd.get_instances_health_status(ServiceId=service_id)["Status"]
        assert health == dict.fromkeys(running, "HEALTHY")
    # DiscoverInstances is sent to the data-plane host (data-...): not to be prefixed here.
    data = aws.client("servicediscovery", inject_host_prefix=False)
    found = data.discover_instances(NamespaceName="kudos-test", ServiceName="api-sc")["Instances"]
    assert {i["InstanceId"] for i in found} == running
    assert {i["HealthStatus"] for i in found} == {"HEALTHY"}


def test_pending_tasks_are_not_registered_yet(aws: LocalAws) -> None:
    ecs, sd, registry, discovery = _api(aws, count=1)
    aws.settings(rollout_seconds=60)
    ecs.update_service(cluster=CLUSTER, service="api", desiredCount=1, forceNewDeployment=True)
    service = describe(ecs, CLUSTER, "api")
    assert service["pendingCount"] == 1
    registered = set(_instances(sd, discovery))
    assert len(_task_ids(ecs)) == 2  # one RUNNING of the old deployment, one PENDING
    assert len(registered) == 1
    assert set(_instances(sd, registry)) == registered


def test_stopped_tasks_leave_and_the_cloud_map_services_can_go(aws: LocalAws) -> None:
    ecs, sd, registry, discovery = _api(aws, count=3)
    ecs.update_service(cluster=CLUSTER, service="api", desiredCount=1)
    running = _task_ids(ecs)
    assert len(running) == 1
    assert set(_instances(sd, registry)) == running
    assert set(_instances(sd, discovery)) == running
    assert sd.get_instances_health_status(ServiceId=registry)["Status"] == dict.fromkeys(
        running, "HEALTHY"
    )

    # A new deployment: its task replaces the old one in both services.
    ecs.update_service(cluster=CLUSTER, service="api", forceNewDeployment=True)
    wait_steady(aws, ecs, CLUSTER, "api")
    replaced = _task_ids(ecs)
    assert replaced.isdisjoint(running)
    assert set(_instances(sd, registry)) == replaced

    # Deleted: drained, its tasks stop and leave the Service Discovery service, which can
    # then be deleted (DeleteService refuses a service that still has instances).
    aws.settings(drain_seconds=0)
    ecs.delete_service(cluster=CLUSTER, service="api", force=True)
    aws.eventually(lambda: _task_ids(ecs), until=lambda ids: not ids)
    assert _instances(sd, registry) == {}
    sd.delete_service(Id=registry)


def test_tasks_that_fail_to_start_never_join(aws: LocalAws) -> None:
    ecs, sd, registry, _ = _api(aws, count=1)
    before = _instances(sd, registry)
    aws.settings(fail_rollouts=True)
    ecs.update_service(cluster=CLUSTER, service="api", forceNewDeployment=True)
    # Without the circuit breaker the deployment stays IN_PROGRESS, its tasks failing.
    aws.eventually(
        lambda: describe(ecs, CLUSTER, "api"),
        until=lambda s: any(d["failedTasks"] for d in s["deployments"]),
    )
    failed = _task_ids(ecs, "STOPPED")
    assert failed
    assert failed.isdisjoint(_instances(sd, registry))
    assert set(_instances(sd, registry)) == set(before)
