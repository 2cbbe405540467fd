"""What the kube-apiserver served during a phase, from its own /metrics: requests by verb
and resource (with their summed latency), and the watch events it sent.

The counters do not say which client asked: the apply, the benchmark's readiness poll and
its write-counting watch are in every phase. Phases of the operator and of the
Kubernetes-aware floor differ by what each does, so their difference is the operator's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

REQUESTS = "apiserver_request_total"
LATENCY = "apiserver_request_duration_seconds_sum"
WATCH_EVENTS = "apiserver_watch_events_total"
WATCH_BYTES = "apiserver_watch_events_sizes_sum"
_WANTED = (REQUESTS, LATENCY, WATCH_EVENTS, WATCH_BYTES)


@dataclass(frozen=True)
class Served:
    requests: dict[str, float] = field(default_factory=dict)  # "PATCH ecsservices/status"
    seconds: dict[str, float] = field(default_factory=dict)  # the same keys: summed latency
    watch_events: float = 0.0
    watch_bytes: float = 0.0

    def minus(self, earlier: Served) -> Served:
        return Served(
            _minus(self.requests, earlier.requests),
            _minus(self.seconds, earlier.seconds),
            self.watch_events - earlier.watch_events,
            self.watch_bytes - earlier.watch_bytes,
        )


def _minus(later: dict[str, float], earlier: dict[str, float]) -> dict[str, float]:
    return {
        key: value - earlier.get(key, 0.0)
        for key, value in later.items()
        if value - earlier.get(key, 0.0) > 0
    }


def _key(labels: dict[str, str]) -> str:
    """ "PATCH ecsservices/status"; a path that is no resource (/readyz) is in subresource."""
    resource, sub = labels.get("resource", ""), labels.get("subresource", "")
    what = f"{resource}/{sub}" if resource and sub else resource or sub or "?"
    return f"{labels.get('verb', '?')} {what}"


def parse(text: str) -> Served:
    """The four series out of a /metrics page (only their lines are parsed: the page is
    megabytes of histograms)."""
    lines = [line for line in text.splitlines() if line.startswith(_WANTED)]
    requests: dict[str, float] = {}
    seconds: dict[str, float] = {}
    events = size = 0.0
    for family in text_string_to_metric_families("\n".join(lines) + "\n"):
        for sample in family.samples:
            if sample.name == REQUESTS:
                key = _key(sample.labels)
                requests[key] = requests.get(key, 0.0) + sample.value
            elif sample.name == LATENCY:
                key = _key(sample.labels)
                seconds[key] = seconds.get(key, 0.0) + sample.value
            elif sample.name == WATCH_EVENTS:
                events += sample.value
            elif sample.name == WATCH_BYTES:
                size += sample.value
    return Served(requests, seconds, events, size)


def scrape(api_client: Any) -> Served:
    """GET /metrics with the benchmark's (admin) credentials."""
    request = api_client.param_serialize(
        method="GET",
        resource_path="/metrics",
        header_params={"Accept": "text/plain"},
        auth_settings=["BearerToken"],
    )
    response = api_client.call_api(*request)
    response.read()
    return parse(response.data.decode())
