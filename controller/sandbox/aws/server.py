"""The emulator process: moto's server with kopilot's extensions, behind the middleware.

Run it with `python -m controller.sandbox.aws --port 5000`; it serves until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from . import settings
from .faults import FaultRule
from .middleware import CONTROL_PREFIX, EmulatorMiddleware

DEFAULT_REGION = "us-east-1"


def build_app() -> EmulatorMiddleware:
    """moto's WSGI app with the extensions applied, wrapped in the middleware."""
    # Imported here, not at the top: processes that only launch the emulator (tests, the
    # CLI) import this package without loading moto or patching anything.
    import moto
    from moto.moto_api._internal.models import moto_api_backend
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from . import extensions, strict

    extensions.apply()
    return EmulatorMiddleware(
        DomainDispatcherApplication(create_backend_app),
        reset_backends=moto_api_backend.reset,
        before_call=extensions.tick,
        moto_version=moto.__version__,
        validate=strict.validate,
    )


def build_parser() -> argparse.ArgumentParser:
    defaults = settings.EmulatorSettings()
    parser = argparse.ArgumentParser(
        prog="python -m controller.sandbox.aws",
        description="Local AWS (moto with faithful ECS and Cloud Map behaviour) on loopback.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument(
        "--rollout-seconds",
        type=float,
        default=defaults.rollout_seconds,
        help="ECS deployment IN_PROGRESS -> COMPLETED after this long",
    )
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=defaults.drain_seconds,
        help="ECS service DRAINING -> INACTIVE after this long",
    )
    parser.add_argument(
        "--operation-seconds",
        type=float,
        default=defaults.operation_seconds,
        help="Cloud Map operation SUBMITTED/PENDING -> SUCCESS after this long",
    )
    parser.add_argument(
        "--fail-rollouts",
        action="store_true",
        help="new ECS deployments fail to start tasks (deployment circuit breaker)",
    )
    parser.add_argument(
        "--no-strict",
        dest="strict",
        action="store_false",
        help="accept requests that AWS refuses (strict mode is on by default; see "
        "docs/local-aws.md for its rules)",
    )
    parser.add_argument(
        "--token-buckets",
        action="store_true",
        help="throttle ECS with AWS's published per-action token buckets",
    )
    parser.add_argument(
        "--faults",
        metavar="JSON",
        default=None,
        help='fault rules, e.g. \'[{"fault": "throttle", "operation": "ecs:*", "rate": 0.1}]\'',
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for rate-based faults")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        rules = [FaultRule.from_dict(rule) for rule in json.loads(args.faults or "[]")]
        launch_settings = settings.EmulatorSettings().changed(
            {
                "rollout_seconds": args.rollout_seconds,
                "drain_seconds": args.drain_seconds,
                "operation_seconds": args.operation_seconds,
                "fail_rollouts": args.fail_rollouts,
                "strict": args.strict,
            }
        )
    except (TypeError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    settings.configure_defaults(launch_settings)

    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    app = build_app()
    app.faults.set_launch_configuration(rules, token_buckets=args.token_buckets, seed=args.seed)
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)
    server = make_server(
        args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler
    )
    endpoint = f"http://{args.host}:{server.port}"
    # Some moto services build URLs pointing back at the server from this.
    os.environ.setdefault("MOTO_PORT", str(server.port))

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"AWS emulator ready at {endpoint} (control API: {endpoint}{CONTROL_PREFIX})")
    print(f"export AWS_ENDPOINT_URL={endpoint} AWS_DEFAULT_REGION={DEFAULT_REGION}")
    print("export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
