"""ECS clusters over HTTP: idempotent creation, deletion guarded by services, defaults."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.aws.builders import create_web, describe, register_web
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws


def test_creating_an_existing_cluster_returns_it_unchanged(aws: LocalAws) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    first = ecs.create_cluster(clusterName="c", tags=[{"key": "team", "value": "a"}])["cluster"]
    register_web(ecs)
    create_web(aws, ecs)

    again = ecs.create_cluster(clusterName="c", tags=[{"key": "team", "value": "b"}])["cluster"]
    assert again["clusterArn"] == first["clusterArn"]
    described = ecs.describe_clusters(clusters=["c"], include=["TAGS"])["clusters"][0]
    assert described["tags"] == [{"key": "team", "value": "a"}]
    assert described["activeServicesCount"] == 1
    assert describe(ecs, "c", "web")["status"] == "ACTIVE"


def test_a_cluster_with_services_cannot_be_deleted_until_they_are_inactive(
    aws: LocalAws,
) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    ecs.create_cluster(clusterName="c")
    register_web(ecs)
    create_web(aws, ecs)
    expected = {
        "Code": "ClusterContainsServicesException",
        "Message": "The Cluster cannot be deleted while Services are active.",
    }
    with pytest.raises(ClientError) as caught:
        ecs.delete_cluster(cluster="c")
    assert caught.value.response["Error"] == expected

    aws.settings(drain_seconds=60)
    ecs.delete_service(cluster="c", service="web")
    with pytest.raises(ClientError) as caught:  # still DRAINING
        ecs.delete_cluster(cluster="c")
    assert caught.value.response["Error"] == expected

    aws.settings(drain_seconds=0)
    assert ecs.delete_cluster(cluster="c")["cluster"]["status"] == "INACTIVE"


def test_an_inactive_cluster_takes_no_new_services(aws: LocalAws) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    ecs.create_cluster(clusterName="c")
    register_web(ecs)
    ecs.delete_cluster(cluster="c")
    with pytest.raises(ClientError) as caught:
        create_web(aws, ecs)
    assert caught.value.response["Error"]["Code"] == "ClusterNotFoundException"


def test_an_unknown_default_namespace_name_makes_ecs_create_an_http_namespace(
    aws: LocalAws,
) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    sd = aws.client("servicediscovery", max_attempts=1)
    cluster = ecs.create_cluster(clusterName="c", serviceConnectDefaults={"namespace": "surprise"})[
        "cluster"
    ]
    namespaces = sd.list_namespaces()["Namespaces"]
    assert [(n["Name"], n["Type"]) for n in namespaces] == [("surprise", "HTTP")]
    assert cluster["serviceConnectDefaults"] == {"namespace": namespaces[0]["Arn"]}

    ecs.update_cluster(cluster="c", serviceConnectDefaults={"namespace": ""})
    described = ecs.describe_clusters(clusters=["c"])["clusters"][0]
    assert "serviceConnectDefaults" not in described
    assert len(sd.list_namespaces()["Namespaces"]) == 1  # the namespace stays in Cloud Map


def test_an_unknown_default_namespace_arn_is_refused(aws: LocalAws) -> None:
    ecs = aws.client("ecs", max_attempts=1)
    arn = "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-missing"
    with pytest.raises(ClientError) as caught:
        ecs.create_cluster(clusterName="c", serviceConnectDefaults={"namespace": arn})
    assert caught.value.response["Error"]["Code"] == "NamespaceNotFoundException"
    assert ecs.list_clusters()["clusterArns"] == []
