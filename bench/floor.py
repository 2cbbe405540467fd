"""The floor: the fewest boto3 calls that build the same AWS end state as the operator.

Namespace, cluster, then per service its log group (with its retention), a task definition,
a Cloud Map Service Discovery service and an ECS service with Service Connect, then wait
until every service's deployment is COMPLETED, polling with batched DescribeServices (10 per call) and only for the services
not done yet. The request bodies come from `controller/render/service.py` (the exact
requests the operator sends, tags included), so both build the same resources; only the
work around them differs. Services are created by a pool of threads sharing one client per
AWS service, as a careful script would.

Run it alone against an emulator (or any endpoint) with:

    python -m bench.floor --endpoint http://127.0.0.1:PORT --services 100
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from controller.api.service import EcsServiceSpec
from controller.naming import Names, Owner, client_token, resource_tags, to_aws_tags
from controller.render.service import (
    ServiceContext,
    create_service_request,
    log_groups,
    service_discovery_service_request,
    task_definition_request,
)

from . import manifests

T = TypeVar("T")
DESCRIBE_BATCH = 10
THROTTLE_CODES = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException"})


@dataclass
class FloorWorld:
    """What the environment step leaves for the services."""

    namespace_id: str
    namespace_arn: str
    cluster_arn: str
    subnets: tuple[str, ...]


@dataclass
class Floor:
    endpoint: str
    region: str = manifests.REGION
    workers: int = 8
    poll_seconds: float = 0.25
    max_attempts: int = 5  # botocore standard retry mode, as the operator's clients
    # Calls that still failed with a throttle after botocore's own retries, made again.
    outer_retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=self.region
        )
        config = Config(
            retries={"mode": "standard", "max_attempts": self.max_attempts},
            max_pool_connections=self.workers + 4,
        )
        self.ecs: Any = session.client("ecs", endpoint_url=self.endpoint, config=config)
        self.sd: Any = session.client("servicediscovery", endpoint_url=self.endpoint, config=config)
        self.ec2: Any = session.client("ec2", endpoint_url=self.endpoint, config=config)
        self.logs: Any = session.client("logs", endpoint_url=self.endpoint, config=config)
        self.uid = str(uuid.uuid4())  # stands for the custom resources' uids in tags and tokens

    # -- the two measured runs ---------------------------------------------------------------

    def converge(
        self,
        names: list[str],
        image: str = manifests.IMAGE,
        on_environment: Callable[[], None] | None = None,
        on_done: Callable[[str], None] | None = None,
    ) -> float:
        """Build everything from nothing; seconds until every deployment is COMPLETED.
        `on_environment` is called once the environment step is done, `on_done` with each
        service's name as its deployment is seen COMPLETED (bench/kube_floor.py's status
        writes); both must return at once."""
        started = time.monotonic()
        world = self.environment()
        if on_environment is not None:
            on_environment()
        arns = self._each(names, lambda name: self.create_service(world, name, image))
        self.wait_completed(world, dict(zip(names, arns, strict=True)), on_done)
        return time.monotonic() - started

    def update(
        self, names: list[str], image: str, on_done: Callable[[str], None] | None = None
    ) -> float:
        """A new image for every service: one revision and one UpdateService each, then wait."""
        started = time.monotonic()
        world = self._existing_world()
        arns = self._each(names, lambda name: self.update_service(world, name, image))
        self.wait_completed(world, dict(zip(names, arns, strict=True)), on_done)
        return time.monotonic() - started

    # -- steps ----------------------------------------------------------------------------------

    def environment(self) -> FloorWorld:
        vpc_id, subnets = self._default_network()
        names = Names(app=manifests.APP, env=manifests.ENV)
        tags = self._tags(Owner("EcsEnvironment", "bench", manifests.ENV, self.uid), names)
        operation = self._call(
            lambda: self.sd.create_private_dns_namespace(
                Name=manifests.NAMESPACE_NAME,
                Vpc=vpc_id,
                CreatorRequestId=f"{self.uid}-0",
                Description=f"kopilot environment {names.env} of app {names.app}",
                Tags=to_aws_tags(tags, "Key", "Value"),
            )
        )["OperationId"]
        while True:
            found = self._call(lambda: self.sd.get_operation(OperationId=operation))["Operation"]
            if found["Status"] == "SUCCESS":
                break
            if found["Status"] == "FAIL":
                raise RuntimeError(f"namespace creation failed: {found}")
            time.sleep(self.poll_seconds)
        namespace_id = found["Targets"]["NAMESPACE"]
        namespace = self._call(lambda: self.sd.get_namespace(Id=namespace_id))["Namespace"]
        cluster = self._call(
            lambda: self.ecs.create_cluster(
                clusterName=manifests.CLUSTER,
                tags=to_aws_tags(tags),
                settings=[{"name": "containerInsights", "value": "disabled"}],
                serviceConnectDefaults={"namespace": namespace["Arn"]},
            )
        )["cluster"]
        return FloorWorld(namespace_id, namespace["Arn"], cluster["clusterArn"], tuple(subnets))

    def create_service(self, world: FloorWorld, name: str, image: str) -> str:
        spec, ctx = self._spec_and_context(world, name, image)
        for group in log_groups(spec, ctx):  # the tasks' log group, with its retention
            self._call(partial(self.logs.create_log_group, logGroupName=group, tags=ctx.tags))
            self._call(
                partial(
                    self.logs.put_retention_policy,
                    logGroupName=group,
                    retentionInDays=spec.logging.retention,
                )
            )
        definition = self._call(
            lambda: self.ecs.register_task_definition(**task_definition_request(spec, ctx))
        )["taskDefinition"]
        discovery = service_discovery_service_request(spec, ctx, f"{self.uid}-{name}-sd")
        registry_arn = None
        if discovery is not None:
            registry_arn = self._call(lambda: self.sd.create_service(**discovery))["Service"]["Arn"]
        arn: str = definition["taskDefinitionArn"]
        token = client_token(f"{self.uid}/{name}", "create-0")
        request = create_service_request(spec, ctx, arn, registry_arn, token)
        self._call(lambda: self.ecs.create_service(**request))
        return arn

    def update_service(self, world: FloorWorld, name: str, image: str) -> str:
        spec, ctx = self._spec_and_context(world, name, image)
        definition = self._call(
            lambda: self.ecs.register_task_definition(**task_definition_request(spec, ctx))
        )["taskDefinition"]
        arn: str = definition["taskDefinitionArn"]
        self._call(
            lambda: self.ecs.update_service(
                cluster=world.cluster_arn, service=name, taskDefinition=arn
            )
        )
        return arn

    def wait_completed(
        self,
        world: FloorWorld,
        revisions: dict[str, str],
        on_done: Callable[[str], None] | None = None,
    ) -> None:
        """Until each service runs its revision in one COMPLETED deployment, all tasks up;
        `on_done(name)` as each one is seen so."""
        pending = sorted(revisions)
        while pending:
            done: set[str] = set()
            for start in range(0, len(pending), DESCRIBE_BATCH):
                batch = pending[start : start + DESCRIBE_BATCH]
                response = self._call(
                    partial(self.ecs.describe_services, cluster=world.cluster_arn, services=batch)
                )
                for service in response["services"]:
                    name = service["serviceName"]
                    if _completed(service, revisions[name]):
                        done.add(name)
                        if on_done is not None:
                            on_done(name)
            pending = [name for name in pending if name not in done]
            if pending:
                time.sleep(self.poll_seconds)

    # -- helpers ----------------------------------------------------------------------------------

    def _default_network(self) -> tuple[str, list[str]]:
        vpcs = self._call(
            lambda: self.ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])
        )["Vpcs"]
        vpc_id: str = vpcs[0]["VpcId"]
        subnets = self._call(
            lambda: self.ec2.describe_subnets(
                Filters=[
                    {"Name": "vpc-id", "Values": [vpc_id]},
                    {"Name": "default-for-az", "Values": ["true"]},
                ]
            )
        )["Subnets"]
        return vpc_id, sorted(s["SubnetId"] for s in subnets)

    def _existing_world(self) -> FloorWorld:
        """The environment `converge` built (looked up once, before an update wave)."""
        cluster = self.ecs.describe_clusters(clusters=[manifests.CLUSTER])["clusters"][0]
        namespace_arn = cluster["serviceConnectDefaults"]["namespace"]
        namespace_id = namespace_arn.rsplit("/", 1)[-1]
        _, subnets = self._default_network()
        return FloorWorld(namespace_id, namespace_arn, cluster["clusterArn"], tuple(subnets))

    def _spec_and_context(
        self, world: FloorWorld, name: str, image: str
    ) -> tuple[EcsServiceSpec, ServiceContext]:
        spec = EcsServiceSpec.model_validate(manifests.service(name, image)["spec"])
        names = Names(app=manifests.APP, env=manifests.ENV, svc=name)
        owner = Owner("EcsService", "bench", name, f"{self.uid}-{name}")
        ctx = ServiceContext(
            names=names,
            region=self.region,
            cluster=world.cluster_arn,
            namespace_name=manifests.NAMESPACE_NAME,
            namespace_arn=world.namespace_arn,
            namespace_id=world.namespace_id,
            namespace_type="DNS_PRIVATE",
            subnets=world.subnets,
            security_groups=(),
            assign_public_ip=False,
            execution_role_arn=manifests.EXECUTION_ROLE,
            tags=self._tags(owner, names),
        )
        return spec, ctx

    @staticmethod
    def _tags(owner: Owner, names: Names) -> dict[str, str]:
        return resource_tags(owner, names, manifests.app()["spec"]["tags"])

    def _each(self, names: list[str], work: Callable[[str], T]) -> list[T]:
        with ThreadPoolExecutor(self.workers, thread_name_prefix="floor") as pool:
            return list(pool.map(work, names))

    def _call(self, call: Callable[[], T]) -> T:
        """The call, with botocore's standard retries; a throttle that outlasts them is
        retried after a second (a script must finish, whatever the buckets say)."""
        while True:
            try:
                return call()
            except ClientError as err:
                if err.response.get("Error", {}).get("Code") not in THROTTLE_CODES:
                    raise
                with self._lock:
                    self.outer_retries += 1
                time.sleep(1.0)


def _completed(service: dict[str, Any], revision: str) -> bool:
    deployments = service.get("deployments") or []
    return (
        service.get("status") == "ACTIVE"
        and len(deployments) == 1
        and deployments[0].get("rolloutState") == "COMPLETED"
        and deployments[0].get("taskDefinition") == revision
        and service.get("runningCount") == service.get("desiredCount")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--endpoint", required=True, help="AWS endpoint URL (the emulator)")
    parser.add_argument("--services", type=int, default=100, help="how many services")
    parser.add_argument("--workers", type=int, default=8, help="threads creating services")
    args = parser.parse_args(argv)
    floor = Floor(args.endpoint, workers=args.workers)
    seconds = floor.converge(manifests.service_names(args.services))
    print(f"{args.services} services converged in {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
