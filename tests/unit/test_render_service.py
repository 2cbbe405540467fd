"""render.service: an EcsService spec into ECS and Cloud Map requests, as Copilot shapes them."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from controller.api.service import EcsServiceSpec, container_name_problem
from controller.naming import Names
from controller.render.service import (
    ServiceContext,
    client_alias,
    create_service_request,
    desired_service,
    endpoints,
    port_name,
    service_connect_configuration,
    service_discovery_enabled,
    service_discovery_service_request,
    task_definition_request,
)

NAMESPACE_ARN = "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-kudos"
EXECUTION_ROLE = "arn:aws:iam::123456789012:role/kudos-test-execution"
TASK_ROLE = "arn:aws:iam::123456789012:role/api-task"
TD_ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/kudos-test-api:3"
REGISTRY_ARN = "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-api"
SECRET_DB = "arn:aws:ssm:us-east-1:123456789012:parameter/db"
SECRET_API = "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-key"
PCA_ARN = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/ca-1"
TAGS = {"team": "kudos", "kopilot.dev/owner-uid": "uid-1"}
# Amazon ECS API Reference, PortMapping.name.
PORT_NAME_RULE = re.compile(r"[a-z0-9_][a-z0-9_-]{0,63}")


def context(svc: str = "api", **changes: Any) -> ServiceContext:
    base = ServiceContext(
        names=Names("kudos", "test", svc),
        region="us-east-1",
        cluster="kudos-test",
        namespace_name="test.kudos.local",
        namespace_arn=NAMESPACE_ARN,
        namespace_id="ns-kudos",
        namespace_type="DNS_PRIVATE",
        subnets=("subnet-b", "subnet-a"),
        security_groups=("sg-2", "sg-1"),
        assign_public_ip=False,
        execution_role_arn=EXECUTION_ROLE,
        tags=TAGS,
    )
    return dataclasses.replace(base, **changes)


def spec(**fields: Any) -> EcsServiceSpec:
    """A spec as `kubectl apply` gives it (camelCase)."""
    return EcsServiceSpec.model_validate(
        {"app": "kudos", "environment": "test", "image": "nginx:1.27", **fields}
    )


def api_spec(**fields: Any) -> EcsServiceSpec:
    """The kudos sample's api: a Service Connect server on 8080."""
    return spec(port=8080, count=2, variables={"LOG_LEVEL": "info"}, **fields)


def container(request: dict[str, Any]) -> dict[str, Any]:
    [only] = request["containerDefinitions"]
    found: dict[str, Any] = only
    return found


# -- task definition -----------------------------------------------------------------------


def test_task_definition_of_the_kudos_api() -> None:
    request = task_definition_request(api_spec(network={"connect": {"enabled": True}}), context())
    assert request == {
        "family": "kudos-test-api",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
        "executionRoleArn": EXECUTION_ROLE,
        "containerDefinitions": [
            {
                "name": "api",
                "image": "nginx:1.27",
                "essential": True,
                "portMappings": [
                    {
                        "containerPort": 8080,
                        "protocol": "tcp",
                        "name": "api-8080",
                        "appProtocol": "http",
                    }
                ],
                "environment": [
                    {"name": "COPILOT_APPLICATION_NAME", "value": "kudos"},
                    {"name": "COPILOT_ENVIRONMENT_NAME", "value": "test"},
                    {"name": "COPILOT_SERVICE_DISCOVERY_ENDPOINT", "value": "test.kudos.local"},
                    {"name": "COPILOT_SERVICE_NAME", "value": "api"},
                    {"name": "LOG_LEVEL", "value": "info"},
                ],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/copilot/kudos-test-api",
                        "awslogs-region": "us-east-1",
                        "awslogs-stream-prefix": "copilot",
                    },
                },
            }
        ],
        "tags": [
            {"key": "kopilot.dev/owner-uid", "value": "uid-1"},
            {"key": "team", "value": "kudos"},
        ],
    }


def test_variables_render_in_name_order_whatever_order_they_were_given_in() -> None:
    first = task_definition_request(spec(variables={"ZED": "1", "ALPHA": "2"}), context())
    second = task_definition_request(spec(variables={"ALPHA": "2", "ZED": "1"}), context())
    assert first == second
    names = [entry["name"] for entry in container(first)["environment"]]
    assert names == sorted(names)
    assert {"name": "ZED", "value": "1"} in container(first)["environment"]


