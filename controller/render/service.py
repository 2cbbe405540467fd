"""The AWS requests an EcsService wants, with Copilot's semantics (pure).

Every function here turns an `EcsServiceSpec` and the `ServiceContext` its environment
gives into boto3 keyword arguments or comparable shapes. Lists are sorted wherever AWS does
not care about order, so the same spec always renders the same request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..api.service import Connect, EcsServiceSpec
from ..naming import Names, to_aws_tags
from .service_http import LoadBalancerRef, public_url, target_port

LAUNCH_TYPE = "FARGATE"
NETWORK_MODE = "awsvpc"
# Amazon ECS API Reference, PortMapping.name: at most 64 characters.
PORT_NAME_MAX = 64
# Amazon ECS API Reference, CreateService.clientToken: at most 36 ASCII characters.
CLIENT_TOKEN_MAX = 36
# Copilot's Service Discovery records: A and SRV, TTL 10, MULTIVALUE routing.
SERVICE_DISCOVERY_TTL = 10

_CPU_ARCHITECTURE = {"linux/x86_64": "X86_64", "linux/arm64": "ARM64"}
# PortMapping.appProtocol takes only these; a tcp port carries none.
_APP_PROTOCOLS = frozenset({"http", "http2", "grpc"})


@dataclass(frozen=True)
class ServiceContext:
    """What the environment and the app give a service."""

    names: Names  # app, env and svc as AWS names them
    region: str
    cluster: str  # cluster name or ARN
    namespace_name: str  # the env's Cloud Map namespace, e.g. test.kudos.local
    namespace_arn: str
    namespace_id: str  # ns-...; Cloud Map's CreateService wants the id
    namespace_type: str  # DNS_PRIVATE or HTTP
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    assign_public_ip: bool
    execution_role_arn: str | None  # the env's default; the spec may override it
    tags: Mapping[str, str] = field(default_factory=dict)  # complete, ownership tags included
    # network.connect.namespace resolved to its ARN and name (None: the env's namespace).
    connect_namespace_arn: str | None = None
    connect_namespace_name: str | None = None
    # spec.ecsServiceName: an adopted service's own name (None: {svc}).
    ecs_service_name: str | None = None
    # spec.http: the environment's load balancer it is routed from, and its target group.
    load_balancer: LoadBalancerRef | None = None
    target_group_arn: str | None = None
    vpc_id: str = ""

    @property
    def service_name(self) -> str:
        """The ECS service's name."""
        return self.ecs_service_name or self.names.svc

    @property
    def service_connect_namespace(self) -> tuple[str, str]:
        """(ARN, name) of the namespace the service's Service Connect endpoint joins."""
        if self.connect_namespace_arn:
            return self.connect_namespace_arn, self.connect_namespace_name or ""
        return self.namespace_arn, self.namespace_name


# -- decisions shared by the requests ------------------------------------------------------


def service_discovery_enabled(spec: EcsServiceSpec, ctx: ServiceContext) -> bool:
    """Service Discovery registers a port in the env's DNS namespace: on for a service with
    a port unless turned off, and never in an HTTP namespace (it has no DNS to answer)."""
    if spec.port is None or ctx.namespace_type != "DNS_PRIVATE":
        return False
    enabled = spec.network.service_discovery.enabled
    return True if enabled is None else enabled


def port_name(svc: str, port: int) -> str:
    """The task definition's name for the service's port, which Service Connect refers to.

    `{svc}-{port}` reads well in Service Connect metrics and changes with the port, so the
    port mapping and the Service Connect entry always move together. A service name is a DNS
    label (lower-case letters, digits, hyphens, starting with a letter), so the result is a
    valid ECS port name once trimmed to 64 characters.
    """
    suffix = f"-{port}"
    return svc[: PORT_NAME_MAX - len(suffix)].rstrip("-") + suffix


def service_port_name(spec: EcsServiceSpec, svc: str, port: int) -> str:
    return spec.port_name or port_name(svc, port)


def log_group(spec: EcsServiceSpec, ctx: ServiceContext) -> str:
    return spec.logging.group or ctx.names.log_group


def _awslogs(group: str, region: str, stream_prefix: str) -> dict[str, Any]:
    return {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": group,
            "awslogs-region": region,
            "awslogs-stream-prefix": stream_prefix,
        },
    }


