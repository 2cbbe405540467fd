"""EcsEnvironment: one ECS cluster, one Cloud Map namespace, the Service Connect default."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .app import Counts, tag_keys_rule
from .common import (
    ENV_NAME_MAX,
    NAME_PATTERN,
    REGION_PATTERN,
    ROLE_ARN_PATTERN,
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

NamespaceType = Literal["DNS_PRIVATE", "HTTP"]
SubnetId = Annotated[str, StringConstraints(pattern=r"^subnet-[0-9a-f]{1,17}$")]
SecurityGroupId = Annotated[str, StringConstraints(pattern=r"^sg-[0-9a-f]{1,17}$")]

__all__ = ["Counts", "EcsEnvironmentSpec", "EcsEnvironmentStatus"]


class Network(Model):
    """Where the environment's tasks run. Omit it to use the Region's default VPC and its
    default subnets, as the ECS console does."""

    vpc_id: str = Field(
        description="The VPC (vpc-...). The private DNS namespace is created in it.",
        pattern=r"^vpc-[0-9a-f]{1,17}$",
    )
    subnets: list[SubnetId] = Field(
        description="Subnets for the tasks (subnet-...), at most 16 (ECS awsvpc limit).",
        min_length=1,
        max_length=16,
    )
    security_groups: list[SecurityGroupId] = Field(
        default_factory=list,
        description="Security groups for the tasks (sg-...), at most 5 (ECS awsvpc limit). "
        "Empty means the VPC's default security group.",
        max_length=5,
    )
    assign_public_ip: bool = Field(
        False, description="Give tasks a public IP (needed in public subnets without a NAT)."
    )


# ACM certificate ARNs (Elastic Load Balancing Certificate.CertificateArn).
CERTIFICATE_ARN_PATTERN = r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$"
CIDR_PATTERN = r"^([0-9]{1,3}\.){3}[0-9]{1,3}/([0-9]|[12][0-9]|3[0-2])$"
# Elastic Load Balancing SslPolicy; the default is the one the ELB console proposes.
DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


class AccessLogs(Model):
    """Access logs of a load balancer, to an S3 bucket whose policy lets ELB write."""

    bucket: str = Field(
        description="S3 bucket name.", pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
    )
    prefix: str | None = Field(None, description="Key prefix.", max_length=1024)


class LoadBalancer(Model):
    """An Application Load Balancer of the environment, shared by its Load Balanced Web
    Services (routed by path and host). Listens on 80; with certificates also on 443, and
    80 then redirects to 443."""

    __rules__ = (
        Rule(
            cel="!has(self.sslPolicy) || (has(self.certificates) && size(self.certificates) > 0)",
            message="sslPolicy applies to HTTPS: give certificates, or remove sslPolicy",
            check=lambda m: m.ssl_policy is None or bool(m.certificates),
            field_path=".sslPolicy",
        ),
    )

    certificates: list[Annotated[str, StringConstraints(pattern=CERTIFICATE_ARN_PATTERN)]] = Field(
        default_factory=list,
        description="ACM certificate ARNs for the HTTPS listener (the first is its "
        "default); at most 26 (ELB: one default and 25 more per listener).",
        max_length=26,
    )
    ssl_policy: str | None = Field(
        None,
        description=f"The HTTPS listener's security policy. Default: {DEFAULT_SSL_POLICY}.",
        pattern=r"^ELBSecurityPolicy-[A-Za-z0-9-]+$",
    )
    idle_timeout: int = Field(
        60, description="Idle timeout in seconds (ELB: 1-4000).", ge=1, le=4000
    )
    allowed_source_cidrs: list[Annotated[str, StringConstraints(pattern=CIDR_PATTERN)]] = Field(
        default_factory=list,
        description="Who may connect (IPv4 CIDRs). Default: everyone (0.0.0.0/0) for the "
        "public load balancer, the VPC's CIDR for the private one.",
        max_length=50,
    )
    subnets: list[SubnetId] = Field(
        default_factory=list,
        description="Its subnets, in at least two Availability Zones. Default: the "
        "environment's subnets (spec.network.subnets, or the default VPC's, which are "
        "public). A public load balancer needs public subnets.",
        max_length=20,
    )
    access_logs: AccessLogs | None = Field(None, description=AccessLogs.__doc__)

    @property
    def https(self) -> bool:
        return bool(self.certificates)


class Http(Model):
    """The environment's load balancers: made when given here, deleted (if kopilot's) when
    removed."""

    public: LoadBalancer | None = Field(
        None, description="Internet-facing: " + (LoadBalancer.__doc__ or "")
    )
    private: LoadBalancer | None = Field(
        None, description="Internal, for clients in the VPC: " + (LoadBalancer.__doc__ or "")
    )


class Cluster(Model):
    """The environment's ECS cluster."""

    name: str | None = Field(
        None,
        description="Cluster name. Defaults to {app}-{env}.",
        pattern=r"^[a-zA-Z0-9_-]+$",
        max_length=255,
    )
    container_insights: bool = Field(False, description="Turn on CloudWatch Container Insights.")


