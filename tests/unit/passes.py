"""Fakes that run the real reconcile engine and managers in-process, with no server: a
Kubernetes that is a dict, and real boto3 clients whose answers come from botocore's
Stubber. Support for tests/unit/test_ready_reasons.py (not a test module itself).

A `World` holds the objects, the stubbed AWS clients, an `Engine` with the three real
managers, and every status patch and event the passes made.
"""

from __future__ import annotations

import builtins
import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.stub import Stubber

from controller.aws.clients import ClientFactory
from controller.naming import Names, Owner, from_aws_tags, resource_tags, to_aws_tags
from controller.reconcile.app import AppManager
from controller.reconcile.conditions import READY, SYNCED, find
from controller.reconcile.engine import Engine, Known, Resource, Result
from controller.reconcile.environment import EnvironmentManager
from controller.reconcile.kube import KubeGateway
from controller.reconcile.service import ServiceManager
from controller.tenancy import Tenancy

Body = dict[str, Any]

NAMESPACE = "demo"  # the Kubernetes namespace every object lives in
REGION = "us-east-1"
ACCOUNT = "123456789012"
EXECUTION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/exec"
CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/kudos-test"
CLOUD_MAP_NAMESPACE = {
    "Id": "ns-test",
    "Arn": f"arn:aws:servicediscovery:{REGION}:{ACCOUNT}:namespace/ns-test",
    "Name": "test.kudos.local",
    "Type": "DNS_PRIVATE",
}
IMAGE = "public.ecr.aws/nginx/nginx:1.27"

# One session for every client: it caches the service models, so a client costs
# milliseconds. The credentials are never used: a stubbed client sends nothing.
_SESSION = boto3.session.Session(
    aws_access_key_id="x", aws_secret_access_key="x", region_name=REGION
)


# -- objects ------------------------------------------------------------------------------


def _spec(defaults: Body, changes: dict[str, Any]) -> Body:
    """The defaults with `changes` laid over them; a change to None removes the field."""
    spec = {**defaults, **changes}
    return {key: value for key, value in spec.items() if value is not None}


def obj(kind: str, name: str, spec: Body, status: Body | None = None) -> Body:
    return {
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "uid": f"uid-{kind}-{name}",
            "generation": 1,
            # No kopf or status writes yet: no earlier operator process worked on it.
            "managedFields": [],
        },
        "spec": spec,
        "status": status or {},
    }


def app(name: str = "kudos", /, *, status: Body | None = None, **spec: Any) -> Body:
    """An EcsApp; `name` is its metadata.name (spec.name goes in as a keyword)."""
    return obj("EcsApp", name, _spec({}, spec), status)


def environment(name: str = "test", /, *, status: Body | None = None, **spec: Any) -> Body:
    """An EcsEnvironment of app kudos with a network and an execution role (pass
    network=None or executionRoleArn=None to leave them out)."""
    defaults = {
        "app": "kudos",
        "region": REGION,
        "executionRoleArn": EXECUTION_ROLE,
        "network": {"vpcId": "vpc-1", "subnets": ["subnet-1"]},
    }
    return obj("EcsEnvironment", name, _spec(defaults, spec), status)


def ready_condition(ready: bool = True, reason: str = "Available") -> dict[str, Any]:
    return {"type": READY, "status": str(ready), "reason": reason, "message": ""}


def ready_environment(
    name: str = "test", /, *, namespace_type: str = "DNS_PRIVATE", **spec: Any
) -> Body:
    """An EcsEnvironment as its own passes leave it once Ready."""
    status = {
        "conditions": [ready_condition()],
        "clusterArn": CLUSTER_ARN,
        "namespace": {
            "id": CLOUD_MAP_NAMESPACE["Id"],
            "arn": CLOUD_MAP_NAMESPACE["Arn"],
            "name": CLOUD_MAP_NAMESPACE["Name"],
            "type": namespace_type,
        },
        "network": {
            "vpcId": "vpc-1",
            "subnets": ["subnet-1"],
            "securityGroups": [],
            "assignPublicIp": False,
        },
    }
    return environment(name, status=status, **spec)


def service(name: str = "api", /, *, status: Body | None = None, **spec: Any) -> Body:
    """An EcsService of kudos/test: a Service Connect server on 8080 (Service Discovery on
    by default, as for any service with a port)."""
    defaults = {
        "app": "kudos",
        "environment": "test",
        "image": IMAGE,
        "port": 8080,
        "network": {"connect": {"enabled": True}},
    }
    return obj("EcsService", name, _spec(defaults, spec), status)


