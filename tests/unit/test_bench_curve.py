"""The benchmark's cost curve (bench/curve.py) and the Kubernetes-aware floor's status body
(bench/kube_floor.py): pure arithmetic, no processes."""

from __future__ import annotations

from typing import Any

import pytest

from bench.curve import (
    CurvePoint,
    flatness,
    not_flat,
    per_service,
    rss_per_added_service,
)
from bench.kube import ready_at_generation
from bench.kube_floor import generations, ready_status


def point(services: int, scale: float = 1.0, rss: float = 100.0) -> CurvePoint:
    """Totals linear in N (times `scale`)."""
    return CurvePoint(
        services=services,
        cold_seconds=0.2 * services * scale,
        floor_cold_seconds=0.05 * services,
        aws_calls=int(8 * services * scale),
        kube_writes=int(6 * services * scale),
        floor_kube_writes=2 * services + 4,
        update_seconds=0.1 * services * scale,
        floor_update_seconds=0.04 * services,
        rss_peak_mib=rss,
    )


def test_per_service_divides_each_total_by_n() -> None:
    figures = per_service(point(100))
    assert figures["cold_seconds"] == pytest.approx(0.2)
    assert figures["aws_calls"] == pytest.approx(8.0)
    assert figures["floor_kube_writes"] == pytest.approx(2.04)
    assert "rss_peak_mib" not in figures


def test_linear_totals_are_flat() -> None:
    ratios = flatness([point(500), point(100), point(2000)])
    assert ratios["cold_seconds"] == pytest.approx(1.0)
    assert ratios["update_seconds"] == pytest.approx(1.0)
    assert ratios["floor_kube_writes"] == pytest.approx((4004 / 2000) / (204 / 100))
    assert not_flat(ratios) == []


def test_a_figure_that_grows_faster_than_n_is_named() -> None:
    ratios = flatness([point(100), point(1000, scale=1.5)])
    assert ratios["cold_seconds"] == pytest.approx(1.5)
    assert ratios["floor_cold_seconds"] == pytest.approx(1.0)
    assert set(not_flat(ratios)) == {"cold_seconds", "aws_calls", "kube_writes", "update_seconds"}


def test_one_size_has_no_flatness() -> None:
    assert all(ratio is None for ratio in flatness([point(100)]).values())
    assert all(ratio is None for ratio in flatness([point(100), point(100)]).values())
    assert rss_per_added_service([point(100)]) is None


def test_a_zero_at_the_smallest_n_gives_no_ratio() -> None:
    small = CurvePoint(100, 0.0, 1.0, 0, 0, 0, 0.0, 1.0, 0.0)
    ratios = flatness([small, point(500)])
    assert ratios["cold_seconds"] is None
    assert ratios["floor_cold_seconds"] is not None


def test_rss_is_a_slope_between_the_smallest_and_largest_n() -> None:
    points = [point(100, rss=120.0), point(500, rss=150.0), point(1100, rss=220.0)]
    assert rss_per_added_service(points) == pytest.approx(0.1)


def test_the_floor_status_write_counts_as_ready_for_the_generation() -> None:
    body = ready_status(2, "2025-01-01T00:00:00Z")
    assert ready_at_generation({"metadata": {"generation": 2}, **body})
    assert not ready_at_generation({"metadata": {"generation": 3}, **body})


def test_generations_come_from_one_listing_per_kind() -> None:
    listed: dict[str, list[dict[str, Any]]] = {
        "ecsapps": [{"metadata": {"name": "bench", "generation": 1}}],
        "ecsservices": [
            {"metadata": {"name": "svc-0000", "generation": 2}},
            {"metadata": {"name": "svc-0001"}},
        ],
    }
    assert generations(listed) == {
        ("ecsapps", "bench"): 1,
        ("ecsservices", "svc-0000"): 2,
        ("ecsservices", "svc-0001"): 1,
    }
