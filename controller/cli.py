"""The `kopilot` command."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Sequence

from . import __version__

DESCRIPTION = """\
kopilot: AWS Copilot's model of apps, environments and connected services on Amazon ECS,
as Kubernetes custom resources (EcsApp, EcsEnvironment, EcsService).
"""

EPILOG = """\
examples:
  kopilot sandbox demo                  the kudos app on a local control plane and local AWS
  kopilot sandbox run -f app.yaml --wait -o json   check a configuration without AWS
  kopilot run -n apps --health 0.0.0.0:8080   run the operator for namespace "apps"
  kopilot crds | kubectl apply -f -   install the CRDs in the current cluster
  kopilot import ~/src/kudos --out kudos-deploy   AWS Copilot workspace -> kopilot YAML
  kopilot controlplane build     build and cache kube-apiserver and etcd (once)
  kopilot controlplane up        run a local control plane until Ctrl-C
"""


def _cmd_version(_: argparse.Namespace) -> int:
    from .sandbox.controlplane import ETCD_VERSION, KUBERNETES_VERSION

    print(
        f"kopilot {__version__} (local control plane: kubernetes {KUBERNETES_VERSION}, etcd {ETCD_VERSION})"
    )
    return 0


def _cmd_crds(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .api import api_markdown, crd_filename, crd_yaml
    from .api.crd import ALL_KINDS, kustomization_yaml

    if not args.write:
        print("---\n".join(crd_yaml(kind) for kind in ALL_KINDS), end="")
        return 0
    root = Path(args.dir)
    # The Helm chart carries the same files: Helm installs CRDs only from its own crds/.
    crd_dirs = (root / "crds", root / "deploy" / "helm" / "kopilot" / "crds")
    for folder in (*crd_dirs, root / "docs"):
        folder.mkdir(parents=True, exist_ok=True)
    for kind in ALL_KINDS:
        for folder in crd_dirs:
            path = folder / crd_filename(kind)
            path.write_text(crd_yaml(kind))
            print(f"wrote {path}")
    (root / "crds" / "Kustomization").write_text(kustomization_yaml())
    (root / "docs" / "api.md").write_text(api_markdown())
    print(f"wrote {root / 'docs' / 'api.md'}")
    return 0


def _cmd_sandbox(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .sandbox import commands
    from .sandbox.controlplane import ControlPlaneBinariesError

    try:
        if args.action == "demo":
            return commands.demo(keep=args.keep, timeout=args.timeout)
        if args.action == "run":
            return commands.run([Path(f) for f in args.file], args.wait, args.timeout, args.output)
        if args.action == "up":
            return commands.up()
        if args.action == "serve":
            return commands.serve(Path(args.state))
        return commands.down()
    except ControlPlaneBinariesError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def _cmd_aws_up(args: argparse.Namespace) -> int:
    from .sandbox.aws import main as aws_main

    options = list(args.options)
    if options[:1] == ["--"]:
        options = options[1:]
    return aws_main(options)


def _cmd_aws_rules(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .sandbox.aws.strict import rules_markdown
    from .sandbox.aws.strict.docs import PAGE, with_rules_table

    if not args.write:
        print(rules_markdown(), end="")
        return 0
    path = Path(args.dir) / PAGE
    path.write_text(with_rules_table(path.read_text()))
    print(f"wrote {path}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from .operator import OperatorConfig, run
    from .reconcile.convergence import Timing

    run(
        OperatorConfig(
            namespaces=tuple(args.namespace or ()),
            timing=Timing(
                resync_seconds=args.resync_seconds,
                resync_jitter=args.resync_jitter,
                app_status_seconds=args.app_status_seconds,
            ),
            kubeconfig=args.kubeconfig,
            log_format=args.log_format,
            verbose=args.verbose,
            health=args.health,
            metrics=args.metrics,
            tenancy=args.tenancy,
            selector=args.selector,
            leader_elect=args.leader_elect,
            lease_namespace=args.lease_namespace,
            max_concurrent_objects=args.max_concurrent_objects or None,
        )
    )
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .migrate.command import run_import

    return run_import(
        Path(args.workspace),
        Path(args.out),
        args.region,
        args.legacy_namespace or [],
        args.strict,
        from_aws=args.from_aws,
        role_arn=args.role_arn,
    )


IMPORT_DESCRIPTION = """\
Read an AWS Copilot workspace and write its app as kopilot objects: a kustomize base and one
overlay per Copilot environment, each in its own Kubernetes namespace <app>-<env>.