def test_an_empty_variable_is_kept() -> None:
    request = task_definition_request(spec(variables={"EMPTY": ""}), context())
    assert {"name": "EMPTY", "value": ""} in container(request)["environment"]


def test_service_discovery_endpoint_variable_is_the_environment_namespace_even_legacy() -> None:
    ctx = context(names=Names("shop", "prod", "api"), namespace_name="shop.local")
    request = task_definition_request(spec(app="shop", environment="prod"), ctx)
    environment = {e["name"]: e["value"] for e in container(request)["environment"]}
    assert environment == {
        "COPILOT_APPLICATION_NAME": "shop",
        "COPILOT_ENVIRONMENT_NAME": "prod",
        "COPILOT_SERVICE_NAME": "api",
        "COPILOT_SERVICE_DISCOVERY_ENDPOINT": "shop.local",
    }
    assert request["family"] == "shop-prod-api"


@pytest.mark.parametrize(
    ("protocol", "app_protocol"),
    [("http", "http"), ("http2", "http2"), ("grpc", "grpc"), ("tcp", None)],
)
def test_port_mapping_app_protocol_follows_the_protocol_and_tcp_has_none(
    protocol: str, app_protocol: str | None
) -> None:
    [mapping] = container(task_definition_request(spec(port=9000, protocol=protocol), context()))[
        "portMappings"
    ]
    assert mapping.get("appProtocol") == app_protocol
    assert mapping["protocol"] == "tcp"
    assert mapping["containerPort"] == 9000
    assert mapping["name"] == "api-9000"


def test_a_client_only_service_has_no_port_mapping() -> None:
    assert "portMappings" not in container(task_definition_request(spec(), context()))


def test_a_routed_target_port_is_mapped_beside_the_service_port_and_registered() -> None:
    routed = spec(port=8080, http={"path": "api", "targetPort": 9090})
    mappings = container(task_definition_request(routed, context()))["portMappings"]
    assert [(m["containerPort"], m["name"]) for m in mappings] == [
        (8080, "api-8080"),
        (9090, "api-9090"),
    ]
    group = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/kudos-test-api/1"
    wanted = desired_service(routed, context(target_group_arn=group), TD_ARN, REGISTRY_ARN)
    assert wanted["loadBalancers"] == [
        {"targetGroupArn": group, "containerName": "api", "containerPort": 9090}
    ]


def test_a_routed_service_on_its_own_port_maps_it_once() -> None:
    routed = spec(port=8080, http={"path": "api", "targetPort": 8080})
    [mapping] = container(task_definition_request(routed, context()))["portMappings"]
    assert mapping["containerPort"] == 8080


