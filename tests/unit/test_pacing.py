"""The pacer's slot logic, on a fake clock (its botocore wiring is exercised against the
emulator's token buckets in tests/operator)."""

from __future__ import annotations

import contextlib
import random

import pytest

from controller.pacing import FIRST_INTERVAL, HEADROOM, Pacer, Throttled

KEY = (1, "RegisterTaskDefinition")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pacer(clock: Clock) -> Pacer:
    return Pacer(clock=clock, sleep=clock.sleep)


def throttle(pacer: Pacer, clock: Clock, times: int = 1) -> None:
    for _ in range(times):
        started = pacer.before(KEY, "RegisterTaskDefinition", None)
        pacer.after(KEY, None, started, throttled=True)
        clock.now += pacer.interval(KEY)


def test_an_unthrottled_operation_is_never_paced(pacer: Pacer, clock: Clock) -> None:
    for i in range(50):
        started = pacer.before(KEY, "RegisterTaskDefinition", f"obj-{i}")
        pacer.after(KEY, f"obj-{i}", started, throttled=False)
    assert clock.slept == []
    assert pacer.interval(KEY) == 0.0


def test_a_throttle_starts_pacing_and_callers_get_slots_apart(pacer: Pacer, clock: Clock) -> None:
    throttle(pacer, clock)
    assert pacer.interval(KEY) == FIRST_INTERVAL
    throttle(pacer, clock, times=7)
    interval = pacer.interval(KEY)
    assert interval > 1.0
    # Many callers at once: a slot near enough is waited for, the rest are told when to return.
    delays = []
    for i in range(20):
        try:
            pacer.before(KEY, "RegisterTaskDefinition", f"obj-{i}")
            delays.append(0.0)
        except Throttled as err:
            delays.append(err.delay)
    told = [d for d in delays if d > 0]
    assert told == sorted(told), "later callers get later slots"
    assert len(told) == 19
    assert told[1] - told[0] == pytest.approx(interval)
    assert "RegisterTaskDefinition" in str(Throttled("RegisterTaskDefinition", 1.0))


def test_a_caller_keeps_its_slot_when_it_comes_back(pacer: Pacer, clock: Clock) -> None:
    throttle(pacer, clock, times=8)
    for i in range(10):  # ten callers ahead
        with contextlib.suppress(Throttled):
            pacer.before(KEY, "RegisterTaskDefinition", f"ahead-{i}")
    with pytest.raises(Throttled) as first:
        pacer.before(KEY, "RegisterTaskDefinition", "me")
    clock.now += first.value.delay / 2
    with pytest.raises(Throttled) as again:
        pacer.before(KEY, "RegisterTaskDefinition", "me")
    assert again.value.delay == pytest.approx(first.value.delay / 2), "same slot, not a new one"
    clock.now += again.value.delay
    pacer.before(KEY, "RegisterTaskDefinition", "me")  # its turn: no exception


def test_a_caller_back_after_its_slot_does_not_go_together_with_the_next(
    pacer: Pacer, clock: Clock
) -> None:
    """Slots are times: a caller back late would otherwise call at once, just before the
    next caller's call on time, two calls where the bucket has one token."""
    throttle(pacer, clock, times=8)
    interval = pacer.interval(KEY)
    for i in range(3):  # callers ahead
        with contextlib.suppress(Throttled):
            pacer.before(KEY, "RegisterTaskDefinition", f"ahead-{i}")
    slots = {}
    for name in ("late", "next"):
        with pytest.raises(Throttled) as told:
            pacer.before(KEY, "RegisterTaskDefinition", name)
        slots[name] = clock.now + told.value.delay
    clock.now = slots["next"]
    pacer.before(KEY, "RegisterTaskDefinition", "next")
    with pytest.raises(Throttled) as told:  # its slot long past
        pacer.before(KEY, "RegisterTaskDefinition", "late")
    assert told.value.delay == pytest.approx(interval), "one interval after the latest call"


def test_the_pace_is_measured_when_calls_went_out_not_when_answers_came(
    pacer: Pacer, clock: Clock
) -> None:
    """A slow or busy endpoint answers calls made a second apart all at once; the rate the
    bucket let through is still one per second."""
    throttle(pacer, clock)
    tickets = []
    for i in range(6):
        clock.now += 1.0
        tickets.append(pacer.before(KEY, "op", f"obj-{i}"))
    for i, started in enumerate(tickets):  # the answers, together
        pacer.after(KEY, f"obj-{i}", started, throttled=False)
    pacer.after(KEY, "obj-6", pacer.before(KEY, "op", "obj-6"), throttled=True)
    assert pacer.interval(KEY) == pytest.approx(1.0 / HEADROOM)


def test_throttles_of_calls_already_in_flight_count_once(pacer: Pacer, clock: Clock) -> None:
    started = [pacer.before(KEY, "op", f"obj-{i}") for i in range(5)]  # lane still open
    for i, at in enumerate(started):
        pacer.after(KEY, f"obj-{i}", at, throttled=True)
    assert pacer.interval(KEY) == FIRST_INTERVAL


