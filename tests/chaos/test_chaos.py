"""Chaos: services created while a third of AWS calls fail, the operator SIGKILLed at random
moments, the kube-apiserver restarted, AWS permissions missing for a while, the leader of two
replicas killed mid-wave. At the end every service is Ready and AWS holds each resource once.

Sizes come from the environment, so `make test` runs a CI size and `make chaos` a bigger one:
KOPILOT_CHAOS_SERVICES (6), KOPILOT_CHAOS_SEED (printed, to replay a run),
KOPILOT_CHAOS_DENIED_SECONDS (8)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from controller.sandbox.aws import FaultRule
from controller.sandbox.controlplane import ControlPlane
from tests.chaos import census
from tests.conftest import ROOT, Kube, Kubectl
from tests.fixtures_aws import LocalAws
from tests.operator.objects import (
    GROUP,
    VERSION,
    app,
    apply,
    condition,
    env,
    get,
    ready_now,
    service,
    wait_ready,
    wait_reason,
    writes,
)
from tests.operator_process import OperatorProcess, eventually

SERVICES = int(os.environ.get("KOPILOT_CHAOS_SERVICES", "6"))
SEED = int(os.environ.get("KOPILOT_CHAOS_SEED", "20240917"))
DENIED_SECONDS = float(os.environ.get("KOPILOT_CHAOS_DENIED_SECONDS", "8"))
KILLS = 5
# A blow comes at once after a creation, or this long after it (the next step).
GAP = (0.2, 1.5)
# Generous: the CPU may be shared with another test run; what is asserted is counted, not timed.
CONVERGE_SECONDS = 120 + 4 * SERVICES
FAULTED_SERVICES = ("ecs", "servicediscovery", "ec2", "logs")
THROTTLED, SERVER_ERROR = 0.2, 0.15
FAILING = THROTTLED + (1 - THROTTLED) * SERVER_ERROR  # 32% of calls
# What the wave writes to AWS: (per environment, per service). A creation repeated after a
# blow gets the same resource back (an idempotency token) or "already exists".
CREATES = {
    "ecs:CreateCluster": (1, 0),
    "servicediscovery:CreatePrivateDnsNamespace": (1, 0),
    "ecs:RegisterTaskDefinition": (0, 1),
    "logs:CreateLogGroup": (0, 1),
    "servicediscovery:CreateService": (0, 1),
    "ecs:CreateService": (0, 1),
}
WAVE_WRITES = {**CREATES, "logs:PutRetentionPolicy": (0, 1)}
NAMESPACE = "apps"
CONNECT = {"connect": {"enabled": True}}

pytestmark = [
    pytest.mark.chaos,
    pytest.mark.controlplane,
    pytest.mark.aws,
    pytest.mark.timeout(300 + 10 * SERVICES),
]


def chaos_faults() -> list[FaultRule]:
    """THROTTLED of the calls throttled, SERVER_ERROR of the rest a 5xx; a third 50 ms late."""
    rules: list[FaultRule] = []
    for aws_service in FAULTED_SERVICES:
        operation = f"{aws_service}:*"
        rules += [
            FaultRule("throttle", operation, rate=THROTTLED),
            FaultRule("server_error", operation, rate=SERVER_ERROR),
            FaultRule("latency", operation, rate=0.3, latency_seconds=0.05),
        ]
    return rules


def names(count: int = SERVICES) -> list[str]:
    return [f"svc-{i:02d}" for i in range(count)]


def say(capsys: pytest.CaptureFixture[str], line: str) -> None:
    """A summary line in the test run's output, passed or failed."""
    with capsys.disabled():
        sys.stdout.write(f"\n{line}\n")


