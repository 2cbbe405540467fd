"""A stack-sampling profiler for the operator process: every thread, a few hundred times a
second, with no dependency (py-spy is not on the machine, and cProfile sees one thread only,
while the operator reconciles in worker threads).

    python -m bench.sampler OUT.txt -- run --namespace ns ...   # same arguments as `kopilot`

At exit (SIGINT or SIGTERM) it writes OUT.txt: for the busy threads, the functions by
inclusive share of samples (where the time goes, waiting on a server included), and the
innermost frames by share (where the CPU or the wait actually is).
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType

# Innermost frames that mean "this thread is parked, waiting for work": not counted.
_IDLE_LEAVES = frozenset(
    {
        ("threading.py", "wait"),
        ("queue.py", "get"),
        ("selectors.py", "select"),
        ("thread.py", "_worker"),
        ("sampler.py", "_run"),
    }
)
_STACK_DEPTH = 60


def _where(frame: FrameType) -> str:
    code = frame.f_code
    path = code.co_filename
    for marker in ("/site-packages/", "/work/main/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{code.co_name}"


class StackSampler:
    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.samples = 0
        self.busy = 0
        self.inclusive: Counter[str] = Counter()
        self.leaves: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stack-sampler", daemon=True)
        self.started = time.monotonic()

    def start(self) -> StackSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        own = threading.get_ident()
        while not self._stop.wait(self.interval):
            self.samples += 1
            for ident, frame in sys._current_frames().items():
                if ident == own:
                    continue
                code = frame.f_code
                if (Path(code.co_filename).name, code.co_name) in _IDLE_LEAVES:
                    continue
                self.busy += 1
                self.leaves[_where(frame)] += 1
                seen: set[str] = set()
                current: FrameType | None = frame
                depth = 0
                while current is not None and depth < _STACK_DEPTH:
                    name = _where(current)
                    if name not in seen:
                        seen.add(name)
                        self.inclusive[name] += 1
                    current = current.f_back
                    depth += 1

    def report(self, top: int = 60) -> str:
        seconds = time.monotonic() - self.started
        lines = [
            f"{self.samples} sampling ticks over {seconds:.1f} s; {self.busy} busy-thread samples "
            f"({self.busy / max(self.samples, 1):.2f} busy threads on average)",
            "",
            "inclusive: share of busy-thread samples with this function on the stack",
        ]
        for name, count in self.inclusive.most_common(top):
            lines.append(f"  {100 * count / max(self.busy, 1):6.1f}%  {name}")
        lines += ["", "innermost frame: share of busy-thread samples"]
        for name, count in self.leaves.most_common(top // 2):
            lines.append(f"  {100 * count / max(self.busy, 1):6.1f}%  {name}")
        return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] != "--":
        print("usage: python -m bench.sampler OUT -- KOPILOT-ARGS...", file=sys.stderr)
        return 2
    out, kopilot_args = Path(argv[0]), argv[2:]
    from controller.cli import main as kopilot_main

    sampler = StackSampler().start()
    # kopf stops cleanly on SIGINT; make SIGTERM do the same so the report is written.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return kopilot_main(kopilot_args)
    except KeyboardInterrupt:
        return 0
    finally:
        sampler.stop()
        out.write_text(sampler.report())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
