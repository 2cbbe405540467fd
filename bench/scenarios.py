"""The five measurements, each against the local world: one control plane for the whole run,
and an emulator reset (or a fresh one) between the operator's run and the floor's."""

from __future__ import annotations

import math
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from controller.sandbox.aws import AwsEmulator, EmulatorSettings

from . import apiserver, breakdown, manifests
from .apiserver import Served
from .calls import Calls, FirstCall, Pass, resync_passes, snapshot, wait_quiet
from .endstate import differences, end_state
from .floor import Floor
from .kube import ROOT, Kube, Readiness, StatusWatch, Wait
from .kube_floor import KubeFloor
from .operator import MIB, Operator, process_facts
from .system import cpu_times

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """Knobs shared by every scenario (see bench/run.py for the command line)."""

    workdir: Path
    rollout_seconds: float = 1.0
    resync_seconds: float = 5.0  # the operator's resync period in the steady-state part
    passes: int = 3  # resync passes counted in the steady-state part
    quiet_seconds: float = 1.0  # a pause in AWS calls this long ends a resync pass
    floor_workers: int = 8
    profile: bool = False  # run the operator under bench/sampler.py
    max_wait: float = 1200.0  # the longest wait for readiness; past it, partial figures
    memory_breakdown: bool = False  # memory scenario under tracemalloc, grouped by owner


@dataclass
class Phase:
    """One timed run of one side: seconds, AWS calls, CPU seconds per process."""

    seconds: float
    calls: Calls
    cpu: dict[str, float] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
    wait: Wait | None = None  # for the operator: how its wait for readiness ended
    apiserver: Served | None = None  # what the kube-apiserver served meanwhile


@dataclass
class SizeResult:
    """Scenarios 1-3 for one N."""

    services: int
    operator_cold: Phase
    floor_cold: Phase
    operator_update: Phase
    floor_update: Phase
    restart: Phase  # the operator restarted over N converged services (resume)
    passes: list[Pass]
    after_passes: Readiness  # still all Ready after the restart and the resync passes?
    end_state_differences: list[str]
    kube_writes: dict[str, int]
    # The Kubernetes-aware floor (bench/kube_floor.py): apply, list, AWS floor, status writes.
    kube_floor_cold: Phase
    kube_floor_update: Phase
    kube_floor_writes: dict[str, int]  # the same keys as kube_writes
    kube_floor_state_differences: list[str]  # its AWS end state against the operator's
    steady_resync_seconds: float  # the operator's resync period in the steady-state part


@dataclass
class MemoryResult:
    services: int
    spawn_to_healthy: float
    spawn_to_first_aws_call: float | None
    spawn_to_first_status: float | None
    converged: Wait  # from spawn until all Ready
    peak_mib: float
    steady_mib: float
    steady_peak_mib: float
    calls: Calls
    cpu: dict[str, float]
    after_steady: Readiness  # still all Ready at the end of the steady window?
    facts: dict[str, int]  # the operator process at the end of the steady window
    breakdown: breakdown.Breakdown | None = None  # --memory-breakdown: by owner, at the end


@dataclass
class ThrottledResult:
    services: int
    operator: Phase
    floor: Phase
    concurrent: bool
    bucket_bound_seconds: float  # the least time the buckets allow for the writes


def bucket_bound(services: int) -> float:
    """Seconds the ECS token buckets need at least for N task definitions and N services:
    the slowest bucket, drained at its refill rate once its burst is spent."""
    from controller.sandbox.aws import ECS_TOKEN_BUCKETS

    register = ECS_TOKEN_BUCKETS["task-definition-write"]
    create = ECS_TOKEN_BUCKETS["service-write"]
    return max(
        max(0.0, services - register.burst) / register.refill_per_second,
        max(0.0, services - create.burst) / create.refill_per_second,
    )


PRE_APPLY_STREAMS = 4


