"""controller.metrics: what each call counts, that engine passes and AWS attempts reach it,
and that no label carries an object's name or uid. One registry serves the whole test
process, so every check compares before and after."""

from __future__ import annotations

import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError

from controller import metrics
from controller.aws.clients import ClientFactory
from controller.cli import build_parser
from controller.pacing import Throttled, acting_for
from controller.reconcile.engine import Outcome
from controller.reconcile.errors import Terminal
from tests.unit.test_engine import FakeManager, _raises, _world


def value(metric: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(metric, labels) or 0.0


def objects(kind: str) -> dict[str, float]:
    """kopilot_objects of one kind, by reason."""
    return {
        sample.labels["reason"]: sample.value
        for family in metrics.REGISTRY.collect()
        if family.name == "kopilot_objects"
        for sample in family.samples
        if sample.labels["kind"] == kind
    }


def unique_kind() -> str:
    return f"Kind{uuid.uuid4().hex[:8]}"


# -- the calls ---------------------------------------------------------------------------


def test_a_pass_is_counted_by_kind_and_result_and_timed() -> None:
    kind = unique_kind()
    metrics.reconciled(kind, "success", 0.2)
    metrics.reconciled(kind, "requeue_after", 1.5)
    metrics.reconciled(kind, "error", 0.01)
    assert value("controller_runtime_reconcile_total", controller=kind, result="success") == 1
    assert value("controller_runtime_reconcile_total", controller=kind, result="error") == 1
    assert value("controller_runtime_reconcile_errors_total", controller=kind) == 1
    assert value("controller_runtime_reconcile_time_seconds_count", controller=kind) == 3
    assert value("controller_runtime_reconcile_time_seconds_sum", controller=kind) == pytest.approx(
        1.71
    )
    # controller-runtime's buckets: 0.25 s holds the 0.01 s and 0.2 s passes.
    assert (
        value("controller_runtime_reconcile_time_seconds_bucket", controller=kind, le="0.25") == 2
    )
    with pytest.raises(ValueError, match="result must be one of"):
        metrics.reconciled(kind, "done", 0.1)  # type: ignore[arg-type]


def test_errors_are_counted_by_reason_and_terminal_ones_apart() -> None:
    kind = unique_kind()
    metrics.reconcile_error(kind, "AwsError", terminal=False)
    metrics.reconcile_error(kind, "AwsError", terminal=False)
    metrics.reconcile_error(kind, "InvalidSpec", terminal=True)
    assert value("kopilot_reconcile_errors_total", controller=kind, reason="AwsError") == 2
    assert value("kopilot_reconcile_errors_total", controller=kind, reason="InvalidSpec") == 1
    assert value("controller_runtime_terminal_reconcile_errors_total", controller=kind) == 1


def _conditions(synced: str | None) -> dict[str, Any]:
    found = [] if synced is None else [{"type": "Synced", "status": synced}]
    return {"conditions": found}


@pytest.mark.parametrize(
    ("outcome", "synced", "result"),
    [
        ("done", "True", "success"),
        ("done", None, "success"),  # an unparsable object let go on deletion
        ("requeue", "True", "requeue_after"),  # waiting (a rollout, a slot, a policy)
        ("requeue", "False", "error"),  # a retryable or blocked error
        ("terminal", "False", "error"),
    ],
)
def test_a_pass_result_is_controller_runtimes(
    outcome: str, synced: str | None, result: metrics.Result
) -> None:
    assert metrics.result_of(outcome, _conditions(synced)) == result


def test_objects_are_counted_once_by_kind_and_ready_reason_and_forgotten() -> None:
    kind = unique_kind()
    uids = [str(uuid.uuid4()) for _ in range(40)]
    for uid in uids:
        metrics.set_ready_reason(kind, uid, "RollingOut")
    for uid in uids[:30]:
        metrics.set_ready_reason(kind, uid, "RollingOut")  # again: still one object
        metrics.set_ready_reason(kind, uid, "Available")
    assert objects(kind) == {"Available": 30, "RollingOut": 10}
    for uid in uids[30:]:
        metrics.forget(uid)
    metrics.forget("never-seen")
    assert objects(kind) == {"Available": 30}  # a reason no object has is not shown
    for uid in uids[:30]:
        metrics.forget(uid)
    assert objects(kind) == {}


def test_the_leader_gauge_has_one_series_and_leads_by_default() -> None:
    assert value("leader_election_master_status", name="kopilot") == 1  # no election: leads
    try:
        metrics.set_leader(False)
        assert value("leader_election_master_status", name="kopilot") == 0
        metrics.set_leader(True, lease="kopilot-0123456789")
        assert value("leader_election_master_status", name="kopilot-0123456789") == 1
        assert (
            metrics.REGISTRY.get_sample_value("leader_election_master_status", {"name": "kopilot"})
            is None
        )
    finally:
        metrics.set_leader(True)


def test_pacing_waits_are_observed_in_place_and_deferred() -> None:
    before_in_place = value("kopilot_aws_pacing_wait_seconds_count", mode="in_place")
    before_deferred = value("kopilot_aws_pacing_wait_seconds_sum", mode="deferred")
    metrics.waited(0.3)
    metrics.waited(12.0, deferred=True)
    assert value("kopilot_aws_pacing_wait_seconds_count", mode="in_place") == before_in_place + 1
    assert value("kopilot_aws_pacing_wait_seconds_sum", mode="deferred") == pytest.approx(
        before_deferred + 12.0
    )


# -- the engine's passes ------------------------------------------------------------------


def test_engine_passes_count_results_and_ready_reasons_with_bounded_labels() -> None:
    manager = FakeManager(kind=unique_kind())
    world = _world(manager)
    kind = manager.kind
    bodies = []
    for i in range(25):
        body = world.body({"size": 1})
        body["metadata"] = {**body["metadata"], "name": f"thing-{i}", "uid": f"uid-{uuid.uuid4()}"}
        bodies.append(body)
        assert world.engine.reconcile(kind, body).outcome == "done"
    assert value("controller_runtime_reconcile_total", controller=kind, result="success") == 25
    assert objects(kind) == {"Available": 25}

    # No label value anywhere in the registry is an object's name or uid.
    private = {b["metadata"]["name"] for b in bodies} | {b["metadata"]["uid"] for b in bodies}
    values = {
        label
        for family in metrics.REGISTRY.collect()
        for sample in family.samples
        for label in sample.labels.values()
    }
    assert not values & private
    series = [
        s
        for family in metrics.REGISTRY.collect()
        for s in family.samples
        if kind in s.labels.values()
    ]
    assert len(series) < 60, "series per kind, not per object"

    # Deleted objects are forgotten.
    for body in bodies:
        assert world.engine.delete(kind, body).outcome == "done"
    assert objects(kind) == {}


def test_engine_errors_count_by_reason_and_as_controller_runtime_errors() -> None:
    manager = FakeManager(
        kind=unique_kind(), on_reconcile=_raises(Terminal("DiscoveryNameTaken", "taken"))
    )
    world = _world(manager)
    kind = manager.kind
    assert world.engine.reconcile(kind, world.body()).outcome == "terminal"
    assert value("controller_runtime_reconcile_total", controller=kind, result="error") == 1
    assert value("controller_runtime_terminal_reconcile_errors_total", controller=kind) == 1
    assert (
        value("kopilot_reconcile_errors_total", controller=kind, reason="DiscoveryNameTaken") == 1
    )
    assert objects(kind) == {"DiscoveryNameTaken": 1}

    manager.on_reconcile = lambda ctx, spec: Outcome(False, "RollingOut", requeue_after=5.0)
    assert world.engine.reconcile(kind, world.body()).outcome == "requeue"
    assert value("controller_runtime_reconcile_total", controller=kind, result="requeue_after") == 1
    assert objects(kind) == {"RollingOut": 1}


def test_a_pass_that_raises_is_an_error_and_raises_on() -> None:
    kind = unique_kind()
    with pytest.raises(RuntimeError), metrics.measured(kind, "uid-x"):
        raise RuntimeError("status write refused")
    assert value("controller_runtime_reconcile_total", controller=kind, result="error") == 1
    assert value("kopilot_reconcile_errors_total", controller=kind, reason="Unhandled") == 1
    assert objects(kind) == {}


# -- AWS attempts through the client factory ---------------------------------------------------


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _answer(status: int, body: bytes) -> Any:
    def send(request: Any, **_: Any) -> AWSResponse:
        headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "r"}
        return AWSResponse(request.url, status, headers, _Raw(body))

    return send