def _name_values(values: Mapping[str, str], value_key: str) -> list[dict[str, str]]:
    return [{"name": name, value_key: values[name]} for name in sorted(values)]


# -- task definition -----------------------------------------------------------------------


def _port_mapping(spec: EcsServiceSpec, port: int, svc: str) -> dict[str, Any]:
    mapping: dict[str, Any] = {
        "containerPort": port,
        "protocol": "tcp",
        "name": service_port_name(spec, svc, port),
    }
    if spec.protocol in _APP_PROTOCOLS:
        mapping["appProtocol"] = spec.protocol
    return mapping


def _container(spec: EcsServiceSpec, ctx: ServiceContext) -> dict[str, Any]:
    svc = ctx.names.svc
    variables = {**spec.variables, **ctx.names.variables(ctx.namespace_name)}
    container: dict[str, Any] = {
        "name": svc,
        "image": spec.image,
        "essential": True,
        "environment": _name_values(variables, "value"),
        "logConfiguration": _awslogs(log_group(spec, ctx), ctx.region, spec.logging.stream_prefix),
    }
    mappings = [_port_mapping(spec, spec.port, svc)] if spec.port is not None else []
    routed = target_port(spec) if spec.http is not None else None
    if routed is not None and routed != spec.port:
        # The load balancer's port must be one the container maps (ECS refuses a
        # loadBalancers containerPort that is not), as Copilot exposes http.target_port.
        mappings.append(
            {"containerPort": routed, "protocol": "tcp", "name": port_name(svc, routed)}
        )
    if mappings:
        container["portMappings"] = mappings
    if spec.secrets:
        container["secrets"] = _name_values(spec.secrets, "valueFrom")
    if spec.command is not None:
        container["command"] = list(spec.command)
    if spec.entry_point is not None:
        container["entryPoint"] = list(spec.entry_point)
    if spec.health_check is not None:
        check = spec.health_check
        container["healthCheck"] = {
            "command": list(check.command),
            "interval": check.interval,
            "timeout": check.timeout,
            "retries": check.retries,
            "startPeriod": check.start_period,
        }
    return container


def task_definition_request(spec: EcsServiceSpec, ctx: ServiceContext) -> dict[str, Any]:
    """Keyword arguments for ecs.register_task_definition."""
    request: dict[str, Any] = {
        "family": ctx.names.family,
        "requiresCompatibilities": [LAUNCH_TYPE],
        "networkMode": NETWORK_MODE,
        "cpu": str(spec.cpu),
        "memory": str(spec.memory),
        "runtimePlatform": {
            "cpuArchitecture": _CPU_ARCHITECTURE[spec.platform],
            "operatingSystemFamily": "LINUX",
        },
        "containerDefinitions": [_container(spec, ctx)],
    }
    execution_role = spec.execution_role_arn or ctx.execution_role_arn
    if execution_role:
        request["executionRoleArn"] = execution_role
    if spec.task_role_arn:
        request["taskRoleArn"] = spec.task_role_arn
    if ctx.tags:
        request["tags"] = to_aws_tags(dict(ctx.tags))
    return request


# -- Service Connect -----------------------------------------------------------------------


def client_alias(spec: EcsServiceSpec, ctx: ServiceContext) -> dict[str, Any] | None:
    """The one client alias of a server: {port, dnsName}; None for a client-only service
    or when Service Connect is off."""
    connect = spec.network.connect
    if connect is None or not connect.is_enabled or spec.port is None:
        return None
    dns_name = ctx.names.interpolate(connect.alias) if connect.alias else ctx.names.svc
    return {"port": connect.client_port or spec.port, "dnsName": dns_name}


def _connect_service(
    spec: EcsServiceSpec, connect: Connect, port: int, alias: dict[str, Any], ctx: ServiceContext
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "portName": service_port_name(spec, ctx.names.svc, port),
        "discoveryName": connect.discovery_name or ctx.names.discovery_name,
        "clientAliases": [alias],
    }
    if connect.ingress_port_override is not None:
        entry["ingressPortOverride"] = connect.ingress_port_override
    if connect.timeouts is not None:
        timeout = {
            key: value
            for key, value in (
                ("idleTimeoutSeconds", connect.timeouts.idle_seconds),
                ("perRequestTimeoutSeconds", connect.timeouts.per_request_seconds),
            )
            if value is not None
        }
        if timeout:
            entry["timeout"] = timeout
    if connect.tls is not None:
        tls: dict[str, Any] = {
            "issuerCertificateAuthority": {"awsPcaAuthorityArn": connect.tls.private_ca_arn}
        }
        if connect.tls.kms_key:
            tls["kmsKey"] = connect.tls.kms_key
        if connect.tls.role_arn:
            tls["roleArn"] = connect.tls.role_arn
        entry["tls"] = tls
    return entry


