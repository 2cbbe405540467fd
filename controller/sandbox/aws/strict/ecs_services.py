"""Strict rules of ECS CreateService, UpdateService and DeleteService."""

from __future__ import annotations

import re
from typing import Any

from .rules import Request, rule

API = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference"
TESTS = "tests/aws/strict/test_ecs_services.py"
CREATE = ("ecs:CreateService",)
CREATE_UPDATE = ("ecs:CreateService", "ecs:UpdateService")

# CreateService.serviceName: "Up to 255 letters (uppercase and lowercase), numbers,
# underscores, and hyphens are allowed."
SERVICE_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
# CreateService.clientToken: "Up to 36 ASCII characters in the range of 33-126 (inclusive)".
CLIENT_TOKEN = re.compile(r"[\x21-\x7e]{1,36}")
# AwsVpcConfiguration: "a limit of 16 subnets" and "a limit of 5 security groups".
MAX_SUBNETS = 16
MAX_SECURITY_GROUPS = 5
# ServiceConnectClientAlias.dnsName: up to 127 lowercase letters, numbers, underscores,
# hyphens and periods, not starting with a hyphen.
DNS_NAME = re.compile(r"(?!-)[a-z0-9_.-]{1,127}")
# ServiceConnectService.discoveryName: up to 64 lowercase letters, numbers, underscores and
# hyphens, not starting with a hyphen.
DISCOVERY_NAME = re.compile(r"(?!-)[a-z0-9_-]{1,64}")
# PortNumber, the type of ServiceConnectClientAlias.port and ingressPortOverride.
PORT_MAX = 65535


def task_definition(request: Request) -> Any:
    """The task definition the service will run: the one named in the request, else (an
    update) the service's current one; None when neither can be found."""
    return request.once("task_definition", lambda: _find_task_definition(request))


def _find_task_definition(request: Request) -> Any:
    ecs = request.ecs
    ref = request.get("taskDefinition")
    if ref is None and request.call.operation == "UpdateService":
        service = _service(request)
        ref = getattr(service, "task_definition", None)
    if not ref:
        return None
    try:
        return ecs.describe_task_definition(ref)
    except Exception:  # an unknown task definition is moto's error to report
        return None


def _service(request: Request) -> Any:
    """The service an UpdateService names (moto looks it up among all services)."""
    return request.once("service", lambda: _find_service(request))


def _find_service(request: Request) -> Any:
    try:
        return request.ecs._get_service(
            request.get("cluster") or "default", request.get("service") or ""
        )
    except Exception:
        return None


def _cloudmap_service(request: Request, arn: str) -> Any:
    return next((s for s in request.cloudmap.services.values() if s.arn == arn), None)


def _has_srv_record(cloudmap_service: Any) -> bool:
    records = (getattr(cloudmap_service, "dns_config", None) or {}).get("DnsRecords") or []
    return any(record.get("Type") == "SRV" for record in records)


def _port_mappings(definition: Any) -> dict[str, dict[str, Any]]:
    """The named port mappings of a task definition's containers, by name."""
    return {
        mapping["name"]: mapping
        for container in getattr(definition, "container_definitions", None) or []
        for mapping in container.get("portMappings") or []
        if mapping.get("name")
    }


def _connect_services(request: Request, *, carried: bool = False) -> list[dict[str, Any]]:
    """The `services` of the Service Connect configuration the request turns on. With
    `carried`, an update that names a task definition and no configuration gives the one
    the service already has: the new deployment runs it with the new task definition."""
    config = request.get("serviceConnectConfiguration")
    if config is None and carried and request.get("taskDefinition"):
        config = _current_connect_config(request)
    if not isinstance(config, dict) or not config.get("enabled"):
        return []
    return [entry for entry in config.get("services") or [] if isinstance(entry, dict)]


def _current_connect_config(request: Request) -> Any:
    if request.call.operation != "UpdateService":
        return None
    deployments = getattr(_service(request), "deployments", None) or []
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    return primary.get("serviceConnectConfiguration") if primary else None


def _launch_type(request: Request) -> Any:
    if request.call.operation == "CreateService":
        return request.get("launchType")
    return getattr(_service(request), "launch_type", None)