@pytest.fixture
def ecs() -> Any:
    """An ECS client from kopilot's factory (paced and counted), answered without a network."""
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-3"
    )
    return ClientFactory(session=session).client("ecs", "eu-west-3")


def test_every_aws_attempt_is_counted_with_its_error_code(ecs: Any) -> None:
    ok = value(
        "kopilot_aws_api_requests_total", service="ecs", operation="DescribeClusters", code=""
    )
    ecs.meta.events.register("before-send.ecs", _answer(200, b'{"clusters": [], "failures": []}'))
    ecs.describe_clusters(clusters=["a"])
    assert (
        value(
            "kopilot_aws_api_requests_total", service="ecs", operation="DescribeClusters", code=""
        )
        == ok + 1
    )


def test_a_throttled_attempt_is_counted_and_the_object_told_when_to_come_back(ecs: Any) -> None:
    labels = {"service": "ecs", "operation": "ListClusters"}
    code = "ThrottlingException"
    before = value("kopilot_aws_api_requests_total", code=code, **labels)
    throttled = value("kopilot_aws_api_throttled_requests_total", **labels)
    deferred = value("kopilot_aws_pacing_wait_seconds_count", mode="deferred")
    body = b'{"__type": "ThrottlingException", "message": "Rate exceeded"}'
    ecs.meta.events.register("before-send.ecs", _answer(400, body))
    with acting_for("uid-throttled"), pytest.raises(Throttled):
        ecs.list_clusters()  # made for an object: not retried inside botocore
    assert value("kopilot_aws_api_requests_total", code=code, **labels) == before + 1
    assert value("kopilot_aws_api_throttled_requests_total", **labels) == throttled + 1
    assert value("kopilot_aws_pacing_wait_seconds_count", mode="deferred") == deferred + 1


