"""Strict mode, ECS services: each test sends a request AWS refuses and gets AWS's error,
then the corrected request and sees it accepted (so the rule is not stricter than AWS)."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from tests.aws.builders import (
    application_load_balancer,
    http_listener,
    http_namespace,
    register_web,
    target_group,
)
from tests.aws.strict.refusals import (
    cluster_and_network,
    default_network,
    private_namespace,
    refusal,
)
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws


def _discovery_service(aws: LocalAws, *record_types: str) -> str:
    """A Cloud Map service `api` with these DNS records; its ARN."""
    namespace = private_namespace(aws)
    arn: str = aws.client("servicediscovery").create_service(
        Name="api",
        NamespaceId=namespace["Id"],
        DnsConfig={"DnsRecords": [{"Type": t, "TTL": 10} for t in record_types]},
    )["Service"]["Arn"]
    return arn


def _create(aws: LocalAws, **overrides: Any) -> dict[str, Any]:
    ecs = aws.client("ecs", max_attempts=1)
    request: dict[str, Any] = {
        "cluster": "kudos-test",
        "serviceName": "api",
        "launchType": "FARGATE",
        "desiredCount": 1,
        "taskDefinition": register_web(ecs),
        "networkConfiguration": cluster_and_network(aws),
        **overrides,
    }
    # An override of None leaves the parameter out.
    request = {key: value for key, value in request.items() if value is not None}
    service: dict[str, Any] = ecs.create_service(**request)["service"]
    return service


def test_a_registry_with_an_srv_record_needs_a_port(aws: LocalAws) -> None:
    registry = _discovery_service(aws, "A", "SRV")
    error = refusal(lambda: _create(aws, serviceRegistries=[{"registryArn": registry}]))
    assert error["Code"] == "InvalidParameterException"
    assert "containerName and containerPort combination or a port" in error["Message"]

    both = [{"registryArn": registry, "port": 8080, "containerName": "app", "containerPort": 8080}]
    assert refusal(lambda: _create(aws, serviceRegistries=both))["Code"] == (
        "InvalidParameterException"
    )

    created = _create(aws, serviceRegistries=[{"registryArn": registry, "port": 8080}])
    assert created["serviceRegistries"] == [{"registryArn": registry, "port": 8080}]


def _connect(aws: LocalAws, **entry: Any) -> dict[str, Any]:
    """A Service Connect configuration in the HTTP namespace `apps` with one service entry:
    port `http` at http://api:80 unless `entry` says otherwise."""
    if not aws.client("servicediscovery").list_namespaces()["Namespaces"]:
        http_namespace(aws, "apps")
    service = {"portName": "http", "clientAliases": [{"port": 80, "dnsName": "api"}], **entry}
    return {"enabled": True, "namespace": "apps", "services": [service]}


def test_a_service_name_has_letters_numbers_underscores_and_hyphens(aws: LocalAws) -> None:
    for name in ("api.v1", "api v1", "a" * 256):
        error = refusal(partial(_create, aws, serviceName=name))
        assert error["Code"] == "InvalidParameterException"
        assert "up to 255 letters" in error["Message"]

    assert _create(aws, serviceName="Api_v1-" + "a" * 248)["status"] == "ACTIVE"


def test_a_client_token_has_up_to_36_ascii_characters(aws: LocalAws) -> None:
    for token in ("t" * 37, "tök", "a token"):
        error = refusal(partial(_create, aws, clientToken=token))
        assert error["Code"] == "InvalidParameterException"
        assert "up to 36 ASCII characters" in error["Message"]

    assert _create(aws, clientToken="~!" + "t" * 34)["status"] == "ACTIVE"


