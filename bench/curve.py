"""The cost curve: figures per service at each N, and how flat they stay as N grows (pure)."""

from __future__ import annotations

from dataclasses import dataclass

# A per-service figure that grows more than this from the smallest N to the largest means
# some cost grows faster than linearly with N.
FLATNESS_LIMIT = 1.3


@dataclass(frozen=True)
class CurvePoint:
    """Totals of one size's run (scenarios 1 and 3)."""

    services: int
    cold_seconds: float  # operator: apply → all Ready
    floor_cold_seconds: float  # the Kubernetes-aware floor, the same
    aws_calls: int  # operator, cold
    kube_writes: int  # operator, cold: object writes seen by a watch (the apply's included)
    floor_kube_writes: int  # the Kubernetes-aware floor, the same
    update_seconds: float  # operator: apply of the new image → all Ready
    floor_update_seconds: float  # the Kubernetes-aware floor, the same
    rss_peak_mib: float  # operator, during the cold wave
    complete: bool = True  # every wait ended with all Ready (else the seconds are lower bounds)


# Per-service figures, in the order the report shows them: (key, what).
PER_SERVICE = (
    ("cold_seconds", "cold s/service, operator"),
    ("floor_cold_seconds", "cold s/service, k8s floor"),
    ("aws_calls", "AWS calls/service, cold"),
    ("kube_writes", "k8s writes/service, cold, operator"),
    ("floor_kube_writes", "k8s writes/service, cold, k8s floor"),
    ("update_seconds", "update s/service, operator"),
    ("floor_update_seconds", "update s/service, k8s floor"),
)


def per_service(point: CurvePoint) -> dict[str, float]:
    """Each total of `point` divided by its N."""
    n = max(point.services, 1)
    return {key: float(getattr(point, key)) / n for key, _ in PER_SERVICE}


def flatness(points: list[CurvePoint]) -> dict[str, float | None]:
    """Each per-service figure at the largest N divided by the same at the smallest N (1.0:
    the total grows linearly). None with fewer than two sizes or a zero at the smallest."""
    if len({p.services for p in points}) < 2:
        return {key: None for key, _ in PER_SERVICE}
    smallest = per_service(min(points, key=lambda p: p.services))
    largest = per_service(max(points, key=lambda p: p.services))
    return {
        key: (largest[key] / smallest[key] if smallest[key] > 0 else None) for key, _ in PER_SERVICE
    }


def rss_per_added_service(points: list[CurvePoint]) -> float | None:
    """MiB the operator's cold-wave RSS peak gains per service from the smallest N to the
    largest (memory has a large fixed part, so its slope says more than a ratio would)."""
    if len({p.services for p in points}) < 2:
        return None
    smallest = min(points, key=lambda p: p.services)
    largest = max(points, key=lambda p: p.services)
    return (largest.rss_peak_mib - smallest.rss_peak_mib) / (largest.services - smallest.services)


def not_flat(ratios: dict[str, float | None], limit: float = FLATNESS_LIMIT) -> list[str]:
    """The keys whose ratio is above `limit`."""
    return [key for key, ratio in ratios.items() if ratio is not None and ratio > limit]