def test_an_attempts_code_without_an_aws_code() -> None:
    class Http:
        status_code = 503

    assert metrics.attempt_code((Http(), {}), None) == "503"
    assert metrics.attempt_code((Http(), {"Error": {"Code": "ServerException"}}), None) == (
        "ServerException"
    )
    error = EndpointConnectionError(endpoint_url="https://ecs.example")
    assert metrics.attempt_code(None, error) == "EndpointConnectionError"


# -- serving -------------------------------------------------------------------------------


def test_the_flag_takes_host_and_port_only() -> None:
    parser = build_parser()
    assert parser.parse_args(["run"]).metrics is None  # off by default
    assert parser.parse_args(["run", "--metrics", "0.0.0.0:9090"]).metrics == "0.0.0.0:9090"
    assert metrics.address(":9090") == ("0.0.0.0", 9090)
    assert metrics.address("[::]:9090") == ("::", 9090)
    for bad in ("9090", "host:", "host:http", "host:70000"):
        with pytest.raises(SystemExit):
            parser.parse_args(["run", "--metrics", bad])


def test_serves_the_registry_at_metrics() -> None:
    server = metrics.serve("127.0.0.1:0")
    try:
        port = server.server_port
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            text = answer.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    for name in (
        "controller_runtime_reconcile_total",
        "kopilot_aws_api_requests_total",
        "kopilot_objects",
        "leader_election_master_status",
        "process_resident_memory_bytes",
        "python_info",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in text, name
    assert "_created" not in text


def test_the_demos_sample_shows_reconciles_objects_and_aws_calls_without_buckets() -> None:
    from prometheus_client import generate_latest

    from controller.sandbox.commands import metrics_sample

    metrics.reconciled("EcsService", "success", 0.2)
    sample = metrics_sample(generate_latest(metrics.REGISTRY).decode())
    assert any(line.startswith("controller_runtime_reconcile_total{") for line in sample), sample
    assert not any("_bucket" in line or line.startswith(("process_", "python_")) for line in sample)
    page = (
        'kopilot_aws_api_requests_total{code="",operation="CreateService",service="ecs"} 2.0\n'
        'kopilot_aws_api_requests_total{code="x",operation="DescribeServices",service="ecs"} 3.0\n'
        'kopilot_aws_api_requests_total{code="",operation="CreateService",service="logs"} 1.0\n'
    )
    assert metrics_sample(page) == [
        "kopilot_aws_api_requests_total, summed by service: ecs 5, logs 1"
    ]
