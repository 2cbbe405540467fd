"""Strict rules of tags, on every ECS and Cloud Map operation that tags a resource.

ECS (Tag data type): at most 50 tags per resource, keys of 1-128 and values of 0-256 Unicode
characters, letters, numbers, spaces and + - = . _ : / @ only, and no `aws:` prefix in any
case. Cloud Map (Tag data type, TagResource): keys of 1-128 and values of 0-256 characters,
at most 50 tags per resource. botocore checks the minimum lengths, not the maxima.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

from .rules import Request, rule

ECS_API = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference"
CLOUDMAP_API = "https://docs.aws.amazon.com/cloud-map/latest/api"
TESTS = "tests/aws/strict/test_tags.py"
ECS_TAGGING = (
    "ecs:CreateCluster",
    "ecs:CreateService",
    "ecs:RegisterTaskDefinition",
    "ecs:TagResource",
)
CLOUDMAP_TAGGING = (
    "servicediscovery:CreateHttpNamespace",
    "servicediscovery:CreatePrivateDnsNamespace",
    "servicediscovery:CreateService",
    "servicediscovery:TagResource",
)
TAGS_PER_RESOURCE = 50
KEY_MAX = 128
VALUE_MAX = 256
RESERVED_PREFIX = "aws:"
# ECS TagKey / TagValue pattern ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$: letters, separators (spaces),
# numbers and these symbols.
_SYMBOLS = frozenset("_.:/=+-@")


def _tags(request: Request) -> list[tuple[str, str]]:
    """(key, value) of the tags in the request: ECS spells them tags/key/value, Cloud Map
    Tags/Key/Value."""
    ecs = request.call.service == "ecs"
    tags = request.get("tags" if ecs else "Tags") or []
    key, value = ("key", "value") if ecs else ("Key", "Value")
    return [
        (str(tag.get(key) or ""), str(tag.get(value) or ""))
        for tag in tags
        if isinstance(tag, dict)
    ]


def _indexed(request: Request) -> Iterator[tuple[int, str, str]]:
    """(1-based index, key, value), the index as AWS's validation messages count members."""
    for index, (key, value) in enumerate(_tags(request), 1):
        yield index, key, value


def _too_long(index: int, member: str, value: str, limit: int) -> str:
    return (
        f"1 validation error detected: Value '{value}' at 'tags.{index}.member.{member}' failed "
        f"to satisfy constraint: Member must have length less than or equal to {limit}"
    )


def _reserved(text: str) -> bool:
    return text.lower().startswith(RESERVED_PREFIX)


def _existing_ecs_keys(request: Request) -> set[str]:
    """The tag keys the resource of an ECS TagResource has already."""
    if request.call.operation != "TagResource":
        return set()
    try:
        tags = request.ecs.list_tags_for_resource(str(request.get("resourceArn")))
    except Exception:  # an unknown resource is moto's error to report
        return set()
    return {str(tag.get("key")) for tag in tags or []}


def _existing_cloudmap_keys(request: Request) -> set[str]:
    """The tag keys the resource of a Cloud Map TagResource has already."""
    if request.call.operation != "TagResource":
        return set()
    try:
        listed: Any = request.cloudmap.list_tags_for_resource(str(request.get("ResourceARN")))
    except Exception:
        return set()
    return {str(tag.get("Key")) for tag in (listed or {}).get("Tags") or []}


# -- ECS -----------------------------------------------------------------------------------


@rule(
    "ecs.tags-per-resource",
    operations=ECS_TAGGING,
    code="InvalidParameterException",
    summary="An ECS resource has at most 50 tags (TagResource: its tags and the new ones); "
    "`aws:` tags do not count.",
    source=f"{ECS_API}/API_Tag.html",
    test=f"{TESTS}::test_an_ecs_resource_has_at_most_50_tags",
)
def _ecs_tags_per_resource(request: Request) -> str | None:
    keys = _existing_ecs_keys(request) | {key for key, _ in _tags(request)}
    count = sum(1 for key in keys if not _reserved(key))
    if count > TAGS_PER_RESOURCE:
        return (
            f"Maximum number of tags per resource is {TAGS_PER_RESOURCE}; the request would "
            f"give the resource {count}."
        )
    return None


@rule(
    "ecs.tag-key-length",
    operations=ECS_TAGGING,
    code="InvalidParameterException",
    summary="An ECS tag key is at most 128 characters.",
    source=f"{ECS_API}/API_Tag.html#ECS-Type-Tag-key",
    test=f"{TESTS}::test_an_ecs_tag_key_is_at_most_128_characters",
)
def _ecs_tag_key_length(request: Request) -> str | None:
    for index, key, _ in _indexed(request):
        if len(key) > KEY_MAX:
            return _too_long(index, "key", key, KEY_MAX)
    return None