@dataclass
class Readiness:
    """ECS services Ready for their current generation, read with one list call."""

    custom: client.CustomObjectsApi
    namespace: str
    last: dict[str, dict[str, Any]] = field(default_factory=dict)

    def ready(self) -> set[str]:
        try:
            listing: Any = self.custom.list_namespaced_custom_object(
                GROUP, VERSION, self.namespace, "ecsservices"
            )
            items = listing["items"]
        except (ApiException, HTTPError):  # the apiserver is restarting: the last answer stands
            items = list(self.last.values())
        self.last = {o["metadata"]["name"]: o for o in items}
        return {name for name, obj in self.last.items() if ready_now(obj)}

    def wait_all(self, expected: list[str], timeout: float) -> float:
        """Seconds until every expected service is Ready, or AssertionError naming the rest."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.ready() >= set(expected):
                return time.monotonic() - started
            time.sleep(0.25)
        stuck = {
            name: condition(self.last.get(name)) for name in expected if name not in self.ready()
        }
        raise AssertionError(f"not Ready after {timeout:.0f} s: {stuck}")


@dataclass
class Blow:
    """A kill or an apiserver restart at a random moment of the wave: after AWS has answered
    its `creates`-th creation, at once (between AWS's answer and the status that records it)
    or `delay` seconds later (in a next step), but before the creation after it."""

    what: str  # "kill" or "apiserver"
    creates: int
    delay: float
    at: float = 0.0  # seconds since the apply
    ready: int = 0  # services Ready then
    took: float = 0.0  # until the operator (apiserver) answered again

    def wait(self, aws: LocalAws, last: int, timeout: float) -> None:
        """`last`: the wave's last creation, which no blow may let happen."""
        deadline = time.monotonic() + timeout
        while (made := created(aws)) < self.creates:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"waiting for creation {self.creates} to {self.what}: {timeout:.0f} s on, "
                    f"the wave has made {made} of its {last} creations"
                )
            time.sleep(0.02)
        end = time.monotonic() + self.delay
        while made < last - 1 and time.monotonic() < end and created(aws) == made:
            time.sleep(0.02)

    def plan(self) -> str:
        return f"{self.what} {self.delay:.1f} s after creation {self.creates}"

    def report(self) -> str:
        return (
            f"{self.what} {self.delay:.1f} s after creation {self.creates} at {self.at:.1f} s "
            f"({self.ready} Ready; answering again {self.took:.1f} s later)"
        )


def created(aws: LocalAws) -> int:
    """Creations AWS has made so far (a repeat that AWS answers idempotently counts too)."""
    made = successes(aws.counters(), aws.faults()["injected"])
    return sum(made.get(op, 0) for op in CREATES)


def successes(counters: dict[str, int], injected: dict[str, int]) -> dict[str, int]:
    """Calls that reached the emulator's AWS (an injected error never does)."""
    return {op: n - injected.get(op, 0) for op, n in counters.items() if n > injected.get(op, 0)}


def repeats(made: dict[str, int], services: int) -> dict[str, int]:
    """Writes of the wave made more often than it needs them (none may be missing)."""
    extra: dict[str, int] = {}
    for op, (per_env, per_service) in WAVE_WRITES.items():
        needed = per_env + per_service * services
        assert made.get(op, 0) >= needed, (op, made)
        if made[op] > needed:
            extra[op] = made[op] - needed
    return extra


def deletions(counters: dict[str, int]) -> dict[str, int]:
    return {
        op: n for op, n in counters.items() if op.split(":")[1].startswith(("Delete", "Deregister"))
    }


def assert_each_once(aws: LocalAws, wanted: list[str]) -> census.Census:
    found = census.take(aws, wanted)
    assert found.duplicates(wanted) == []
    assert found.missing(wanted) == []
    assert set(found.ecs_services) == set(wanted)  # nothing of another name either
    return found