def test_secrets_command_entry_point_and_health_check() -> None:
    request = task_definition_request(
        spec(
            secrets={"DB_PASSWORD": SECRET_DB, "API_KEY": SECRET_API},
            command=["python", "-m", "worker"],
            entryPoint=["/bin/sh", "-c"],
            healthCheck={"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]},
        ),
        context(),
    )
    only = container(request)
    assert only["secrets"] == [
        {"name": "API_KEY", "valueFrom": SECRET_API},
        {"name": "DB_PASSWORD", "valueFrom": SECRET_DB},
    ]
    assert only["command"] == ["python", "-m", "worker"]
    assert only["entryPoint"] == ["/bin/sh", "-c"]
    # Copilot's health check defaults: 10s interval, 5s timeout, 2 retries, no grace.
    assert only["healthCheck"] == {
        "command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
        "interval": 10,
        "timeout": 5,
        "retries": 2,
        "startPeriod": 0,
    }


def test_no_secrets_command_or_health_check_unless_asked() -> None:
    only = container(task_definition_request(spec(), context()))
    assert not {"secrets", "command", "entryPoint", "healthCheck"} & set(only)


def test_size_platform_and_roles() -> None:
    spec_role = "arn:aws:iam::123456789012:role/api-execution"
    request = task_definition_request(
        spec(
            cpu=1024,
            memory=4096,
            platform="linux/arm64",
            taskRoleArn=TASK_ROLE,
            executionRoleArn=spec_role,
        ),
        context(),
    )
    assert (request["cpu"], request["memory"]) == ("1024", "4096")
    assert request["runtimePlatform"] == {
        "cpuArchitecture": "ARM64",
        "operatingSystemFamily": "LINUX",
    }
    assert request["taskRoleArn"] == TASK_ROLE
    assert request["executionRoleArn"] == spec_role  # the service's own wins over the env's


def test_no_roles_when_neither_the_service_nor_the_environment_names_one() -> None:
    request = task_definition_request(spec(), context(execution_role_arn=None, tags={}))
    assert "executionRoleArn" not in request
    assert "taskRoleArn" not in request
    assert "tags" not in request


def test_log_group_and_prefix_from_the_spec() -> None:
    request = task_definition_request(
        spec(logging={"group": "/custom/api", "streamPrefix": "app"}), context()
    )
    assert container(request)["logConfiguration"]["options"] == {
        "awslogs-group": "/custom/api",
        "awslogs-region": "us-east-1",
        "awslogs-stream-prefix": "app",
    }


def test_the_same_spec_renders_the_same_request() -> None:
    args = {"port": 8080, "variables": {"B": "2", "A": "1"}, "secrets": {"S": SECRET_DB}}
    assert task_definition_request(spec(**args), context()) == task_definition_request(
        spec(**args), context()
    )


# -- port names ----------------------------------------------------------------------------


def test_port_name_is_the_service_and_the_port() -> None:
    assert port_name("api", 8080) == "api-8080"
    assert port_name("front-end", 80) == "front-end-80"


def test_port_name_of_the_longest_service_fits_ecs_rules() -> None:
    svc = "a" + "b-" * 29 + "c"  # 60 characters, the longest service name
    name = port_name(svc, 65535)
    assert len(name) <= 64
    assert PORT_NAME_RULE.fullmatch(name)
    assert name.endswith("-65535")
    assert "--" not in name  # a hyphen cut in half is dropped, not doubled


def test_port_names_of_different_ports_differ_even_when_trimmed() -> None:
    svc = "x" * 60
    assert port_name(svc, 10000) != port_name(svc, 10001)


# -- Service Connect -----------------------------------------------------------------------


def test_service_connect_of_a_server_uses_copilot_defaults() -> None:
    config = service_connect_configuration(
        api_spec(network={"connect": {"enabled": True}}), context()
    )
    assert config == {
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


def test_the_port_name_in_service_connect_is_the_task_definitions() -> None:
    the_spec = api_spec(network={"connect": {"enabled": True}})
    config = service_connect_configuration(the_spec, context())
    assert config is not None
    [mapping] = container(task_definition_request(the_spec, context()))["portMappings"]
    assert config["services"][0]["portName"] == mapping["name"]


def test_an_alias_alone_turns_service_connect_on_and_names_the_client_alias() -> None:
    the_spec = spec(port=80, network={"connect": {"alias": "frontend.local"}})
    config = service_connect_configuration(the_spec, context(svc="front-end"))
    assert config is not None
    assert config["services"][0]["clientAliases"] == [{"port": 80, "dnsName": "frontend.local"}]
    assert config["services"][0]["discoveryName"] == "front-end-sc"


def test_the_upgrade_alias_becomes_the_old_service_discovery_name() -> None:
    alias = "${COPILOT_SERVICE_NAME}.${COPILOT_ENVIRONMENT_NAME}.${COPILOT_APPLICATION_NAME}.local"
    config = service_connect_configuration(
        api_spec(network={"connect": {"alias": alias}}), context()
    )
    assert config is not None
    assert config["services"][0]["clientAliases"] == [
        {"port": 8080, "dnsName": "api.test.kudos.local"}
    ]


def test_client_port_discovery_name_namespace_and_ingress_override() -> None:
    config = service_connect_configuration(
        api_spec(
            network={
                "connect": {
                    "clientPort": 80,
                    "discoveryName": "api-v2",
                    "namespace": "shared.local",
                    "ingressPortOverride": 15000,
                }
            }
        ),
        context(),
    )
    assert config == {
        "enabled": True,
        "namespace": "shared.local",
        "services": [
            {
                "portName": "api-8080",
                "discoveryName": "api-v2",
                "clientAliases": [{"port": 80, "dnsName": "api"}],
                "ingressPortOverride": 15000,
            }
        ],
    }


def test_only_the_timeouts_that_are_set_are_sent() -> None:
    def timeout(timeouts: dict[str, int]) -> Any:
        config = service_connect_configuration(
            api_spec(network={"connect": {"timeouts": timeouts}}), context()
        )
        assert config is not None
        return config["services"][0].get("timeout")

    assert timeout({"idleSeconds": 600, "perRequestSeconds": 30}) == {
        "idleTimeoutSeconds": 600,
        "perRequestTimeoutSeconds": 30,
    }
    assert timeout({"idleSeconds": 0}) == {"idleTimeoutSeconds": 0}  # 0 turns it off: kept
    assert timeout({}) is None


def test_tls_with_and_without_the_optional_parts() -> None:
    kms = "alias/service-connect"
    role = "arn:aws:iam::123456789012:role/ecs-infrastructure"

    def tls(settings: dict[str, str]) -> Any:
        config = service_connect_configuration(
            api_spec(network={"connect": {"tls": settings}}), context()
        )
        assert config is not None
        return config["services"][0]["tls"]

    assert tls({"privateCaArn": PCA_ARN}) == {
        "issuerCertificateAuthority": {"awsPcaAuthorityArn": PCA_ARN}
    }
    assert tls({"privateCaArn": PCA_ARN, "kmsKey": kms, "roleArn": role}) == {
        "issuerCertificateAuthority": {"awsPcaAuthorityArn": PCA_ARN},
        "kmsKey": kms,
        "roleArn": role,
    }


def test_a_client_only_service_joins_the_namespace_with_no_service_entry() -> None:
    config = service_connect_configuration(spec(network={"connect": {"enabled": True}}), context())
    assert config == {"enabled": True, "namespace": NAMESPACE_ARN}
    assert client_alias(spec(network={"connect": {"enabled": True}}), context()) is None


@pytest.mark.parametrize(
    "network", [{}, {"connect": {"enabled": False}}, {"connect": {"enabled": False, "logs": {}}}]
)
def test_service_connect_is_off_unless_the_connect_block_turns_it_on(
    network: dict[str, Any],
) -> None:
    the_spec = api_spec(network=network)
    assert the_spec.network.connect is None or not the_spec.network.connect.is_enabled
    assert service_connect_configuration(the_spec, context()) is None
    assert client_alias(the_spec, context()) is None


def test_proxy_logs_default_to_the_service_log_group() -> None:
    config = service_connect_configuration(api_spec(network={"connect": {"logs": {}}}), context())
    assert config is not None
    assert config["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "/copilot/kudos-test-api",
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "service-connect",
        },
    }
    assert "accessLogConfiguration" not in config


def test_proxy_logs_follow_the_service_log_group_override() -> None:
    config = service_connect_configuration(
        api_spec(logging={"group": "/custom/api"}, network={"connect": {"logs": {}}}), context()
    )
    assert config is not None
    assert config["logConfiguration"]["options"]["awslogs-group"] == "/custom/api"


def test_proxy_logs_with_their_own_group_and_access_logs() -> None:
    config = service_connect_configuration(
        spec(
            network={
                "connect": {
                    "logs": {
                        "group": "/sc/worker",
                        "streamPrefix": "proxy",
                        "accessLogs": {"format": "JSON", "includeQueryParameters": True},
                    }
                }
            }
        ),
        context(),
    )
    assert config == {
        "enabled": True,
        "namespace": NAMESPACE_ARN,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": "/sc/worker",
                "awslogs-region": "us-east-1",
                "awslogs-stream-prefix": "proxy",
            },
        },
        "accessLogConfiguration": {"format": "JSON", "includeQueryParameters": "ENABLED"},
    }


