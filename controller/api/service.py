"""EcsService: a task definition family, an ECS service, its Service Connect and Service
Discovery configuration, with Copilot's semantics."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from .app import tag_keys_rule
from .common import (
    ECS_SERVICE_NAME_PATTERN,
    NAME_PATTERN,
    ROLE_ARN_PATTERN,
    SERVICE_NAME_MAX,
    Condition,
    DeletionPolicy,
    ManagementPolicy,
    Model,
    Rule,
    StatusModel,
    Tags,
    conditions_field,
    handled_generation_field,
    immutable_rule,
    management_policy_field,
    planned_changes_field,
    tags_field,
)
from .scaling import TASKS_MAX, Autoscaling, AutoscalingStatus

Protocol = Literal["http", "http2", "grpc", "tcp"]

# The variables Copilot puts in every task; Copilot-era apps read them.
RESERVED_VARIABLES = (
    "COPILOT_APPLICATION_NAME",
    "COPILOT_ENVIRONMENT_NAME",
    "COPILOT_SERVICE_NAME",
    "COPILOT_SERVICE_DISCOVERY_ENDPOINT",
)
ALIAS_VARIABLES = ("COPILOT_SERVICE_NAME", "COPILOT_ENVIRONMENT_NAME", "COPILOT_APPLICATION_NAME")
_ALIAS_VARIABLE = r"\$\{COPILOT_(SERVICE|ENVIRONMENT|APPLICATION)_NAME\}"
_ALIAS_LABEL = rf"([a-z0-9-]|{_ALIAS_VARIABLE})+"
# Amazon ECS API Reference, ServiceConnectClientAlias.dnsName: at most 127 characters, not
# starting with a hyphen.
ALIAS_PATTERN = rf"^([a-z0-9]|{_ALIAS_VARIABLE})([a-z0-9-]|{_ALIAS_VARIABLE})*(\.{_ALIAS_LABEL})*$"
ALIAS_MAX = 127
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
SECRET_ARN_PATTERN = (
    r"^arn:aws[a-z-]*:(ssm|secretsmanager):[a-z0-9-]+:[0-9]{12}:(parameter/|secret:).+$"
)
PCA_ARN_PATTERN = r"^arn:aws[a-z-]*:acm-pca:[a-z0-9-]+:[0-9]{12}:certificate-authority/.+$"
KMS_KEY_PATTERN = (
    r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+|alias/.+|[0-9a-f-]{36})$"
)
# Amazon ECS API Reference, PortMapping.name: up to 64 lowercase letters, numbers,
# underscores and hyphens, not starting with a hyphen.
PORT_NAME_PATTERN = r"^[a-z0-9_][a-z0-9_-]{0,63}$"
# Amazon ECS API Reference, ContainerDefinition.name: up to 255 letters (uppercase and
# lowercase), numbers, underscores and hyphens.
CONTAINER_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,255}$"
# Amazon ECS service quotas: 10 containers per task definition, one of them the service's.
SIDECARS_MAX = 9
# Each port is an endpoint of its own; the bound also keeps the apply-time uniqueness rules
# (which compare every pair) cheap for the apiserver.
PORTS_MAX = 10
# Amazon ECS API Reference, ContainerDependency.condition.
ContainerCondition = Literal["START", "COMPLETE", "SUCCESS", "HEALTHY"]

# Fargate task sizes (ECS developer guide, "Task CPU and memory"). 256 CPU units take one
# of three sizes; every other cpu takes memory from lowest to highest in steps.
FARGATE_256_MEMORY = (512, 1024, 2048)
FARGATE_MEMORY_RANGES: dict[int, tuple[int, int, int]] = {
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}


def fargate_memory_allowed(cpu: int) -> list[int]:
    if cpu == 256:
        return list(FARGATE_256_MEMORY)
    if cpu not in FARGATE_MEMORY_RANGES:
        return []
    low, high, step = FARGATE_MEMORY_RANGES[cpu]
    return list(range(low, high + 1, step))


def _fargate_cel() -> str:
    parts = [f"(self.cpu == 256 && self.memory in {list(FARGATE_256_MEMORY)})"]
    for cpu, (low, high, step) in FARGATE_MEMORY_RANGES.items():
        parts.append(
            f"(self.cpu == {cpu} && self.memory >= {low} && self.memory <= {high}"
            f" && self.memory % {step} == 0)"
        )
    return " || ".join(parts)


class Timeouts(Model):
    """Service Connect proxy timeouts (ECS timeoutConfiguration)."""

    idle_seconds: int | None = Field(
        None,
        description="Idle timeout: how long a connection may stay idle. 0 turns it off. "
        "ECS default: 300 for http, http2 and grpc; 3600 for tcp.",
        ge=0,
        le=2147483647,
    )
    per_request_seconds: int | None = Field(
        None,
        description="Per-request timeout for http, http2 and grpc (not allowed for tcp). "
        "0 turns it off. ECS default: 15.",
        ge=0,
        le=2147483647,
    )


class Tls(Model):
    """TLS between Service Connect proxies, with certificates from AWS Private CA."""

    private_ca_arn: str = Field(
        description="ARN of the AWS Private CA that issues the certificates "
        "(issuerCertificateAuthority.awsPcaAuthorityArn).",
        pattern=PCA_ARN_PATTERN,
        max_length=2048,
    )
    kms_key: str | None = Field(
        None,
        description="KMS key (ARN, alias or id) that encrypts the private keys. "
        "Default: an AWS-owned key.",
        pattern=KMS_KEY_PATTERN,
        max_length=2048,
    )
    role_arn: str | None = Field(
        None,
        description="IAM role ECS uses to issue certificates and use the KMS key "
        "(the infrastructure role for Service Connect TLS).",
        pattern=ROLE_ARN_PATTERN,
        max_length=2048,
    )


class AccessLogs(Model):
    """Service Connect access logs (ECS accessLogConfiguration)."""

    format: Literal["TEXT", "JSON"] = Field("TEXT", description="TEXT or JSON lines.")
    include_query_parameters: bool = Field(
        False, description="Include the query string of HTTP requests in access logs."
    )


class ConnectLogs(Model):
    """Logs of the Service Connect proxy (awslogs), and optionally access logs."""

    group: str | None = Field(
        None,
        description="CloudWatch Logs group. Default: the service's log group.",
        pattern=r"^[\.\-_/#A-Za-z0-9]+$",
        max_length=512,
    )
    stream_prefix: str = Field(
        "service-connect", description="awslogs-stream-prefix.", min_length=1, max_length=64
    )
    access_logs: AccessLogs | None = Field(None, description=AccessLogs.__doc__)


def _alias_field() -> Any:
    return Field(
        None,
        description="The DNS name clients use (client alias dnsName). Default: the service "
        "name, so the endpoint is http://<svc>:<port>. May use ${COPILOT_SERVICE_NAME}, "
        "${COPILOT_ENVIRONMENT_NAME} and ${COPILOT_APPLICATION_NAME}: "
        "${COPILOT_SERVICE_NAME}.${COPILOT_ENVIRONMENT_NAME}.${COPILOT_APPLICATION_NAME}.local "
        "keeps a Service Discovery name working after the move to Service Connect.",
        pattern=ALIAS_PATTERN,
        max_length=ALIAS_MAX,
    )


def _client_port_field(default: str) -> Any:
    return Field(
        None,
        description=f"The port clients call on the alias. Default: {default}.",
        ge=1,
        le=65535,
    )


def _discovery_name_field(default: str) -> Any:
    return Field(
        None,
        description=f"The Cloud Map service ECS creates for this endpoint. Default: {default}, "
        "so it never clashes with the Service Discovery service {svc}.",
        pattern=NAME_PATTERN,
        max_length=63,
    )


def _ingress_port_override_field() -> Any:
    return Field(
        None,
        description="The port the Service Connect proxy listens on for inbound traffic. "
        "Default: the container port (awsvpc).",
        ge=1,
        le=65535,
    )


class Connect(Model):
    """ECS Service Connect, as Copilot's `network.connect`. Setting any field (or just
    `enabled: true`) turns it on; `alias` alone turns it on, as `connect: {alias: ...}`
    does in Copilot. A service with a port is a server: other services reach it at
    http://<alias or name>:<port>. Without a port it is a client only."""

    __rules__ = (
        Rule(
            cel="!has(self.alias) || !has(self.enabled) || self.enabled",
            message="alias needs Service Connect: remove `enabled: false` or the alias",
            check=lambda m: m.alias is None or m.enabled is None or m.enabled,
            field_path=".alias",
        ),
    )

    enabled: bool | None = Field(
        None,
        description="Turn Service Connect on or off. Unset: on when this block is given.",
    )
    alias: str | None = _alias_field()
    client_port: int | None = _client_port_field("the service's port")
    discovery_name: str | None = _discovery_name_field("{svc}-sc")
    namespace: str | None = Field(
        None,
        description="Cloud Map namespace (name or ARN) for this service. Default: the "
        "environment's namespace.",
        min_length=1,
        max_length=2048,
    )
    ingress_port_override: int | None = _ingress_port_override_field()
    timeouts: Timeouts | None = Field(None, description=Timeouts.__doc__)
    tls: Tls | None = Field(None, description=Tls.__doc__)
    logs: ConnectLogs | None = Field(None, description=ConnectLogs.__doc__)

    @property
    def is_enabled(self) -> bool:
        return self.enabled if self.enabled is not None else True


