"""The commands' documents as text: aligned tables, as kubectl and Copilot print them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from .commands import STOPPED_SHOWN


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "") -> str:
    """Columns padded to their widest cell, two spaces apart."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    return "\n".join(
        indent + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [list(headers), *rows]
    )


def _text(value: Any) -> str:
    return "-" if value is None or value == "" else str(value)


def age(iso: str | None, now: datetime | None = None) -> str:
    """2026-12-02T14:20:01Z -> "45s", "3m", "2h", "4d" ago, as kubectl's AGE."""
    if not iso:
        return "-"
    then = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    seconds = max(0, int(((now or datetime.now(UTC)) - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _endpoints(endpoints: dict[str, Any]) -> list[list[str]]:
    rows = [["Service Connect", url] for url in endpoints.get("serviceConnect") or []]
    if endpoints.get("serviceDiscovery"):
        rows.append(["Service Discovery", endpoints["serviceDiscovery"]])
    if endpoints.get("http"):
        rows.append(["Load balancer", endpoints["http"]])
    return rows


def _title(doc: dict[str, Any]) -> str:
    return (
        f"Service {doc['name']} (namespace {doc['namespace']}, app {doc['app']}, environment "
        f"{doc['environment']}, {doc['region']}, cluster {doc['cluster']})"
    )


def status(doc: dict[str, Any]) -> str:
    ready, counts = doc["ready"], doc["counts"]
    reason = ready["reason"] or ""
    message = f": {ready['message']}" if ready.get("message") else ""
    out = [_title(doc), "", f"  Ready    {ready['status']}  {reason}{message}".rstrip()]
    if doc["ecsService"] is None:
        out.append("  ECS      no ECS service yet")
    else:
        rollout = doc.get("rollout") or {}
        out.append(
            f"  Tasks    {_text(counts['running'])}/{_text(counts['desired'])} running, "
            f"{_text(counts['pending'])} pending (task definition {_text(doc['taskDefinition'])})"
        )
        if rollout:
            out.append(
                f"  Rollout  {_text(rollout.get('state'))}  {rollout.get('reason') or ''}".rstrip()
            )
        out += ["", "Deployments"]
        out.append(
            table(
                ["STATUS", "TASK DEFINITION", "RUNNING", "PENDING", "FAILED", "ROLLOUT", "STARTED"],
                [
                    [
                        _text(d["status"]),
                        _text(d["taskDefinition"]),
                        f"{_text(d['runningCount'])}/{_text(d['desiredCount'])}",
                        _text(d["pendingCount"]),
                        _text(d["failedTasks"]),
                        _text(d["rolloutState"]),
                        age(d["createdAt"]),
                    ]
                    for d in doc["deployments"]
                ],
                "  ",
            )
        )
        out += ["", "Tasks", *_tasks(doc["tasks"])]
    endpoints = _endpoints(doc["endpoints"])
    if endpoints:
        out += ["", "Endpoints", table(["KIND", "ENDPOINT"], endpoints, "  ")]
    seen = doc.get("endpointHealth")
    if seen:
        out.append(
            f"  {seen['healthy']}/{seen['registered']} Service Connect endpoints healthy in "
            f"Cloud Map (read {age(seen['at'])} ago)"
        )
    if doc["events"]:
        out += ["", "Recent events"]
        out += [f"  {age(e['createdAt']):>4}  {e['message']}" for e in doc["events"]]
    return "\n".join(out)


def _tasks(tasks: list[dict[str, Any]]) -> list[str]:
    if not tasks:
        return ["  none"]
    stopped = [t for t in tasks if t["lastStatus"] == "STOPPED"]
    shown = [t for t in tasks if t["lastStatus"] != "STOPPED"] + stopped[:STOPPED_SHOWN]
    headers = ["ID", "STATUS", "HEALTH", "REVISION", "STARTED", "IP"]
    if any(t["lastStatus"] == "STOPPED" for t in shown):
        headers.append("STOPPED REASON")
    rows = [
        [
            t["id"][:8],
            _text(t["lastStatus"]),
            _text(t["healthStatus"]),
            _text(t["revision"]),
            age(t["startedAt"]),
            _text(t["privateIp"]),
            _text(t["stoppedReason"]) if t["lastStatus"] == "STOPPED" else "",
        ][: len(headers)]
        for t in shown
    ]
    lines = [table(headers, rows, "  ")]
    if len(stopped) > STOPPED_SHOWN:
        lines.append(f"  ({len(stopped) - STOPPED_SHOWN} more stopped; -o json lists them)")
    return lines


def show(doc: dict[str, Any]) -> str:
    out = [_title(doc), ""]
    out.append(
        f"  Ready           {doc['ready']['status']}  {doc['ready']['reason'] or ''}".rstrip()
    )
    out.append(
        f"  ECS service     {_text(doc['ecsService'])} ({_text(doc['launchType'])}, "
        f"{_text(doc['desiredCount'])} desired)"
    )
    td = doc["taskDefinition"]
    if td is None:
        out.append("  Task definition none yet")
    elif not td.get("found", True):
        out.append(f"  Task definition {td['revision']} (not found in ECS)")
    else:
        out.append(
            f"  Task definition {td['revision']} (cpu {_text(td['cpu'])}, memory "
            f"{_text(td['memory'])}, {_text(td['networkMode'])})"
        )
        out.append(f"  Execution role  {_text(td['executionRoleArn'])}")
        out.append(f"  Task role       {_text(td['taskRoleArn'])}")
        out += ["", "Containers"]
        out.append(
            table(
                ["NAME", "IMAGE", "ESSENTIAL", "PORTS", "LOG GROUP"],
                [
                    [
                        _text(c["name"]),
                        _text(c["image"]),
                        "yes" if c["essential"] else "no",
                        ", ".join(
                            f"{p['containerPort']}/{p['protocol']} ({p['name']})"
                            for p in c["ports"]
                        )
                        or "-",
                        _text(c["logGroup"]),
                    ]
                    for c in td["containers"]
                ],
                "  ",
            )
        )
        variables = [
            [c["name"], k, _text(v)]
            for c in td["containers"]
            for k, v in sorted(c["variables"].items())
        ]
        if variables:
            out += ["", "Variables", table(["CONTAINER", "NAME", "VALUE"], variables, "  ")]
        secrets = [[c["name"], s] for c in td["containers"] for s in c["secrets"]]
        if secrets:
            out += ["", "Secrets", table(["CONTAINER", "NAME"], secrets, "  ")]
    connect = doc["serviceConnect"]
    out += ["", "Service Connect"]
    if not connect or not connect.get("enabled"):
        out.append("  off")
    else:
        out.append(f"  namespace {_text(connect['namespace'])}")
        if connect["services"]:
            out.append(
                table(
                    ["PORT NAME", "DISCOVERY NAME", "CLIENT ALIASES"],
                    [
                        [
                            _text(s["portName"]),
                            _text(s["discoveryName"]),
                            ", ".join(s["clientAliases"]) or "-",
                        ]
                        for s in connect["services"]
                    ],
                    "  ",
                )
            )
        else:
            out.append("  client only (no endpoint of its own)")
    discovery = doc["serviceDiscovery"]
    out += ["", "Service Discovery"]
    if discovery["endpoint"] or discovery["registries"]:
        out.append(f"  {_text(discovery['endpoint'])}")
        out += [f"  registry {arn}" for arn in discovery["registries"]]
    else:
        out.append("  off")
    for lb in doc["loadBalancers"]:
        out += ["", "Load balancer", f"  target group {lb['targetGroupArn']} -> {lb['container']}"]
    endpoints = _endpoints(doc["endpoints"])
    if endpoints:
        out += ["", "Endpoints", table(["KIND", "ENDPOINT"], endpoints, "  ")]
    return "\n".join(out)


def log_line(line: dict[str, Any]) -> str:
    return f"{line['task'][:8]}/{line['container'] or '-'} {line['timestamp']} {line['message']}"


def services(rows: list[dict[str, Any]]) -> str:
    return table(
        ["NAME", "APP", "ENV", "READY", "REASON", "ENDPOINT", "TASKS"],
        [
            [
                _text(r[k])
                for k in ("name", "app", "environment", "ready", "reason", "endpoint", "tasks")
            ]
            for r in rows
        ],
    )


def environments(rows: list[dict[str, Any]]) -> str:
    return table(
        ["NAME", "APP", "REGION", "READY", "REASON", "ENDPOINT", "CLUSTER", "SERVICES"],
        [
            [
                _text(r[k])
                for k in (
                    "name",
                    "app",
                    "region",
                    "ready",
                    "reason",
                    "endpoint",
                    "cluster",
                    "services",
                )
            ]
            for r in rows
        ],
    )