def test_access_logs_leave_query_parameters_out_by_default() -> None:
    config = service_connect_configuration(
        api_spec(network={"connect": {"logs": {"accessLogs": {}}}}), context()
    )
    assert config is not None
    assert config["accessLogConfiguration"] == {
        "format": "TEXT",
        "includeQueryParameters": "DISABLED",
    }


# -- Service Discovery ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "namespace_type", "enabled"),
    [
        ({"port": 8080}, "DNS_PRIVATE", True),  # Copilot: a port is registered
        ({}, "DNS_PRIVATE", False),  # nothing to register without a port
        ({"port": 8080, "network": {"serviceDiscovery": {"enabled": True}}}, "DNS_PRIVATE", True),
        ({"port": 8080, "network": {"serviceDiscovery": {"enabled": False}}}, "DNS_PRIVATE", False),
        ({"port": 8080}, "HTTP", False),  # an HTTP namespace has no DNS
        ({"port": 8080, "network": {"serviceDiscovery": {"enabled": True}}}, "HTTP", False),
    ],
)
def test_when_service_discovery_is_on(
    fields: dict[str, Any], namespace_type: str, enabled: bool
) -> None:
    the_spec, ctx = spec(**fields), context(namespace_type=namespace_type)
    assert service_discovery_enabled(the_spec, ctx) is enabled
    request = service_discovery_service_request(the_spec, ctx, "req-1")
    assert (request is not None) is enabled


