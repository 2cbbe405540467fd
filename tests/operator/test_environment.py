"""EcsApp and EcsEnvironment reconciled by the operator process, against the real control
plane and the local AWS: what a user sees in kubectl and in AWS."""

from __future__ import annotations

import pytest

from controller.naming import TAG_OWNER_UID
from controller.sandbox.aws import FaultRule
from tests.conftest import Kube, Kubectl
from tests.fixtures_aws import LocalAws
from tests.operator.objects import (
    GROUP,
    VERSION,
    app,
    apply,
    cluster,
    condition,
    env,
    get,
    namespaces,
    tags,
    wait_ready,
    wait_reason,
)
from tests.operator_process import OperatorProcess, eventually

pytestmark = [pytest.mark.controlplane, pytest.mark.aws]


def test_environment_creates_namespace_and_cluster_with_service_connect_default(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, app(tags={"team": "kudos"}), env(tags={"stage": "test"}))
    operator.start()
    obj = wait_ready(kube, namespace, "ecsenvironments", "test")
    status = obj["status"]

    sd = aws.client("servicediscovery")
    ns = sd.get_namespace(Id=status["namespace"]["id"])["Namespace"]
    assert ns["Name"] == "test.kudos.local"
    assert ns["Type"] == "DNS_PRIVATE"
    recorded = {k: v for k, v in status["namespace"].items() if k != "tagsHash"}
    assert recorded == {
        "id": ns["Id"],
        "arn": ns["Arn"],
        "name": "test.kudos.local",
        "type": "DNS_PRIVATE",
        "creations": 0,
    }
    assert status["serviceDiscoveryEndpoint"] == "test.kudos.local"

    found = cluster(aws, "kudos-test")
    assert found["status"] == "ACTIVE"
    assert found["clusterArn"] == status["clusterArn"]
    # The default is the namespace's ARN: a name would make ECS create an HTTP namespace.
    assert found["serviceConnectDefaults"]["namespace"] == ns["Arn"]
    cluster_tags = tags(found["tags"])
    assert cluster_tags["team"] == "kudos"
    assert cluster_tags["stage"] == "test"
    assert cluster_tags["copilot-application"] == "kudos"
    assert cluster_tags["copilot-environment"] == "test"
    assert cluster_tags[TAG_OWNER_UID] == obj["metadata"]["uid"]
    ns_tags = tags(sd.list_tags_for_resource(ResourceARN=ns["Arn"])["Tags"])
    assert ns_tags[TAG_OWNER_UID] == obj["metadata"]["uid"]

    # No network in the spec: the Region's default VPC and its default subnets.
    vpcs = aws.client("ec2").describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])[
        "Vpcs"
    ]
    assert status["network"]["vpcId"] == vpcs[0]["VpcId"]
    assert status["network"]["subnets"]

    assert condition(obj, "Synced")["reason"] == "ReconcileSuccess"
    assert obj["spec"] == {
        **env(tags={"stage": "test"})["spec"],
        **{k: obj["spec"][k] for k in obj["spec"] if k not in ("app", "region", "tags")},
    }
    # One event for what the handler did, with the reason it ended on.
    [event] = [
        e
        for e in kube.core.list_namespaced_event(namespace).items
        if e.involved_object.kind == "EcsEnvironment"
    ]
    assert event.reason == "Available"
    for said in (
        "creating Cloud Map namespace test.kudos.local (DNS_PRIVATE)",
        f"Cloud Map namespace test.kudos.local is {ns['Id']}",
        "created ECS cluster kudos-test",
    ):
        assert said in event.message
    # `kubectl describe` credits them to kopilot ("From"), not to the framework under it.
    sources = kubectl(
        "get", "events", "-n", namespace, "-o", "jsonpath={.items[*].source.component}"
    ).stdout.split()
    assert set(sources) == {"kopilot"}

    app_obj = wait_ready(kube, namespace, "ecsapps", "kudos")
    assert app_obj["status"]["environments"] == {"ready": 1, "total": 1, "summary": "1/1"}


def test_updates_reach_aws_tags_and_service_connect_off_and_on(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, app(), env(tags={"stage": "test"}))
    operator.start()
    ns_arn = wait_ready(kube, namespace, "ecsenvironments", "test")["status"]["namespace"]["arn"]

    apply(
        kubectl,
        namespace,
        app(tags={"team": "kudos"}),
        env(tags={"stage": "qa"}, serviceConnect={"enabled": False}),
    )
    found = eventually(
        lambda: cluster(aws, "kudos-test"),
        lambda c: (
            tags(c["tags"]).get("stage") == "qa"
            and not c.get("serviceConnectDefaults", {}).get("namespace")
        ),
    )
    assert tags(found["tags"])["stage"] == "qa"
    # The app's tags reach the environment's resources on the next resync.
    eventually(lambda: tags(cluster(aws, "kudos-test")["tags"]), lambda t: t.get("team") == "kudos")

    apply(kubectl, namespace, env(tags={"stage": "qa"}, serviceConnect={"enabled": True}))
    eventually(
        lambda: cluster(aws, "kudos-test"),
        lambda c: c.get("serviceConnectDefaults", {}).get("namespace") == ns_arn,
    )


