"""The handover, end to end: an app Copilot deployed (tests/migrate/copilot_stacks.py, as its
CloudFormation stacks leave it) is imported with `kopilot import --from-aws`, applied with
`kubectl apply -k`, observed by the operator (nothing written to AWS, only ownership
planned) and then managed (only tags written: no service, namespace or revision made again,
no deployment, the same endpoints). Once per environment: `test` ({env}.{app}.local) and the
legacy `prod` ({app}.local), each with api (Service Connect alias
${COPILOT_SERVICE_NAME}.${COPILOT_ENVIRONMENT_NAME}.${COPILOT_APPLICATION_NAME}.local) and
front-end (`connect: true`).

The AWS calls of each phase are printed (`pytest -s`), per operation; reads depend on how
many 2 s resyncs a phase spans, writes do not. As counted (the same for test and prod):

- kopilot import --from-aws (both environments, 19 reads): ecs:ListClusters 1,
  ecs:DescribeClusters 1, ecs:ListServices 2, ecs:DescribeServices 2,
  ecs:DescribeTaskDefinition 4, servicediscovery:ListNamespaces 1,
  servicediscovery:ListTagsForResource 2, servicediscovery:GetService 4,
  ec2:DescribeSubnets 2.
- Observe, until every object is Observed (10 reads, no write): ecs:DescribeClusters 1,
  ecs:DescribeServices 1, ecs:DescribeTaskDefinition 2, servicediscovery:ListNamespaces 1,
  servicediscovery:ListServices 2, servicediscovery:ListTagsForResource 3.
- Manage, until every object is Available (15 calls): ecs:DescribeClusters 1,
  ecs:DescribeServices 2, ecs:TagResource 3 (the cluster, the two ECS services),
  servicediscovery:GetNamespace 1, servicediscovery:ListServices 2 (each adopted Service
  Discovery service looked up by name), servicediscovery:ListTagsForResource 3,
  servicediscovery:TagResource 3 (the namespace, the two Service Discovery services).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from controller.cli import main
from tests.conftest import Kube, Kubectl
from tests.fixtures_aws import LocalAws
from tests.migrate.copilot_stacks import APP, Deployment, deploy, write_workspace
from tests.operator.objects import condition, described, get
from tests.operator_process import OperatorProcess, eventually

pytestmark = [pytest.mark.controlplane, pytest.mark.aws]

READS = ("Describe", "List", "Get")
OWNER_UID = "kopilot.dev/owner-uid"
# env -> svc -> (its EcsService's uid, its Service Discovery service's tags after Manage)
HANDED_OVER: dict[str, dict[str, tuple[str, dict[str, str]]]] = {}
OWNERSHIP = ("adopt ", "tag ")
# What Manage must never call on an adopted app.
NEVER = (
    "ecs:CreateService",
    "ecs:DeleteService",
    "ecs:UpdateService",
    "ecs:RegisterTaskDefinition",
    "servicediscovery:CreatePrivateDnsNamespace",
    "servicediscovery:DeleteNamespace",
)


def _writes(counters: dict[str, int]) -> dict[str, int]:
    return {op: n for op, n in counters.items() if not op.split(":", 1)[1].startswith(READS)}


def _print_calls(env: str, phase: str, counters: dict[str, int]) -> None:
    print(f"\n{env}, {phase}: {sum(counters.values())} AWS calls")
    for op, n in sorted(counters.items()):
        print(f"  {op}: {n}")


def _retarget(overlay: Path, namespace: str) -> None:
    """The overlay in the test's namespace (the operator watches that one only), without
    the Namespace object the overlay would create."""
    path = overlay / "kustomization.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["namespace"] = namespace
    doc["resources"] = [r for r in doc["resources"] if r != "namespace.yaml"]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def _objects(kube: Kube, namespace: str, names: list[str]) -> list[dict[str, Any]]:
    found = [get(kube, namespace, "ecsenvironments", names[0])]
    found += [get(kube, namespace, "ecsservices", n) for n in names[1:]]
    return [o for o in found if o is not None]


def _all(kube: Kube, namespace: str, names: list[str], reason: str) -> list[dict[str, Any]]:
    """Every object with Ready `reason` for its current generation."""

    def done(objs: list[dict[str, Any]]) -> bool:
        return len(objs) == len(names) and all(
            condition(o).get("reason") == reason
            and condition(o).get("observedGeneration") == o["metadata"]["generation"]
            for o in objs
        )

    return eventually(lambda: _objects(kube, namespace, names), done, timeout=45)


def _endpoints(world: Deployment, env: str, svc: str) -> dict[str, Any]:
    """Where Copilot's service answers: its Service Connect alias and its Service Discovery
    name."""
    deployed = world.environments[env]
    service = deployed.services[svc]
    return {
        "serviceConnect": [service.connect_url],
        "serviceDiscovery": f"{deployed.discovery_name(svc)}:{service.port}",
    }


@pytest.mark.parametrize("env", ["test", "prod"])
def test_a_copilot_app_is_handed_over_without_a_write_but_tags(
    env: str,
    operator: OperatorProcess,
    namespace: str,
    kube: Kube,
    kubectl: Kubectl,
    aws: LocalAws,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    aws.settings(operation_seconds=0, rollout_seconds=0.5)
    world = deploy(aws)
    deployed = world.environments[env]
    before = {
        svc: described(aws, s.ecs_name, cluster=deployed.cluster)
        for svc, s in deployed.services.items()
    }

    # 1. Import, reading AWS, and apply the environment's overlay.
    for key, value in aws.env().items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "out"
    workspace = write_workspace(tmp_path / "ws", world)
    argv = ["import", str(workspace), "--out", str(out), "--from-aws", "--region", aws.region]
    aws.reset_counters()
    assert main(argv) == 0
    calls = aws.counters()
    _print_calls("both environments", "kopilot import --from-aws", calls)
    assert _writes(calls) == {}
    overlay = out / "overlays" / env
    environment = yaml.safe_load((overlay / "environment.yaml").read_text())["spec"]
    assert deployed.cluster.startswith(f"{APP}-{env}-Cluster-")
    assert environment["cluster"]["name"] == deployed.cluster
    assert environment.get("serviceDiscovery", {}).get("legacyNamespace", False) is deployed.legacy
    assert environment["serviceConnect"] == {"enabled": False}  # as Copilot's cluster is
    for svc, service in deployed.services.items():
        # The manifests say what runs: the overlay adds only the names and roles AWS gave.
        patch = yaml.safe_load((overlay / "services" / f"{svc}.yaml").read_text())["spec"]
        assert patch == {
            "environment": env,
            "ecsServiceName": service.ecs_name,
            "adopt": True,
            "managementPolicy": "Observe",
            "executionRoleArn": service.execution_role,
            "taskRoleArn": service.task_role,
        }
    _retarget(overlay, namespace)
    aws.reset_counters()
    kubectl("apply", "-k", str(overlay), check=True)
    operator.start()

    # 2. Observe: every object read, nothing written, only ownership planned.
    names = [env, *deployed.services]
    observed = _all(kube, namespace, names, "Observed")
    calls = aws.counters()
    _print_calls(env, "Observe", calls)
    assert _writes(calls) == {}
    for obj in observed:
        planned = obj["status"].get("plannedChanges") or []
        assert planned, obj["metadata"]["name"]  # adoption and ownership tags at least
        assert all(line.startswith(OWNERSHIP) for line in planned), planned
    statuses = {o["metadata"]["name"]: o["status"] for o in observed[1:]}
    for svc, service in deployed.services.items():
        assert statuses[svc]["endpoints"] == _endpoints(world, env, svc)
        assert statuses[svc]["serviceArn"] == service.arn

    # 3. Manage: only tags written; the same services keep running the same revisions.
    aws.reset_counters()
    for kind, name in [("ecsenvironments", env), *(("ecsservices", s) for s in names[1:])]:
        kubectl(
            "patch", kind, name, "-n", namespace, "--type=merge",
            "-p", '{"spec":{"managementPolicy":"Manage"}}', check=True,
        )  # fmt: skip
    managed = _all(kube, namespace, names, "Available")
    calls = aws.counters()
    _print_calls(env, "Manage", calls)
    writes = _writes(calls)
    assert not {op for op in NEVER if op in calls}, calls
    assert set(writes) <= {"ecs:TagResource", "servicediscovery:TagResource"}, writes
    for obj in managed:
        assert "plannedChanges" not in obj["status"], obj["status"]["plannedChanges"]
    statuses = {o["metadata"]["name"]: o["status"] for o in managed[1:]}
    for svc, service in deployed.services.items():
        status = statuses[svc]
        assert status["serviceArn"] == service.arn
        assert status["taskDefinitionArn"] == service.task_definition
        assert status["endpoints"] == _endpoints(world, env, svc)
        after = described(aws, service.ecs_name, cluster=deployed.cluster)
        assert [d["id"] for d in after["deployments"]] == [
            d["id"] for d in before[svc]["deployments"]
        ]
        assert after["taskDefinition"] == service.task_definition
    # kopilot's now: the cluster, the namespace and the ECS services carry its ownership.
    uids = {o["metadata"]["name"]: o["metadata"]["uid"] for o in managed}
    ecs, sd = aws.client("ecs"), aws.client("servicediscovery")
    cluster = ecs.describe_clusters(clusters=[deployed.cluster], include=["TAGS"])["clusters"][0]
    assert _tags(cluster["tags"])[OWNER_UID] == uids[env]
    namespace_arn = sd.get_namespace(Id=deployed.namespace_id)["Namespace"]["Arn"]
    assert (
        _tags(sd.list_tags_for_resource(ResourceARN=namespace_arn)["Tags"])[OWNER_UID] == uids[env]
    )
    for svc, service in deployed.services.items():
        tags = _tags(ecs.list_tags_for_resource(resourceArn=service.arn)["tags"])
        assert tags[OWNER_UID] == uids[svc]
        assert tags["copilot-service"] == svc  # Copilot's tags stay
    HANDED_OVER[env] = {
        svc: (uids[svc], _tags(sd.list_tags_for_resource(ResourceARN=s.registry)["Tags"]))
        for svc, s in deployed.services.items()
    }


def _tags(items: list[dict[str, str]]) -> dict[str, str]:
    return {t.get("key", t.get("Key", "")): t.get("value", t.get("Value", "")) for t in items}


@pytest.mark.parametrize("env", ["test", "prod"])
def test_the_handover_takes_the_service_discovery_services_too(env: str) -> None:
    """After the handover above (same env), each Service Discovery service `{svc}` is
    kopilot's, as Observe planned."""
    if env not in HANDED_OVER:
        pytest.skip(f"needs test_a_copilot_app_is_handed_over_without_a_write_but_tags[{env}]")
    for svc, (uid, tags) in HANDED_OVER[env].items():
        assert tags.get(OWNER_UID) == uid, (svc, tags)
