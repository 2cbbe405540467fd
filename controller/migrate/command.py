"""`kopilot import`: read a Copilot workspace, write kopilot YAML, report.

Exit codes: 0 written; 1 written, but --strict and something is not mapped; 2 unusable input
(no workspace, bad YAML, an unknown type, no Region) or an output directory in the way.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

from .layout import LayoutError, write_layout
from .plan import Options, plan_import
from .report import summary
from .workspace import WorkspaceError, read_workspace

EXIT_OK = 0
EXIT_UNMAPPED = 1
EXIT_INPUT = 2


def default_region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


def run_import(
    workspace: Path,
    out: Path,
    region: str | None,
    legacy_namespace: list[str],
    strict: bool,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    region = region or default_region()
    if not region:
        print(
            "error: give --region: EcsEnvironment needs one, Copilot's manifests do not hold "
            "it, and neither AWS_REGION nor AWS_DEFAULT_REGION is set",
            file=stderr,
        )
        return EXIT_INPUT
    legacy = frozenset(name.strip() for item in legacy_namespace for name in item.split(","))
    try:
        plan = plan_import(
            read_workspace(workspace), Options(region=region, legacy_namespace=legacy - {""})
        )
        write_layout(plan, out)
    except (WorkspaceError, LayoutError) as err:
        print(f"error: {err}", file=stderr)
        return EXIT_INPUT
    stdout.write(summary(plan, str(out)))
    if strict and plan.unmapped:
        print(
            f"--strict: {len(plan.unmapped)} manifest field(s) are not mapped (the files are "
            "written)",
            file=stderr,
        )
        return EXIT_UNMAPPED
    return EXIT_OK
