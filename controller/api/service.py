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
    immutable_rule,
    management_policy_field,
    planned_changes_field,
    tags_field,
)

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
    alias: str | None = Field(
        None,
        description="The DNS name clients use (client alias dnsName). Default: the service "
        "name, so the endpoint is http://<svc>:<port>. May use ${COPILOT_SERVICE_NAME}, "
        "${COPILOT_ENVIRONMENT_NAME} and ${COPILOT_APPLICATION_NAME}: "
        "${COPILOT_SERVICE_NAME}.${COPILOT_ENVIRONMENT_NAME}.${COPILOT_APPLICATION_NAME}.local "
        "keeps a Service Discovery name working after the move to Service Connect.",
        pattern=ALIAS_PATTERN,
        max_length=ALIAS_MAX,
    )
    client_port: int | None = Field(
        None,
        description="The port clients call on the alias. Default: the service's port.",
        ge=1,
        le=65535,
    )
    discovery_name: str | None = Field(
        None,
        description="The Cloud Map service ECS creates for this endpoint. Default: {svc}-sc, "
        "so it never clashes with the Service Discovery service {svc}.",
        pattern=NAME_PATTERN,
        max_length=63,
    )
    namespace: str | None = Field(
        None,
        description="Cloud Map namespace (name or ARN) for this service. Default: the "
        "environment's namespace.",
        min_length=1,
        max_length=2048,
    )
    ingress_port_override: int | None = Field(
        None,
        description="The port the Service Connect proxy listens on for inbound traffic. "
        "Default: the container port (awsvpc).",
        ge=1,
        le=65535,
    )
    timeouts: Timeouts | None = Field(None, description=Timeouts.__doc__)
    tls: Tls | None = Field(None, description=Tls.__doc__)
    logs: ConnectLogs | None = Field(None, description=ConnectLogs.__doc__)

    @property
    def is_enabled(self) -> bool:
        return self.enabled if self.enabled is not None else True


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


def _connect(m: Any) -> Connect | None:
    connect: Connect | None = m.network.connect
    return connect


_SERVER_ONLY = ("alias", "clientPort", "discoveryName", "ingressPortOverride", "timeouts", "tls")


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
            cel="!has(self.network.connect) || has(self.port) || !("
            + " || ".join(f"has(self.network.connect.{f})" for f in _SERVER_ONLY)
            + ")",
            message="network.connect alias, clientPort, discoveryName, ingressPortOverride, "
            "timeouts and tls are for a server: set port, or remove them for a client-only "
            "service",
            check=lambda m: (
                _connect(m) is None
                or m.port is not None
                or all(
                    getattr(_connect(m), f) is None
                    for f in (
                        "alias",
                        "client_port",
                        "discovery_name",
                        "ingress_port_override",
                        "timeouts",
                        "tls",
                    )
                )
            ),
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
            "!self.network.serviceDiscovery.enabled || has(self.port)",
            message="network.serviceDiscovery.enabled needs a port to register",
            check=lambda m: not m.network.service_discovery.enabled or m.port is not None,
            field_path=".network.serviceDiscovery.enabled",
        ),
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
        tag_keys_rule(),
        immutable_rule("app", "it names the task definition family and the ECS service"),
        immutable_rule("environment", "the ECS service lives in that environment's cluster"),
        immutable_rule("name", "it names the ECS service, its family and its endpoints"),
        immutable_rule("ecsServiceName", "it names the ECS service kopilot runs"),
        Rule(
            cel="!has(self.http) || has(self.port) || has(self.http.targetPort)",
            message="http routes requests to a container port: set port (or http.targetPort)",
            check=lambda m: m.http is None or m.port is not None or m.http.target_port is not None,
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
        pattern=r"^[a-z0-9_][a-z0-9_-]{0,63}$",
    )
    image: str = Field(
        description="Container image, e.g. public.ecr.aws/nginx/nginx:1.27.",
        min_length=1,
        max_length=255,
        # An image reference has no white space (blank or padded names never pull).
        pattern=r"^\S+$",
    )
    port: int | None = Field(
        None,
        description="The container port other services call. Without one the service is a "
        "client only (no Service Connect endpoint, no Service Discovery).",
        ge=1,
        le=65535,
    )
    protocol: Protocol = Field(
        "http",
        description="Application protocol of the port (Service Connect appProtocol): http, "
        "http2, grpc or tcp.",
    )
    cpu: Literal[256, 512, 1024, 2048, 4096, 8192, 16384] = Field(
        256, description="Task CPU units (Fargate sizes)."
    )
    memory: int = Field(
        512, description="Task memory in MiB; must fit the cpu (Fargate sizes).", ge=512, le=122880
    )
    count: int = Field(1, description="Desired number of tasks.", ge=0, le=5000)
    platform: Literal["linux/x86_64", "linux/arm64"] = Field(
        "linux/x86_64", description="Task platform (runtimePlatform)."
    )
    command: list[Annotated[str, StringConstraints(max_length=4096)]] | None = Field(
        None, description="Overrides the image's CMD.", max_length=64
    )
    entry_point: list[Annotated[str, StringConstraints(max_length=4096)]] | None = Field(
        None, description="Overrides the image's ENTRYPOINT.", max_length=64
    )
    variables: dict[str, Annotated[str, StringConstraints(max_length=32768)]] = Field(
        default_factory=dict,
        description="Environment variables. COPILOT_APPLICATION_NAME, "
        "COPILOT_ENVIRONMENT_NAME, COPILOT_SERVICE_NAME and "
        "COPILOT_SERVICE_DISCOVERY_ENDPOINT are always set by kopilot.",
        max_length=200,
    )
    secrets: dict[
        str, Annotated[str, StringConstraints(pattern=SECRET_ARN_PATTERN, max_length=2048)]
    ] = Field(
        default_factory=dict,
        description="Environment variables read from SSM Parameter Store or Secrets Manager, "
        "by ARN (arn:aws:ssm:...:parameter/... or arn:aws:secretsmanager:...:secret:...).",
        max_length=100,
    )
    health_check: HealthCheck | None = Field(None, description=HealthCheck.__doc__)
    task_role_arn: str | None = Field(
        None,
        description="IAM role the application code runs as.",
        pattern=ROLE_ARN_PATTERN,
        max_length=2048,
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


class ServiceConnectStatus(StatusModel):
    """The Service Connect configuration in effect."""

    namespace: str | None = Field(None, description="Cloud Map namespace ARN.")
    discovery_name: str | None = Field(None, description="Discovery name of the endpoint.")
    discovery_arn: str | None = Field(None, description="Cloud Map service ECS created for it.")


class HttpStatus(StatusModel):
    """The service's routing from its environment's load balancer (spec.http)."""

    target_group_arn: str | None = Field(None, description="Its target group.")
    rule_arn: str | None = Field(None, description="Its rule on the listener.")
    rule_priority: int | None = Field(None, description="The rule's priority.")
    listener_arn: str | None = Field(None, description="The listener the rule is on.")


class EcsServiceStatus(StatusModel):
    """What kopilot created and observed for the service."""

    observed_generation: int | None = Field(None, description="The generation last reconciled.")
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
    service_discovery_id: str | None = Field(None, description="Its id (srv-...).")
    planned_changes: list[str] | None = planned_changes_field()
    creations: int | None = Field(
        None,
        description="How many times kopilot created the ECS service (it recreates one deleted "
        "out of band); part of the clientToken that makes creation idempotent.",
    )
