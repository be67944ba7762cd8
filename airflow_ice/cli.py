"""The ``airflow-ice`` console script. Subcommands: ``emulator`` (run the local ICE emulator)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from airflow_ice.emulator.cli import add_emulator_options, serve


def build_parser() -> argparse.ArgumentParser:
    """The ``airflow-ice`` argument parser."""
    parser = argparse.ArgumentParser(prog="airflow-ice", description="Tools of the airflow_ice provider")
    commands = parser.add_subparsers(dest="command", required=True)
    emulator = commands.add_parser(
        "emulator",
        help="run the local ICE emulator",
        description="Serve a local ICE emulator; prints its URL once ready, stops on SIGINT/SIGTERM.",
    )
    add_emulator_options(emulator)
    emulator.set_defaults(run=serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``airflow-ice``; returns the exit code."""
    args = build_parser().parse_args(argv)
    return int(args.run(args))