def test_resync_repairs_drift(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, app(), env())
    operator.start()
    status = wait_ready(kube, namespace, "ecsenvironments", "test")["status"]
    sd, ecs = aws.client("servicediscovery"), aws.client("ecs")

    # Someone points the cluster's Service Connect default at another namespace.
    other = sd.create_http_namespace(Name="someone-elses")["OperationId"]
    other_id = aws.eventually(
        lambda: sd.get_operation(OperationId=other)["Operation"],
        lambda op: op["Status"] == "SUCCESS",
    )["Targets"]["NAMESPACE"]
    other_arn = sd.get_namespace(Id=other_id)["Namespace"]["Arn"]
    ecs.update_cluster(cluster="kudos-test", serviceConnectDefaults={"namespace": other_arn})
    eventually(
        lambda: cluster(aws, "kudos-test")["serviceConnectDefaults"]["namespace"],
        lambda arn: arn == status["namespace"]["arn"],
    )

    # Someone deletes the namespace: the resync makes a new one and points the cluster at it.
    sd.delete_namespace(Id=status["namespace"]["id"])
    repaired = eventually(
        lambda: get(kube, namespace, "ecsenvironments", "test"),
        lambda o: (
            o["status"]["namespace"].get("id") not in (None, status["namespace"]["id"])
            and condition(o)["status"] == "True"
        ),
    )
    new_ns = repaired["status"]["namespace"]
    assert new_ns["name"] == "test.kudos.local"
    assert new_ns["creations"] == 1
    assert [n["Name"] for n in namespaces(aws) if n["Name"] == "test.kudos.local"] == [
        "test.kudos.local"
    ]
    eventually(
        lambda: cluster(aws, "kudos-test")["serviceConnectDefaults"]["namespace"],
        lambda arn: arn == new_ns["arn"],
    )


def test_a_cluster_it_does_not_own_is_refused_then_adopted_when_asked(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName="kudos-test", tags=[{"key": "owner", "value": "platform-team"}])
    apply(kubectl, namespace, app(), env())
    operator.start()
    refused = wait_reason(kube, namespace, "ecsenvironments", "test", "ClusterNotOwned")
    assert "ECS cluster kudos-test already exists" in condition(refused)["message"]
    assert "spec.adopt: true" in condition(refused)["message"]
    assert condition(refused, "Synced")["reason"] == "ReconcileTerminal"
    untouched = cluster(aws, "kudos-test")
    assert tags(untouched["tags"]) == {"owner": "platform-team"}
    assert not untouched.get("serviceConnectDefaults")

    apply(kubectl, namespace, env(adopt=True))
    adopted = wait_ready(kube, namespace, "ecsenvironments", "test")
    found = cluster(aws, "kudos-test")
    assert tags(found["tags"])["owner"] == "platform-team"  # theirs kept
    assert tags(found["tags"])[TAG_OWNER_UID] == adopted["metadata"]["uid"]
    assert found["serviceConnectDefaults"]["namespace"] == adopted["status"]["namespace"]["arn"]


@pytest.mark.parametrize("policy", ["Delete", "Retain"])
def test_deletion_follows_the_policy(
    policy: str,
    operator: OperatorProcess,
    namespace: str,
    kube: Kube,
    kubectl: Kubectl,
    aws: LocalAws,
) -> None:
    apply(kubectl, namespace, app(), env(deletionPolicy=policy))
    operator.start()
    status = wait_ready(kube, namespace, "ecsenvironments", "test")["status"]
    kubectl("delete", "ecsenv", "test", "-n", namespace, "--wait=false", check=True)
    eventually(lambda: get(kube, namespace, "ecsenvironments", "test"), lambda o: o is None)

    sd = aws.client("servicediscovery")
    remaining = [n["Id"] for n in namespaces(aws)]
    state = cluster(aws, "kudos-test").get("status")
    if policy == "Delete":
        assert status["namespace"]["id"] not in remaining
        assert state == "INACTIVE"
    else:
        assert status["namespace"]["id"] in remaining
        assert (
            sd.get_namespace(Id=status["namespace"]["id"])["Namespace"]["Name"]
            == "test.kudos.local"
        )
        assert state == "ACTIVE"


