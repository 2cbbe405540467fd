"""Strict mode, ECS clusters: each test sends a request AWS refuses and gets AWS's error,
then the corrected request and sees it accepted (so the rule is not stricter than AWS)."""

from __future__ import annotations

from functools import partial

import pytest

from tests.aws.builders import http_namespace
from tests.aws.strict.refusals import refusal
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws


def test_a_cluster_name_has_letters_numbers_underscores_and_hyphens(aws: LocalAws) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    for name in ("kudos.test", "kudos/test", "a" * 256):
        error = refusal(partial(ecs.create_cluster, clusterName=name))
        assert error["Code"] == "InvalidParameterException"
        assert "up to 255 letters" in error["Message"]
    assert ecs.list_clusters()["clusterArns"] == []

    name = "Kudos_test-" + "a" * 244
    assert ecs.create_cluster(clusterName=name)["cluster"]["clusterName"] == name


def test_a_cluster_setting_is_container_insights(aws: LocalAws) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    error = refusal(
        lambda: ecs.create_cluster(
            clusterName="c", settings=[{"name": "insights", "value": "enabled"}]
        )
    )
    assert error == {"Code": "InvalidParameterException", "Message": "Invalid setting 'name'"}
    typo = [{"name": "containerInsights", "value": "enhaced"}]
    error = refusal(lambda: ecs.create_cluster(clusterName="c", settings=typo))
    assert error == {"Code": "InvalidParameterException", "Message": "Invalid setting 'value'"}

    for value in ("enabled", "disabled", "enhanced"):
        settings = [{"name": "containerInsights", "value": value}]
        ecs.create_cluster(clusterName=f"c-{value}", settings=settings)
    error = refusal(lambda: ecs.update_cluster(cluster="c-enabled", settings=typo))
    assert error["Message"] == "Invalid setting 'value'"
    enhanced = [{"name": "containerInsights", "value": "enhanced"}]
    assert ecs.update_cluster(cluster="c-enabled", settings=enhanced)["cluster"]["settings"] == (
        enhanced
    )


def test_a_default_namespace_name_has_no_slash(aws: LocalAws) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    for name in ("apps/v1", 'apps"', "<apps>", "a" * 1025):
        defaults = {"namespace": name}
        error = refusal(
            partial(ecs.create_cluster, clusterName="c", serviceConnectDefaults=defaults)
        )
        assert error["Code"] == "InvalidParameterException"
        assert "namespace name" in error["Message"]
    ecs.create_cluster(clusterName="c")
    error = refusal(
        lambda: ecs.update_cluster(cluster="c", serviceConnectDefaults={"namespace": "a/b"})
    )
    assert error["Code"] == "InvalidParameterException"

    # A name (ECS makes the HTTP namespace), an ARN, and "" that removes the default.
    created = ecs.update_cluster(cluster="c", serviceConnectDefaults={"namespace": "apps.v1"})
    assert created["cluster"]["serviceConnectDefaults"]["namespace"].startswith("arn:")
    other = http_namespace(aws, "other")
    by_arn = ecs.create_cluster(clusterName="d", serviceConnectDefaults={"namespace": other["Arn"]})
    assert by_arn["cluster"]["serviceConnectDefaults"] == {"namespace": other["Arn"]}
    cleared = ecs.update_cluster(cluster="d", serviceConnectDefaults={"namespace": ""})
    assert "serviceConnectDefaults" not in cleared["cluster"]


def test_describe_clusters_takes_at_most_100(aws: LocalAws) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    ecs.create_cluster(clusterName="c")
    names = [f"c{i}" for i in range(101)]
    error = refusal(partial(ecs.describe_clusters, clusters=names))
    assert error["Code"] == "InvalidParameterException"
    assert error["Message"] == "cluster names can have at most 100 items."
    assert len(ecs.describe_clusters(clusters=names[:100])["failures"]) == 100