class ServiceDiscovery(Model):
    """The environment's Cloud Map namespace, used by Service Discovery and as the Service
    Connect default namespace."""

    __rules__ = (
        Rule(
            cel="!(has(self.namespace) && self.legacyNamespace)",
            message="give either namespace or legacyNamespace: true, not both",
            check=lambda m: not (m.namespace and m.legacy_namespace),
        ),
    )

    namespace: str | None = Field(
        None,
        description="Namespace name. Defaults to {env}.{app}.local, as Copilot names it.",
        pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
        max_length=253,
    )
    legacy_namespace: bool = Field(
        False,
        description="Use {app}.local, the namespace of environments made before Copilot v1.9, "
        "so the endpoints of such an environment do not change.",
    )
    type: NamespaceType = Field(
        "DNS_PRIVATE",
        description="DNS_PRIVATE: a private DNS namespace in the VPC (Service Discovery by DNS "
        "and Service Connect). HTTP: API-only discovery (Service Connect only).",
    )


class ServiceConnectDefaults(Model):
    """Service Connect at the environment level."""

    enabled: bool = Field(
        True,
        description="Set the environment's namespace as the cluster's Service Connect default "
        "namespace, so services that turn connect on join it without naming it.",
    )


class EcsEnvironmentSpec(Model):
    """An environment of an application: an ECS cluster and a Cloud Map namespace in one
    Region and VPC."""

    __rules__ = (
        tag_keys_rule(),
        immutable_rule("app", "it names the cluster, the namespace and every service"),
        immutable_rule("name", "it names the cluster, the namespace and every service"),
        immutable_rule("region", "the cluster and the namespace live in that Region"),
    )

    app: str = Field(
        description="The EcsApp (metadata.name, same Kubernetes namespace) this "
        "environment belongs to.",
        pattern=NAME_PATTERN,
        max_length=253,
    )
    name: str | None = Field(
        None,
        description="The environment name used in AWS names ({env}). Defaults to metadata.name.",
        pattern=NAME_PATTERN,
        max_length=ENV_NAME_MAX,
    )
    region: str = Field(
        description="AWS Region, e.g. us-east-1.", pattern=REGION_PATTERN, max_length=32
    )
    role_arn: str | None = Field(
        None,
        description="IAM role assumed (STS AssumeRole) for every AWS call of this environment "
        "and its services. Default: the operator's own credentials.",
        pattern=ROLE_ARN_PATTERN,
        max_length=2048,
    )
    network: Network | None = Field(None, description=Network.__doc__)
    cluster: Cluster = Field(default_factory=Cluster, description=Cluster.__doc__)
    service_discovery: ServiceDiscovery = Field(
        default_factory=ServiceDiscovery, description=ServiceDiscovery.__doc__
    )
    service_connect: ServiceConnectDefaults = Field(
        default_factory=ServiceConnectDefaults, description=ServiceConnectDefaults.__doc__
    )
    http: Http | None = Field(None, description=Http.__doc__)
    execution_role_arn: str | None = Field(
        None,
        description="Task execution role for the environment's services (pulls images, "
        "writes logs, reads secrets); a service may override it.",
        pattern=ROLE_ARN_PATTERN,
        max_length=2048,
    )
    adopt: bool = Field(
        False,
        description="Take over an existing cluster and namespace of the same names that "
        "kopilot did not create. Without it, kopilot refuses to touch them.",
    )
    management_policy: ManagementPolicy = management_policy_field("the cluster and the namespace")
    deletion_policy: DeletionPolicy = Field(
        "Delete",
        description="Delete: remove the namespace and the cluster (only those kopilot owns) "
        "when this resource is deleted. Retain: leave them in AWS.",
    )
    tags: Tags = tags_field("of this environment and its services")


