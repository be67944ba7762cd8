"""Command line of the emulator: ``airflow-ice emulator ...`` and ``python -m airflow_ice.emulator``.

It prints one line, the URL, once it accepts connections, and serves until SIGINT or SIGTERM.
With ``--tls`` it serves HTTPS and writes the CA certificate clients must trust to ``--tls-ca-file``
(or a temporary file whose path it prints on stderr).
The secret and token may come from ``ICE_EMULATOR_ACCESS_KEY_SECRET`` / ``ICE_EMULATOR_SECURITY_TOKEN``
instead of the command line (where other users of the machine could read them), and so may the
admin token (``ICE_EMULATOR_ADMIN_TOKEN``), which listening on anything but loopback requires.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Any

from airflow_ice.emulator.account_limit import DEFAULT_ACTION_QPS
from airflow_ice.emulator.limits import DEFAULT_HEADER_TIMEOUT_SECONDS, DEFAULT_MAX_BODY_BYTES

DEFAULT_ACCESS_KEY_ID = "emulator-access-key-id"
DEFAULT_ACCESS_KEY_SECRET = "emulator-access-key-secret"


def qps_override(text: str) -> tuple[str, float]:
    """Parse ``ACTION=QPS``."""
    action, sep, value = text.partition("=")
    if not sep or not action:
        raise argparse.ArgumentTypeError(f"expected ACTION=QPS, got {text!r}")
    try:
        return action, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number after '=', got {value!r}") from None


def add_emulator_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the emulator's options to ``parser``."""
    env = os.environ
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one (default 8765)")
    parser.add_argument(
        "--access-key-id", default=env.get("ICE_EMULATOR_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
    )
    parser.add_argument(
        "--access-key-secret", default=env.get("ICE_EMULATOR_ACCESS_KEY_SECRET", DEFAULT_ACCESS_KEY_SECRET)
    )
    parser.add_argument(
        "--security-token",
        default=env.get("ICE_EMULATOR_SECURITY_TOKEN"),
        help="require this STS token on every request",
    )
    parser.add_argument("--region", default="cn-shanghai")
    parser.add_argument("--job-seconds", type=float, default=2.0, help="job duration (default 2)")
    parser.add_argument(
        "--job-seconds-max", type=float, default=None, help="random durations up to this many seconds"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of random faults and durations")
    parser.add_argument(
        "--ai-app-batch-limit",
        type=int,
        default=20,
        help="most job ids per BatchGetYikeAIAppJob call; more answer InvalidParameter (default 20)",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a certificate made at start, signed by a throwaway CA",
    )
    parser.add_argument(
        "--tls-ca-file",
        default=None,
        metavar="PATH",
        help="with --tls, write the CA certificate (PEM) here, for clients' ca_bundle extra",
    )
    parser.add_argument(
        "--admin-token",
        default=env.get("ICE_EMULATOR_ADMIN_TOKEN"),
        help="the token the admin API (/_emulator) requires as 'Authorization: Bearer <token>'; needed "
        "when --host is not a loopback address (env ICE_EMULATOR_ADMIN_TOKEN)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        help=f"largest request body read; larger ones are answered 413 (default {DEFAULT_MAX_BODY_BYTES})",
    )
    parser.add_argument(
        "--header-timeout",
        type=float,
        default=DEFAULT_HEADER_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help="time a connection has to send a request's headers; then 408 and closed "
        f"(default {DEFAULT_HEADER_TIMEOUT_SECONDS:g})",
    )
    parser.add_argument(
        "--strict-placement",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="reject a parameter sent in the query when the official SDK sends it in the body, or the "
        "reverse (default: ICE_EMULATOR_STRICT_PLACEMENT, else off: query and body merged)",
    )
    add_sts_options(parser)
    faults = parser.add_argument_group("faults (rates are shares of requests, 0..1)")
    faults.add_argument("--drop-rate", type=float, default=0.0, help="drop the connection before processing")
    faults.add_argument(
        "--lose-response-rate", type=float, default=0.0, help="process, then drop the connection unanswered"
    )
    faults.add_argument("--unavailable-rate", type=float, default=0.0, help="answer 503 ServiceUnavailable")
    faults.add_argument("--throttle-rate", type=float, default=0.0, help="answer Throttling.User")
    faults.add_argument("--internal-error-rate", type=float, default=0.0, help="answer 500 InternalError")
    faults.add_argument("--latency-ms", type=float, default=0.0, help="delay every API request")
    limit = faults.add_mutually_exclusive_group()
    limit.add_argument(
        "--qps-limit",
        type=float,
        default=DEFAULT_ACTION_QPS,
        metavar="QPS",
        help="calls per second per action, all clients together, as ICE's account limit; beyond it "
        f"Throttling.User (default {DEFAULT_ACTION_QPS:g})",
    )
    limit.add_argument(
        "--no-qps-limit",
        dest="qps_limit",
        action="store_const",
        const=None,
        help="no per-action limit (the --qps-limit-for ones still apply)",
    )
    faults.add_argument(
        "--qps-limit-for",
        type=qps_override,
        action="append",
        default=[],
        metavar="ACTION=QPS",
        help="the QPS limit of one action, instead of --qps-limit (repeatable)",
    )
    faults.add_argument("--throttle-status", type=int, choices=(400, 429), default=400)
    faults.add_argument(
        "--retry-after-ms", type=int, default=None, help="send x-acs-retry-after when throttling"
    )
    faults.add_argument(
        "--fault-actions", default=None, help="comma-separated actions the random faults hit (default all)"
    )
    return parser


def add_sts_options(parser: argparse.ArgumentParser) -> None:
    """Options of the emulated STS and ECS metadata service (temporary credentials)."""
    from airflow_ice.emulator import temporary_keys as sts

    group = parser.add_argument_group("STS and ECS metadata service (temporary credentials)")
    group.add_argument(
        "--role-arn",
        action="append",
        default=None,
        metavar="ARN",
        help=f"a RAM role that AssumeRole/AssumeRoleWithOIDC may assume (repeatable; default {sts.DEFAULT_ROLE_ARN})",
    )
    group.add_argument("--oidc-provider-arn", default=sts.DEFAULT_OIDC_PROVIDER_ARN, metavar="ARN")
    group.add_argument(
        "--oidc-token",
        action="append",
        default=None,
        help="an OIDC token AssumeRoleWithOIDC accepts (repeatable; env ICE_EMULATOR_OIDC_TOKEN; "
        f"default {sts.DEFAULT_OIDC_TOKEN!r})",
    )
    group.add_argument(
        "--sts-token-seconds",
        type=float,
        default=sts.DEFAULT_TOKEN_SECONDS,
        help="lifetime of issued temporary credentials (default 3600)",
    )
    group.add_argument(
        "--ecs-role-name", default=sts.DEFAULT_ECS_ROLE_NAME, help="the ECS instance's RAM role"
    )
    group.add_argument(
        "--metadata-token-required",
        action="store_true",
        help="the metadata service answers reads only with an IMDSv2 session token",
    )


def sts_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """``IceEmulator`` keyword arguments of the STS and metadata options."""
    from airflow_ice.emulator import temporary_keys as sts

    return {
        "role_arns": args.role_arn or [sts.DEFAULT_ROLE_ARN],
        "oidc_provider_arn": args.oidc_provider_arn,
        "oidc_tokens": args.oidc_token or [os.environ.get("ICE_EMULATOR_OIDC_TOKEN", sts.DEFAULT_OIDC_TOKEN)],
        "sts_token_seconds": args.sts_token_seconds,
        "ecs_role_name": args.ecs_role_name,
        "metadata_token_required": args.metadata_token_required,
    }


def emulator_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """``IceEmulator`` keyword arguments from parsed options."""
    faults: dict[str, Any] = {
        "drop_rate": args.drop_rate,
        "lose_response_rate": args.lose_response_rate,
        "unavailable_rate": args.unavailable_rate,
        "throttle_rate": args.throttle_rate,
        "internal_error_rate": args.internal_error_rate,
        "latency_ms": args.latency_ms,
        "qps_limit": args.qps_limit,
        "qps_limits": dict(args.qps_limit_for),
        "throttle_status": args.throttle_status,
        "retry_after_ms": args.retry_after_ms,
        "actions": [name.strip() for name in args.fault_actions.split(",")] if args.fault_actions else None,
    }
    return {
        "access_key_id": args.access_key_id,
        "access_key_secret": args.access_key_secret,
        "security_token": args.security_token,
        "host": args.host,
        "port": args.port,
        "job_seconds": args.job_seconds,
        "job_seconds_max": args.job_seconds_max,
        "faults": faults,
        "seed": args.seed,
        "region": args.region,
        "ai_app_batch_limit": args.ai_app_batch_limit,
        "tls": args.tls,
        "strict_placement": args.strict_placement,
        "max_body_bytes": args.max_body_bytes,
        "header_timeout_seconds": args.header_timeout,
        "admin_token": args.admin_token,
        **sts_kwargs(args),
    }


def serve(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; print the URL once ready. Returns the exit code."""
    from airflow_ice.emulator.server import IceEmulator

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        emulator = IceEmulator(**emulator_kwargs(args))
    except ValueError as error:  # invalid fault settings or durations
        print(f"airflow-ice emulator: {error}", file=sys.stderr)
        return 2
    if args.tls_ca_file and not args.tls:
        print("airflow-ice emulator: --tls-ca-file needs --tls", file=sys.stderr)
        return 2
    with emulator:
        if args.tls:
            ca_file = args.tls_ca_file or emulator.ca_bundle_path
            if args.tls_ca_file:
                shutil.copyfile(emulator.ca_bundle_path, args.tls_ca_file)
            print(f"CA certificate: {ca_file}", file=sys.stderr, flush=True)
        print(emulator.url, flush=True)
        while not stop.wait(0.2):
            pass
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m airflow_ice.emulator``."""
    parser = add_emulator_options(
        argparse.ArgumentParser(prog="python -m airflow_ice.emulator", description="Local ICE emulator")
    )
    return serve(parser.parse_args(argv))
