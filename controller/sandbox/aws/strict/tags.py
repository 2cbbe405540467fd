"""Strict rules: tags."""

from __future__ import annotations
