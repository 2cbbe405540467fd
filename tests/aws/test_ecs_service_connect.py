"""ECS Service Connect over HTTP: kept on deployments, Cloud Map services made by ECS."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.aws.builders import (
    create_web,
    describe,
    http_namespace,
    network,
    primary,
    register_web,
    service_connect,
)
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws


def _world(aws: LocalAws) -> tuple[Any, Any, dict[str, Any]]:
    aws.settings(operation_seconds=0)
    ecs = aws.client("ecs", max_attempts=1)
    sd = aws.client("servicediscovery", max_attempts=1)
    ecs.create_cluster(clusterName="c")
    register_web(ecs)
    return ecs, sd, http_namespace(aws, "apps")


def _cloudmap_services(sd: Any, namespace_id: str) -> dict[str, str]:
    listed = sd.list_services(Filters=[{"Name": "NAMESPACE_ID", "Values": [namespace_id]}])
    return {s["Name"]: s["Arn"] for s in listed["Services"]}


def test_service_connect_is_kept_on_the_primary_deployment_with_its_resources(
    aws: LocalAws,
) -> None:
    ecs, sd, namespace = _world(aws)
    config = service_connect("apps", ("http", "api"))
    create_web(aws, ecs, serviceConnectConfiguration=config)
    service = describe(ecs, "c", "web")
    assert "serviceConnectConfiguration" not in service  # only on deployments, as in AWS
    deployment = primary(service)
    assert deployment["serviceConnectConfiguration"] == config

    cloudmap = _cloudmap_services(sd, namespace["Id"])
    assert list(cloudmap) == ["api"]
    assert deployment["serviceConnectResources"] == [
        {"discoveryName": "api", "discoveryArn": cloudmap["api"]}
    ]
    created = sd.get_service(Id=cloudmap["api"].rsplit("/", 1)[-1])["Service"]
    assert created["NamespaceId"] == namespace["Id"]
    tags = sd.list_tags_for_resource(ResourceARN=cloudmap["api"])["Tags"]
    assert {"Key": "AmazonECSManaged", "Value": "true"} in tags


def test_discovery_name_defaults_to_the_port_name(aws: LocalAws) -> None:
    ecs, sd, namespace = _world(aws)
    create_web(aws, ecs, serviceConnectConfiguration=service_connect("apps", ("http", None)))
    resources = primary(describe(ecs, "c", "web"))["serviceConnectResources"]
    assert [r["discoveryName"] for r in resources] == ["http"]
    assert list(_cloudmap_services(sd, namespace["Id"])) == ["http"]


def test_namespace_is_found_by_name_or_by_arn(aws: LocalAws) -> None:
    ecs, sd, namespace = _world(aws)
    for service, ref, discovery in (("a", "apps", "a-api"), ("b", namespace["Arn"], "b-api")):
        create_web(
            aws,
            ecs,
            serviceName=service,
            serviceConnectConfiguration=service_connect(ref, ("http", discovery)),
        )
    assert sorted(_cloudmap_services(sd, namespace["Id"])) == ["a-api", "b-api"]


def test_unknown_namespace_is_refused_and_nothing_is_created(aws: LocalAws) -> None:
    ecs, sd, _ = _world(aws)
    with pytest.raises(ClientError) as caught:
        create_web(
            aws, ecs, serviceConnectConfiguration=service_connect("nowhere", ("http", "api"))
        )
    assert caught.value.response["Error"] == {
        "Code": "NamespaceNotFoundException",
        "Message": "Failed to retrieve namespace for nowhere",
    }
    assert ecs.list_services(cluster="c")["serviceArns"] == []
    assert sd.list_services()["Services"] == []


def test_a_namespace_still_being_created_is_not_found(aws: LocalAws) -> None:
    ecs, sd, _ = _world(aws)
    aws.settings(operation_seconds=60)
    sd.create_http_namespace(Name="later", CreatorRequestId="later")
    with pytest.raises(ClientError) as caught:
        create_web(aws, ecs, serviceConnectConfiguration=service_connect("later", ("http", "api")))
    assert caught.value.response["Error"]["Code"] == "NamespaceNotFoundException"


def test_a_discovery_name_in_use_in_the_namespace_is_refused(aws: LocalAws) -> None:
    ecs, sd, namespace = _world(aws)
    create_web(
        aws,
        ecs,
        serviceName="a",
        serviceConnectConfiguration=service_connect("apps", ("http", "api")),
    )
    sd.create_service(Name="db", NamespaceId=namespace["Id"])  # not made by ECS
    for discovery in ("api", "db"):
        with pytest.raises(ClientError) as caught:
            create_web(
                aws,
                ecs,
                serviceName=f"b-{discovery}",
                serviceConnectConfiguration=service_connect("apps", ("http", discovery)),
            )
        assert caught.value.response["Error"] == {
            "Code": "InvalidParameterException",
            "Message": f"SC service is already used by {namespace['Arn']}",
        }
    assert len(ecs.list_services(cluster="c")["serviceArns"]) == 1


def test_port_name_must_name_a_port_mapping_of_the_task_definition(aws: LocalAws) -> None:
    ecs, _, _ = _world(aws)
    with pytest.raises(ClientError) as caught:
        create_web(aws, ecs, serviceConnectConfiguration=service_connect("apps", ("grpc", "api")))
    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "portName 'grpc'" in caught.value.response["Error"]["Message"]


def test_changing_service_connect_starts_a_new_deployment(aws: LocalAws) -> None:
    ecs, sd, namespace = _world(aws)
    aws.settings(rollout_seconds=0)
    old_config = service_connect("apps", ("http", "api"))
    create_web(aws, ecs, serviceConnectConfiguration=old_config)
    aws.settings(rollout_seconds=60)
    new_config = service_connect("apps", ("http", "api-v2"))
    ecs.update_service(cluster="c", service="web", serviceConnectConfiguration=new_config)
    deployments = describe(ecs, "c", "web")["deployments"]
    assert [d["status"] for d in deployments] == ["PRIMARY", "ACTIVE"]
    assert deployments[0]["serviceConnectConfiguration"] == new_config
    assert deployments[1]["serviceConnectConfiguration"] == old_config
    assert [r["discoveryName"] for r in deployments[0]["serviceConnectResources"]] == ["api-v2"]
    assert sorted(_cloudmap_services(sd, namespace["Id"])) == ["api", "api-v2"]

    # The same configuration again is not a change.
    ecs.update_service(cluster="c", service="web", serviceConnectConfiguration=new_config)
    assert len(describe(ecs, "c", "web")["deployments"]) == 2


def test_a_new_task_definition_keeps_the_service_connect_configuration(aws: LocalAws) -> None:
    ecs, _, _ = _world(aws)
    config = service_connect("apps", ("http", "api"))
    create_web(aws, ecs, serviceConnectConfiguration=config)
    register_web(ecs, image="nginx:2")
    ecs.update_service(cluster="c", service="web", taskDefinition="web")
    deployment = primary(describe(ecs, "c", "web"))
    assert deployment["taskDefinition"].endswith(":2")
    assert deployment["serviceConnectConfiguration"] == config

    register_web(ecs, port_name="other")  # revision 3 drops the port Service Connect names
    with pytest.raises(ClientError, match="portName 'http'"):
        ecs.update_service(cluster="c", service="web", taskDefinition="web")


def test_the_cloud_map_services_go_with_the_ecs_service(aws: LocalAws) -> None:
    ecs, sd, namespace = _world(aws)
    create_web(aws, ecs, serviceConnectConfiguration=service_connect("apps", ("http", "api")))
    with pytest.raises(ClientError) as caught:
        sd.delete_namespace(Id=namespace["Id"])
    assert caught.value.response["Error"]["Code"] == "ResourceInUse"

    aws.settings(drain_seconds=0)
    ecs.delete_service(cluster="c", service="web", force=True)
    assert describe(ecs, "c", "web")["status"] == "INACTIVE"
    assert _cloudmap_services(sd, namespace["Id"]) == {}
    operation_id = sd.delete_namespace(Id=namespace["Id"])["OperationId"]
    assert sd.get_operation(OperationId=operation_id)["Operation"]["Status"] == "SUCCESS"


def test_the_cluster_default_namespace_serves_when_the_service_names_none(
    aws: LocalAws,
) -> None:
    ecs, sd, namespace = _world(aws)
    ecs.create_cluster(clusterName="d", serviceConnectDefaults={"namespace": "apps"})
    register_web(ecs)
    config = {
        "enabled": True,
        "services": [
            {
                "portName": "http",
                "discoveryName": "api",
                "clientAliases": [{"port": 80, "dnsName": "api"}],
            }
        ],
    }
    ecs.create_service(
        cluster="d",
        serviceName="web",
        taskDefinition="web",
        serviceConnectConfiguration=config,
        networkConfiguration=network(aws),
    )
    assert list(_cloudmap_services(sd, namespace["Id"])) == ["api"]