Reads copilot/.workspace (the application), copilot/<svc>/manifest.yml of type Load Balanced
Web Service, Backend Service or Worker Service (other types are reported as not mapped) and
copilot/environments/<env>/manifest.yml. Writes (OUT must be new or empty):

  base/                     EcsApp <app>; services/<svc>.yaml: an EcsService per service,
                            from the manifest's top level
  overlays/<env>/           namespace.yaml, environment.yaml (the EcsEnvironment) and
                            services/<svc>.yaml: patches setting spec.environment and the
                            manifest's environments.<env> overrides
  README.md                 how to apply it, what to check, what was not mapped

Every manifest field is mapped or reported as not mapped (file, field, why and what to do);
values kopilot's API refuses are reported with its message. The report goes to stdout.
Details and the full mapping table: docs/migrate-from-copilot.md.

--from-aws also reads (never changes) what Copilot runs in the Region, found by Copilot's
tags: each environment's ECS cluster and Cloud Map namespace, each service's ECS service, its
Service Connect and Service Discovery, task definition roles and network. Their names go into
the overlays with adopt: true and managementPolicy: Observe, so kopilot takes them over
without recreating a service or changing an endpoint; what AWS and the workspace do not both
have is reported. Credentials: boto3's default chain, or --role-arn.

exit codes: 0 written; 1 written, but --strict and something is not mapped; 2 unusable
input (no workspace, bad YAML, unknown manifest type, no Region), OUT not empty, or AWS
could not be read (--from-aws).
"""

IMPORT_EPILOG = """\
example:
  kopilot import ~/src/kudos --out kudos-deploy --region us-east-1 --legacy-namespace prod
  kubectl apply -k kudos-deploy/overlays/test
  kopilot import ~/src/kudos --out kudos-adopt --region us-east-1 --from-aws
