"""In-process waits: which rolling services a poll takes, when a rollout counts as settled,
and the environment signal services wait on (the watcher's polling against ECS is exercised
in tests/operator)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from controller.reconcile.rollouts import pick, rollout_over
from controller.reconcile.waiting import Wakeups, environment_key

TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/kudos-test-api:2"


def service(
    *deployments: dict[str, Any], running: int = 1, status: str = "ACTIVE"
) -> dict[str, Any]:
    return {
        "status": status,
        "desiredCount": 1,
        "runningCount": running,
        "deployments": list(deployments),
    }


def deployment(state: str, status: str = "PRIMARY", td: str = TD) -> dict[str, Any]:
    return {"status": status, "rolloutState": state, "taskDefinition": td}


def test_pick_takes_the_due_and_fills_the_last_batch_with_the_next_to_come_due() -> None:
    due_at = [5.0, 1.0, 9.0, 2.0, 7.0]
    assert pick(due_at, now=2.0, batch=3) == [1, 3, 0]
    assert pick(due_at, now=0.5, batch=3) == [], "nothing due: no call"
    twelve = [float(i) for i in range(12)]
    assert pick(twelve, now=10.0, batch=10) == list(range(12)), "11 due: two calls, 9 spare"
    assert pick(twelve[:10], now=20.0, batch=10) == list(range(10))


def test_a_rollout_is_settled_when_ready_failed_or_gone() -> None:
    assert rollout_over(service(deployment("COMPLETED")), TD)
    assert not rollout_over(service(deployment("IN_PROGRESS")), TD)
    assert not rollout_over(service(deployment("COMPLETED"), running=0), TD), "tasks still starting"
    assert not rollout_over(service(deployment("COMPLETED", td=TD[:-1] + "1")), TD), "old revision"
    rolled_back = service(deployment("COMPLETED", td=TD[:-1] + "1"), deployment("FAILED", "ACTIVE"))
    assert rollout_over(rolled_back, TD), "a failed deployment ends the wait"
    assert rollout_over(None, TD), "gone"
    assert rollout_over(service(deployment("IN_PROGRESS"), status="DRAINING"), TD)


def test_wakeups_signal_waiters_and_time_out_without_one() -> None:
    async def scenario() -> tuple[bool, bool, bool, bool]:
        wakeups = Wakeups()
        key = environment_key("ns", "test")
        with wakeups.converging_on(key) as hold:
            converging = wakeups.converging(key)
            waiter = asyncio.create_task(wakeups.wait(key, timeout=5.0))
            await asyncio.sleep(0.01)
            hold.ready = True
        woken = await waiter
        timed_out = await wakeups.wait(key, timeout=0.05)
        return converging, wakeups.converging(key), woken, timed_out

    converging, still, woken, timed_out = asyncio.run(scenario())
    assert converging
    assert not still
    assert woken is True
    assert timed_out is False


def test_an_environment_that_ends_unready_or_fails_wakes_nobody_and_is_no_longer_converging() -> (
    None
):
    async def scenario() -> tuple[bool, bool]:
        wakeups = Wakeups()
        key = environment_key("ns", "test")
        with wakeups.converging_on(key):
            waiter = asyncio.create_task(wakeups.wait(key, timeout=0.1))
            await asyncio.sleep(0.01)
        with contextlib.suppress(RuntimeError), wakeups.converging_on(key):
            raise RuntimeError("the pass failed")
        return await waiter, wakeups.converging(key)

    woken, converging = asyncio.run(scenario())
    assert woken is False
    assert converging is False
