"""The AWS requests an EcsService wants, with Copilot's semantics (pure).

Every function here turns an `EcsServiceSpec` and the `ServiceContext` its environment
gives into boto3 keyword arguments or comparable shapes. Lists are sorted wherever AWS does
not care about order, so the same spec always renders the same request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..api.service import Connect, EcsServiceSpec, HealthCheck, ServicePort, Sidecar
from ..naming import Names, to_aws_tags
from .service_http import LoadBalancerRef, public_url, target_port

LAUNCH_TYPE = "FARGATE"
NETWORK_MODE = "awsvpc"
# Amazon ECS API Reference, PortMapping.name: at most 64 characters.
PORT_NAME_MAX = 64
# Amazon ECS API Reference, ServiceConnectService.discoveryName: at most 64 characters.
DISCOVERY_NAME_MAX = 64
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
    if (spec.port is None and not spec.ports) or ctx.namespace_type != "DNS_PRIVATE":
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


def served_ports(spec: EcsServiceSpec, svc: str) -> list[ServicePort]:
    """The ports other services call, as spec.ports gives them: spec.port (the one-port
    shorthand) is the one port named {svc}-{port} (or portName), with network.connect's
    endpoint settings, so it renders exactly as it always has."""
    if spec.ports:
        return list(spec.ports)
    if spec.port is None:
        return []
    connect = spec.network.connect or Connect()
    return [
        ServicePort(
            name=service_port_name(spec, svc, spec.port),
            port=spec.port,
            protocol=spec.protocol,
            alias=connect.alias,
            client_port=connect.client_port,
            discovery_name=connect.discovery_name,
            ingress_port_override=connect.ingress_port_override,
            timeouts=connect.timeouts,
            tls=connect.tls,
        )
    ]


def port_protocol(spec: EcsServiceSpec, port: ServicePort) -> str:
    return port.protocol or spec.protocol


def discovery_names(spec: EcsServiceSpec, names: Names) -> list[str]:
    """The discovery names of a server's Service Connect endpoints, in the order of its
    ports; none when Service Connect is off or the service is a client only."""
    connect = spec.network.connect
    if connect is None or not connect.is_enabled:
        return []
    return [discovery_name(port, i, names) for i, port in enumerate(served_ports(spec, names.svc))]


def discovery_name(port: ServicePort, index: int, names: Names) -> str:
    """The Cloud Map service ECS makes for a port's endpoint: the first port's is Copilot's
    {svc}-sc (so moving from port to ports keeps it), the others {svc}-{name}-sc; the -sc
    suffix keeps them apart from Service Discovery's {svc}."""
    if port.discovery_name:
        return port.discovery_name
    if index == 0:
        return names.discovery_name
    suffix = "-sc"
    base = f"{names.svc}-{port.name}"
    return base[: DISCOVERY_NAME_MAX - len(suffix)].rstrip("-_") + suffix


def service_discovery_port(spec: EcsServiceSpec, svc: str) -> int | None:
    """The port Service Discovery's SRV record announces: the one marked, else the first."""
    ports = served_ports(spec, svc)
    marked = [p for p in ports if p.service_discovery]
    return (marked or ports)[0].port if ports else None


def log_group(spec: EcsServiceSpec, ctx: ServiceContext) -> str:
    return spec.logging.group or ctx.names.log_group


def log_groups(spec: EcsServiceSpec, ctx: ServiceContext) -> list[str]:
    """Every group the task definition's containers and Service Connect's proxy write to."""
    groups = {log_group(spec, ctx)}
    connect = spec.network.connect
    if connect is not None and connect.logs is not None and connect.logs.group:
        groups.add(connect.logs.group)
    return sorted(groups)


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


def _port_mapping(spec: EcsServiceSpec, port: ServicePort) -> dict[str, Any]:
    mapping: dict[str, Any] = {"containerPort": port.port, "protocol": "tcp", "name": port.name}
    protocol = port_protocol(spec, port)
    if protocol in _APP_PROTOCOLS:
        mapping["appProtocol"] = protocol
    return mapping


def _port_mappings(spec: EcsServiceSpec, svc: str) -> list[dict[str, Any]]:
    """The service's container: each served port, named, and the routed port beside them."""
    served = served_ports(spec, svc)
    mappings = [_port_mapping(spec, port) for port in served]
    routed = target_port(spec) if spec.http is not None else None
    if routed is not None and routed not in {port.port for port in served}:
        # The load balancer's port must be one the container maps (ECS refuses a
        # loadBalancers containerPort that is not), as Copilot exposes http.target_port.
        mappings.append(
            {"containerPort": routed, "protocol": "tcp", "name": port_name(svc, routed)}
        )
    return mappings


