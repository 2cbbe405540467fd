"""`kopilot import --from-aws` against the local AWS, set up as Copilot's CloudFormation stacks
leave an app: generated cluster and service names, Copilot's tags, `{env}.{app}.local` and
the legacy `{app}.local` namespaces, Service Connect and Service Discovery."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from controller.api import EcsEnvironmentSpec, EcsServiceSpec
from controller.cli import main
from controller.migrate.plan import apply_merge_patch
from controller.sandbox.aws import FaultRule
from tests.aws.builders import default_network
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws

ACCOUNT = "123456789012"
MANIFESTS = {
    ".workspace": "application: kudos\n",
    "api/manifest.yml": """\
        name: api
        type: Backend Service
        image:
          location: public.ecr.aws/nginx/nginx:1.27
          port: 8080
        network:
          connect:
            alias: ${COPILOT_SERVICE_NAME}.${COPILOT_ENVIRONMENT_NAME}.${COPILOT_APPLICATION_NAME}.local
        """,
    "front-end/manifest.yml": """\
        name: front-end
        type: Backend Service
        image:
          location: public.ecr.aws/nginx/nginx:1.27
          port: 80
        network:
          connect: true
        """,
    "worker/manifest.yml": """\
        name: worker
        type: Worker Service
        image:
          location: public.ecr.aws/docker/library/busybox:1.36
        network:
          connect: true
        """,
    "environments/test/manifest.yml": "name: test\ntype: Environment\n",
    "environments/prod/manifest.yml": "name: prod\ntype: Environment\n",
}


@dataclass
class Copilot:
    """What the emulated Copilot deployment is made of (ids and ARNs the test asserts)."""

    vpc: str
    subnets: list[str]
    groups: dict[str, str]  # env -> its environment security group
    namespaces: dict[str, dict[str, Any]]  # env -> namespace
    services: dict[str, str]  # ECS service name -> ARN
    registries: dict[str, str]  # env -> Cloud Map service api's ARN


def workspace(root: Path) -> Path:
    for relative, text in MANIFESTS.items():
        path = root / "copilot" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def tags(**values: str) -> list[dict[str, str]]:
    keys = {"app": "copilot-application", "env": "copilot-environment", "svc": "copilot-service"}
    return [{"key": keys[k], "value": v} for k, v in values.items()]


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def namespace(aws: LocalAws, sd: Any, name: str, vpc: str, env: str) -> dict[str, Any]:
    operation_id = sd.create_private_dns_namespace(
        Name=name,
        Vpc=vpc,
        CreatorRequestId=f"copilot-{env}",
        Tags=[
            {"Key": "copilot-application", "Value": "kudos"},
            {"Key": "copilot-environment", "Value": env},
        ],
    )["OperationId"]
    operation = aws.eventually(
        lambda: sd.get_operation(OperationId=operation_id)["Operation"],
        until=lambda op: op["Status"] == "SUCCESS",
    )
    found: dict[str, Any] = sd.get_namespace(Id=operation["Targets"]["NAMESPACE"])["Namespace"]
    return found


def task_definition(ecs: Any, env: str, svc: str, port: int | None) -> str:
    container: dict[str, Any] = {"name": svc, "image": "public.ecr.aws/nginx/nginx:1.27"}
    if port:
        container["portMappings"] = [{"containerPort": port, "protocol": "tcp", "name": "target"}]
    arn: str = ecs.register_task_definition(
        family=f"kudos-{env}-{svc}",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        executionRoleArn=role(f"kudos-{env}-{svc}-ExecutionRole-1A2B3C"),
        taskRoleArn=role(f"kudos-{env}-{svc}-TaskRole-4D5E6F"),
        containerDefinitions=[container],
    )["taskDefinition"]["taskDefinitionArn"]
    return arn


def connect(
    ns: str, group: str, svc: str | None = None, dns: str = "", port: int = 0
) -> dict[str, Any]:
    """Copilot's ServiceConnectConfiguration: a client, or a server on port `target`; the
    proxy logs to the service's log group with prefix copilot."""
    config: dict[str, Any] = {
        "enabled": True,
        "namespace": ns,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-region": "us-east-1",
                "awslogs-group": f"/copilot/{group}",
                "awslogs-stream-prefix": "copilot",
            },
        },
    }
    if svc:
        config["services"] = [
            {
                "portName": "target",
                "discoveryName": svc,
                "clientAliases": [{"port": port, "dnsName": dns}],
            }
        ]
    return config