@rule(
    "ecs.tag-value-length",
    operations=ECS_TAGGING,
    code="InvalidParameterException",
    summary="An ECS tag value is at most 256 characters.",
    source=f"{ECS_API}/API_Tag.html#ECS-Type-Tag-value",
    test=f"{TESTS}::test_an_ecs_tag_value_is_at_most_256_characters",
)
def _ecs_tag_value_length(request: Request) -> str | None:
    for index, _, value in _indexed(request):
        if len(value) > VALUE_MAX:
            return _too_long(index, "value", value, VALUE_MAX)
    return None


def _allowed(text: str) -> bool:
    return all(unicodedata.category(char)[0] in "LZN" or char in _SYMBOLS for char in text)


@rule(
    "ecs.tag-characters",
    operations=ECS_TAGGING,
    code="InvalidParameterException",
    summary="ECS tag keys and values hold letters, numbers, spaces and `+ - = . _ : / @` only.",
    source=f"{ECS_API}/API_Tag.html",
    test=f"{TESTS}::test_ecs_tags_hold_letters_numbers_spaces_and_a_few_symbols",
)
def _ecs_tag_characters(request: Request) -> str | None:
    for index, key, value in _indexed(request):
        for member, text in (("key", key), ("value", value)):
            if not _allowed(text):
                return (
                    f"1 validation error detected: Value '{text}' at 'tags.{index}.member."
                    f"{member}' failed to satisfy constraint: Member must satisfy regular "
                    r"expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"
                )
    return None


@rule(
    "ecs.tag-reserved-prefix",
    operations=ECS_TAGGING,
    code="InvalidParameterException",
    summary="No ECS tag key or value begins with `aws:` in any case (reserved for AWS).",
    source=f"{ECS_API}/API_Tag.html",
    test=f"{TESTS}::test_the_aws_prefix_is_reserved_in_ecs_tags",
)
def _ecs_tag_reserved_prefix(request: Request) -> str | None:
    for _, key, value in _indexed(request):
        for member, text in (("key", key), ("value", value)):
            if _reserved(text):
                return (
                    f"Tag {member} '{text}' begins with the reserved prefix 'aws:'; tag keys "
                    "and values starting with aws: are reserved for AWS use."
                )
    return None


# -- Cloud Map -----------------------------------------------------------------------------


@rule(
    "cloudmap.tags-per-resource",
    operations=CLOUDMAP_TAGGING,
    code="TooManyTagsException",
    summary="A Cloud Map resource has at most 50 tags (TagResource: its tags and the new ones).",
    source=f"{CLOUDMAP_API}/API_TagResource.html#API_TagResource_Errors",
    test=f"{TESTS}::test_a_cloud_map_resource_has_at_most_50_tags",
)
def _cloudmap_tags_per_resource(request: Request) -> str | None:
    keys = _existing_cloudmap_keys(request) | {key for key, _ in _tags(request)}
    if len(keys) > TAGS_PER_RESOURCE:
        return (
            "The list of tags on the resource is over the quota. The maximum number of tags "
            f"that can be applied to a resource is {TAGS_PER_RESOURCE}."
        )
    return None


@rule(
    "cloudmap.tag-key-length",
    operations=CLOUDMAP_TAGGING,
    code="InvalidInput",
    summary="A Cloud Map tag key is at most 128 characters.",
    source=f"{CLOUDMAP_API}/API_Tag.html",
    test=f"{TESTS}::test_a_cloud_map_tag_key_is_at_most_128_characters",
)
def _cloudmap_tag_key_length(request: Request) -> str | None:
    for index, key, _ in _indexed(request):
        if len(key) > KEY_MAX:
            return _too_long(index, "key", key, KEY_MAX)
    return None


@rule(
    "cloudmap.tag-value-length",
    operations=CLOUDMAP_TAGGING,
    code="InvalidInput",
    summary="A Cloud Map tag value is at most 256 characters.",
    source=f"{CLOUDMAP_API}/API_Tag.html",
    test=f"{TESTS}::test_a_cloud_map_tag_value_is_at_most_256_characters",
)
def _cloudmap_tag_value_length(request: Request) -> str | None:
    for index, _, value in _indexed(request):
        if len(value) > VALUE_MAX:
            return _too_long(index, "value", value, VALUE_MAX)
    return None
