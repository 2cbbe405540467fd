"""/metrics of the operator process (`kopilot run --metrics`), scraped as Prometheus would:
reconciles, AWS calls as the local AWS counted them, objects by Ready reason, throttling."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from controller.sandbox.aws import FaultRule
from controller.sandbox.controlplane.processes import free_port
from tests.conftest import Kube, Kubectl
from tests.fixtures_aws import LocalAws
from tests.operator.objects import app, apply, env, service, wait_ready
from tests.operator_process import OperatorProcess, eventually

pytestmark = [pytest.mark.controlplane, pytest.mark.aws]

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class Scraper:
    """GET /metrics, kept in a file (the last scrape) and parsed into samples."""

    def __init__(self, port: int, path: Path) -> None:
        self.url = f"http://127.0.0.1:{port}/metrics"
        self.path = path

    def __call__(self) -> Samples:
        with urllib.request.urlopen(self.url, timeout=5) as answer:
            text = answer.read().decode()
        self.path.write_text(text)
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }


def sample(samples: Samples, metric: str, **labels: str) -> float:
    return samples.get((metric, frozenset(labels.items())), 0.0)


def test_metrics_count_reconciles_aws_calls_ready_reasons_and_throttling(
    operator: OperatorProcess,
    namespace: str,
    kube: Kube,
    kubectl: Kubectl,
    aws: LocalAws,
    tmp_path: Path,
) -> None:
    port = free_port()
    operator.extra_args += ["--metrics", f"127.0.0.1:{port}"]
    scrape = Scraper(port, tmp_path / "metrics.txt")
    apply(kubectl, namespace, app(), env(), service("api", port=8080))
    operator.start()
    wait_ready(kube, namespace, "ecsservices", "api", timeout=60)

    # The gauge is set as the pass that wrote Ready returns: a scrape may come just before.
    samples = eventually(
        scrape,
        lambda s: sample(s, "kopilot_objects", kind="EcsService", reason="Available") == 1,
        timeout=10,
    )
    assert (
        sample(
            samples, "controller_runtime_reconcile_total", controller="EcsService", result="success"
        )
        > 0
    )
    assert sample(
        samples, "controller_runtime_reconcile_time_seconds_count", controller="EcsService"
    )
    creates = sample(
        samples, "kopilot_aws_api_requests_total", service="ecs", operation="CreateService", code=""
    )
    assert creates == aws.counters()["ecs:CreateService"] == 1
    assert sample(samples, "kopilot_objects", kind="EcsEnvironment", reason="Available") == 1
    assert sample(samples, "leader_election_master_status", name="kopilot") == 1
    assert sample(samples, "process_resident_memory_bytes") > 0
    # Labels say kinds, reasons and operations: never an object's namespace or name.
    assert namespace not in scrape.path.read_text()

    # Throttle the environment's batched service reads twice: each refused attempt counts.
    labels = {"service": "ecs", "operation": "DescribeServices"}
    throttled_before = sample(samples, "kopilot_aws_api_throttled_requests_total", **labels)
    aws.set_faults(FaultRule("throttle", "ecs:DescribeServices", count=2))
    samples = eventually(
        scrape,
        lambda s: (
            sample(s, "kopilot_aws_api_throttled_requests_total", **labels) >= throttled_before + 2
        ),
        timeout=20,
    )
    assert aws.faults()["injected"]["ecs:DescribeServices"] == 2
    assert sample(samples, "kopilot_aws_api_throttled_requests_total", **labels) == (
        throttled_before + 2
    )
    assert (
        sample(samples, "kopilot_aws_api_requests_total", code="ThrottlingException", **labels)
        == throttled_before + 2
    )
    # Going through afterwards, the service stays Available.
    samples = eventually(
        scrape,
        lambda s: (
            sample(s, "kopilot_aws_api_requests_total", code="", **labels)
            > sample(samples, "kopilot_aws_api_requests_total", code="", **labels)
        ),
        timeout=10,
    )
    assert sample(samples, "kopilot_objects", kind="EcsService", reason="Available") == 1
