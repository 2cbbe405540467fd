"""A service's routing from its environment's load balancer: its target group (ip targets)
and its rule on the listener. Each is a client of reconcile.lifecycle.

A resync pass reads neither on its own: the environment's resync lists its load balancer's
target groups and its listener's rules once (Known.target_groups, Known.rules), and each
service compares with that."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from ...api.service import EcsServiceStatus, HttpStatus
from ...aws import elbv2
from ...observe.service_http import rule_conditions, rule_delta, target_group_delta
from ...render.service_http import (
    RuleWant,
    TargetGroupWant,
    conditions_request,
    create_target_group_request,
    forward,
    free_priority,
    health_check_shape,
    target_group_attributes,
)
from ..engine import Context
from ..errors import Retryable, Waiting
from ..lifecycle import Seen
from .load_balancer import ELB_TERMINAL_CODES

SvcContext = Context[EcsServiceStatus]
Described = dict[str, Any]

# One allocation of rule priorities at a time per listener in this process: two services
# applied together never pick the same free priority.
_PRIORITY_LOCKS: dict[str, threading.Lock] = {}
_PRIORITY_GUARD = threading.Lock()


def _priority_lock(listener_arn: str) -> threading.Lock:
    with _PRIORITY_GUARD:
        return _PRIORITY_LOCKS.setdefault(listener_arn, threading.Lock())


def _keep(**fields: Any) -> EcsServiceStatus:
    return EcsServiceStatus(http=HttpStatus(**fields))


class _Client:
    terminal_codes = ELB_TERMINAL_CODES | {"TooManyRules", "TooManyTargetGroups"}
    idempotent_create = False
    trusts_recorded = True

    def __init__(self, ctx: SvcContext, client: Any) -> None:
        self._ctx = ctx
        self._aws = client

    @property
    def _recorded(self) -> HttpStatus:
        return self._ctx.status.http or HttpStatus()


class TargetGroupResource(_Client):
    noun = "target group"
    reason = "TargetGroup"
    not_owned_reason = "TargetGroupNotOwned"
    rename_hint = "set another spec.name"

    def __init__(self, ctx: SvcContext, client: Any) -> None:
        super().__init__(ctx, client)
        self._attributes: dict[str, str] | None = None

    def recorded(self) -> bool:
        return bool(self._recorded.target_group_arn)

    def name_of(self, want: TargetGroupWant) -> str:
        return want.name

    def observe(self, want: TargetGroupWant) -> Seen[Described] | None:
        arn = self._recorded.target_group_arn
        listed = self._ctx.known.target_groups
        if arn and listed is not None:
            found = listed.get(arn)  # from the environment's batched read: no call
            return None if found is None else Seen(found["TargetGroupName"], found)
        found = (
            elbv2.describe_target_group(self._aws, arn=arn)
            if arn
            else elbv2.describe_target_group(self._aws, name=want.name)
        )
        if found is None:
            return None
        self._attributes = elbv2.target_group_attributes_of(self._aws, found["TargetGroupArn"])
        tags = elbv2.tags_of(self._aws, found["TargetGroupArn"])
        return Seen(found["TargetGroupName"], found, tags)

    def diff(self, want: TargetGroupWant, seen: Seen[Described]) -> dict[str, Any]:
        return target_group_delta(want, seen.facts, self._attributes)

    def create(self, want: TargetGroupWant) -> Seen[Described]:
        created = elbv2.create_target_group(self._aws, create_target_group_request(want))
        arn = created["TargetGroupArn"]
        self._ctx.save(_keep(target_group_arn=arn))
        elbv2.set_target_group_attributes(self._aws, arn, target_group_attributes(want))
        return Seen(want.name, created, dict(want.tags), created=True)

    def update(self, want: TargetGroupWant, seen: Seen[Described]) -> Seen[Described]:
        arn = seen.facts["TargetGroupArn"]
        checks = {k: v for k, v in seen.delta.items() if not k.startswith("attributes.")}
        if checks:
            elbv2.modify_target_group(
                self._aws, {"TargetGroupArn": arn, **health_check_shape(want)}
            )
        attributes = {
            k.split(".", 1)[1]: v for k, v in seen.delta.items() if k.startswith("attributes.")
        }
        if attributes:
            elbv2.set_target_group_attributes(self._aws, arn, attributes)
        return seen

    def tag(self, seen: Seen[Described], tags: Mapping[str, str]) -> None:
        elbv2.tag(self._aws, seen.facts["TargetGroupArn"], dict(tags))

    def read_tags(self, seen: Seen[Described]) -> Mapping[str, str]:
        return seen.tags or elbv2.tags_of(self._aws, seen.facts["TargetGroupArn"])

    def forget(self) -> None:
        self._ctx.save(_keep(target_group_arn=None))

    def keep(self, seen: Seen[Described]) -> EcsServiceStatus:
        return _keep(target_group_arn=seen.facts["TargetGroupArn"])

    def created_event(self, seen: Seen[Described]) -> tuple[str, str]:
        return "CreatedTargetGroup", f"created target group {seen.name}"

    def delete(self, seen: Seen[Described]) -> None:
        try:
            elbv2.delete_target_group(self._aws, seen.facts["TargetGroupArn"])
        except self._aws.exceptions.ResourceInUseException as err:
            raise Waiting(
                "DeletingTargetGroup",
                f"target group {seen.name} is still in use (its rule or the ECS service)",
                delay=5.0,
            ) from err
        self._ctx.save(_keep(target_group_arn=None))


class ListenerRuleResource(_Client):
    noun = "listener rule"
    reason = "ListenerRule"
    not_owned_reason = "PathTaken"
    rename_hint = "route another spec.http.path or alias"

    def __init__(self, ctx: SvcContext, client: Any, listener_arn: str) -> None:
        super().__init__(ctx, client)
        self._listener = listener_arn

    def recorded(self) -> bool:
        return bool(self._recorded.rule_arn)

    def name_of(self, want: RuleWant) -> str:
        return _conditions_name(want.conditions)

    def observe(self, want: RuleWant) -> Seen[Described] | None:
        arn = self._recorded.rule_arn
        listed = self._ctx.known.rules
        if arn and listed is not None:
            found = listed.get(arn)
            return None if found is None else Seen(_rule_name(found), found)
        if arn:
            found = elbv2.describe_rule(self._aws, arn)
            if found is None:
                return None
            return Seen(_rule_name(found), found, elbv2.tags_of(self._aws, arn))
        # Not made by this object yet: a rule of the same conditions belongs to someone.
        for rule in elbv2.rules_of(self._aws, want.listener_arn):
            if not rule.get("IsDefault") and rule_conditions(rule) == want.conditions:
                tags = elbv2.tags_of(self._aws, rule["RuleArn"])
                return Seen(self.name_of(want), rule, tags)
        return None

    def diff(self, want: RuleWant, seen: Seen[Described]) -> dict[str, Any]:
        return rule_delta(want, seen.facts)

    def create(self, want: RuleWant) -> Seen[Described]:
        with _priority_lock(want.listener_arn):
            taken = {
                int(rule["Priority"])
                for rule in elbv2.rules_of(self._aws, want.listener_arn)
                if str(rule.get("Priority", "")).isdigit()
            }
            priority = free_priority(want.band, taken)
            try:
                created = elbv2.create_rule(
                    self._aws,
                    {
                        "ListenerArn": want.listener_arn,
                        "Priority": priority,
                        "Conditions": conditions_request(want.conditions),
                        "Actions": forward(want.target_group_arn),
                        "Tags": [{"Key": k, "Value": v} for k, v in want.tags.items()],
                    },
                )
            except self._aws.exceptions.PriorityInUseException as err:
                # Taken meanwhile by another writer (another operator shard): next pass.
                raise Retryable(
                    "PriorityInUse", f"rule priority {priority} was taken meanwhile"
                ) from err
        return Seen(self.name_of(want), created, dict(want.tags), created=True)

    def update(self, want: RuleWant, seen: Seen[Described]) -> Seen[Described]:
        modified = elbv2.modify_rule(
            self._aws,
            {
                "RuleArn": seen.facts["RuleArn"],
                "Conditions": conditions_request(want.conditions),
                "Actions": forward(want.target_group_arn),
            },
        )
        return Seen(seen.name, modified, seen.tags)

    def tag(self, seen: Seen[Described], tags: Mapping[str, str]) -> None:
        elbv2.tag(self._aws, seen.facts["RuleArn"], dict(tags))

    def read_tags(self, seen: Seen[Described]) -> Mapping[str, str]:
        return seen.tags or elbv2.tags_of(self._aws, seen.facts["RuleArn"])

    def forget(self) -> None:
        self._ctx.save(_keep(rule_arn=None, rule_priority=None))

    def keep(self, seen: Seen[Described]) -> EcsServiceStatus:
        priority = str(seen.facts.get("Priority", ""))
        return _keep(
            rule_arn=seen.facts["RuleArn"],
            rule_priority=int(priority) if priority.isdigit() else None,
            listener_arn=self._listener,
        )

    def created_event(self, seen: Seen[Described]) -> tuple[str, str]:
        return (
            "CreatedListenerRule",
            f"routed {seen.name} at priority {seen.facts.get('Priority')}",
        )

    def delete(self, seen: Seen[Described]) -> None:
        elbv2.delete_rule(self._aws, seen.facts["RuleArn"])
        self._ctx.save(_keep(rule_arn=None, rule_priority=None, listener_arn=None))


def _conditions_name(conditions: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    return " ".join(f"{name}={','.join(values)}" for name, values in conditions)


def _rule_name(described: Described) -> str:
    """A rule as a person reads it: what it routes, as ELB holds it now."""
    return _conditions_name(rule_conditions(described))
