"""An environment's Application Load Balancer: its security group, the load balancer, and
its listeners (80, and 443 with certificates). Each is a client of reconcile.lifecycle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...api.environment import EcsEnvironmentStatus, LoadBalancersStatus, LoadBalancerStatus
from ...aws import ec2, elbv2
from ...naming import from_aws_tags
from ...observe.load_balancer import (
    listener_delta,
    load_balancer_delta,
    security_group_delta,
    targets_group_delta,
)
from ...render.load_balancer import (
    Kind,
    ListenerWant,
    LoadBalancerWant,
    create_listener_request,
    create_load_balancer_request,
    create_security_group_request,
    create_targets_security_group_request,
    extra_certificates,
    ingress_permissions,
    listener_shape,
    load_balancer_attributes,
    targets_ingress,
)
from ..engine import Context
from ..errors import COMMON_TERMINAL_CODES, Waiting
from ..lifecycle import Seen

EnvContext = Context[EcsEnvironmentStatus]
Described = dict[str, Any]
PROVISIONING_POLL_SECONDS = 5.0

# Amazon EC2 and Elastic Load Balancing API References: requests that cannot work as sent.
ELB_TERMINAL_CODES = COMMON_TERMINAL_CODES | {
    "InvalidConfigurationRequest",
    "InvalidSubnet",
    "InvalidSecurityGroup",
    "InvalidScheme",
    "SubnetNotFound",
    "CertificateNotFound",
    "UnsupportedProtocol",
    "SSLPolicyNotFound",
    "DuplicateLoadBalancerName",
    "InvalidParameterValue",
    "InvalidGroup.Duplicate",
    "InvalidVpcID.NotFound",
}


def recorded(ctx: EnvContext, kind: Kind) -> LoadBalancerStatus:
    found = ctx.status.load_balancers
    return (getattr(found, kind) if found else None) or LoadBalancerStatus()


def keep(kind: Kind, **fields: Any) -> EcsEnvironmentStatus:
    """Status of one load balancer, as a partial status (None removes a field)."""
    return EcsEnvironmentStatus(
        load_balancers=LoadBalancersStatus(**{kind: LoadBalancerStatus(**fields)})
    )


class _Client:
    noun: str
    reason: str
    terminal_codes = ELB_TERMINAL_CODES
    idempotent_create = False
    trusts_recorded = False

    def __init__(self, ctx: EnvContext, client: Any, kind: Kind) -> None:
        self._ctx = ctx
        self._aws = client
        self._kind = kind

    @property
    def _recorded(self) -> LoadBalancerStatus:
        return recorded(self._ctx, self._kind)

    def created_event(self, seen: Seen[Described]) -> tuple[str, str] | None:
        return f"Created{self.reason}", f"created {self.noun} {seen.name}"


class SecurityGroupResource(_Client):
    noun = "load balancer security group"
    reason = "LoadBalancerSecurityGroup"
    not_owned_reason = "SecurityGroupNotOwned"
    rename_hint = "remove spec.http's load balancer, or delete the group"

    def recorded(self) -> bool:
        return bool(self._recorded.security_group_id)

    def name_of(self, want: LoadBalancerWant) -> str:
        return want.security_group_name

    def observe(self, want: LoadBalancerWant) -> Seen[Described] | None:
        group_id = self._recorded.security_group_id
        found = (
            ec2.describe_security_group(self._aws, group_id)
            if group_id
            else ec2.find_security_group(self._aws, want.vpc_id, want.security_group_name)
        )
        if found is None:
            return None
        return Seen(found["GroupName"], found, from_aws_tags(found.get("Tags")))

    def diff(self, want: LoadBalancerWant, seen: Seen[Described]) -> dict[str, Any]:
        return security_group_delta(want, seen.facts)

    def create(self, want: LoadBalancerWant) -> Seen[Described]:
        group_id = ec2.create_security_group(self._aws, create_security_group_request(want))
        # Saved before its rules: a restart finds it by id, not by a second create.
        self._ctx.save(keep(self._kind, security_group_id=group_id))
        ec2.authorize_ingress(
            self._aws,
            group_id,
            ingress_permissions(
                frozenset((port, cidr) for port in want.ports for cidr in want.ingress_cidrs)
            ),
        )
        found = {"GroupId": group_id, "GroupName": want.security_group_name}
        return Seen(want.security_group_name, found, dict(want.tags), created=True)

    def update(self, want: LoadBalancerWant, seen: Seen[Described]) -> Seen[Described]:
        missing = frozenset((int(port), str(cidr)) for port, cidr in seen.delta["ingress"])
        ec2.authorize_ingress(self._aws, seen.facts["GroupId"], ingress_permissions(missing))
        return seen

    def tag(self, seen: Seen[Described], tags: Mapping[str, str]) -> None:
        ec2.tag(self._aws, seen.facts["GroupId"], dict(tags))

    def read_tags(self, seen: Seen[Described]) -> Mapping[str, str]:
        return seen.tags or {}

    def forget(self) -> None:
        self._ctx.save(keep(self._kind, security_group_id=None))

    def keep(self, seen: Seen[Described]) -> EcsEnvironmentStatus:
        return keep(self._kind, security_group_id=seen.facts["GroupId"])

    def delete(self, seen: Seen[Described]) -> None:
        try:
            ec2.delete_security_group(self._aws, seen.facts["GroupId"])
        except self._aws.exceptions.ClientError as err:
            if err.response.get("Error", {}).get("Code") != "DependencyViolation":
                raise
            raise Waiting(
                "DeletingLoadBalancer",
                f"security group {seen.name} is still in use by the load balancer's network "
                "interfaces",
                delay=PROVISIONING_POLL_SECONDS,
            ) from err
        self.forget()  # gone: status stops naming it


class TargetsSecurityGroupResource(SecurityGroupResource):
    """The group a routed service's tasks join: it lets the load balancer's group in."""

    noun = "targets security group"
    reason = "TargetsSecurityGroup"

    def __init__(self, ctx: EnvContext, client: Any, kind: Kind, load_balancer_group: str) -> None:
        super().__init__(ctx, client, kind)
        self._from = load_balancer_group

    def recorded(self) -> bool:
        return bool(self._recorded.targets_security_group_id)

    def name_of(self, want: LoadBalancerWant) -> str:
        return want.targets_security_group_name

    def observe(self, want: LoadBalancerWant) -> Seen[Described] | None:
        group_id = self._recorded.targets_security_group_id
        found = (
            ec2.describe_security_group(self._aws, group_id)
            if group_id
            else ec2.find_security_group(self._aws, want.vpc_id, want.targets_security_group_name)
        )
        if found is None:
            return None
        return Seen(found["GroupName"], found, from_aws_tags(found.get("Tags")))

    def diff(self, want: LoadBalancerWant, seen: Seen[Described]) -> dict[str, Any]:
        return targets_group_delta(seen.facts, self._from)

    def create(self, want: LoadBalancerWant) -> Seen[Described]:
        group_id = ec2.create_security_group(self._aws, create_targets_security_group_request(want))
        self._ctx.save(keep(self._kind, targets_security_group_id=group_id))
        ec2.authorize_ingress(self._aws, group_id, targets_ingress(self._from))
        found = {"GroupId": group_id, "GroupName": want.targets_security_group_name}
        return Seen(want.targets_security_group_name, found, dict(want.tags), created=True)

    def update(self, want: LoadBalancerWant, seen: Seen[Described]) -> Seen[Described]:
        ec2.authorize_ingress(self._aws, seen.facts["GroupId"], targets_ingress(self._from))
        return seen

    def forget(self) -> None:
        self._ctx.save(keep(self._kind, targets_security_group_id=None))

    def keep(self, seen: Seen[Described]) -> EcsEnvironmentStatus:
        return keep(self._kind, targets_security_group_id=seen.facts["GroupId"])


class LoadBalancerResource(_Client):
    noun = "load balancer"
    reason = "LoadBalancer"
    not_owned_reason = "LoadBalancerNotOwned"
    rename_hint = "remove this spec.http load balancer, or delete the existing one"

    def __init__(self, ctx: EnvContext, client: Any, kind: Kind, security_group: str) -> None:
        super().__init__(ctx, client, kind)
        self._security_group = security_group
        self._attributes: dict[str, str] = {}

    def recorded(self) -> bool:
        return bool(self._recorded.arn)

    def name_of(self, want: LoadBalancerWant) -> str:
        return want.name

    def observe(self, want: LoadBalancerWant) -> Seen[Described] | None:
        arn = self._recorded.arn
        found = (
            elbv2.describe_load_balancer(self._aws, arn=arn)
            if arn
            else (elbv2.describe_load_balancer(self._aws, name=want.name))
        )
        if found is None:
            return None
        self._attributes = elbv2.attributes_of(self._aws, found["LoadBalancerArn"])
        tags = elbv2.tags_of(self._aws, found["LoadBalancerArn"])
        return Seen(found["LoadBalancerName"], found, tags)

    def diff(self, want: LoadBalancerWant, seen: Seen[Described]) -> dict[str, Any]:
        return load_balancer_delta(want, seen.facts, self._attributes, self._security_group)

    def create(self, want: LoadBalancerWant) -> Seen[Described]:
        created = elbv2.create_load_balancer(
            self._aws, create_load_balancer_request(want, self._security_group)
        )
        arn = created["LoadBalancerArn"]
        self._ctx.save(keep(self._kind, arn=arn, dns_name=created.get("DNSName")))
        elbv2.set_attributes(self._aws, arn, load_balancer_attributes(want))
        return Seen(want.name, created, dict(want.tags), created=True)

    def update(self, want: LoadBalancerWant, seen: Seen[Described]) -> Seen[Described]:
        arn = seen.facts["LoadBalancerArn"]
        if "subnets" in seen.delta:
            elbv2.set_subnets(self._aws, arn, list(want.subnets))
        if "securityGroups" in seen.delta:
            elbv2.set_security_groups(self._aws, arn, [self._security_group])
        changed = {
            path.split(".", 1)[1]: value
            for path, value in seen.delta.items()
            if path.startswith("attributes.")
        }
        if changed:
            elbv2.set_attributes(self._aws, arn, changed)
        return seen

    def tag(self, seen: Seen[Described], tags: Mapping[str, str]) -> None:
        elbv2.tag(self._aws, seen.facts["LoadBalancerArn"], dict(tags))

    def read_tags(self, seen: Seen[Described]) -> Mapping[str, str]:
        return seen.tags or elbv2.tags_of(self._aws, seen.facts["LoadBalancerArn"])

    def forget(self) -> None:
        self._ctx.save(keep(self._kind, arn=None, dns_name=None))

    def keep(self, seen: Seen[Described]) -> EcsEnvironmentStatus:
        return keep(
            self._kind, arn=seen.facts["LoadBalancerArn"], dns_name=seen.facts.get("DNSName")
        )

    def delete(self, seen: Seen[Described]) -> None:
        elbv2.delete_load_balancer(self._aws, seen.facts["LoadBalancerArn"])
        self._ctx.save(keep(self._kind, arn=None, dns_name=None))


class ListenerResource(_Client):
    noun = "listener"
    reason = "Listener"
    not_owned_reason = "ListenerNotOwned"
    rename_hint = "delete the listener on that port, or remove this spec.http load balancer"

    def __init__(self, ctx: EnvContext, client: Any, kind: Kind, load_balancer_arn: str) -> None:
        super().__init__(ctx, client, kind)
        self._load_balancer = load_balancer_arn
        self._listeners: list[Described] | None = None  # one read for 80 and 443

    def recorded(self) -> bool:
        return False  # found by port on its load balancer; a missing one is simply made

    def name_of(self, want: ListenerWant) -> str:
        return f"{want.load_balancer.name}:{want.port}"

    def observe(self, want: ListenerWant) -> Seen[Described] | None:
        if self._listeners is None:
            self._listeners = elbv2.listeners_of(self._aws, self._load_balancer)
        for listener in self._listeners:
            if listener.get("Port") == want.port:
                tags = elbv2.tags_of(self._aws, listener["ListenerArn"])
                return Seen(self.name_of(want), listener, tags)
        return None

    def diff(self, want: ListenerWant, seen: Seen[Described]) -> dict[str, Any]:
        return listener_delta(want, seen.facts)

    def create(self, want: ListenerWant) -> Seen[Described]:
        created = elbv2.create_listener(
            self._aws, create_listener_request(want, self._load_balancer)
        )
        elbv2.add_certificates(self._aws, created["ListenerArn"], extra_certificates(want))
        return Seen(self.name_of(want), created, dict(want.load_balancer.tags), created=True)

    def update(self, want: ListenerWant, seen: Seen[Described]) -> Seen[Described]:
        request = {"ListenerArn": seen.facts["ListenerArn"], **listener_shape(want)}
        return Seen(seen.name, elbv2.modify_listener(self._aws, request), seen.tags)

    def tag(self, seen: Seen[Described], tags: Mapping[str, str]) -> None:
        elbv2.tag(self._aws, seen.facts["ListenerArn"], dict(tags))

    def read_tags(self, seen: Seen[Described]) -> Mapping[str, str]:
        return seen.tags or {}

    def forget(self) -> None:
        return None

    def keep(self, seen: Seen[Described]) -> EcsEnvironmentStatus:
        field = "https_listener_arn" if seen.facts.get("Port") == 443 else "http_listener_arn"
        return keep(self._kind, **{field: seen.facts["ListenerArn"]})

    def delete(self, seen: Seen[Described]) -> None:
        elbv2.delete_listener(self._aws, seen.facts["ListenerArn"])