@pytest.fixture
def own_plane(tmp_path: Path) -> Iterator[tuple[ControlPlane, Kubectl]]:
    """A control plane of its own, with kopilot's CRDs: restarting its apiserver must not
    disturb the session's."""
    with ControlPlane() as plane:

        def kubectl(
            *args: str,
            kubeconfig: Path | None = None,
            stdin: str | None = None,
            check: bool = False,
        ) -> subprocess.CompletedProcess[str]:
            config = kubeconfig or plane.admin_kubeconfig
            result = subprocess.run(
                ["kubectl", "--kubeconfig", str(config), *args],
                input=stdin,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0 or not check, result.stderr
            return result

        kubectl("apply", "-f", str(ROOT / "crds"), check=True)
        kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s", check=True)
        kubectl("create", "namespace", NAMESPACE, check=True)
        yield plane, kubectl


def test_services_converge_through_faults_kills_and_an_apiserver_restart(
    own_plane: tuple[ControlPlane, Kubectl],
    aws: LocalAws,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plane, kubectl = own_plane
    rng = random.Random(SEED)
    # Drawn up front from the seed: six moments spread over the wave's creations, each before
    # the last (so while the wave converges); the apiserver takes the middle one.
    creations = sum(env + service * SERVICES for env, service in CREATES.values())
    moments = sorted(rng.sample(range(1, creations - 1), KILLS + 1))
    plan = [Blow("kill", creates, rng.choice((0.0, rng.uniform(*GAP)))) for creates in moments]
    plan[len(plan) // 2].what = "apiserver"
    say(capsys, f"chaos seed {SEED}: {SERVICES} services; {[b.plan() for b in plan]}")
    wanted = names()
    readiness = Readiness(client.CustomObjectsApi(plane.api_client()), NAMESPACE)
    log = tmp_path / "operator.log"
    operator = OperatorProcess(plane.admin_kubeconfig, NAMESPACE, aws.env(), log)

    aws.set_faults(*chaos_faults(), seed=SEED)
    started = time.monotonic()
    apply(
        kubectl, NAMESPACE, app(), env(), *[service(n, port=8080, network=CONNECT) for n in wanted]
    )
    operator.start()
    try:
        for blow in plan:
            blow.wait(aws, creations, timeout=CONVERGE_SECONDS)
            blow.at, blow.ready = time.monotonic() - started, len(readiness.ready())
            if blow.what == "kill":
                operator.kill()
                operator.start()
            else:
                plane.restart_apiserver()
            blow.took = time.monotonic() - started - blow.at
        faults = aws.faults()
        calls = aws.counters()
        aws.set_faults()  # the storm is over; what is left is convergence
        calm, ready_at_calm = time.monotonic() - started, len(readiness.ready())
        readiness.wait_all(wanted, CONVERGE_SECONDS)
        converged = time.monotonic() - started
    finally:
        operator.stop()

    injected = faults["injected"]
    faulted_calls = sum(n for op, n in calls.items() if op.split(":")[0] in FAULTED_SERVICES)
    found = census.take(aws, wanted)
    duplicates = found.duplicates(wanted)
    made = successes(aws.counters(), injected)
    kills = sum(1 for blow in plan if blow.what == "kill")
    # Errors that escaped kopilot's error policy: kopf retries those after its default 60 s.
    stalls = operator.log().count("will try again in 60 seconds")
    say(
        capsys,
        f"chaos: {SERVICES} services, seed {SEED}: faults injected {sum(injected.values())} of "
        f"{faulted_calls} calls ({sum(injected.values()) / faulted_calls:.0%}; "
        f"{sum(r['fired'] for r in faults['rules'] if r['fault'] == 'latency')} delayed), "
        f"kills {kills}, apiserver restarts {len(plan) - kills}, duplicates {len(duplicates)}, "
        f"converged in {converged:.1f} s (faults stopped at {calm:.1f} s with {ready_at_calm}/"
        f"{SERVICES} Ready); blows {[b.report() for b in plan]}; "
        f"writes {writes(made)} (repeats {repeats(made, SERVICES)}); families with a "
        f"second revision {[family for family, n in found.revisions.items() if n > 1]}; "
        f"handlers left to kopf's 60 s retry {stalls}",
    )

    # Every blow fell while the wave was still converging.
    assert [b.report() for b in plan if b.ready >= SERVICES] == []
    # The storm was as heavy as promised: the share of calls that failed is within three
    # standard deviations of the odds (over a few dozen calls it strays from them).
    share = sum(injected.values()) / faulted_calls
    assert share >= FAILING - 3 * (FAILING * (1 - FAILING) / faulted_calls) ** 0.5, share
    assert duplicates == []
    assert found.missing(wanted) == []
    assert set(found.ecs_services) == set(wanted)
    assert found.cloud_map_services.total() == 2 * SERVICES  # {svc} and ECS's {svc}-sc
    assert deletions(aws.counters()) == {}
    # Nothing is written but what the wave needs (no repair of what a blow left half done),
    # and a blow costs at most its interrupted steps: one per object it caught converging
    # (the environment and the services not Ready), done again. An ECS service is looked up
    # before it is created, so its creation is repeated only when a kill lost the answer.
    assert set(writes(made)) <= set(WAVE_WRITES)
    assert sum(repeats(made, SERVICES).values()) <= sum(SERVICES + 1 - b.ready for b in plan)
    assert made["ecs:CreateService"] <= SERVICES + kills


def test_access_denied_for_a_while_then_allowed_goes_on_without_a_spec_change(
    operator: OperatorProcess,
    namespace: str,
    kube: Kube,
    kubectl: Kubectl,
    aws: LocalAws,
    capsys: pytest.CaptureFixture[str],
) -> None:
    apply(kubectl, namespace, app(), env())
    operator.start()
    wait_ready(kube, namespace, "ecsenvironments", "test", timeout=60)
    denied = FaultRule(
        "throttle",  # any 4xx: the rule answers the code it is given
        "ecs:CreateService",
        status=400,
        code="AccessDeniedException",
        message="User: arn:aws:sts::123456789012:assumed-role/kopilot/operator is not "
        "authorized to perform: ecs:CreateService on resource: *",
    )
    aws.set_faults(denied)
    apply(kubectl, namespace, service("api", port=8080, network=CONNECT))
    blocked = wait_reason(kube, namespace, "ecsservices", "api", "AccessDenied", timeout=60)
    assert condition(blocked)["status"] == "False"
    assert "ecs:CreateService" in condition(blocked)["message"]
    generation = blocked["metadata"]["generation"]

    time.sleep(DENIED_SECONDS)
    still = get(kube, namespace, "ecsservices", "api")
    assert condition(still).get("reason") == "AccessDenied"
    attempts = aws.faults()["injected"].get("ecs:CreateService", 0)
    aws.set_faults()  # the administrator grants it
    allowed = time.monotonic()
    # Blocked is retried with a doubling delay: the next attempt may come as long after.
    ready = wait_ready(kube, namespace, "ecsservices", "api", timeout=2 * DENIED_SECONDS + 60)
    after = time.monotonic() - allowed
    say(
        capsys,
        f"access denied for {DENIED_SECONDS:.0f} s ({attempts} CreateService attempts "
        f"refused): Ready {after:.1f} s after it was allowed",
    )
    assert ready["metadata"]["generation"] == generation
    assert attempts >= 2  # retried while denied, not parked
    assert aws.counters()["ecs:CreateService"] == attempts + 1
    assert_each_once(aws, ["api"])


def test_failover_under_load(
    namespace: str,
    kube: Kube,
    kubectl: Kubectl,
    aws: LocalAws,
    tmp_path: Path,
    kopilot_crds: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["--leader-elect", "--lease-namespace", namespace]
    leader, standby = (
        OperatorProcess(
            kube.kubeconfig, namespace, aws.env(), tmp_path / f"{n}.log", extra_args=args
        )
        for n in ("leader", "standby")
    )
    wanted = names()
    readiness = Readiness(kube.custom, namespace)
    # Half the creations answer 2 s late: the wave turns Ready in two groups, and the kill
    # finds creations in flight.
    aws.set_faults(
        FaultRule("latency", "ecs:CreateService", rate=0.5, latency_seconds=2), seed=SEED
    )
    try:
        leader.start()
        eventually(lambda: "leading: Lease" in leader.log(), bool, timeout=30)
        standby.start()
        eventually(lambda: "waiting to lead" in standby.log(), bool, timeout=30)
        started = time.monotonic()
        apply(
            kubectl,
            namespace,
            app(),
            env(),
            *[service(n, port=8080, network=CONNECT) for n in wanted],
        )
        half = eventually(
            readiness.ready, lambda r: len(r) >= SERVICES // 2, timeout=120, interval=0.1
        )
        killed = time.monotonic()
        leader.kill()
        eventually(lambda: "leading: Lease" in standby.log(), bool, timeout=60, interval=0.1)
        failover = time.monotonic() - killed
        readiness.wait_all(wanted, CONVERGE_SECONDS)
        finished = time.monotonic() - killed
    finally:
        leader.stop()
        standby.stop()
    say(
        capsys,
        f"failover under load: {SERVICES} services, leader killed with {len(half)} Ready "
        f"after {killed - started:.1f} s; the standby led {failover:.1f} s later and had all "
        f"Ready {finished:.1f} s after the kill; writes repeated "
        f"{repeats(writes(aws.counters()), SERVICES)}",
    )
    assert len(half) < SERVICES  # killed mid-wave
    assert_each_once(aws, wanted)
    # The standby finishes what the leader left: nothing but the wave's writes, a step done
    # again at most once per service the kill caught converging, and no ECS service created
    # twice (the standby looks for it first, even one the leader did not live to record).
    made = writes(aws.counters())
    assert set(made) <= set(WAVE_WRITES)
    assert sum(repeats(made, SERVICES).values()) <= SERVICES - len(half)
    assert made["ecs:CreateService"] == SERVICES
