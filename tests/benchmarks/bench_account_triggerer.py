"""Account-scale benchmark helper: one triggerer process, one event loop waiting for its share of the jobs.

Run by ``bench_account_scale.py``, not by hand. Reads ``JOB`` lines (``bench_account_submitter.py``'s,
the ones the orchestrator hands this triggerer) on stdin and starts each job's trigger as its task
defers: the family's trigger class of the ``--scenario`` (``account_families.py``), on the shared
connection (every triggerer of the account calls ICE with the same one), ``--poll-interval``
between polls, the first at the job's expected minimum. When stdin closes and every trigger has
fired, it writes its figures to ``--out``: each job's event (status, wall-clock time), the CPU the
process used while waiting, every API call it made (per action: answered, throttled, other; and per
second), warnings by message (the adaptive pace's among them), the event loop's longest stall
(lateness of a 0.1 s heartbeat) and, with ``--record-polls``, the time of every answered poll of
each job (the effective interval between polls).

As in ``bench_client.py``, Airflow's triggerer is imported first and the heap frozen
(``gc.freeze()``) before the wait, as the deployment test's trigger runner does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from account_families import FAMILIES, ApiCalls, Scenario
from bench_client import Emulators, LoopWatch, RssSampler, WarningCounter, conn_id, set_connections


def record_polls(polls: dict[str, list[float]]) -> None:
    """Note when each answered poll of a job came back (every trigger reads through ``apoll_job``)."""
    from airflow_ice.jobs.poll import PollOutcome
    from airflow_ice.triggers import base

    real = base.apoll_job

    async def apoll_job(family: Any, job_id: str, *args: Any, **kwargs: Any) -> Any:
        result = await real(family, job_id, *args, **kwargs)
        if result.outcome is PollOutcome.JOB:
            polls.setdefault(job_id, []).append(time.time())
        return result

    base.apoll_job = apoll_job  # type: ignore[assignment]


async def sample_state(samples: list[list[Any]], period: float) -> None:
    """Every ``period`` seconds: each action's adaptive pace (None: unpaced) and each shared
    poller's members and calls so far (a timeline of how the process waited; cheap reads only)."""
    from airflow_ice.client.adaptive_rate import ADAPTIVE_RATES
    from airflow_ice.triggers.batching import BATCHED_POLLERS

    while True:
        await asyncio.sleep(period)
        paces = {action: rate.pace for (_, action), rate in list(ADAPTIVE_RATES._rates.items())}
        pollers = {
            poller.kind.name: [
                len(poller._members),
                poller.stats.rounds,
                poller.stats.list_calls,
                poller.stats.single_calls,
            ]
            for poller in BATCHED_POLLERS.active()
        }
        samples.append([time.time(), paces, pollers])


async def wait_all(
    args: argparse.Namespace, scenario: Scenario, polls: dict[str, list[float]]
) -> dict[str, Any]:
    classes = {name: family.trigger_class(scenario) for name, family in FAMILIES.items()}
    events: dict[str, list[Any]] = {}
    exceptions: Counter[str] = Counter()
    families: dict[str, str] = {}

    async def run(
        name: str, job_id: str, first_poll_at: float, created_at: float | None, deadline: float
    ) -> None:
        trigger = classes[name](
            job_id=job_id,
            ice_conn_id=conn_id(0),
            poll_interval=args.poll_interval,
            deadline=deadline,
            first_poll_at=first_poll_at,
            created_at=created_at,
        )
        status, message = "no-event", ""
        try:
            # Closed here, not left to the collector: a trigger's clean-up (a shared poller's last
            # member stops it and closes its hook) then runs in this task, before the wait ends.
            async with contextlib.aclosing(trigger.run()) as fired:
                async for event in fired:
                    status = event.payload["status"]
                    message = "" if status == "success" else str(event.payload.get("message"))[:200]
                    break
        except Exception as exc:
            exceptions[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
            status, message = "exception", repr(exc)[:200]
        events[job_id] = [name, status, time.time(), message]

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    for family in FAMILIES.values():  # the hook and the models each family reads, built before the wait
        family.family.job_class  # noqa: B018
    gc.collect()
    gc.freeze()  # Airflow's heap and the call path, as the deployment test's trigger runner does
    Path(args.ready).touch()  # noqa: ASYNC240  # the orchestrator starts submitting now (before the wait)
    sampler = RssSampler()
    sampler.start()
    watch = LoopWatch()
    watch.start()
    cpu_before = time.process_time()
    started = time.time()
    samples: list[list[Any]] = []
    sampling = asyncio.create_task(sample_state(samples, args.sample_period))
    tasks: list[asyncio.Task[None]] = []
    async for line in reader:
        kind, *fields = line.decode().split()
        if kind != "JOB":
            continue
        _, name, job_id, first_poll_at, created_at, submitted_at = fields
        families[job_id] = name
        created = None if created_at == "-" else float(created_at)
        deadline = float(submitted_at) + args.job_timeout
        tasks.append(asyncio.create_task(run(name, job_id, float(first_poll_at), created, deadline)))
    all_started = time.time()
    await asyncio.gather(*tasks)
    cpu = time.process_time() - cpu_before
    loop_figures = watch.stop()
    sampling.cancel()
    return {
        "scenario": scenario.value,
        "pid": os.getpid(),
        "n": len(tasks),
        "families": families,
        "cpu_seconds": cpu,
        "started": started,
        "all_started": all_started,
        "ended": time.time(),
        "rss_peak": sampler.stop(),
        **loop_figures,
        "events": events,
        "exceptions": dict(exceptions),
        "samples": samples,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", choices=[s.value for s in Scenario], required=True)
    parser.add_argument("--poll-interval", type=float, required=True)
    parser.add_argument("--tick", type=float, default=1.0, help="[alibaba_ice] poll_tick_seconds")
    parser.add_argument(
        "--job-timeout", type=float, required=True, help="each trigger's deadline after submit"
    )
    parser.add_argument("--emulator", required=True, help="JSON {url, ca_bundle}")
    parser.add_argument("--record-polls", action="store_true")
    parser.add_argument("--sample-period", type=float, default=5.0, help="seconds between pace samples")
    parser.add_argument("--ready", required=True, help="a file written once the loop waits for jobs")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.environ["AIRFLOW__ALIBABA_ICE__POLL_TICK_SECONDS"] = str(args.tick)
    set_connections(Emulators([json.loads(args.emulator)]))
    calls = ApiCalls()
    calls.install()
    polls: dict[str, list[float]] = {}
    if args.record_polls:
        record_polls(polls)
    warnings = WarningCounter()
    logging.getLogger().addHandler(warnings)
    # Imported before the wait, so the process holds Airflow's heap as a trigger runner does.
    import airflow.jobs.triggerer_job_runner  # noqa: F401

    report = asyncio.run(wait_all(args, Scenario(args.scenario), polls))
    report["calls"] = calls.to_dict()
    report["warnings"] = dict(warnings.counts)
    report["polls"] = polls
    with open(args.out, "w") as out:
        json.dump(report, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
