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
  kopilot crds | kubectl apply -f -   install the CRDs in the current cluster
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

    from .api import KINDS, api_markdown, crd_filename, crd_yaml

    if not args.write:
        print("---\n".join(crd_yaml(kind) for kind in KINDS), end="")
        return 0
    root = Path(args.dir)
    (root / "crds").mkdir(parents=True, exist_ok=True)
    (root / "docs").mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        path = root / "crds" / crd_filename(kind)
        path.write_text(crd_yaml(kind))
        print(f"wrote {path}")
    (root / "docs" / "api.md").write_text(api_markdown())
    print(f"wrote {root / 'docs' / 'api.md'}")
    return 0


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
