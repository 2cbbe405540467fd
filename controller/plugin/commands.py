"""Each command's document: plain data (JSON for -o json, laid out by tables.py otherwise)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .aws import Clients, EcsReads, LogReads, clients_for
from .errors import PluginError
from .kube import Kube, condition

STOPPED_SHOWN = 5  # the most recent stopped tasks `status` shows
EVENTS_SHOWN = 5  # the last ECS service events, as Copilot's svc status shows them


@dataclass
class Context:
    kube: Kube
    endpoint: str | None = None  # in-process callers; a shell sets AWS_ENDPOINT_URL
    session: Any = None
    _clients: dict[tuple[str, str], Clients] = field(default_factory=dict)

    def clients(self, region: str, role_arn: str | None) -> Clients:
        key = (region, role_arn or "")
        if key not in self._clients:
            self._clients[key] = clients_for(region, role_arn, self.endpoint, self.session)
        return self._clients[key]


@dataclass
class Located:
    """A service, its environment and the clients of the environment's account and Region."""

    service: dict[str, Any]
    environment: dict[str, Any]
    cluster: str
    clients: Clients

    @property
    def name(self) -> str:
        return str(self.service["metadata"]["name"])

    @property
    def status(self) -> dict[str, Any]:
        return dict(self.service.get("status") or {})

    @property
    def ecs_ref(self) -> str:
        """The ECS service: its ARN once created, else its name."""
        spec = self.service.get("spec") or {}
        return str(self.status.get("serviceArn") or spec.get("ecsServiceName") or self.name)

    def ecs(self) -> EcsReads:
        return EcsReads(self.clients, self.cluster)


def locate(ctx: Context, name: str) -> Located:
    service = ctx.kube.need("ecsservices", name)
    spec = service.get("spec") or {}
    env_name = str(spec.get("environment"))
    environment = ctx.kube.get("ecsenvironments", env_name)
    if environment is None:
        raise PluginError(
            f"EcsService {name!r} is in environment {env_name!r}, which does not exist in "
            f"namespace {ctx.kube.namespace!r}: create it, or correct spec.environment"
        )
    env_spec = environment.get("spec") or {}
    cluster = (environment.get("status") or {}).get("clusterArn")
    if not cluster:
        ready = condition(environment)
        raise PluginError(
            f"EcsEnvironment {env_name!r} is not Ready ({ready.get('reason', 'Pending')}: "
            f"{ready.get('message', 'not reconciled yet')}), so it has no ECS cluster to read: "
            f"`kubectl describe ecsenvironment {env_name} -n {ctx.kube.namespace}` says why"
        )
    return Located(
        service=service,
        environment=environment,
        cluster=str(cluster),
        clients=ctx.clients(str(env_spec.get("region")), env_spec.get("roleArn")),
    )


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return None if value is None else str(value)


def _revision(arn: str | None) -> str | None:
    return arn.rsplit("/", 1)[-1] if arn else None


def _ready(obj: dict[str, Any]) -> dict[str, Any]:
    found = condition(obj)
    return {
        "status": found.get("status", "Unknown"),
        "reason": found.get("reason"),
        "message": found.get("message"),
    }


def _header(located: Located) -> dict[str, Any]:
    spec = located.service.get("spec") or {}
    return {
        "kind": "EcsService",
        "name": located.name,
        "namespace": located.service["metadata"].get("namespace"),
        "app": spec.get("app"),
        "environment": spec.get("environment"),
        "region": (located.environment.get("spec") or {}).get("region"),
        "cluster": located.cluster.rsplit("/", 1)[-1],
    }


# -- status ------------------------------------------------------------------------------------


def _task(task: dict[str, Any]) -> dict[str, Any]:
    details = {
        d.get("name"): d.get("value")
        for attachment in task.get("attachments") or []
        for d in attachment.get("details") or []
    }
    return {
        "id": task["taskArn"].rsplit("/", 1)[-1],
        "lastStatus": task.get("lastStatus"),
        "desiredStatus": task.get("desiredStatus"),
        "healthStatus": task.get("healthStatus"),
        "revision": _revision(task.get("taskDefinitionArn")),
        "startedAt": _iso(task.get("startedAt")),
        "stoppedAt": _iso(task.get("stoppedAt")),
        "stoppedReason": task.get("stoppedReason"),
        "privateIp": details.get("privateIPv4Address"),
        "containers": [
            {
                "name": c.get("name"),
                "lastStatus": c.get("lastStatus"),
                "healthStatus": c.get("healthStatus"),
                "reason": c.get("reason"),
            }
            for c in task.get("containers") or []
        ],
    }