"""


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


# kopf holds an object's handling (its rollout wait included) in a worker, each with the
# object's bodies and the pass's state: bounded, memory at 1,000 new services peaks at about
# 150 MiB instead of 350 (bench/README.md), and convergence was no slower.
DEFAULT_MAX_CONCURRENT_OBJECTS = 100


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _host_port(text: str) -> str:
    from .metrics import address

    try:
        address(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err
    return text


def _cmd_controlplane_build(_: argparse.Namespace) -> int:
    from .sandbox.controlplane import ControlPlaneBinariesError, ensure_binaries

    try:
        binaries = ensure_binaries()
    except ControlPlaneBinariesError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"kube-apiserver: {binaries.kube_apiserver}\netcd: {binaries.etcd}")
    return 0


def _cmd_controlplane_up(_: argparse.Namespace) -> int:
    from .sandbox.controlplane import ControlPlane, ControlPlaneBinariesError

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with ControlPlane() as plane:
            print(f"control plane ready at {plane.server} in {plane.startup_seconds:.1f}s")
            print(f"export KUBECONFIG={plane.admin_kubeconfig}")
            print("press Ctrl-C to stop", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                stop.wait()
    except ControlPlaneBinariesError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print("control plane stopped")
    return 0


def _selector(text: str) -> str:
    from .selection import SelectorError, parse

    try:
        parse(text)
    except SelectorError as err:
        raise argparse.ArgumentTypeError(str(err)) from err
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kopilot",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"kopilot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    version = commands.add_parser(
        "version", help="print kopilot's version and the pinned control plane"
    )
    version.set_defaults(func=_cmd_version)

    runner = commands.add_parser(
        "run",
        help="run the operator (in a cluster, or against any kubeconfig)",
        description="Reconcile EcsApp, EcsEnvironment and EcsService resources into Amazon ECS "
        "and AWS Cloud Map. AWS credentials and Region come from the usual places (IRSA, "
        "environment, ~/.aws); AWS_ENDPOINT_URL points every call at an emulator.",
    )
    runner.add_argument(
        "-n",
        "--namespace",
        action="append",
        metavar="NS",
        help="watch only this namespace (repeat for more); default: all namespaces",
    )
    runner.add_argument(
        "--resync-seconds",
        type=_positive,
        default=300.0,
        metavar="S",
        help="period of the drift-repairing resync of every resource (default: 300)",
    )
    runner.add_argument(
        "--resync-jitter",
        type=float,
        default=0.1,
        metavar="F",
        help="spread resyncs by up to this fraction of the period (default: 0.1)",
    )
    runner.add_argument(
        "--app-status-seconds",
        type=_positive,
        default=10.0,
        metavar="S",
        help="how often EcsApp status aggregates its environments and services (default: 10)",
    )
    runner.add_argument(
        "--max-concurrent-objects",
        type=_count,
        default=DEFAULT_MAX_CONCURRENT_OBJECTS,
        metavar="N",
        help="objects of a kind handled at once (per watched namespace; per kind when all "
        "namespaces are watched); the others wait their turn. An object keeps its place while "
        "its rollout lasts, and each place in use holds about 0.2 MB: raise it when hundreds "
        f"of services roll out at once and memory allows (default: "
        f"{DEFAULT_MAX_CONCURRENT_OBJECTS}; 0: no limit)",
    )
    runner.add_argument(
        "--kubeconfig", help="kubeconfig file (default: in-cluster, then $KUBECONFIG)"
    )
    runner.add_argument("--log-format", choices=["text", "json"], default="text", help="log format")
    runner.add_argument("-v", "--verbose", action="store_true", help="log more")
    runner.add_argument(
        "--health",
        metavar="HOST:PORT",
        help="serve a liveness endpoint at http://HOST:PORT/healthz (e.g. 0.0.0.0:8080)",
    )
    runner.add_argument(
        "--metrics",
        type=_host_port,
        metavar="HOST:PORT",
        help="serve Prometheus metrics at http://HOST:PORT/metrics (e.g. 0.0.0.0:9090; "
        "docs/metrics.md); default: off",
    )
    runner.add_argument(
        "--tenancy",
        choices=("policies", "single"),  # controller.tenancy.MODES
        default="policies",
        help="policies (default): act for an object only as far as a TenantPolicy selecting "
        "its namespace allows (roles to assume and pass, Regions, app names, adoption); "
        "without one, nothing. single: one trusted team, no TenantPolicy needed "
        "(docs/multi-team.md)",
    )
    runner.add_argument(
        "--selector",
        type=_selector,
        metavar="LABELS",
        help="serve only objects with these labels (team=a,tier!=batch,shard,!legacy): one "
        "shard of several; label an app's environments and services alike",
    )
    runner.add_argument(
        "--leader-elect",
        action="store_true",
        help="run as one of several replicas: act only while holding a coordination.k8s.io "
        "Lease (lease 15 s, renew 10 s, retry 2 s); one Lease per --selector",
    )
    runner.add_argument(
        "--lease-namespace",
        metavar="NS",
        help="namespace of the Lease (default: the pod's, else kopilot-system)",
    )
    runner.set_defaults(func=_cmd_run)

    crds = commands.add_parser(
        "crds",
        help="print the CustomResourceDefinitions (or write crds/ and docs/api.md)",
        description="Generate the EcsApp, EcsEnvironment and EcsService CRDs from the models. "
        "Prints them as one YAML stream, ready for `kubectl apply -f -`.",
    )
    crds.add_argument(
        "--write",
        action="store_true",
        help="write crds/*.yaml and docs/api.md under --dir instead of printing",
    )
    crds.add_argument("--dir", default=".", help="project root to write into (default: .)")
    crds.set_defaults(func=_cmd_crds)

    importer = commands.add_parser(
        "import",
        help="read an AWS Copilot workspace, write kopilot YAML (kustomize base + overlays)",
        description=IMPORT_DESCRIPTION,
        epilog=IMPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    importer.add_argument(
        "workspace",
        nargs="?",
        default=".",
        metavar="WORKSPACE_DIR",
        help="the directory holding copilot/ (default: .)",
    )
    importer.add_argument(
        "--out", required=True, metavar="DIR", help="where to write (a new or empty directory)"
    )
    importer.add_argument(
        "--region",
        metavar="REGION",
        help="AWS Region of the environments (not in Copilot's manifests); default: "
        "$AWS_REGION, else $AWS_DEFAULT_REGION",
    )
    importer.add_argument(
        "--legacy-namespace",
        action="append",
        metavar="ENV[,ENV]",
        help="environments made before Copilot v1.9, whose Service Discovery namespace is "
        "{app}.local, not {env}.{app}.local (check with `aws servicediscovery "
        "list-namespaces`); repeatable",
    )
    importer.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when any manifest field is not mapped (after writing)",
    )
    importer.add_argument(
        "--from-aws",
        action="store_true",
        help="find what Copilot runs (by its tags, read-only) and write its names into the "
        "overlays with adopt: true and managementPolicy: Observe",
    )
    importer.add_argument(
        "--role-arn",
        metavar="ARN",
        help="with --from-aws: assume this IAM role to read AWS (default: boto3's credentials)",
    )
    importer.set_defaults(func=_cmd_import)

    sandbox = commands.add_parser(
        "sandbox",
        help="everything on this machine: control plane, local AWS, operator, samples",
        description="A local world with no cloud account: a real kube-apiserver and etcd, the "
        "AWS emulator, and the operator, all on loopback.",
    )
    sandbox_commands = sandbox.add_subparsers(dest="action", metavar="ACTION", required=True)
    demo = sandbox_commands.add_parser(
        "demo",
        help="deploy the kudos sample and show what kopilot made of it",
        description="Start the sandbox, apply the kudos sample (app kudos, env test, services "
        "api and front-end with Service Connect), show progress until everything is Ready, then "
        "print the resources and the AWS side. Exits non-zero if something is not Ready.",
    )
    demo.add_argument("--keep", action="store_true", help="leave the sandbox running until Ctrl-C")
    demo.add_argument(
        "--timeout",
        type=_positive,
        default=180.0,
        metavar="S",
        help="give up waiting after S seconds (default: 180)",
    )
    demo.set_defaults(func=_cmd_sandbox)
    sandbox_run = sandbox_commands.add_parser(
        "run",
        help="check manifests against the sandbox and print the outcome",
        description="Start a sandbox, apply the given manifests (kopilot kinds and Namespaces), "
        "optionally wait until every kopilot resource is Ready or has failed, print each "
        "resource's status and the emulated AWS state, and tear everything down. Exits 0 only "
        "if every resource is Ready; 2 on unusable input.",
    )
    sandbox_run.add_argument(
        "-f",
        "--file",
        action="append",
        required=True,
        metavar="FILE",
        help="a YAML manifest (repeat for more)",
    )
    sandbox_run.add_argument(
        "--wait", action="store_true", help="wait until everything is Ready or has failed"
    )
    sandbox_run.add_argument(
        "--timeout",
        type=_positive,
        default=300.0,
        metavar="S",
        help="with --wait, give up after S seconds (default: 300)",
    )
    sandbox_run.add_argument(
        "-o",
        "--output",
        choices=["json", "table"],
        default="table",
        help="json: one JSON document on stdout (progress goes to stderr)",
    )
    sandbox_run.set_defaults(func=_cmd_sandbox)
    sandbox_commands.add_parser(
        "up",
        help="start a sandbox in the background and print how to reach it",
        description="Start the sandbox in the background (it outlives this command) and print "
        "the KUBECONFIG and AWS_ENDPOINT_URL to use. Stop it with `kopilot sandbox down`.",
    ).set_defaults(func=_cmd_sandbox)
    sandbox_commands.add_parser(
        "down",
        help="stop the sandbox started by `up`",
    ).set_defaults(func=_cmd_sandbox)
    serve = sandbox_commands.add_parser("serve", help=argparse.SUPPRESS)
    serve.add_argument("--state", required=True)
    serve.set_defaults(func=_cmd_sandbox)

    aws = commands.add_parser(
        "aws",
        help="the local AWS emulator (moto with faithful ECS and Cloud Map behaviour)",
        description="Run the local AWS emulator used by the tests and the sandbox.",
    )
    aws_commands = aws.add_subparsers(dest="action", metavar="ACTION", required=True)
    aws_up = aws_commands.add_parser(
        "up",
        help="serve the emulator on loopback until Ctrl-C (options: `kopilot aws up -- --help`)",
        description="Serve the emulator in the foreground and print AWS_ENDPOINT_URL. Options "
        "after `--` go to the emulator, e.g. `kopilot aws up -- --port 4566 --token-buckets`.",
    )
    aws_up.add_argument("options", nargs=argparse.REMAINDER, help="emulator options")
    aws_up.set_defaults(func=_cmd_aws_up)
    aws_rules = aws_commands.add_parser(
        "rules",
        help="list the strict mode's rules: what the emulator refuses as AWS does",
        description="Print the strict mode's rules as a Markdown table (rule, operations, "
        "error code, AWS page, test), or rewrite the table in docs/local-aws.md.",
    )
    aws_rules.add_argument(
        "--write", action="store_true", help="rewrite the table in docs/local-aws.md"
    )
    aws_rules.add_argument("--dir", default=".", help="the project root (default: .)")
    aws_rules.set_defaults(func=_cmd_aws_rules)

    plane = commands.add_parser(
        "controlplane",
        help="the local Kubernetes control plane (real kube-apiserver and etcd)",
        description="Build, cache and run the local control plane used by the tests and the sandbox.",
    )
    plane_commands = plane.add_subparsers(dest="action", metavar="ACTION", required=True)
    plane_commands.add_parser(
        "build",
        help="find or build kube-apiserver and etcd, print their paths",
        description="Find kube-apiserver and etcd ($KUBEBUILDER_ASSETS or the cache), "
        "building them with Go once when missing.",
    ).set_defaults(func=_cmd_controlplane_build)
    plane_commands.add_parser(
        "up",
        help="start a control plane on loopback and keep it running until Ctrl-C",
        description="Start etcd and kube-apiserver on free loopback ports, print the admin "
        "kubeconfig path, and stop both cleanly on Ctrl-C or SIGTERM.",
    ).set_defaults(func=_cmd_controlplane_up)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
