"""An app deployed by AWS Copilot, emulated with boto3 as Copilot's CloudFormation stacks
leave it (the templates of Copilot v1.33, the last release; the same since Service Connect
shipped in v1.23), and the workspace that deployed it.

What each resource holds, and the template line it comes from
(internal/pkg/template/templates/ in aws/copilot-cli):

- environment/cf.yml: the ECS cluster (`CapacityProviders: [FARGATE, FARGATE_SPOT]`,
  `ExecuteCommandConfiguration: {Logging: DEFAULT}`, no ClusterSettings without
  `observability`), the private DNS namespace `ServiceDiscoveryEndpoint` (`{env}.{app}.local`,
  `{app}.local` for an environment made before v1.9) in the environment's VPC, and the
  EnvironmentSecurityGroup (ingress from itself) that every service runs in.
- workloads/partials/cf/fargate-taskdef-base-properties.yml: family `{app}-{env}-{svc}`,
  awsvpc, FARGATE, cpu and memory, the execution and task roles; no RuntimePlatform for the
  default platform (linux/x86_64).
- workload-container.yml: one container named `{svc}`; the port mapping
  `{ContainerPort, Protocol: tcp, Name: target}` (named only for Service Connect).
- envvars-common.yml: COPILOT_APPLICATION_NAME, COPILOT_SERVICE_DISCOVERY_ENDPOINT,
  COPILOT_ENVIRONMENT_NAME, COPILOT_SERVICE_NAME.
- logconfig.yml: awslogs to `/copilot/{app}-{env}-{svc}` (loggroup.yml), prefix `copilot`.
- service-base-properties.yml: PlatformVersion LATEST, the circuit breaker with rollback,
  MinimumHealthyPercent 100 / MaximumPercent 200 (`rolling: default`), rollback alarms off
  (`Alarms: {Enable: false, AlarmNames: [], Rollback: true}`), PropagateTags SERVICE,
  LaunchType FARGATE; Service Connect on the namespace by name, the proxy's awslogs (prefix
  copilot), `PortName: target`, DiscoveryName `{svc}-sc`, one client alias (the manifest's
  alias, else `{svc}`) on the target port; AssignPublicIp ENABLED in the public subnets (the
  default placement) with the environment security group.
- services/backend/cf.yml and partials/cf/servicediscovery.yml: the Service Discovery
  service `{svc}` in the namespace (A and SRV, TTL 10, MULTIVALUE, custom health check with
  FailureThreshold 1) and the service registry with the container port.
- Every stack is tagged `copilot-application` and `copilot-environment` (and
  `copilot-service` for a service's), which CloudFormation puts on each resource it makes.
  CloudFormation's own `aws:cloudformation:*` tags are left out: AWS refuses `aws:` keys
  from callers, and nothing reads them.

Physical names are CloudFormation's: `{stack}-{logical id}-{random}`.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.aws.builders import default_network, wait_steady
from tests.fixtures_aws import LocalAws

APP = "kudos"
ACCOUNT = "123456789012"
IMAGE = "public.ecr.aws/nginx/nginx:1.27"
ALIAS = "${COPILOT_SERVICE_NAME}.${COPILOT_ENVIRONMENT_NAME}.${COPILOT_APPLICATION_NAME}.local"
PORT_NAME = "target"  # workload-container.yml, service-base-properties.yml
LOG_PREFIX = "copilot"  # logconfig.yml, service-base-properties.yml


@dataclass(frozen=True)
class Workload:
    """A Backend Service of the workspace: its port and its `network.connect`."""

    name: str
    port: int
    alias: str | None  # connect.alias; None: `connect: true`


WORKLOADS = (Workload("api", 8080, ALIAS), Workload("front-end", 80, None))
# test: made by Copilot v1.9 or later; prod: before v1.9, with the namespace {app}.local.
ENVIRONMENTS = {"test": False, "prod": True}


@dataclass
class DeployedService:
    name: str  # the Copilot service
    ecs_name: str  # kudos-{env}-{svc}-Service-<random>
    arn: str
    task_definition: str  # the revision's ARN
    registry: str  # the Cloud Map service's ARN
    execution_role: str
    task_role: str
    port: int
    alias: str  # the Service Connect client alias, interpolated

    @property
    def connect_url(self) -> str:
        """The Service Connect endpoint: Copilot's port mapping has no appProtocol, so the
        proxy carries TCP (kopilot's status says tcp://)."""
        return f"tcp://{self.alias}:{self.port}"


@dataclass
class DeployedEnvironment:
    name: str
    legacy: bool
    cluster: str
    namespace: str  # its name
    namespace_id: str
    security_group: str
    services: dict[str, DeployedService] = field(default_factory=dict)

    def discovery_name(self, svc: str) -> str:
        return f"{svc}.{self.namespace}"


@dataclass
class Deployment:
    vpc: str
    subnets: list[str]
    environments: dict[str, DeployedEnvironment] = field(default_factory=dict)


def cfn_name(stack: str, logical_id: str, rng: random.Random, length: int = 12) -> str:
    """A physical name as CloudFormation makes it."""
    suffix = "".join(rng.choices(string.ascii_letters + string.digits, k=length))
    return f"{stack}-{logical_id}-{suffix}"


def tags(env: str, svc: str | None = None, *, key: str = "key", value: str = "value") -> Any:
    pairs = {"copilot-application": APP, "copilot-environment": env}
    if svc:
        pairs["copilot-service"] = svc
    return [{key: k, value: v} for k, v in pairs.items()]


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def interpolate(text: str, env: str, svc: str) -> str:
    """Copilot's manifest interpolation of its own variables."""
    for name, value in (
        ("COPILOT_SERVICE_NAME", svc),
        ("COPILOT_ENVIRONMENT_NAME", env),
        ("COPILOT_APPLICATION_NAME", APP),
    ):
        text = text.replace("${" + name + "}", value)
    return text


def _awslogs(aws: LocalAws, env: str, svc: str) -> dict[str, Any]:
    return {
        "logDriver": "awslogs",
        "options": {
            "awslogs-region": aws.region,
            "awslogs-group": f"/copilot/{APP}-{env}-{svc}",
            "awslogs-stream-prefix": LOG_PREFIX,
        },
    }


def deploy(aws: LocalAws, seed: int = 7) -> Deployment:
    """Every environment of ENVIRONMENTS with every service of WORKLOADS, in the default VPC
    (imported by the environments' manifests), each ECS service's rollout completed."""
    rng = random.Random(seed)
    ecs, sd, ec2 = aws.client("ecs"), aws.client("servicediscovery"), aws.client("ec2")
    vpc, subnets = default_network(aws)
    world = Deployment(vpc, subnets[:2])
    for env, legacy in ENVIRONMENTS.items():
        world.environments[env] = _environment(aws, ecs, sd, ec2, world, env, legacy, rng)
    for env in world.environments.values():
        for workload in WORKLOADS:
            env.services[workload.name] = _service(aws, ecs, sd, world, env, workload, rng)
    for env in world.environments.values():
        for service in env.services.values():
            wait_steady(aws, ecs, env.cluster, service.ecs_name)
    return world


def _environment(
    aws: LocalAws,
    ecs: Any,
    sd: Any,
    ec2: Any,
    world: Deployment,
    env: str,
    legacy: bool,
    rng: random.Random,
) -> DeployedEnvironment:
    stack = f"{APP}-{env}"
    namespace = f"{APP}.local" if legacy else f"{env}.{APP}.local"
    operation = sd.create_private_dns_namespace(
        Name=namespace,
        Vpc=world.vpc,
        CreatorRequestId=cfn_name(stack, "ServiceDiscoveryNamespace", rng),
        Tags=tags(env, key="Key", value="Value"),
    )["OperationId"]
    done = aws.eventually(
        lambda: sd.get_operation(OperationId=operation)["Operation"],
        until=lambda op: op["Status"] == "SUCCESS",
    )
    cluster = ecs.create_cluster(
        clusterName=cfn_name(stack, "Cluster", rng),
        capacityProviders=["FARGATE", "FARGATE_SPOT"],
        configuration={"executeCommandConfiguration": {"logging": "DEFAULT"}},
        tags=tags(env),
    )["cluster"]
    group = ec2.create_security_group(
        GroupName=cfn_name(stack, "EnvironmentSecurityGroup", rng),
        Description=f"{APP}-{env}EnvironmentSecurityGroup",
        VpcId=world.vpc,
        TagSpecifications=[
            {
                "ResourceType": "security-group",
                "Tags": [
                    {"Key": "Name", "Value": f"copilot-{APP}-{env}-env"},
                    *tags(env, key="Key", value="Value"),
                ],
            }
        ],
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group}]}],
    )
    return DeployedEnvironment(
        name=env,
        legacy=legacy,
        cluster=cluster["clusterName"],
        namespace=namespace,
        namespace_id=done["Targets"]["NAMESPACE"],
        security_group=group,
    )


