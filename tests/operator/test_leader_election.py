"""Two replicas of one shard with --leader-elect: one acts, the other waits and does nothing;
the standby takes over when the leader dies (within the Lease's 15 s and a retry) or hands
over on SIGTERM (within a retry period), and nothing is made twice. Objects of another shard
(--selector) are left alone."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from controller.leadership import lease_name
from tests.conftest import Kube, Kubectl
from tests.fixtures_aws import LocalAws
from tests.operator.objects import app, apply, env, get, service, wait_ready
from tests.operator_process import OperatorProcess, eventually

pytestmark = [pytest.mark.controlplane, pytest.mark.aws]


SHARD = "shard=a"


def _replica(kube: Kube, namespace: str, aws: LocalAws, log: Path) -> OperatorProcess:
    return OperatorProcess(
        kube.kubeconfig,
        namespace,
        aws.env(),
        log,
        extra_args=["--leader-elect", "--lease-namespace", namespace, "--selector", SHARD],
    )


def _holder(kube: Kube, namespace: str) -> str | None:
    lease: Any = client.CoordinationV1Api(kube.api).read_namespaced_lease(
        lease_name(SHARD), namespace
    )
    return lease.spec.holder_identity or None


def _shard(doc: dict[str, Any], shard: str = "a") -> dict[str, Any]:
    doc["metadata"]["labels"] = {"shard": shard}
    return doc


def _leading(replica: OperatorProcess) -> bool:
    return "leading: Lease" in replica.log()


def test_one_replica_acts_and_the_standby_takes_over(
    namespace: str,
    kube: Kube,
    kubectl: Kubectl,
    aws: LocalAws,
    tmp_path: Path,
    kopilot_crds: list[str],
) -> None:
    first = _replica(kube, namespace, aws, tmp_path / "first.log")
    second = _replica(kube, namespace, aws, tmp_path / "second.log")
    try:
        first.start()
        eventually(lambda: _leading(first), bool, timeout=20)
        second.start()  # its health endpoint answers while it waits
        apply(
            kubectl,
            namespace,
            *[_shard(doc) for doc in (app(), env(), service("api", port=8080))],
            _shard(service("batch", port=8080), "b"),  # another shard's
        )
        wait_ready(kube, namespace, "ecsservices", "api", timeout=90)
        assert "waiting to lead" in second.log()
        assert not _leading(second)
        assert aws.counters().get("ecs:CreateService") == 1

        # The leader dies without a word: the standby waits out the Lease, then leads.
        killed = time.monotonic()
        first.kill()
        eventually(lambda: _leading(second), bool, timeout=30, interval=0.1)
        failover = time.monotonic() - killed
        print(f"failover after SIGKILL: {failover:.1f} s")
        assert 10 <= failover <= 25  # lease 15 s (by the standby's clock), a retry, and load
        apply(kubectl, namespace, _shard(service("web", port=80)))
        wait_ready(kube, namespace, "ecsservices", "web", timeout=60)
        # Nothing was made twice by the handover, and the other shard's service not at all.
        assert aws.counters().get("ecs:CreateService") == 2
        batch = get(kube, namespace, "ecsservices", "batch")
        assert batch is not None
        assert not batch.get("status")
        assert "finalizers" not in batch["metadata"]

        # A restarted replica is the standby now; SIGTERM on the leader hands over at once.
        first.start()
        eventually(lambda: "waiting to lead" in first.log(), bool, timeout=20)
        stopped = time.monotonic()
        second.stop()
        eventually(lambda: first.log().count("leading: Lease") >= 2, bool, timeout=20, interval=0.1)
        handover = time.monotonic() - stopped
        print(f"handover after SIGTERM: {handover:.1f} s")
        assert handover <= 6  # the leader's shutdown (under a second), then a retry period
        assert _holder(kube, namespace) is not None
    finally:
        first.stop()
        second.stop()
