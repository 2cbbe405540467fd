"""Clients (controller/aws/clients.py): those for calls made once are not kept, nor their
model; the models the shared ones use are lean (controller/aws/models.py) and held once."""

from __future__ import annotations

import boto3
import pytest
from botocore.loaders import Loader
from botocore.model import ServiceModel

from controller.aws.clients import ClientFactory
from controller.aws.models import lean, lean_loader

REGION = "eu-west-3"


def test_a_client_made_once_is_not_kept_and_leaves_no_model_behind() -> None:
    session = boto3.session.Session(
        aws_access_key_id="AKIDONCE", aws_secret_access_key="secret", region_name=REGION
    )
    factory = ClientFactory(session=session)
    shared = factory.client("ecs", REGION)

    ec2 = factory.once("ec2", REGION)

    assert ec2.meta.service_model.service_name == "ec2"
    assert ec2._request_signer._credentials.access_key == "AKIDONCE"  # the shared credentials
    assert factory.once("ec2", REGION) is not ec2
    assert factory.client("ecs", REGION) is shared  # shared clients are still kept
    # The shared session's loader caches every model it loads: EC2's must not be there.
    loader = session._session.get_component("data_loader")
    assert not any("ec2" in str(key) for key in loader._cache)
    assert any("ecs" in str(key) for key in loader._cache)


# -- lean models (controller/aws/models.py) ---------------------------------------------

OPERATOR_SERVICES = ["ecs", "servicediscovery", "logs", "elbv2", "application-autoscaling", "ec2"]


@pytest.mark.parametrize("service", OPERATOR_SERVICES)
def test_a_lean_model_has_every_operation_and_shape_of_botocores_without_the_prose(
    service: str,
) -> None:
    stock = ServiceModel(Loader().load_service_model(service, "service-2"), service)
    description = lean_loader().load_service_model(service, "service-2")
    slim = ServiceModel(description, service)

    assert slim.operation_names == stock.operation_names
    assert list(slim.shape_names) == list(stock.shape_names)
    for name in stock.operation_names:
        was, now = stock.operation_model(name), slim.operation_model(name)
        assert now.http == was.http
        assert [e.name for e in now.error_shapes] == [e.name for e in was.error_shapes]
    for name in stock.shape_names:
        was_shape, now_shape = stock.shape_for(name), slim.shape_for(name)
        assert now_shape.type_name == was_shape.type_name
        assert now_shape.metadata == was_shape.metadata
        if was_shape.type_name == "structure":
            assert {k: v.name for k, v in now_shape.members.items()} == {
                k: v.name for k, v in was_shape.members.items()
            }
    assert any(stock.shape_for(shape).documentation for shape in stock.shape_names)
    assert not any(slim.shape_for(shape).documentation for shape in slim.shape_names)
    assert type(description) is dict
    assert type(description["shapes"]) is dict


def test_only_prose_is_dropped_not_a_member_named_documentation() -> None:
    shape = {
        "type": "structure",
        "documentation": "<p>An API part.</p>",
        "members": {"documentation": {"shape": "String", "documentation": "<p>Its text.</p>"}},
    }

    assert lean(shape) == {"type": "structure", "members": {"documentation": {"shape": "String"}}}


def test_role_sessions_share_one_loader_so_a_model_is_held_once() -> None:
    factory = ClientFactory()
    first = factory.client("ecs", REGION, role_arn="arn:aws:iam::123456789012:role/a")
    second = factory.client("ecs", REGION, role_arn="arn:aws:iam::123456789012:role/b")
    shared = factory.client("ecs", REGION)

    assert first is not second
    description = shared.meta.service_model._service_description
    assert first.meta.service_model._service_description is description
    assert second.meta.service_model._service_description is description
    loader = factory._loader
    assert len(loader.search_paths) == len(set(loader.search_paths))
