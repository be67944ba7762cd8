"""What a trigger keeps alive while it waits between polls: thousands wait at once in one
triggerer, so whatever each keeps is multiplied (the triggerer benchmark's memory probe,
tests/benchmarks/bench_waiting_memory.py, measures the bytes). Driven by the poll scheduler's test
clock, so the trigger provably sleeps when it is inspected."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from typing import Any

import pytest
import structlog

from airflow_ice.client.engine import SHARED_CLIENTS
from airflow_ice.emulator import IceEmulator
from airflow_ice.hooks.ice import IceHook
from airflow_ice.models.iproduction_job import IProductionJob
from airflow_ice.triggers import shared_hooks
from airflow_ice.triggers.iproduction import IceIProductionJobTrigger
from airflow_ice.triggers.poll_scheduler import POLL_SCHEDULERS, PollScheduler
from airflow_ice.triggers.shared_hooks import TRIGGER_HOOKS
from tests.support.dags import requests
from tests.support.loop_checks import until
from tests.support.tick_clock import TestClock
from tests.unit.triggers.test_triggers import submit_cover


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
    # type(), not isinstance(): some objects other tests leave (lazy proxies) import on __class__.
    return sum(type(obj) is IProductionJob for obj in gc.get_objects())


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


@pytest.fixture
def made_hooks(monkeypatch: pytest.MonkeyPatch) -> list[IceHook]:
    """Every hook the triggers make, in order."""
    made: list[IceHook] = []

    class CountedHook(IceHook):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    async def counted_hook_class() -> type[IceHook]:
        return CountedHook

    monkeypatch.setattr("airflow_ice.triggers.base.load_hook_class", counted_hook_class)
    return made


async def start_waiting(count: int, scheduler: PollScheduler) -> list[asyncio.Future[None]]:
    """``count`` triggers on running jobs, each polled once and now asleep."""
    triggers = [IceIProductionJobTrigger(job_id=submit_cover(), poll_interval=30.0) for _ in range(count)]

    async def run(trigger: IceIProductionJobTrigger) -> None:
        async for _ in trigger.run():
            return

    tasks = [asyncio.ensure_future(run(trigger)) for trigger in triggers]
    await until(lambda: scheduler.waiting == count, timeout=60)
    assert not any(task.done() for task in tasks)
    return tasks


async def leave(tasks: list[asyncio.Future[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_waiting_triggers_of_a_connection_share_one_hook_the_last_closes_it(
    held_ice: IceEmulator, scheduler: PollScheduler, made_hooks: list[IceHook]
) -> None:
    clients_before = SHARED_CLIENTS.open_clients()
    tasks = await start_waiting(3, scheduler)
    try:
        assert len(made_hooks) == 1  # not one hook (engine, credentials, lease) per trigger
        assert TRIGGER_HOOKS.users(made_hooks[0]) == 3
        assert SHARED_CLIENTS.open_clients() == clients_before + 1

        await leave(tasks[:2])
        assert TRIGGER_HOOKS.users(made_hooks[0]) == 1
        assert SHARED_CLIENTS.open_clients() == clients_before + 1  # still in use
    finally:
        await leave(tasks)
    assert TRIGGER_HOOKS.users(made_hooks[0]) == 0
    assert SHARED_CLIENTS.open_clients() == clients_before  # the last trigger closed it


async def test_a_trigger_starting_after_the_share_window_gets_a_new_hook(
    held_ice: IceEmulator,
    scheduler: PollScheduler,
    made_hooks: list[IceHook],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A connection edited in Airflow reaches triggers started after the window, as it did when
    # each trigger read its own.
    monkeypatch.setattr(shared_hooks, "SHARE_SECONDS", -1.0)
    tasks = await start_waiting(2, scheduler)
    try:
        assert len(made_hooks) == 2
        assert [TRIGGER_HOOKS.users(hook) for hook in made_hooks] == [1, 1]
    finally:
        await leave(tasks)
    assert [TRIGGER_HOOKS.users(hook) for hook in made_hooks] == [0, 0]


async def test_triggers_share_their_class_logger_and_each_line_names_its_trigger(
    held_ice: IceEmulator, scheduler: PollScheduler
) -> None:
    triggers = [IceIProductionJobTrigger(job_id=submit_cover(), poll_interval=30.0) for _ in range(3)]

    async def run(trigger_id: int, trigger: IceIProductionJobTrigger) -> None:
        # What Airflow's trigger runner does in each trigger's task before running it: its log
        # lines reach the trigger's log by these context variables, whichever logger writes them.
        structlog.contextvars.bind_contextvars(trigger_id=trigger_id)
        async for _ in trigger.run():
            return

    # Lines as Airflow's processors see them: with the task's context variables merged in.
    # (capture_logs(processors=...) needs structlog 25.5; Airflow 3.1 pins 25.4.)
    captured = structlog.testing.LogCapture()
    config = structlog.get_config()
    structlog.configure(processors=[structlog.contextvars.merge_contextvars, captured])
    try:
        tasks = [asyncio.ensure_future(run(number, trigger)) for number, trigger in enumerate(triggers)]
        try:
            await until(lambda: scheduler.waiting == len(triggers), timeout=60)
        finally:
            await leave(tasks)
    finally:
        structlog.configure(**config)
    lines = captured.entries

    # No logger per instance: one per trigger class, made once.
    assert len({id(trigger.log) for trigger in triggers}) == 1
    assert triggers[0].log is IceIProductionJobTrigger.logger()
    # Each trigger's status line carries its own trigger id.
    status = {line["trigger_id"]: line["event"] for line in lines if " is Queuing" in line["event"]}
    assert status == {
        number: f"IProduction job {trigger.job_id} is Queuing" for number, trigger in enumerate(triggers)
    }
