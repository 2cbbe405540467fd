"""Run the benchmark: `python -m bench.run` (see bench/README.md).

One local world for the whole run: a real kube-apiserver + etcd, and the AWS emulator
(reset between the operator's run and the floor's). Prints the table and writes it, with
the details, to --out.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TypeVar

if __package__ in (None, ""):  # `python bench/run.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import report
from bench.kube import Kube
from bench.scenarios import Bench, Settings
from bench.system import machine_lines
from controller.sandbox.aws import AwsEmulator, EmulatorSettings
from controller.sandbox.controlplane import ControlPlane

T = TypeVar("T")
QUICK_SIZE = 20


def _sizes(text: str) -> list[int]:
    if text.strip() == "0":
        return []  # scenarios 1-3 left out
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes are positive integers, e.g. 100,500 (0: none)")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="kopilot's benchmark: cold convergence, steady-state AWS calls, update "
        "wave, memory and start, and convergence under ECS throttling, each next to the "
        "raw-boto3 floor (and, for convergence, next to a Kubernetes-aware floor), and the "
        "cost per service as N grows, against the local world.",
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=[100, 500],
        help="N for scenarios 1-3 and the cost curve, e.g. 100,500,1000,2000 (default: "
        "100,500; 0 leaves them out)",
    )
    parser.add_argument(
        "--memory-services",
        type=int,
        default=1000,
        metavar="N",
        help="EcsServices for the memory and start scenario (default: 1000; 0 skips it)",
    )
    parser.add_argument(
        "--throttled-services",
        type=int,
        default=200,
        metavar="N",
        help="EcsServices for the throttled scenario (default: 200; the buckets alone hold "
        "N services for at least N - 20 seconds)",
    )
    parser.add_argument(
        "--skip-throttled", action="store_true", help="leave out the throttled scenario"
    )
    parser.add_argument(
        "--throttled-sequential",
        action="store_true",
        help="run the throttled operator and floor one after the other on one emulator "
        "(default: at once, one emulator each, which halves the wall time)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: N={QUICK_SIZE} everywhere, 2 resync passes",
    )
    parser.add_argument(
        "--rollout-seconds",
        type=float,
        default=1.0,
        help="emulated ECS deployment time, for operator and floor alike (default: 1)",
    )
    parser.add_argument(
        "--resync-seconds",
        type=float,
        default=5.0,
        help="the operator's resync period in the steady-state part (default: 5)",
    )
    parser.add_argument("--passes", type=int, default=3, help="resync passes counted (default: 3)")
    parser.add_argument(
        "--floor-workers", type=int, default=8, help="threads of the floor (default: 8)"
    )
    parser.add_argument(
        "--max-wait",
        type=float,
        default=1200.0,
        metavar="S",
        help="give up waiting for readiness after S seconds and report how far it got "
        "(default: 1200)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run the operator under bench/sampler.py and keep its stack profiles in the "
        "work directory (costs some CPU: use it to find bottlenecks, not for the figures)",
    )
    parser.add_argument(
        "--memory-breakdown",
        action="store_true",
        help="run the memory scenario's operator under tracemalloc and, once steady, group "
        "its memory by owner (kopf, kubernetes client, botocore, our modules, ...); its RSS "
        "figures then carry tracemalloc's bookkeeping: take them from a run without it",
    )
    parser.add_argument(
        "--note", action="append", default=[], help="a line to add to the header (repeatable)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("bench/results.md"), help="where to write the table"
    )
    parser.add_argument(
        "--workdir", type=Path, default=None, help="logs and profiles (default: a temp dir)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # SIGTERM stops the run as Ctrl-C does: processes stopped, nothing left behind.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if args.quick:
        args.sizes = [QUICK_SIZE]
        args.memory_services = min(args.memory_services, QUICK_SIZE * 2) or 0
        args.throttled_services = QUICK_SIZE * 2
        args.passes = 2
    workdir: Path = args.workdir or Path(tempfile.mkdtemp(prefix="kopilot-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    header = machine_lines() + list(args.note)
    header.append(
        f"settings: rollout {args.rollout_seconds:g} s (operator and floor), steady-state "
        f"resync {args.resync_seconds:g} s, {args.passes} passes, floor {args.floor_workers} "
        f"threads{', operator profiled' if args.profile else ''}"
    )
    result = report.Report(header)
    for line in header:
        print(line)
    print(f"logs in {workdir}", flush=True)

    settings = Settings(
        workdir=workdir,
        rollout_seconds=args.rollout_seconds,
        resync_seconds=args.resync_seconds,
        passes=args.passes,
        floor_workers=args.floor_workers,
        profile=args.profile,
        max_wait=args.max_wait,
        memory_breakdown=args.memory_breakdown,
    )
    launch = EmulatorSettings(rollout_seconds=args.rollout_seconds)
    (workdir / "aws").mkdir(exist_ok=True)
    with (
        ControlPlane() as plane,
        AwsEmulator(launch, workdir=workdir / "aws") as emulator,
    ):
        kube = Kube(plane)
        kube.install_crds()
        bench = Bench(kube, emulator, settings)
        print(
            f"control plane up in {plane.startup_seconds:.1f} s, emulator in "
            f"{emulator.startup_seconds:.1f} s",
            flush=True,
        )

        try:
            _run_scenarios(args, bench, result, started)
        except KeyboardInterrupt:
            result.problems.append("interrupted: the table holds the scenarios done until then")
        kube.close()

    if args.profile:
        result.details += [f"operator stack profiles: {workdir}/profile-*.txt", ""]
    text = result.markdown(time.monotonic() - started)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print()
    print(text)
    print(f"written to {args.out}; logs in {workdir}")
    return 1 if result.problems else 0


def _run_scenarios(
    args: argparse.Namespace, bench: Bench, result: report.Report, started: float
) -> None:
    points = []
    for size in args.sizes:
        done = _attempt(result, f"scenarios 1-3 at N={size}", partial(bench.size, size))
        if done is not None:
            result.rows += report.size_rows(done)
            result.details += report.size_details(done)
            points.append(report.curve_point(done))
            result.curve = report.curve_section(points)
            result.problems += report.wait_problems(
                f"cold convergence, N={size}", done.operator_cold.wait
            )
            result.problems += report.wait_problems(
                f"update wave, N={size}", done.operator_update.wait
            )
            result.problems += report.wait_problems(
                f"Kubernetes-aware floor, cold, N={size}", done.kube_floor_cold.wait
            )
            result.problems += report.wait_problems(
                f"Kubernetes-aware floor, update, N={size}", done.kube_floor_update.wait
            )
            result.problems += report.readiness_problems(
                f"steady state, N={size}", done.after_passes, size
            )
        _progress(result, started)
    if args.memory_services > 0:
        memory = _attempt(
            result,
            f"memory at N={args.memory_services}",
            partial(bench.memory, args.memory_services),
        )
        if memory is not None:
            result.rows += report.memory_rows(memory)
            result.details += report.memory_details(memory)
            result.problems += report.wait_problems(
                f"memory, N={args.memory_services}", memory.converged
            )
            result.problems += report.readiness_problems(
                f"memory, N={args.memory_services}", memory.after_steady, args.memory_services
            )
        _progress(result, started)
    if not args.skip_throttled:
        throttled = _attempt(
            result,
            f"throttled at N={args.throttled_services}",
            partial(
                bench.throttled,
                args.throttled_services,
                concurrent=not args.throttled_sequential,
            ),
        )
        if throttled is not None:
            result.rows += report.throttled_rows(throttled)
            result.details += report.throttled_details(throttled)
            result.problems += report.wait_problems(
                f"throttled, N={args.throttled_services}", throttled.operator.wait
            )


def _attempt(result: report.Report, what: str, run: Callable[[], T]) -> T | None:
    """Run one scenario, timed; a failure is reported in the Problems section, and the
    others go on."""
    started = time.monotonic()
    try:
        return run()
    except Exception as err:
        traceback.print_exc()
        result.problems.append(f"{what} failed: {type(err).__name__}: {str(err)[:500]}")
        return None
    finally:
        result.timings[what] = time.monotonic() - started


def _progress(result: report.Report, started: float) -> None:
    print(f"--- {time.monotonic() - started:.0f} s so far", flush=True)
    for line in report.table(result.rows):
        print(line)
    print(flush=True)


if __name__ == "__main__":
    sys.exit(main())
