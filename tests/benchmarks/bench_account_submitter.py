"""Account-scale benchmark helper: submits the jobs, as the workers' operators would (not measured).

Run by ``bench_account_scale.py``, not by hand. Submits ``--mix`` jobs (family=count, shuffled
with ``--seed`` so both triggerers get every family) through our hook, ``--concurrency`` at a time,
and checks each once with its Get, as the operator does before deferring. The emulator's account
limit throttles these calls too: the hook paces itself (adaptive rate) and retries them. Prints
one line per job as soon as it is checked::

    JOB <number> <family> <job id> <first poll at> <created at or -> <submitted at>

(the first poll at the job's expected minimum duration, :func:`~airflow_ice.jobs.waiting.first_poll_time`,
and ICE's creation time, which the operator gives a list-checked trigger), then writes its
figures (calls per action, how long submitting took, failures) to ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from typing import Any

from account_families import FAMILIES, ApiCalls
from bench_client import Emulators, conn_id, set_connections


async def submit_all(args: argparse.Namespace, calls: ApiCalls) -> dict[str, Any]:
    from airflow_ice.hooks.ice import IceHook
    from airflow_ice.jobs.waiting import first_poll_time

    order = [name for name, count in args.mix for _ in range(count)]
    random.Random(args.seed).shuffle(order)
    hook = IceHook(conn_id(0))
    gate = asyncio.Semaphore(args.concurrency)
    failures: dict[str, int] = {}
    started = time.time()

    async def one(number: int, name: str) -> None:
        family = FAMILIES[name]
        async with gate:
            submitted_at = time.time()
            try:
                job_id = await family.submit(hook)
                job = await family.check(hook, job_id)
            except Exception as exc:
                key = f"{name}: {type(exc).__name__}: {str(exc)[:100]}"
                failures[key] = failures.get(key, 0) + 1
                return
        first = first_poll_time(
            submitted_at=submitted_at,
            expected_seconds=args.expected_duration,
            checked_at=time.time(),
            poll_interval=args.poll_interval,
        )
        created = family.family.created_at(job)
        created_text = "-" if created is None else repr(created)
        print(f"JOB {number} {name} {job_id} {first!r} {created_text} {submitted_at!r}", flush=True)

    try:
        await asyncio.gather(*(one(number, name) for number, name in enumerate(order)))
    finally:
        await hook.aclose()
    return {
        "submitted": len(order) - sum(failures.values()),
        "submit_seconds": time.time() - started,
        "submit_failures": failures,
        "calls": calls.to_dict(),
    }


def parse_mix(text: str) -> list[tuple[str, int]]:
    mix = []
    for part in text.split(","):
        name, _, count = part.partition("=")
        if name not in FAMILIES:
            raise argparse.ArgumentTypeError(f"unknown family {name!r} (one of {', '.join(FAMILIES)})")
        mix.append((name, int(count)))
    return mix


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mix", type=parse_mix, required=True, help="family=count,...")
    parser.add_argument("--emulator", required=True, help="JSON {url, ca_bundle}")
    parser.add_argument("--expected-duration", type=float, required=True)
    parser.add_argument("--poll-interval", type=float, required=True)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    set_connections(Emulators([json.loads(args.emulator)]))
    calls = ApiCalls()
    calls.install()
    report = asyncio.run(submit_all(args, calls))
    with open(args.out, "w") as out:
        json.dump(report, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
