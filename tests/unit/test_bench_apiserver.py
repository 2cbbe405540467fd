"""The benchmark's reading of the kube-apiserver's /metrics (bench/apiserver.py) and its
table in the details (bench/report.py)."""

from __future__ import annotations

from bench.apiserver import Served, parse
from bench.calls import Calls
from bench.report import apiserver_table
from bench.scenarios import Phase

PAGE = """\
# HELP apiserver_request_total [STABLE] Counter of apiserver requests.
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",dry_run="",group="kopilot.dev",resource="ecsservices",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 40
apiserver_request_total{code="409",component="apiserver",dry_run="",group="kopilot.dev",resource="ecsservices",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="",group="kopilot.dev",resource="ecsservices",scope="resource",subresource="",verb="GET",version="v1alpha1"} 7
apiserver_request_total{code="200",component="",dry_run="",group="",resource="",scope="",subresource="/readyz",verb="GET",version=""} 3
# HELP apiserver_request_duration_seconds [STABLE] Response latency distribution.
# TYPE apiserver_request_duration_seconds histogram
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="kopilot.dev",resource="ecsservices",scope="resource",subresource="status",verb="PATCH",version="v1alpha1",le="0.005"} 1
apiserver_request_duration_seconds_sum{component="apiserver",dry_run="",group="kopilot.dev",resource="ecsservices",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 1.25
apiserver_request_duration_seconds_count{component="apiserver",dry_run="",group="kopilot.dev",resource="ecsservices",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 42
# HELP apiserver_watch_events_total [ALPHA] Number of events sent in watch clients
# TYPE apiserver_watch_events_total counter
apiserver_watch_events_total{group="kopilot.dev",resource="ecsservices",version="v1alpha1"} 90
apiserver_watch_events_total{group="",resource="events",version="v1"} 10
# HELP apiserver_watch_events_sizes [ALPHA] Watch event size distribution in bytes
# TYPE apiserver_watch_events_sizes histogram
apiserver_watch_events_sizes_sum{group="kopilot.dev",resource="ecsservices",version="v1alpha1"} 450000
# HELP etcd_request_duration_seconds ignored
# TYPE etcd_request_duration_seconds histogram
etcd_request_duration_seconds_sum{operation="get",type="ecsservices"} 9
"""


def test_requests_are_summed_by_verb_and_resource_whatever_the_answer() -> None:
    served = parse(PAGE)

    assert served.requests == {
        "PATCH ecsservices/status": 42,
        "GET ecsservices": 7,
        "GET /readyz": 3,
    }
    assert served.seconds == {"PATCH ecsservices/status": 1.25}
    assert served.watch_events == 100
    assert served.watch_bytes == 450000


def test_a_phase_is_what_was_served_between_two_reads() -> None:
    before = parse(PAGE)
    later = PAGE.replace("} 40\n", "} 140\n").replace("} 90\n", "} 590\n")

    served = parse(later).minus(before)

    assert served.requests == {"PATCH ecsservices/status": 100}
    assert served.watch_events == 500


def test_the_table_puts_the_operators_most_served_request_first() -> None:
    operator = Served({"PATCH ecsservices/status": 1000, "GET ecsapps": 500}, {}, 3000, 6e6)
    floor = Served({"PATCH ecsservices/status": 500, "APPLY ecsservices": 500}, {}, 1000, 2e6)
    columns = {
        "operator cold": Phase(1.0, Calls({}), apiserver=operator),
        "k8s floor cold": Phase(1.0, Calls({}), apiserver=floor),
    }

    lines = apiserver_table("requests", columns)

    rows = [line for line in lines if line.startswith("| ") and "---" not in line][1:]
    assert rows[0].startswith("| PATCH ecsservices/status | 1000 (0.0) | 500 (0.0) |")
    assert rows[1].startswith("| GET ecsapps | 500 (0.0) |  |")
    assert rows[2].startswith("| APPLY ecsservices |  | 500 (0.0) |")
    assert rows[-2] == "| watch events sent | 3000 | 1000 |"
    assert rows[-1] == "| watch event MB sent | 6.0 | 2.0 |"
