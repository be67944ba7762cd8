"""Benchmark helper: what one waiting trigger keeps alive, at N waiting triggers in one loop.

Run by ``triggerer_benchmark.py`` (or by hand with ``--emulators`` from a running
``bench_emulator.py``). With Airflow's triggerer imported and its heap frozen (``gc.freeze()``, as
the deployment test's trigger runner does), it starts N IProduction triggers on jobs that never
finish, waits until each has polled once (so each sleeps until its next poll, as thousands of
waiting triggers do), and reports, as JSON to ``--out``:

* bytes per waiting trigger by ``tracemalloc`` (everything allocated since the triggers started
  and still alive, divided by N), the top allocation sites, and the new gc-tracked objects per
  trigger by type;
* the same for a bare waiter (a coroutine sleeping on the loop with its job id: the floor of any
  asyncio poller), run first, in the same process;
* what Airflow itself contributes: objects the triggerer's imports leave for the collector and one
  full collection's time with them unfrozen, against a full collection of the triggers' own heap
  and one with the bare waiters (the floor of any asyncio poller).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import sys
import time
import tracemalloc
from collections import Counter
from typing import Any

from bench_client import Emulators, Job, conn_id, set_connections, submit_and_check

TOP_SITES = 12


def tracked_by_type() -> Counter[str]:
    return Counter(type(obj).__qualname__ for obj in gc.get_objects())


def full_collection_seconds(times: int = 3) -> float:
    """The fastest of ``times`` full collections, after one that frees what is garbage now: the
    collector's walk of what is alive (what a full collection costs the loop, whatever it frees)."""
    gc.collect()
    fastest = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        gc.collect()
        fastest = min(fastest, time.perf_counter() - started)
    return fastest


class Probe:
    """tracemalloc and gc counts from :meth:`start` to :meth:`measure`, per waiter."""

    def start(self) -> None:
        gc.collect()
        self.types = tracked_by_type()
        self.snapshot = tracemalloc.take_snapshot()

    def measure(self, n: int) -> dict[str, Any]:
        gc.collect()
        after = tracemalloc.take_snapshot()
        stats = after.compare_to(self.snapshot, "lineno")
        grown = sum(stat.size_diff for stat in stats)
        types = tracked_by_type()
        types.subtract(self.types)
        return {
            "bytes_per_waiter": grown / n,
            "top_sites": [
                {"site": str(stat.traceback[0]), "bytes_per_waiter": round(stat.size_diff / n, 1)}
                for stat in sorted(stats, key=lambda s: -s.size_diff)[:TOP_SITES]
            ],
            "objects_per_waiter": {
                name: round(count / n, 2) for name, count in types.most_common(25) if count / n >= 0.5
            },
        }


async def bare_waiters(n: int, job_ids: list[str]) -> dict[str, Any]:
    """N coroutines each holding a job id and sleeping on the loop: the floor of any waiter."""
    probe = Probe()
    probe.start()

    async def wait(job_id: str) -> str:
        await asyncio.sleep(3600)
        return job_id

    tasks = [asyncio.create_task(wait(job_ids[number % len(job_ids)])) for number in range(n)]
    await asyncio.sleep(0.5)
    result = probe.measure(n)
    result["full_collection_seconds_frozen"] = full_collection_seconds()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return result


async def trigger_waiters(n: int, jobs: list[Job], emulators: Emulators) -> dict[str, Any]:
    from airflow_ice.triggers.iproduction import IceIProductionJobTrigger

    probe = Probe()
    queries_before = emulators.queries()
    emulators.open_admin()
    probe.start()
    triggers = [
        IceIProductionJobTrigger(job_id=job.job_id, ice_conn_id=conn_id(job.index), poll_interval=3600.0)
        for job in jobs
    ]

    async def run(trigger: IceIProductionJobTrigger) -> None:
        async for _ in trigger.run():
            return

    tasks = [asyncio.create_task(run(trigger)) for trigger in triggers]
    while await emulators.aqueries() - queries_before < n:  # noqa: ASYNC110 (a counter in another process)
        await asyncio.sleep(0.5)
    await asyncio.sleep(1.0)  # the last answers handled, every trigger asleep
    del triggers
    result = probe.measure(n)
    result["full_collection_seconds_frozen"] = full_collection_seconds()
    result["failed"] = sum(task.done() for task in tasks)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await emulators.close_admin()
    return result


async def main_async(
    args: argparse.Namespace, emulators: Emulators, airflow: dict[str, Any]
) -> dict[str, Any]:
    jobs = await submit_and_check(args.n, emulators, 0.0, 3600.0)
    job_ids = [job.job_id for job in jobs]
    # Warm up the call path (hook import, shared transport) so that it is not counted per trigger.
    from airflow_ice.hooks.ice import IceHook
    from airflow_ice.triggers.hook_loader import load_hook_class

    await load_hook_class()
    from airflow_ice.client.pool import MAX_CONNECTIONS

    warm = [IceHook(conn_id(index)) for index in range(len(emulators.specs))]
    # Every connection of the pools opened now: a TLS connection's buffers (256 KiB) are the
    # pool's, not a trigger's.
    await asyncio.gather(
        *(
            hook.aquery_iproduction_job(job_id)
            for hook, job_id in zip(warm, job_ids, strict=False)
            for _ in range(2 * MAX_CONNECTIONS)
        )
    )
    gc.freeze()  # what the process made so far (Airflow, the call path): as a trigger runner's heap
    tracemalloc.start(1)
    bare = await bare_waiters(args.n, job_ids)
    ours = await trigger_waiters(args.n, jobs, emulators)
    tracemalloc.stop()
    for hook in warm:
        await hook.aclose()
    return {"n": args.n, "airflow": airflow, "bare": bare, "ours": ours}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--emulators", required=True, help="JSON list of {url, ca_bundle}")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    emulators = Emulators(json.loads(args.emulators))
    set_connections(emulators)
    logging.getLogger("airflow_ice").setLevel(logging.WARNING)  # not one status line per trigger
    before = len(gc.get_objects())
    # The triggerer's own heap.
    import airflow.jobs.triggerer_job_runner

    import airflow_ice.triggers.iproduction  # noqa: F401

    airflow = {
        "tracked_objects": len(gc.get_objects()) - before,
        "full_collection_seconds_unfrozen": full_collection_seconds(),
    }
    report = asyncio.run(main_async(args, emulators, airflow))
    with open(args.out, "w") as out:
        json.dump(report, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
