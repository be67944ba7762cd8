"""Benchmark helper: one ICE emulator process over HTTPS that can report when each job finished.

Run by ``triggerer_benchmark.py``, not by hand. It prints one JSON line ``{"url", "ca_bundle"}``
once serving, then reads commands on stdin, one per line:

* ``finish-times IN OUT``: read job ids (one per line) from IN and write ``{job_id: finished_at}``
  (epoch seconds, full precision) to OUT as JSON, then print ``done``. The API's ``FinishTime``
  has one-second resolution, too coarse to measure event latency.

It stops when stdin closes.
"""

from __future__ import annotations

import argparse
import json
import sys

from airflow_ice.emulator import IceEmulator
from airflow_ice.emulator.actions.iproduction import IProductionActions
from airflow_ice.emulator.actions.lifecycle import LifecycleActions


def finish_times(emulator: IceEmulator, job_ids: list[str]) -> dict[str, float]:
    """When each job finished (or will), by the emulator's own record (IProduction or a media family)."""
    times: dict[str, float] = {}
    for group in emulator.state.actions.groups:
        if isinstance(group, IProductionActions):
            times.update(
                (job_id, group.jobs.get(job_id).finished_at()) for job_id in job_ids if job_id in group.jobs
            )
        elif isinstance(group, LifecycleActions):
            times.update(
                (job_id, group.jobs.get(job_id).finished_at) for job_id in job_ids if job_id in group.jobs
            )
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--job-seconds", type=float, required=True)
    parser.add_argument("--job-seconds-max", type=float, required=True)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--plain-http", action="store_true", help="serve HTTP instead of HTTPS")
    parser.add_argument("--keep-alive", type=float, default=5.0, help="idle keep-alive seconds")
    parser.add_argument(
        "--qps-limit",
        type=float,
        default=None,
        help="calls per second per action (default: none; these benchmarks measure the client's own "
        "cost at 1,000-10,000 waiting jobs, which passes ICE's 100 a second by design, so the "
        "emulator must not throttle it)",
    )
    args = parser.parse_args()
    emulator = IceEmulator(
        job_seconds=args.job_seconds,
        job_seconds_max=args.job_seconds_max,
        seed=args.seed,
        tls=not args.plain_http,
        keep_alive_seconds=args.keep_alive,
        faults={"qps_limit": args.qps_limit},
    )
    with emulator:
        ca_bundle = None if args.plain_http else emulator.ca_bundle_path
        print(json.dumps({"url": emulator.url, "ca_bundle": ca_bundle}), flush=True)
        for line in sys.stdin:
            command, *rest = line.split()
            if command == "finish-times":
                source, target = rest
                with open(source) as ids:
                    job_ids = [job_id.strip() for job_id in ids if job_id.strip()]
                with open(target, "w") as out:
                    json.dump(finish_times(emulator, job_ids), out)
                print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
