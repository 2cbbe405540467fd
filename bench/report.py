"""The benchmark's table (markdown) and the details under it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from . import breakdown
from .apiserver import Served
from .calls import Calls
from .curve import (
    FLATNESS_LIMIT,
    PER_SERVICE,
    CurvePoint,
    flatness,
    not_flat,
    per_service,
    rss_per_added_service,
)
from .kube import Readiness, Wait
from .scenarios import MemoryResult, Phase, SizeResult, ThrottledResult, reads_goal

RATIO_GOAL = 1.3
# What a Go controller such as ACK's runs within (its 128 Mi limit), and the peak allowed
# while converging.
RSS_STEADY_GOAL_MIB = 128.0
RSS_PEAK_GOAL_MIB = 192.0
START_GOAL_SECONDS = 3.0


def _mb(mib: float) -> float:
    return mib * 1024 * 1024 / 1e6


@dataclass
class Row:
    scenario: str
    measure: str
    operator: str
    floor: str = ""
    ratio: str = ""
    goal: str = ""
    met: str = ""


@dataclass
class Report:
    header: list[str]
    rows: list[Row] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # wall seconds per scenario
    curve: list[str] = field(default_factory=list)  # the cost curve section (scenarios 1, 3)

    def markdown(self, wall_seconds: float) -> str:
        lines = ["# kopilot benchmark", "", *[f"- {line}" for line in self.header]]
        spent = ", ".join(f"{what} {seconds:.0f} s" for what, seconds in self.timings.items())
        lines.append(
            f"- benchmark wall time: {wall_seconds:.0f} s ({wall_seconds / 60:.1f} min)"
            + (f": {spent}" if spent else "")
        )
        lines += ["", *table(self.rows)]
        if self.curve:
            lines += ["", "## Cost curve", "", *self.curve]
        if self.problems:
            lines += ["", "## Problems", "", *[f"- {p}" for p in self.problems]]
        if self.details:
            lines += ["", "## Details", "", *self.details]
        return "\n".join(lines) + "\n"


def table(rows: list[Row]) -> list[str]:
    head = ["scenario", "measure", "operator", "floor", "operator/floor", "goal", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [row.scenario, row.measure, row.operator, row.floor, row.ratio, row.goal, row.met]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _ratio(operator: float, floor: float) -> str:
    return f"{operator / floor:.2f}" if floor > 0 else "n/a"


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _s(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds:.1f} s"


def _waited(wait: Wait | None, seconds: float) -> str:
    """Seconds to all Ready; a wait that ended otherwise says how far it got."""
    if wait is None or wait.complete:
        return _s(seconds)
    last = wait.last
    progress = f"{last.ready}/{wait.expected} Ready"
    if last.terminal:
        progress += f", {len(last.terminal)} terminal"
    if last.finished and last.total >= wait.expected:
        return f"{seconds:.1f} s ({progress})"
    return f"> {seconds:.0f} s ({progress})"


def _still_ready(readiness: Readiness, expected: int) -> str:
    text = f"{readiness.ready}/{expected}"
    if readiness.terminal:
        text += f" ({len(readiness.terminal)} terminal)"
    return text


def readiness_problems(what: str, readiness: Readiness, expected: int) -> list[str]:
    """Services that were Ready and are not any more."""
    if readiness.ready >= expected:
        return []
    shown = "; ".join(readiness.terminal[:3]) or "none terminal"
    return [
        f"{what}: {expected - readiness.ready} of {expected} EcsServices left Ready after "
        f"converging ({len(readiness.terminal)} terminal: {shown})"
    ]


def wait_problems(what: str, wait: Wait | None) -> list[str]:
    """Lines for the Problems section: terminal errors and waits cut short."""
    if wait is None or wait.complete:
        return []
    last = wait.last
    found = []
    if last.terminal:
        shown = "; ".join(last.terminal[:3])
        found.append(
            f"{what}: {len(last.terminal)} EcsService(s) stopped on a terminal error: {shown}"
        )
    if not last.finished or last.total < wait.expected:
        found.append(
            f"{what}: not all Ready after {wait.seconds:.0f} s ({last.ready}/{wait.expected})"
        )
    return found


# -- rows -------------------------------------------------------------------------------------


def _against(scenario: str, measure: str, n: int, operator: Phase, floor: Phase, goal: bool) -> Row:
    """Seconds to all Ready next to a floor's; with `goal`, the ratio goal (which applies at
    N=500, and to the Kubernetes-aware floor: the AWS-only one is reported as it is)."""
    ratio = operator.seconds / floor.seconds if floor.seconds else math.inf
    goal_applies = goal and n >= 500
    return Row(
        scenario,
        measure,
        _waited(operator.wait, operator.seconds),
        _waited(floor.wait, floor.seconds),
        _ratio(operator.seconds, floor.seconds),
        (f"≤ {RATIO_GOAL}" + ("" if goal_applies else " (at N=500)")) if goal else "",
        _yes(ratio <= RATIO_GOAL) if goal_applies else "",
    )


def size_rows(result: SizeResult) -> list[Row]:
    n = result.services
    cold, fcold = result.operator_cold, result.floor_cold
    update, fupdate = result.operator_update, result.floor_update
    cold_scenario, update_scenario = f"1. cold convergence, N={n}", f"3. update wave, N={n}"
    rows = [
        _against(cold_scenario, "apply → all Ready", n, cold, fcold, goal=False),
        _against(
            cold_scenario,
            "apply → all Ready, against the Kubernetes-aware floor",
            n,
            cold,
            result.kube_floor_cold,
            goal=True,
        ),
        Row(
            f"1. cold convergence, N={n}",
            "AWS calls (reads / writes)",
            _rw(cold.calls),
            _rw(fcold.calls),
            _ratio(cold.calls.total, fcold.calls.total),
        ),
    ]
    reads = [p.calls.reads for p in result.passes]
    writes = [p.calls.writes for p in result.passes]
    if result.passes:
        per_pass_reads = max(reads)
        rows += [
            Row(
                f"2. steady state, N={n}",
                f"AWS reads per no-op resync pass (max of {len(reads)}"
                + (f", resync {result.steady_resync_seconds:g} s)" if n > 500 else ")"),
                f"{per_pass_reads} (mean {sum(reads) / len(reads):.1f})",
                f"{math.ceil(n / 10)}",
                _ratio(per_pass_reads, math.ceil(n / 10)),
                f"≤ {reads_goal(n)}",
                _yes(per_pass_reads <= reads_goal(n)),
            ),
            Row(
                f"2. steady state, N={n}",
                "AWS writes per no-op resync pass",
                f"{max(writes)}",
                "0",
                "",
                "0",
                _yes(max(writes) == 0),
            ),
            Row(
                f"2. steady state, N={n}",
                "seconds per resync pass (first to last call)",
                f"{max(p.seconds for p in result.passes):.1f} s",
            ),
        ]
    rows.append(
        Row(
            f"2. steady state, N={n}",
            "EcsServices still Ready after the restart and the passes",
            _still_ready(result.after_passes, n),
            "",
            "",
            f"{n}/{n}",
            _yes(result.after_passes.ready >= n),
        )
    )
    restart = result.restart
    rows.append(
        Row(
            f"2. restart, N={n}",
            "AWS calls when restarted over a converged world (reads / writes)",
            f"{_rw(restart.calls)} in {restart.seconds:.1f} s",
            f"{math.ceil(n / 10)} / 0",
            _ratio(restart.calls.total, math.ceil(n / 10)),
            "0 writes",
            _yes(restart.calls.writes == 0),
        )
    )
    registrations = update.calls.get("ecs:RegisterTaskDefinition")
    rows += [
        Row(
            update_scenario,
            "apply new image → all Ready",
            _waited(update.wait, update.seconds),
            _s(fupdate.seconds),
            _ratio(update.seconds, fupdate.seconds),
        ),
        _against(
            update_scenario,
            "apply new image → all Ready, against the Kubernetes-aware floor",
            n,
            update,
            result.kube_floor_update,
            goal=True,
        ),
        Row(
            f"3. update wave, N={n}",
            "RegisterTaskDefinition calls",
            str(registrations),
            str(fupdate.calls.get("ecs:RegisterTaskDefinition")),
            "",
            f"= {n}",
            _yes(registrations == n),
        ),
        Row(
            f"3. update wave, N={n}",
            "AWS calls (reads / writes)",
            _rw(update.calls),
            _rw(fupdate.calls),
            _ratio(update.calls.total, fupdate.calls.total),
        ),
    ]
    return rows


def memory_rows(result: MemoryResult) -> list[Row]:
    n = result.services
    first = result.spawn_to_first_aws_call
    return [
        Row(
            f"4. memory, N={n}",
            "operator RSS, steady (median over 2 resync passes)",
            f"{_mb(result.steady_mib):.0f} MB ({result.steady_mib:.0f} MiB)",
            "",
            "",
            f"≤ {RSS_STEADY_GOAL_MIB:.0f} MiB",
            _yes(result.steady_mib <= RSS_STEADY_GOAL_MIB),
        ),
        Row(
            f"4. memory, N={n}",
            "operator RSS, peak while converging (and over the steady window)",
            f"{_mb(result.peak_mib):.0f} MB ({result.peak_mib:.0f} MiB; steady peak "
            f"{result.steady_peak_mib:.0f} MiB)",
            "",
            "",
            f"≤ {RSS_PEAK_GOAL_MIB:.0f} MiB",
            _yes(max(result.peak_mib, result.steady_peak_mib) <= RSS_PEAK_GOAL_MIB),
        ),
        Row(
            f"4. memory, N={n}",
            "EcsServices still Ready at the end of the steady window",
            _still_ready(result.after_steady, n),
            "",
            "",
            f"{n}/{n}",
            _yes(result.after_steady.ready >= n),
        ),
        Row(
            f"4. start, N={n}",
            "process start → first reconcile (first AWS call)",
            _s(first),
            "",
            "",
            f"< {START_GOAL_SECONDS:.0f} s",
            _yes(first is not None and first < START_GOAL_SECONDS),
        ),
        Row(
            f"4. start, N={n}",
            "process start → liveness OK / → first status write",
            f"{_s(result.spawn_to_healthy)} / {_s(result.spawn_to_first_status)}",
        ),
        Row(
            f"4. start, N={n}",
            "process start → all Ready (objects applied before the start)",
            _waited(result.converged, result.converged.seconds),
        ),
    ]


def throttled_rows(result: ThrottledResult) -> list[Row]:
    n = result.services
    op, floor = result.operator, result.floor
    how = "at once, one emulator each" if result.concurrent else "one after the other"
    return [
        Row(
            f"5. throttled, N={n}",
            f"apply → all Ready, ECS token buckets on ({how})",
            _waited(op.wait, op.seconds),
            _s(floor.seconds),
            _ratio(op.seconds, floor.seconds),
            f"bucket bound {result.bucket_bound_seconds:.0f} s",
        ),
        Row(
            f"5. throttled, N={n}",
            "AWS calls (reads / writes), throttled answers",
            f"{_rw(op.calls)}, {op.notes.get('throttled', 0)} throttled",
            f"{_rw(floor.calls)}, {floor.notes.get('throttled', 0)} throttled",
            _ratio(op.calls.total, floor.calls.total),
        ),
    ]


def _rw(calls: Calls) -> str:
    return f"{calls.reads} / {calls.writes}"


# -- details ----------------------------------------------------------------------------------


def calls_table(title: str, columns: dict[str, Calls]) -> list[str]:
    """Calls per operation, one column per run."""
    operations = sorted({op for calls in columns.values() for op in calls.by_operation})
    head = ["operation", *columns]
    lines = [f"**{title}**", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for op in operations:
        lines.append("| " + " | ".join([op, *(str(c.get(op)) for c in columns.values())]) + " |")
    lines.append("| **total** | " + " | ".join(str(c.total) for c in columns.values()) + " |")
    return [*lines, ""]


def cpu_table(title: str, columns: dict[str, Phase]) -> list[str]:
    processes = sorted({name for phase in columns.values() for name in phase.cpu})
    head = ["CPU seconds", *columns]
    lines = [f"**{title}**", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in processes:
        lines.append(
            "| "
            + " | ".join([name, *(f"{p.cpu.get(name, 0.0):.1f}" for p in columns.values())])
            + " |"
        )
    lines.append(
        "| wall seconds | " + " | ".join(f"{p.seconds:.1f}" for p in columns.values()) + " |"
    )
    return [*lines, ""]


def size_details(result: SizeResult) -> list[str]:
    n = result.services
    lines = [f"### N = {n}", ""]
    lines += calls_table(
        f"AWS calls per operation, N={n}",
        {
            "operator cold": result.operator_cold.calls,
            "floor cold": result.floor_cold.calls,
            "k8s floor cold": result.kube_floor_cold.calls,
            "operator update": result.operator_update.calls,
            "floor update": result.floor_update.calls,
            "k8s floor update": result.kube_floor_update.calls,
            "operator restart": result.restart.calls,
            **{f"resync pass {i + 1}": p.calls for i, p in enumerate(result.passes)},
        },
    )
    lines += cpu_table(
        f"CPU seconds per process, N={n} (k8s floor: the Kubernetes-aware floor; the "
        "benchmark's own CPU holds the floors' threads and the readiness poll)",
        {
            "operator cold": result.operator_cold,
            "k8s floor cold": result.kube_floor_cold,
            "floor cold": result.floor_cold,
            "operator update": result.operator_update,
            "k8s floor update": result.kube_floor_update,
            "floor update": result.floor_update,
            "operator restart": result.restart,
        },
    )
    lines += writes_table(
        f"Kubernetes writes, N={n}",
        {"operator": result.kube_writes, "k8s floor": result.kube_floor_writes},
    )
    lines += apiserver_table(
        f"kube-apiserver requests, N={n}: count (summed latency, s), all clients (the apply, "
        "the readiness poll and the watch counting writes are in both sides)",
        {
            "operator cold": result.operator_cold,
            "k8s floor cold": result.kube_floor_cold,
            "operator update": result.operator_update,
            "k8s floor update": result.kube_floor_update,
        },
    )
    cold, update = result.operator_cold.notes, result.operator_update.notes
    kcold, kupdate = result.kube_floor_cold.notes, result.kube_floor_update.notes
    notes = [
        f"- kubectl apply (server-side, one stream): cold {cold['kubectl apply seconds']:.1f} s, "
        f"update {update['kubectl apply seconds']:.1f} s (inside the operator's times); for the "
        f"Kubernetes-aware floor {kcold['kubectl apply seconds']:.1f} s and "
        f"{kupdate['kubectl apply seconds']:.1f} s",
        f"- status writes of the Kubernetes-aware floor: cold {kcold['status writes']}, "
        f"update {kupdate['status writes']}",
        f"- operator RSS peak: cold {cold.get('operator RSS peak MiB', 0):.0f} MiB, "
        f"update {update.get('operator RSS peak MiB', 0):.0f} MiB",
        "- AWS end state, operator vs floor (counts, and the first and last service with "
        "identities left out): "
        + _same(result.end_state_differences)
        + "; operator vs Kubernetes-aware floor: "
        + _same(result.kube_floor_state_differences),
    ]
    return [*lines, *notes, ""]


def apiserver_table(title: str, columns: dict[str, Phase]) -> list[str]:
    """Requests by verb and resource, most of the first column's first; watch events sent."""
    served = {name: phase.apiserver for name, phase in columns.items()}
    if not any(served.values()):
        return []
    first = next(iter(served.values()))
    keys = sorted(
        {key for s in served.values() if s for key in s.requests},
        key=lambda key: (-(first.requests.get(key, 0) if first else 0), key),
    )
    head = ["request", *columns]
    lines = [f"**{title}**", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def cell(s: Served | None, key: str) -> str:
        if s is None or key not in s.requests:
            return ""
        return f"{s.requests[key]:.0f} ({s.seconds.get(key, 0.0):.1f})"

    for key in keys:
        lines.append("| " + " | ".join([key, *(cell(s, key) for s in served.values())]) + " |")
    events = [f"{s.watch_events:.0f}" if s else "" for s in served.values()]
    sent = [f"{s.watch_bytes / 1e6:.1f}" if s else "" for s in served.values()]
    lines.append("| watch events sent | " + " | ".join(events) + " |")
    lines.append("| watch event MB sent | " + " | ".join(sent) + " |")
    return [*lines, ""]


def _same(differences: list[str]) -> str:
    return "the same" if not differences else "differs in " + ", ".join(differences)


def writes_table(title: str, columns: dict[str, dict[str, int]]) -> list[str]:
    names = list(dict.fromkeys(name for writes in columns.values() for name in writes))
    head = ["Kubernetes", *columns]
    lines = [f"**{title}**", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        cells = [str(writes.get(name, "")) for writes in columns.values()]
        lines.append("| " + " | ".join([name, *cells]) + " |")
    return [*lines, ""]


# -- the cost curve -----------------------------------------------------------------------------

COLD_WRITES = "object writes seen by a watch (cold)"


def curve_point(result: SizeResult) -> CurvePoint:
    waits = (
        result.operator_cold.wait,
        result.operator_update.wait,
        result.kube_floor_cold.wait,
        result.kube_floor_update.wait,
    )
    return CurvePoint(
        services=result.services,
        cold_seconds=result.operator_cold.seconds,
        floor_cold_seconds=result.kube_floor_cold.seconds,
        aws_calls=result.operator_cold.calls.total,
        kube_writes=result.kube_writes.get(COLD_WRITES, 0),
        floor_kube_writes=result.kube_floor_writes.get(COLD_WRITES, 0),
        update_seconds=result.operator_update.seconds,
        floor_update_seconds=result.kube_floor_update.seconds,
        rss_peak_mib=float(result.operator_cold.notes.get("operator RSS peak MiB", 0.0)),
        complete=all(wait is None or wait.complete for wait in waits),
    )


CURVE_HEAD = [
    "N",
    "cold s/service: operator / k8s floor",
    "AWS calls/service (cold)",
    "k8s writes/service (cold): operator / k8s floor",
    "update s/service: operator / k8s floor",
    "operator RSS peak, cold (MiB)",
]


def _pair(values: dict[str, float], a: str, b: str, digits: int) -> str:
    return f"{values[a]:.{digits}f} / {values[b]:.{digits}f}"


def curve_section(points: list[CurvePoint]) -> list[str]:
    """One row per N with per-service figures, then the flatness line (largest N over
    smallest N, per figure)."""
    if not points:
        return []
    points = sorted(points, key=lambda p: p.services)
    lines = ["| " + " | ".join(CURVE_HEAD) + " |", "|" + "---|" * len(CURVE_HEAD)]
    for point in points:
        values = per_service(point)
        cells = [
            f"{point.services}" + ("" if point.complete else " (not all Ready: lower bounds)"),
            _pair(values, "cold_seconds", "floor_cold_seconds", 3),
            f"{values['aws_calls']:.2f}",
            _pair(values, "kube_writes", "floor_kube_writes", 2),
            _pair(values, "update_seconds", "floor_update_seconds", 3),
            f"{point.rss_peak_mib:.0f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    ratios = flatness(points)
    if all(ratio is None for ratio in ratios.values()):
        return [*lines, "", "(one size ran: the flatness line needs two or more)", ""]

    def ratio(key: str) -> str:
        value = ratios[key]
        return "n/a" if value is None else f"{value:.2f}"

    slope = rss_per_added_service(points)
    cells = [
        f"flatness, N={points[-1].services} / N={points[0].services}",
        f"{ratio('cold_seconds')} / {ratio('floor_cold_seconds')}",
        ratio("aws_calls"),
        f"{ratio('kube_writes')} / {ratio('floor_kube_writes')}",
        f"{ratio('update_seconds')} / {ratio('floor_update_seconds')}",
        "n/a" if slope is None else f"{slope:+.3f} MiB per added service",
    ]
    lines.append("| " + " | ".join(cells) + " |")
    steep = not_flat(ratios)
    what = dict(PER_SERVICE)
    lines += [
        "",
        f"Flatness: the per-service figure at the largest N over the same at the smallest; "
        f"1.0 is a total cost linear in N, above {FLATNESS_LIMIT} something grows faster "
        "than linearly. Fixed costs (the rollout, the environment step) weigh more at a "
        "small N, so the floor's own ratio shows what linear looks like here.",
        "",
        (
            "Above the limit: " + ", ".join(f"{what[key]} ({ratios[key]:.2f})" for key in steep)
            if steep
            else f"No figure above {FLATNESS_LIMIT}."
        ),
        "",
    ]
    return lines


def memory_details(result: MemoryResult) -> list[str]:
    lines = [f"### Memory and start, N = {result.services}", ""]
    lines += calls_table(
        "AWS calls from the operator's start until the end of the steady window",
        {"operator": result.calls},
    )
    lines += [
        "The operator process at the end of the steady window: "
        + ", ".join(f"{name} {value}" for name, value in result.facts.items()),
        "",
        "CPU seconds from liveness to the end of the steady window: "
        + ", ".join(f"{name} {seconds:.1f}" for name, seconds in sorted(result.cpu.items())),
        "",
    ]
    if result.breakdown is not None:
        lines += [
            "Memory by owner at the end of the steady window (`--memory-breakdown`: this run "
            "was under tracemalloc, whose bookkeeping inflates its RSS figures; see "
            "bench/breakdown.py for how an allocation's owner is found):",
            "",
            *breakdown.table(result.breakdown),
        ]
    return lines


def throttled_details(result: ThrottledResult) -> list[str]:
    lines = [f"### Throttled, N = {result.services}", ""]
    lines += calls_table(
        "AWS calls per operation (throttled attempts included)",
        {"operator": result.operator.calls, "floor": result.floor.calls},
    )
    lines += [
        f"- bucket bound: {result.bucket_bound_seconds:.0f} s (RegisterTaskDefinition: burst 20, "
        "then 1/s; Create/UpdateService: burst 50, then 5/s)",
        *(f"- floor: {name}: {value}" for name, value in result.floor.notes.items()),
        *(f"- operator: {name}: {value}" for name, value in result.operator.notes.items()),
        "- operator CPU seconds: "
        + ", ".join(f"{n} {s:.1f}" for n, s in sorted(result.operator.cpu.items())),
        "",
    ]
    return lines
