"""`kopilot import --from-aws`: what Copilot runs for an app, found by Copilot's tags (reads
only; adopt.py turns it into spec changes).

Copilot tags every resource of an environment stack with `copilot-application` and
`copilot-environment`, and a service's with `copilot-service` too. For one app in one Region:

- ECS clusters: ListClusters, DescribeClusters (include TAGS, 100 a call); those tagged
  with the app, by environment.
- Cloud Map namespaces: ListNamespaces, ListTagsForResource of each; likewise.
- In the one ACTIVE cluster of each environment of the workspace: ListServices,
  DescribeServices (include TAGS, 10 a call); for each service tagged `copilot-service`:
  DescribeTaskDefinition (family, roles, port names) and, with a service registry, Cloud
  Map GetService (the Service Discovery service's name); then DescribeSubnets for the VPC of
  the subnets the services run in.

Credentials come from boto3's default chain (or an assumed role, through ClientFactory);
AWS_ENDPOINT_URL points every call at an emulator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from ..aws import cloudmap, ecs
from ..aws.clients import ClientFactory
from ..naming import TAG_APP, TAG_ENV, TAG_SVC, from_aws_tags

T = TypeVar("T")

DESCRIBE_CLUSTERS_BATCH = 100  # DescribeClusters takes at most 100 clusters per call


class AwsReadError(Exception):
    """AWS could not be read (credentials, permissions, endpoint): exit code 2."""


@dataclass
class Cluster:
    name: str
    arn: str
    status: str
    tags: dict[str, str]
    # Its Service Connect default namespace (an ARN); None: none, as Copilot leaves it.
    service_connect_namespace: str | None = None


@dataclass
class Namespace:
    id: str
    arn: str
    name: str
    type: str  # DNS_PRIVATE, DNS_PUBLIC or HTTP
    tags: dict[str, str]


@dataclass
class ConnectEndpoint:
    """One entry of serviceConnectConfiguration.services (its first client alias)."""

    port_name: str
    discovery_name: str | None
    dns_name: str | None
    port: int | None


@dataclass
class ConnectLogs:
    """The Service Connect proxy's awslogs configuration."""

    group: str | None
    stream_prefix: str | None


@dataclass
class ServiceConnect:
    enabled: bool
    namespace: str | None  # as ECS reports it: a name or an ARN
    endpoints: list[ConnectEndpoint] = field(default_factory=list)
    logs: ConnectLogs | None = None  # None: no awslogs configuration for the proxy


@dataclass
class Registry:
    """A service registry of the ECS service and the Cloud Map service it names."""

    arn: str
    name: str | None = None
    namespace_id: str | None = None


@dataclass
class Service:
    name: str
    arn: str
    tags: dict[str, str]
    task_definition: str = ""
    family: str = ""
    execution_role_arn: str | None = None
    task_role_arn: str | None = None
    # Its task definition's port mappings: container port -> name (None: unnamed).
    port_names: dict[int, str | None] = field(default_factory=dict)
    connect: ServiceConnect | None = None  # None: no Service Connect configuration at all
    registries: list[Registry] = field(default_factory=list)
    subnets: list[str] = field(default_factory=list)
    security_groups: list[str] = field(default_factory=list)
    assign_public_ip: bool = False
    load_balancers: list[str] = field(default_factory=list)

    @property
    def copilot_name(self) -> str | None:
        return self.tags.get(TAG_SVC)


@dataclass
class Environment:
    name: str
    clusters: list[Cluster] = field(default_factory=list)  # tagged with the app and env
    namespaces: list[Namespace] = field(default_factory=list)  # likewise
    # Every ECS service of the environment's one ACTIVE cluster (listed only then).
    services: list[Service] = field(default_factory=list)
    subnet_vpcs: dict[str, str] = field(default_factory=dict)  # subnet -> its VPC


@dataclass
class Found:
    app: str
    region: str
    # The workspace's environments and any other environment AWS has tags for.
    environments: dict[str, Environment]
    namespaces: list[Namespace]  # every namespace of the Region (the fallbacks)
    calls: int = 0