class ServicePort(Model):
    """A port of the service's container that other services call (spec.ports): a named
    port mapping in the task definition and, with Service Connect on, an endpoint of its
    own, http://<alias or svc>:<clientPort or port>."""

    name: str = Field(
        description="The port mapping's name, which Service Connect refers to (portName); "
        "unique in the service.",
        pattern=PORT_NAME_PATTERN,
        max_length=64,
    )
    port: int = Field(description="The container port.", ge=1, le=65535)
    protocol: Protocol | None = Field(
        None,
        description="Application protocol of the port (Service Connect appProtocol): http, "
        "http2, grpc or tcp. Default: spec.protocol.",
    )
    alias: str | None = _alias_field()
    client_port: int | None = _client_port_field("this port")
    discovery_name: str | None = _discovery_name_field(
        "{svc}-sc for the first port (as with spec.port), {svc}-{name}-sc for the others"
    )
    ingress_port_override: int | None = _ingress_port_override_field()
    timeouts: Timeouts | None = Field(None, description=Timeouts.__doc__)
    tls: Tls | None = Field(None, description=Tls.__doc__)
    service_discovery: bool = Field(
        False,
        description="The port Service Discovery's SRV record announces ({svc}.{env}.{app}.local "
        "answers for every port; SRV names one). At most one port; default: the first.",
    )


class ServiceDiscoveryOptions(Model):
    """Service Discovery (Cloud Map DNS): {svc}.{env}.{app}.local, A and SRV records."""

    enabled: bool | None = Field(
        None,
        description="Register tasks as {svc}.{env}.{app}.local. Unset: on for a service with "
        "a port, as in Copilot.",
    )


class ServiceNetwork(Model):
    """How other services reach this one."""

    connect: Connect | None = Field(None, description=Connect.__doc__)
    service_discovery: ServiceDiscoveryOptions = Field(
        default_factory=ServiceDiscoveryOptions, description=ServiceDiscoveryOptions.__doc__
    )


