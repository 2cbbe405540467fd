"""The custom resources the benchmark applies: one EcsApp, one EcsEnvironment, N EcsServices."""

from __future__ import annotations

from typing import Any

import yaml

GROUP = "kopilot.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"

APP = "bench"
ENV = "test"
REGION = "us-east-1"
# Fargate sends logs with the task execution role (AWS refuses awslogs without one).
EXECUTION_ROLE = "arn:aws:iam::123456789012:role/bench-execution"
PORT = 8080
IMAGE = "public.ecr.aws/nginx/nginx:1.27"
UPDATED_IMAGE = "public.ecr.aws/nginx/nginx:1.28"
# Copilot's names for this app and environment (controller/naming.py).
CLUSTER = f"{APP}-{ENV}"
NAMESPACE_NAME = f"{ENV}.{APP}.local"


def service_names(count: int) -> list[str]:
    return [f"svc-{index:04d}" for index in range(count)]


def app() -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "EcsApp",
        "metadata": {"name": APP},
        "spec": {"tags": {"team": "bench"}},
    }


def environment() -> dict[str, Any]:
    # No spec.network: the Region's default VPC and subnets, as in the kudos sample.
    return {
        "apiVersion": API_VERSION,
        "kind": "EcsEnvironment",
        "metadata": {"name": ENV},
        "spec": {"app": APP, "region": REGION, "executionRoleArn": EXECUTION_ROLE},
    }


def service(name: str, image: str = IMAGE) -> dict[str, Any]:
    """A server on Service Connect: a port, `connect: {enabled: true}`, Service Discovery on
    (the default for a service with a port)."""
    return {
        "apiVersion": API_VERSION,
        "kind": "EcsService",
        "metadata": {"name": name},
        "spec": {
            "app": APP,
            "environment": ENV,
            "image": image,
            "port": PORT,
            "network": {"connect": {"enabled": True}},
        },
    }


def world(count: int, image: str = IMAGE) -> list[dict[str, Any]]:
    return [app(), environment(), *(service(name, image) for name in service_names(count))]


def stream(docs: list[dict[str, Any]]) -> str:
    """One multi-document YAML stream, for a single `kubectl apply -f -`."""
    return yaml.safe_dump_all(docs, sort_keys=False)