def _health_check(check: HealthCheck) -> dict[str, Any]:
    return {
        "command": list(check.command),
        "interval": check.interval,
        "timeout": check.timeout,
        "retries": check.retries,
        "startPeriod": check.start_period,
    }


def _container_base(
    name: str, image: str, of: EcsServiceSpec | Sidecar, spec: EcsServiceSpec, ctx: ServiceContext
) -> dict[str, Any]:
    """What every container of the task has: Copilot's COPILOT_* variables beside its own
    (Copilot's sidecars.yml gives sidecars the same four), the service's log group, and what
    `of` (the spec or a sidecar) says it runs."""
    variables = {**of.variables, **ctx.names.variables(ctx.namespace_name)}
    container: dict[str, Any] = {
        "name": name,
        "image": image,
        "environment": _name_values(variables, "value"),
        "logConfiguration": _awslogs(log_group(spec, ctx), ctx.region, spec.logging.stream_prefix),
    }
    if of.secrets:
        container["secrets"] = _name_values(of.secrets, "valueFrom")
    if of.command is not None:
        container["command"] = list(of.command)
    if of.entry_point is not None:
        container["entryPoint"] = list(of.entry_point)
    if of.health_check is not None:
        container["healthCheck"] = _health_check(of.health_check)
    if of.depends_on:
        container["dependsOn"] = [
            {"containerName": target, "condition": of.depends_on[target]}
            for target in sorted(of.depends_on)
        ]
    return container


def _container(spec: EcsServiceSpec, ctx: ServiceContext) -> dict[str, Any]:
    container = {**_container_base(ctx.names.svc, spec.image, spec, spec, ctx), "essential": True}
    mappings = _port_mappings(spec, ctx.names.svc)
    if mappings:
        container["portMappings"] = mappings
    return container


def _sidecar(sidecar: Sidecar, spec: EcsServiceSpec, ctx: ServiceContext) -> dict[str, Any]:
    """A sidecar as Copilot renders one: its port an (unnamed) mapping, essential unless it
    says otherwise."""
    container = _container_base(sidecar.name, sidecar.image, sidecar, spec, ctx)
    container["essential"] = sidecar.essential
    if sidecar.port is not None:
        container["portMappings"] = [{"containerPort": sidecar.port, "protocol": "tcp"}]
    if sidecar.readonly_root_filesystem:
        container["readonlyRootFilesystem"] = True
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
        "containerDefinitions": [
            _container(spec, ctx),
            *(_sidecar(sidecar, spec, ctx) for sidecar in spec.sidecars),
        ],
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


def client_aliases(spec: EcsServiceSpec, ctx: ServiceContext) -> list[dict[str, Any]]:
    """A server's client aliases, one per port ({port, dnsName}, in the order of the ports);
    none for a client-only service or when Service Connect is off."""
    connect = spec.network.connect
    if connect is None or not connect.is_enabled:
        return []
    return [_client_alias(port, ctx) for port in served_ports(spec, ctx.names.svc)]


def client_alias(spec: EcsServiceSpec, ctx: ServiceContext) -> dict[str, Any] | None:
    """The client alias of the main (first) port; None for a client-only service or when
    Service Connect is off."""
    aliases = client_aliases(spec, ctx)
    return aliases[0] if aliases else None


def _client_alias(port: ServicePort, ctx: ServiceContext) -> dict[str, Any]:
    dns_name = ctx.names.interpolate(port.alias) if port.alias else ctx.names.svc
    return {"port": port.client_port or port.port, "dnsName": dns_name}


def _connect_service(port: ServicePort, index: int, ctx: ServiceContext) -> dict[str, Any]:
    """One endpoint: Amazon ECS API Reference, ServiceConnectService (its portName names a
    port mapping of the task definition; one client alias)."""
    entry: dict[str, Any] = {
        "portName": port.name,
        "discoveryName": discovery_name(port, index, ctx.names),
        "clientAliases": [_client_alias(port, ctx)],
    }
    if port.ingress_port_override is not None:
        entry["ingressPortOverride"] = port.ingress_port_override
    if port.timeouts is not None:
        timeout = {
            key: value
            for key, value in (
                ("idleTimeoutSeconds", port.timeouts.idle_seconds),
                ("perRequestTimeoutSeconds", port.timeouts.per_request_seconds),
            )
            if value is not None
        }
        if timeout:
            entry["timeout"] = timeout
    if port.tls is not None:
        tls: dict[str, Any] = {
            "issuerCertificateAuthority": {"awsPcaAuthorityArn": port.tls.private_ca_arn}
        }
        if port.tls.kms_key:
            tls["kmsKey"] = port.tls.kms_key
        if port.tls.role_arn:
            tls["roleArn"] = port.tls.role_arn
        entry["tls"] = tls
    return entry


