"""What a new user runs into: resources deleted outside kopilot, a namespace that does not
exist, a name taken by someone else, an environment whose deletion is held up, and a
restart at the worst moment. Each test fails without the behaviour it names."""

from __future__ import annotations

from typing import Any

import pytest

from controller.sandbox.aws import FaultRule
from tests.conftest import Kube, Kubectl
from tests.fixtures_aws import LocalAws
from tests.operator.objects import (
    CLUSTER,
    app,
    apply,
    cloud_map_services,
    condition,
    described,
    env,
    get,
    service,
    wait_ready,
    wait_reason,
)
from tests.operator_process import OperatorProcess, eventually

pytestmark = [pytest.mark.controlplane, pytest.mark.aws]


def _revisions(aws: LocalAws, family: str) -> list[str]:
    arns = aws.client("ecs").list_task_definitions(familyPrefix=family)["taskDefinitionArns"]
    return [arn for arn in arns if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family]


def test_a_revision_registered_just_before_a_kill_is_found_after_the_restart(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, app(), env())
    operator.start()
    wait_ready(kube, namespace, "ecsenvironments", "test")
    # The registration is slow: the operator dies before it hears back, so it never saves
    # the revision on status, while AWS goes on and registers it.
    aws.set_faults(FaultRule("latency", "ecs:RegisterTaskDefinition", latency_seconds=3.0))
    apply(kubectl, namespace, service("api", port=8080))
    eventually(aws.counters, lambda c: c.get("ecs:RegisterTaskDefinition", 0) >= 1, timeout=60)
    operator.kill()
    eventually(lambda: _revisions(aws, "kudos-test-api"), lambda r: len(r) == 1, timeout=10)
    aws.set_faults()
    operator.start()
    ready = wait_ready(kube, namespace, "ecsservices", "api", timeout=60)
    assert _revisions(aws, "kudos-test-api") == [ready["status"]["taskDefinitionArn"]]
    assert ready["status"]["taskDefinitionArn"].endswith(":1")


def test_a_service_discovery_service_deleted_outside_kopilot_is_made_again(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, app(), env(), service("api", port=8080))
    operator.start()
    first = wait_ready(kube, namespace, "ecsservices", "api", timeout=60)["status"]
    sd = aws.client("servicediscovery")
    # Cloud Map refuses to delete a service with instances (ECS registers each task): the
    # person who deletes it deregisters them first.
    instances = sd.list_instances(ServiceId=first["serviceDiscoveryId"])["Instances"]
    assert instances, "ECS registered the running task"
    for instance in instances:
        sd.deregister_instance(ServiceId=first["serviceDiscoveryId"], InstanceId=instance["Id"])
    sd.delete_service(Id=first["serviceDiscoveryId"])

    repaired = eventually(
        lambda: get(kube, namespace, "ecsservices", "api"),
        lambda o: (
            o["status"].get("serviceDiscoveryId") not in (None, first["serviceDiscoveryId"])
            and condition(o)["status"] == "True"
        ),
        timeout=60,
    )["status"]
    again = cloud_map_services(aws)["api"]
    assert again["Id"] == repaired["serviceDiscoveryId"]
    assert sorted(r["Type"] for r in again["DnsConfig"]["DnsRecords"]) == ["A", "SRV"]
    # The ECS service now registers its tasks in the new one.
    eventually(
        lambda: described(aws, "api")["serviceRegistries"],
        lambda regs: regs == [{"registryArn": again["Arn"], "port": 8080}],
    )