class HealthCheck(Model):
    """The container health check. Copilot's defaults."""

    command: list[Annotated[str, StringConstraints(max_length=4096)]] = Field(
        description='e.g. ["CMD-SHELL", "curl -f http://localhost/ || exit 1"].',
        min_length=1,
        max_length=64,
    )
    interval: int = Field(10, description="Seconds between checks (5-300).", ge=5, le=300)
    timeout: int = Field(5, description="Seconds before a check fails (2-60).", ge=2, le=60)
    retries: int = Field(2, description="Failures before unhealthy (1-10).", ge=1, le=10)
    start_period: int = Field(
        0, description="Grace seconds after start before failures count (0-300).", ge=0, le=300
    )


# What a container runs with, the service's own and each sidecar's.
Words = list[Annotated[str, StringConstraints(max_length=4096)]]
Variables = dict[str, Annotated[str, StringConstraints(max_length=32768)]]
Secrets = dict[str, Annotated[str, StringConstraints(pattern=SECRET_ARN_PATTERN, max_length=2048)]]
DependsOn = dict[str, ContainerCondition]


def _image_field(description: str) -> Any:
    return Field(
        description=description,
        min_length=1,
        max_length=255,
        # An image reference has no white space (blank or padded names never pull).
        pattern=r"^\S+$",
    )


def _command_field() -> Any:
    return Field(None, description="Overrides the image's CMD.", max_length=64)


def _entry_point_field() -> Any:
    return Field(None, description="Overrides the image's ENTRYPOINT.", max_length=64)


def _variables_field(description: str) -> Any:
    return Field(default_factory=dict, description=description, max_length=200)


def _secrets_field() -> Any:
    return Field(
        default_factory=dict,
        description="Environment variables read from SSM Parameter Store or Secrets Manager, "
        "by ARN (arn:aws:ssm:...:parameter/... or arn:aws:secretsmanager:...:secret:...).",
        max_length=100,
    )


def variable_rules() -> tuple[Rule, ...]:
    """The rules of a container's variables and secrets (the service's and each sidecar's):
    kopilot sets the COPILOT_* variables, names are environment variable names, and a name
    is in one map only."""
    return (
        Rule(
            cel="!self.variables.exists(k, k.startsWith('COPILOT_'))",
            message="variables must not set COPILOT_* names: kopilot sets "
            + ", ".join(RESERVED_VARIABLES),
            check=lambda m: not any(k.startswith("COPILOT_") for k in m.variables),
            field_path=".variables",
        ),
        Rule(
            cel=f"self.variables.all(k, k.matches('{ENV_NAME_PATTERN}')) && "
            f"self.secrets.all(k, k.matches('{ENV_NAME_PATTERN}'))",
            message="variable and secret names must be environment variable names "
            "(letters, digits and _, not starting with a digit)",
            check=lambda m: all(_is_env_name(k) for k in [*m.variables, *m.secrets]),
            field_path=".variables",
        ),
        Rule(
            cel="!self.secrets.exists(k, k in self.variables)",
            message="a name is both in variables and in secrets: keep it in one",
            check=lambda m: not set(m.secrets) & set(m.variables),
            field_path=".secrets",
        ),
    )


class Sidecar(Model):
    """A container beside the service's own in every task (Copilot's `sidecars`): it gets
    the same COPILOT_* variables and logs to the service's log group. A change to a sidecar
    registers a new revision and deploys it, as any other change of the task does."""

    __rules__ = variable_rules()

    name: str = Field(
        description="The container's name: unique in the task, and not the service's own "
        "container ({svc}).",
        pattern=CONTAINER_NAME_PATTERN,
        max_length=255,
    )
    image: str = _image_field("Container image.")
    port: int | None = Field(
        None,
        description="A container port to map (tcp), e.g. a proxy's or an exporter's; not one "
        "of the service's own ports. Service Connect and Service Discovery serve the "
        "service's ports only.",
        ge=1,
        le=65535,
    )
    essential: bool = Field(
        True,
        description="The task stops when an essential container stops. Default true, as in "
        "Copilot (and ECS). A sidecar that runs once and exits (another container waiting "
        "for it with COMPLETE or SUCCESS) is not essential.",
    )
    command: Words | None = _command_field()
    entry_point: Words | None = _entry_point_field()
    variables: Variables = _variables_field(
        "Environment variables. kopilot sets the COPILOT_* variables here too, as Copilot does."
    )
    secrets: Secrets = _secrets_field()
    depends_on: DependsOn = Field(
        default_factory=dict,
        description="Containers that must reach a condition before this one starts "
        "(ECS dependsOn): {name: START | COMPLETE | SUCCESS | HEALTHY}, naming another sidecar "
        "or the service's own container ({svc}). HEALTHY needs that container's healthCheck.",
        max_length=SIDECARS_MAX,
    )
    health_check: HealthCheck | None = Field(None, description=HealthCheck.__doc__)
    readonly_root_filesystem: bool = Field(
        False, description="Mount the container's root file system read-only."
    )


class TargetHealthCheck(Model):
    """How the load balancer checks a task (the target group's health check). The defaults
    are quicker than ELB's own (healthy after 2 checks 10 s apart); kopilot import writes a
    Copilot service's values, which are ELB's when its manifest gives none."""

    path: str = Field(
        "/", description="HTTP path of the check.", pattern=r"^/\S*$", max_length=1024
    )
    port: int | None = Field(
        None, description="Port of the check. Default: the target port.", ge=1, le=65535
    )
    success_codes: str = Field(
        "200",
        description='HTTP codes that mean healthy: "200", "200,202" or "200-299".',
        pattern=r"^[1-5][0-9]{2}([,-][1-5][0-9]{2})*$",
    )
    healthy_threshold: int = Field(2, description="Successes to be healthy (2-10).", ge=2, le=10)
    unhealthy_threshold: int = Field(2, description="Failures to be unhealthy (2-10).", ge=2, le=10)
    interval: int = Field(10, description="Seconds between checks (5-300).", ge=5, le=300)
    timeout: int = Field(5, description="Seconds before a check fails (2-120).", ge=2, le=120)
    grace_period: int = Field(
        60,
        description="Seconds ECS ignores failed load balancer checks of a new task "
        "(healthCheckGracePeriodSeconds).",
        ge=0,
        le=2147483647,
    )


