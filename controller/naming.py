"""Copilot's naming rules, alias interpolation and ownership tags (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

OWNER_PREFIX = "kopilot.dev/"
TAG_OWNER_UID = "kopilot.dev/owner-uid"
TAG_OWNER_KIND = "kopilot.dev/owner-kind"
TAG_OWNER_NAMESPACE = "kopilot.dev/owner-namespace"
TAG_OWNER_NAME = "kopilot.dev/owner-name"
# The tags Copilot puts on its resources; tools written for Copilot find ours by them.
TAG_APP = "copilot-application"
TAG_ENV = "copilot-environment"
TAG_SVC = "copilot-service"

_VARIABLE = re.compile(r"\$\{(COPILOT_(?:SERVICE|ENVIRONMENT|APPLICATION)_NAME)\}")


@dataclass(frozen=True)
class Names:
    """The AWS-side names of one app / environment / service, as Copilot forms them."""

    app: str
    env: str = ""
    svc: str = ""

    @property
    def cluster(self) -> str:
        return f"{self.app}-{self.env}"

    def namespace(self, legacy: bool = False) -> str:
        """Service Discovery namespace: {env}.{app}.local, or {app}.local before Copilot v1.9."""
        return f"{self.app}.local" if legacy else f"{self.env}.{self.app}.local"

    @property
    def family(self) -> str:
        return f"{self.app}-{self.env}-{self.svc}"

    @property
    def discovery_name(self) -> str:
        """Service Connect discovery name: never the Service Discovery service's own name."""
        return f"{self.svc}-sc"

    @property
    def log_group(self) -> str:
        return f"/copilot/{self.app}-{self.env}-{self.svc}"

    def variables(self, namespace: str) -> dict[str, str]:
        """The COPILOT_* variables every task gets."""
        return {
            "COPILOT_APPLICATION_NAME": self.app,
            "COPILOT_ENVIRONMENT_NAME": self.env,
            "COPILOT_SERVICE_NAME": self.svc,
            "COPILOT_SERVICE_DISCOVERY_ENDPOINT": namespace,
        }

    def interpolate(self, alias: str) -> str:
        """Replace ${COPILOT_SERVICE_NAME} and friends in an alias."""
        values = {
            "COPILOT_SERVICE_NAME": self.svc,
            "COPILOT_ENVIRONMENT_NAME": self.env,
            "COPILOT_APPLICATION_NAME": self.app,
        }
        return _VARIABLE.sub(lambda m: values[m.group(1)], alias)


@dataclass(frozen=True)
class Owner:
    """The custom resource that owns an AWS resource."""

    kind: str
    namespace: str
    name: str
    uid: str

    def tags(self) -> dict[str, str]:
        return {
            TAG_OWNER_KIND: self.kind,
            TAG_OWNER_NAMESPACE: self.namespace,
            TAG_OWNER_NAME: self.name,
            TAG_OWNER_UID: self.uid,
        }

    def owns(self, tags: dict[str, str]) -> bool:
        return tags.get(TAG_OWNER_UID) == self.uid


def owner_of(tags: dict[str, str]) -> str | None:
    """Who owns a resource, from its tags, for messages ("EcsService demo/api")."""
    if TAG_OWNER_UID not in tags:
        return None
    return f"{tags.get(TAG_OWNER_KIND, '?')} {tags.get(TAG_OWNER_NAMESPACE, '?')}/{tags.get(TAG_OWNER_NAME, '?')}"


# ECS tags the Cloud Map services it creates for Service Connect with this (value "true").
TAG_ECS_MANAGED = "AmazonECSManaged"


def holder_of(what: str, tags: dict[str, str]) -> str:
    """`what` and who holds it, for messages: "api (EcsService demo/api)"."""
    owner = owner_of(tags)
    if owner:
        return f"{what} ({owner})"
    if tags.get(TAG_ECS_MANAGED) == "true":
        return f"{what} (made by ECS for the Service Connect endpoint of an ECS service)"
    return f"{what} (not made by kopilot)"


def resource_tags(owner: Owner, names: Names, *user_tags: dict[str, str]) -> dict[str, str]:
    """Tags for a resource: user tags (app, then env, then service win in that order), then
    Copilot's tags and kopilot's ownership tags, which no user tag may override."""
    tags: dict[str, str] = {}
    for layer in user_tags:
        tags.update(layer)
    tags[TAG_APP] = names.app
    if names.env:
        tags[TAG_ENV] = names.env
    if names.svc:
        tags[TAG_SVC] = names.svc
    tags.update(owner.tags())
    return tags


# Amazon ECS API Reference, Tag: at most 50 tags per resource (Cloud Map allows the same).
MAX_TAGS = 50


def client_token(uid: str, salt: str = "") -> str:
    """An idempotency token (ECS clientToken: at most 36 ASCII characters)."""
    import hashlib

    return hashlib.sha256(f"{uid}/{salt}".encode()).hexdigest()[:32]


def to_aws_tags(
    tags: dict[str, str], key: str = "key", value: str = "value"
) -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in sorted(tags.items())]


def from_aws_tags(tags: list[dict[str, str]] | None) -> dict[str, str]:
    result: dict[str, str] = {}
    for tag in tags or []:
        k = tag.get("key", tag.get("Key"))
        v = tag.get("value", tag.get("Value", ""))
        if k is not None:
            result[k] = v
    return result