def _matches(pattern: re.Pattern[str], value: Any) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None


@rule(
    "ecs.service-registry-port",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="With the awsvpc network mode and a Cloud Map service that has an SRV record, a "
    "service registry gives `port`, or `containerName` and `containerPort`, not both.",
    source=f"{API}/API_ServiceRegistry.html",
    test=f"{TESTS}::test_a_registry_with_an_srv_record_needs_a_port",
)
def _registry_port(request: Request) -> str | None:
    registries = request.get("serviceRegistries") or []
    if not registries:
        return None
    definition = task_definition(request)
    if definition is None or definition.network_mode != "awsvpc":
        return None
    for registry in registries:
        has_port = registry.get("port") is not None
        has_container = (
            registry.get("containerName") is not None or registry.get("containerPort") is not None
        )
        if has_port and has_container:
            return (
                "You cannot specify both a port and a containerName/containerPort combination "
                "for a service registry."
            )
        if has_port or has_container:
            continue
        target = _cloudmap_service(request, str(registry.get("registryArn")))
        if target is not None and _has_srv_record(target):
            return (
                "When specifying 'awsvpc' mode and an SRV record in the service discovery "
                "service, you must specify a containerName and containerPort combination or "
                "a port value."
            )
    return None


@rule(
    "ecs.service-name",
    operations=CREATE,
    code="InvalidParameterException",
    summary="`serviceName` has up to 255 letters, numbers, underscores and hyphens.",
    source=f"{API}/API_CreateService.html#ECS-CreateService-request-serviceName",
    test=f"{TESTS}::test_a_service_name_has_letters_numbers_underscores_and_hyphens",
)
def _service_name(request: Request) -> str | None:
    name = request.get("serviceName")
    if name is None or _matches(SERVICE_NAME, name):
        return None
    return (
        "Service name can have up to 255 letters (uppercase and lowercase), numbers, "
        f"underscores, and hyphens: {name!r}."
    )


@rule(
    "ecs.client-token",
    operations=CREATE,
    code="InvalidParameterException",
    summary="`clientToken` has up to 36 ASCII characters in the range 33-126.",
    source=f"{API}/API_CreateService.html#ECS-CreateService-request-clientToken",
    test=f"{TESTS}::test_a_client_token_has_up_to_36_ascii_characters",
)
def _client_token(request: Request) -> str | None:
    token = request.get("clientToken")
    if token is None or _matches(CLIENT_TOKEN, token):
        return None
    return "clientToken can have up to 36 ASCII characters in the range of 33-126 (inclusive)."


@rule(
    "ecs.awsvpc-network-configuration",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="A task definition with the awsvpc network mode needs a `networkConfiguration` "
    "with an `awsvpcConfiguration`.",
    source=f"{API}/API_CreateService.html#ECS-CreateService-request-networkConfiguration",
    test=f"{TESTS}::test_an_awsvpc_task_definition_needs_a_network_configuration",
)
def _awsvpc_needs_network(request: Request) -> str | None:
    if request.get("networkConfiguration", "awsvpcConfiguration") is not None:
        return None
    definition = task_definition(request)
    if definition is None or definition.network_mode != "awsvpc":
        return None
    # An update keeps the network configuration the service has.
    if request.call.operation == "UpdateService" and getattr(
        _service(request), "network_configuration", None
    ):
        return None
    return "Network Configuration must be provided when networkMode 'awsvpc' is specified."


@rule(
    "ecs.network-configuration-mode",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="`networkConfiguration` is only for a task definition with the awsvpc network mode.",
    source=f"{API}/API_CreateService.html#ECS-CreateService-request-networkConfiguration",
    test=f"{TESTS}::test_a_network_configuration_needs_the_awsvpc_network_mode",
)
def _network_needs_awsvpc(request: Request) -> str | None:
    if request.get("networkConfiguration", "awsvpcConfiguration") is None:
        return None
    definition = task_definition(request)
    if definition is None or definition.network_mode == "awsvpc":
        return None
    return "Network Configuration is not valid for the given networkMode of this task definition."