def service_connect_configuration(
    spec: EcsServiceSpec, ctx: ServiceContext
) -> dict[str, Any] | None:
    """ECS serviceConnectConfiguration; None when Service Connect is off. A server (with a
    port) publishes one endpoint; a client-only service has no `services` entry at all."""
    connect = spec.network.connect
    if connect is None or not connect.is_enabled:
        return None
    config: dict[str, Any] = {
        "enabled": True,
        "namespace": ctx.connect_namespace_arn or connect.namespace or ctx.namespace_arn,
    }
    alias = client_alias(spec, ctx)
    if spec.port is not None and alias is not None:
        config["services"] = [_connect_service(spec, connect, spec.port, alias, ctx)]
    if connect.logs is not None:
        logs = connect.logs
        config["logConfiguration"] = _awslogs(
            logs.group or log_group(spec, ctx), ctx.region, logs.stream_prefix
        )
        if logs.access_logs is not None:
            config["accessLogConfiguration"] = {
                "format": logs.access_logs.format,
                "includeQueryParameters": "ENABLED"
                if logs.access_logs.include_query_parameters
                else "DISABLED",
            }
    return config


# -- Service Discovery ---------------------------------------------------------------------


def service_discovery_service_request(
    spec: EcsServiceSpec, ctx: ServiceContext, creator_request_id: str
) -> dict[str, Any] | None:
    """Keyword arguments for servicediscovery.create_service (the Cloud Map service {svc});
    None when Service Discovery is off."""
    if not service_discovery_enabled(spec, ctx):
        return None
    svc = ctx.names.svc
    return {
        "Name": svc,
        "NamespaceId": ctx.namespace_id,
        "CreatorRequestId": creator_request_id,
        "Description": f"Service Discovery of {svc}.{ctx.namespace_name}",
        "DnsConfig": {
            "RoutingPolicy": "MULTIVALUE",
            "DnsRecords": [
                {"Type": "A", "TTL": SERVICE_DISCOVERY_TTL},
                {"Type": "SRV", "TTL": SERVICE_DISCOVERY_TTL},
            ],
        },
        # ECS reports task health to Cloud Map itself: a custom health check.
        "HealthCheckCustomConfig": {"FailureThreshold": 1},
        "Tags": to_aws_tags(dict(ctx.tags), "Key", "Value"),
    }


# -- ECS service ---------------------------------------------------------------------------


def network_configuration(ctx: ServiceContext) -> dict[str, Any]:
    return {
        "awsvpcConfiguration": {
            "subnets": sorted(ctx.subnets),
            "securityGroups": sorted(ctx.security_groups),
            "assignPublicIp": "ENABLED" if ctx.assign_public_ip else "DISABLED",
        }
    }


def deployment_configuration(spec: EcsServiceSpec) -> dict[str, Any]:
    rollback = spec.deployment.rollback
    return {
        "deploymentCircuitBreaker": {"enable": rollback, "rollback": rollback},
        "minimumHealthyPercent": spec.deployment.min_healthy_percent,
        "maximumPercent": spec.deployment.max_percent,
    }