def _service(
    aws: LocalAws,
    ecs: Any,
    sd: Any,
    world: Deployment,
    env: DeployedEnvironment,
    workload: Workload,
    rng: random.Random,
) -> DeployedService:
    svc, port = workload.name, workload.port
    stack = f"{APP}-{env.name}-{svc}"
    execution_role = role(cfn_name(stack, "ExecutionRole", rng))
    task_role = role(cfn_name(stack, "TaskRole", rng))
    variables = {
        "COPILOT_APPLICATION_NAME": APP,
        "COPILOT_SERVICE_DISCOVERY_ENDPOINT": env.namespace,
        "COPILOT_ENVIRONMENT_NAME": env.name,
        "COPILOT_SERVICE_NAME": svc,
    }
    # The service stack's LogGroup (retention 30 days), as Copilot's template makes it.
    logs, group = aws.client("logs"), f"/copilot/{APP}-{env.name}-{svc}"
    logs.create_log_group(logGroupName=group)
    logs.put_retention_policy(logGroupName=group, retentionInDays=30)
    task_definition = ecs.register_task_definition(
        family=f"{APP}-{env.name}-{svc}",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        executionRoleArn=execution_role,
        taskRoleArn=task_role,
        containerDefinitions=[
            {
                "name": svc,
                "image": IMAGE,
                "environment": [{"name": k, "value": v} for k, v in variables.items()],
                "environmentFiles": [],
                "logConfiguration": _awslogs(aws, env.name, svc),
                "portMappings": [{"containerPort": port, "protocol": "tcp", "name": PORT_NAME}],
            }
        ],
        tags=tags(env.name, svc),
    )["taskDefinition"]["taskDefinitionArn"]
    registry = sd.create_service(
        Name=svc,
        NamespaceId=env.namespace_id,
        Description="Discovery Service for the Copilot services",
        DnsConfig={
            "RoutingPolicy": "MULTIVALUE",
            "DnsRecords": [{"Type": "A", "TTL": 10}, {"Type": "SRV", "TTL": 10}],
        },
        HealthCheckCustomConfig={"FailureThreshold": 1},
        Tags=tags(env.name, svc, key="Key", value="Value"),
    )["Service"]["Arn"]
    alias = interpolate(workload.alias, env.name, svc) if workload.alias else svc
    created = ecs.create_service(
        cluster=env.cluster,
        serviceName=cfn_name(stack, "Service", rng),
        taskDefinition=task_definition,
        desiredCount=1,
        launchType="FARGATE",
        platformVersion="LATEST",
        deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "minimumHealthyPercent": 100,
            "maximumPercent": 200,
            "alarms": {"alarmNames": [], "enable": False, "rollback": True},
        },
        propagateTags="SERVICE",
        serviceConnectConfiguration={
            "enabled": True,
            "namespace": env.namespace,
            "logConfiguration": _awslogs(aws, env.name, svc),
            "services": [
                {
                    "portName": PORT_NAME,
                    "discoveryName": f"{svc}-sc",
                    "clientAliases": [{"port": port, "dnsName": alias}],
                }
            ],
        },
        networkConfiguration={
            "awsvpcConfiguration": {
                "assignPublicIp": "ENABLED",
                "subnets": world.subnets,
                "securityGroups": [env.security_group],
            }
        },
        serviceRegistries=[{"registryArn": registry, "port": port}],
        tags=tags(env.name, svc),
    )["service"]
    return DeployedService(
        name=svc,
        ecs_name=created["serviceName"],
        arn=created["serviceArn"],
        task_definition=task_definition,
        registry=registry,
        execution_role=execution_role,
        task_role=task_role,
        port=port,
        alias=alias,
    )


def write_workspace(root: Path, world: Deployment) -> Path:
    """The copilot/ directory that deployed `world`: Backend Services and environments that
    import the VPC (public subnets: Copilot's default placement)."""
    copilot = root / "copilot"
    files = {".workspace": f"application: {APP}\n"}
    for workload in WORKLOADS:
        connect = f"\n    alias: {workload.alias}" if workload.alias else " true"
        files[f"{workload.name}/manifest.yml"] = (
            f"name: {workload.name}\ntype: Backend Service\n"
            f"image:\n  location: {IMAGE}\n  port: {workload.port}\n"
            "cpu: 256\nmemory: 512\ncount: 1\nexec: false\n"
            f"network:\n  connect:{connect}\n"
        )
    subnets = "".join(f"\n        - id: {s}" for s in world.subnets)
    for env in world.environments:
        files[f"environments/{env}/manifest.yml"] = (
            f"name: {env}\ntype: Environment\nnetwork:\n  vpc:\n    id: {world.vpc}\n"
            f"    subnets:\n      public:{subnets}\n"
        )
    for relative, text in files.items():
        path = copilot / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root
