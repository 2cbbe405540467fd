"""What the importer says: the report on stdout and the README written beside the YAML."""

from __future__ import annotations

import textwrap

from .adopt import AwsReport, Finding
from .mapping import Unmapped
from .plan import Plan


def unmapped_table(rows: list[Unmapped]) -> str:
    if not rows:
        return "Everything in the manifests is mapped.\n"
    lines = ["| file | field | why |", "| --- | --- | --- |"]
    lines += [f"| {_cell(r.file)} | `{_cell(r.field)}` | {_cell(r.why)} |" for r in rows]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _objects(plan: Plan) -> list[str]:
    services = ", ".join(f"{s.name} ({s.type})" for s in plan.services) or "none"
    lines = [f"base/: EcsApp {plan.app}; EcsService {services}"]
    lines += [
        f"overlays/{e.name}/: namespace {e.namespace}, EcsEnvironment {e.name} (from {e.file})"
        for e in plan.environments
    ]
    return lines


def _mapped(plan: Plan) -> list[str]:
    return [f"{file}: {', '.join(fields)}" for file, fields in plan.mapped.items() if fields]


def _title(finding: Finding) -> str:
    if finding.svc is None:
        return f"Environment {finding.env}"
    return f"Service {finding.svc} in {finding.env}"


def _finding_lines(finding: Finding) -> list[tuple[str, str, list[str]]]:
    """(label, text, sub-items) lines of one finding: found, wrote, check."""
    lines: list[tuple[str, str, list[str]]] = [("found", line, []) for line in finding.found]
    lines.append(("wrote", finding.file, finding.changes or ["nothing to change"]))
    lines += [("check", note, []) for note in finding.notes]
    return lines


def _wrapper(indent: str, more: str) -> textwrap.TextWrapper:
    # Names and ARNs are never broken (at a hyphen or anywhere else).
    return textwrap.TextWrapper(
        width=100,
        initial_indent=indent,
        subsequent_indent=more,
        break_long_words=False,
        break_on_hyphens=False,
    )


def aws_summary(aws: AwsReport) -> list[str]:
    """The report's section on what --from-aws found and wrote."""
    item = _wrapper("    ", "      ")
    sub = _wrapper("      ", "        ")
    bullets = _wrapper("  - ", "    ")
    lines = [f"Found in AWS ({aws.region}, {aws.calls} read calls):"]
    for finding in aws.findings:
        lines.append(f"  {_title(finding)}:")
        for label, text, items in _finding_lines(finding):
            lines.append(item.fill(f"{label} {text}:" if items else f"{label}: {text}"))
            lines += [sub.fill(entry) for entry in items]
    if not aws.findings:
        lines.append("  nothing of the workspace's environments")
    lines += ["", f"In AWS, not in the workspace ({len(aws.not_in_workspace)}):"]
    lines += [bullets.fill(line) for line in aws.not_in_workspace]
    lines += ["", f"In the workspace, not in AWS ({len(aws.not_in_aws)}):"]
    lines += [bullets.fill(line) for line in aws.not_in_aws]
    return lines


def _aws_markdown(aws: AwsReport) -> str:
    intro = textwrap.fill(
        f"`kopilot import --from-aws` read what Copilot runs in {aws.region} ({aws.calls} read "
        "calls, by Copilot's tags) and wrote its names into the overlays, with `adopt: true` and "
        "`managementPolicy: Observe`: applying changes nothing in AWS. Each object lists on "
        "`status.plannedChanges` what Manage would change; review it, then set "
        "`managementPolicy: Manage` (the EcsEnvironment first).",
        92,
    )
    parts = [f"## Found in AWS\n\n{intro}\n"]
    for finding in aws.findings:
        rows = []
        for label, text, items in _finding_lines(finding):
            if items:
                rows.append(f"- {label} `{text}`:")
                rows += [f"  - `{entry}`" for entry in items]
            else:
                rows.append(f"- {label}: {text}")
        body = "\n".join(rows)
        parts.append(f"### {_title(finding)}\n\n{body}\n")
    for title, rows in (
        ("In AWS, not in the workspace", aws.not_in_workspace),
        ("In the workspace, not in AWS", aws.not_in_aws),
    ):
        listed = "\n".join(f"- {_cell(row)}" for row in rows) or "Nothing."
        parts.append(f"### {title}\n\n{listed}\n")
    return "\n".join(parts)