class ServiceHttp(Model):
    """Route requests from the environment's load balancer to this service (Copilot's Load
    Balanced Web Service): a target group of its tasks and a listener rule."""

    __rules__ = (
        Rule(
            cel="!has(self.healthCheck) || self.healthCheck.timeout < self.healthCheck.interval",
            message="healthCheck.timeout must be less than healthCheck.interval",
            check=lambda m: m.health_check.timeout < m.health_check.interval,
            field_path=".healthCheck.timeout",
        ),
        Rule(
            cel="(has(self.alias) ? size(self.alias) : 0) + "
            "(has(self.allowedSourceIps) ? size(self.allowedSourceIps) : 0) <= 3",
            message="a listener rule takes 5 condition values: the path's two (/api and "
            "/api/*) and at most 3 more between alias and allowedSourceIps",
            check=lambda m: len(m.alias) + len(m.allowed_source_ips) <= 3,
            field_path=".alias",
        ),
    )

    path: str = Field(
        "/",
        description='The path prefix routed here: "/" (everything), or e.g. "api" or "/api" '
        "(/api and /api/*). More specific paths win.",
        pattern=r"^/?[A-Za-z0-9_.~!$&'()*+,;=:@%/-]*$",
        max_length=120,
    )
    alias: list[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9*?.-]{1,128}$")]] = Field(
        default_factory=list,
        description="Host names routed here (host-header); none: any host.",
        max_length=4,
    )
    public: bool = Field(
        True, description="The environment's public load balancer (true) or its private one."
    )
    target_port: int | None = Field(
        None,
        description="The container port requests go to (mapped in the task definition beside "
        "spec.port). Default: spec.port. A change moves where ECS registers the tasks; the "
        "target group keeps the port it was made with, only a default for its targets.",
        ge=1,
        le=65535,
    )
    health_check: TargetHealthCheck = Field(
        default_factory=TargetHealthCheck, description=TargetHealthCheck.__doc__
    )
    deregistration_delay: int = Field(
        60,
        description="Seconds a stopping task keeps serving open requests (0-3600).",
        ge=0,
        le=3600,
    )
    stickiness: bool = Field(False, description="Send a client to the same task (a cookie).")
    allowed_source_ips: list[
        Annotated[str, StringConstraints(pattern=r"^([0-9]{1,3}\.){3}[0-9]{1,3}/[0-9]{1,2}$")]
    ] = Field(
        default_factory=list,
        description="Only these client CIDRs are routed here (source-ip); none: everyone the "
        "load balancer lets in.",
        max_length=4,
    )


class Deployment(Model):
    """How ECS rolls out a change."""

    rollback: bool = Field(
        True,
        description="Deployment circuit breaker with rollback: a rollout whose tasks keep "
        "failing stops and returns to the last working task definition.",
    )
    min_healthy_percent: int = Field(
        100,
        description="Lowest share of desired tasks kept running during a rollout.",
        ge=0,
        le=100,
    )
    max_percent: int = Field(
        200,
        description="Highest share of desired tasks running during a rollout.",
        ge=100,
        le=200,
    )


class Logging(Model):
    """Container logs (awslogs)."""

    group: str | None = Field(
        None,
        description="CloudWatch Logs group. Default: /copilot/{app}-{env}-{svc}, as Copilot.",
        pattern=r"^[\.\-_/#A-Za-z0-9]+$",
        max_length=512,
    )
    stream_prefix: str = Field(
        "copilot", description="awslogs-stream-prefix.", min_length=1, max_length=64
    )
    retention: Literal[
        1,
        3,
        5,
        7,
        14,
        30,
        60,
        90,
        120,
        150,
        180,
        365,
        400,
        545,
        731,
        1096,
        1827,
        2192,
        2557,
        2922,
        3288,
        3653,
    ] = Field(
        30,
        description="Days the log group kopilot creates keeps events (CloudWatch's values; "
        "Copilot's default, 30). A group that already existed is left as it is.",
    )


def _connect(m: Any) -> Connect | None:
    connect: Connect | None = m.network.connect
    return connect


_SERVER_ONLY = ("alias", "clientPort", "discoveryName", "ingressPortOverride", "timeouts", "tls")
_SERVER_FIELDS = (
    "alias",
    "client_port",
    "discovery_name",
    "ingress_port_override",
    "timeouts",
    "tls",
)
_HAS_SERVER_FIELD = " || ".join(f"has(self.network.connect.{f})" for f in _SERVER_ONLY)


def _no_server_fields(connect: Connect | None) -> bool:
    return connect is None or all(getattr(connect, f) is None for f in _SERVER_FIELDS)


def _serves(m: Any) -> bool:
    """Whether the service has a port other services call (port or ports)."""
    return m.port is not None or m.ports is not None


def _ports(m: Any) -> list[ServicePort]:
    ports: list[ServicePort] | None = m.ports
    return ports or []


def _unique(values: list[Any]) -> bool:
    return len(values) == len(set(values))


def _port_protocol(m: Any, port: ServicePort) -> str:
    return port.protocol or str(m.protocol)


