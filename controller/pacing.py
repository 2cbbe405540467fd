"""Client-side pacing of AWS operations that answer "throttled".

AWS throttles per account, Region and action (ECS publishes its token buckets:
RegisterTaskDefinition refills at 1 per second). Hundreds of objects retrying a throttled
call on their own, each with its own backoff, either waste the bucket (long backoffs leave
tokens unused) or flood it (short ones burn CPU and Kubernetes writes on rejected attempts).

So each (client, operation) has a lane. A lane is open until a call in it is throttled; from
then on callers get time slots `interval` apart, one per caller (a Kubernetes object, named
by `current_caller`), and keep their slot when they come back for it; a call never goes out
sooner than `interval` after the lane's latest one (a caller back late for its slot would
otherwise go together with the next one). The interval adapts: on a throttle it becomes the
fastest pace at which calls went through in the last minutes (timed when they went out, not
when a busy endpoint answered), plus a margin (the bucket's refill rate, measured), and it
shrinks a little with every call that goes through, so the lane settles just under that rate
and finds out when the limit is raised; throttles that come whatever the pace do not slow it
further. A caller whose slot is far off is told to come back later (`Throttled`) instead of
holding a worker thread; a slot under a second away is waited for in place. A 5xx is
botocore's to retry and says nothing of the rate.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from . import metrics

# Which object the current reconcile pass works for (set by the engine, per thread).
current_caller: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "kopilot_caller", default=None
)


@contextlib.contextmanager
def acting_for(caller: str) -> Iterator[None]:
    """AWS calls made inside are this caller's (one Kubernetes object): its pacing slot."""
    token = current_caller.set(caller)
    try:
        yield
    finally:
        current_caller.reset(token)


THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
    }
)

FIRST_INTERVAL = 0.25  # seconds between calls once a lane is first throttled
MAX_INTERVAL = 10.0
DECAY = 0.98  # on a call that went through
HEADROOM = 0.9  # pace at this share of the rate at which calls went through
RATE_WINDOW = 30.0  # seconds of successes the rate is measured over
WAIT_IN_PLACE = 1.0  # a slot this close is waited for without giving the thread back
SLOT_GRACE = 60.0  # an unclaimed slot is dropped this long after its time
# A throttle paces the lane at the fastest rate calls went through at lately (over this
# many seconds), not the last one: throttles that come whatever the pace (an account shared
# with other clients, a service under load) would otherwise slow the lane at every one,
# each slower pace measured making the next one slower still, to MAX_INTERVAL.
PACE_MEMORY = 300.0


class Throttled(Exception):
    """Come back in `delay` seconds: the operation is paced and this caller's slot is then."""

    def __init__(self, operation: str, delay: float) -> None:
        super().__init__(
            f"AWS throttles {operation}: kopilot paces its calls and retries when its turn comes"
        )
        self.operation = operation
        self.delay = delay


@dataclass
class Lane:
    interval: float = 0.0  # 0: not paced
    next_free: float = 0.0
    last_start: float = float("-inf")  # when the lane's latest call went out
    adjusted_at: float = 0.0
    slots: dict[str, float] = field(default_factory=dict)
    successes: deque[float] = field(default_factory=lambda: deque(maxlen=10))
    paces: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=64))

    def best_interval(self, now: float) -> float | None:
        """The shortest measured interval of the last PACE_MEMORY seconds (measured now
        too): the rate the bucket let through, as far as this lane has seen."""
        measured = self.measured_interval(now)
        if measured is not None:
            self.paces.append((now, measured))
        while self.paces and self.paces[0][0] < now - PACE_MEMORY:
            self.paces.popleft()
        return min((pace for _, pace in self.paces), default=None)

    def measured_interval(self, now: float) -> float | None:
        """Seconds between the calls that went through lately (the bucket's refill rate,
        once the lane is busy), or None without enough of them."""
        recent = [at for at in self.successes if at > now - RATE_WINDOW]
        if len(recent) < 3 or recent[-1] <= recent[0]:
            return None
        return (recent[-1] - recent[0]) / (len(recent) - 1)

    def reserve(self, caller: str | None, now: float) -> float:
        """The time this caller may call: its slot if it has one, else the next free one
        (kept for it, so coming back later does not send it to the end of the line)."""
        slot = self.slots.get(caller) if caller is not None else None
        if slot is None:
            slot = max(now, self.next_free)
            self.next_free = slot + self.interval
            if caller is not None:
                self.slots[caller] = slot
        return slot

    def respace(self, now: float, first: str | None) -> None:
        """After the interval changed: the waiting callers keep their order, `first` (the
        caller just refused) goes first, and slots are `interval` apart from now on."""
        order = sorted(self.slots, key=self.slots.__getitem__)
        if first is not None:
            order = [first, *(caller for caller in order if caller != first)]
        at = now + self.interval
        for caller in order:
            self.slots[caller] = at
            at += self.interval
        self.next_free = at

    def forget_stale(self, now: float) -> None:
        for caller, slot in list(self.slots.items()):
            if slot < now - SLOT_GRACE:
                del self.slots[caller]