def summary(plan: Plan, out: str) -> str:
    """The report printed on stdout."""
    wrap = textwrap.TextWrapper(width=100, initial_indent="  ", subsequent_indent="    ")
    bullets = textwrap.TextWrapper(width=100, initial_indent="  - ", subsequent_indent="    ")
    parts = [
        f"kopilot import: app {plan.app}, {len(plan.environments)} environment(s), "
        f"{len(plan.services)} service(s) -> {out}",
        "",
        "Written:",
        *[wrap.fill(line) for line in _objects(plan)],
        "",
        *([*aws_summary(plan.aws), ""] if plan.aws else []),
        "Mapped (Copilot fields):",
        *[wrap.fill(line) for line in _mapped(plan)],
        "",
        "Check before applying:",
        *[bullets.fill(note) for note in plan.notes],
        "",
        f"Not mapped ({len(plan.unmapped)}):",
        unmapped_table(plan.unmapped),
        f"Apply one environment: kubectl apply -k {out}/overlays/<env>   (see {out}/README.md)",
    ]
    return "\n".join(parts) + "\n"


def readme(plan: Plan, files: list[str]) -> str:
    """README.md of the written layout."""
    app = plan.app
    envs = [e.name for e in plan.environments]
    first = envs[0]
    svc = plan.services[0].name if plan.services else "api"
    tree = "\n".join([*files, "README.md"])
    argo = "\n".join(
        textwrap.dedent(
            f"""\
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata:
              name: {app}-{env}
              namespace: argocd
            spec:
              project: default
              source:
                repoURL: https://git.example.com/you/{app}-deploy.git   # where you commit this
                path: overlays/{env}
                targetRevision: main
              destination:
                server: https://kubernetes.default.svc
                namespace: {app}-{env}
            ---"""
        )
        for env in envs
    ).rstrip("-\n")
    notes = "\n".join(f"- {n}" for n in plan.notes)
    mapped = "\n".join(f"- {line}" for line in _mapped(plan))
    if plan.aws:
        takeover = _aws_markdown(plan.aws)
    else:
        takeover = (
            "Applied in the AWS account where Copilot runs the app, kopilot finds Copilot's Cloud "
            "Map\nnamespace, leaves it alone and reports `Ready=False` with reason "
            "`NamespaceNotOwned` on the\nEcsEnvironment; its services wait. Nothing in AWS "
            "changes. To take Copilot's resources over,\nimport again with `--from-aws`: it "
            "finds them by Copilot's tags and writes their names, with\n`adopt: true` and "
            "`managementPolicy: Observe`.\n"
        )
    return f"""\
# {app}, imported from AWS Copilot

Written by `kopilot import` from a Copilot workspace: the application `{app}`, its
environments ({", ".join(envs)}) and services, as kopilot objects (EcsApp, EcsEnvironment,
EcsService). Each Copilot environment is one kustomize overlay and one Kubernetes namespace,
`{app}-<env>`:

```sh
kubectl apply -k overlays/{first}
```

The cluster needs kopilot's CRDs and operator first (`kubectl apply -k deploy/base` from the
kopilot repository, or `kopilot crds | kubectl apply -f -` for the CRDs alone).

## Layout

```
{tree}
```

- `base/` holds the EcsApp and one EcsService per service, from each manifest's top level.
  It is not applied alone: an EcsService needs `spec.environment`, which each overlay sets.
- `overlays/<env>/` holds the environment's namespace, its EcsEnvironment and one patch per
  service: `spec.environment: <env>` and what the manifest's `environments.<env>` changes. A
  patch is a merge patch, as Copilot merges an override: maps merge, lists replace, and
  `null` removes a field the override changes to another shape.
- One namespace per environment keeps Copilot's names: EcsService `{svc}` is `{svc}` in
  `{app}-{first}` and in every other environment's namespace, and each namespace has its own
  EcsApp `{app}`. One Argo CD Application per environment:

```yaml
{argo}
```

## Check before applying

{notes}

{takeover}

## Not mapped

Every manifest field is either mapped or listed here, with what to do.

{unmapped_table(plan.unmapped)}
## Mapped

{mapped}
"""
