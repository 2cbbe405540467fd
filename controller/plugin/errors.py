"""The one error the plugin reports: a sentence that says what to do."""

from __future__ import annotations


class PluginError(Exception):
    """Printed as `error: <message>`; the command exits 1."""