def test_environment_deletion_waits_for_its_services_and_app_for_its_environments(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    service = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "EcsService",
        "metadata": {"name": "api"},
        "spec": {"app": "kudos", "environment": "test", "image": "nginx"},
    }
    apply(kubectl, namespace, app(), env())
    operator.start()
    wait_ready(kube, namespace, "ecsenvironments", "test")
    apply(kubectl, namespace, service)

    kubectl("delete", "ecsapp", "kudos", "-n", namespace, "--wait=false", check=True)
    held_app = wait_reason(kube, namespace, "ecsapps", "kudos", "EnvironmentsExist")
    assert "waiting for EcsEnvironments test" in condition(held_app)["message"]

    kubectl("delete", "ecsenv", "test", "-n", namespace, "--wait=false", check=True)
    held = wait_reason(kube, namespace, "ecsenvironments", "test", "ServicesExist")
    assert "waiting for EcsServices api of this environment" in condition(held)["message"]
    assert cluster(aws, "kudos-test")["status"] == "ACTIVE"

    kubectl("delete", "ecssvc", "api", "-n", namespace, "--wait=true", "--timeout=60s", check=True)
    eventually(lambda: get(kube, namespace, "ecsenvironments", "test"), lambda o: o is None)
    eventually(lambda: get(kube, namespace, "ecsapps", "kudos"), lambda o: o is None)
    assert cluster(aws, "kudos-test")["status"] == "INACTIVE"


def test_restart_right_after_the_namespace_is_submitted_creates_exactly_one(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    aws.settings(operation_seconds=600)  # the operation stays pending until we say so
    apply(kubectl, namespace, app(), env())
    operator.start()
    pending = eventually(
        lambda: get(kube, namespace, "ecsenvironments", "test"),
        lambda o: bool(((o or {}).get("status") or {}).get("namespace", {}).get("operationId")),
    )
    operator.kill()
    assert pending["status"]["namespace"].get("id") is None

    aws.settings(operation_seconds=0)
    operator.start()
    ready = wait_ready(kube, namespace, "ecsenvironments", "test")
    matching = [n for n in namespaces(aws) if n["Name"] == "test.kudos.local"]
    assert len(matching) == 1
    assert ready["status"]["namespace"]["id"] == matching[0]["Id"]
    assert aws.counters().get("servicediscovery:CreatePrivateDnsNamespace") == 1
    assert len(aws.client("ecs").list_clusters()["clusterArns"]) == 1


def test_converges_when_the_first_call_of_every_operation_is_throttled(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    operations = [
        "ec2:DescribeVpcs",
        "ec2:DescribeSubnets",
        "servicediscovery:ListNamespaces",
        "servicediscovery:CreatePrivateDnsNamespace",
        "servicediscovery:GetOperation",
        "servicediscovery:GetNamespace",
        "ecs:DescribeClusters",
        "ecs:CreateCluster",
    ]
    aws.set_faults(*[FaultRule("throttle", op, count=1) for op in operations])
    apply(kubectl, namespace, app(), env())
    operator.start()
    wait_ready(kube, namespace, "ecsenvironments", "test")
    injected = aws.faults()["injected"]
    assert set(injected) == set(operations)
    assert len([n for n in namespaces(aws) if n["Name"] == "test.kudos.local"]) == 1


def test_an_unknown_app_is_reported_and_costs_no_aws_call(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, env(app_name="nope"))
    aws.reset_counters()
    operator.start()
    obj = wait_reason(kube, namespace, "ecsenvironments", "test", "AppNotFound")
    assert "EcsApp 'nope' does not exist" in condition(obj)["message"]
    assert aws.counters() == {}


def test_a_no_op_resync_makes_no_aws_writes(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, app(), env())
    operator.start()
    # The first resync records the namespace's tags; from then on passes are no-ops.
    eventually(
        lambda: get(kube, namespace, "ecsenvironments", "test"),
        lambda o: bool(((o or {}).get("status") or {}).get("namespace", {}).get("tagsHash")),
    )
    aws.reset_counters()
    eventually(lambda: aws.counters().get("ecs:DescribeClusters", 0), lambda n: n >= 3, timeout=15)
    calls = aws.counters()
    passes = calls["ecs:DescribeClusters"]
    # A pass reads the cluster and the namespace: two reads, no writes, nothing else (the
    # default network was looked up once and is remembered on status).
    assert set(calls) == {"ecs:DescribeClusters", "servicediscovery:GetNamespace"}
    assert abs(calls["servicediscovery:GetNamespace"] - passes) <= 1
