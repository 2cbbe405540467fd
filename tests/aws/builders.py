"""Small builders for the emulator tests: task definitions, namespaces, waiting on rollouts."""

from __future__ import annotations

from typing import Any

from tests.fixtures_aws import LocalAws


def register_web(
    ecs: Any, family: str = "web", port_name: str = "http", *, image: str = "nginx:1"
) -> str:
    """A Fargate task definition with one named port; its full ARN."""
    response = ecs.register_task_definition(
        family=family,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "app",
                "image": image,
                "portMappings": [{"containerPort": 8080, "name": port_name, "appProtocol": "http"}],
            }
        ],
    )
    arn: str = response["taskDefinition"]["taskDefinitionArn"]
    return arn


def http_namespace(aws: LocalAws, name: str, request_id: str | None = None) -> dict[str, Any]:
    """Create an HTTP namespace and wait for its operation; the namespace as GetNamespace says."""
    sd = aws.client("servicediscovery")
    operation_id = sd.create_http_namespace(Name=name, CreatorRequestId=request_id or name)[
        "OperationId"
    ]
    operation = aws.eventually(
        lambda: sd.get_operation(OperationId=operation_id)["Operation"],
        until=lambda op: op["Status"] == "SUCCESS",
    )
    namespace: dict[str, Any] = sd.get_namespace(Id=operation["Targets"]["NAMESPACE"])["Namespace"]
    return namespace


def service_connect(namespace: str, *entries: tuple[str, str | None]) -> dict[str, Any]:
    """serviceConnectConfiguration with (portName, discoveryName) entries."""
    services = []
    for port_name, discovery_name in entries:
        entry: dict[str, Any] = {
            "portName": port_name,
            "clientAliases": [{"port": 80, "dnsName": discovery_name or port_name}],
        }
        if discovery_name:
            entry["discoveryName"] = discovery_name
        services.append(entry)
    return {"enabled": True, "namespace": namespace, "services": services}


def describe(ecs: Any, cluster: str, service: str) -> dict[str, Any]:
    found: dict[str, Any] = ecs.describe_services(cluster=cluster, services=[service])["services"][
        0
    ]
    return found


def primary(service: dict[str, Any]) -> dict[str, Any]:
    return next(d for d in service["deployments"] if d["status"] == "PRIMARY")


def wait_steady(aws: LocalAws, ecs: Any, cluster: str, service: str) -> dict[str, Any]:
    """Describe until the PRIMARY deployment's rollout is no longer IN_PROGRESS."""
    return aws.eventually(
        lambda: describe(ecs, cluster, service),
        until=lambda s: primary(s)["rolloutState"] != "IN_PROGRESS",
    )


def default_network(aws: LocalAws) -> tuple[str, list[str]]:
    """The default VPC of the emulated Region and its default subnets."""
    ec2 = aws.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])
    return vpc["VpcId"], sorted(s["SubnetId"] for s in subnets["Subnets"])


def network(aws: LocalAws) -> dict[str, Any]:
    """The networkConfiguration of a service in the default VPC: ECS refuses a service of an
    awsvpc task definition (register_web's) without one."""
    _, subnets = default_network(aws)
    return {"awsvpcConfiguration": {"subnets": subnets[:2], "assignPublicIp": "DISABLED"}}


def create_web(aws: LocalAws, ecs: Any, **request: Any) -> dict[str, Any]:
    """CreateService for register_web's task definition in cluster "c", as ECS takes it (in
    the default VPC's subnets); `request` adds to or replaces those defaults."""
    defaults = {"cluster": "c", "serviceName": "web", "taskDefinition": "web"}
    created: dict[str, Any] = ecs.create_service(
        **{**defaults, "networkConfiguration": network(aws), **request}
    )["service"]
    return created


def application_load_balancer(aws: LocalAws, name: str = "web") -> str:
    """An internet-facing Application Load Balancer in two default subnets; its ARN."""
    _, subnets = default_network(aws)
    arn: str = aws.client("elbv2").create_load_balancer(Name=name, Subnets=subnets[:2])[
        "LoadBalancers"
    ][0]["LoadBalancerArn"]
    return arn


def target_group(
    aws: LocalAws, name: str = "web", *, target_type: str = "ip", port: int = 8080, **request: Any
) -> str:
    """An HTTP target group in the default VPC (ip targets, as awsvpc tasks need); its ARN."""
    vpc, _ = default_network(aws)
    arn: str = aws.client("elbv2").create_target_group(
        Name=name, Protocol="HTTP", Port=port, VpcId=vpc, TargetType=target_type, **request
    )["TargetGroups"][0]["TargetGroupArn"]
    return arn


def forward(target_group_arn: str) -> list[dict[str, Any]]:
    """The actions of a rule or listener that forward everything to one target group."""
    return [{"Type": "forward", "TargetGroupArn": target_group_arn}]


def http_listener(aws: LocalAws, load_balancer_arn: str, target_group_arn: str) -> str:
    """An HTTP listener on port 80 forwarding to the target group; its ARN."""
    arn: str = aws.client("elbv2").create_listener(
        LoadBalancerArn=load_balancer_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=forward(target_group_arn),
    )["Listeners"][0]["ListenerArn"]
    return arn


ECS_DESIRED_COUNT = "ecs:service:DesiredCount"


def ecs_scalable_target(
    aws: LocalAws, resource_id: str = "service/c/web", min_capacity: int = 1, max_capacity: int = 4
) -> str:
    """Register an ECS service's desired count as a scalable target; its ARN."""
    arn: str = aws.client("application-autoscaling").register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=resource_id,
        ScalableDimension=ECS_DESIRED_COUNT,
        MinCapacity=min_capacity,
        MaxCapacity=max_capacity,
    )["ScalableTargetARN"]
    return arn


def resource_label(load_balancer_arn: str, target_group_arn: str) -> str:
    """The ResourceLabel of ALBRequestCountPerTarget: the final portions of the two ARNs,
    app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>."""
    balancer = load_balancer_arn.split(":loadbalancer/", 1)[1]
    group = target_group_arn.rsplit(":", 1)[1]
    return f"{balancer}/{group}"
