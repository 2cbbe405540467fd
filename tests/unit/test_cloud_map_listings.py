"""When an environment's resync lists its namespace's Cloud Map services."""

from __future__ import annotations

from controller.reconcile.resync import CloudMapListings


def test_a_first_pass_lists_then_only_a_moved_count_lists_again() -> None:
    listings = CloudMapListings(at_least_every=12)
    assert listings.due("ns-1", 40)
    listings.listed("ns-1", 40)
    assert not listings.due("ns-1", 40)
    assert not listings.due("ns-1", 40)
    assert listings.due("ns-1", 39)  # a service was deleted
    listings.listed("ns-1", 39)
    assert not listings.due("ns-1", 39)
    assert listings.due("ns-2", 39)  # each namespace on its own


def test_an_unmoved_count_is_listed_again_after_a_while() -> None:
    listings = CloudMapListings(at_least_every=3)
    listings.listed("ns-1", 40)
    assert [listings.due("ns-1", 40) for _ in range(3)] == [False, False, True]


def test_without_a_count_every_pass_lists() -> None:
    listings = CloudMapListings()
    listings.listed("ns-1", None)
    assert listings.due("ns-1", None)