@rule(
    "ecs.awsvpc-subnets",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary=f"`awsvpcConfiguration.subnets` has at most {MAX_SUBNETS} subnets.",
    source=f"{API}/API_AwsVpcConfiguration.html",
    test=f"{TESTS}::test_a_network_configuration_has_at_most_16_subnets",
)
def _subnets(request: Request) -> str | None:
    subnets = request.get("networkConfiguration", "awsvpcConfiguration", "subnets") or []
    if len(subnets) <= MAX_SUBNETS:
        return None
    return f"subnets can have at most {MAX_SUBNETS} items."


@rule(
    "ecs.awsvpc-security-groups",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary=f"`awsvpcConfiguration.securityGroups` has at most {MAX_SECURITY_GROUPS} groups.",
    source=f"{API}/API_AwsVpcConfiguration.html",
    test=f"{TESTS}::test_a_network_configuration_has_at_most_5_security_groups",
)
def _security_groups(request: Request) -> str | None:
    groups = request.get("networkConfiguration", "awsvpcConfiguration", "securityGroups") or []
    if len(groups) <= MAX_SECURITY_GROUPS:
        return None
    return f"securityGroups can have at most {MAX_SECURITY_GROUPS} items."


@rule(
    "ecs.launch-type-compatibility",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="The task definition was validated for the service's launch type: FARGATE needs "
    "FARGATE in its `requiresCompatibilities`.",
    source=f"{API}/API_TaskDefinition.html#ECS-Type-TaskDefinition-compatibilities",
    test=f"{TESTS}::test_the_fargate_launch_type_needs_a_fargate_task_definition",
)
def _launch_type_compatibility(request: Request) -> str | None:
    launch_type = _launch_type(request)
    if launch_type not in ("EC2", "FARGATE"):
        return None
    definition = task_definition(request)
    if definition is None or launch_type in (definition.compatibilities or []):
        return None
    return f"Task definition does not support launch_type {launch_type}."


@rule(
    "ecs.one-service-registry",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="A service has at most one service registry.",
    source=f"{API}/API_CreateService.html#ECS-CreateService-request-serviceRegistries",
    test=f"{TESTS}::test_a_service_has_at_most_one_service_registry",
)
def _one_registry(request: Request) -> str | None:
    if len(request.get("serviceRegistries") or []) <= 1:
        return None
    return "Each service may be associated with one service registry."


@rule(
    "ecs.service-connect-port-name",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="A Service Connect service's `portName` names a port mapping of the task "
    "definition (an update to a new task definition rechecks the service's configuration).",
    source=f"{API}/API_ServiceConnectService.html#ECS-Type-ServiceConnectService-portName",
    test=f"{TESTS}::test_a_service_connect_port_name_names_a_port_mapping",
)
def _connect_port_name(request: Request) -> str | None:
    services = _connect_services(request, carried=True)
    if not services:
        return None
    port_names = _port_mappings(task_definition(request))
    for entry in services:
        port_name = entry.get("portName")
        if port_name not in port_names:
            return (
                f"The portName '{port_name}' does not match the name of a port mapping in the "
                "task definition."
            )
    return None


@rule(
    "ecs.service-connect-client-aliases",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="Each Service Connect service has exactly one client alias.",
    source=f"{API}/API_ServiceConnectService.html#ECS-Type-ServiceConnectService-clientAliases",
    test=f"{TESTS}::test_a_service_connect_service_has_one_client_alias",
)
def _connect_client_aliases(request: Request) -> str | None:
    for entry in _connect_services(request):
        if len(entry.get("clientAliases") or []) != 1:
            return "clientAliases must have 1 element."
    return None


@rule(
    "ecs.service-connect-ports",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary=f"A client alias `port` and an `ingressPortOverride` are at most {PORT_MAX}.",
    source=f"{API}/API_ServiceConnectClientAlias.html#ECS-Type-ServiceConnectClientAlias-port",
    test=f"{TESTS}::test_service_connect_ports_are_at_most_65535",
)
def _connect_ports(request: Request) -> str | None:
    for index, entry in enumerate(_connect_services(request), 1):
        # Paths as AWS's validation messages name members, counting from 1.
        at = f"serviceConnectConfiguration.services.{index}.member"
        ports = [(f"{at}.ingressPortOverride", entry.get("ingressPortOverride"))]
        ports += [
            (f"{at}.clientAliases.{number}.member.port", alias.get("port"))
            for number, alias in enumerate(entry.get("clientAliases") or [], 1)
        ]
        for path, port in ports:
            if isinstance(port, int) and port > PORT_MAX:
                return (
                    f"1 validation error detected: Value '{port}' at '{path}' failed to "
                    f"satisfy constraint: Member must have value less than or equal to {PORT_MAX}"
                )
    return None