@pytest.fixture
def copilot(aws: LocalAws) -> Copilot:
    """Two environments as Copilot leaves them: test ({env}.{app}.local, public subnets) and
    prod (the legacy kudos.local), plus what kopilot must not take: another app's cluster, an
    environment with no manifest, a service with no manifest and one that is not Copilot's."""
    aws.settings(operation_seconds=0)
    ecs, sd, ec2 = aws.client("ecs"), aws.client("servicediscovery"), aws.client("ec2")
    vpc, subnets = default_network(aws)
    world = Copilot(vpc, subnets[:2], {}, {}, {}, {})
    clusters = {
        "test": "kudos-test-Cluster-AbCdEf123",
        "prod": "kudos-prod-Cluster-XyZ987",
        "staging": "kudos-staging-Cluster-QqQ111",
    }
    for env, name in clusters.items():
        ecs.create_cluster(clusterName=name, tags=tags(app="kudos", env=env))
    ecs.create_cluster(clusterName="shop-test-Cluster-Zz1", tags=tags(app="shop", env="test"))
    for env, name in (("test", "test.kudos.local"), ("prod", "kudos.local")):
        world.groups[env] = ec2.create_security_group(
            GroupName=f"kudos-{env}-EnvironmentSecurityGroup-1XYZ",
            Description=f"kudos-{env}-EnvironmentSecurityGroup",
            VpcId=vpc,
        )["GroupId"]
        world.namespaces[env] = namespace(aws, sd, name, vpc, env)
        world.registries[env] = sd.create_service(
            Name="api",
            NamespaceId=world.namespaces[env]["Id"],
            DnsConfig={
                "RoutingPolicy": "MULTIVALUE",
                "DnsRecords": [{"Type": "A", "TTL": 10}, {"Type": "SRV", "TTL": 10}],
            },
            HealthCheckCustomConfig={"FailureThreshold": 1},
        )["Service"]["Arn"]

    def service(
        env: str, svc: str, name: str, port: int | None, public: bool, **request: Any
    ) -> None:
        created = ecs.create_service(
            cluster=clusters[env],
            serviceName=name,
            taskDefinition=task_definition(ecs, env, svc, port),
            desiredCount=1,
            launchType="FARGATE",
            propagateTags="SERVICE",
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": world.subnets,
                    "securityGroups": [world.groups[env]],
                    "assignPublicIp": "ENABLED" if public else "DISABLED",
                }
            },
            **request,
        )["service"]
        world.services[name] = created["serviceArn"]

    api = "api.test.kudos.local"
    service(
        "test",
        "api",
        "kudos-test-api-Service-AbC123",
        8080,
        True,
        tags=tags(app="kudos", env="test", svc="api"),
        serviceConnectConfiguration=connect(
            "test.kudos.local", "kudos-test-api", "api-sc", api, 8080
        ),
        serviceRegistries=[{"registryArn": world.registries["test"], "port": 8080}],
    )
    # Deployed with `connect: {alias: frontend}` and no Service Discovery.
    service(
        "test",
        "front-end",
        "kudos-test-front-end-Service-DeF456",
        80,
        True,
        tags=tags(app="kudos", env="test", svc="front-end"),
        serviceConnectConfiguration=connect(
            "test.kudos.local", "kudos-test-front-end", "front-end-sc", "frontend", 80
        ),
    )
    service(
        "test",
        "worker",
        "kudos-test-worker-Service-GhI789",
        None,
        True,
        tags=tags(app="kudos", env="test", svc="worker"),
        serviceConnectConfiguration=connect("test.kudos.local", "kudos-test-worker"),
    )
    # An environment from before Copilot v1.9, its api deployed with another discovery name
    # (a Service Discovery service named api is in the namespace) and the alias api.
    service(
        "prod",
        "api",
        "kudos-prod-api-Service-JkL012",
        8080,
        False,
        tags=tags(app="kudos", env="prod", svc="api"),
        serviceConnectConfiguration=connect(
            "kudos.local", "kudos-prod-api", "kudos-api", "api", 8080
        ),
        serviceRegistries=[{"registryArn": world.registries["prod"], "port": 8080}],
    )
    service(
        "prod",
        "stats",
        "kudos-prod-stats-Service-MnO345",
        None,
        False,
        tags=tags(app="kudos", env="prod", svc="stats"),
    )
    service("prod", "agent", "datadog-agent", None, False)
    return world


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(path.read_text())
    return doc