class Pacer:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lanes: dict[tuple[int, str], Lane] = {}
        self._lock = threading.Lock()

    def before(self, key: tuple[int, str], operation: str, caller: str | None) -> float:
        """Called before each attempt; returns the attempt's start time. Raises Throttled
        when this caller's slot is too far off to wait for in place."""
        unnamed_slot: float | None = None
        while True:
            with self._lock:
                lane = self._lanes.get(key)
                now = self._clock()
                if lane is None or lane.interval == 0.0:
                    return now
                lane.forget_stale(now)
                if caller is None:  # an environment's batched reads: a slot of its own
                    if unnamed_slot is None:
                        unnamed_slot = lane.reserve(None, now)
                    slot = unnamed_slot
                else:
                    slot = lane.reserve(caller, now)
                # A slot is a time and a caller may come back after it: it goes then, but
                # never sooner than `interval` after the lane's latest call (slots alone
                # would let a late caller's call and the next one's on time go together).
                wait = max(slot, lane.last_start + lane.interval) - now
                if wait > WAIT_IN_PLACE:
                    metrics.waited(wait, deferred=True)
                    raise Throttled(operation, wait)
                if wait <= 0:
                    lane.last_start = now
                    return now
            # Near: wait in place, then look again (a throttle meanwhile re-spaces the line).
            metrics.waited(wait)
            self._sleep(wait)

    def after(
        self, key: tuple[int, str], caller: str | None, started: float, throttled: bool
    ) -> float:
        """Called after the last attempt. When it was throttled, returns how long until the
        caller's next slot (it keeps its place in line)."""
        with self._lock:
            lane = self._lanes.setdefault(key, Lane())
            now = self._clock()
            if caller is not None:
                lane.slots.pop(caller, None)
            if not throttled:
                lane.successes.append(started)  # when it went out: the pace
                if lane.interval:
                    lane.interval *= DECAY
                    if lane.interval < 0.02:
                        lane.interval = 0.0
                        lane.slots.clear()
                return 0.0
            if not lane.interval:
                # A burst that went through says nothing of the rate.
                lane.successes.clear()
                lane.paces.clear()
            measured = lane.best_interval(now)
            if measured is not None:
                # Calls went through at this pace and the next one was refused: just below it.
                lane.interval = min(max(measured / HEADROOM, FIRST_INTERVAL), MAX_INTERVAL)
            elif started > lane.adjusted_at:  # no pace known: double, once per round of calls
                lane.interval = min(max(lane.interval * 2, FIRST_INTERVAL), MAX_INTERVAL)
            lane.adjusted_at = now
            lane.respace(now, caller)
            return lane.slots[caller] - now if caller is not None else lane.interval

    def interval(self, key: tuple[int, str]) -> float:
        with self._lock:
            lane = self._lanes.get(key)
            return lane.interval if lane else 0.0

    # -- botocore wiring --------------------------------------------------------------------

    def install(self, client: Any) -> None:
        """Pace every operation of this client through botocore's events: before-call
        waits for (or hands out) the slot, after-call sees the outcome. A throttled call
        made for an object is not retried inside botocore (that would hold a worker thread
        for seconds and ignore the line): it raises Throttled with the object's next slot."""
        events = client.meta.events
        events.register("before-call", functools.partial(self._before_call, id(client)))
        # botocore calls the most specific event names first: its own retry handler is on
        # "needs-retry.<service>", so ours must be too, registered ahead of it.
        service = client.meta.service_model.service_id.hyphenize()
        events.register_first(f"needs-retry.{service}", self._needs_retry)
        events.register("after-call", self._after_call)

    def _before_call(self, client_id: int, model: Any, context: dict[str, Any], **_: Any) -> None:
        key = (client_id, model.name)
        caller = current_caller.get()
        context["kopilot_pacing"] = (key, caller, self.before(key, model.name, caller))

    def _needs_retry(
        self, request_dict: dict[str, Any], response: Any = None, **_: Any
    ) -> bool | None:
        context = request_dict.get("context") or {}
        found = context.get("kopilot_pacing")
        if found is None or response is None:
            return None
        code = ((response[1] or {}).get("Error") or {}).get("Code", "")
        if code not in THROTTLE_CODES:
            return None  # botocore's own retry rules decide (a 5xx is retried, not paced)
        context["kopilot_throttled"] = True  # an attempt was throttled, even if a retry passes
        return False if found[1] is not None else None

    def _after_call(
        self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        found = context.get("kopilot_pacing")
        if found is None:
            return
        key, caller, started = found
        code = (parsed.get("Error") or {}).get("Code", "")
        # An attempt throttled and retried by botocore (a call made outside any object's
        # pass) says the bucket was empty; one retried after a 5xx says nothing of the rate.
        throttled = code in THROTTLE_CODES or bool(context.get("kopilot_throttled"))
        wait = self.after(key, caller, started, throttled=throttled)
        if code in THROTTLE_CODES and caller is not None:
            metrics.waited(max(wait, 0.5), deferred=True)
            raise Throttled(model.name, max(wait, 0.5))