def test_an_awsvpc_task_definition_needs_a_network_configuration(aws: LocalAws) -> None:
    network = cluster_and_network(aws)
    missing: dict[str, Any] | None
    for missing in (None, {}):  # left out, or without an awsvpcConfiguration
        error = refusal(partial(_create, aws, networkConfiguration=missing))
        assert error == {
            "Code": "InvalidParameterException",
            "Message": "Network Configuration must be provided when networkMode 'awsvpc' "
            "is specified.",
        }

    _create(aws, networkConfiguration=network)
    ecs = aws.client("ecs", max_attempts=1)
    register_web(ecs, image="nginx:2")
    # An update keeps the service's network configuration.
    updated = ecs.update_service(cluster="kudos-test", service="api", taskDefinition="web")
    assert updated["service"]["networkConfiguration"] == network


def _register_bridge(ecs: Any) -> str:
    """An EC2 task definition with the bridge network mode; its ARN."""
    arn: str = ecs.register_task_definition(
        family="bridge",
        networkMode="bridge",
        containerDefinitions=[{"name": "app", "image": "nginx:1", "memory": 256}],
    )["taskDefinition"]["taskDefinitionArn"]
    return arn


def test_a_network_configuration_needs_the_awsvpc_network_mode(aws: LocalAws) -> None:
    bridge = _register_bridge(aws.client("ecs"))
    error = refusal(lambda: _create(aws, launchType="EC2", taskDefinition=bridge))
    assert error == {
        "Code": "InvalidParameterException",
        "Message": "Network Configuration is not valid for the given networkMode of this task "
        "definition.",
    }

    created = _create(aws, launchType="EC2", taskDefinition=bridge, networkConfiguration=None)
    assert created["taskDefinition"] == bridge


def test_a_network_configuration_has_at_most_16_subnets(aws: LocalAws) -> None:
    network = cluster_and_network(aws)
    too_many = {"subnets": [f"subnet-{i:08x}" for i in range(17)]}
    error = refusal(lambda: _create(aws, networkConfiguration={"awsvpcConfiguration": too_many}))
    assert error == {
        "Code": "InvalidParameterException",
        "Message": "subnets can have at most 16 items.",
    }

    assert _create(aws, networkConfiguration=network)["networkConfiguration"] == network


def test_a_network_configuration_has_at_most_5_security_groups(aws: LocalAws) -> None:
    network = cluster_and_network(aws)
    vpc, _ = default_network(aws)
    ec2 = aws.client("ec2")
    groups = [
        ec2.create_security_group(GroupName=f"g{i}", Description="test", VpcId=vpc)["GroupId"]
        for i in range(6)
    ]
    awsvpc = network["awsvpcConfiguration"]
    error = refusal(
        lambda: _create(
            aws, networkConfiguration={"awsvpcConfiguration": {**awsvpc, "securityGroups": groups}}
        )
    )
    assert error == {
        "Code": "InvalidParameterException",
        "Message": "securityGroups can have at most 5 items.",
    }

    five = {"awsvpcConfiguration": {**awsvpc, "securityGroups": groups[:5]}}
    assert _create(aws, networkConfiguration=five)["networkConfiguration"] == five


def test_the_fargate_launch_type_needs_a_fargate_task_definition(aws: LocalAws) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    ec2_only: str = ecs.register_task_definition(
        family="ec2-only",
        networkMode="awsvpc",
        containerDefinitions=[{"name": "app", "image": "nginx:1", "memory": 256}],
    )["taskDefinition"]["taskDefinitionArn"]
    error = refusal(lambda: _create(aws, taskDefinition=ec2_only))
    assert error == {
        "Code": "InvalidParameterException",
        "Message": "Task definition does not support launch_type FARGATE.",
    }

    _create(aws)  # the Fargate task definition `web`
    error = refusal(
        lambda: ecs.update_service(cluster="kudos-test", service="api", taskDefinition=ec2_only)
    )
    assert error["Message"] == "Task definition does not support launch_type FARGATE."
    assert _create(aws, serviceName="ec2", launchType="EC2", taskDefinition=ec2_only)