@rule(
    "ecs.service-connect-dns-name",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="A client alias `dnsName` has up to 127 lowercase letters, numbers, underscores, "
    "hyphens and periods, and does not start with a hyphen.",
    source=f"{API}/API_ServiceConnectClientAlias.html#ECS-Type-ServiceConnectClientAlias-dnsName",
    test=f"{TESTS}::test_a_client_alias_dns_name_is_a_dns_name",
)
def _connect_dns_name(request: Request) -> str | None:
    for entry in _connect_services(request):
        for alias in entry.get("clientAliases") or []:
            name = alias.get("dnsName")
            if name is not None and not _matches(DNS_NAME, name):
                return (
                    f"Invalid dnsName {name!r}: up to 127 lowercase letters, numbers, "
                    "underscores (_), hyphens (-) and periods (.), not starting with a hyphen."
                )
    return None


@rule(
    "ecs.service-connect-discovery-name",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="A Service Connect `discoveryName` has up to 64 lowercase letters, numbers, "
    "underscores and hyphens, and does not start with a hyphen.",
    source=f"{API}/API_ServiceConnectService.html#ECS-Type-ServiceConnectService-discoveryName",
    test=f"{TESTS}::test_a_discovery_name_is_a_cloud_map_service_name",
)
def _connect_discovery_name(request: Request) -> str | None:
    for entry in _connect_services(request):
        name = entry.get("discoveryName")
        if name is not None and not _matches(DISCOVERY_NAME, name):
            return (
                f"Invalid discoveryName {name!r}: up to 64 lowercase letters, numbers, "
                "underscores (_) and hyphens (-), not starting with a hyphen."
            )
    return None


@rule(
    "ecs.service-connect-discovery-name-unique",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="The Service Connect services of one configuration have different discovery names "
    "(`discoveryName`, else the `portName` ECS takes for it): each is a Cloud Map service of "
    "its own, unique in the namespace.",
    source=f"{API}/API_ServiceConnectService.html#ECS-Type-ServiceConnectService-discoveryName",
    test=f"{TESTS}::test_service_connect_discovery_names_are_unique",
)
def _connect_discovery_names_unique(request: Request) -> str | None:
    seen: set[str] = set()
    for entry in _connect_services(request):
        name = entry.get("discoveryName") or entry.get("portName")
        if not isinstance(name, str):
            continue
        if name in seen:
            return (
                f"The discoveryName '{name}' is used by more than one Service Connect service "
                "in the configuration; each discoveryName must be unique within the namespace."
            )
        seen.add(name)
    return None


@rule(
    "ecs.service-connect-per-request-timeout",
    operations=CREATE_UPDATE,
    code="ClientException",
    summary="`timeout.perRequestTimeoutSeconds` is only for a port whose `appProtocol` is "
    "http, http2 or grpc (tcp, or none, takes only `idleTimeoutSeconds`).",
    source=f"{API}/API_TimeoutConfiguration.html",
    test=f"{TESTS}::test_a_tcp_port_takes_no_per_request_timeout",
)
def _connect_per_request_timeout(request: Request) -> str | None:
    services = _connect_services(request, carried=True)
    if not services:
        return None
    mappings = _port_mappings(task_definition(request))
    for entry in services:
        seconds = (entry.get("timeout") or {}).get("perRequestTimeoutSeconds")
        mapping = mappings.get(entry.get("portName") or "")
        if seconds is None or mapping is None:
            continue
        if (mapping.get("appProtocol") or "tcp") == "tcp":
            return f"Per request timeout {seconds} can't be set for tcp application."
    return None


