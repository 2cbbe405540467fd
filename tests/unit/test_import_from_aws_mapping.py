"""`kopilot import --from-aws` without AWS: what was found -> the spec changes (adopt.py), the
DescribeServices entry read (discover.service_from) and a whole plan adopting a found app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from controller.api import EcsEnvironmentSpec, EcsServiceSpec
from controller.migrate import Options, plan_import, read_workspace
from controller.migrate.adopt import (
    apply_edits,
    changes,
    connect_edits,
    discovery_edits,
    environment_edits,
    namespace_settings,
    network_of,
    pick_cluster,
    pick_namespace,
    port_name_edits,
    role_edits,
    service_connect_default_edits,
    service_load_balancer_note,
)
from controller.migrate.discover import (
    Cluster,
    ConnectEndpoint,
    ConnectLogs,
    Environment,
    Found,
    Namespace,
    Registry,
    Service,
    ServiceConnect,
    service_from,
)
from controller.migrate.plan import apply_merge_patch
from controller.naming import Names

KUDOS = Path(__file__).resolve().parents[1] / "migrate" / "workspaces" / "kudos"
API = Names("kudos", "test", "api")
NS = "test.kudos.local"
ALIAS = "${COPILOT_SERVICE_NAME}.${COPILOT_ENVIRONMENT_NAME}.${COPILOT_APPLICATION_NAME}.local"
ROLE = "arn:aws:iam::123456789012:role/"


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("test.kudos.local", {}),
        ("kudos.local", {"legacyNamespace": True}),
        ("kudos.internal", {"namespace": "kudos.internal"}),
        ("prod.kudos.local", {"namespace": "prod.kudos.local"}),  # another env's name
    ],
)
def test_namespace_settings(name: str, settings: dict[str, Any]) -> None:
    assert namespace_settings(name, "kudos", "test") == settings


def sc(
    dns: str | None = "api",
    port: int | None = 8080,
    discovery: str | None = "api-sc",
    logs: ConnectLogs | None = None,
) -> Any:
    endpoints = [ConnectEndpoint("target", discovery, dns, port)] if dns else []
    return ServiceConnect(enabled=True, namespace=NS, endpoints=endpoints, logs=logs)


# Copilot's Service Connect proxy logs: the service's log group, prefix copilot.
COPILOT_LOGS = ConnectLogs("/copilot/kudos-test-api", "copilot")


@pytest.mark.parametrize(
    ("spec", "found", "edits"),
    [
        # What kopilot renders is what runs: nothing to write.
        ({"port": 8080, "network": {"connect": {}}}, sc(), []),
        (
            {"port": 8080, "network": {"connect": {"alias": ALIAS}}},
            sc(dns="api.test.kudos.local"),
            [],
        ),
        ({"network": {"connect": {"enabled": True}}}, sc(dns=None), []),
        ({"port": 8080}, None, []),
        ({"port": 8080}, ServiceConnect(enabled=False, namespace=None), []),
        # The running alias, discovery name and port are kept.
        (
            {"port": 8080, "network": {"connect": {}}},
            sc(dns="frontend", discovery="kudos-api", port=80),
            [
                (("network", "connect", "discoveryName"), "kudos-api"),
                (("network", "connect", "alias"), "frontend"),
                (("network", "connect", "clientPort"), 80),
            ],
        ),
        (
            {"port": 8080, "network": {"connect": {"alias": ALIAS}}},
            sc(dns="api"),
            [(("network", "connect", "alias"), "api")],
        ),
        # On in AWS, off in the manifest: on; off in AWS, on in the manifest: off.
        (
            {"port": 8080},
            sc(dns="api.test.kudos.local"),
            [
                (("network", "connect"), {"enabled": True}),
                (("network", "connect", "alias"), "api.test.kudos.local"),
            ],
        ),
        (
            {"port": 8080, "network": {"connect": {"alias": "x"}}},
            None,
            [(("network", "connect"), {"enabled": False})],
        ),
        # Another namespace than the environment's.
        (
            {"port": 8080, "network": {"connect": {}}},
            ServiceConnect(
                True, "shared.local", [ConnectEndpoint("target", "api-sc", "api", 8080)]
            ),
            [(("network", "connect", "namespace"), "shared.local")],
        ),
        # An endpoint with no port in the manifest: reported only.
        ({"network": {"connect": {}}}, sc(), []),
        # The proxy's logs as they run: Copilot's, another group, none.
        (
            {"port": 8080, "network": {"connect": {"logs": {"streamPrefix": "copilot"}}}},
            sc(logs=COPILOT_LOGS),
            [],
        ),
        (
            {"port": 8080, "network": {"connect": {}}},
            sc(logs=COPILOT_LOGS),
            [(("network", "connect", "logs"), {"streamPrefix": "copilot"})],
        ),
        (
            {"port": 8080, "network": {"connect": {"logs": {"streamPrefix": "copilot"}}}},
            sc(logs=ConnectLogs("/proxy", "copilot")),
            [(("network", "connect", "logs"), {"streamPrefix": "copilot", "group": "/proxy"})],
        ),
        (
            {"port": 8080, "network": {"connect": {"logs": {"streamPrefix": "copilot"}}}},
            sc(),
            [(("network", "connect", "logs"), None)],
        ),
        (
            {"port": 8080},
            sc(logs=COPILOT_LOGS),
            [
                (("network", "connect"), {"enabled": True}),
                (("network", "connect", "logs"), {"streamPrefix": "copilot"}),
            ],
        ),
    ],
)
def test_connect_edits(spec: dict[str, Any], found: Any, edits: list[Any]) -> None:
    assert connect_edits(spec, found, API, {NS, "ns-1"})[0] == edits


def test_connect_notes_say_what_is_kept() -> None:
    _, notes = connect_edits({"network": {"connect": {}}}, sc(), API, {NS})
    assert notes == [
        "AWS publishes Service Connect endpoint api:8080, but the manifest has no port: kopilot "
        "would remove it; set spec.port"
    ]
    _, notes = connect_edits({"port": 80, "network": {"connect": {}}}, sc(dns="web"), API, {NS})
    assert notes == [
        "Service Connect alias in AWS is web, the manifest's gives api: the overlay keeps web"
    ]


def running(port_names: dict[int, str | None], connect: Any = None) -> Service:
    return Service(
        "kudos-test-api-Service-X", "arn:api", {}, port_names=port_names, connect=connect
    )


@pytest.mark.parametrize(
    ("spec", "service", "edits", "note"),
    [
        # Copilot's Service Connect server, imported with Copilot's name: nothing to write.
        ({"port": 8080, "portName": "target"}, running({8080: "target"}), [], False),
        ({"port": 8080}, running({8080: "target"}), [(("portName",), "target")], False),
        # Named as kopilot names it: kopilot's default.
        ({"port": 8080, "portName": "target"}, running({8080: "api-8080"}), [(("portName",), None)], False),
        # Unnamed (Copilot without Service Connect): kopilot names every port mapping.
        ({"port": 8080, "portName": "target"}, running({8080: None}), [(("portName",), None)], True),
        ({"port": 8080}, running({8080: None}), [], True),
        # The task definition not read: the name goes with Service Connect.
        ({"port": 8080, "portName": "target"}, running({}), [(("portName",), None)], False),
        ({"port": 8080, "portName": "target"}, running({}, sc()), [], False),
        ({}, running({8080: "target"}), [], False),
    ],
)  # fmt: skip
def test_port_name_edits(spec: dict[str, Any], service: Service, edits: Any, note: bool) -> None:
    got, notes = port_name_edits(spec, service, API)
    assert got == edits
    assert bool(notes) == note
    if note:
        assert "kopilot names every port mapping (api-8080)" in notes[0]


REGISTRY = Registry("arn:aws:servicediscovery:us-east-1:1:service/srv-1", "api", "ns-1")


@pytest.mark.parametrize(
    ("spec", "registries", "edits", "note"),
    [
        ({"port": 8080}, [REGISTRY], [], None),
        ({}, [], [], None),
        (
            {"port": 8080},
            [],
            [(("network", "serviceDiscovery", "enabled"), False)],
            "api.test.kudos.local is not served today",
        ),
        (
            {"port": 8080, "network": {"serviceDiscovery": {"enabled": False}}},
            [REGISTRY],
            [(("network", "serviceDiscovery", "enabled"), None)],
            "the overlay leaves kopilot's default (on)",
        ),
        ({}, [REGISTRY], [], "the manifest has no port"),
        (
            {"port": 8080},
            [Registry("arn:srv-2", "api-sd", "ns-1")],
            [],
            "Copilot's Service Discovery service is named api-sd; kopilot's is api",
        ),
        ({"port": 8080}, [Registry("arn:srv-3", "api", "ns-9")], [], "in namespace ns-9"),
    ],
)
def test_discovery_edits(
    spec: dict[str, Any], registries: list[Registry], edits: list[Any], note: str | None
) -> None:
    got, notes = discovery_edits(spec, registries, API, NS, "ns-1")
    assert got == edits
    assert (note is None and not notes) or (note is not None and note in " ".join(notes))


def svc(name: str, subnets: list[str], groups: list[str], public: bool = False) -> Service:
    return Service(
        name=f"kudos-test-{name}-Service-X",
        arn=f"arn:{name}",
        tags={"copilot-service": name},
        subnets=subnets,
        security_groups=groups,
        assign_public_ip=public,
    )


VPCS = {"subnet-a": "vpc-1", "subnet-b": "vpc-1", "subnet-c": "vpc-2"}


@pytest.mark.parametrize(
    ("services", "network", "notes"),
    [
        ([], None, 0),
        (
            [svc("api", ["subnet-a", "subnet-b"], ["sg-1"], True)],
            {
                "vpcId": "vpc-1",
                "subnets": ["subnet-a", "subnet-b"],
                "securityGroups": ["sg-1"],
                "assignPublicIp": True,
            },
            0,
        ),
        # Most services share one configuration; the other is reported.
        (
            [
                svc("api", ["subnet-a"], ["sg-1", "sg-2"]),
                svc("web", ["subnet-a"], ["sg-1"]),
                svc("worker", ["subnet-a"], ["sg-1"]),
            ],
            {"vpcId": "vpc-1", "subnets": ["subnet-a"], "securityGroups": ["sg-1"]},
            1,
        ),
        ([svc("api", ["subnet-a", "subnet-c"], [])], None, 1),  # two VPCs
        ([svc("api", ["subnet-z"], [])], None, 1),  # DescribeSubnets did not answer
    ],
)
def test_network_of(services: list[Service], network: Any, notes: int) -> None:
    assert network_of(services, VPCS)[0] == network
    assert len(network_of(services, VPCS)[1]) == notes


def test_a_cluster_is_taken_only_when_one_is_active() -> None:
    active = Cluster("kudos-test-Cluster-A", "arn:a", "ACTIVE", {})
    gone = Cluster("kudos-test-Cluster-B", "arn:b", "INACTIVE", {})
    assert pick_cluster(Environment("test", clusters=[gone, active])) == (active, [])
    assert pick_cluster(Environment("test", clusters=[gone]))[0] is None
    picked, notes = pick_cluster(Environment("test", clusters=[active, active]))
    assert picked is None
    assert notes[0].startswith("2 ACTIVE ECS clusters are tagged with this environment")


def test_a_namespace_is_the_tagged_one_else_the_one_the_services_use() -> None:
    tagged = Namespace("ns-1", "arn:ns-1", NS, "DNS_PRIVATE", {})
    other = Namespace("ns-2", "arn:ns-2", "kudos.local", "DNS_PRIVATE", {})
    user = svc("api", [], [])
    user.connect = ServiceConnect(True, "kudos.local")
    assert pick_namespace(Environment("test", namespaces=[tagged]), [tagged, other])[0] == tagged
    untagged = Environment("test", services=[user])
    assert pick_namespace(untagged, [tagged, other])[0] == other
    both = Environment("test", namespaces=[tagged, other], services=[user])
    assert pick_namespace(both, [tagged, other])[0] == other
    assert pick_namespace(Environment("test"), [tagged, other]) == (None, [])


def test_roles_come_from_the_task_definition_where_the_spec_names_none() -> None:
    service = svc("api", [], [])
    service.execution_role_arn, service.task_role_arn = ROLE + "exec", ROLE + "task"
    assert role_edits({}, {}, service)[0] == [
        (("executionRoleArn",), ROLE + "exec"),
        (("taskRoleArn",), ROLE + "task"),
    ]
    edits, notes = role_edits(
        {"taskRoleArn": ROLE + "mine"}, {"executionRoleArn": ROLE + "exec"}, service
    )
    assert edits == []
    assert notes == [
        f"its task definition's taskRoleArn is {ROLE}task; the spec gives {ROLE}mine, which "
        "kopilot's revisions would use"
    ]


def test_an_edit_the_api_refuses_is_reported_not_written() -> None:
    spec = {"app": "kudos", "environment": "test", "image": "nginx", "port": 80}
    new, notes = apply_edits(
        spec,
        [(("network", "connect", "alias"), "my_alias"), (("adopt",), True)],
        EcsServiceSpec,
    )
    assert new == {**spec, "adopt": True}
    assert notes[0].startswith(
        "spec.network.connect.alias: my_alias is what AWS has, but kopilot's API refuses it"
    )


def test_changes_are_listed_field_by_field() -> None:
    old = {"app": "kudos", "network": {"connect": {"alias": "x"}, "serviceDiscovery": {}}}
    new = {"app": "kudos", "cluster": {"name": "c"}, "network": {"connect": {"enabled": False}}}
    assert changes(old, new) == [
        "spec.cluster.name: c",
        "spec.network.connect.enabled: false",
        "spec.network.connect.alias: (removed)",
        "spec.network.serviceDiscovery: (removed)",
    ]


def test_a_describe_services_entry_is_read_from_its_primary_deployment() -> None:
    config = {
        "enabled": True,
        "namespace": "arn:aws:servicediscovery:us-east-1:1:namespace/ns-1",
        "services": [{"portName": "target", "clientAliases": [{"port": 80, "dnsName": "web"}]}],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-region": "us-east-1",
                "awslogs-group": "/copilot/kudos-test-web",
                "awslogs-stream-prefix": "copilot",
            },
        },
    }
    service = service_from(
        {
            "serviceName": "kudos-test-web-Service-1",
            "serviceArn": "arn:web",
            "tags": [{"key": "copilot-service", "value": "web"}],
            "taskDefinition": "arn:aws:ecs:us-east-1:1:task-definition/kudos-test-web:3",
            "deployments": [
                {"status": "ACTIVE", "serviceConnectConfiguration": {"enabled": False}},
                {
                    "status": "PRIMARY",
                    "taskDefinition": "arn:aws:ecs:us-east-1:1:task-definition/kudos-test-web:4",
                    "serviceConnectConfiguration": config,
                },
            ],
            "serviceRegistries": [{"registryArn": "arn:srv-1", "port": 80}],
            "networkConfiguration": {
                "awsvpcConfiguration": {
                    "subnets": ["subnet-a"],
                    "securityGroups": ["sg-1"],
                    "assignPublicIp": "ENABLED",
                }
            },
            "loadBalancers": [{"targetGroupArn": "arn:tg"}],
        }
    )
    assert service.copilot_name == "web"
    assert (service.task_definition, service.family) == (
        "arn:aws:ecs:us-east-1:1:task-definition/kudos-test-web:4",
        "kudos-test-web",
    )
    # ECS names the Cloud Map service after the port when discoveryName is left out.
    assert service.connect == ServiceConnect(
        True,
        config["namespace"],
        [ConnectEndpoint("target", "target", "web", 80)],
        ConnectLogs("/copilot/kudos-test-web", "copilot"),
    )
    assert service.registries == [Registry("arn:srv-1")]
    assert (service.subnets, service.security_groups, service.assign_public_ip) == (
        ["subnet-a"],
        ["sg-1"],
        True,
    )
    assert service.load_balancers == ["arn:tg"]


def test_a_plan_adopts_what_was_found_and_reports_the_rest() -> None:
    """The kudos workspace (its manifests give each environment a VPC) and AWS where test
    runs api with Service Connect off, and prod was never deployed."""
    ns = Namespace("ns-1", "arn:ns-1", NS, "DNS_PRIVATE", {})
    api = Service(
        name="kudos-test-api-Service-AbC123",
        arn="arn:api",
        tags={
            "copilot-application": "kudos",
            "copilot-environment": "test",
            "copilot-service": "api",
        },
        family="kudos-test-api",
        connect=ServiceConnect(False, None),
        registries=[Registry("arn:srv-1", "api", "ns-1")],
        subnets=["subnet-0c3c3c3c3c3c3c3c3", "subnet-0d4d4d4d4d4d4d4d4"],
        security_groups=["sg-0123456789abcdef0"],
    )
    found = Found(
        app="kudos",
        region="us-east-1",
        environments={
            "test": Environment(
                "test",
                clusters=[Cluster("kudos-test-Cluster-A", "arn:c", "ACTIVE", {})],
                namespaces=[ns],
                services=[api],
                subnet_vpcs=dict.fromkeys(api.subnets, "vpc-0a1b2c3d4e5f67890"),
            ),
            "prod": Environment("prod"),
        },
        namespaces=[ns],
        calls=7,
    )
    plan = plan_import(read_workspace(KUDOS), Options(region="us-east-1"), found)
    test = next(e for e in plan.environments if e.name == "test")
    assert test.spec["cluster"] == {"name": "kudos-test-Cluster-A", "containerInsights": False}
    # The manifest gave the VPC and subnets; AWS adds the environment security group.
    assert test.spec["network"]["securityGroups"] == ["sg-0123456789abcdef0"]
    assert (test.spec["adopt"], test.spec["managementPolicy"]) == (True, "Observe")
    EcsEnvironmentSpec.model_validate(test.spec)
    prod = next(e for e in plan.environments if e.name == "prod")
    assert "adopt" not in prod.spec
    service = next(s for s in plan.services if s.name == "api")
    assert service.base["portName"] == "target"
    assert service.base["network"]["connect"]["logs"] == {"streamPrefix": "copilot"}
    # Copilot's alias is the top level's; the patch removes Service Connect as AWS runs it,
    # and with it what comes with it: the proxy's logs and Copilot's port name.
    assert service.patches["test"]["network"] == {
        "connect": {"enabled": False, "alias": None, "logs": None}
    }
    assert service.patches["test"]["portName"] is None
    spec = apply_merge_patch(service.base, service.patches["test"])
    assert spec["ecsServiceName"] == "kudos-test-api-Service-AbC123"
    assert spec["network"] == {"connect": {"enabled": False}}
    assert "portName" not in spec
    EcsServiceSpec.model_validate(spec)
    worker = next(s for s in plan.services if s.name == "worker")
    assert worker.patches["test"]["managementPolicy"] == "Observe"
    assert "adopt" not in worker.patches["test"]
    assert plan.aws is not None
    assert [f"{f.env}/{f.svc}" for f in plan.aws.findings] == ["test/None", "test/api"]
    assert plan.aws.not_in_aws[0].startswith(
        "environment prod: no ECS cluster or Cloud Map namespace tagged copilot-application=kudos, "
        "copilot-environment=prod in us-east-1"
    )
    assert any("service front-end in test" in line for line in plan.aws.not_in_aws)
    assert not any(
        n.startswith("Service Discovery namespaces") and "test." in n for n in plan.notes
    )


@pytest.mark.parametrize(
    ("network", "edits", "note"),
    [
        (
            None,
            [
                (
                    ("network",),
                    {"vpcId": "vpc-1", "subnets": ["subnet-a"], "securityGroups": ["sg-1"]},
                )
            ],
            None,
        ),
        (
            {"vpcId": "vpc-1", "subnets": ["subnet-a"]},
            [(("network", "securityGroups"), ["sg-1"])],
            None,
        ),
        (
            {"vpcId": "vpc-1", "subnets": ["subnet-b"], "securityGroups": ["sg-9"]},
            [],
            "Copilot's services run in VPC vpc-1, subnets subnet-a, without a public IP; the "
            "manifest's network is written",
        ),
    ],
)
def test_the_environment_network_fills_what_the_manifest_left_out(
    network: dict[str, Any] | None, edits: list[Any], note: str | None
) -> None:
    found = Environment(
        "test",
        clusters=[Cluster("kudos-test-Cluster-A", "arn:c", "ACTIVE", {})],
        services=[svc("api", ["subnet-a"], ["sg-1"])],
        subnet_vpcs=VPCS,
    )
    spec: dict[str, Any] = {"app": "kudos", "region": "us-east-1"}
    if network:
        spec["network"] = network
    got, notes, _ = environment_edits(spec, found, "kudos", [])
    # The cluster has no Service Connect default namespace, as Copilot leaves it.
    assert got[:2] == [
        (("cluster", "name"), "kudos-test-Cluster-A"),
        (("serviceConnect",), {"enabled": False}),
    ]
    assert got[4:] == edits  # after adopt and managementPolicy
    assert (note is None and not notes) or (note is not None and notes[0].startswith(note))


NAMESPACE = Namespace("ns-1", "arn:ns-1", NS, "DNS_PRIVATE", {})


@pytest.mark.parametrize(
    ("spec", "default", "edits", "note"),
    [
        # Copilot's cluster: no default namespace; kopilot's default would set one.
        ({}, None, [(("serviceConnect",), {"enabled": False})], False),
        ({"serviceConnect": {"enabled": False}}, None, [], False),
        # The environment's namespace already (by ARN, name or id): kopilot's default.
        ({}, "arn:ns-1", [], False),
        ({"serviceConnect": {"enabled": False}}, NS, [(("serviceConnect",), None)], False),
        # Another namespace: reported.
        ({}, "arn:ns-9", [], True),
    ],
)
def test_the_cluster_keeps_its_service_connect_default(
    spec: dict[str, Any], default: str | None, edits: list[Any], note: bool
) -> None:
    cluster = Cluster("kudos-test-Cluster-A", "arn:c", "ACTIVE", {}, default)
    got, notes = service_connect_default_edits(spec, cluster, NAMESPACE)
    assert got == edits
    assert bool(notes) == note


def test_copilot_load_balancers_are_reported_not_adopted() -> None:
    """Copilot's load balancer has a CloudFormation name; kopilot adopts only its own names
    ({app}-{env}-pub / -int), so nothing is written for it, and the report says so."""
    front = Service(
        name="kudos-test-front-end-Service-DeF456",
        arn="arn:front",
        tags={
            "copilot-application": "kudos",
            "copilot-environment": "test",
            "copilot-service": "front-end",
        },
        family="kudos-test-front-end",
        connect=ServiceConnect(False, None),
        subnets=["subnet-0c3c3c3c3c3c3c3c3", "subnet-0d4d4d4d4d4d4d4d4"],
        load_balancers=[
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/kudos-Targe-1A/2b"
        ],
    )
    found = Found(
        app="kudos",
        region="us-east-1",
        environments={
            "test": Environment(
                "test",
                clusters=[Cluster("kudos-test-Cluster-A", "arn:c", "ACTIVE", {})],
                services=[front],
                subnet_vpcs=dict.fromkeys(front.subnets, "vpc-0a1b2c3d4e5f67890"),
            ),
            "prod": Environment("prod"),
        },
        namespaces=[],
        calls=5,
    )
    plain = plan_import(read_workspace(KUDOS), Options(region="us-east-1"))
    plan = plan_import(read_workspace(KUDOS), Options(region="us-east-1"), found)
    test = next(e for e in plan.environments if e.name == "test")
    # The load balancer is as the files say: no name, no adoption written for it.
    assert test.spec["http"] == next(e for e in plain.environments if e.name == "test").spec["http"]
    service = next(s for s in plan.services if s.name == "front-end")
    spec = apply_merge_patch(service.base, service.patches["test"])
    assert spec["http"] == service.base["http"]
    assert spec["ecsServiceName"] == "kudos-test-front-end-Service-DeF456"
    assert plan.aws is not None
    env_finding = next(f for f in plan.aws.findings if f.svc is None)
    assert not any("http" in change for change in env_finding.changes)
    [note] = [n for n in env_finding.notes if "load balancer" in n]
    assert note == (
        "Copilot's load balancer (CloudFormation-named) serves front-end "
        "(kudos-test-front-end-Service-DeF456): it is not adopted, since kopilot names its load "
        "balancers kudos-test-pub and kudos-test-int and cannot adopt one of another name yet. "
        "kopilot will create its own load balancer (spec.http: kudos-test-pub); the old one "
        "keeps serving until DNS moves"
    )
    svc_finding = next(f for f in plan.aws.findings if f.svc == "front-end")
    [note] = [n for n in svc_finding.notes if "load balancer" in n]
    assert note.startswith(
        "it is behind Copilot's load balancer (target groups arn:aws:elasticloadbalancing:"
        "us-east-1:123456789012:targetgroup/kudos-Targe-1A/2b), which is not adopted: kopilot "
        "will create its own load balancer, target group and listener rule; the old one keeps "
        "serving until DNS moves."
    )
    EcsEnvironmentSpec.model_validate(test.spec)
    EcsServiceSpec.model_validate(spec)


def test_a_service_behind_copilots_load_balancer_without_http_is_detached() -> None:
    service = Service("kudos-test-api-Service-1", "arn:api", {}, load_balancers=["arn:tg"])
    assert service_load_balancer_note({"port": 8080}, service) == (
        "it is behind Copilot's load balancer (target groups arn:tg), and its spec has no "
        "http: under Manage, kopilot detaches it (a new deployment) and Copilot's load "
        "balancer no longer reaches it"
    )