class Bench:
    def __init__(self, kube: Kube, emulator: AwsEmulator, settings: Settings) -> None:
        self.kube = kube
        self.emulator = emulator
        self.settings = settings
        self._started = time.monotonic()

    def log(self, line: str) -> None:
        """Progress, with the seconds since the run started (where the time goes)."""
        print(f"{time.monotonic() - self._started:6.0f} s  {line}", flush=True)

    # -- helpers ---------------------------------------------------------------------------

    def _namespace(self, label: str) -> str:
        name = f"bench-{label}-{uuid.uuid4().hex[:6]}"
        self.kube.create_namespace(name)
        return name

    def _operator(
        self,
        namespace: str,
        emulator: AwsEmulator,
        label: str,
        resync_seconds: float = 300.0,
        env: dict[str, str] | None = None,
    ) -> Operator:
        workdir = self.settings.workdir
        profile = workdir / f"profile-{label}.txt" if self.settings.profile else None
        return Operator(
            self.kube.kubeconfig,
            namespace,
            {**emulator.env(), **(env or {})},
            workdir / f"operator-{label}.log",
            resync_seconds=resync_seconds,
            profile_path=profile,
        )

    def _pids(self, emulator: AwsEmulator, operator: Operator | None) -> dict[str, int | None]:
        apiserver, etcd = _plane_pids(self.kube)
        return {
            "operator": operator.proc.pid if operator and operator.proc else None,
            "emulator": emulator.pid,
            "kube-apiserver": apiserver,
            "etcd": etcd,
            "bench": os.getpid(),
        }

    def _timeout(self, services: int) -> float:
        """For waits that are not convergence (a pause in calls, resync passes)."""
        return 120.0 + 2.0 * services

    def _poll_interval(self, services: int) -> float:
        return 0.5 if services <= 100 else 1.0

    def _steady_resync_seconds(self, services: int) -> float:
        """The steady-state resync period: --resync-seconds up to N = 500, then in proportion
        to N (a pass over 1,000 services takes about 6 s, and passes must not run together)."""
        base = self.settings.resync_seconds
        return max(base, base * services / 500)

    # -- scenarios 1, 2 and 3 ----------------------------------------------------------------

    def size(self, services: int) -> SizeResult:
        """Cold convergence, update wave, restart and steady state of N services, by the
        operator, then by the floor and by the Kubernetes-aware floor, each on the same
        (reset) emulator."""
        control = self.emulator.control
        names = manifests.service_names(services)
        namespace = self._namespace(f"n{services}")
        control.reset()
        self.log(f"[N={services}] operator: cold convergence")
        operator = self._operator(namespace, self.emulator, f"n{services}-cold").start()
        watch = StatusWatch(self.kube, namespace).start()
        try:
            cold = self._operator_wave(namespace, operator, services, manifests.IMAGE)
            kube_writes = {"object writes seen by a watch (cold)": watch.events}
            kube_writes["events posted (cold)"] = len(
                self.kube.core.list_namespaced_event(namespace).items
            )
            self.log(f"[N={services}] operator: converged in {cold.seconds:.1f} s")
            operator_state = end_state(self.emulator.endpoint, names)
            self.log(f"[N={services}] operator: update wave")
            before = watch.events
            update = self._operator_wave(namespace, operator, services, manifests.UPDATED_IMAGE)
            kube_writes["object writes seen by a watch (update)"] = watch.events - before
        finally:
            watch.stop()
            operator.stop()

        self.log(f"[N={services}] operator: stopped; restart and steady state")
        resync = self._steady_resync_seconds(services)
        restart, passes = self._restart_and_passes(namespace, services, resync)
        after_passes = self.kube.readiness(namespace)

        control.reset()
        self.log(f"[N={services}] floor: cold convergence and update wave")
        floor = Floor(self.emulator.endpoint, workers=self.settings.floor_workers)
        floor_cold = self._floor_phase(lambda: floor.converge(names))
        floor_state = end_state(self.emulator.endpoint, names)
        floor_update = self._floor_phase(lambda: floor.update(names, manifests.UPDATED_IMAGE))

        control.reset()
        self.log(f"[N={services}] Kubernetes-aware floor: cold convergence and update wave")
        kube_cold, kube_update, kube_floor_writes, kube_floor_state = self._kube_floor(services)
        control.reset()
        self.log(
            f"[N={services}] floors done: AWS-only {floor_cold.seconds:.1f} s, "
            f"Kubernetes-aware {kube_cold.seconds:.1f} s (cold)"
        )
        return SizeResult(
            services=services,
            operator_cold=cold,
            floor_cold=floor_cold,
            operator_update=update,
            floor_update=floor_update,
            restart=restart,
            passes=passes,
            after_passes=after_passes,
            end_state_differences=differences(operator_state, floor_state),
            kube_writes=kube_writes,
            kube_floor_cold=kube_cold,
            kube_floor_update=kube_update,
            kube_floor_writes=kube_floor_writes,
            kube_floor_state_differences=differences(operator_state, kube_floor_state),
            steady_resync_seconds=resync,
        )

    def _kube_floor(self, services: int) -> tuple[Phase, Phase, dict[str, int], dict[str, Any]]:
        """The Kubernetes-aware floor's cold wave and update wave in a namespace of its own,
        timed and counted as the operator's; its objects are deleted afterwards."""
        namespace = self._namespace(f"k{services}")
        floor = KubeFloor(
            self.kube, Floor(self.emulator.endpoint, workers=self.settings.floor_workers)
        )
        watch = StatusWatch(self.kube, namespace).start()
        try:
            cold = self._kube_floor_wave(floor, namespace, services, manifests.IMAGE, cold=True)
            writes = {"object writes seen by a watch (cold)": watch.events}
            writes["events posted (cold)"] = len(
                self.kube.core.list_namespaced_event(namespace).items
            )
            state = end_state(self.emulator.endpoint, manifests.service_names(services))
            before = watch.events
            update = self._kube_floor_wave(
                floor, namespace, services, manifests.UPDATED_IMAGE, cold=False
            )
            writes["object writes seen by a watch (update)"] = watch.events - before
        finally:
            watch.stop()
        floor.clean(namespace)
        return cold, update, writes, state

    def _kube_floor_wave(
        self, floor: KubeFloor, namespace: str, services: int, image: str, cold: bool
    ) -> Phase:
        (wait, notes), calls, cpu, served = self._measured(
            lambda: floor.wave(
                namespace,
                services,
                image,
                cold,
                timeout=self.settings.max_wait,
                interval=self._poll_interval(services),
            )
        )
        return Phase(wait.seconds, calls, cpu, notes, wait, served)

    def _measured(
        self, run: Callable[[], T], operator: Operator | None = None
    ) -> tuple[T, Calls, dict[str, float], Served]:
        """`run()`, with the AWS calls made meanwhile, each process's CPU seconds, and what
        the kube-apiserver served (its /metrics read outside the CPU window)."""
        control = self.emulator.control
        control.reset_counters()
        served_before = apiserver.scrape(self.kube.api)
        cpu_before = cpu_times(self._pids(self.emulator, operator))
        value = run()
        cpu = cpu_times(self._pids(self.emulator, operator)).minus(cpu_before)
        served = apiserver.scrape(self.kube.api).minus(served_before)
        return value, snapshot(control), cpu, served

    def _operator_wave(
        self, namespace: str, operator: Operator, services: int, image: str
    ) -> Phase:
        """Apply the world with `image` in one kubectl apply; time until all Ready."""
        started = time.monotonic()

        def wave() -> tuple[float, Wait]:
            applied = self.kube.apply(namespace, manifests.stream(manifests.world(services, image)))
            wait = self.kube.wait_all_ready(
                namespace,
                services,
                started,
                timeout=self.settings.max_wait,
                interval=self._poll_interval(services),
            )
            return applied, wait

        (apply_seconds, wait), calls, cpu, served = self._measured(wave, operator)
        notes: dict[str, Any] = {"kubectl apply seconds": apply_seconds}
        if operator.sampler is not None:
            notes["operator RSS peak MiB"] = operator.sampler.peak(started) / MIB
        return Phase(wait.seconds, calls, cpu, notes, wait, served)

    def _floor_phase(self, run: Callable[[], float]) -> Phase:
        seconds, calls, cpu, _ = self._measured(run)
        return Phase(seconds, calls, cpu)

    def _restart_and_passes(
        self, namespace: str, services: int, resync_seconds: float
    ) -> tuple[Phase, list[Pass]]:
        """Restart the operator with a short resync over the converged world: what the
        restart costs (until AWS calls pause), then `passes` no-op resync passes."""
        control = self.emulator.control
        settings = self.settings
        operator = self._operator(
            namespace, self.emulator, f"n{services}-steady", resync_seconds=resync_seconds
        )
        control.reset_counters()
        try:
            operator.start()
            cpu_before = cpu_times(self._pids(self.emulator, operator))
            calls = wait_quiet(control, settings.quiet_seconds, timeout=self._timeout(services))
            restart = Phase(
                time.monotonic() - operator.spawned_at - settings.quiet_seconds,
                calls,
                cpu_times(self._pids(self.emulator, operator)).minus(cpu_before),
            )
            passes = resync_passes(
                control,
                settings.passes,
                settings.quiet_seconds,
                timeout=resync_seconds * 3 + self._timeout(services),
            )
        finally:
            operator.stop()
        return restart, passes

    # -- scenario 4 ---------------------------------------------------------------------------

    def memory(self, services: int) -> MemoryResult:
        """Operator RSS over N services (peak while converging, steady over resync passes),
        and its start: spawn to liveness, to the first AWS call, to the first status write.
        The objects exist before the operator starts, as after a restart or an upgrade."""
        control = self.emulator.control
        settings = self.settings
        namespace = self._namespace(f"mem{services}")
        control.reset()
        self.log(f"[memory, N={services}] applying before the operator starts")
        # Not measured (the operator is not running yet): four streams at once, to save time.
        docs = manifests.world(services)
        self.kube.apply(namespace, manifests.stream(docs[:2]))
        chunks = [docs[2 + i :: PRE_APPLY_STREAMS] for i in range(PRE_APPLY_STREAMS)]
        with ThreadPoolExecutor(PRE_APPLY_STREAMS) as pool:
            list(pool.map(lambda d: self.kube.apply(namespace, manifests.stream(d)), chunks))
        watch = StatusWatch(self.kube, namespace).start()
        first_call = FirstCall(control).start()
        dump = settings.workdir / f"tracemalloc-mem{services}.pickle"
        traced = {breakdown.TRACE_ENV: str(breakdown.FRAMES), breakdown.DUMP_ENV: str(dump)}
        operator = self._operator(
            namespace,
            self.emulator,
            f"mem{services}",
            resync_seconds=settings.resync_seconds * 2,
            env=traced if settings.memory_breakdown else None,
        )
        by_owner = None
        try:
            # Under tracemalloc, the start takes longer.
            operator.start(timeout=300.0 if settings.memory_breakdown else 60.0)
            cpu_before = cpu_times(self._pids(self.emulator, operator))
            converged = self.kube.wait_all_ready(
                namespace,
                services,
                operator.spawned_at,
                timeout=settings.max_wait,
                interval=self._poll_interval(services),
            )
            converged_at = time.monotonic()
            self.log(f"[memory, N={services}] converged in {converged.seconds:.1f} s; steady state")
            wait_quiet(control, settings.quiet_seconds, timeout=self._timeout(services))
            steady_from = time.monotonic()
            resync_passes(
                control,
                2,
                settings.quiet_seconds,
                timeout=settings.resync_seconds * 6 + self._timeout(services),
            )
            steady_until = time.monotonic()
            cpu = cpu_times(self._pids(self.emulator, operator)).minus(cpu_before)
            calls = snapshot(control)
            after_steady = self.kube.readiness(namespace)
            facts = process_facts(operator.proc.pid) if operator.proc is not None else {}
            if settings.memory_breakdown and operator.proc is not None:
                self.log(f"[memory, N={services}] tracemalloc snapshot")
                by_owner = breakdown.take(operator.proc.pid, dump, ROOT)
        finally:
            first_call.stop()
            watch.stop()
            operator.stop()
        sampler = operator.sampler
        assert sampler is not None
        spawned = operator.spawned_at
        control.reset()
        return MemoryResult(
            services=services,
            spawn_to_healthy=operator.healthy_at - spawned,
            spawn_to_first_aws_call=None if first_call.at is None else first_call.at - spawned,
            spawn_to_first_status=(
                None if watch.first_status_at is None else watch.first_status_at - spawned
            ),
            converged=converged,
            peak_mib=sampler.peak(spawned, converged_at) / MIB,
            steady_mib=sampler.median(steady_from, steady_until) / MIB,
            steady_peak_mib=sampler.peak(steady_from, steady_until) / MIB,
            calls=calls,
            cpu=cpu,
            after_steady=after_steady,
            facts=facts,
            breakdown=by_owner,
        )

    # -- scenario 5 ---------------------------------------------------------------------------

    def throttled(self, services: int, concurrent: bool) -> ThrottledResult:
        """Convergence of N services with ECS's token buckets on, next to the floor under the
        same buckets. `concurrent`: the two run at once, each against an emulator of its own
        (the buckets are per emulator, so neither takes the other's tokens); otherwise one
        after the other on one emulator, reset in between."""
        launch = EmulatorSettings(rollout_seconds=self.settings.rollout_seconds)
        names = manifests.service_names(services)
        namespace = self._namespace(f"throttled{services}")
        workdir = self.settings.workdir
        ours = AwsEmulator(launch, token_buckets=True, workdir=_fresh(workdir / "aws-throttled-op"))
        theirs = AwsEmulator(
            launch, token_buckets=True, workdir=_fresh(workdir / "aws-throttled-floor")
        )
        ours.start()
        try:
            floor_emulator = theirs.start() if concurrent else ours
            floor = Floor(floor_emulator.endpoint, workers=self.settings.floor_workers)
            floor_result: dict[str, Any] = {}

            def run_floor() -> None:
                started = time.monotonic()
                try:
                    floor.converge(names)
                    floor_result["seconds"] = time.monotonic() - started
                except Exception as err:  # reported, not raised from a thread
                    floor_result["error"] = repr(err)

            floor_thread = threading.Thread(target=run_floor, name="floor", daemon=True)
            self.log(
                f"[throttled, N={services}] operator{' and floor at once' if concurrent else ''}"
            )
            operator = self._operator(namespace, ours, f"throttled{services}")
            operator.start()
            try:
                if concurrent:
                    floor_thread.start()
                pids = self._pids(ours, operator)
                cpu_before = cpu_times(pids)
                started = time.monotonic()
                self.kube.apply(namespace, manifests.stream(manifests.world(services)))
                wait = self.kube.wait_all_ready(
                    namespace,
                    services,
                    started,
                    timeout=self.settings.max_wait,
                    interval=self._poll_interval(services),
                )
                operator_phase = Phase(
                    wait.seconds,
                    snapshot(ours.control),
                    cpu_times(pids).minus(cpu_before),
                    {"throttled": sum(ours.control.faults()["injected"].values())},
                    wait,
                )
            finally:
                operator.stop()
            if not concurrent:
                ours.control.reset()
                floor_thread.start()
            floor_thread.join()
            if "error" in floor_result:
                raise RuntimeError(f"the throttled floor failed: {floor_result['error']}")
            floor_phase = Phase(
                floor_result["seconds"],
                snapshot(floor_emulator.control),
                notes={
                    "throttled": sum(floor_emulator.control.faults()["injected"].values()),
                    "calls made again after botocore gave up": floor.outer_retries,
                },
            )
        finally:
            ours.stop()
            theirs.stop()
        return ThrottledResult(
            services, operator_phase, floor_phase, concurrent, bucket_bound(services)
        )


def reads_goal(services: int) -> int:
    return math.ceil(services / 10) + 2


def _plane_pids(kube: Kube) -> tuple[int | None, int | None]:
    """(kube-apiserver, etcd); ControlPlane.pids lists etcd first."""
    pids = kube.plane.pids
    if len(pids) != 2:
        return None, None
    return pids[1], pids[0]


def _fresh(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
