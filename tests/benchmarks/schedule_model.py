"""A model of the two waiting schedules, without a client: calls per job and detection latency.

    .venv/bin/python tests/benchmarks/schedule_model.py

The triggerer benchmark measures p99 detection latency from 1,000 or 10,000 jobs, where one p99
carries a sampling error of about 0.2 s (N = 1,000) or 0.07 s (N = 10,000): the residual latency's
density near its top is low. This model draws many more jobs (``--jobs``) under the rules alone,
so the schedules' own difference shows:

* **fixed**: the check at once, then a pause of ``interval`` ±5% (uniform) after each poll;
* **shipped**: the check at once, the first poll on the first tick at or after the expected
  minimum, then pauses drawn from the jitter's range less one tick at its short end, each ending
  on the last tick at or before its due time (``IceJobTrigger.pause_between_polls``);
* **nearest tick** (the rule before): pauses of ``interval`` ±5% ending on the nearest tick.

Jobs end uniformly between ``--job-seconds`` and ``--job-seconds-max`` after the submit, whose
phase against the tick grid is uniform. Polls take ``--answer-seconds``. Figures, not a test.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
from dataclasses import dataclass

JITTER = 0.1  # the triggers' POLL_JITTER: ±5%


@dataclass(frozen=True)
class ScheduleFigures:
    """Calls per job (the check at once and the polls) and detection latency (p50, p99, max)."""

    calls_per_job: float
    p50: float
    p99: float
    worst: float


def model(shipped: bool, args: argparse.Namespace, seed: int, nearest: bool = False) -> ScheduleFigures:
    draw = random.Random(seed)
    spread = args.interval * JITTER
    latencies: list[float] = []
    calls = 0
    for _ in range(args.jobs):
        submitted = draw.uniform(0.0, args.tick)
        ends = submitted + draw.uniform(args.job_seconds, args.job_seconds_max)
        calls += 1  # the check at once
        if shipped:
            poll = math.ceil((submitted + args.job_seconds) / args.tick) * args.tick
        else:
            poll = submitted + draw.uniform(args.interval - spread / 2, args.interval + spread / 2)
        while True:
            calls += 1
            if poll >= ends:
                break
            if nearest:
                wait = draw.uniform(args.interval - spread / 2, args.interval + spread / 2)
                poll = round((poll + args.answer_seconds + wait) / args.tick) * args.tick
            elif shipped:
                wait = draw.uniform(args.interval - spread / 2 + args.tick, args.interval + spread / 2)
                poll = math.floor((poll + args.answer_seconds + wait) / args.tick) * args.tick
            else:
                poll += args.answer_seconds + draw.uniform(
                    args.interval - spread / 2, args.interval + spread / 2
                )
        latencies.append(poll + args.answer_seconds - ends)
    latencies.sort()
    return ScheduleFigures(
        calls_per_job=calls / args.jobs,
        p50=statistics.median(latencies),
        p99=latencies[int(0.99 * len(latencies))],
        worst=latencies[-1],
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=200_000)
    parser.add_argument("--interval", type=float, default=30.0)
    parser.add_argument("--tick", type=float, default=1.0)
    parser.add_argument("--job-seconds", type=float, default=60.0, help="shortest job, the expected minimum")
    parser.add_argument("--job-seconds-max", type=float, default=120.0)
    parser.add_argument("--answer-seconds", type=float, default=0.005)
    args = parser.parse_args()
    fixed = model(False, args, seed=1)
    shipped = model(True, args, seed=1)
    nearest = model(True, args, seed=1, nearest=True)
    for name, figures in (
        ("fixed 30 s, no ticks", fixed),
        ("shipped", shipped),
        ("nearest tick (before)", nearest),
    ):
        print(
            f"{name:<22} calls per job {figures.calls_per_job:.2f}  detection latency p50 "
            f"{figures.p50:.2f} s, p99 {figures.p99:.2f} s, max {figures.worst:.2f} s"
        )
    print(
        f"shipped / fixed: {shipped.calls_per_job / fixed.calls_per_job:.2f}x the calls, p99 "
        f"{shipped.p99 - fixed.p99:+.2f} s ({args.jobs:,} jobs of {args.job_seconds:g}-{args.job_seconds_max:g} s, "
        f"{args.interval:g} s polls, {args.tick:g} s ticks)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
