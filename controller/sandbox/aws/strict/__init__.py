"""Strict mode: the validation rules of the AWS API references, enforced before moto.

moto accepts many requests that AWS refuses. Each rule here is one documented refusal: the
operations it applies to, AWS's error code, the page it comes from and the test that proves
it. `check` runs the rules of a call in the order they were declared and answers the first
refusal, which the middleware sends in AWS's error shape; a refused request changes nothing.

The rules live by service in the modules below; importing this package registers them all.
`docs/local-aws.md` lists them (`kopilot aws rules --write` regenerates it).
"""

from __future__ import annotations

from . import (
    application_autoscaling,
    cloudmap,
    ec2,
    ecs_clusters,
    ecs_services,
    ecs_task_definitions,
    ecs_tasks,
    elbv2,
    logs,
    tags,
)
from .rules import RULES, Refusal, Request, Rule, check, rules_markdown, validate

__all__ = [
    "RULES",
    "Refusal",
    "Request",
    "Rule",
    "application_autoscaling",
    "check",
    "cloudmap",
    "ec2",
    "ecs_clusters",
    "ecs_services",
    "ecs_task_definitions",
    "ecs_tasks",
    "elbv2",
    "logs",
    "rules_markdown",
    "tags",
    "validate",
]