@rule(
    "ecs.service-connect-access-logs",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="Service Connect access logs (`accessLogConfiguration`) need a `logConfiguration`.",
    source=f"{API}/API_ServiceConnectConfiguration.html"
    "#ECS-Type-ServiceConnectConfiguration-accessLogConfiguration",
    test=f"{TESTS}::test_service_connect_access_logs_need_a_log_configuration",
)
def _connect_access_logs(request: Request) -> str | None:
    config = request.get("serviceConnectConfiguration") or {}
    if config.get("accessLogConfiguration") is None or config.get("logConfiguration"):
        return None
    return (
        "To enable access logs, you must also specify a logConfiguration in the "
        "serviceConnectConfiguration."
    )


# -- load balancers ----------------------------------------------------------------------------


def _load_balancers(request: Request) -> list[dict[str, Any]]:
    """The `loadBalancers` the service will have: the request's, or (an update to a new task
    definition without them) the service's own, which ECS rechecks against that definition."""
    given = request.get("loadBalancers")
    if (
        given is None
        and request.call.operation == "UpdateService"
        and request.get("taskDefinition")
    ):
        given = getattr(_service(request), "load_balancers", None)
    return [entry for entry in given or [] if isinstance(entry, dict)]


def _target_groups(request: Request) -> list[tuple[str, Any]]:
    """(ARN, moto's target group) of each load balancer entry whose target group exists (an
    unknown ARN is not checked here)."""
    found = []
    for entry in _load_balancers(request):
        arn = entry.get("targetGroupArn")
        group = request.elbv2.target_groups.get(arn) if isinstance(arn, str) else None
        if group is not None:
            found.append((str(arn), group))
    return found


@rule(
    "ecs.load-balancer-target-type",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="With the awsvpc network mode, a load balancer's target group has the `ip` target "
    "type (tasks have network interfaces, not instances).",
    source=f"{API}/API_LoadBalancer.html#ECS-Type-LoadBalancer-targetGroupArn",
    test=f"{TESTS}::test_an_awsvpc_service_needs_an_ip_target_group",
)
def _load_balancer_target_type(request: Request) -> str | None:
    targets = _target_groups(request)
    if not targets:
        return None
    definition = task_definition(request)
    if definition is None or definition.network_mode != "awsvpc":
        return None
    for arn, group in targets:
        if group.target_type != "ip":
            return (
                f"The provided target group {arn} has target type {group.target_type}, which "
                "is incompatible with the awsvpc network mode specified in the task definition."
            )
    return None


@rule(
    "ecs.load-balancer-associated",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="A load balancer's target group is associated with a load balancer: a listener "
    "or a listener rule forwards to it.",
    source=f"{API}/API_LoadBalancer.html",
    test=f"{TESTS}::test_a_target_group_needs_a_load_balancer",
)
def _load_balancer_associated(request: Request) -> str | None:
    # Imported here: the ELB rules register after the ECS ones (the rules table's order).
    from .elbv2 import listeners_using

    for arn, _ in _target_groups(request):
        if not listeners_using(request.elbv2, arn):
            return (
                f"The target group with targetGroupArn {arn} does not have an associated load "
                "balancer."
            )
    return None


@rule(
    "ecs.load-balancer-container",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="A load balancer's `containerName` and `containerPort` name a container of the "
    "task definition and a `containerPort` of its port mappings (an update to a new task "
    "definition rechecks the service's load balancers).",
    source=f"{API}/API_LoadBalancer.html#ECS-Type-LoadBalancer-containerPort",
    test=f"{TESTS}::test_a_load_balancer_names_a_container_and_its_port",
)
def _load_balancer_container(request: Request) -> str | None:
    entries = _load_balancers(request)
    if not entries:
        return None
    definition = task_definition(request)
    if definition is None:
        return None
    containers = {
        container.get("name"): container
        for container in getattr(definition, "container_definitions", None) or []
    }
    for entry in entries:
        name = entry.get("containerName")
        if not name:
            return "Container Name can not be blank."
        if name not in containers:
            return f"The container {name} does not exist in the task definition."
        port = entry.get("containerPort")
        ports = {m.get("containerPort") for m in containers[name].get("portMappings") or []}
        if port not in ports:
            return f"The container {name} did not have a container port {port} defined."
    return None
