"""EcsService.spec.autoscaling: Copilot's count range (`count: {range: 1-10,
cpu_percentage: 70}`) as an Application Auto Scaling target with target tracking policies.

It is a field of its own rather than a second shape of spec.count: a structural CRD schema
types each field once (only integer-or-string may vary), and a typed field keeps `kubectl
explain` and apply-time validation."""

from __future__ import annotations

from pydantic import Field

from .common import Model, Rule, StatusModel

# Amazon ECS quota: tasks per service (also spec.count's bound).
TASKS_MAX = 5000


class Cooldown(Model):
    """Seconds to wait after a scaling activity before the next (Copilot's defaults)."""

    in_: int = Field(
        120, alias="in", description="After a scale-in, before another (seconds).", ge=0, le=86400
    )
    out: int = Field(60, description="After a scale-out, before another (seconds).", ge=0, le=86400)


class Autoscaling(Model):
    """Scale the task count between min and max to hold each metric at its target
    (target tracking). The autoscaler owns the desired count: kopilot sets it when it creates
    the service and never again while autoscaling is set."""

    __rules__ = (
        Rule(
            cel="self.min <= self.max",
            message="autoscaling.min must be at most autoscaling.max",
            check=lambda m: m.min <= m.max,
            field_path=".min",
        ),
    )

    min: int = Field(description="The fewest tasks.", ge=0, le=TASKS_MAX)
    max: int = Field(description="The most tasks.", ge=1, le=TASKS_MAX)
    cpu_percentage: float | None = Field(
        None, description="Average CPU utilisation to hold, in percent.", gt=0, le=100
    )
    memory_percentage: float | None = Field(
        None, description="Average memory utilisation to hold, in percent.", gt=0, le=100
    )
    requests_per_target: int | None = Field(
        None,
        description="Requests per task per minute from the load balancer to hold (needs "
        "spec.http).",
        ge=1,
    )
    response_time: float | None = Field(
        None,
        description="Average target response time to hold, in seconds (needs spec.http).",
        gt=0,
        le=3600,
    )
    cooldown: Cooldown = Field(default_factory=Cooldown, description=Cooldown.__doc__)


class AutoscalingStatus(StatusModel):
    """The Application Auto Scaling target kopilot registered for the service."""

    resource_id: str | None = Field(None, description="service/{cluster}/{service}.")
    min: int | None = Field(None, description="Its minimum capacity.")
    max: int | None = Field(None, description="Its maximum capacity.")
    policies: list[str] | None = Field(None, description="The scaling policies kopilot put.")
    policies_digest: str | None = Field(
        None,
        description="Digest of the policies as last put, so a resync need not read them.",
    )