def _ordered(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Running and pending tasks by start, then stopped ones, the most recent first."""
    live = [t for t in tasks if t["lastStatus"] != "STOPPED"]
    stopped = [t for t in tasks if t["lastStatus"] == "STOPPED"]
    return sorted(live, key=lambda t: t["startedAt"] or "~") + sorted(
        stopped, key=lambda t: t["stoppedAt"] or "", reverse=True
    )


def _deployment(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": d.get("id"),
        "status": d.get("status"),
        "taskDefinition": _revision(d.get("taskDefinition")),
        "desiredCount": d.get("desiredCount"),
        "runningCount": d.get("runningCount"),
        "pendingCount": d.get("pendingCount"),
        "failedTasks": d.get("failedTasks"),
        "rolloutState": d.get("rolloutState"),
        "rolloutStateReason": d.get("rolloutStateReason"),
        "createdAt": _iso(d.get("createdAt")),
    }


def status(ctx: Context, name: str) -> dict[str, Any]:
    located = locate(ctx, name)
    st = located.status
    described = located.ecs().service(located.ecs_ref)
    if described is not None and described.get("status") == "INACTIVE":
        described = None
    tasks = _ordered(
        [_task(t) for t in located.ecs().tasks(described["serviceName"])] if described else []
    )
    events = (described or {}).get("events") or []
    return {
        **_header(located),
        "ready": _ready(located.service),
        "ecsService": described["serviceName"] if described else None,
        "taskDefinition": _revision(st.get("taskDefinitionArn")),
        "counts": {
            "desired": (described or {}).get("desiredCount", st.get("desiredCount")),
            "running": (described or {}).get("runningCount", st.get("runningCount")),
            "pending": (described or {}).get("pendingCount", st.get("pendingCount")),
        },
        "rollout": st.get("rollout"),
        "deployments": [_deployment(d) for d in (described or {}).get("deployments") or []],
        "tasks": tasks,
        "endpoints": st.get("endpoints") or {},
        # As the operator last read it (status.health): no Cloud Map call of the plugin's.
        "endpointHealth": {**health["endpoints"], "at": health.get("at")}
        if (health := st.get("health") or {}).get("endpoints")
        else None,
        "events": [
            {"createdAt": _iso(e.get("createdAt")), "message": e.get("message")}
            for e in events[:EVENTS_SHOWN]
        ],
    }


# -- show --------------------------------------------------------------------------------------


def _container(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": c.get("name"),
        "image": c.get("image"),
        "essential": c.get("essential", True),
        "ports": [
            {
                "name": p.get("name"),
                "containerPort": p.get("containerPort"),
                "protocol": p.get("protocol", "tcp"),
                "appProtocol": p.get("appProtocol"),
            }
            for p in c.get("portMappings") or []
        ],
        "variables": {v["name"]: v.get("value") for v in c.get("environment") or []},
        "secrets": sorted(s["name"] for s in c.get("secrets") or []),
        "command": c.get("command"),
        "healthCheck": (c.get("healthCheck") or {}).get("command"),
        "logGroup": ((c.get("logConfiguration") or {}).get("options") or {}).get("awslogs-group"),
    }


def _task_definition(td: dict[str, Any] | None, arn: str | None) -> dict[str, Any] | None:
    if td is None:
        return {"revision": _revision(arn), "found": False} if arn else None
    return {
        "revision": _revision(td.get("taskDefinitionArn")),
        "cpu": td.get("cpu"),
        "memory": td.get("memory"),
        "networkMode": td.get("networkMode"),
        "executionRoleArn": td.get("executionRoleArn"),
        "taskRoleArn": td.get("taskRoleArn"),
        "containers": [_container(c) for c in td.get("containerDefinitions") or []],
    }


def _service_connect(primary: dict[str, Any]) -> dict[str, Any] | None:
    config = primary.get("serviceConnectConfiguration")
    if not config:
        return None
    return {
        "enabled": config.get("enabled"),
        "namespace": config.get("namespace"),
        "services": [
            {
                "portName": s.get("portName"),
                "discoveryName": s.get("discoveryName", s.get("portName")),
                "clientAliases": [
                    f"{a.get('dnsName')}:{a.get('port')}" for a in s.get("clientAliases") or []
                ],
            }
            for s in config.get("services") or []
        ],
    }


def show(ctx: Context, name: str) -> dict[str, Any]:
    located = locate(ctx, name)
    st = located.status
    ecs = located.ecs()
    described = ecs.service(located.ecs_ref) or {}
    primary: dict[str, Any] = next(
        (d for d in described.get("deployments") or [] if d.get("status") == "PRIMARY"), {}
    )
    arn = primary.get("taskDefinition") or st.get("taskDefinitionArn")
    endpoints = st.get("endpoints") or {}
    return {
        **_header(located),
        "ready": _ready(located.service),
        "ecsService": described.get("serviceName"),
        "desiredCount": described.get("desiredCount", st.get("desiredCount")),
        "launchType": described.get("launchType"),
        "taskDefinition": _task_definition(ecs.task_definition(arn) if arn else None, arn),
        "serviceConnect": _service_connect(primary),
        "serviceDiscovery": {
            "endpoint": endpoints.get("serviceDiscovery"),
            "registries": [r.get("registryArn") for r in described.get("serviceRegistries") or []],
        },
        "loadBalancers": [
            {
                "targetGroupArn": lb.get("targetGroupArn"),
                "container": f"{lb.get('containerName')}:{lb.get('containerPort')}",
            }
            for lb in described.get("loadBalancers") or []
        ],
        "endpoints": endpoints,
    }


# -- logs --------------------------------------------------------------------------------------

_SINCE = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def since_ms(since: str | None, now: float | None = None) -> int | None:
    """--since 10m (s, m, h, d; combined as 1h30m) as a start time in milliseconds."""
    if not since:
        return None
    parts = _SINCE.findall(since)
    if not parts or "".join(n + u for n, u in parts) != since:
        raise PluginError(f"--since {since!r}: give a duration such as 30s, 10m, 2h or 1h30m")
    seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    return int(((now if now is not None else time.time()) - seconds) * 1000)


def log_group(located: Located) -> str | None:
    """The service's log group: as its status names it, else its task definition's awslogs."""
    named = located.status.get("logGroup")
    if named:
        return str(named)
    arn = located.status.get("taskDefinitionArn")
    td = located.ecs().task_definition(arn) if arn else None
    for container in (td or {}).get("containerDefinitions") or []:
        options = (container.get("logConfiguration") or {}).get("options") or {}
        if options.get("awslogs-group"):
            return str(options["awslogs-group"])
    return None


def log_line(event: dict[str, Any]) -> dict[str, Any]:
    parts = str(event.get("logStreamName", "")).split("/")
    return {
        "timestamp": datetime.fromtimestamp(event["timestamp"] / 1000, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "task": parts[-1],
        "container": parts[-2] if len(parts) > 1 else None,
        "stream": event.get("logStreamName"),
        "message": str(event.get("message", "")).rstrip("\n"),
    }


@dataclass
class LogSource:
    """One service's log group, optionally narrowed to one task."""

    reads: LogReads
    group: str
    task: str | None

    def events(self, start_ms: int | None) -> list[dict[str, Any]]:
        streams = self.reads.streams_of_task(self.group, self.task) if self.task else None
        return self.reads.events(self.group, start_ms, streams)


def log_source(ctx: Context, name: str, task: str | None) -> LogSource:
    located = locate(ctx, name)
    group = log_group(located)
    if group is None:
        raise PluginError(
            f"EcsService {name!r} has no task definition with awslogs yet: "
            f"`kubectl kopilot status {name}` shows where its rollout is"
        )
    return LogSource(LogReads(located.clients), group, task)


def follow(
    source: LogSource,
    start_ms: int | None,
    waiting: Callable[[str], None],
    interval: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, Any]]:
    """Log lines as they arrive, polling FilterLogEvents every `interval` seconds; waits for
    a log group that does not exist yet. Ends only when the caller stops (Ctrl-C)."""
    seen: set[str] = set()
    told = False
    while True:
        if source.reads.group_exists(source.group):
            events = source.events(start_ms)
            for event in events:
                key = str(event.get("eventId") or (event["timestamp"], event.get("message")))
                if key not in seen:
                    seen.add(key)
                    yield log_line(event)
            if events:
                # The same millisecond may get more events; `seen` keeps them from repeating.
                newest = events[-1]["timestamp"]
                start_ms = newest
                seen = {
                    str(e.get("eventId") or (e["timestamp"], e.get("message")))
                    for e in events
                    if e["timestamp"] == newest
                }
        elif not told:
            waiting(source.group)
            told = True
        sleep(interval)