def test_a_connect_namespace_that_does_not_exist_is_named_on_the_condition(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    network = {"connect": {"namespace": "nowhere.local"}}
    apply(kubectl, namespace, app(), env(), service("api", port=8080, network=network))
    operator.start()
    refused = wait_reason(kube, namespace, "ecsservices", "api", "NamespaceNotFound", timeout=60)
    message = condition(refused)["message"]
    assert "spec.network.connect.namespace" in message
    assert "'nowhere.local'" in message
    assert condition(refused, "Synced")["reason"] == "ReconcileTerminal"
    assert described(aws, "api") == {}
    assert aws.counters().get("ecs:CreateService", 0) == 0


def test_status_shows_the_service_connect_namespace_as_an_arn(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    # The namespace named by its name, as users write it.
    network = {"connect": {"namespace": "test.kudos.local"}}
    apply(kubectl, namespace, app(), env(), service("api", port=8080, network=network))
    operator.start()
    ready = wait_ready(kube, namespace, "ecsservices", "api", timeout=60)
    environment = get(kube, namespace, "ecsenvironments", "test")
    assert environment is not None
    assert (
        ready["status"]["serviceConnect"]["namespace"] == environment["status"]["namespace"]["arn"]
    )


def test_a_discovery_name_held_by_service_discovery_names_its_ecsservice(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, app(), env(), service("api", port=8080))
    operator.start()
    wait_ready(kube, namespace, "ecsservices", "api", timeout=60)
    # "api" is the Cloud Map service of api's Service Discovery (api.test.kudos.local).
    network = {"connect": {"discoveryName": "api"}}
    apply(kubectl, namespace, service("other", port=9090, network=network))
    clash = wait_reason(kube, namespace, "ecsservices", "other", "DiscoveryNameTaken", timeout=60)
    message = condition(clash)["message"]
    assert "'api' is already taken in namespace test.kudos.local" in message
    assert f"the Service Discovery service of EcsService {namespace}/api" in message


def test_a_discovery_name_taken_in_another_environments_namespace_names_both(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    shared = {"connect": {"discoveryName": "shared"}}
    apply(
        kubectl, namespace, app(), env(), env("prod"), service("first", port=8080, network=shared)
    )
    operator.start()
    wait_ready(kube, namespace, "ecsservices", "first", timeout=60)
    wait_ready(kube, namespace, "ecsenvironments", "prod", timeout=60)
    # A prod service that joins test's namespace, with the same discovery name.
    joins_test = {"connect": {"discoveryName": "shared", "namespace": "test.kudos.local"}}
    second = service("second", port=9090, network=joins_test)
    second["spec"]["environment"] = "prod"
    apply(kubectl, namespace, second)
    clash = wait_reason(kube, namespace, "ecsservices", "second", "DiscoveryNameTaken", timeout=60)
    message = condition(clash)["message"]
    assert "'shared' is already taken in namespace test.kudos.local" in message
    assert f"by EcsService {namespace}/first" in message


def test_an_environment_held_up_by_a_foreign_service_names_it(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, app(), env())
    operator.start()
    status = wait_ready(kube, namespace, "ecsenvironments", "test")["status"]
    sd = aws.client("servicediscovery")
    foreign: dict[str, Any] = sd.create_service(
        Name="legacy",
        NamespaceId=status["namespace"]["id"],
        DnsConfig={"DnsRecords": [{"Type": "A", "TTL": 60}]},
    )["Service"]

    kubectl("delete", "ecsenv", "test", "-n", namespace, "--wait=false", check=True)
    held = wait_reason(kube, namespace, "ecsenvironments", "test", "NamespaceInUse", timeout=60)
    message = condition(held)["message"]
    assert (
        "namespace test.kudos.local still has Cloud Map services: legacy (not made by kopilot)"
        in message
    )
    assert "deletionPolicy: Retain" in message

    sd.delete_service(Id=foreign["Id"])
    eventually(
        lambda: get(kube, namespace, "ecsenvironments", "test"), lambda o: o is None, timeout=60
    )
    assert (
        aws.client("ecs").describe_clusters(clusters=[CLUSTER])["clusters"][0]["status"]
        == "INACTIVE"
    )


def test_a_service_without_an_execution_role_is_told_where_to_set_one(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    no_role = env()
    del no_role["spec"]["executionRoleArn"]
    apply(kubectl, namespace, app(), no_role, service("api", port=8080))
    operator.start()
    refused = wait_reason(
        kube, namespace, "ecsservices", "api", "ExecutionRoleRequired", timeout=60
    )
    assert "set spec.executionRoleArn on EcsEnvironment 'test'" in condition(refused)["message"]
    assert aws.counters().get("ecs:RegisterTaskDefinition", 0) == 0

    # Set on the service alone, it is enough.
    role = "arn:aws:iam::123456789012:role/api-execution"
    apply(kubectl, namespace, service("api", port=8080, executionRoleArn=role))
    ready = wait_ready(kube, namespace, "ecsservices", "api", timeout=60)
    registered = aws.client("ecs").describe_task_definition(
        taskDefinition=ready["status"]["taskDefinitionArn"]
    )["taskDefinition"]
    assert registered["executionRoleArn"] == role