# spec.ports: several ports, each a port mapping and a Service Connect endpoint of its own.
# Names, ports and discovery names are unique (ECS refuses a task definition that names two
# mappings alike, and a Cloud Map service is one endpoint); checked at apply time, each with
# its field.
_PORT_RULES = (
    Rule(
        cel="!(has(self.port) && has(self.ports))",
        message="give port (one port) or ports (several), not both",
        check=lambda m: m.port is None or m.ports is None,
        field_path=".ports",
    ),
    Rule(
        cel="!(has(self.ports) && has(self.portName))",
        message="portName names spec.port's mapping: with ports, each port's name is its "
        "mapping's name (ports[].name)",
        check=lambda m: m.ports is None or m.port_name is None,
        field_path=".portName",
    ),
    Rule(
        cel=f"!has(self.ports) || !has(self.network.connect) || !({_HAS_SERVER_FIELD})",
        message="with ports, set alias, clientPort, discoveryName, ingressPortOverride, "
        "timeouts and tls on each port (ports[]), not on network.connect",
        check=lambda m: m.ports is None or _no_server_fields(_connect(m)),
        field_path=".network.connect",
    ),
    Rule(
        cel="!has(self.ports) || self.ports.all(p, self.ports.exists_one(q, q.name == p.name))",
        message="ports[].name must be unique: each names a port mapping of its own",
        check=lambda m: _unique([p.name for p in _ports(m)]),
        field_path=".ports",
    ),
    Rule(
        cel="!has(self.ports) || self.ports.all(p, self.ports.exists_one(q, q.port == p.port))",
        message="ports[].port must be unique: a container port is mapped once",
        check=lambda m: _unique([p.port for p in _ports(m)]),
        field_path=".ports",
    ),
    Rule(
        cel="!has(self.ports) || self.ports.all(p, !has(p.discoveryName) || "
        "self.ports.exists_one(q, has(q.discoveryName) && q.discoveryName == p.discoveryName))",
        message="ports[].discoveryName must be unique: each is a Cloud Map service of its own",
        check=lambda m: _unique([p.discovery_name for p in _ports(m) if p.discovery_name]),
        field_path=".ports",
    ),
    Rule(
        cel="!has(self.ports) || "
        "self.ports.filter(p, has(p.serviceDiscovery) && p.serviceDiscovery).size() <= 1",
        message="ports[].serviceDiscovery: at most one port is Service Discovery's SRV port",
        check=lambda m: len([p for p in _ports(m) if p.service_discovery]) <= 1,
        field_path=".ports",
    ),
    Rule(
        cel="!has(self.ports) || self.ports.all(p, "
        "(has(p.protocol) ? p.protocol : self.protocol) != 'tcp' || "
        "!has(p.timeouts) || !has(p.timeouts.perRequestSeconds))",
        message="ports[].timeouts.perRequestSeconds is not allowed on a tcp port (ECS applies "
        "it to http, http2 and grpc only)",
        check=lambda m: all(
            _port_protocol(m, p) != "tcp"
            or p.timeouts is None
            or p.timeouts.per_request_seconds is None
            for p in _ports(m)
        ),
        field_path=".ports",
    ),
)


def _sidecar_names(m: Any) -> list[str]:
    return [s.name for s in m.sidecars]


def _own_ports(m: Any) -> set[int]:
    """The ports the service's own container maps."""
    ports = {p.port for p in _ports(m)} | ({m.port} if m.port is not None else set())
    if m.http is not None and m.http.target_port is not None:
        ports.add(m.http.target_port)
    return ports


def _sidecar_ports_ok(m: Any) -> bool:
    ports = [s.port for s in m.sidecars if s.port is not None]
    return _unique(ports) and not set(ports) & _own_ports(m)


def _names_a_container(m: Any, sidecar: Sidecar, target: str) -> bool:
    # Without spec.name the service's container is metadata.name, which the spec cannot see.
    others = set(_sidecar_names(m)) - {sidecar.name}
    return target in others or (target != sidecar.name and m.name in (None, target))


def container_name_problem(spec: EcsServiceSpec, container: str) -> str | None:
    """With the service's own container named (spec.name, else metadata.name, which the
    schema cannot see): the sidecar names and dependencies AWS would refuse, said as the
    spec's fields. The CEL rules check the same when spec.name is set."""
    for i, sidecar in enumerate(spec.sidecars):
        if sidecar.name == container:
            return (
                f"sidecars[{i}].name {sidecar.name!r} is the service's own container name "
                "(spec.name, else metadata.name): a task's containers need names of their "
                "own; rename the sidecar"
            )
    names = {container, *_sidecar_names(spec)}
    for i, sidecar in enumerate(spec.sidecars):
        for target in sidecar.depends_on:
            if target not in names:
                return (
                    f"sidecars[{i}].dependsOn names {target!r}, which is no container of "
                    f"this task: name another sidecar or the service's own container "
                    f"{container!r}"
                )
    return None


def _health_checked(m: Any, target: str) -> bool:
    sidecar = next((s for s in m.sidecars if s.name == target), None)
    return (sidecar.health_check if sidecar is not None else m.health_check) is not None


def _waits_are_checked(m: Any) -> bool:
    waits = [*m.depends_on.items(), *(i for s in m.sidecars for i in s.depends_on.items())]
    return all(_health_checked(m, name) for name, condition in waits if condition == "HEALTHY")


