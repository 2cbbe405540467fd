"""`kopilot sandbox demo | run | up | down`."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .controlplane.binaries import cache_root
from .controlplane.processes import log_tail
from .manifests import ManifestError, apply, load
from .snapshot import all_ready_or_failed, aws_state, regions_of, resources, summary
from .world import Sandbox

SAMPLES = Path(__file__).parent / "samples"
DEMO_NAMESPACE = "demo"


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def wait_until_done(
    sandbox: Sandbox, timeout: float, on_change: Callable[[dict[str, Any]], None]
) -> list[dict[str, Any]]:
    """Poll until every kopilot resource is Ready or failed for good; report each change."""
    seen: dict[tuple[str, str, str], tuple[str, str]] = {}
    deadline = time.monotonic() + timeout
    while True:
        items = [summary(o) for o in resources(sandbox.api)]
        for item in items:
            key = (item["kind"], item["namespace"], item["name"])
            state = (item["ready"], item["reason"])
            if seen.get(key) != state:
                seen[key] = state
                on_change(item)
        if all_ready_or_failed(items) or time.monotonic() > deadline:
            return items
        time.sleep(0.5)


def _progress_line(item: dict[str, Any]) -> None:
    mark = "✔" if item["ready"] == "True" else ("✖" if item["terminal"] else "…")
    reason = item["reason"] or "Pending"
    message = f" - {item['message']}" if item["message"] else ""
    print(
        f"  {mark} {item['kind']:<15} {item['namespace']}/{item['name']:<20} {reason}{message}",
        flush=True,
    )


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)


def render_report(items: list[dict[str, Any]], aws: dict[str, Any]) -> str:
    out = [
        "",
        "Kubernetes resources",
        _table(
            ["KIND", "NAME", "READY", "REASON", "ENDPOINTS"],
            [
                [
                    i["kind"],
                    f"{i['namespace']}/{i['name']}",
                    i["ready"],
                    i["reason"],
                    _endpoints(i["status"]),
                ]
                for i in items
            ],
        ),
    ]
    for region, state in aws.items():
        out += [
            "",
            f"AWS ({region})",
            _table(
                ["CLUSTER", "SERVICE CONNECT DEFAULT NAMESPACE"],
                [
                    [
                        c["clusterName"],
                        (c.get("serviceConnectDefaults") or {}).get("namespace", "-"),
                    ]
                    for c in state["clusters"]
                ],
            ),
            "",
            _table(
                ["NAMESPACE", "ID", "TYPE", "SERVICES"],
                [
                    [n["Name"], n["Id"], n["Type"], str(n.get("ServiceCount", ""))]
                    for n in state["namespaces"]
                ],
            ),
            "",
            _table(
                [
                    "SERVICE",
                    "TASK DEFINITION",
                    "RUNNING",
                    "ROLLOUT",
                    "DISCOVERY NAME",
                    "CLIENT ALIASES",
                ],
                [_service_row(s) for s in state["services"]],
            ),
            "",
            _table(
                ["CLOUD MAP SERVICE", "NAMESPACE", "DNS RECORDS"],
                [[s["Name"], s["NamespaceId"], _records(s)] for s in state["cloudMapServices"]],
            ),
        ]
        if state.get("loadBalancers"):
            out += [
                "",
                _table(
                    ["LOAD BALANCER", "SCHEME", "DNS NAME", "LISTENERS (RULES)"],
                    [
                        [
                            lb["LoadBalancerName"],
                            lb["Scheme"],
                            lb["DNSName"],
                            ", ".join(
                                f"{x['Protocol']}:{x['Port']} ({x['Rules']})"
                                for x in lb["listeners"]
                            ),
                        ]
                        for lb in state["loadBalancers"]
                    ],
                ),
            ]
    return "\n".join(out)


def _endpoints(status: dict[str, Any]) -> str:
    points = status.get("endpoints") or {}
    values = [points.get("http"), *points.get("serviceConnect", []), points.get("serviceDiscovery")]
    return ", ".join(v for v in values if v) or "-"


def _service_row(service: dict[str, Any]) -> list[str]:
    primary: dict[str, Any] = next(
        (d for d in service["deployments"] if d.get("status") == "PRIMARY"), {}
    )
    config = primary.get("serviceConnectConfiguration") or {}
    entries = config.get("services") or []
    discovery = ", ".join(str(e.get("discoveryName", e.get("portName"))) for e in entries) or (
        "(client only)" if config.get("enabled") else "-"
    )
    aliases = ", ".join(
        f"{a['dnsName']}:{a['port']}" for e in entries for a in e.get("clientAliases", [])
    )
    return [
        service["serviceName"],
        str(service.get("taskDefinition", "")).rsplit("/", 1)[-1],
        f"{service.get('runningCount')}/{service.get('desiredCount')}",
        str(primary.get("rolloutState", "-")),
        discovery,
        aliases or "-",
    ]


def _records(service: dict[str, Any]) -> str:
    dns = service.get("DnsConfig") or {}
    records = ", ".join(f"{r['Type']} {r['TTL']}s" for r in dns.get("DnsRecords", []))
    return f"{records} {dns.get('RoutingPolicy', '')}".strip() or "(API only)"


def _snapshot(sandbox: Sandbox) -> dict[str, Any]:
    return aws_state(sandbox.aws_client, regions_of(resources(sandbox.api)) or [sandbox.aws.region])


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()


def _print_access(sandbox: Sandbox) -> None:
    print("\nThe sandbox is running. In another shell:")
    for key, value in sandbox.env().items():
        print(f"  export {key}={value}")
    print("  kubectl get kopilot -A")
    print(f"  kubectl kopilot status api -n {DEMO_NAMESPACE}   # with kubectl-kopilot on PATH")
    print(f"  aws ecs list-services --cluster kudos-test --endpoint-url {sandbox.aws.endpoint}")
    print(f"Operator log: {sandbox.operator_log}")


def _plugin_status(sandbox: Sandbox, name: str) -> None:
    """What `kubectl kopilot status` shows of a service: the plugin's own code, in-process,
    on the sandbox's kubeconfig and AWS."""
    import boto3

    from ..plugin import cli as plugin

    print(f"\n$ kubectl kopilot status {name}", flush=True)
    session = boto3.session.Session(aws_access_key_id="sandbox", aws_secret_access_key="sandbox")
    plugin.run(
        ["status", name, "-n", DEMO_NAMESPACE, "--kubeconfig", str(sandbox.kubeconfig)],
        endpoint=sandbox.aws.endpoint,
        session=session,
    )