def test_cloud_map_service_has_copilots_records() -> None:
    request = service_discovery_service_request(api_spec(), context(), "creator-1")
    assert request == {
        "Name": "api",
        "NamespaceId": "ns-kudos",
        "CreatorRequestId": "creator-1",
        "Description": "Service Discovery of api.test.kudos.local",
        "DnsConfig": {
            "RoutingPolicy": "MULTIVALUE",
            "DnsRecords": [{"Type": "A", "TTL": 10}, {"Type": "SRV", "TTL": 10}],
        },
        "HealthCheckCustomConfig": {"FailureThreshold": 1},
        "Tags": [
            {"Key": "kopilot.dev/owner-uid", "Value": "uid-1"},
            {"Key": "team", "Value": "kudos"},
        ],
    }


# -- ECS service ---------------------------------------------------------------------------


def test_create_service_request_of_the_kudos_api() -> None:
    request = create_service_request(
        api_spec(network={"connect": {"enabled": True}}),
        context(),
        TD_ARN,
        REGISTRY_ARN,
        "token-1",
    )
    assert request == {
        "cluster": "kudos-test",
        "serviceName": "api",
        "launchType": "FARGATE",
        "taskDefinition": TD_ARN,
        "desiredCount": 2,
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": ["subnet-a", "subnet-b"],
                "securityGroups": ["sg-1", "sg-2"],
                "assignPublicIp": "DISABLED",
            }
        },
        "deploymentConfiguration": {
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "minimumHealthyPercent": 100,
            "maximumPercent": 200,
        },
        "enableECSManagedTags": True,
        "propagateTags": "SERVICE",
        "serviceRegistries": [{"registryArn": REGISTRY_ARN, "port": 8080}],
        "serviceConnectConfiguration": {
            "enabled": True,
            "namespace": NAMESPACE_ARN,
            "services": [
                {
                    "portName": "api-8080",
                    "discoveryName": "api-sc",
                    "clientAliases": [{"port": 8080, "dnsName": "api"}],
                }
            ],
        },
        "tags": [
            {"key": "kopilot.dev/owner-uid", "value": "uid-1"},
            {"key": "team", "value": "kudos"},
        ],
        "clientToken": "token-1",
    }