def test_a_service_has_at_most_one_service_registry(aws: LocalAws) -> None:
    namespace = private_namespace(aws)
    sd = aws.client("servicediscovery")
    registries = [
        {
            "registryArn": sd.create_service(
                Name=name,
                NamespaceId=namespace["Id"],
                DnsConfig={"DnsRecords": [{"Type": "A", "TTL": 10}]},
            )["Service"]["Arn"]
        }
        for name in ("api", "api-v2")
    ]
    error = refusal(lambda: _create(aws, serviceRegistries=registries))
    assert error["Code"] == "InvalidParameterException"
    assert "one service registry" in error["Message"]

    assert _create(aws, serviceRegistries=registries[:1])["serviceRegistries"] == registries[:1]


def test_a_service_connect_port_name_names_a_port_mapping(aws: LocalAws) -> None:
    error = refusal(
        lambda: _create(aws, serviceConnectConfiguration=_connect(aws, portName="grpc"))
    )
    assert error["Code"] == "InvalidParameterException"
    assert "portName 'grpc'" in error["Message"]

    assert _create(aws, serviceConnectConfiguration=_connect(aws))["status"] == "ACTIVE"
    # A new task definition must still have the port the service's configuration names.
    ecs = aws.client("ecs", max_attempts=1)
    renamed = register_web(ecs, port_name="web")
    error = refusal(
        lambda: ecs.update_service(cluster="kudos-test", service="api", taskDefinition=renamed)
    )
    assert "portName 'http'" in error["Message"]
    ecs.update_service(cluster="kudos-test", service="api", taskDefinition=register_web(ecs))


def test_a_service_connect_service_has_one_client_alias(aws: LocalAws) -> None:
    two = [{"port": 80, "dnsName": "api"}, {"port": 8080, "dnsName": "api-v2"}]
    for aliases in ([], two):
        config = _connect(aws, clientAliases=aliases)
        error = refusal(partial(_create, aws, serviceConnectConfiguration=config))
        assert error == {
            "Code": "InvalidParameterException",
            "Message": "clientAliases must have 1 element.",
        }
    bare = _connect(aws)
    del bare["services"][0]["clientAliases"]
    assert refusal(lambda: _create(aws, serviceConnectConfiguration=bare))["Code"] == (
        "InvalidParameterException"
    )

    assert _create(aws, serviceConnectConfiguration=_connect(aws, clientAliases=two[:1]))


def test_service_connect_ports_are_at_most_65535(aws: LocalAws) -> None:
    at = "serviceConnectConfiguration.services.1.member"
    for entry, path in (
        ({"clientAliases": [{"port": 65536, "dnsName": "api"}]}, "clientAliases.1.member.port"),
        ({"ingressPortOverride": 70000}, "ingressPortOverride"),
    ):
        config = _connect(aws, **entry)
        error = refusal(partial(_create, aws, serviceConnectConfiguration=config))
        assert error["Code"] == "InvalidParameterException"
        assert f"at '{at}.{path}' failed to satisfy constraint" in error["Message"]
        assert "Member must have value less than or equal to 65535" in error["Message"]

    config = _connect(aws, clientAliases=[{"port": 65535, "dnsName": "api"}])
    assert _create(
        aws,
        serviceConnectConfiguration={
            **config,
            "services": [{**config["services"][0], "ingressPortOverride": 65535}],
        },
    )


def test_a_client_alias_dns_name_is_a_dns_name(aws: LocalAws) -> None:
    for name in ("-api", "API", "api/v1", "a" * 128):
        config = _connect(aws, clientAliases=[{"port": 80, "dnsName": name}])
        error = refusal(partial(_create, aws, serviceConnectConfiguration=config))
        assert error["Code"] == "InvalidParameterException"
        assert "dnsName" in error["Message"]

    name = "api_v1-x." + "a" * 118
    assert _create(
        aws,
        serviceConnectConfiguration=_connect(aws, clientAliases=[{"port": 80, "dnsName": name}]),
    )