# The operator's own series a person looks at first (docs/metrics.md); histogram buckets and
# the process's and Python's series are left out of the demo's sample, and AWS requests are
# summed by service (there is a series per operation and error code).
_METRICS_SHOWN = (
    "controller_runtime_reconcile_total",
    "kopilot_objects",
    "kopilot_aws_api_throttled_requests_total",
    "controller_runtime_reconcile_time_seconds_count",
)
_AWS_REQUESTS = "kopilot_aws_api_requests_total"


def metrics_sample(text: str) -> list[str]:
    """The lines of a /metrics page that `_METRICS_SHOWN` names, in its order, then the
    AWS requests by service."""
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    shown = [
        line
        for name in _METRICS_SHOWN
        for line in lines
        if line.startswith((f"{name}{{", f"{name} "))
    ]
    by_service: dict[str, float] = {}
    for line in lines:
        if line.startswith(f"{_AWS_REQUESTS}{{"):
            labels, value = line.rsplit(" ", 1)
            service = labels.split('service="', 1)[1].split('"', 1)[0]
            by_service[service] = by_service.get(service, 0.0) + float(value)
    if by_service:
        counts = ", ".join(f"{name} {int(n)}" for name, n in sorted(by_service.items()))
        shown.append(f"{_AWS_REQUESTS}, summed by service: {counts}")
    return shown


def _metrics(sandbox: Sandbox) -> None:
    if sandbox.metrics_url is None:
        return
    import urllib.request

    print(f"\n$ curl -s {sandbox.metrics_url}   # a sample: see docs/metrics.md", flush=True)
    with urllib.request.urlopen(sandbox.metrics_url, timeout=5) as response:
        text = response.read().decode()
    for line in metrics_sample(text):
        print(f"  {line}")


# -- commands ---------------------------------------------------------------------------------