def test_create_service_request_leaves_out_what_is_off() -> None:
    request = create_service_request(
        spec(count=0, deployment={"rollback": False, "minHealthyPercent": 50, "maxPercent": 150}),
        context(assign_public_ip=True, tags={}),
        TD_ARN,
        None,
        "token-1",
    )
    assert not {"serviceRegistries", "serviceConnectConfiguration", "tags"} & set(request)
    assert request["desiredCount"] == 0
    assert request["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "ENABLED"
    assert request["deploymentConfiguration"] == {
        "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        "minimumHealthyPercent": 50,
        "maximumPercent": 150,
    }


@pytest.mark.parametrize("token", ["", "x" * 37, "tökén"])
def test_create_service_refuses_a_client_token_ecs_would_refuse(token: str) -> None:
    with pytest.raises(ValueError, match="clientToken"):
        create_service_request(spec(), context(), TD_ARN, None, token)


def test_desired_service_says_off_explicitly_so_turning_off_is_a_change() -> None:
    desired = desired_service(spec(port=8080), context(namespace_type="HTTP"), TD_ARN, None)
    assert desired["serviceConnectConfiguration"] == {"enabled": False}
    assert desired["serviceRegistries"] == []


def test_desired_service_ignores_a_registry_when_service_discovery_is_off() -> None:
    desired = desired_service(spec(), context(), TD_ARN, REGISTRY_ARN)
    assert desired["serviceRegistries"] == []


def test_desired_service_needs_the_registry_when_service_discovery_is_on() -> None:
    with pytest.raises(ValueError, match="Cloud Map service"):
        desired_service(api_spec(), context(), TD_ARN, None)


def test_create_request_is_the_desired_service_plus_creation_only_fields() -> None:
    the_spec = api_spec(network={"connect": {"enabled": True}})
    desired = desired_service(the_spec, context(), TD_ARN, REGISTRY_ARN)
    request = create_service_request(the_spec, context(), TD_ARN, REGISTRY_ARN, "t")
    assert desired.pop("loadBalancers") == []  # none needs no saying at creation
    assert {key: request[key] for key in desired} == desired
    assert set(request) - set(desired) == {
        "cluster",
        "serviceName",
        "launchType",
        "enableECSManagedTags",  # kopilot's services only: an adopted one keeps its own
        "tags",
        "clientToken",
    }


# -- endpoints -----------------------------------------------------------------------------


def test_endpoints_of_the_kudos_api() -> None:
    assert endpoints(api_spec(network={"connect": {"enabled": True}}), context()) == {
        "serviceConnect": ["http://api:8080"],
        "serviceDiscovery": "api.test.kudos.local:8080",
        "http": None,
    }


def test_endpoint_writes_port_80_and_uses_the_alias() -> None:
    the_spec = spec(port=80, network={"connect": {"alias": "frontend.local"}})
    assert endpoints(the_spec, context(svc="front-end")) == {
        "serviceConnect": ["http://frontend.local:80"],
        "serviceDiscovery": "front-end.test.kudos.local:80",
        "http": None,
    }


def test_endpoint_uses_the_client_port() -> None:
    the_spec = api_spec(network={"connect": {"clientPort": 80}})
    assert endpoints(the_spec, context())["serviceConnect"] == ["http://api:80"]


@pytest.mark.parametrize(
    ("protocol", "url"),
    [
        ("http", "http://api:8080"),
        ("http2", "http://api:8080"),
        ("grpc", "http://api:8080"),
        ("tcp", "tcp://api:8080"),
    ],
)
def test_endpoint_scheme_is_http_except_for_tcp(protocol: str, url: str) -> None:
    the_spec = api_spec(protocol=protocol, network={"connect": {}})
    assert endpoints(the_spec, context())["serviceConnect"] == [url]


def test_a_client_only_service_has_no_endpoints() -> None:
    assert endpoints(spec(network={"connect": {"enabled": True}}), context()) == {
        "serviceConnect": [],
        "serviceDiscovery": None,
        "http": None,
    }


def test_legacy_namespace_keeps_the_old_service_discovery_endpoint() -> None:
    ctx = context(names=Names("shop", "prod", "api"), namespace_name="shop.local")
    assert endpoints(spec(app="shop", environment="prod", port=8080), ctx) == {
        "serviceConnect": [],
        "serviceDiscovery": "api.shop.local:8080",
        "http": None,
    }


def test_no_service_discovery_endpoint_in_an_http_namespace() -> None:
    result = endpoints(api_spec(network={"connect": {}}), context(namespace_type="HTTP"))
    assert result == {"serviceConnect": ["http://api:8080"], "serviceDiscovery": None, "http": None}


# -- several ports -------------------------------------------------------------------------

THREE_PORTS = [
    {"name": "http", "port": 8080, "alias": "api.local"},
    {"name": "grpc", "port": 9090, "protocol": "grpc", "alias": "api-grpc.local"},
    {"name": "metrics", "port": 9100, "protocol": "tcp", "clientPort": 80},
]


def three_ports(**fields: Any) -> EcsServiceSpec:
    return spec(ports=THREE_PORTS, network={"connect": {}}, **fields)


def test_three_ports_are_three_named_mappings_and_three_service_connect_entries() -> None:
    the_spec = three_ports()
    mappings = container(task_definition_request(the_spec, context()))["portMappings"]
    assert mappings == [
        {"containerPort": 8080, "protocol": "tcp", "name": "http", "appProtocol": "http"},
        {"containerPort": 9090, "protocol": "tcp", "name": "grpc", "appProtocol": "grpc"},
        {"containerPort": 9100, "protocol": "tcp", "name": "metrics"},
    ]
    config = service_connect_configuration(the_spec, context())
    assert config == {
        "enabled": True,
        "namespace": NAMESPACE_ARN,
        "services": [
            {
                "portName": "http",
                "discoveryName": "api-sc",  # the first port keeps the one-port name
                "clientAliases": [{"port": 8080, "dnsName": "api.local"}],
            },
            {
                "portName": "grpc",
                "discoveryName": "api-grpc-sc",
                "clientAliases": [{"port": 9090, "dnsName": "api-grpc.local"}],
            },
            {
                "portName": "metrics",
                "discoveryName": "api-metrics-sc",
                "clientAliases": [{"port": 80, "dnsName": "api"}],
            },
        ],
    }
    # Each entry's portName names a mapping (Amazon ECS API Reference, ServiceConnectService).
    assert {e["portName"] for e in config["services"]} == {m["name"] for m in mappings}


def test_three_ports_list_every_endpoint_and_register_the_first_for_srv() -> None:
    the_spec = three_ports()
    assert endpoints(the_spec, context()) == {
        "serviceConnect": [
            "http://api.local:8080",
            "http://api-grpc.local:9090",
            "tcp://api:80",
        ],
        "serviceDiscovery": "api.test.kudos.local:8080",
        "http": None,
    }
    wanted = desired_service(the_spec, context(), TD_ARN, REGISTRY_ARN)
    assert wanted["serviceRegistries"] == [{"registryArn": REGISTRY_ARN, "port": 8080}]


def test_a_port_marked_for_service_discovery_is_the_srv_port() -> None:
    ports = [dict(p) for p in THREE_PORTS]
    ports[1]["serviceDiscovery"] = True
    the_spec = spec(ports=ports)
    wanted = desired_service(the_spec, context(), TD_ARN, REGISTRY_ARN)
    assert wanted["serviceRegistries"] == [{"registryArn": REGISTRY_ARN, "port": 9090}]
    assert endpoints(the_spec, context())["serviceDiscovery"] == "api.test.kudos.local:9090"
    assert service_discovery_enabled(the_spec, context())


def test_per_port_service_connect_settings() -> None:
    ports = [
        {"name": "http", "port": 8080},
        {
            "name": "admin",
            "port": 8081,
            "discoveryName": "api-admin",
            "ingressPortOverride": 15001,
            "timeouts": {"idleSeconds": 60, "perRequestSeconds": 5},
            "tls": {"privateCaArn": PCA_ARN},
        },
    ]
    config = service_connect_configuration(spec(ports=ports, network={"connect": {}}), context())
    assert config is not None
    assert config["services"][1] == {
        "portName": "admin",
        "discoveryName": "api-admin",
        "clientAliases": [{"port": 8081, "dnsName": "api"}],
        "ingressPortOverride": 15001,
        "timeout": {"idleTimeoutSeconds": 60, "perRequestTimeoutSeconds": 5},
        "tls": {"issuerCertificateAuthority": {"awsPcaAuthorityArn": PCA_ARN}},
    }
    assert "timeout" not in config["services"][0]


def test_one_port_in_ports_renders_as_the_port_shorthand() -> None:
    short = api_spec(network={"connect": {"alias": "api.local"}})
    listed = spec(
        ports=[{"name": "api-8080", "port": 8080, "alias": "api.local"}],
        count=2,
        variables={"LOG_LEVEL": "info"},
        network={"connect": {}},
    )
    assert task_definition_request(listed, context()) == task_definition_request(short, context())
    assert desired_service(listed, context(), TD_ARN, REGISTRY_ARN) == desired_service(
        short, context(), TD_ARN, REGISTRY_ARN
    )
    assert endpoints(listed, context()) == endpoints(short, context())


def test_the_routed_port_defaults_to_the_first_port() -> None:
    routed = three_ports(http={"path": "api"})
    group = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/kudos-test-api/1"
    wanted = desired_service(routed, context(target_group_arn=group), TD_ARN, REGISTRY_ARN)
    assert wanted["loadBalancers"] == [
        {"targetGroupArn": group, "containerName": "api", "containerPort": 8080}
    ]
    # Routed to a port of the list: mapped once; to another: mapped beside them.
    mapped = container(task_definition_request(routed, context()))["portMappings"]
    assert [m["containerPort"] for m in mapped] == [8080, 9090, 9100]
    elsewhere = three_ports(http={"path": "api", "targetPort": 7000})
    mapped = container(task_definition_request(elsewhere, context()))["portMappings"]
    assert mapped[-1] == {"containerPort": 7000, "protocol": "tcp", "name": "api-7000"}


def test_a_long_default_discovery_name_fits_ecs() -> None:
    ports = [{"name": "a", "port": 1}, {"name": "p" * 64, "port": 2}]
    the_spec = spec(ports=ports, network={"connect": {}})
    config = service_connect_configuration(the_spec, context(svc="s" * 60))
    assert config is not None
    name = config["services"][1]["discoveryName"]
    assert len(name) <= 64
    assert name.endswith("-sc")


# -- sidecars ------------------------------------------------------------------------------


def test_sidecars_beside_the_main_container_with_dependencies() -> None:
    the_spec = spec(
        port=8080,
        dependsOn={"envoy": "HEALTHY"},
        sidecars=[
            {
                "name": "envoy",
                "image": "envoyproxy/envoy:v1.31",
                "port": 9901,
                "variables": {"ENVOY_LOG_LEVEL": "info"},
                "secrets": {"TOKEN": SECRET_API},
                "healthCheck": {"command": ["CMD", "true"]},
                "readonlyRootFilesystem": True,
            },
            {
                "name": "migrate",
                "image": "flyway/flyway:10",
                "essential": False,
                "command": ["migrate"],
                "dependsOn": {"envoy": "START"},
            },
            {
                "name": "exporter",
                "image": "nginx/nginx-prometheus-exporter:1.3",
                "dependsOn": {"migrate": "SUCCESS", "api": "START"},
            },
        ],
    )
    request = task_definition_request(the_spec, context())
    main, envoy, migrate, exporter = request["containerDefinitions"]
    assert main["name"] == "api"
    assert main["dependsOn"] == [{"containerName": "envoy", "condition": "HEALTHY"}]
    copilot = {
        "COPILOT_APPLICATION_NAME": "kudos",
        "COPILOT_ENVIRONMENT_NAME": "test",
        "COPILOT_SERVICE_NAME": "api",
        "COPILOT_SERVICE_DISCOVERY_ENDPOINT": "test.kudos.local",
    }
    logs = container(task_definition_request(spec(), context()))["logConfiguration"]
    assert envoy == {
        "name": "envoy",
        "image": "envoyproxy/envoy:v1.31",
        "essential": True,
        "environment": [
            {"name": name, "value": value}
            for name, value in sorted({**copilot, "ENVOY_LOG_LEVEL": "info"}.items())
        ],
        "logConfiguration": logs,  # the service's log group and prefix, as Copilot
        "portMappings": [{"containerPort": 9901, "protocol": "tcp"}],
        "secrets": [{"name": "TOKEN", "valueFrom": SECRET_API}],
        "healthCheck": {
            "command": ["CMD", "true"],
            "interval": 10,
            "timeout": 5,
            "retries": 2,
            "startPeriod": 0,
        },
        "readonlyRootFilesystem": True,
    }
    assert migrate["essential"] is False
    assert migrate["command"] == ["migrate"]
    assert migrate["dependsOn"] == [{"containerName": "envoy", "condition": "START"}]
    assert "portMappings" not in migrate
    # Dependencies render in name order, the main container named by the service.
    assert exporter["dependsOn"] == [
        {"containerName": "api", "condition": "START"},
        {"containerName": "migrate", "condition": "SUCCESS"},
    ]
    assert {e["name"]: e["value"] for e in exporter["environment"]} == copilot


def test_no_sidecars_no_other_container() -> None:
    request = task_definition_request(api_spec(), context())
    assert [c["name"] for c in request["containerDefinitions"]] == ["api"]
    assert "dependsOn" not in request["containerDefinitions"][0]


# -- ECS Exec ------------------------------------------------------------------------------


def test_exec_is_said_only_when_on_at_creation_and_in_the_desired_service() -> None:
    on = api_spec(exec=True, network={"connect": {}})
    assert desired_service(on, context(), TD_ARN, REGISTRY_ARN)["enableExecuteCommand"] is True
    assert create_service_request(on, context(), TD_ARN, REGISTRY_ARN, "t")["enableExecuteCommand"]
    off = api_spec(network={"connect": {}})
    assert "enableExecuteCommand" not in desired_service(off, context(), TD_ARN, REGISTRY_ARN)
    assert "enableExecuteCommand" not in create_service_request(
        off, context(), TD_ARN, REGISTRY_ARN, "t"
    )


def test_container_names_the_schema_cannot_see_are_checked_against_the_object_name() -> None:
    """Without spec.name the service's container is named after the object: a sidecar of
    that name, or a dependency on a container that is not there, is an InvalidSpec before
    AWS refuses the task definition."""
    clash = spec(sidecars=[{"name": "api", "image": "envoy:1"}])
    assert "sidecars[0].name 'api' is the service's own container name" in str(
        container_name_problem(clash, "api")
    )
    dangling = spec(sidecars=[{"name": "proxy", "image": "envoy:1", "dependsOn": {"web": "START"}}])
    assert "sidecars[0].dependsOn names 'web'" in str(container_name_problem(dangling, "api"))
    fine = spec(sidecars=[{"name": "proxy", "image": "envoy:1", "dependsOn": {"api": "START"}}])
    assert container_name_problem(fine, "api") is None