def test_import_from_aws_writes_the_names_of_what_copilot_runs(
    aws: LocalAws,
    copilot: Copilot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in aws.env().items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "out"
    aws.reset_counters()
    argv = ["import", str(workspace(tmp_path / "ws")), "--out", str(out), "--from-aws"]
    assert main([*argv, "--role-arn", role("kopilot-import")]) == 0
    report = capsys.readouterr().out

    calls = aws.counters()
    assert calls.pop("sts:AssumeRole") == 1  # --role-arn, once for every client
    assert all(op.split(":")[1].startswith(("List", "Describe", "Get")) for op in calls), calls
    assert calls == {
        "ecs:ListClusters": 1,
        "ecs:DescribeClusters": 1,
        "servicediscovery:ListNamespaces": 1,
        "servicediscovery:ListTagsForResource": 2,
        "ecs:ListServices": 2,
        "ecs:DescribeServices": 2,
        "ecs:DescribeTaskDefinition": 5,
        "servicediscovery:GetService": 2,
        "ec2:DescribeSubnets": 2,
    }
    assert f"Found in AWS ({aws.region}, {sum(calls.values())} read calls):" in report

    overlay = out / "overlays"
    test_env = load(overlay / "test" / "environment.yaml")["spec"]
    assert test_env == {
        "app": "kudos",
        "region": aws.region,
        "network": {
            "vpcId": copilot.vpc,
            "subnets": copilot.subnets,
            "securityGroups": [copilot.groups["test"]],
            "assignPublicIp": True,
        },
        "cluster": {"name": "kudos-test-Cluster-AbCdEf123"},
        # Copilot's cluster has no Service Connect default namespace: kept so.
        "serviceConnect": {"enabled": False},
        "adopt": True,
        "managementPolicy": "Observe",
    }
    prod_env = load(overlay / "prod" / "environment.yaml")["spec"]
    assert prod_env == {
        "app": "kudos",
        "region": aws.region,
        "network": {
            "vpcId": copilot.vpc,
            "subnets": copilot.subnets,
            "securityGroups": [copilot.groups["prod"]],
        },
        "cluster": {"name": "kudos-prod-Cluster-XyZ987"},
        "serviceConnect": {"enabled": False},
        "serviceDiscovery": {"legacyNamespace": True},
        "adopt": True,
        "managementPolicy": "Observe",
    }

    def patch(env: str, svc: str) -> dict[str, Any]:
        return load(overlay / env / "services" / f"{svc}.yaml")["spec"]

    def adopted(env: str, svc: str, name: str) -> dict[str, Any]:
        return {
            "environment": env,
            "ecsServiceName": name,
            "adopt": True,
            "managementPolicy": "Observe",
            "executionRoleArn": role(f"kudos-{env}-{svc}-ExecutionRole-1A2B3C"),
            "taskRoleArn": role(f"kudos-{env}-{svc}-TaskRole-4D5E6F"),
        }

    # api in test runs as its manifest says: only the names.
    assert patch("test", "api") == adopted("test", "api", "kudos-test-api-Service-AbC123")
    assert patch("test", "front-end") == {
        **adopted("test", "front-end", "kudos-test-front-end-Service-DeF456"),
        "network": {"connect": {"alias": "frontend"}, "serviceDiscovery": {"enabled": False}},
    }
    assert patch("test", "worker") == adopted("test", "worker", "kudos-test-worker-Service-GhI789")
    assert patch("prod", "api") == {
        **adopted("prod", "api", "kudos-prod-api-Service-JkL012"),
        "network": {"connect": {"discoveryName": "kudos-api", "alias": "api"}},
    }
    # Not running in prod: Observe until the user says Manage.
    for svc in ("front-end", "worker"):
        assert patch("prod", svc) == {"environment": "prod", "managementPolicy": "Observe"}

    for line in (
        "  Environment test:",
        f"    found: ECS cluster kudos-test-Cluster-AbCdEf123\n      (arn:aws:ecs:{aws.region}:",
        "    found: Cloud Map namespace test.kudos.local (DNS_PRIVATE, "
        + copilot.namespaces["test"]["Id"],
        "    wrote overlays/test/environment.yaml:\n      spec.network.vpcId: " + copilot.vpc,
        f'      spec.network.securityGroups: ["{copilot.groups["test"]}"]\n'
        "      spec.network.assignPublicIp: true\n"
        "      spec.cluster.name: kudos-test-Cluster-AbCdEf123\n"
        "      spec.serviceConnect.enabled: false\n"
        "      spec.adopt: true\n",
        "  Service front-end in test:",
        "    found: ECS service kudos-test-front-end-Service-DeF456\n      ("
        + copilot.services["kudos-test-front-end-Service-DeF456"],
        "    found: Service Discovery: none",
        "      spec.ecsServiceName: kudos-test-front-end-Service-DeF456\n"
        "      spec.network.connect.alias: frontend\n"
        "      spec.network.serviceDiscovery.enabled: false\n",
        "    check: Service Connect alias in AWS is frontend, the manifest's gives front-end:",
        "    check: no Service Discovery registry in AWS: the overlay turns it off",
        f"    found: Service Discovery: Cloud Map service api\n      ({copilot.registries['prod']})",
        "    wrote overlays/prod/services/api.yaml:\n"
        "      spec.ecsServiceName: kudos-prod-api-Service-JkL012\n"
        "      spec.network.connect.alias: api\n"
        "      spec.network.connect.discoveryName: kudos-api\n",
        "In AWS, not in the workspace (3):",
        "  - environment staging (ECS cluster kudos-staging-Cluster-QqQ111): no",
        "  - ECS service datadog-agent in prod's cluster: not tagged copilot-application=kudos,",
        "  - service stats in prod (ECS service kudos-prod-stats-Service-MnO345): no manifest",
        "In the workspace, not in AWS (2):",
        "  - service front-end in prod: no ECS service tagged copilot-service=front-end (cluster",
    ):
        assert line in report, line
    assert "Service Discovery namespaces:" not in report  # AWS told
    # Every object as kustomize renders the overlay is one kopilot's API accepts.
    for env in ("test", "prod"):
        EcsEnvironmentSpec.model_validate(load(overlay / env / "environment.yaml")["spec"])
        for svc in ("api", "front-end", "worker"):
            base = load(out / "base" / "services" / f"{svc}.yaml")["spec"]
            EcsServiceSpec.model_validate(apply_merge_patch(base, patch(env, svc)))
    readme = (out / "README.md").read_text()
    assert "## Found in AWS" in readme
    assert "### Service api in prod" in readme


def test_aws_that_cannot_be_read_writes_nothing(
    aws: LocalAws,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in aws.env().items():
        monkeypatch.setenv(key, value)
    aws.set_faults(
        FaultRule(
            "server_error",
            "servicediscovery:ListNamespaces",
            status=400,
            code="AccessDeniedException",
            message="not authorized to perform: servicediscovery:ListNamespaces",
        )
    )
    out = tmp_path / "out"
    assert main(["import", str(workspace(tmp_path / "ws")), "--out", str(out), "--from-aws"]) == 2
    err = capsys.readouterr().err
    assert (
        "error: --from-aws: servicediscovery:ListNamespaces: AccessDeniedException: not "
        "authorized to perform: servicediscovery:ListNamespaces (nothing was written" in err
    )
    assert not out.exists()