def test_a_discovery_name_is_a_cloud_map_service_name(aws: LocalAws) -> None:
    for name in ("-api", "Api", "api.v1", "a" * 65):
        config = _connect(aws, discoveryName=name)
        error = refusal(partial(_create, aws, serviceConnectConfiguration=config))
        assert error["Code"] == "InvalidParameterException"
        assert "discoveryName" in error["Message"]

    assert _create(aws, serviceConnectConfiguration=_connect(aws, discoveryName="_api-v1"))


def _register_ports(ecs: Any, *mappings: dict[str, Any]) -> str:
    """Revision of register_web's family `web` whose container `app` has these mappings."""
    arn: str = ecs.register_task_definition(
        family="web",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": "nginx:1", "portMappings": list(mappings)}],
    )["taskDefinition"]["taskDefinitionArn"]
    return arn


def test_service_connect_discovery_names_are_unique(aws: LocalAws) -> None:
    two_ports = _register_ports(
        aws.client("ecs", max_attempts=1),
        {"containerPort": 8080, "name": "http", "appProtocol": "http"},
        {"containerPort": 8081, "name": "admin", "appProtocol": "http"},
    )
    http = {"portName": "http", "clientAliases": [{"port": 80, "dnsName": "api"}]}
    admin = {"portName": "admin", "clientAliases": [{"port": 81, "dnsName": "api"}]}
    clashes = (
        [{**http, "discoveryName": "api"}, {**admin, "discoveryName": "api"}],
        # Without a discoveryName ECS takes the portName.
        [{**http, "discoveryName": "admin"}, admin],
    )
    config = _connect(aws)
    for services in clashes:
        twice = {**config, "services": services}
        error = refusal(
            partial(_create, aws, taskDefinition=two_ports, serviceConnectConfiguration=twice)
        )
        assert error["Code"] == "InvalidParameterException"
        assert "must be unique" in error["Message"]

    apart = {**config, "services": [{**http, "discoveryName": "api"}, admin]}
    created = _create(aws, taskDefinition=two_ports, serviceConnectConfiguration=apart)
    resources = created["deployments"][0]["serviceConnectResources"]
    assert sorted(r["discoveryName"] for r in resources) == ["admin", "api"]


def test_a_tcp_port_takes_no_per_request_timeout(aws: LocalAws) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    tcp: str = ecs.register_task_definition(
        family="db",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "db",
                "image": "redis:7",
                "portMappings": [{"containerPort": 6379, "name": "redis"}],  # no appProtocol
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    timeouts = {"idleTimeoutSeconds": 3600, "perRequestTimeoutSeconds": 0}
    config = _connect(aws, portName="redis", timeout=timeouts)
    error = refusal(lambda: _create(aws, taskDefinition=tcp, serviceConnectConfiguration=config))
    assert error == {
        "Code": "ClientException",
        "Message": "Per request timeout 0 can't be set for tcp application.",
    }

    idle_only = _connect(aws, portName="redis", timeout={"idleTimeoutSeconds": 3600})
    assert _create(aws, taskDefinition=tcp, serviceConnectConfiguration=idle_only)
    http = _connect(  # port `http` is http
        aws, discoveryName="web", clientAliases=[{"port": 80, "dnsName": "web"}], timeout=timeouts
    )
    assert _create(aws, serviceName="web", serviceConnectConfiguration=http)


def test_service_connect_access_logs_need_a_log_configuration(aws: LocalAws) -> None:
    config = {**_connect(aws), "accessLogConfiguration": {"format": "TEXT"}}
    error = refusal(lambda: _create(aws, serviceConnectConfiguration=config))
    assert error["Code"] == "InvalidParameterException"
    assert "logConfiguration" in error["Message"]

    logs = {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "/sc",
            "awslogs-region": aws.region,
            "awslogs-stream-prefix": "sc",
        },
    }
    assert _create(aws, serviceConnectConfiguration={**config, "logConfiguration": logs})


# -- load balancers ----------------------------------------------------------------------------


