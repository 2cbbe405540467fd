"""What the plugin reads from AWS: the ECS service, its tasks and task definition, and the
CloudWatch Logs of its log group. Credentials come from the usual chain and the
environment's spec.roleArn (ClientFactory); AWS_ENDPOINT_URL reaches an emulator."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .errors import PluginError

Clients = Callable[[str], Any]  # service name -> boto3 client for the environment


def clients_for(
    region: str, role_arn: str | None, endpoint: str | None = None, session: Any = None
) -> Clients:
    """boto3 clients for an environment. `endpoint` and `session` are for callers in-process
    (the sandbox's demo); a shell gets AWS_ENDPOINT_URL from botocore itself."""
    if endpoint is not None:
        import boto3

        own = session or boto3.session.Session()
        return lambda service: own.client(service, region_name=region, endpoint_url=endpoint)
    from ..aws.clients import ClientFactory

    factory = ClientFactory(session=session)
    return lambda service: factory.client(service, region, role_arn)


@contextlib.contextmanager
def aws_errors(what: str) -> Iterator[None]:
    """botocore's failures as sentences that say what to do."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
    )

    try:
        yield
    except NoCredentialsError as err:
        raise PluginError(
            f"no AWS credentials to {what}: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY), or run `aws sso login`"
        ) from err
    except NoRegionError as err:
        raise PluginError(f"no AWS Region to {what}: the environment has no spec.region") from err
    except EndpointConnectionError as err:
        raise PluginError(f"cannot reach AWS to {what}: {err}") from err
    except ClientError as err:
        error = err.response.get("Error", {})
        raise PluginError(
            f"AWS refused to {what}: {error.get('Code')}: {error.get('Message')}"
        ) from err
    except BotoCoreError as err:
        raise PluginError(f"cannot {what}: {err}") from err


@dataclass
class EcsReads:
    clients: Clients
    cluster: str

    def service(self, ref: str) -> dict[str, Any] | None:
        with aws_errors(f"describe ECS service {ref}"):
            found = self.clients("ecs").describe_services(cluster=self.cluster, services=[ref])
        services: list[dict[str, Any]] = found.get("services") or []
        return services[0] if services else None

    def tasks(self, service_name: str) -> list[dict[str, Any]]:
        """The service's tasks, running and pending first, then stopped ones."""
        ecs = self.clients("ecs")
        found: list[dict[str, Any]] = []
        with aws_errors(f"list the tasks of {service_name}"):
            for desired in ("RUNNING", "STOPPED"):
                pages = ecs.get_paginator("list_tasks").paginate(
                    cluster=self.cluster, serviceName=service_name, desiredStatus=desired
                )
                arns = [arn for page in pages for arn in page["taskArns"]]
                for start in range(0, len(arns), 100):
                    found += ecs.describe_tasks(
                        cluster=self.cluster, tasks=arns[start : start + 100]
                    )["tasks"]
        return found

    def task_definition(self, arn: str) -> dict[str, Any] | None:
        ecs = self.clients("ecs")
        with aws_errors(f"describe task definition {arn}"):
            try:
                found: dict[str, Any] = ecs.describe_task_definition(taskDefinition=arn)[
                    "taskDefinition"
                ]
            except ecs.exceptions.ClientException:  # a revision deleted since
                return None
        return found


@dataclass
class LogReads:
    clients: Clients

    def group_exists(self, group: str) -> bool:
        with aws_errors(f"describe log group {group}"):
            found = self.clients("logs").describe_log_groups(logGroupNamePrefix=group)
        return any(g["logGroupName"] == group for g in found.get("logGroups", []))

    def streams_of_task(self, group: str, task_id: str) -> list[str]:
        """The group's streams of one task: awslogs names them {prefix}/{container}/{task-id}."""
        names: list[str] = []
        with aws_errors(f"list the log streams of {group}"):
            pages = (
                self.clients("logs")
                .get_paginator("describe_log_streams")
                .paginate(logGroupName=group)
            )
            for page in pages:
                names += [
                    s["logStreamName"]
                    for s in page["logStreams"]
                    if s["logStreamName"].rsplit("/", 1)[-1].startswith(task_id)
                ]
        return names

    def events(
        self, group: str, start_ms: int | None, streams: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """FilterLogEvents from start_ms on, every page, in time order."""
        request: dict[str, Any] = {"logGroupName": group}
        if start_ms is not None:
            request["startTime"] = start_ms
        if streams is not None:
            if not streams:
                return []
            request["logStreamNames"] = streams[:100]
        found: list[dict[str, Any]] = []
        with aws_errors(f"read the log events of {group}"):
            for page in self.clients("logs").get_paginator("filter_log_events").paginate(**request):
                found += page.get("events", [])
        return sorted(found, key=lambda e: (e["timestamp"], e.get("eventId", "")))
