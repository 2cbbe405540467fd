"""Batched rollout polling: one DescribeServices call looks at ten rolling services.

After a create or an update, a service's pass ends with its rollout under way. Instead of
each service describing itself again a few seconds later, its handler hands a ticket to
the `RolloutWatcher`, which polls all tickets of a cluster together (ten per call, the
API's limit), each on its own schedule (soon after the change, then less often), and
hands back the description once the rollout has settled: Ready, failed, or gone.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from ..aws import ecs
from ..aws.clients import ClientFactory
from ..observe.service import is_ready, rollout

log = logging.getLogger("kopilot.rollouts")

FIRST_POLL_SECONDS = 1.0
LONGEST_POLL_SECONDS = 5.0
POLL_GROWTH = 1.5
TICK_SECONDS = 0.25


@dataclass(frozen=True)
class RolloutTicket:
    """What to watch: one ECS service, in one cluster, reached with one set of credentials."""

    region: str
    role_arn: str | None
    cluster: str
    service: str
    task_definition: str

    @property
    def account(self) -> tuple[str, str | None, str]:
        return (self.region, self.role_arn, self.cluster)


@dataclass
class _Entry:
    ticket: RolloutTicket
    future: asyncio.Future[dict[str, Any] | None]
    due: float
    interval: float = FIRST_POLL_SECONDS


def rollout_over(described: dict[str, Any] | None, task_definition: str) -> bool:
    """Worth a pass: the rollout completed, failed (a rollback counts), or the service is
    gone. Anything else is still rolling."""
    if described is None or described.get("status") != "ACTIVE":
        return True
    return is_ready(described, task_definition) or bool(rollout(described)["failed"])


def pick(due_at: list[float], now: float, batch: int) -> list[int]:
    """Indexes to poll now: every due entry, and the next ones to come due when that
    fills the last call's batch (they cost nothing extra)."""
    order = sorted(range(len(due_at)), key=lambda i: due_at[i])
    due = [i for i in order if due_at[i] <= now]
    if not due:
        return []
    room = -len(due) % batch
    return due + [i for i in order if due_at[i] > now][:room]


class RolloutWatcher:
    def __init__(self, clients: ClientFactory) -> None:
        self._clients = clients
        self._entries: list[_Entry] = []
        self._task: asyncio.Task[None] | None = None

    async def wait(self, ticket: RolloutTicket, timeout: float) -> dict[str, Any] | None:
        """The service's description once settled; None when `timeout` ran out first."""
        loop = asyncio.get_running_loop()
        entry = _Entry(ticket, loop.create_future(), due=loop.time() + FIRST_POLL_SECONDS)
        self._entries.append(entry)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        try:
            return await asyncio.wait_for(entry.future, timeout)
        except TimeoutError:
            return None
        finally:
            if entry in self._entries:
                self._entries.remove(entry)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._entries:
            now = loop.time()
            by_account: dict[tuple[str, str | None, str], list[_Entry]] = {}
            for entry in self._entries:
                by_account.setdefault(entry.ticket.account, []).append(entry)
            for account, entries in by_account.items():
                chosen = pick([e.due for e in entries], now, ecs.DESCRIBE_BATCH)
                if chosen:
                    await self._poll(account, [entries[i] for i in chosen], now)
            await asyncio.sleep(TICK_SECONDS)

    async def _poll(
        self, account: tuple[str, str | None, str], entries: list[_Entry], now: float
    ) -> None:
        region, role_arn, cluster = account
        names = sorted({e.ticket.service for e in entries})
        try:
            client = self._clients.client("ecs", region, role_arn)
            described = await asyncio.to_thread(ecs.describe_services, client, cluster, names)
        except Exception:  # the service's own pass will report it; poll again later
            log.debug("rollout poll of %d services failed", len(names), exc_info=True)
            described = None
        for entry in entries:
            found = None if described is None else described.get(entry.ticket.service)
            if described is not None and rollout_over(found, entry.ticket.task_definition):
                if not entry.future.done():
                    entry.future.set_result(found)
                if entry in self._entries:
                    self._entries.remove(entry)
                continue
            entry.interval = min(entry.interval * POLL_GROWTH, LONGEST_POLL_SECONDS)
            entry.due = now + entry.interval
