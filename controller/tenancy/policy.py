"""Whether an object's namespace may ask what it asks of AWS (pure).

An object's `Asks` list every way it could reach beyond its namespace: the role the operator
would assume, the roles tasks would be given, the Region, the app name every AWS name starts
with, names given explicitly, the VPC and security groups tasks would join, and what it would
adopt. `refusal` answers None when the policies selecting the namespace allow all of it, or
the first thing none of them allows, naming the field and the policies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from ..api.tenancy import TenantPolicySpec


@dataclass(frozen=True)
class Policy:
    name: str
    spec: TenantPolicySpec

    def selects(self, namespace: str, labels: Mapping[str, str] | None) -> bool:
        if namespace in self.spec.namespaces:
            return True
        selector = self.spec.namespace_selector
        if selector is None or labels is None or not selector.match_labels:
            return False
        return all(labels.get(k) == v for k, v in selector.match_labels.items())


Field = tuple[str, str]  # (the spec field, its value)


@dataclass(frozen=True)
class Asks:
    """What one object would make the operator do in AWS."""

    region: str | None = None
    # (field, role ARN) the operator would assume; ("spec.roleArn", "") for its own
    # credentials. Only an environment assumes: its services act through it.
    assume: Field | None = None
    pass_roles: tuple[Field, ...] = ()
    app_name: str | None = None
    names: tuple[Field, ...] = ()  # AWS names given explicitly
    vpcs: tuple[Field, ...] = ()
    security_groups: tuple[Field, ...] = ()
    certificates: tuple[Field, ...] = ()  # ACM certificates and Private CAs
    kms_keys: tuple[Field, ...] = ()
    log_buckets: tuple[Field, ...] = ()
    adopt: bool = False
    adopt_names: tuple[Field, ...] = field(default_factory=tuple)  # what adopt would take
    # Of those, the ones kopilot derives from the (checked) app name, e.g. {app}-{env}.
    derived: frozenset[str] = frozenset()


def _matches(value: str, patterns: Sequence[str]) -> bool:
    return any(fnmatchcase(value, pattern) for pattern in patterns)


def _account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def _names(policies: Sequence[Policy]) -> str:
    return ", ".join(sorted(p.name for p in policies))


def _allowed_names(name: str, spec: TenantPolicySpec) -> bool:
    return any(name.startswith(p) for p in spec.app_prefixes) or _matches(name, spec.aws_names)


def refusal(
    policies: Sequence[Policy], namespace: str, labels: Mapping[str, str] | None, asks: Asks
) -> str | None:
    """None when allowed; else what is refused and why, for the NotPermitted condition."""
    selected = [p for p in policies if p.selects(namespace, labels)]
    if not selected:
        return (
            f"no TenantPolicy selects namespace {namespace!r}, so kopilot does nothing in "
            "AWS for it: ask the platform admin for a TenantPolicy that names it"
        )
    which = _names(selected)

    def refused(what: str, value: str, allowed: str) -> str:
        return f"{what} {value!r} is not allowed by TenantPolicy {which} ({allowed})"

    if asks.region and not any(
        not p.spec.regions or asks.region in p.spec.regions for p in selected
    ):
        regions = sorted({r for p in selected for r in p.spec.regions})
        return refused("spec.region", asks.region, f"regions: {', '.join(regions)}")
    if asks.assume is not None:
        where, arn = asks.assume
        if not arn and not any(p.spec.operator_credentials for p in selected):
            return (
                f"{where} is not set, so the operator would act with its own credentials, "
                f"which TenantPolicy {which} does not allow (operatorCredentials): name a role "
                "of its assumeRoles"
            )
        if arn and not any(_role_allowed(arn, p.spec, p.spec.assume_roles) for p in selected):
            allowed = sorted({r for p in selected for r in p.spec.assume_roles}) or ["none"]
            return refused(where, arn, f"assumeRoles: {', '.join(allowed)}")
    for where, arn in asks.pass_roles:
        if not any(_role_allowed(arn, p.spec, p.spec.pass_roles) for p in selected):
            allowed = sorted({r for p in selected for r in p.spec.pass_roles}) or ["none"]
            return refused(where, arn, f"passRoles: {', '.join(allowed)}")
    if asks.app_name is not None and not any(
        not p.spec.app_prefixes or any(asks.app_name.startswith(x) for x in p.spec.app_prefixes)
        for p in selected
    ):
        prefixes = sorted({x for p in selected for x in p.spec.app_prefixes})
        return refused("the app name", asks.app_name, f"appPrefixes: {', '.join(prefixes)}")
    for where, name in asks.names:
        if not any(
            (not p.spec.app_prefixes and not p.spec.aws_names) or _allowed_names(name, p.spec)
            for p in selected
        ):
            return refused(where, name, "names must start with an app prefix or match awsNames")
    for what, attribute, asked in (
        ("vpcs", "vpcs", asks.vpcs),
        ("securityGroups", "security_groups", asks.security_groups),
        ("certificates", "certificates", asks.certificates),
        ("kmsKeys", "kms_keys", asks.kms_keys),
        ("logBuckets", "log_buckets", asks.log_buckets),
    ):
        for where, value in asked:
            lists = [getattr(p.spec, attribute) for p in selected]
            if not any(not allowed or _matches(value, allowed) for allowed in lists):
                listed = sorted({v for allowed in lists for v in allowed})
                return refused(where, value, f"{what}: {', '.join(listed)}")
    if asks.adopt:
        adopting = [p for p in selected if p.spec.adopt]
        if not adopting:
            return (
                f"spec.adopt: true would take over resources kopilot did not create, which "
                f"TenantPolicy {which} does not allow (adopt): set adopt: false"
            )
        for where, name in asks.adopt_names:
            if not any(
                _matches(name, p.spec.adopt_names)
                if p.spec.adopt_names
                else (not p.spec.app_prefixes and not p.spec.aws_names)
                or name in asks.derived
                or _allowed_names(name, p.spec)
                for p in adopting
            ):
                return refused(f"adopting {where}", name, "adoptNames")
    return None


def _role_allowed(arn: str, spec: TenantPolicySpec, patterns: Sequence[str]) -> bool:
    if spec.accounts and _account(arn) not in spec.accounts:
        return False
    return _matches(arn, patterns)
