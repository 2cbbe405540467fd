"""Pieces shared by the three kinds: model base, cross-field rules, conditions, names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

GROUP = "kopilot.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"

# A DNS label: the names end up in Cloud Map DNS names ({svc}.{env}.{app}.local), so every
# one of them must be a valid label (RFC 1123, lower case, at most 63 characters).
NAME_PATTERN = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"
APP_NAME_MAX = 63
ENV_NAME_MAX = 63
# The Service Connect discovery name is "{svc}-sc", itself a DNS label of at most 63.
SERVICE_NAME_MAX = 60

ROLE_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$"
REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9]+$"

DeletionPolicy = Literal["Delete", "Retain"]
ManagementPolicy = Literal["Manage", "Observe"]
# Amazon ECS API Reference, CreateService.serviceName: up to 255 letters (upper and
# lowercase), numbers, underscores and hyphens.
ECS_SERVICE_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,255}$"


def management_policy_field(what: str) -> Any:
    return Field(
        "Manage",
        description=f"Manage: kopilot creates, updates, tags and deletes {what}. Observe: it "
        "only reads them (adopted ones included) and lists on status.plannedChanges what "
        "Manage would change; nothing in AWS is created, changed, tagged or deleted (a "
        "deletion leaves AWS as with deletionPolicy Retain). For taking over running "
        "resources: review the plan, then switch to Manage.",
    )


def handled_generation_field() -> Any:
    return Field(
        None,
        description="The generation whose handling ended (done, or stopped on a terminal "
        "error), where observedGeneration is also set by passes that look again later.",
    )


def planned_changes_field() -> Any:
    return Field(
        None,
        description="With managementPolicy Observe: what Manage would do, one line per AWS "
        "resource and change (an adoption and kopilot's ownership tags included); not set "
        "under Manage.",
    )


class Rule(NamedTuple):
    """A cross-field rule, enforced twice from one definition.

    `cel` goes into the CRD (`x-kubernetes-validations`) so the apiserver refuses bad input
    at `kubectl apply`; `check` runs when the operator parses a spec, so the same input is
    refused the same way even where the CRD was not installed from this version.
    """

    cel: str
    message: str
    check: Callable[[Any], bool]
    field_path: str | None = None


def immutable_rule(field: str, why: str) -> Rule:
    """`field` may not change once the object exists (a CEL transition rule: the apiserver
    compares it with the stored object). A change would point the resource at other AWS
    names and leave what it made behind; the operator refuses it too, from what status
    recorded (the apiserver alone knows the old spec, so `check` passes here)."""
    cel = (
        f"has(self.{field}) == has(oldSelf.{field}) && "
        f"(!has(self.{field}) || self.{field} == oldSelf.{field})"
    )
    message = f"{field} cannot change: {why}; delete this resource and create a new one"
    return Rule(cel=cel, message=message, check=lambda m: True, field_path=f".{field}")


def _schema_extra(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    schema.pop("title", None)
    properties = schema.get("properties", {})
    for prop in properties.values():
        prop.pop("title", None)
    # pydantic leaves defaults made by a factory out of the schema; the apiserver should
    # apply them as Python does, so nested defaults show in `kubectl get -o yaml` and CEL
    # rules can rely on the field being there.
    for name, field in cls.model_fields.items():
        key = field.alias or name
        if field.default_factory is not None and key in properties:
            value = field.get_default(call_default_factory=True, validated_data={})
            # A nested model defaults to {}: the apiserver then applies its own defaults.
            properties[key]["default"] = {} if isinstance(value, BaseModel) else value
    rules: tuple[Rule, ...] = getattr(cls, "__rules__", ())
    if rules:
        schema["x-kubernetes-validations"] = [
            {"rule": r.cel, "message": r.message}
            | ({"fieldPath": r.field_path} if r.field_path else {})
            for r in rules
        ]


class Model(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown fields refused."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        json_schema_extra=_schema_extra,
    )
    __rules__: ClassVar[tuple[Rule, ...]] = ()

    @model_validator(mode="after")
    def _check_rules(self) -> Model:
        for rule in type(self).__rules__:
            if not rule.check(self):
                where = f"{rule.field_path.lstrip('.')}: " if rule.field_path else ""
                raise ValueError(f"{where}{rule.message}")
        return self

    def to_wire(self) -> dict[str, Any]:
        """The spec or status as Kubernetes stores it: camelCase, unset fields left out."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class StatusModel(Model):
    """Status as stored: fields an older or newer kopilot wrote are ignored when read."""

    model_config = ConfigDict(**{**Model.model_config, "extra": "ignore"})


class Condition(StatusModel):
    """The state of one aspect of the resource, as Kubernetes conditions go."""

    type: str = Field(description="Condition type: Ready or Synced.")
    status: Literal["True", "False", "Unknown"] = Field(description="True, False or Unknown.")
    reason: str = Field("", description="One CamelCase word a program can match on.")
    message: str = Field("", description="What happened and, when it failed, what to do.")
    observed_generation: int | None = Field(
        None, description="The metadata.generation this condition was computed for."
    )
    last_transition_time: str | None = Field(
        None,
        description="When status last changed (RFC 3339).",
        json_schema_extra={"format": "date-time"},
    )


def conditions_field() -> Any:
    return Field(
        default_factory=list,
        description="Ready (the AWS side matches the spec and is serving) and Synced (the last "
        "reconcile succeeded).",
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )


Tags = dict[str, str]


def tags_field(what: str) -> Any:
    return Field(
        default_factory=dict,
        description=f"AWS tags added to every AWS resource {what}. kopilot adds its own "
        "ownership tags (kopilot.dev/*, copilot-application, copilot-environment, "
        "copilot-service) beside them.",
        max_length=40,
    )
