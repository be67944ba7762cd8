"""Client CPU per ICE query: the hook against a bare aiohttp client, in one run, over HTTPS.

Figures, not a timed test. One emulator runs in its own process (``bench_emulator.py``), so only
the client's CPU is measured (``getrusage`` of this process). In the same run and
interleaved round by round, so that the machine's load weighs on every contender alike:

* ``bare aiohttp``: sign with our signer, one aiohttp POST on a shared session, ``json.loads``:
  the floor any Python client pays;
* ``hook.acall``: the engine (rate limiter off, credentials, signing, the shared transport's
  gate, whole-answer deadline and size cap, outcome judging, tenacity only on failure);
* ``hook.aquery_iproduction_job``: the same plus the pydantic model of the job;
* with ``--floors``, ``engine floor`` and ``floor + typed read`` of ``bench_query_floor.py``: the
  least an engine does for a read (pace, signed request, gate, transport), with ``json.loads`` or
  with the answer's bytes vouched for and read by the job model's reader.

Two cadences: **back to back** (``--loops`` coroutines each querying without pause) and **spread
out** (``--pollers`` coroutines each querying every ``--interval`` seconds with jitter, so most
queries wake the loop alone, as triggers' polls do). Reported: CPU microseconds per query (median
of rounds), split into user and system time, the ratio to bare aiohttp of the same round (each
round's, and their median and quartiles: on a shared machine single rounds move by a fifth, so
more and shorter rounds, e.g. ``--rounds 30 --per-loop 150 --seconds 4``, give a steadier
median), and the load average before and after.

Run: ``.venv/bin/python tests/benchmarks/bench_query_cost.py`` (about two minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench_client import BareClient, Emulators  # the triggerer benchmark's floor, beside this file
from bench_query_floor import engine_floors  # the least an engine does, beside this file

HERE = Path(__file__).parent
CLIENTS = ("bare aiohttp", "engine floor", "floor + typed read", "hook.acall", "hook.aquery_iproduction_job")
Query = Callable[[str], Awaitable[Any]]


def start_emulator() -> tuple[subprocess.Popen[str], dict[str, Any]]:
    command = [
        sys.executable,
        str(HERE / "bench_emulator.py"),
        "--job-seconds",
        "86400",
        "--job-seconds-max",
        "86400",
        "--keep-alive",
        "75",
    ]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    spec: dict[str, Any] = json.loads(process.stdout.readline())
    return process, spec


def connect(spec: dict[str, Any]) -> None:
    from airflow_ice.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET

    os.environ["AIRFLOW_CONN_ICE_DEFAULT"] = json.dumps(
        {
            "conn_type": "alibaba_ice",
            "login": DEFAULT_ACCESS_KEY_ID,
            "password": DEFAULT_ACCESS_KEY_SECRET,
            "extra": {"endpoint": spec["url"], "ca_bundle": spec["ca_bundle"]},
        }
    )


def cpu_now() -> tuple[float, float]:
    """This process's user and system CPU seconds so far, to the microsecond (``os.times()``
    counts clock ticks, a hundredth of a second)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


def cpu_since(started: tuple[float, float]) -> tuple[float, float]:
    now = cpu_now()
    return now[0] - started[0], now[1] - started[1]


async def back_to_back(
    query: Query, job_ids: list[str], loops: int, per_loop: int
) -> tuple[tuple[float, float], int]:
    async def loop(offset: int) -> None:
        for number in range(per_loop):
            await query(job_ids[(offset + number) % len(job_ids)])

    started = cpu_now()
    await asyncio.gather(*(loop(index) for index in range(loops)))
    return cpu_since(started), loops * per_loop


async def spread_out(
    query: Query, job_ids: list[str], pollers: int, interval: float, seconds: float
) -> tuple[tuple[float, float], int]:
    done = 0
    end = time.monotonic() + seconds

    async def poller(index: int) -> None:
        nonlocal done
        await asyncio.sleep(random.uniform(0, interval))
        while time.monotonic() < end:
            await query(job_ids[index % len(job_ids)])
            done += 1
            await asyncio.sleep(interval * random.uniform(0.9, 1.1))

    started = cpu_now()
    await asyncio.gather(*(poller(index) for index in range(pollers)))
    return cpu_since(started), done


