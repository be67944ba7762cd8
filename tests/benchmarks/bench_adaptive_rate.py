"""Two triggerers sharing an account's per-action limit, each pacing itself (figures, not a test).

    .venv/bin/python tests/benchmarks/bench_adaptive_rate.py [--jobs-each 5000] [--limit 100]

A simulation on virtual seconds (``tests/support/account_limit_simulation.py``): each triggerer
polls its jobs every 30 s after the last answer through its own
:class:`~airflow_ice.client.adaptive_rate.AdaptiveRate`; the account allows ``--limit`` calls a
second; a throttled poll is tried again 1 s later. Prints, per 30 s window, each triggerer's
answered and throttled calls and its pace at the window's end, then the totals after a warm-up.
Deterministic for a seed; the client's real pacing code, no network.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.account_limit_simulation import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triggerers", type=int, default=2)
    parser.add_argument("--jobs-each", type=int, default=5_000)
    parser.add_argument("--limit", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--warm-up", type=float, default=120.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # one line per cut and recovery, per triggerer: not figures
    asked = args.triggerers * args.jobs_each / 30.0
    print(
        f"{args.triggerers} triggerers x {args.jobs_each} jobs polled every 30 s ({asked:.0f} calls/s asked "
        f"for), account limit {args.limit:.0f}/s, {args.seconds:.0f} s simulated"
    )
    for seed in args.seeds:
        started = time.perf_counter()
        run = simulate(
            triggerers=args.triggerers,
            jobs_each=args.jobs_each,
            limit=args.limit,
            seconds=args.seconds,
            seed=seed,
        )
        print(f"\nseed {seed} ({time.perf_counter() - started:.1f} s of CPU)")
        print("window   answered/s per triggerer   throttled/s per triggerer   pace at the end")
        for window in run.windows:
            answered = " ".join(f"{n / run.window:6.1f}" for n in window.accepted)
            throttled = " ".join(f"{n / run.window:6.1f}" for n in window.throttled)
            paces = " ".join("unpaced" if p is None else f"{p:6.1f}" for p in window.paces)
            print(f"{window.start:6.0f}   {answered:26}   {throttled:26}   {paces}")
        accepted, throttled = run.after(args.warm_up)
        seconds = run.seconds_after(args.warm_up)
        share = sum(throttled) / max(1, sum(accepted) + sum(throttled))
        print(
            f"after {args.warm_up:.0f} s: answered {sum(accepted) / seconds:.1f}/s of {args.limit:.0f}/s "
            f"({', '.join(f'{n / seconds:.1f}' for n in accepted)} per triggerer), "
            f"throttled {100 * share:.1f}% of calls"
        )


if __name__ == "__main__":
    main()