# spec.sidecars and dependsOn: containers are named once in a task, and a dependency names
# one of them (Amazon ECS API Reference, ContainerDependency); the task's containers share
# one network (awsvpc), so a port is mapped by one container.
_SIDECAR_RULES = (
    Rule(
        cel="self.sidecars.all(s, self.sidecars.exists_one(t, t.name == s.name) && "
        "(!has(self.name) || s.name != self.name))",
        message="sidecars[].name must be unique and not the service's own container name "
        "(spec.name)",
        check=lambda m: (
            _unique(_sidecar_names(m)) and (m.name is None or m.name not in _sidecar_names(m))
        ),
        field_path=".sidecars",
    ),
    Rule(
        cel="self.sidecars.all(s, !has(s.port) || ("
        "self.sidecars.exists_one(t, has(t.port) && t.port == s.port) && "
        "!(has(self.port) && self.port == s.port) && "
        "!(has(self.ports) && self.ports.exists(p, p.port == s.port)) && "
        "!(has(self.http) && has(self.http.targetPort) && self.http.targetPort == s.port)))",
        message="sidecars[].port must be a port of its own: not another sidecar's, nor the "
        "service's (port, ports, http.targetPort); a task's containers share one network",
        check=_sidecar_ports_ok,
        field_path=".sidecars",
    ),
    Rule(
        cel="self.dependsOn.all(k, self.sidecars.exists(s, s.name == k))",
        message="dependsOn names sidecars (sidecars[].name) the service's container waits for",
        check=lambda m: set(m.depends_on) <= set(_sidecar_names(m)),
        field_path=".dependsOn",
    ),
    Rule(
        cel="self.sidecars.all(s, s.dependsOn.all(k, k != s.name && "
        "(self.sidecars.exists(t, t.name == k) || !has(self.name) || k == self.name)))",
        message="sidecars[].dependsOn names another sidecar or the service's own container "
        "(spec.name)",
        check=lambda m: all(
            _names_a_container(m, s, target) for s in m.sidecars for target in s.depends_on
        ),
        field_path=".sidecars",
    ),
    Rule(
        cel="self.dependsOn.all(k, self.dependsOn[k] != 'HEALTHY' || "
        "self.sidecars.exists(s, s.name == k && has(s.healthCheck))) && "
        "self.sidecars.all(s, s.dependsOn.all(k, s.dependsOn[k] != 'HEALTHY' || "
        "(self.sidecars.exists(t, t.name == k) ? "
        "self.sidecars.exists(t, t.name == k && has(t.healthCheck)) : has(self.healthCheck))))",
        message="dependsOn HEALTHY waits for a container's health check: give that container "
        "a healthCheck",
        check=_waits_are_checked,
        field_path=".dependsOn",
    ),
)