async def main_async(args: argparse.Namespace, spec: dict[str, Any]) -> list[dict[str, Any]]:
    from airflow_ice.hooks.ice import IceHook

    hook = IceHook()
    job = {
        "function_name": "Cover",
        "input": {"Type": "OSS", "Media": "oss://bench/in.mp4"},
        "output": {"Type": "OSS", "Media": "oss://bench/out/"},
    }
    job_ids = [await hook.asubmit_iproduction_job(job) for _ in range(args.jobs)]
    bare = BareClient(Emulators([spec]))
    await bare.open()
    contenders: dict[str, Query] = {
        "bare aiohttp": lambda job_id: bare.status(job_id, 0),
        **(await engine_floors(hook) if args.floors else {}),
        "hook.acall": lambda job_id: hook.acall("QueryIProductionJob", {"JobId": job_id}),
        "hook.aquery_iproduction_job": hook.aquery_iproduction_job,
    }
    for query in contenders.values():  # warm up: connections, caches, code paths
        await back_to_back(query, job_ids, args.loops, 50)
    rows = []
    for round_number in range(1, args.rounds + 1):
        for cadence in ("back to back", "spread out"):
            order = list(contenders.items())
            random.shuffle(order)  # no contender always runs right after another
            for name, query in order:
                if cadence == "back to back":
                    cpu, count = await back_to_back(query, job_ids, args.loops, args.per_loop)
                else:
                    cpu, count = await spread_out(query, job_ids, args.pollers, args.interval, args.seconds)
                rows.append(
                    {
                        "round": round_number,
                        "cadence": cadence,
                        "client": name,
                        "us": (cpu[0] + cpu[1]) / count * 1e6,
                        "user_us": cpu[0] / count * 1e6,
                        "system_us": cpu[1] / count * 1e6,
                        "n": count,
                    }
                )
    await bare.close()
    await hook.aclose()
    return rows


def report(rows: list[dict[str, Any]], loads: tuple[Any, Any]) -> None:
    print(
        f"load average before {loads[0][0]:.2f} / {loads[0][1]:.2f} / {loads[0][2]:.2f}, "
        f"after {loads[1][0]:.2f} / {loads[1][1]:.2f} / {loads[1][2]:.2f} ({os.cpu_count()} cores)"
    )
    print(
        f"{'cadence':<14}{'client':<30}{'CPU us/query':>13}{'user + system':>15}"
        f"{'x bare: median, quartiles':>28}   x bare (per round)"
    )
    for cadence in ("back to back", "spread out"):
        for client in CLIENTS:
            mine = [r for r in rows if r["cadence"] == cadence and r["client"] == client]
            if not mine:
                continue  # a floor not asked for
            ratios = []
            for row in mine:
                base = next(
                    r
                    for r in rows
                    if r["cadence"] == cadence
                    and r["client"] == "bare aiohttp"
                    and r["round"] == row["round"]
                )
                ratios.append(row["us"] / base["us"])
            quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
            spread = f"{statistics.median(ratios):.2f} ({quartiles[0]:.2f}-{quartiles[2]:.2f})"
            split = (
                f"{statistics.median(r['user_us'] for r in mine):.0f} + "
                f"{statistics.median(r['system_us'] for r in mine):.0f}"
            )
            figures = ", ".join(f"{r:.2f}" for r in ratios)
            print(
                f"{cadence:<14}{client:<30}{statistics.median(r['us'] for r in mine):>13.0f}{split:>15}"
                f"{spread:>28}   {figures}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=50, help="jobs queried (they never finish)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--loops", type=int, default=8, help="back to back: concurrent query loops")
    parser.add_argument("--per-loop", type=int, default=300, help="back to back: queries per loop")
    parser.add_argument("--pollers", type=int, default=200, help="spread out: polling coroutines")
    parser.add_argument(
        "--interval", type=float, default=1.0, help="spread out: seconds between a poller's queries"
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="spread out: seconds per measurement")
    parser.add_argument(
        "--floors",
        action="store_true",
        help="also the least an engine does, without and with the typed read (bench_query_floor.py)",
    )
    args = parser.parse_args()
    process, spec = start_emulator()
    try:
        connect(spec)
        before = os.getloadavg()
        rows = asyncio.run(main_async(args, spec))
        after = os.getloadavg()
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)
    report(rows, (before, after))
    return 0


if __name__ == "__main__":
    sys.exit(main())
