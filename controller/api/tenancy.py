"""TenantPolicy (cluster-scoped): what the objects in some namespaces may make the operator
do in AWS. One kopilot serves many teams; without these, anyone who may create an
EcsEnvironment could lend themselves the operator's power (assume any role it can, pass any
role to tasks, adopt and delete anything in the account). Set by the platform admin only.

A pattern is a glob (`*` any run of characters, `?` one): `arn:aws:iam::*:role/team-a/*`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from .common import NAME_PATTERN, Condition, Model, StatusModel, conditions_field

Pattern = Annotated[str, StringConstraints(min_length=1, max_length=2048)]
AccountId = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
Prefix = Annotated[str, StringConstraints(pattern=r"^[a-z][-a-z0-9]*$", max_length=40)]
NamespaceName = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=63)]


class NamespaceSelector(Model):
    """Namespaces by label (all of them must match)."""

    match_labels: dict[str, str] = Field(
        default_factory=dict, description="Labels a namespace must carry, all of them."
    )


class TenantPolicySpec(Model):
    """For the namespaces it selects: the AWS accounts, Regions and roles the operator may use,
    the roles tasks may be given, the AWS names the apps may use, and whether they may adopt
    what exists. What no policy of a namespace allows is refused (NotPermitted) before any AWS
    call. Several policies selecting one namespace add up."""

    namespaces: list[NamespaceName] = Field(
        default_factory=list, description="Namespaces by name.", max_length=500
    )
    namespace_selector: NamespaceSelector | None = Field(
        None, description="Namespaces by label (besides those named)."
    )
    accounts: list[AccountId] = Field(
        default_factory=list,
        description="AWS accounts the roles (assumed and passed) may be in; empty: any.",
    )
    regions: list[Region] = Field(
        default_factory=list, description="Regions the environments may use; empty: any."
    )
    assume_roles: list[Pattern] = Field(
        default_factory=list,
        description="Role ARN patterns an environment's spec.roleArn may name (the operator "
        "assumes it for every AWS call of the environment and its services).",
    )
    operator_credentials: bool = Field(
        False,
        description="Whether an environment without spec.roleArn may act with the operator's "
        "own credentials. Off, each environment must name a role of assumeRoles.",
    )
    pass_roles: list[Pattern] = Field(
        default_factory=list,
        description="Role ARN patterns the task definitions may be given (executionRoleArn, "
        "taskRoleArn) and Service Connect TLS may use.",
    )
    app_prefixes: list[Prefix] = Field(
        default_factory=list,
        description="Every app name (the {app} of AWS names) must start with one; empty: any.",
    )
    aws_names: list[Pattern] = Field(
        default_factory=list,
        description="Names given explicitly (cluster.name, serviceDiscovery.namespace, "
        "ecsServiceName, network.connect.namespace) must start with an app prefix or match "
        "one of these.",
    )
    vpcs: list[Pattern] = Field(
        default_factory=list, description="VPC ids spec.network may name; empty: any."
    )
    security_groups: list[Pattern] = Field(
        default_factory=list,
        description="Security group ids spec.network may name for tasks; empty: any.",
    )
    certificates: list[Pattern] = Field(
        default_factory=list,
        description="ACM certificate ARNs the load balancers may serve and ACM Private CA "
        "ARNs Service Connect TLS may issue from; empty: any.",
    )
    kms_keys: list[Pattern] = Field(
        default_factory=list,
        description="KMS keys (ARNs or aliases) Service Connect TLS may use; empty: any.",
    )
    log_buckets: list[Pattern] = Field(
        default_factory=list,
        description="S3 buckets the load balancers may write access logs to; empty: any.",
    )
    adopt: bool = Field(
        False,
        description="Whether spec.adopt: true may take over resources kopilot did not create "
        "(and, with deletionPolicy Delete, delete them).",
    )
    adopt_names: list[Pattern] = Field(
        default_factory=list,
        description="With adopt: the AWS names that may be adopted; empty: those the names "
        "rules allow.",
    )


class TenantPolicyStatus(StatusModel):
    """Not written by the operator (it never writes to the admin's policies)."""

    conditions: list[Condition] = conditions_field()
