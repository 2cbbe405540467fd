"""Passes that describe one service each, at about the same time, share DescribeServices
calls of up to ten names; each gets its own answer."""

from __future__ import annotations

import math
import threading
from typing import Any

import pytest

from controller.aws.coalesce import ServiceDescriber
from tests.aws.builders import create_web, register_web
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws


def _describe_at_once(
    describer: ServiceDescriber, ecs: Any, names: list[str]
) -> dict[str, dict[str, Any] | None]:
    start = threading.Barrier(len(names))
    answers: dict[str, dict[str, Any] | None] = {}

    def ask(name: str) -> None:
        start.wait()
        answers[name] = describer.describe(ecs, "c", name)

    threads = [threading.Thread(target=ask, args=(n,)) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_simultaneous_describes_share_calls_and_each_gets_its_service(aws: LocalAws) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    ecs.create_cluster(clusterName="c")
    register_web(ecs)
    existing = [f"svc{i}" for i in range(3)]
    for name in existing:
        create_web(aws, ecs, serviceName=name, desiredCount=1)
    names = existing + [f"absent{i}" for i in range(22)]
    aws.reset_counters()

    answers = _describe_at_once(ServiceDescriber(window=0.2), ecs, names)

    assert {n: (a or {}).get("serviceName") for n, a in answers.items()} == {
        n: (n if n in existing else None) for n in names
    }
    assert all(answers[n]["tagMap"] == {} for n in existing)  # type: ignore[index]
    calls = aws.counters().get("ecs:DescribeServices", 0)
    assert math.ceil(len(names) / 10) <= calls < len(names) / 2


def test_an_error_reaches_every_asker_of_the_call(aws: LocalAws) -> None:
    ecs = aws.client("ecs", max_attempts=1)  # no cluster "c": ECS answers ClusterNotFound
    describer = ServiceDescriber(window=0.2)
    errors: list[str] = []

    def ask(name: str) -> None:
        try:
            describer.describe(ecs, "c", name)
        except Exception as err:
            errors.append(type(err).__name__)

    threads = [threading.Thread(target=ask, args=(f"s{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == ["ClusterNotFoundException"] * 4