class _Reader:
    """Counts the calls and turns every AWS failure into an AwsReadError."""

    def __init__(self, factory: ClientFactory, region: str, role_arn: str | None) -> None:
        self.factory = factory
        self.region = region
        self.role_arn = role_arn
        self.calls = 0

    def client(self, service: str) -> Any:
        return self.factory.client(service, self.region, self.role_arn)

    def call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        self.calls += 1
        try:
            return fn(*args, **kwargs)
        except ClientError as err:
            error = err.response.get("Error", {})
            raise AwsReadError(
                f"{what}: {error.get('Code', 'error')}: {error.get('Message', err)}"
            ) from err
        except BotoCoreError as err:
            raise AwsReadError(f"{what}: {err}") from err

    def pages(self, what: str, client: Any, operation: str, **kwargs: Any) -> list[Any]:
        """Every page of a paginated listing (one call each)."""
        paginator = client.get_paginator(operation)
        pages: list[Any] = self.call(what, list, paginator.paginate(**kwargs))
        self.calls += max(0, len(pages) - 1)
        return pages


def discover(
    app: str,
    environments: list[str],
    region: str,
    role_arn: str | None = None,
    factory: ClientFactory | None = None,
) -> Found:
    """Find the app's clusters, namespaces and services in `region` by Copilot's tags."""
    reader = _Reader(factory or ClientFactory(), region, role_arn)
    ecs_client = reader.client("ecs")
    sd = reader.client("servicediscovery")
    found = Found(app=app, region=region, environments={}, namespaces=[])
    for name in environments:
        found.environments[name] = Environment(name)

    def env_of(tags: dict[str, str]) -> Environment | None:
        if tags.get(TAG_APP) != app or not tags.get(TAG_ENV):
            return None
        return found.environments.setdefault(tags[TAG_ENV], Environment(tags[TAG_ENV]))

    for cluster in _clusters(reader, ecs_client):
        env = env_of(cluster.tags)
        if env is not None:
            env.clusters.append(cluster)
    found.namespaces = _namespaces(reader, sd)
    for namespace in found.namespaces:
        env = env_of(namespace.tags)
        if env is not None:
            env.namespaces.append(namespace)
    for name in environments:
        env = found.environments[name]
        active = [c for c in env.clusters if c.status == "ACTIVE"]
        if len(active) == 1:
            env.services = _services(reader, ecs_client, sd, active[0].arn, app, name)
            subnets = sorted({s for svc in env.services if svc.copilot_name for s in svc.subnets})
            if subnets:
                env.subnet_vpcs = _subnet_vpcs(reader, subnets)
    found.calls = reader.calls
    return found


def _clusters(reader: _Reader, client: Any) -> list[Cluster]:
    pages = reader.pages(
        "ecs:ListClusters", client, "list_clusters", PaginationConfig={"PageSize": 100}
    )
    arns = [arn for page in pages for arn in page.get("clusterArns", [])]
    clusters: list[Cluster] = []
    for start in range(0, len(arns), DESCRIBE_CLUSTERS_BATCH):
        batch = arns[start : start + DESCRIBE_CLUSTERS_BATCH]
        response = reader.call(
            "ecs:DescribeClusters", client.describe_clusters, clusters=batch, include=["TAGS"]
        )
        for item in response.get("clusters", []):
            clusters.append(
                Cluster(
                    name=item["clusterName"],
                    arn=item["clusterArn"],
                    status=item.get("status", ""),
                    tags=from_aws_tags(item.get("tags")),
                    service_connect_namespace=(item.get("serviceConnectDefaults") or {}).get(
                        "namespace"
                    )
                    or None,
                )
            )
    return clusters


def _namespaces(reader: _Reader, sd: Any) -> list[Namespace]:
    pages = reader.pages(
        "servicediscovery:ListNamespaces", sd, "list_namespaces", PaginationConfig={"PageSize": 100}
    )
    namespaces = []
    for item in (n for page in pages for n in page.get("Namespaces", [])):
        tags = reader.call(
            "servicediscovery:ListTagsForResource", cloudmap.tags_of, sd, item["Arn"]
        )
        namespaces.append(
            Namespace(
                id=item["Id"],
                arn=item["Arn"],
                name=item["Name"],
                type=item.get("Type", ""),
                tags=tags,
            )
        )
    return namespaces