def test_successes_shrink_the_interval_back_to_unpaced(pacer: Pacer, clock: Clock) -> None:
    throttle(pacer, clock, times=3)
    paced = pacer.interval(KEY)
    assert paced > FIRST_INTERVAL
    for i in range(400):
        try:
            started = pacer.before(KEY, "op", f"obj-{i}")
        except Throttled as err:
            clock.now += err.delay
            started = pacer.before(KEY, "op", f"obj-{i}")
        pacer.after(KEY, f"obj-{i}", started, throttled=False)
    assert pacer.interval(KEY) == 0.0


class Later(Exception):
    """The pacer asked to wait in place: the simulation resumes the caller then."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


def simulate(
    callers: int,
    burst: float,
    rate: float,
    noise: float = 0.0,
    late: float = 0.0,
    seed: int = 7,
) -> tuple[float, int, int]:
    """Callers all wanting one call against a token bucket (capacity `burst`, refilling at
    `rate`/s), each doing what the operator does: wait, come back when told, or retry at
    the slot the refusal gave. `noise`: the share of calls throttled whatever the pace
    (an account shared with other clients, a service under load). `late`: a caller told
    when to come back does so up to this many seconds after that, at random (a busy
    process's queue). Returns (seconds until all got through, refused attempts, times
    callers were told to come back later)."""
    clock = Clock()
    chance = random.Random(seed)

    def lateness() -> float:
        return chance.random() * late if late else 0.0

    def sleep(seconds: float) -> None:
        raise Later(seconds)

    pacer = Pacer(clock=clock, sleep=sleep)
    tokens, last, start = burst, clock.now, clock.now
    pending = {f"obj-{i}": clock.now + i * 0.01 for i in range(callers)}
    refused = deferred = 0
    while pending:
        caller, at = min(pending.items(), key=lambda item: item[1])
        clock.now = max(clock.now, at)
        try:
            started = pacer.before(KEY, "op", caller)
        except Throttled as err:
            deferred += 1
            pending[caller] = clock.now + err.delay + lateness()
            continue
        except Later as wait:
            pending[caller] = clock.now + wait.seconds
            continue
        tokens = min(max(burst, 1.0), tokens + (clock.now - last) * rate)
        last = clock.now
        if tokens >= 1.0 and chance.random() >= noise:
            tokens -= 1.0
            pacer.after(KEY, caller, started, throttled=False)
            del pending[caller]
        else:
            refused += 1
            delay = pacer.after(KEY, caller, started, throttled=True)
            pending[caller] = clock.now + delay + lateness()
    return clock.now - start, refused, deferred


@pytest.mark.parametrize(
    ("callers", "burst", "rate"),
    [(200, 0, 1), (500, 20, 1), (500, 50, 5)],  # ECS: RegisterTaskDefinition, CreateService
)
def test_the_lane_settles_near_a_token_buckets_rate(callers: int, burst: int, rate: int) -> None:
    """Neither flooding the bucket (few refused attempts) nor leaving it idle."""
    elapsed, refused, deferred = simulate(callers, burst, rate)
    bound = (callers - burst) / rate
    assert elapsed < bound * 1.1, f"{callers} calls took {elapsed:.0f} s, bound {bound:.0f} s"
    assert refused < callers * 0.1, f"{refused} attempts refused"
    assert deferred < callers * 3, f"callers told to come back {deferred} times"


def test_an_unlimited_bucket_is_never_paced() -> None:
    elapsed, refused, deferred = simulate(100, burst=100, rate=20)
    assert (refused, deferred) == (0, 0)
    assert elapsed < 2


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_callers_coming_back_late_do_not_flood_the_bucket(seed: int) -> None:
    """A busy operator runs a deferred caller up to seconds after its slot. Such a caller
    went at once, together with the next caller on time: at 4 s late, 43 to 70 of 200
    calls were refused against ECS's RegisterTaskDefinition bucket."""
    _, refused, _ = simulate(200, burst=0, rate=1, late=4.0, seed=seed)
    assert refused < 200 * 0.1, f"{refused} attempts refused"


@pytest.mark.parametrize(("noise", "bound"), [(0.2, 250), (0.35, 600)])
def test_throttles_that_come_whatever_the_pace_do_not_slow_the_lane_to_a_crawl(
    noise: float, bound: float
) -> None:
    """A fifth (or a third) of the calls throttled at random, with tokens to spare: slowing
    down does not make them stop, so the lane must not climb to its longest interval. It
    did, each slower pace measured making the next throttle's pace slower still: 200 calls
    took 2,105 s (2,893 s). The bound is what a pace set once, from the fastest rate seen,
    costs (about 0.7 s, 1.4 s between calls)."""
    elapsed, refused, _ = simulate(200, burst=1000, rate=1000, noise=noise)
    assert elapsed < bound, f"200 calls took {elapsed:.0f} s with {refused} refused"