class EcsServiceSpec(Model):
    """A service of an environment: a task definition family {app}-{env}-{svc} and a
    Fargate ECS service, with Service Connect and Service Discovery as Copilot does them."""

    __rules__ = (
        Rule(
            cel=_fargate_cel(),
            message="memory is not a Fargate size for this cpu: 256 takes 512, 1024 or 2048; "
            "512 takes 1024-4096; 1024 takes 2048-8192; 2048 takes 4096-16384; 4096 takes "
            "8192-30720 (steps of 1024); 8192 takes 16384-61440 (steps of 4096); 16384 takes "
            "32768-122880 (steps of 8192)",
            check=lambda m: m.memory in fargate_memory_allowed(m.cpu),
            field_path=".memory",
        ),
        Rule(
            cel="!has(self.network.connect) || has(self.port) || has(self.ports) || "
            f"!({_HAS_SERVER_FIELD})",
            message="network.connect alias, clientPort, discoveryName, ingressPortOverride, "
            "timeouts and tls are for a server: set port, or remove them for a client-only "
            "service",
            check=lambda m: _serves(m) or _no_server_fields(_connect(m)),
            field_path=".network.connect",
        ),
        Rule(
            cel="!(self.protocol == 'tcp' && has(self.network.connect) && "
            "has(self.network.connect.timeouts) && "
            "has(self.network.connect.timeouts.perRequestSeconds))",
            message="network.connect.timeouts.perRequestSeconds is not allowed with protocol "
            "tcp (ECS applies it to http, http2 and grpc only)",
            check=lambda m: (
                not (
                    m.protocol == "tcp"
                    and _connect(m) is not None
                    and _connect(m).timeouts is not None  # type: ignore[union-attr]
                    and _connect(m).timeouts.per_request_seconds is not None  # type: ignore[union-attr]
                )
            ),
            field_path=".network.connect.timeouts.perRequestSeconds",
        ),
        Rule(
            cel="!has(self.network.serviceDiscovery.enabled) || "
            "!self.network.serviceDiscovery.enabled || has(self.port) || has(self.ports)",
            message="network.serviceDiscovery.enabled needs a port to register",
            check=lambda m: not m.network.service_discovery.enabled or _serves(m),
            field_path=".network.serviceDiscovery.enabled",
        ),
        *variable_rules(),
        *_PORT_RULES,
        *_SIDECAR_RULES,
        tag_keys_rule(),
        immutable_rule("app", "it names the task definition family and the ECS service"),
        immutable_rule("environment", "the ECS service lives in that environment's cluster"),
        immutable_rule("name", "it names the ECS service, its family and its endpoints"),
        immutable_rule("ecsServiceName", "it names the ECS service kopilot runs"),
        Rule(
            cel="!has(self.autoscaling) || !has(self.count) || "
            "(self.count >= self.autoscaling.min && self.count <= self.autoscaling.max)",
            message="count is where a new autoscaled service starts: it must lie within "
            "autoscaling.min and autoscaling.max (leave it out to start at min)",
            check=lambda m: (
                m.autoscaling is None
                or m.count is None
                or m.autoscaling.min <= m.count <= m.autoscaling.max
            ),
            field_path=".count",
        ),
        Rule(
            cel="!has(self.autoscaling) || has(self.http) || "
            "(!has(self.autoscaling.requestsPerTarget) && !has(self.autoscaling.responseTime))",
            message="autoscaling.requestsPerTarget and responseTime track the load balancer's "
            "requests to this service: they need spec.http",
            check=lambda m: (
                m.autoscaling is None
                or m.http is not None
                or (
                    m.autoscaling.requests_per_target is None
                    and m.autoscaling.response_time is None
                )
            ),
            field_path=".autoscaling",
        ),
        Rule(
            cel="!has(self.http) || has(self.port) || has(self.ports) || has(self.http.targetPort)",
            message="http routes requests to a container port: set port (or http.targetPort)",
            check=lambda m: m.http is None or _serves(m) or m.http.target_port is not None,
            field_path=".http",
        ),
    )

    app: str = Field(
        description="The EcsApp (metadata.name, same Kubernetes namespace).",
        pattern=NAME_PATTERN,
        max_length=253,
    )
    environment: str = Field(
        description="The EcsEnvironment (metadata.name, same Kubernetes namespace) to run in.",
        pattern=NAME_PATTERN,
        max_length=253,
    )
    name: str | None = Field(
        None,
        description="The service name used in AWS names and endpoints ({svc}). Defaults to "
        "metadata.name.",
        pattern=NAME_PATTERN,
        max_length=SERVICE_NAME_MAX,
    )
    ecs_service_name: str | None = Field(
        None,
        description="The ECS service's name when it is not {svc}: an existing service to "
        "adopt, such as one Copilot's CloudFormation named kudos-test-api-Service-AbC123. "
        "Family, endpoints and Cloud Map names still come from {svc}.",
        pattern=ECS_SERVICE_NAME_PATTERN,
    )
    port_name: str | None = Field(
        None,
        description="The name of the port mapping, which Service Connect refers to. "
        "Default: {svc}-{port}. An adopted Copilot service keeps Copilot's `target` "
        "(kopilot import sets it), since a new name means a new revision and deployment.",
        pattern=PORT_NAME_PATTERN,
    )
    image: str = _image_field("Container image, e.g. public.ecr.aws/nginx/nginx:1.27.")
    port: int | None = Field(
        None,
        description="The container port other services call. Without one the service is a "
        "client only (no Service Connect endpoint, no Service Discovery). One port; for "
        "several, give ports instead.",
        ge=1,
        le=65535,
    )
    ports: list[ServicePort] | None = Field(
        None,
        description="Several ports other services call, each a named port mapping and (with "
        "Service Connect) an endpoint of its own, with its own alias, clientPort, "
        "discoveryName, ingressPortOverride, timeouts and tls. The first is the service's "
        "main port: http.targetPort's default, and Service Discovery's SRV port unless a "
        "port sets serviceDiscovery. Instead of port.",
        min_length=1,
        max_length=PORTS_MAX,
    )
    protocol: Protocol = Field(
        "http",
        description="Application protocol of the port (Service Connect appProtocol): http, "
        "http2, grpc or tcp. With ports: the default of each port's protocol.",
    )
    cpu: Literal[256, 512, 1024, 2048, 4096, 8192, 16384] = Field(
        256, description="Task CPU units (Fargate sizes)."
    )
    memory: int = Field(
        512, description="Task memory in MiB; must fit the cpu (Fargate sizes).", ge=512, le=122880
    )
    count: int | None = Field(
        None,
        description="Desired number of tasks (default 1). With autoscaling: the tasks a new "
        "service starts with (default autoscaling.min); the autoscaler moves it after, and "
        "kopilot never sets it again while autoscaling is set.",
        ge=0,
        le=TASKS_MAX,
    )
    autoscaling: Autoscaling | None = Field(None, description=Autoscaling.__doc__)
    platform: Literal["linux/x86_64", "linux/arm64"] = Field(
        "linux/x86_64", description="Task platform (runtimePlatform)."
    )
    command: Words | None = _command_field()
    entry_point: Words | None = _entry_point_field()
    variables: Variables = _variables_field(
        "Environment variables. COPILOT_APPLICATION_NAME, COPILOT_ENVIRONMENT_NAME, "
        "COPILOT_SERVICE_NAME and COPILOT_SERVICE_DISCOVERY_ENDPOINT are always set by kopilot."
    )
    secrets: Secrets = _secrets_field()
    health_check: HealthCheck | None = Field(None, description=HealthCheck.__doc__)
    depends_on: DependsOn = Field(
        default_factory=dict,
        description="Sidecars the service's container waits for (ECS dependsOn): {sidecar: "
        "START | COMPLETE | SUCCESS | HEALTHY}, as Copilot's image.depends_on. HEALTHY needs "
        "that sidecar's healthCheck.",
        max_length=SIDECARS_MAX,
    )
    sidecars: list[Sidecar] = Field(
        default_factory=list,
        description="Containers beside the service's own in every task, as Copilot's "
        f"sidecars (at most {SIDECARS_MAX}: ECS takes 10 containers per task definition).",
        max_length=SIDECARS_MAX,
    )
    task_role_arn: str | None = Field(
        None,
        description="IAM role the application code runs as.",
        pattern=ROLE_ARN_PATTERN,
        max_length=2048,
    )
    exec: bool = Field(
        False,
        description="ECS Exec (enableExecuteCommand), Copilot's `exec`: `aws ecs "
        "execute-command` opens a shell in a running task. The task role (taskRoleArn) must "
        "allow ssmmessages:CreateControlChannel, CreateDataChannel, OpenControlChannel and "
        "OpenDataChannel, as the task role Copilot made did; kopilot uses the role you name. "
        "Turning it on or off starts a deployment: ECS applies it to the tasks it starts.",
    )
    execution_role_arn: str | None = Field(
        None,
        description="Task execution role. Default: the environment's executionRoleArn.",
        pattern=ROLE_ARN_PATTERN,
        max_length=2048,
    )
    logging: Logging = Field(default_factory=Logging, description=Logging.__doc__)
    http: ServiceHttp | None = Field(None, description=ServiceHttp.__doc__)
    network: ServiceNetwork = Field(
        default_factory=ServiceNetwork, description=ServiceNetwork.__doc__
    )
    deployment: Deployment = Field(default_factory=Deployment, description=Deployment.__doc__)
    adopt: bool = Field(
        False,
        description="Take over an existing ECS service of the same name that kopilot did not "
        "create. Without it, kopilot refuses to touch it.",
    )
    management_policy: ManagementPolicy = management_policy_field(
        "the ECS service, its task definition revisions and its Service Discovery service"
    )
    deletion_policy: DeletionPolicy = Field(
        "Delete",
        description="Delete: scale to 0 and delete the ECS service and its Service Discovery "
        "service when this resource is deleted. Retain: leave them running in AWS.",
    )
    tags: Tags = tags_field("of this service")


def _is_env_name(name: str) -> bool:
    import re

    return re.fullmatch(ENV_NAME_PATTERN, name) is not None