class NamespaceStatus(StatusModel):
    """The environment's Cloud Map namespace."""

    id: str | None = Field(None, description="Namespace id (ns-...).")
    arn: str | None = Field(None, description="Namespace ARN.")
    name: str | None = Field(None, description="Namespace name.")
    type: NamespaceType | None = Field(None, description="DNS_PRIVATE or HTTP.")
    operation_id: str | None = Field(
        None, description="The pending CreateNamespace operation, while it runs."
    )
    delete_operation_id: str | None = Field(
        None, description="The pending DeleteNamespace operation, while it runs."
    )
    tags_hash: str | None = Field(
        None, description="Digest of the tags last applied to the namespace."
    )
    creations: int | None = Field(
        None,
        description="How many times kopilot created the namespace (it recreates one deleted "
        "out of band); part of the CreatorRequestId that makes creation idempotent.",
    )


class NetworkStatus(StatusModel):
    """The network in use (from the spec, or the Region's defaults)."""

    vpc_id: str | None = Field(None, description="VPC id.")
    subnets: list[SubnetId] = Field(default_factory=list, description="Subnet ids.")
    security_groups: list[str] = Field(default_factory=list, description="Security group ids.")
    assign_public_ip: bool = Field(False, description="Whether tasks get a public IP.")
    default_security_group_id: str | None = Field(
        None,
        description="The VPC's default security group, which tasks use when securityGroups "
        "is empty; named explicitly beside a load balancer's targets group.",
    )


class LoadBalancerStatus(StatusModel):
    """A load balancer kopilot made or adopted for the environment."""

    arn: str | None = Field(None, description="The load balancer's ARN.")
    dns_name: str | None = Field(None, description="Its DNS name.")
    security_group_id: str | None = Field(None, description="Its security group (sg-...).")
    targets_security_group_id: str | None = Field(
        None,
        description="The security group its services' tasks join: it lets the load balancer in.",
    )
    http_listener_arn: str | None = Field(None, description="The listener on port 80.")
    https_listener_arn: str | None = Field(
        None, description="The listener on port 443 (with certificates)."
    )


class LoadBalancersStatus(StatusModel):
    """The environment's load balancers (spec.http)."""

    public: LoadBalancerStatus | None = Field(None, description="Internet-facing.")
    private: LoadBalancerStatus | None = Field(None, description="Internal.")


class EcsEnvironmentStatus(StatusModel):
    """What kopilot created and observed for the environment."""

    observed_generation: int | None = Field(None, description="The generation last reconciled.")
    handled_generation: int | None = handled_generation_field()
    conditions: list[Condition] = conditions_field()
    cluster_arn: str | None = Field(None, description="The ECS cluster's ARN.")
    namespace: NamespaceStatus | None = Field(None, description=NamespaceStatus.__doc__)
    service_discovery_endpoint: str | None = Field(
        None, description="COPILOT_SERVICE_DISCOVERY_ENDPOINT of the environment's tasks."
    )
    network: NetworkStatus | None = Field(None, description=NetworkStatus.__doc__)
    load_balancers: LoadBalancersStatus | None = Field(
        None, description=LoadBalancersStatus.__doc__
    )
    planned_changes: list[str] | None = planned_changes_field()