def service_connect_configuration(
    spec: EcsServiceSpec, ctx: ServiceContext
) -> dict[str, Any] | None:
    """ECS serviceConnectConfiguration; None when Service Connect is off. A server publishes
    one endpoint per port; a client-only service has no `services` entry at all."""
    connect = spec.network.connect
    if connect is None or not connect.is_enabled:
        return None
    config: dict[str, Any] = {
        "enabled": True,
        "namespace": ctx.connect_namespace_arn or connect.namespace or ctx.namespace_arn,
    }
    served = served_ports(spec, ctx.names.svc)
    if served:
        config["services"] = [_connect_service(p, i, ctx) for i, p in enumerate(served)]
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
    The registry names the port its SRV record announces. ECS Exec is said only when on:
    observe.service reads its absence as off, ECS's default, so turning it off is a
    difference too.
    """
    registries: list[dict[str, Any]] = []
    srv_port = service_discovery_port(spec, ctx.names.svc)
    if service_discovery_enabled(spec, ctx) and srv_port is not None:
        if not registry_arn:
            raise ValueError("Service Discovery is on: the Cloud Map service ARN is needed")
        # Amazon ECS API Reference, ServiceRegistry: with awsvpc and an SRV record (Copilot's
        # A+SRV), ECS needs the port, or containerName and containerPort; Copilot sends the port.
        registries = [{"registryArn": registry_arn, "port": srv_port}]
    counted = {} if spec.autoscaling is not None else {"desiredCount": fixed_count(spec)}
    return {
        "taskDefinition": task_definition_arn,
        # With autoscaling the autoscaler owns the count: left out, it is never compared,
        # so never sent back (the classic fight with the autoscaler).
        **counted,
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
        # Amazon ECS API Reference, UpdateService.enableExecuteCommand: updatable in place.
        **({"enableExecuteCommand": True} if spec.exec else {}),
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


def fixed_count(spec: EcsServiceSpec) -> int:
    return spec.count if spec.count is not None else 1


def starting_count(spec: EcsServiceSpec) -> int:
    """The desiredCount a new ECS service is created with."""
    if spec.autoscaling is not None and spec.count is None:
        return spec.autoscaling.min
    return fixed_count(spec)


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
        "desiredCount": starting_count(spec),
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


def _connect_scheme(protocol: str) -> str:
    # http2 and grpc ride on HTTP too, and clients dial them by host and port exactly as an
    # http endpoint; only a raw tcp port is not HTTP, and an http:// URL would mislead.
    return "tcp" if protocol == "tcp" else "http"


def _connect_urls(spec: EcsServiceSpec, ctx: ServiceContext) -> list[str]:
    """One Service Connect URL per port, in the order of the ports."""
    ports = served_ports(spec, ctx.names.svc)
    return [
        f"{_connect_scheme(port_protocol(spec, port))}://{alias['dnsName']}:{alias['port']}"
        for port, alias in zip(ports, client_aliases(spec, ctx), strict=False)
    ]


def endpoints(spec: EcsServiceSpec, ctx: ServiceContext) -> dict[str, Any]:
    """EcsServiceStatus.endpoints (camelCase): a Service Connect URL for every port, and
    Service Discovery's name with the port its SRV record announces (the name answers for
    every port). The port is always written, even 80 (http://front-end:80): the URL then
    says exactly what the client alias is. `serviceDiscovery` is None when off, so a status
    merge patch clears an old value."""
    connect_urls = _connect_urls(spec, ctx)
    discovery = (
        f"{ctx.names.svc}.{ctx.namespace_name}:{service_discovery_port(spec, ctx.names.svc)}"
        if service_discovery_enabled(spec, ctx)
        else None
    )
    http = (
        public_url(ctx.load_balancer, spec.http)
        if spec.http is not None and ctx.load_balancer is not None
        else None
    )
    return {"serviceConnect": connect_urls, "serviceDiscovery": discovery, "http": http}
