"""What each kind's spec would make the operator do in AWS, as the tenancy policy sees it
(pure). Every field through which a tenant could reach beyond its namespace is listed here,
so a new such field is added in one place."""

from __future__ import annotations

from typing import Any

from ..api.app import EcsAppSpec, app_name
from ..api.environment import EcsEnvironmentSpec
from ..api.service import EcsServiceSpec
from .policy import Asks, Field


def app_asks(spec: EcsAppSpec, meta: dict[str, Any]) -> Asks:
    return Asks(app_name=app_name(spec, meta))


def environment_asks(spec: EcsEnvironmentSpec, name: str, app: str | None) -> Asks:
    """`app`: the app's AWS name (None while its EcsApp does not exist)."""
    env = spec.name or name
    names: list[Field] = []
    if spec.cluster.name:
        names.append(("spec.cluster.name", spec.cluster.name))
    if spec.service_discovery.namespace:
        names.append(("spec.serviceDiscovery.namespace", spec.service_discovery.namespace))
    network = spec.network
    default_namespace = (
        f"{app}.local" if spec.service_discovery.legacy_namespace else f"{env}.{app}.local"
    )
    derived = {
        "the cluster": f"{app}-{env}" if app else "",
        "the namespace": default_namespace if app else "",
    }
    adopted = [
        ("the cluster", spec.cluster.name or derived["the cluster"]),
        ("the namespace", spec.service_discovery.namespace or derived["the namespace"]),
    ]
    balancers = [
        (kind, balancer)
        for kind, balancer in (
            ("public", spec.http.public if spec.http else None),
            ("private", spec.http.private if spec.http else None),
        )
        if balancer is not None
    ]
    return Asks(
        region=spec.region,
        certificates=tuple(
            (f"spec.http.{kind}.certificates", arn)
            for kind, balancer in balancers
            for arn in balancer.certificates
        ),
        log_buckets=tuple(
            (f"spec.http.{kind}.accessLogs.bucket", balancer.access_logs.bucket)
            for kind, balancer in balancers
            if balancer.access_logs is not None
        ),
        assume=("spec.roleArn", spec.role_arn or ""),
        pass_roles=_roles(("spec.executionRoleArn", spec.execution_role_arn)),
        app_name=app,
        names=tuple(names),
        vpcs=(("spec.network.vpcId", network.vpc_id),) if network else (),
        security_groups=tuple(
            ("spec.network.securityGroups", group)
            for group in (network.security_groups if network else [])
        ),
        adopt=spec.adopt,
        adopt_names=tuple((what, value) for what, value in adopted if value),
        derived=frozenset(value for value in derived.values() if value),
    )


def service_asks(spec: EcsServiceSpec, name: str, app: str | None) -> Asks:
    svc = spec.name or name
    connect = spec.network.connect
    names: list[Field] = []
    if spec.ecs_service_name:
        names.append(("spec.ecsServiceName", spec.ecs_service_name))
    if connect is not None and connect.namespace:
        names.append(("spec.network.connect.namespace", connect.namespace))
    settings = [("spec.network.connect.tls", connect.tls if connect is not None else None)]
    settings += [(f"spec.ports[{i}].tls", port.tls) for i, port in enumerate(spec.ports or [])]
    tls = [(where, found) for where, found in settings if found is not None]
    return Asks(
        certificates=tuple((f"{where}.privateCaArn", t.private_ca_arn) for where, t in tls),
        kms_keys=tuple((f"{where}.kmsKey", t.kms_key) for where, t in tls if t.kms_key),
        pass_roles=_roles(
            ("spec.taskRoleArn", spec.task_role_arn),
            ("spec.executionRoleArn", spec.execution_role_arn),
            *((f"{where}.roleArn", t.role_arn) for where, t in tls),
        ),
        app_name=app,
        names=tuple(names),
        adopt=spec.adopt,
        adopt_names=(("the ECS service", spec.ecs_service_name or svc),),
        # The ECS service {svc} lives in the environment's cluster, named from the app.
        derived=frozenset({svc}),
    )


def _roles(*fields: tuple[str, str | None]) -> tuple[Field, ...]:
    return tuple((where, arn) for where, arn in fields if arn)
