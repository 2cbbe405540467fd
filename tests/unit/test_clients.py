"""Clients for calls made once (controller/aws/clients.py): not kept, nor their model."""

from __future__ import annotations

import boto3

from controller.aws.clients import ClientFactory

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
