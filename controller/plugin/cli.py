"""`kubectl kopilot` (the console script kubectl-kopilot, found by kubectl's plugin discovery).

kubectl kopilot status SVC        Ready, rollout, tasks, endpoints, recent ECS events
kubectl kopilot show SVC          task definition, Service Connect, Service Discovery
kubectl kopilot logs SVC [--follow] [--since 10m] [--task ID]
kubectl kopilot svc ls | env ls   the namespace's services or environments
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from . import commands, tables
from .errors import PluginError
from .kube import connect

EPILOG = """\
examples:
  kubectl kopilot status api               like `copilot svc status`
  kubectl kopilot logs api --follow --since 10m
  kubectl kopilot svc ls -n demo -o json

Objects come from the current kubeconfig context (--kubeconfig, --context, -n); AWS
credentials from the usual chain, assuming the environment's spec.roleArn when it has one.
"""


def _common(parser: argparse.ArgumentParser, default: Any) -> None:
    """Flags every command takes, before or after its name (kubectl's habit). Subcommands
    default to SUPPRESS so that a flag given before the command is not reset."""
    parser.add_argument("--kubeconfig", default=default, help="kubeconfig file")
    parser.add_argument("--context", default=default, help="kubeconfig context")
    parser.add_argument(
        "-n", "--namespace", default=default, help="namespace (default: the context's)"
    )
    parser.add_argument(
        "-o", "--output", choices=["text", "json"], default=default, help="text (default) or json"
    )


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="kubectl kopilot",
        description="Day-2 views of kopilot's EcsServices and EcsEnvironments.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(main, None)
    sub = main.add_subparsers(dest="command", required=True)
    flags = argparse.ArgumentParser(add_help=False)
    _common(flags, argparse.SUPPRESS)

    for name, text in (
        ("status", "Ready, rollout, tasks, endpoints and recent ECS events of a service"),
        ("show", "the resolved configuration of a service"),
    ):
        command = sub.add_parser(name, help=text, description=text, parents=[flags])
        command.add_argument("service", help="EcsService name")
    logs = sub.add_parser(
        "logs",
        help="CloudWatch Logs of a service",
        description="CloudWatch Logs of a service's log group, by time, the task id in front.",
        parents=[flags],
    )
    logs.add_argument("service", help="EcsService name")
    logs.add_argument("-f", "--follow", action="store_true", help="poll every 2 s until Ctrl-C")
    logs.add_argument("--since", help="only newer events: 30s, 10m, 2h, 1h30m")
    logs.add_argument("--task", help="one task's events (its id, or the start of it)")
    for noun, kinds in (("svc", "EcsServices"), ("env", "EcsEnvironments")):
        group = sub.add_parser(noun, help=f"{kinds} of the namespace", parents=[flags])
        verbs = group.add_subparsers(dest="verb", required=True)
        verbs.add_parser("ls", help=f"list the namespace's {kinds}", parents=[flags])
    return main


def _dump(doc: Any, out: TextIO) -> None:
    out.write(json.dumps(doc, indent=2, default=str) + "\n")


def _logs(ctx: commands.Context, args: argparse.Namespace, out: TextIO) -> int:
    start = commands.since_ms(args.since)
    source = commands.log_source(ctx, args.service, args.task)
    as_json = args.output == "json"

    def emit(line: dict[str, Any]) -> None:
        out.write((json.dumps(line) if as_json else tables.log_line(line)) + "\n")
        out.flush()

    if args.follow:

        def waiting(group: str) -> None:
            print(
                f"log group {group} does not exist yet; waiting for it (Ctrl-C to stop)",
                file=sys.stderr,
                flush=True,
            )

        try:
            for line in commands.follow(source, start, waiting):
                emit(line)
        except KeyboardInterrupt:
            pass  # Ctrl-C is how --follow ends
        return 0
    exists = source.reads.group_exists(source.group)
    if not exists:
        print(
            f"log group {source.group} does not exist yet: no task of {args.service} has "
            "logged (--follow waits for it)",
            file=sys.stderr,
        )
    lines = [commands.log_line(event) for event in source.events(start)] if exists else []
    if as_json:  # one document; --follow writes a JSON object per line instead
        _dump({"logGroup": source.group, "exists": exists, "events": lines}, out)
    else:
        for line in lines:
            emit(line)
    return 0


def run(
    argv: Sequence[str] | None = None,
    *,
    endpoint: str | None = None,
    session: Any = None,
    out: TextIO | None = None,
) -> int:
    """The plugin; `endpoint` and `session` let a caller in-process (the sandbox's demo) point
    it at an AWS emulator without changing the environment."""
    args = parser().parse_args(argv)
    out = out or sys.stdout
    try:
        kube = connect(args.kubeconfig, args.context, args.namespace)
        ctx = commands.Context(kube, endpoint=endpoint, session=session)
        if args.command == "logs":
            return _logs(ctx, args, out)
        doc: Any
        render: Callable[[Any], str]
        if args.command == "status":
            doc, render = commands.status(ctx, args.service), tables.status
        elif args.command == "show":
            doc, render = commands.show(ctx, args.service), tables.show
        elif args.command == "svc":
            doc, render = commands.services(ctx), tables.services
        else:
            doc, render = commands.environments(ctx), tables.environments
        if args.output == "json":
            _dump(doc, out)
        elif isinstance(doc, list) and not doc:
            noun = "EcsServices" if args.command == "svc" else "EcsEnvironments"
            print(f"No {noun} in namespace {kube.namespace}.", file=sys.stderr)
        else:
            out.write(render(doc) + "\n")
    except PluginError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def main() -> None:
    try:
        code = run()
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:  # `| head` closed the pipe: nothing left to say
        code = 0
    sys.exit(code)
