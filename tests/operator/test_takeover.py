"""Taking over running resources: observe first (nothing written to AWS, the plan on
status), then manage (no service, namespace or revision made again, no new deployment, the
same endpoints). The running app is one an earlier owner made and left behind with
deletionPolicy Retain, under names kopilot would not choose (a CloudFormation-style cluster
and ECS service name)."""

from __future__ import annotations

import pytest

from tests.conftest import Kube, Kubectl
from tests.fixtures_aws import LocalAws
from tests.operator.objects import app, apply, condition, described, env, get, service, wait_ready
from tests.operator_process import OperatorProcess, eventually

pytestmark = [pytest.mark.controlplane, pytest.mark.aws]

CLUSTER = "kudos-test-Cluster-AbC123"
ECS_SERVICE = "kudos-test-api-Service-XyZ789"
READS = ("Describe", "List", "Get")


def _writes(counters: dict[str, int]) -> dict[str, int]:
    return {op: n for op, n in counters.items() if not op.split(":", 1)[1].startswith(READS)}


def _objects(**extra: object) -> list[dict[str, object]]:
    environment = env(cluster={"name": CLUSTER}, deletionPolicy="Retain", **extra)
    api = service("api", port=8080, ecsServiceName=ECS_SERVICE, deletionPolicy="Retain", **extra)
    return [app(), environment, api]


def _delete_all(kubectl: Kubectl, namespace: str) -> None:
    for plural in ("ecsservices", "ecsenvironments", "ecsapps"):
        kubectl("delete", plural, "--all", "-n", namespace, "--wait=true", check=True)


def test_observe_then_manage_takes_over_without_a_create_or_a_deployment(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    # The running app, made by an earlier owner and left behind.
    apply(kubectl, namespace, *_objects())
    operator.start()
    before = wait_ready(kube, namespace, "ecsservices", "api", timeout=90)["status"]
    _delete_all(kubectl, namespace)
    running = described(aws, ECS_SERVICE, cluster=CLUSTER)
    assert running["status"] == "ACTIVE"  # Retained

    # Observe: read everything, write nothing to AWS, say what Manage would do.
    aws.reset_counters()
    apply(kubectl, namespace, *_objects(adopt=True, managementPolicy="Observe"))
    observed = eventually(
        lambda: get(kube, namespace, "ecsservices", "api"),
        lambda o: o is not None and condition(o).get("reason") == "Observed",
        timeout=90,
    )
    environment = get(kube, namespace, "ecsenvironments", "test")
    assert environment is not None
    assert condition(environment)["reason"] == "Observed"
    for obj in (environment, observed):
        planned = obj["status"]["plannedChanges"]
        assert planned, "the adoption and ownership tags are planned"
        assert all(line.startswith(("adopt ", "tag ")) for line in planned), planned
        assert "matches the spec apart from kopilot's ownership" in condition(obj)["message"]
    assert _writes(aws.counters()) == {}
    assert observed["status"]["endpoints"] == before["endpoints"]

    # Manage: only tags are written; the same service keeps running its revision.
    aws.reset_counters()
    for kind, name in (("ecsenvironments", "test"), ("ecsservices", "api")):
        kubectl(
            "patch", kind, name, "-n", namespace, "--type=merge",
            "-p", '{"spec":{"managementPolicy":"Manage"}}', check=True,
        )  # fmt: skip
    managed = eventually(
        lambda: get(kube, namespace, "ecsservices", "api"),
        lambda o: (
            o is not None
            and condition(o).get("reason") == "Available"
            and o["status"].get("observedGeneration") == o["metadata"]["generation"]
        ),
        timeout=90,
    )["status"]
    writes = _writes(aws.counters())
    assert set(writes) <= {"ecs:TagResource", "servicediscovery:TagResource"}, writes
    assert managed["serviceArn"] == before["serviceArn"]
    assert managed["taskDefinitionArn"] == before["taskDefinitionArn"]
    assert managed["endpoints"] == before["endpoints"]
    assert "plannedChanges" not in managed, managed.get("plannedChanges")
    after = described(aws, ECS_SERVICE, cluster=CLUSTER)
    assert [d["id"] for d in after["deployments"]] == [d["id"] for d in running["deployments"]]
    uid = get(kube, namespace, "ecsservices", "api")["metadata"]["uid"]  # type: ignore[index]
    tagged = aws.client("ecs").describe_services(
        cluster=CLUSTER, services=[ECS_SERVICE], include=["TAGS"]
    )["services"][0]
    tags = {t["key"]: t["value"] for t in tagged["tags"]}
    assert tags["kopilot.dev/owner-uid"] == uid  # kopilot's now


def test_observing_names_that_do_not_exist_says_so_and_creates_nothing(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, app(), env(adopt=True, managementPolicy="Observe"))
    operator.start()
    missing = eventually(
        lambda: get(kube, namespace, "ecsenvironments", "test"),
        lambda o: o is not None and condition(o).get("reason") == "ObservedMissing",
        timeout=60,
    )
    assert "test.kudos.local" in condition(missing)["message"]
    assert _writes(aws.counters()) == {}
