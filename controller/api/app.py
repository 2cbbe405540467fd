"""EcsApp: a naming and tagging scope for environments and services."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .common import (
    APP_NAME_MAX,
    NAME_PATTERN,
    Condition,
    Model,
    Rule,
    StatusModel,
    Tags,
    conditions_field,
    handled_generation_field,
    tags_field,
)


def tag_keys_rule() -> Rule:
    return Rule(
        # Amazon ECS API Reference, Tag: keys 1-128 and values 0-256 characters; the prefix
        # aws: is reserved "in any upper or lowercase combination".
        cel="!has(self.tags) || self.tags.all(k, size(k) <= 128 && size(self.tags[k]) <= 256 "
        "&& !k.lowerAscii().startsWith('aws:'))",
        message="tag keys must be at most 128 characters and must not start with 'aws:' "
        "(reserved by AWS, in any case); values at most 256 characters",
        check=lambda m: all(
            len(k) <= 128 and len(v) <= 256 and not k.lower().startswith("aws:")
            for k, v in m.tags.items()
        ),
        field_path=".tags",
    )


class EcsAppSpec(Model):
    """An application: the scope its environments and services are named and tagged in."""

    __rules__ = (tag_keys_rule(),)

    name: str | None = Field(
        None,
        description="The application name used in AWS names ({app} in {app}-{env} and "
        "{env}.{app}.local). Defaults to metadata.name.",
        pattern=NAME_PATTERN,
        max_length=APP_NAME_MAX,
    )
    tags: Tags = tags_field("of this application's environments and services")


class Counts(StatusModel):
    """How many of a kind are Ready out of how many exist."""

    ready: int = Field(0, description="How many are Ready.")
    total: int = Field(0, description="How many exist.")
    summary: str = Field("0/0", description="ready/total, for display.")


class EcsAppStatus(StatusModel):
    """What kopilot observed of the application."""

    observed_generation: int | None = Field(None, description="The generation last reconciled.")
    handled_generation: int | None = handled_generation_field()
    conditions: list[Condition] = conditions_field()
    environments: Counts | None = Field(None, description="The application's EcsEnvironments.")
    services: Counts | None = Field(None, description="The application's EcsServices.")


def app_name(spec: EcsAppSpec, meta: dict[str, Any]) -> str:
    return spec.name or str(meta["name"])
