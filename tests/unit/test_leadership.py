"""controller.leadership: who may hold the Lease, judged by this process's own clock; and
controller.selection: a shard's label selector."""

from __future__ import annotations

import threading
from typing import Any

import kopf
import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from controller.leadership import LeaderElector, LeaseConfig, lease_name
from controller.selection import SelectorError, kopf_labels, parse


class FakeLeases:
    """The two Lease calls the elector makes, with the apiserver's compare-and-swap."""

    def __init__(self) -> None:
        self.lease: Any = None
        self.version = 0

    def read_namespaced_lease(self, name: str, namespace: str) -> Any:
        if self.lease is None:
            raise ApiException(status=404)
        copy = client.V1Lease(
            metadata=client.V1ObjectMeta(name=name, resource_version=str(self.version)),
            spec=client.V1LeaseSpec(**self.lease.spec.to_dict()),
        )
        return copy

    def create_namespaced_lease(self, namespace: str, body: Any) -> Any:
        if self.lease is not None:
            raise ApiException(status=409)
        self.lease, self.version = body, 1
        return body

    def replace_namespaced_lease(self, name: str, namespace: str, body: Any) -> Any:
        if body.metadata.resource_version != str(self.version):
            raise ApiException(status=409)
        self.lease, self.version = body, self.version + 1
        return body


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def elector(leases: FakeLeases, clock: Clock, who: str) -> LeaderElector:
    config = LeaseConfig(namespace="ns", name="kopilot", identity=who)
    return LeaderElector(None, config, clock=clock, coordination=leases)


def test_the_standby_takes_the_lease_only_after_it_ran_out_by_its_own_clock() -> None:
    leases, clock = FakeLeases(), Clock()
    a, b = elector(leases, clock, "a"), elector(leases, clock, "b")
    assert a.try_acquire_or_renew()
    assert not b.try_acquire_or_renew()  # b sees the record now, at 0
    clock.now = 14.0
    assert not b.try_acquire_or_renew()
    clock.now = 15.0
    assert b.try_acquire_or_renew()
    assert leases.lease.spec.holder_identity == "b"
    assert leases.lease.spec.lease_transitions == 1


def test_a_renewal_seen_restarts_the_count() -> None:
    leases, clock = FakeLeases(), Clock()
    a, b = elector(leases, clock, "a"), elector(leases, clock, "b")
    assert a.try_acquire_or_renew()
    assert not b.try_acquire_or_renew()
    clock.now = 10.0
    assert a.try_acquire_or_renew()  # renewed: a new record
    clock.now = 16.0
    assert not b.try_acquire_or_renew()  # seen changed at 16: 15 s more from there
    clock.now = 31.0
    assert b.try_acquire_or_renew()


def test_release_hands_over_at_the_next_try() -> None:
    leases, clock = FakeLeases(), Clock()
    a, b = elector(leases, clock, "a"), elector(leases, clock, "b")
    assert a.try_acquire_or_renew()
    assert not b.try_acquire_or_renew()
    a.release()
    assert leases.lease.spec.holder_identity is None
    assert b.try_acquire_or_renew()


def test_two_standbys_racing_cannot_both_win() -> None:
    leases, clock = FakeLeases(), Clock()
    a = elector(leases, clock, "a")
    assert a.try_acquire_or_renew()
    a.release()
    b, c = elector(leases, clock, "b"), elector(leases, clock, "c")
    stale = leases.read_namespaced_lease("kopilot", "ns")  # c read before b wrote
    assert b.try_acquire_or_renew()
    stale.spec.holder_identity = "c"
    with pytest.raises(ApiException):
        leases.replace_namespaced_lease("kopilot", "ns", stale)
    assert not c.try_acquire_or_renew()


def test_a_leader_that_cannot_renew_stops_before_the_lease_runs_out() -> None:
    leases, clock = FakeLeases(), Clock()
    a = elector(leases, clock, "a")
    assert a.try_acquire_or_renew()

    def broken(*_: Any) -> Any:
        clock.now += 2.0  # each failed attempt takes a retry period
        raise ApiException(status=500)

    leases.read_namespaced_lease = broken  # type: ignore[method-assign]
    lost: list[float] = []
    stop = threading.Event()
    a.config = LeaseConfig(namespace="ns", name="kopilot", identity="a", retry=0.001)
    a.keep_renewing(stop, lambda: lost.append(clock.now))
    assert lost
    assert 10.0 <= lost[0] < 15.0  # the deadline, before anyone else may take it


def test_each_shard_has_its_lease() -> None:
    assert lease_name(None) == "kopilot"
    assert lease_name("team=a") != lease_name("team=b")
    assert lease_name("team=a").startswith("kopilot-")


def test_selectors_become_kopf_filters() -> None:
    assert parse("team=a, tier!=batch,shard,!legacy") == [
        ("team", "=", "a"),
        ("tier", "!=", "batch"),
        ("shard", "exists", None),
        ("legacy", "absent", None),
    ]
    labels = kopf_labels("team=a,shard,!legacy,tier!=batch")
    assert labels is not None
    assert labels["team"] == "a"
    assert labels["shard"] is kopf.PRESENT
    assert labels["legacy"] is kopf.ABSENT
    assert labels["tier"](value="web") is True
    assert labels["tier"](value="batch") is False
    assert kopf_labels(None) is None


@pytest.mark.parametrize("bad", ["team in (a,b)", "", "=a", "!team=a", "a==b==c"])
def test_set_based_or_broken_selectors_are_refused(bad: str) -> None:
    with pytest.raises(SelectorError):
        parse(bad)
