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
    return Asks(
        region=spec.region,
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
    tls: list[tuple[str, str | None]] = []
    if connect is not None and connect.tls is not None:
        tls.append(("spec.network.connect.tls.roleArn", connect.tls.role_arn))
    for index, port in enumerate(getattr(spec, "ports", None) or []):
        if getattr(port, "tls", None) is not None:
            tls.append((f"spec.ports[{index}].tls.roleArn", port.tls.role_arn))
    return Asks(
        pass_roles=_roles(
            ("spec.taskRoleArn", spec.task_role_arn),
            ("spec.executionRoleArn", spec.execution_role_arn),
            *tls,
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
