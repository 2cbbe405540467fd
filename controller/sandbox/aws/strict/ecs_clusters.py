"""Strict rules: ecs_clusters."""

from __future__ import annotations