def owner_tags(body: Body, names: Names) -> dict[str, str]:
    """The tags kopilot puts on the AWS resources of `body` (its spec adds no tags)."""
    meta = body["metadata"]
    owner = Owner(body["kind"], meta["namespace"], meta["name"], meta["uid"])
    return resource_tags(owner, names)


# -- Kubernetes -------------------------------------------------------------------------


def merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """RFC 7386, as the API server applies a status merge patch."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge_patch(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


class FakeKube(KubeGateway):
    """The calls of KubeGateway the engine and managers make, on plain dicts."""

    def __init__(self, *objects: Body) -> None:  # no API client: nothing is sent
        self.objects: dict[tuple[str, str, str], Body] = {}
        self.patches: builtins.list[tuple[str, str, dict[str, Any]]] = []  # kind, name, status
        self.deleting_crds: set[str] = set()
        for body in objects:
            self.put(body)

    def put(self, body: Body) -> None:
        meta = body["metadata"]
        self.objects[(body["kind"], meta["namespace"], meta["name"])] = copy.deepcopy(body)

    def crd_deleting(self, kind: str) -> bool:
        return kind in self.deleting_crds

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        found = self.objects.get((kind, namespace, name))
        return copy.deepcopy(found) if found is not None else None

    def list(self, kind: str, namespace: str) -> builtins.list[dict[str, Any]]:
        return [
            copy.deepcopy(body)
            for (k, ns, _), body in self.objects.items()
            if (k, ns) == (kind, namespace)
        ]

    def pages(
        self, kind: str, namespace: str, limit: int = 100
    ) -> Iterator[builtins.list[dict[str, Any]]]:
        yield self.list(kind, namespace)

    def patch_status(self, kind: str, namespace: str, name: str, status: dict[str, Any]) -> None:
        self.patches.append((kind, name, copy.deepcopy(status)))
        stored = self.objects.get((kind, namespace, name))
        if stored is not None:
            merge_patch(stored.setdefault("status", {}), status)

    def condition(self, body: Body, type_: str = READY) -> dict[str, Any]:
        """`type_` condition of the last status patch of `body` that carries conditions."""
        for kind, name, status in reversed(self.patches):
            if (kind, name) == (body["kind"], body["metadata"]["name"]) and "conditions" in status:
                found = find(status["conditions"], type_)
                assert found is not None, f"no {type_} condition in {status}"
                return found
        raise AssertionError(f"no conditions were written for {body['metadata']['name']}")


# -- AWS --------------------------------------------------------------------------------


class FakeAws(ClientFactory):
    """Real boto3 clients (ecs, servicediscovery, ec2) answered by botocore's Stubber, one
    per service whatever the Region or role; every call is recorded with its parameters."""

    def __init__(self) -> None:  # no session, no pacer: nothing leaves the process
        self._by_service: dict[str, Any] = {}
        self._stubbers: dict[str, Stubber] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def client(self, service: str, region: str, role_arn: str | None = None) -> Any:
        return self._made(service)[0]

    def once(self, service: str, region: str, role_arn: str | None = None) -> Any:
        return self._made(service)[0]

    def stub(self, service: str) -> Stubber:
        return self._made(service)[1]

    def _made(self, service: str) -> tuple[Any, Stubber]:
        if service not in self._stubbers:
            client = _SESSION.client(service, region_name=REGION)
            client.meta.events.register("before-parameter-build.*.*", self._record)
            stubber = Stubber(client)
            stubber.activate()
            self._by_service[service] = client
            self._stubbers[service] = stubber
        return self._by_service[service], self._stubbers[service]

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, copy.deepcopy(params)))

    @property
    def operations(self) -> list[str]:
        return [name for name, _ in self.calls]

    def params(self, operation: str) -> dict[str, Any]:
        """The parameters of the last call of `operation`."""
        return next(p for name, p in reversed(self.calls) if name == operation)

    def answer(self, service: str, operation: str, response: dict[str, Any]) -> None:
        self.stub(service).add_response(operation, response, expected_params=None)

    def refuse(
        self, service: str, operation: str, code: str, message: str = "", status: int = 400
    ) -> None:
        self.stub(service).add_client_error(
            operation,
            service_error_code=code,
            service_message=message or code,
            http_status_code=status,
            expected_params=None,
        )

    def assert_done(self) -> None:
        """Every stubbed answer was asked for."""
        for stubber in self._stubbers.values():
            stubber.assert_no_pending_responses()


# -- what AWS answers ---------------------------------------------------------------------


def ecs_service(
    request: dict[str, Any],
    deployments: builtins.list[dict[str, Any]],
    running: int = 0,
    arn: str | None = None,
) -> dict[str, Any]:
    """A DescribeServices entry of the service CreateService `request` made, as ECS reports
    it (with the `tagMap` kopilot's describe adds), its Service Connect configuration on the
    PRIMARY deployment."""
    name = request["serviceName"]
    primary_task_definition = next(
        d["taskDefinition"] for d in deployments if d["status"] == "PRIMARY"
    )
    for deployment in deployments:
        if deployment["status"] == "PRIMARY" and "serviceConnectConfiguration" in request:
            deployment.setdefault(
                "serviceConnectConfiguration", request["serviceConnectConfiguration"]
            )
    tags = request.get("tags", [])
    return {
        "serviceArn": arn or f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/kudos-test/{name}",
        "serviceName": name,
        "clusterArn": CLUSTER_ARN,
        "status": "ACTIVE",
        "launchType": request["launchType"],
        "taskDefinition": primary_task_definition,
        "desiredCount": request["desiredCount"],
        "runningCount": running,
        "pendingCount": request["desiredCount"] - running,
        "deployments": deployments,
        "networkConfiguration": request["networkConfiguration"],
        "deploymentConfiguration": request["deploymentConfiguration"],
        "serviceRegistries": request.get("serviceRegistries", []),
        "enableECSManagedTags": request["enableECSManagedTags"],
        "propagateTags": request["propagateTags"],
        "tags": tags,
        "tagMap": from_aws_tags(tags),
    }


def deployment(
    task_definition: str, state: str, primary: bool = True, reason: str = ""
) -> dict[str, Any]:
    return {
        "id": f"ecs-svc/{task_definition.rsplit(':', 1)[-1]}",
        "status": "PRIMARY" if primary else "ACTIVE",
        "taskDefinition": task_definition,
        "rolloutState": state,
        "rolloutStateReason": reason,
    }


def cluster(name: str, tags: dict[str, str]) -> dict[str, Any]:
    return {
        "clusterArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{name}",
        "clusterName": name,
        "status": "ACTIVE",
        "tags": to_aws_tags(tags),
    }


def cloud_map_tags(tags: dict[str, str]) -> dict[str, Any]:
    return {"Tags": to_aws_tags(tags, "Key", "Value")}


# -- the world --------------------------------------------------------------------------


@dataclass
class Events:
    posted: list[tuple[str, str, str]]  # type, reason, message

    def __call__(self, resource: Resource, type_: str, reason: str, message: str) -> None:
        self.posted.append((type_, reason, message))

    @property
    def reasons(self) -> list[str]:
        return [reason for _, reason, _ in self.posted]


class World:
    """Objects in a fake Kubernetes, stubbed AWS, and the real engine with its managers."""

    def __init__(self, *objects: Body, tenancy: Tenancy | None = None) -> None:
        self.kube = FakeKube(*objects)
        self.aws = FakeAws()
        self.events = Events([])
        # Health reads are their own pass step, stubbed in tests/unit/test_service_health.py.
        self.services = ServiceManager(read_health=False)
        self.engine = Engine(
            [AppManager(), EnvironmentManager(), self.services],
            self.kube,
            self.aws,
            self.events,
            tenancy=tenancy,
        )

    def reconcile(
        self,
        body: Body,
        known: Known | None = None,
        status: dict[str, Any] | None = None,
        retry: int = 0,
    ) -> Result:
        return self.engine.reconcile(body["kind"], body, retry, known=known, status=status)

    def stored(self, body: Body) -> Body:
        """`body` as Kubernetes holds it now, with the status the passes patched."""
        meta = body["metadata"]
        found = self.kube.get(body["kind"], meta["namespace"], meta["name"])
        assert found is not None
        return found

    def delete(self, body: Body) -> Result:
        return self.engine.delete(body["kind"], body)

    def ready(self, body: Body) -> dict[str, Any]:
        return self.kube.condition(body, READY)

    def synced(self, body: Body) -> dict[str, Any]:
        return self.kube.condition(body, SYNCED)
