"""Strict rules: ec2."""

from __future__ import annotations
