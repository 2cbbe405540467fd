"""EcsService reconciled by the operator process: Copilot's Service Connect and Service
Discovery semantics as a user checks them in kubectl and in AWS."""

from __future__ import annotations

import math
import time
from collections import Counter

import pytest
from kubernetes import watch

from controller.sandbox.aws import FaultRule
from tests.conftest import Kube, Kubectl
from tests.fixtures_aws import LocalAws
from tests.operator.objects import (
    CLUSTER,
    GROUP,
    ROOT,
    VERSION,
    app,
    apply,
    cloud_map_services,
    condition,
    described,
    described_tags,
    env,
    get,
    primary,
    service,
    task_definition,
    wait_ready,
    wait_reason,
    writes,
)
from tests.operator_process import OperatorProcess, eventually

pytestmark = [pytest.mark.controlplane, pytest.mark.aws]


def test_the_kudos_sample_end_to_end(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    kubectl("apply", "-n", namespace, "-f", str(ROOT / "deploy/samples/kudos.yaml"), check=True)
    operator.start()
    api = wait_ready(kube, namespace, "ecsservices", "api", timeout=60)
    front = wait_ready(kube, namespace, "ecsservices", "front-end", timeout=60)
    env_status = wait_ready(kube, namespace, "ecsenvironments", "test")["status"]
    ns_arn = env_status["namespace"]["arn"]

    # Service Connect, read where ECS keeps it: the PRIMARY deployment.
    api_sc = primary(described(aws, "api"))["serviceConnectConfiguration"]
    assert api_sc["enabled"] is True
    assert api_sc["namespace"] == ns_arn
    [api_entry] = api_sc["services"]
    assert api_entry["discoveryName"] == "api-sc"
    assert api_entry["clientAliases"] == [{"port": 8080, "dnsName": "api"}]
    front_sc = primary(described(aws, "front-end"))["serviceConnectConfiguration"]
    [front_entry] = front_sc["services"]
    assert front_entry["discoveryName"] == "front-end-sc"
    assert front_entry["clientAliases"] == [{"port": 80, "dnsName": "frontend.local"}]

    # Cloud Map: ECS's Service Connect services and kopilot's Service Discovery services.
    cloud_map = cloud_map_services(aws)
    assert {"api", "front-end", "api-sc", "front-end-sc"} <= set(cloud_map)
    dns = cloud_map["api"]["DnsConfig"]
    assert dns["RoutingPolicy"] == "MULTIVALUE"
    assert sorted((r["Type"], r["TTL"]) for r in dns["DnsRecords"]) == [("A", 10), ("SRV", 10)]
    assert cloud_map["api"]["HealthCheckCustomConfig"] == {"FailureThreshold": 1}
    assert described(aws, "api")["serviceRegistries"] == [
        {"registryArn": cloud_map["api"]["Arn"], "port": 8080}
    ]

    # Every task gets Copilot's variables.
    container = task_definition(aws, api["status"]["taskDefinitionArn"])["containerDefinitions"][0]
    variables = {e["name"]: e["value"] for e in container["environment"]}
    assert variables == {
        "LOG_LEVEL": "info",
        "COPILOT_APPLICATION_NAME": "kudos",
        "COPILOT_ENVIRONMENT_NAME": "test",
        "COPILOT_SERVICE_NAME": "api",
        "COPILOT_SERVICE_DISCOVERY_ENDPOINT": "test.kudos.local",
    }
    assert task_definition(aws, api["status"]["taskDefinitionArn"])["family"] == "kudos-test-api"
    # The log group the tasks write to exists before they start (Fargate stops a task whose
    # group is missing), kopilot's, with Copilot's retention.
    logs = aws.client("logs")
    [group] = logs.describe_log_groups(logGroupNamePrefix="/copilot/kudos-test-api")["logGroups"]
    assert (group["logGroupName"], group["retentionInDays"]) == ("/copilot/kudos-test-api", 30)
    group_tags = logs.list_tags_for_resource(resourceArn=group["arn"].removesuffix(":*"))["tags"]
    assert group_tags["kopilot.dev/owner-uid"] == api["metadata"]["uid"]

    assert api["status"]["endpoints"] == {
        "serviceConnect": ["http://api:8080"],
        "serviceDiscovery": "api.test.kudos.local:8080",
    }
    assert front["status"]["endpoints"]["serviceConnect"] == ["http://frontend.local:80"]
    # front-end is also a Load Balanced Web Service: every path of the public load balancer.
    public = env_status["loadBalancers"]["public"]
    assert front["status"]["endpoints"]["http"] == f"http://{public['dnsName']}/"
    assert (
        described(aws, "front-end")["loadBalancers"][0]["targetGroupArn"]
        == (front["status"]["http"]["targetGroupArn"])
    )
    assert api["status"]["tasks"] == "2/2"
    assert api["status"]["rollout"]["state"] == "COMPLETED"
    assert api["status"]["serviceConnect"]["discoveryName"] == "api-sc"
    listing = kubectl("get", "ecssvc", "-n", namespace, check=True).stdout
    assert "http://api:8080" in listing
    assert "2/2" in listing
    app_obj = eventually(
        lambda: get(kube, namespace, "ecsapps", "kudos"),
        lambda o: condition(o).get("status") == "True",
    )
    assert app_obj is not None
    assert app_obj["status"]["services"]["summary"] == "2/2"


def test_upgrade_alias_and_a_client_only_service(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    upgrade = (
        "${COPILOT_SERVICE_NAME}.${COPILOT_ENVIRONMENT_NAME}.${COPILOT_APPLICATION_NAME}.local"
    )
    apply(
        kubectl,
        namespace,
        app(),
        env(),
        service("api", port=8080, network={"connect": {"alias": upgrade}}),
        service("worker", network={"connect": {"enabled": True}}),
    )
    operator.start()
    api = wait_ready(kube, namespace, "ecsservices", "api", timeout=60)
    worker = wait_ready(kube, namespace, "ecsservices", "worker", timeout=60)
    [entry] = primary(described(aws, "api"))["serviceConnectConfiguration"]["services"]
    assert entry["clientAliases"] == [{"port": 8080, "dnsName": "api.test.kudos.local"}]
    assert api["status"]["endpoints"]["serviceConnect"] == ["http://api.test.kudos.local:8080"]

    worker_sc = primary(described(aws, "worker"))["serviceConnectConfiguration"]
    assert worker_sc["enabled"] is True
    assert "services" not in worker_sc or worker_sc["services"] == []
    assert described(aws, "worker").get("serviceRegistries", []) == []
    assert worker["status"].get("endpoints", {}).get("serviceConnect", []) == []


def test_an_image_change_makes_one_revision_and_one_deployment(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, app(), env(), service("api", port=8080))
    operator.start()
    first = wait_ready(kube, namespace, "ecsservices", "api", timeout=60)["status"]
    aws.settings(rollout_seconds=4)
    aws.reset_counters()
    apply(kubectl, namespace, service("api", port=8080, image="nginx:2"))
    rolling = wait_reason(kube, namespace, "ecsservices", "api", "RollingOut")
    assert condition(rolling)["status"] == "False"
    done = wait_ready(kube, namespace, "ecsservices", "api", timeout=30)["status"]
    # A tag change on the app reaches the ECS service too, without a new revision.
    apply(kubectl, namespace, app(tags={"cost-center": "42"}))
    eventually(lambda: described_tags(aws, "api"), lambda tags: tags.get("cost-center") == "42")

    assert done["taskDefinitionArn"] != first["taskDefinitionArn"]
    assert done["taskDefinitionArn"].endswith(":2")
    calls = aws.counters()
    assert calls.get("ecs:RegisterTaskDefinition") == 1
    assert calls.get("ecs:UpdateService") == 1
    now = described(aws, "api")
    assert [d["taskDefinition"] for d in now["deployments"]] == [done["taskDefinitionArn"]]
    image = task_definition(aws, done["taskDefinitionArn"])["containerDefinitions"][0]["image"]
    assert image == "nginx:2"


def test_a_no_op_resync_of_25_routed_autoscaled_services_makes_no_writes_and_batched_reads(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    """25 services, each a Service Connect server with Service Discovery, routed by path from
    the environment's public load balancer and autoscaled: a pass reads per batch and per
    environment, never per service, and never sets a desired count."""
    names = [f"svc{i:02d}" for i in range(25)]
    apply(
        kubectl,
        namespace,
        app(),
        env(http={"public": {}}),
        *[
            service(
                n,
                port=8080,
                network={"connect": {"enabled": True}},
                http={"path": n},
                autoscaling={"min": 1, "max": 3, "cpuPercentage": 70},
            )
            for n in names
        ],
    )
    operator.start()
    ready = {n: wait_ready(kube, namespace, "ecsservices", n, timeout=180) for n in names}
    # Applied together, no two took one priority.
    priorities = [ready[n]["status"]["http"]["rulePriority"] for n in names]
    assert len(set(priorities)) == 25
    aws.reset_counters()
    # Let three resync periods (2 s) go by.
    calls = eventually(aws.counters, lambda c: c.get("ecs:DescribeClusters", 0) >= 3, timeout=30)
    passes = calls["ecs:DescribeClusters"]  # one per environment resync
    assert writes(calls) == {}
    assert calls.get("ecs:RegisterTaskDefinition", 0) == 0
    # ceil(25 / 10) = 3 DescribeServices per pass; a pass may have started just before the reset.
    assert calls.get("ecs:DescribeServices", 0) <= math.ceil(25 / 10) * (passes + 1)
    # The scalable targets: one DescribeScalableTargets per batch of ten.
    assert calls.get("application-autoscaling:DescribeScalableTargets", 0) <= math.ceil(25 / 10) * (
        passes + 1
    )
    per_environment = {
        "ecs:DescribeClusters",
        "servicediscovery:GetNamespace",
        "servicediscovery:ListTagsForResource",
        "servicediscovery:ListServices",
        "ec2:DescribeSecurityGroups",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeRules",
    }
    per_batch = {"ecs:DescribeServices", "application-autoscaling:DescribeScalableTargets"}
    assert set(calls) - per_environment == per_batch
    constant = sum(n for op, n in calls.items() if op not in per_batch)
    print(f"no-op pass, 25 routed autoscaled services: {calls} over {passes} passes")
    # The environment's own reads and the routes listed once: none of it grows with N.
    assert constant <= 14 * (passes + 1)
    # One listing of the target groups and one of the rules per pass, not one per service.
    assert calls.get("elasticloadbalancing:DescribeRules", 0) <= passes + 1
    assert calls.get("elasticloadbalancing:DescribeTargetGroups", 0) <= passes + 1
    # The namespace's 50 Cloud Map services ({svc}, {svc}-sc) fit one ListServices page.
    assert calls.get("servicediscovery:ListServices", 0) <= passes + 1

    # A restart over the converged world: the environment's resume describes its services
    # in batches, and status.taskDefinitionDigest spares describing each revision.
    operator.stop()
    aws.reset_counters()
    operator.start()
    calls = eventually(aws.counters, lambda c: c.get("ecs:DescribeClusters", 0) >= 2, timeout=30)
    passes = calls["ecs:DescribeClusters"]  # the resume, then resyncs
    assert writes(calls) == {}
    assert calls.get("ecs:DescribeTaskDefinition", 0) == 0
    assert calls.get("ecs:DescribeServices", 0) <= math.ceil(25 / 10) * (passes + 1)
    after = {n: get(kube, namespace, "ecsservices", n) for n in names}
    assert [after[n]["status"]["http"]["rulePriority"] for n in names] == priorities  # type: ignore[index]


def test_a_new_service_waits_in_memory_and_writes_its_object_three_times(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    """kopf's finalizer, RollingOut (with what was created), Ready (with handledGeneration).
    The task definition's ARN goes out with RollingOut, and kopf's diff base is read from
    status rather than written as an annotation. Waiting for the rollout through kopf
    retries would add progress annotations and wake-up touches to each service, every 5 s."""
    apply(kubectl, namespace, app(), env())
    operator.start()
    wait_ready(kube, namespace, "ecsenvironments", "test")
    names = ["api", "web", "worker"]
    since = kube.custom.list_namespaced_custom_object(GROUP, VERSION, namespace, "ecsservices")[
        "metadata"
    ]["resourceVersion"]
    aws.settings(rollout_seconds=3)  # long enough for a kopf retry to show if one happened
    apply(kubectl, namespace, *[service(n, port=8080) for n in names])
    for n in names:
        ready = wait_ready(kube, namespace, "ecsservices", n, timeout=60)
        assert ready["status"]["handledGeneration"] == 1
    time.sleep(2)  # anything written after Ready would show now

    modified = Counter[str]()
    annotations: set[str] = set()
    stream = watch.Watch().stream(
        kube.custom.list_namespaced_custom_object,
        GROUP,
        VERSION,
        namespace,
        "ecsservices",
        resource_version=since,
        timeout_seconds=2,
    )
    for event in stream:
        if event["type"] == "MODIFIED":
            modified[event["object"]["metadata"]["name"]] += 1
            annotations |= set(event["object"]["metadata"].get("annotations") or {})
    assert modified == dict.fromkeys(names, 3)
    assert f"{GROUP}/last-handled-configuration" not in annotations
    assert aws.counters().get("ecs:RegisterTaskDefinition") == 3
    # One event per service: what kopilot made, what ECS said meanwhile, and that it is Ready.
    for n in names:
        found = kube.core.list_namespaced_event(
            namespace, field_selector=f"involvedObject.name={n}"
        ).items
        assert [(e.reason, e.count or 1) for e in found] == [("Available", 1)]
        message = found[0].message
        assert f"created ECS service {n} (task definition kudos-test-{n}:1" in message
        assert f"(service {n}) has reached a steady state." in message
        assert message.endswith("1/1 tasks running")


def test_a_failed_rollout_is_reported(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, app(), env(), service("api", port=8080))
    operator.start()
    wait_ready(kube, namespace, "ecsservices", "api", timeout=60)
    aws.settings(fail_rollouts=True)
    aws.reset_counters()
    apply(kubectl, namespace, service("api", port=8080, image="nginx:does-not-exist"))
    failed = wait_reason(kube, namespace, "ecsservices", "api", "RolloutFailed", timeout=60)
    assert condition(failed)["status"] == "False"
    message = condition(failed)["message"]
    assert (
        "the rollout of kudos-test-api:2 failed and ECS rolled back to kudos-test-api:1" in message
    )
    assert "circuit breaker" in message
    # ECS's own word on why, quoted: the stopped reason of a task.
    assert "stopped: CannotPullContainerError" in message
    # The circuit breaker's rollback stands: the failed revision is not deployed again.
    eventually(aws.counters, lambda c: c.get("ecs:DescribeClusters", 0) >= 3, timeout=30)
    assert aws.counters().get("ecs:UpdateService") == 1
    assert primary(described(aws, "api"))["taskDefinition"].endswith("kudos-test-api:1")

    # Every ECS event of the service is said on it once, also after a restart: a warning as
    # an EcsServiceEvent of its own, the others within the handler's one event.
    ecs = sorted(e["message"] for e in described(aws, "api")["events"])

    def posted() -> list[str]:
        found = kube.core.list_namespaced_event(
            namespace, field_selector="involvedObject.name=api"
        ).items
        said = [m for e in found for m in e.message.split("; ") for _ in range(e.count or 1)]
        return sorted(m for m in said if m in ecs)

    assert eventually(posted, lambda found: found == ecs, timeout=20) == ecs
    assert any("CannotPullContainerError" in m for m in ecs)
    operator.stop()
    operator.start()
    eventually(aws.counters, lambda c: c.get("ecs:DescribeClusters", 0) >= 6, timeout=30)
    assert posted() == ecs
    # A new spec tries again.
    aws.settings(fail_rollouts=False)
    apply(kubectl, namespace, service("api", port=8080, image="nginx:fixed"))
    fixed = wait_ready(kube, namespace, "ecsservices", "api", timeout=60)
    assert fixed["status"]["taskDefinitionArn"].endswith("kudos-test-api:3")


def test_a_discovery_name_clash_names_the_port_and_the_other_owner(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    """`first` holds `shared` with its second port (status records only the first port's
    endpoint): a one-port service asking for it, and a two-port service asking for it on its
    second port, are each told which name, which field, and who holds it."""
    connect = {"connect": {}}
    admin = {"name": "admin", "port": 8081, "discoveryName": "shared"}
    first = service("first", ports=[{"name": "http", "port": 8080}, admin], network=connect)
    apply(kubectl, namespace, app(), env(), first)
    operator.start()
    wait_ready(kube, namespace, "ecsservices", "first", timeout=60)
    second = service("second", port=9090, network={"connect": {"discoveryName": "shared"}})
    third = service(
        "third", ports=[{"name": "http", "port": 7070}, {**admin, "port": 7071}], network=connect
    )
    apply(kubectl, namespace, second, third)
    for name, field in (("second", "network.connect"), ("third", "ports[1]")):
        clash = wait_reason(kube, namespace, "ecsservices", name, "DiscoveryNameTaken", timeout=60)
        message = condition(clash)["message"]
        assert "discovery name 'shared' is already taken" in message, message
        assert f"EcsService {namespace}/first" in message, message
        assert f"set spec.{field}.discoveryName" in message, message
        assert described(aws, name) == {}


def test_converges_through_throttling_and_server_errors(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    aws.set_faults(
        FaultRule("throttle", "ecs:*", rate=0.3),
        FaultRule("server_error", "servicediscovery:*", rate=0.2),
        seed=7,
    )
    apply(kubectl, namespace, app(), env(), service("api", port=8080), service("web", port=80))
    operator.start()
    wait_ready(kube, namespace, "ecsservices", "api", timeout=90)
    wait_ready(kube, namespace, "ecsservices", "web", timeout=90)
    assert aws.faults()["injected"]
    assert len(aws.client("ecs").list_services(cluster=CLUSTER)["serviceArns"]) == 2
    assert sorted(n for n in cloud_map_services(aws) if n in ("api", "web")) == ["api", "web"]


def test_paces_itself_under_ecs_token_buckets(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    """ECS's published buckets: RegisterTaskDefinition takes 20 at once, then 1 per second.
    35 new services: the last 15 registrations are paced instead of hammering the bucket."""
    aws.set_faults(token_buckets=True)
    names = [f"svc{i:02d}" for i in range(35)]
    apply(kubectl, namespace, app(), env(), *[service(n, port=8080) for n in names])
    operator.start()
    for n in names:
        wait_ready(kube, namespace, "ecsservices", n, timeout=120)

    calls, refused = aws.counters(), aws.faults()["injected"]
    revisions = aws.client("ecs").list_task_definitions(maxResults=100)["taskDefinitionArns"]
    ours = [arn for arn in revisions if "/kudos-test-svc" in arn]
    assert len(ours) == 35, "one revision per service, none twice"
    assert calls["ecs:CreateService"] - refused.get("ecs:CreateService", 0) == 35
    # Paced, a run here has 3 to 5 refused. Up to 15 may be refused at once (in flight
    # before the first refusal is seen) and finding the rate costs a few more. Without
    # pacing each refused service retries on its own (botocore's attempts, then kopf's):
    # 47 refused in the same run.
    assert refused.get("ecs:RegisterTaskDefinition", 0) <= 20, refused
    reasons = {
        e["reason"]
        for e in kube.core.list_namespaced_event(namespace).to_dict()["items"]
        if e["involved_object"]["kind"] == "EcsService"
    }
    assert "Throttled" in reasons, "the wait for a slot is visible on the services"


def test_more_services_than_places_all_converge(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    """--max-concurrent-objects 2: six services whose rollouts take seconds share two places
    (each holds one while its rollout lasts); the environment, another kind, is not held up
    behind them, and every service gets its turn."""
    aws.settings(rollout_seconds=3)
    operator.extra_args += ["--max-concurrent-objects", "2"]
    names = [f"svc{i}" for i in range(6)]
    apply(kubectl, namespace, app(), env(), *[service(n, port=8080) for n in names])
    operator.start()
    wait_ready(kube, namespace, "ecsenvironments", "test", timeout=60)
    for name in names:
        wait_ready(kube, namespace, "ecsservices", name, timeout=90)
    assert len(aws.client("ecs").list_services(cluster=CLUSTER)["serviceArns"]) == 6


def test_a_restart_in_the_middle_of_a_create_makes_no_duplicates(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, app(), env())
    operator.start()
    wait_ready(kube, namespace, "ecsenvironments", "test")
    # CreateService is slow today: the operator dies while it is in flight.
    aws.set_faults(FaultRule("latency", "ecs:CreateService", latency_seconds=3.0))
    apply(kubectl, namespace, service("api", port=8080))
    eventually(aws.counters, lambda c: c.get("ecs:CreateService", 0) >= 1, timeout=60)
    operator.kill()
    aws.set_faults()
    operator.start()
    wait_ready(kube, namespace, "ecsservices", "api", timeout=60)
    assert len(aws.client("ecs").list_services(cluster=CLUSTER)["serviceArns"]) == 1
    assert [n for n in cloud_map_services(aws) if n == "api"] == ["api"]
    families = aws.client("ecs").list_task_definitions(familyPrefix="kudos-test-api")[
        "taskDefinitionArns"
    ]
    assert len(families) == 1


@pytest.mark.parametrize("policy", ["Delete", "Retain"])
def test_a_routed_service_deletion_follows_the_policy_in_order(
    policy: str,
    operator: OperatorProcess,
    namespace: str,
    kube: Kube,
    kubectl: Kubectl,
    aws: LocalAws,
) -> None:
    apply(
        kubectl,
        namespace,
        app(),
        env(http={"public": {}}),
        service("api", port=8080, deletionPolicy=policy, http={"path": "api"}),
    )
    operator.start()
    routed = wait_ready(kube, namespace, "ecsservices", "api", timeout=90)["status"]["http"]
    kubectl("delete", "ecssvc", "api", "-n", namespace, "--wait=false", check=True)
    eventually(lambda: get(kube, namespace, "ecsservices", "api"), lambda o: o is None, timeout=60)
    state = aws.client("ecs").describe_services(cluster=CLUSTER, services=["api"])["services"][0]
    elb = aws.client("elbv2")
    rules = elb.describe_rules(ListenerArn=routed["listenerArn"])["Rules"]
    groups = {g["TargetGroupArn"] for g in elb.describe_target_groups()["TargetGroups"]}
    if policy == "Delete":
        assert state["status"] == "INACTIVE"
        assert "api" not in cloud_map_services(aws)
        assert [r["RuleArn"] for r in rules if not r["IsDefault"]] == []
        assert routed["targetGroupArn"] not in groups
        # The ECS service lets go of its target group before the rule and the group go
        # (as CloudFormation deletes Copilot's stack): by the order of the object's events.
        events = kube.core.list_namespaced_event(
            namespace, field_selector="involvedObject.name=api"
        ).items
        deleted = [
            e.reason
            for e in sorted(events, key=lambda e: int(e.metadata.resource_version))
            if e.reason.startswith(("Deleted", "Deleting"))
        ]
        assert deleted == [
            "DeletingService",  # draining
            "DeletedServiceDiscovery",
            "DeletedListenerRule",
            "DeletedTargetGroup",
            "Deleted",
        ]
    else:
        assert state["status"] == "ACTIVE"
        assert state["desiredCount"] == 1
        assert "api" in cloud_map_services(aws)
        # Still serving: the rule forwards to the group the ECS service registers into.
        assert routed["ruleArn"] in {r["RuleArn"] for r in rules}
        assert state["loadBalancers"][0]["targetGroupArn"] == routed["targetGroupArn"]


def test_old_revisions_beyond_five_are_deregistered_but_never_someone_elses(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(kubectl, namespace, app(), env(), service("api", port=8080))
    operator.start()
    first = wait_ready(kube, namespace, "ecsservices", "api", timeout=60)
    ecs = aws.client("ecs")
    registered = task_definition(aws, first["status"]["taskDefinitionArn"])
    request = {
        k: registered[k]
        for k in (
            "family",
            "containerDefinitions",
            "executionRoleArn",
            "cpu",
            "memory",
            "networkMode",
            "requiresCompatibilities",
        )
    }
    ours = ecs.describe_task_definition(
        taskDefinition=registered["taskDefinitionArn"], include=["TAGS"]
    )["tags"]
    # Someone registered one revision by hand (no kopilot tags), then six more came from us.
    foreign = ecs.register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"]
    for _ in range(6):
        ecs.register_task_definition(**request, tags=ours)
    apply(kubectl, namespace, service("api", port=8080, image="nginx:2"))
    done = wait_ready(kube, namespace, "ecsservices", "api", timeout=60)["status"]
    active = ecs.list_task_definitions(familyPrefix="kudos-test-api", status="ACTIVE")[
        "taskDefinitionArns"
    ]
    mine = [a for a in active if a != foreign]
    assert foreign in active
    # The five newest of ours stay (9 back to 5), and revision 1, which was still serving
    # when the new one was registered; 3 and 4 went; 2 is someone else's and stays.
    assert sorted(int(a.rsplit(":", 1)[-1]) for a in mine) == [1, 5, 6, 7, 8, 9]
    assert done["taskDefinitionArn"] in mine


def test_service_discovery_in_an_http_namespace_is_a_clear_error(
    operator: OperatorProcess, namespace: str, kube: Kube, kubectl: Kubectl, aws: LocalAws
) -> None:
    apply(
        kubectl,
        namespace,
        app(),
        env(serviceDiscovery={"type": "HTTP"}),
        service("api", port=8080, network={"serviceDiscovery": {"enabled": True}}),
        service("web", port=80, network={"connect": {"enabled": True}}),
    )
    operator.start()
    refused = wait_reason(
        kube, namespace, "ecsservices", "api", "ServiceDiscoveryNeedsDns", timeout=60
    )
    assert "has an HTTP namespace (test.kudos.local)" in condition(refused)["message"]
    assert condition(refused, "Synced")["reason"] == "ReconcileTerminal"
    # Service Connect alone is fine in an HTTP namespace, with no Service Discovery.
    web = wait_ready(kube, namespace, "ecsservices", "web", timeout=60)
    assert web["status"]["endpoints"]["serviceConnect"] == ["http://web:80"]
    assert described(aws, "web").get("serviceRegistries", []) == []
    assert described(aws, "api") == {}