def _services(
    reader: _Reader, client: Any, sd: Any, cluster: str, app: str, env: str
) -> list[Service]:
    pages = reader.pages(
        "ecs:ListServices",
        client,
        "list_services",
        cluster=cluster,
        PaginationConfig={"PageSize": 100},
    )
    names = [arn.rsplit("/", 1)[-1] for page in pages for arn in page.get("serviceArns", [])]
    described: list[dict[str, Any]] = []
    for start in range(0, len(names), ecs.DESCRIBE_BATCH):
        response = reader.call(
            "ecs:DescribeServices",
            client.describe_services,
            cluster=cluster,
            services=names[start : start + ecs.DESCRIBE_BATCH],
            include=["TAGS"],
        )
        described.extend(response.get("services", []))
    services = []
    for item in sorted(described, key=lambda s: str(s.get("serviceName"))):
        if item.get("status") != "ACTIVE":
            continue  # DRAINING: on its way out
        service = service_from(item)
        tags = service.tags
        if service.copilot_name and tags.get(TAG_APP) == app and tags.get(TAG_ENV) == env:
            _task_definition(reader, client, service)
            for registry in service.registries:
                _registry(reader, sd, registry)
        services.append(service)
    return services


def service_from(item: dict[str, Any]) -> Service:
    """A DescribeServices entry -> Service (no calls)."""
    deployments = item.get("deployments", [])
    primary: dict[str, Any] = next((d for d in deployments if d.get("status") == "PRIMARY"), {})
    awsvpc = (primary.get("networkConfiguration") or item.get("networkConfiguration") or {}).get(
        "awsvpcConfiguration", {}
    )
    config = primary.get("serviceConnectConfiguration") or item.get("serviceConnectConfiguration")
    task_definition = primary.get("taskDefinition") or item.get("taskDefinition", "")
    return Service(
        name=item["serviceName"],
        arn=item["serviceArn"],
        tags=from_aws_tags(item.get("tags")),
        task_definition=task_definition,
        family=task_definition.rsplit("/", 1)[-1].rsplit(":", 1)[0],
        connect=_connect(config) if config is not None else None,
        registries=[Registry(r["registryArn"]) for r in item.get("serviceRegistries", [])],
        subnets=list(awsvpc.get("subnets", [])),
        security_groups=list(awsvpc.get("securityGroups", [])),
        assign_public_ip=awsvpc.get("assignPublicIp") == "ENABLED",
        load_balancers=[
            lb.get("targetGroupArn") or lb.get("loadBalancerName") or "?"
            for lb in item.get("loadBalancers", [])
        ],
    )


def _connect(config: dict[str, Any]) -> ServiceConnect:
    endpoints = []
    for entry in config.get("services", []):
        alias = (entry.get("clientAliases") or [{}])[0]
        endpoints.append(
            ConnectEndpoint(
                port_name=entry.get("portName", ""),
                # ECS names the Cloud Map service after the port when discoveryName is left out.
                discovery_name=entry.get("discoveryName") or entry.get("portName"),
                dns_name=alias.get("dnsName"),
                port=alias.get("port"),
            )
        )
    log_config = config.get("logConfiguration") or {}
    options = log_config.get("options") or {}
    logs = (
        ConnectLogs(options.get("awslogs-group"), options.get("awslogs-stream-prefix"))
        if log_config.get("logDriver") == "awslogs"
        else None
    )
    return ServiceConnect(
        enabled=bool(config.get("enabled")),
        namespace=config.get("namespace"),
        endpoints=endpoints,
        logs=logs,
    )


def _task_definition(reader: _Reader, client: Any, service: Service) -> None:
    task_definition = reader.call(
        "ecs:DescribeTaskDefinition", ecs.describe_task_definition, client, service.task_definition
    )
    service.family = task_definition.get("family", service.family)
    service.execution_role_arn = task_definition.get("executionRoleArn")
    service.task_role_arn = task_definition.get("taskRoleArn")
    for container in task_definition.get("containerDefinitions") or []:
        for mapping in container.get("portMappings") or []:
            if isinstance(mapping.get("containerPort"), int):
                service.port_names.setdefault(mapping["containerPort"], mapping.get("name"))


def _registry(reader: _Reader, sd: Any, registry: Registry) -> None:
    service_id = registry.arn.rsplit("/", 1)[-1]
    found = reader.call("servicediscovery:GetService", cloudmap.get_service, sd, service_id)
    if found is not None:
        registry.name = found.get("Name")
        registry.namespace_id = found.get("NamespaceId")


def _subnet_vpcs(reader: _Reader, subnets: list[str]) -> dict[str, str]:
    ec2 = reader.client("ec2")
    response = reader.call("ec2:DescribeSubnets", ec2.describe_subnets, SubnetIds=subnets)
    return {s["SubnetId"]: s["VpcId"] for s in response.get("Subnets", [])}
