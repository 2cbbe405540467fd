"""Moving from AWS Copilot to kopilot: `kopilot import` reads a Copilot workspace and writes
kopilot objects as a kustomize base with one overlay per environment.

workspace.py reads the files and copilot.py knows how Copilot reads them (YAML, overrides,
interpolation); services.py and environments.py map one manifest, with mapping.py's
`Unmapped` and check against kopilot's models; plan.py maps a whole workspace; layout.py and
report.py write and tell; command.py is the `kopilot import` command. With `--from-aws`,
discover.py finds what Copilot runs by its tags (AWS reads) and adopt.py turns it into spec
changes (pure), which plan.py writes into the overlays.
"""

from .mapping import Unmapped
from .plan import Options, Plan, plan_import
from .workspace import Workspace, WorkspaceError, read_workspace

__all__ = [
    "Options",
    "Plan",
    "Unmapped",
    "Workspace",
    "WorkspaceError",
    "plan_import",
    "read_workspace",
]