def demo(keep: bool, timeout: float) -> int:
    started = time.monotonic()
    with Sandbox(rollout_seconds=3) as sandbox:
        documents = load([SAMPLES / "kudos.yaml"])
        print(
            f"applying the kudos sample (EcsApp kudos, EcsEnvironment test, EcsServices api and "
            f"front-end) in namespace {DEMO_NAMESPACE}:"
        )
        apply(sandbox.api, documents, DEMO_NAMESPACE)
        items = wait_until_done(sandbox, timeout, _progress_line)
        print(render_report(items, _snapshot(sandbox)))
        for item in items:
            url = (item["status"].get("endpoints") or {}).get("http")
            if url:
                print(
                    f"\n{item['name']} is served at {url} (the emulated load balancer has "
                    "a name, not traffic: on AWS this is the URL to open)"
                )
        ok = all_ready_or_failed(items) and all(i["ready"] == "True" for i in items)
        print(
            f"\n{'everything is Ready' if ok else 'NOT everything is Ready'} "
            f"({time.monotonic() - started:.0f}s from start)"
        )
        if not ok:
            _err(f"operator log ({sandbox.operator_log}):\n{log_tail(sandbox.operator_log, 40)}")
        _plugin_status(sandbox, "api")
        _metrics(sandbox)
        if keep:
            _print_access(sandbox)
            print("Press Ctrl-C to stop it.", flush=True)
            _wait_for_interrupt()
        return 0 if ok else 1


def run(files: list[Path], wait: bool, timeout: float, output: str) -> int:
    try:
        documents = load(files)
    except ManifestError as err:
        _err(f"error: {err}")
        return 2
    if not any(d["kind"] != "Namespace" for d in documents):
        _err("error: the files hold no EcsApp, EcsEnvironment or EcsService")
        return 2
    with Sandbox(progress=_err) as sandbox:
        try:
            apply(sandbox.api, documents)
        except ManifestError as err:
            _err(f"error: {err}")
            return 2
        if wait:
            items = wait_until_done(sandbox, timeout, lambda item: None)
        else:
            items = [summary(o) for o in resources(sandbox.api)]
        aws = _snapshot(sandbox)
        ok = all(i["ready"] == "True" for i in items)
        if output == "json":
            print(json.dumps({"ready": ok, "resources": items, "aws": aws}, indent=2, default=str))
        else:
            print(render_report(items, aws))
        if not ok:
            _err(
                "not Ready: "
                + ", ".join(
                    f"{i['kind']} {i['namespace']}/{i['name']} ({i['reason']})"
                    for i in items
                    if i["ready"] != "True"
                )
            )
        return 0 if ok else 1


def _state_file() -> Path:
    return cache_root() / "sandbox" / "state.json"


def up(timeout: float = 180.0) -> int:
    state = _state_file()
    if state.exists():
        current = json.loads(state.read_text())
        if _alive(current.get("pid", 0)):
            _err(
                f"a sandbox is already running (pid {current['pid']}): `kopilot sandbox down` first"
            )
            return 1
        state.unlink()
    state.parent.mkdir(parents=True, exist_ok=True)
    log = state.parent / "sandbox.log"
    with open(log, "wb") as handle:
        # Its own session, outliving this command; `down` stops it.
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "controller", "sandbox", "serve", "--state", str(state)],
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while not state.exists():
        if supervisor.poll() is not None or time.monotonic() > deadline:
            _err(f"the sandbox did not start:\n{log_tail(log, 40)}")
            return 1
        time.sleep(0.2)
    info = json.loads(state.read_text())
    print(f"sandbox running (pid {info['pid']}); in your shell:")
    for key, value in info["env"].items():
        print(f"  export {key}={value}")
    print("then: kubectl apply -f deploy/samples/kudos.yaml && kubectl get kopilot")
    print("stop it with: kopilot sandbox down")
    return 0


def serve(state: Path) -> int:
    with Sandbox() as sandbox:
        state.write_text(
            json.dumps(
                {"pid": os.getpid(), "env": sandbox.env(), "operatorLog": str(sandbox.operator_log)}
            )
        )
        try:
            _wait_for_interrupt()
        finally:
            state.unlink(missing_ok=True)
    return 0


def down(timeout: float = 30.0) -> int:
    state = _state_file()
    if not state.exists():
        print("no sandbox is running")
        return 0
    pid = int(json.loads(state.read_text()).get("pid", 0))
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    state.unlink(missing_ok=True)
    print("sandbox stopped")
    return 0


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
