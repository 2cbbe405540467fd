"""`kopilot import`: read a Copilot workspace (and, with --from-aws, what runs in AWS),
write kopilot YAML, report.

Exit codes: 0 written; 1 written, but --strict and something is not mapped; 2 unusable input
(no workspace, bad YAML, an unknown type, no Region), an output directory in the way, or
AWS that cannot be read (--from-aws).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TextIO

from ..api.common import ROLE_ARN_PATTERN
from .discover import AwsReadError, Found, discover
from .layout import LayoutError, check_out, write_layout
from .plan import Options, check_inputs, plan_import
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
    from_aws: bool = False,
    role_arn: str | None = None,
) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if role_arn and not from_aws:
        print("error: --role-arn is for --from-aws (the files need no AWS)", file=stderr)
        return EXIT_INPUT
    if role_arn and not re.fullmatch(ROLE_ARN_PATTERN, role_arn):
        print(f"error: --role-arn {role_arn!r} is not an IAM role ARN", file=stderr)
        return EXIT_INPUT
    region = region or default_region()
    if not region:
        print(
            "error: give --region: EcsEnvironment needs one, Copilot's manifests do not hold "
            "it, and neither AWS_REGION nor AWS_DEFAULT_REGION is set",
            file=stderr,
        )
        return EXIT_INPUT
    legacy = frozenset(name.strip() for item in legacy_namespace for name in item.split(","))
    options = Options(region=region, legacy_namespace=legacy - {""})
    try:
        ws = read_workspace(workspace)
        check_inputs(ws, options)
        check_out(out)
        found: Found | None = None
        if from_aws:
            print(
                f"Reading what Copilot runs for {ws.app} in {region}"
                + (f" as {role_arn}" if role_arn else "")
                + " ...",
                file=stderr,
            )
            found = discover(ws.app, [e.name for e in ws.environments], region, role_arn)
        plan = plan_import(ws, options, found)
        write_layout(plan, out)
    except (WorkspaceError, LayoutError) as err:
        print(f"error: {err}", file=stderr)
        return EXIT_INPUT
    except AwsReadError as err:
        print(
            f"error: --from-aws: {err} (nothing was written; see docs/migrate-from-copilot.md "
            "for the IAM permissions)",
            file=stderr,
        )
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