def desired_service(
    spec: EcsServiceSpec,
    ctx: ServiceContext,
    task_definition_arn: str,
    registry_arn: str | None,
) -> dict[str, Any]:
    """The ECS service as the spec wants it, in the shape `observe.service.observed_service`
    gives, holding only what UpdateService can change (the launch type and the name are
    fixed at creation; tags go through TagResource). Every value is ready to send.

    Service Connect off is `{"enabled": False}` and Service Discovery off is an empty
    `serviceRegistries`, so turning either off shows as a difference and an update sends it.
    `registry_arn` is the Cloud Map service {svc}; it is needed when Service Discovery is on.
    The registry names the port its SRV record announces.
    """
    registries: list[dict[str, Any]] = []
    if service_discovery_enabled(spec, ctx) and spec.port is not None:
        if not registry_arn:
            raise ValueError("Service Discovery is on: the Cloud Map service ARN is needed")
        # Amazon ECS API Reference, ServiceRegistry: with awsvpc and an SRV record (Copilot's
        # A+SRV), ECS needs the port, or containerName and containerPort; Copilot sends the port.
        registries = [{"registryArn": registry_arn, "port": spec.port}]
    return {
        "taskDefinition": task_definition_arn,
        "desiredCount": spec.count,
        "networkConfiguration": network_configuration(ctx),
        "deploymentConfiguration": deployment_configuration(spec),
        "propagateTags": "SERVICE",
        "serviceRegistries": registries,
        "serviceConnectConfiguration": service_connect_configuration(spec, ctx)
        or {"enabled": False},
        "loadBalancers": load_balancers(spec, ctx),
        **(
            {"healthCheckGracePeriodSeconds": spec.http.health_check.grace_period}
            if spec.http is not None
            else {}
        ),
    }


def load_balancers(spec: EcsServiceSpec, ctx: ServiceContext) -> list[dict[str, Any]]:
    """The ECS service's loadBalancers: its target group, on its container's target port."""
    if spec.http is None or not ctx.target_group_arn:
        return []
    return [
        {
            "targetGroupArn": ctx.target_group_arn,
            "containerName": ctx.names.svc,
            "containerPort": target_port(spec),
        }
    ]


def create_service_request(
    spec: EcsServiceSpec,
    ctx: ServiceContext,
    task_definition_arn: str,
    registry_arn: str | None,
    client_token: str,
) -> dict[str, Any]:
    """Keyword arguments for ecs.create_service. Built from `desired_service`, so a service
    created from it observes with no difference."""
    if not client_token or len(client_token) > CLIENT_TOKEN_MAX or not client_token.isascii():
        raise ValueError(f"clientToken must be 1-{CLIENT_TOKEN_MAX} ASCII characters")
    desired = desired_service(spec, ctx, task_definition_arn, registry_arn)
    request: dict[str, Any] = {
        "cluster": ctx.cluster,
        "serviceName": ctx.service_name,
        "launchType": LAUNCH_TYPE,
        **desired,
        # ECS's own task tags (cluster, service) on the services kopilot creates; an adopted
        # service keeps its setting (changing it changes nothing until tasks are replaced).
        "enableECSManagedTags": True,
        "clientToken": client_token,
    }
    # Off needs no saying at creation.
    if not request["serviceRegistries"]:
        del request["serviceRegistries"]
    if not request["loadBalancers"]:
        del request["loadBalancers"]
    if not request["serviceConnectConfiguration"]["enabled"]:
        del request["serviceConnectConfiguration"]
    if ctx.tags:
        request["tags"] = to_aws_tags(dict(ctx.tags))
    return request


# -- status --------------------------------------------------------------------------------


def _connect_scheme(spec: EcsServiceSpec) -> str:
    # http2 and grpc ride on HTTP too, and clients dial them by host and port exactly as an
    # http endpoint; only a raw tcp port is not HTTP, and an http:// URL would mislead.
    return "tcp" if spec.protocol == "tcp" else "http"


def endpoints(spec: EcsServiceSpec, ctx: ServiceContext) -> dict[str, Any]:
    """EcsServiceStatus.endpoints (camelCase). The port is always written, even 80
    (http://front-end:80): the URL then says exactly what the client alias is.
    `serviceDiscovery` is None when off, so a status merge patch clears an old value."""
    alias = client_alias(spec, ctx)
    connect_urls = (
        [f"{_connect_scheme(spec)}://{alias['dnsName']}:{alias['port']}"] if alias else []
    )
    discovery = (
        f"{ctx.names.svc}.{ctx.namespace_name}:{spec.port}"
        if service_discovery_enabled(spec, ctx)
        else None
    )
    http = (
        public_url(ctx.load_balancer, spec.http)
        if spec.http is not None and ctx.load_balancer is not None
        else None
    )
    return {"serviceConnect": connect_urls, "serviceDiscovery": discovery, "http": http}
