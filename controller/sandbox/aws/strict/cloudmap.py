"""Strict rules: cloudmap."""

from __future__ import annotations