def _balanced(aws: LocalAws, name: str = "web", *, target_type: str = "ip") -> str:
    """A target group that an Application Load Balancer's listener forwards to; its ARN."""
    group = target_group(aws, name, target_type=target_type)
    http_listener(aws, application_load_balancer(aws, f"{name}-lb"), group)
    return group


def _load_balancer(group: str, container: str | None = "app", port: int = 8080) -> dict[str, Any]:
    entry: dict[str, Any] = {"targetGroupArn": group, "containerPort": port}
    if container is not None:
        entry["containerName"] = container
    return entry


def test_an_awsvpc_service_needs_an_ip_target_group(aws: LocalAws) -> None:
    instances = _balanced(aws, "instances", target_type="instance")
    error = refusal(lambda: _create(aws, loadBalancers=[_load_balancer(instances)]))
    assert error == {
        "Code": "InvalidParameterException",
        "Message": f"The provided target group {instances} has target type instance, which is "
        "incompatible with the awsvpc network mode specified in the task definition.",
    }

    ips = _balanced(aws, "ips")
    created = _create(aws, loadBalancers=[_load_balancer(ips)])
    assert created["loadBalancers"] == [_load_balancer(ips)]


def test_a_target_group_needs_a_load_balancer(aws: LocalAws) -> None:
    group = target_group(aws)
    error = refusal(lambda: _create(aws, loadBalancers=[_load_balancer(group)]))
    assert error == {
        "Code": "InvalidParameterException",
        "Message": f"The target group with targetGroupArn {group} does not have an associated "
        "load balancer.",
    }

    http_listener(aws, application_load_balancer(aws), group)
    assert _create(aws, loadBalancers=[_load_balancer(group)])["loadBalancers"]


def _register_port(ecs: Any, port: int) -> str:
    """Revision of register_web's family `web` whose container `app` listens on `port`."""
    return _register_ports(ecs, {"containerPort": port})


def test_a_load_balancer_names_a_container_and_its_port(aws: LocalAws) -> None:
    group = _balanced(aws)
    for entry, message in (
        (_load_balancer(group, "web"), "The container web does not exist in the task definition."),
        (
            _load_balancer(group, port=80),
            "The container app did not have a container port 80 defined.",
        ),
        (_load_balancer(group, None), "Container Name can not be blank."),
    ):
        error = refusal(partial(_create, aws, loadBalancers=[entry]))
        assert error == {"Code": "InvalidParameterException", "Message": message}

    _create(aws, loadBalancers=[_load_balancer(group)])
    ecs = aws.client("ecs", max_attempts=1)
    update = partial(ecs.update_service, cluster="kudos-test", service="api")
    # A new task definition is checked against the service's load balancers...
    moved = _register_port(ecs, 9090)
    error = refusal(partial(update, taskDefinition=moved))
    assert error["Message"] == "The container app did not have a container port 8080 defined."
    # ...or the ones the update gives, which UpdateService applies in a new deployment.
    updated = update(taskDefinition=moved, loadBalancers=[_load_balancer(group, port=9090)])
    assert updated["service"]["loadBalancers"] == [_load_balancer(group, port=9090)]
    primary = next(d for d in updated["service"]["deployments"] if d["status"] == "PRIMARY")
    assert primary["taskDefinition"] == moved
    assert update(loadBalancers=[])["service"]["loadBalancers"] == []


def test_a_health_check_grace_period_needs_no_load_balancer(aws: LocalAws) -> None:
    """CreateService.healthCheckGracePeriodSeconds: "If you do not use any of the health
    checks, then healthCheckGracePeriodSeconds is unused": accepted and kept, not refused."""
    created = _create(aws, healthCheckGracePeriodSeconds=60)
    assert "loadBalancers" not in created or created["loadBalancers"] == []
    assert created["healthCheckGracePeriodSeconds"] == 60
    ecs = aws.client("ecs", max_attempts=1)
    updated = ecs.update_service(
        cluster="kudos-test", service="api", healthCheckGracePeriodSeconds=30
    )["service"]
    assert updated["healthCheckGracePeriodSeconds"] == 30