# -- ls ----------------------------------------------------------------------------------------


def services(ctx: Context) -> list[dict[str, Any]]:
    rows = []
    for obj in ctx.kube.list("ecsservices"):
        spec, st = obj.get("spec") or {}, obj.get("status") or {}
        ready = _ready(obj)
        tasks = st.get("tasks")
        if tasks is None and st.get("desiredCount") is not None:
            tasks = f"{st.get('runningCount', 0)}/{st['desiredCount']}"
        rows.append(
            {
                "name": obj["metadata"]["name"],
                "app": spec.get("app"),
                "environment": spec.get("environment"),
                "ready": ready["status"],
                "reason": ready["reason"],
                "endpoint": st.get("endpoint"),
                "tasks": tasks,
            }
        )
    return rows


def environments(ctx: Context) -> list[dict[str, Any]]:
    all_services = ctx.kube.list("ecsservices")
    rows = []
    for obj in ctx.kube.list("ecsenvironments"):
        spec, st = obj.get("spec") or {}, obj.get("status") or {}
        ready = _ready(obj)
        name = obj["metadata"]["name"]
        rows.append(
            {
                "name": name,
                "app": spec.get("app"),
                "region": spec.get("region"),
                "ready": ready["status"],
                "reason": ready["reason"],
                "endpoint": st.get("serviceDiscoveryEndpoint"),
                "cluster": str(st.get("clusterArn") or "").rsplit("/", 1)[-1] or None,
                "services": sum(
                    1
                    for s in all_services
                    if (s.get("spec") or {}).get("environment") == name
                    and (s.get("spec") or {}).get("app") == spec.get("app")
                ),
            }
        )
    return rows
