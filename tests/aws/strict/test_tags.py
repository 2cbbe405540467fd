"""Strict mode, tags on ECS and Cloud Map resources: each test sends tags AWS refuses and gets
AWS's error, then the corrected tags and sees them accepted (so the rule is not stricter than
AWS)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws.builders import http_namespace
from tests.aws.strict.refusals import refusal
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws


def _ecs_tags(count: int, prefix: str = "k") -> list[dict[str, str]]:
    return [{"key": f"{prefix}{i}", "value": "v"} for i in range(count)]


def _cloudmap_tags(count: int, prefix: str = "k") -> list[dict[str, str]]:
    return [{"Key": f"{prefix}{i}", "Value": "v"} for i in range(count)]


def _cluster(aws: LocalAws, tags: list[dict[str, str]], name: str = "kudos-test") -> str:
    """Create a cluster with these tags; its ARN."""
    ecs = aws.client("ecs", max_attempts=1)
    arn: str = ecs.create_cluster(clusterName=name, tags=tags)["cluster"]["clusterArn"]
    return arn


def _ecs_tag(aws: LocalAws, arn: str, tags: list[dict[str, str]]) -> None:
    aws.client("ecs", max_attempts=1).tag_resource(resourceArn=arn, tags=tags)


def _ecs_tags_of(aws: LocalAws, arn: str) -> dict[str, str]:
    listed = aws.client("ecs").list_tags_for_resource(resourceArn=arn)["tags"]
    return {t["key"]: t["value"] for t in listed}


def _task_definition(aws: LocalAws, tags: list[dict[str, str]]) -> dict[str, Any]:
    """Register a small EC2 task definition with these tags; the response."""
    response: dict[str, Any] = aws.client("ecs", max_attempts=1).register_task_definition(
        family="web",
        containerDefinitions=[{"name": "app", "image": "nginx", "memory": 128}],
        tags=tags,
    )
    return response


def _namespace_with(aws: LocalAws, tags: list[dict[str, str]]) -> str:
    """Create an HTTP namespace with these tags; its ARN once created."""
    sd = aws.client("servicediscovery", max_attempts=1)
    operation_id = sd.create_http_namespace(Name="kudos", CreatorRequestId="kudos", Tags=tags)[
        "OperationId"
    ]
    operation = aws.eventually(
        lambda: sd.get_operation(OperationId=operation_id)["Operation"],
        until=lambda op: op["Status"] == "SUCCESS",
    )
    arn: str = sd.get_namespace(Id=operation["Targets"]["NAMESPACE"])["Namespace"]["Arn"]
    return arn


def _cloudmap_tags_of(aws: LocalAws, arn: str) -> dict[str, str]:
    listed = aws.client("servicediscovery").list_tags_for_resource(ResourceARN=arn)["Tags"]
    return {t["Key"]: t["Value"] for t in listed}


# -- ECS -----------------------------------------------------------------------------------


def test_an_ecs_resource_has_at_most_50_tags(aws: LocalAws) -> None:
    error = refusal(lambda: _cluster(aws, _ecs_tags(51)))
    assert error["Code"] == "InvalidParameterException"
    assert "Maximum number of tags per resource is 50" in error["Message"]
    assert refusal(lambda: _task_definition(aws, _ecs_tags(51)))["Code"] == (
        "InvalidParameterException"
    )

    arn = _cluster(aws, _ecs_tags(50))
    # TagResource counts the tags the resource has: a 51st key is refused...
    error = refusal(lambda: _ecs_tag(aws, arn, [{"key": "one-more", "value": "v"}]))
    assert "would give the resource 51" in error["Message"]
    # ...a new value for a key it has is not.
    _ecs_tag(aws, arn, [{"key": "k0", "value": "changed"}])
    tags = _ecs_tags_of(aws, arn)
    assert len(tags) == 50
    assert tags["k0"] == "changed"


def test_an_ecs_tag_key_is_at_most_128_characters(aws: LocalAws) -> None:
    error = refusal(lambda: _cluster(aws, [{"key": "k" * 129, "value": "v"}]))
    assert error["Code"] == "InvalidParameterException"
    assert "at 'tags.1.member.key'" in error["Message"]
    assert "Member must have length less than or equal to 128" in error["Message"]

    arn = _cluster(aws, [{"key": "k" * 128, "value": "v"}])
    assert list(_ecs_tags_of(aws, arn)) == ["k" * 128]


def test_an_ecs_tag_value_is_at_most_256_characters(aws: LocalAws) -> None:
    tags = [{"key": "team", "value": "api"}, {"key": "owner", "value": "v" * 257}]
    error = refusal(lambda: _task_definition(aws, tags))
    assert error["Code"] == "InvalidParameterException"
    assert "at 'tags.2.member.value'" in error["Message"]
    assert "Member must have length less than or equal to 256" in error["Message"]

    tags[1]["value"] = "v" * 256
    arn = _task_definition(aws, tags)["taskDefinition"]["taskDefinitionArn"]
    assert _ecs_tags_of(aws, arn) == {"team": "api", "owner": "v" * 256}


@pytest.mark.parametrize(
    "tag", [{"key": "team!", "value": "api"}, {"key": "team", "value": "api#1"}]
)
def test_ecs_tags_hold_letters_numbers_spaces_and_a_few_symbols(
    aws: LocalAws, tag: dict[str, str]
) -> None:
    error = refusal(lambda: _cluster(aws, [tag]))
    assert error["Code"] == "InvalidParameterException"
    assert "Member must satisfy regular expression pattern" in error["Message"]

    # Any Unicode letter or number, spaces, and + - = . _ : / @.
    accepted = {"key": "Équipe 1 +-=._:/@", "value": "données 2 +-=._:/@"}
    arn = _cluster(aws, [accepted])
    assert _ecs_tags_of(aws, arn) == {accepted["key"]: accepted["value"]}


@pytest.mark.parametrize(
    "tag",
    [
        {"key": "aws:team", "value": "api"},
        {"key": "AWS:team", "value": "api"},
        {"key": "team", "value": "Aws:api"},
    ],
)
def test_the_aws_prefix_is_reserved_in_ecs_tags(aws: LocalAws, tag: dict[str, str]) -> None:
    arn = _cluster(aws, [])
    error = refusal(lambda: _ecs_tag(aws, arn, [tag]))
    assert error["Code"] == "InvalidParameterException"
    assert "reserved prefix 'aws:'" in error["Message"]

    _ecs_tag(aws, arn, [{"key": "aws-team", "value": "awsome"}])
    assert _ecs_tags_of(aws, arn) == {"aws-team": "awsome"}


# -- Cloud Map -----------------------------------------------------------------------------


def test_a_cloud_map_resource_has_at_most_50_tags(aws: LocalAws) -> None:
    error = refusal(lambda: _namespace_with(aws, _cloudmap_tags(51)))
    assert error["Code"] == "TooManyTagsException"
    assert "can be applied to a resource is 50" in error["Message"]

    arn = _namespace_with(aws, _cloudmap_tags(50))
    sd = aws.client("servicediscovery", max_attempts=1)
    one_more = [{"Key": "one-more", "Value": "v"}]
    error = refusal(lambda: sd.tag_resource(ResourceARN=arn, Tags=one_more))
    assert error["Code"] == "TooManyTagsException"
    sd.tag_resource(ResourceARN=arn, Tags=[{"Key": "k0", "Value": "changed"}])
    tags = _cloudmap_tags_of(aws, arn)
    assert len(tags) == 50
    assert tags["k0"] == "changed"


def test_a_cloud_map_tag_key_is_at_most_128_characters(aws: LocalAws) -> None:
    namespace = http_namespace(aws, "kudos")
    sd = aws.client("servicediscovery", max_attempts=1)

    def create(key: str) -> dict[str, Any]:
        service: dict[str, Any] = sd.create_service(
            Name="api", NamespaceId=namespace["Id"], Tags=[{"Key": key, "Value": "v"}]
        )["Service"]
        return service

    error = refusal(lambda: create("k" * 129))
    assert error["Code"] == "InvalidInput"
    assert "Member must have length less than or equal to 128" in error["Message"]

    service = create("k" * 128)
    assert list(_cloudmap_tags_of(aws, service["Arn"])) == ["k" * 128]


def test_a_cloud_map_tag_value_is_at_most_256_characters(aws: LocalAws) -> None:
    arn = http_namespace(aws, "kudos")["Arn"]
    sd = aws.client("servicediscovery", max_attempts=1)
    tags = [{"Key": "team", "Value": "v" * 257}]
    error = refusal(lambda: sd.tag_resource(ResourceARN=arn, Tags=tags))
    assert error["Code"] == "InvalidInput"
    assert "at 'tags.1.member.value'" in error["Message"]

    tags[0]["Value"] = "v" * 256
    sd.tag_resource(ResourceARN=arn, Tags=tags)
    assert _cloudmap_tags_of(aws, arn) == {"team": "v" * 256}
