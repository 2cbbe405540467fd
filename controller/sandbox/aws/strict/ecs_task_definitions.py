"""Strict rules: ecs_task_definitions."""

from __future__ import annotations