class Endpoints(StatusModel):
    """How other services reach this one."""

    service_connect: list[str] = Field(
        default_factory=list, description="Service Connect URLs, e.g. http://api:8080."
    )
    service_discovery: str | None = Field(
        None, description="Service Discovery host:port, e.g. api.test.kudos.local:8080."
    )
    http: str | None = Field(
        None,
        description="The load balancer's URL of the service (spec.http), e.g. "
        "https://kudos.example.com/api.",
    )


class Rollout(StatusModel):
    """The PRIMARY deployment's rollout."""

    state: str | None = Field(None, description="IN_PROGRESS, COMPLETED or FAILED.")
    reason: str | None = Field(None, description="ECS's reason for the state.")
    deployment_id: str | None = Field(None, description="The PRIMARY deployment's id.")
    failed_task_definition: str | None = Field(
        None,
        description="A revision whose rollout failed (ECS rolled back); not deployed again "
        "until the spec changes.",
    )
    failed_generation: int | None = Field(None, description="The generation whose revision failed.")


class EcsEventsSeen(StatusModel):
    """The newest of ECS's service events posted as a Kubernetes Event, so a restart posts
    none twice."""

    at: str | None = Field(None, description="Its createdAt (RFC 3339).")
    ids: list[str] = Field(
        default_factory=list, description="The ids of the events posted of that instant."
    )


class ServiceConnectStatus(StatusModel):
    """The Service Connect configuration in effect."""

    namespace: str | None = Field(None, description="Cloud Map namespace ARN.")
    discovery_name: str | None = Field(None, description="Discovery name of the endpoint.")
    discovery_arn: str | None = Field(None, description="Cloud Map service ECS created for it.")


class TaskCounts(StatusModel):
    """The service's tasks: running and pending (DescribeServices, or ListTasks and
    DescribeTasks when a container has a health check), and the failed ones of its
    current deployment."""

    running: int = Field(0, description="RUNNING tasks.")
    pending: int = Field(0, description="Tasks ECS wants running that are not RUNNING yet.")
    failed: int = Field(
        0,
        description="Tasks of the current (PRIMARY) deployment that failed to start or "
        "stopped (DescribeServices failedTasks).",
    )


class EndpointHealth(StatusModel):
    """A Service Connect server's endpoints: its tasks registered in the Cloud Map services
    of its discovery names, and how many Cloud Map reports HEALTHY."""

    healthy: int = Field(0, description="Instances HEALTHY in GetInstancesHealthStatus.")
    registered: int = Field(0, description="Instances registered.")


class ServiceHealth(StatusModel):
    """Task and endpoint health, read when the service becomes Ready and when ECS's task
    counts move (docs/day-2.md): `at` says when."""

    tasks: TaskCounts | None = Field(None, description=TaskCounts.__doc__)
    healthy: int = Field(0, description="Running tasks whose healthStatus is HEALTHY.")
    unhealthy: int = Field(0, description="Running tasks whose healthStatus is UNHEALTHY.")
    unknown: int = Field(
        0, description="Running tasks with healthStatus UNKNOWN (no container health check)."
    )
    endpoints: EndpointHealth | None = Field(
        None, description="Service Connect servers only. " + (EndpointHealth.__doc__ or "")
    )
    at: str | None = Field(None, description="When this was read (RFC 3339).")


class HttpStatus(StatusModel):
    """The service's routing from its environment's load balancer (spec.http)."""

    target_group_arn: str | None = Field(None, description="Its target group.")
    rule_arn: str | None = Field(None, description="Its rule on the listener.")
    rule_priority: int | None = Field(None, description="The rule's priority.")
    listener_arn: str | None = Field(None, description="The listener the rule is on.")


class EcsServiceStatus(StatusModel):
    """What kopilot created and observed for the service."""

    observed_generation: int | None = Field(None, description="The generation last reconciled.")
    handled_generation: int | None = handled_generation_field()
    conditions: list[Condition] = conditions_field()
    service_arn: str | None = Field(None, description="The ECS service's ARN.")
    task_definition_arn: str | None = Field(None, description="Task definition in use.")
    task_definition_digest: str | None = Field(
        None,
        description="Digest of the content taskDefinitionArn was registered or checked with, "
        "so a restart need not describe the revision again.",
    )
    endpoint: str | None = Field(None, description="The main endpoint, for display.")
    endpoints: Endpoints | None = Field(None, description=Endpoints.__doc__)
    desired_count: int | None = Field(None, description="Desired tasks.")
    running_count: int | None = Field(None, description="Running tasks.")
    pending_count: int | None = Field(None, description="Pending tasks.")
    tasks: str | None = Field(None, description="running/desired, for display.")
    rollout: Rollout | None = Field(None, description=Rollout.__doc__)
    service_connect: ServiceConnectStatus | None = Field(
        None, description=ServiceConnectStatus.__doc__
    )
    service_discovery_arn: str | None = Field(
        None, description="The Service Discovery Cloud Map service ({svc})."
    )
    http: HttpStatus | None = Field(None, description=HttpStatus.__doc__)
    health: ServiceHealth | None = Field(None, description=ServiceHealth.__doc__)
    autoscaling: AutoscalingStatus | None = Field(None, description=AutoscalingStatus.__doc__)
    ecs_events: EcsEventsSeen | None = Field(None, description=EcsEventsSeen.__doc__)
    log_groups: list[str] | None = Field(
        None,
        description="The CloudWatch Logs groups the task definition writes to, as found or "
        "created (with spec.logging.retention); a resync does not look again.",
    )
    log_retention: int | None = Field(None, description="The retention last set, in days.")
    service_discovery_id: str | None = Field(None, description="Its id (srv-...).")
    planned_changes: list[str] | None = planned_changes_field()
    creations: int | None = Field(
        None,
        description="How many times kopilot created the ECS service (it recreates one deleted "
        "out of band); part of the clientToken that makes creation idempotent.",
    )
