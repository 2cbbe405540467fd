"""What AWS holds after a chaos run, counted by name: a duplicate is a second resource of a
name that must exist once, whatever the operator's status says."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from tests.fixtures_aws import LocalAws
from tests.operator.objects import CLUSTER

NAMESPACE = "test.kudos.local"  # the environment's Cloud Map namespace
FAMILY = "kudos-test-{}"  # a service's task definition family


@dataclass(frozen=True)
class Census:
    clusters: Counter[str]
    ecs_services: Counter[str]  # ACTIVE services of CLUSTER by name
    cloud_map_services: Counter[str]
    namespaces: Counter[str]
    revisions: dict[str, int]  # family: revisions, ACTIVE and INACTIVE

    def duplicates(self, names: list[str]) -> list[str]:
        """Every name that exists more than once (or more than two revisions of a family:
        one extra is what a kill just after a registration may cost)."""
        found = (
            [f"cluster {CLUSTER} x{self.clusters[CLUSTER]}"] if self.clusters[CLUSTER] > 1 else []
        )
        if self.namespaces[NAMESPACE] > 1:
            found.append(f"namespace {NAMESPACE} x{self.namespaces[NAMESPACE]}")
        for name in names:
            for what, count in (
                (f"ECS service {name}", self.ecs_services[name]),
                (f"Cloud Map service {name}", self.cloud_map_services[name]),
                (f"Cloud Map service {name}-sc", self.cloud_map_services[f"{name}-sc"]),
            ):
                if count > 1:
                    found.append(f"{what} x{count}")
            family = FAMILY.format(name)
            if self.revisions.get(family, 0) > 2:
                found.append(f"task definition {family} x{self.revisions[family]}")
        return found

    def missing(self, names: list[str]) -> list[str]:
        wanted = [(f"cluster {CLUSTER}", self.clusters[CLUSTER])]
        wanted.append((f"namespace {NAMESPACE}", self.namespaces[NAMESPACE]))
        for name in names:
            wanted += [
                (f"ECS service {name}", self.ecs_services[name]),
                (f"Cloud Map service {name}", self.cloud_map_services[name]),
                (f"Cloud Map service {name}-sc", self.cloud_map_services[f"{name}-sc"]),
                (
                    f"task definition {FAMILY.format(name)}",
                    self.revisions.get(FAMILY.format(name), 0),
                ),
            ]
        return [what for what, count in wanted if count == 0]


def take(aws: LocalAws, names: list[str]) -> Census:
    ecs, sd = aws.client("ecs"), aws.client("servicediscovery")
    clusters = Counter(
        arn.rsplit("/", 1)[-1]
        for page in ecs.get_paginator("list_clusters").paginate()
        for arn in page["clusterArns"]
    )
    arns = [
        arn
        for page in ecs.get_paginator("list_services").paginate(cluster=CLUSTER)
        for arn in page["serviceArns"]
    ]
    ecs_services: Counter[str] = Counter()
    for start in range(0, len(arns), 10):
        for svc in ecs.describe_services(cluster=CLUSTER, services=arns[start : start + 10])[
            "services"
        ]:
            if svc["status"] == "ACTIVE":
                ecs_services[svc["serviceName"]] += 1
    cloud_map = Counter(
        s["Name"] for page in sd.get_paginator("list_services").paginate() for s in page["Services"]
    )
    namespaces = Counter(
        n["Name"]
        for page in sd.get_paginator("list_namespaces").paginate()
        for n in page["Namespaces"]
    )
    revisions = {FAMILY.format(name): _revisions(ecs, FAMILY.format(name)) for name in names}
    return Census(clusters, ecs_services, cloud_map, namespaces, revisions)


def _revisions(ecs: Any, family: str) -> int:
    count = 0
    for status in ("ACTIVE", "INACTIVE"):
        pages = ecs.get_paginator("list_task_definitions").paginate(
            familyPrefix=family, status=status
        )
        for page in pages:
            # familyPrefix is a prefix: svc-1 would also list svc-10's revisions.
            count += sum(
                1
                for arn in page["taskDefinitionArns"]
                if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family
            )
    return count
