"""What a trigger keeps alive while it waits between polls: thousands wait at once in one
triggerer, so whatever each keeps is multiplied (the triggerer benchmark's memory probe,
tests/benchmarks/bench_waiting_memory.py, measures the bytes). Driven by the poll scheduler's test
clock, so the trigger provably sleeps when it is inspected."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator

import pytest

from airflow_ice.emulator import IceEmulator
from airflow_ice.models.iproduction_job import IProductionJob
from airflow_ice.triggers.iproduction import IceIProductionJobTrigger
from airflow_ice.triggers.poll_scheduler import POLL_SCHEDULERS, PollScheduler
from tests.dag_support import held_ice, job_clock, requests
from tests.loop_checks import until
from tests.test_triggers import submit_cover
from tests.tick_clock import TestClock

__all__ = ["held_ice", "job_clock"]


@pytest.fixture
async def scheduler() -> AsyncIterator[PollScheduler]:
    """The running loop's poll scheduler, on a test clock that moves only when told."""
    loop = asyncio.get_running_loop()
    scheduler = PollScheduler(1.0, TestClock())
    POLL_SCHEDULERS.install(loop, scheduler)
    yield scheduler
    POLL_SCHEDULERS.install(loop, None)


def live_jobs() -> int:
    gc.collect()
    return sum(isinstance(obj, IProductionJob) for obj in gc.get_objects())


async def test_a_waiting_trigger_keeps_no_parsed_job(held_ice: IceEmulator, scheduler: PollScheduler) -> None:
    job_ids = [submit_cover() for _ in range(3)]
    before = live_jobs()
    triggers = [IceIProductionJobTrigger(job_id=job_id, poll_interval=30.0) for job_id in job_ids]

    async def run(trigger: IceIProductionJobTrigger) -> None:
        async for _ in trigger.run():
            return

    tasks = [asyncio.ensure_future(run(trigger)) for trigger in triggers]
    try:
        # Each polled once (the held jobs are running) and now sleeps until its next poll.
        await until(lambda: scheduler.waiting == len(triggers), timeout=60)
        assert requests(held_ice, "QueryIProductionJob") == len(triggers)
        assert not any(task.done() for task in tasks)

        assert live_jobs() == before
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
