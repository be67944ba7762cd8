"""The shared poll ticks: many waits end on few wake-ups, none more than a tick late (or, when
asked, early), and a wait that leaves leaves the schedule; pauses between polls are never late. Driven by a test clock (tests/support/tick_clock.py): time
moves only when the test runs the next tick, so nothing here races the wall clock. The trigger
tests run real triggers against the emulator on that clock, with held jobs that end at set
virtual times, and count calls per job on the emulator's counters."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import AsyncIterator, Callable
from itertools import pairwise
from typing import Any

import pytest

from airflow_ice.emulator import IceEmulator
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.provider_config import DEFAULT_POLL_TICK_SECONDS
from airflow_ice.triggers.base import IceJobTrigger
from airflow_ice.triggers.iproduction import IceIProductionJobTrigger
from airflow_ice.triggers.poll_scheduler import (
    POLL_SCHEDULERS,
    RELEASE_BATCH,
    PollScheduler,
    configured_tick,
)
from tests.support.dags import HELD_JOB_SECONDS, requests
from tests.support.emulator import ManualClock
from tests.support.loop_checks import until
from tests.support.tick_clock import TestClock
from tests.unit.triggers.test_triggers import submit_cover

QUERY = "QueryIProductionJob"
TICK = 1.0


async def settle() -> None:
    """Let the tasks a tick woke run up to their next wait (they need no I/O here)."""
    for _ in range(5):
        await asyncio.sleep(0)


@pytest.mark.parametrize("not_after_due", [False, True], ids=["first-tick-after", "last-tick-before"])
async def test_many_waits_end_on_few_ticks_none_off_by_more_than_a_tick(not_after_due: bool) -> None:
    clock = TestClock(start=1000.0)
    scheduler = PollScheduler(TICK, clock)
    draw = random.Random(7)
    delays = [draw.uniform(0.01, 30.0) for _ in range(1000)]
    woken: list[tuple[float, float]] = []

    async def wait(delay: float) -> None:
        due = clock.now + delay
        await scheduler.sleep(delay, not_after_due=not_after_due)
        woken.append((due, clock.now))

    tasks = [asyncio.ensure_future(wait(delay)) for delay in delays]
    await settle()
    assert scheduler.waiting == 1000
    while scheduler.waiting:
        clock.run_next()
        await settle()

    assert all(task.done() for task in tasks)
    assert len(woken) == 1000
    assert scheduler.stats.woken == 1000
    assert scheduler.stats.ticks <= 31  # 30 s of waits on 1 s ticks, not 1000 wake-ups
    lateness = [ended - due for due, ended in woken]
    if not_after_due:
        assert max(lateness) <= 1e-9  # never late
        assert min(lateness) >= -TICK - 1e-9  # at most one tick early
    else:
        assert min(lateness) >= -1e-9  # never early
        assert max(lateness) <= TICK + 1e-9  # at most one tick late
    assert clock.pending == 0  # nothing left armed


async def test_waits_that_leave_leave_the_schedule() -> None:
    clock = TestClock()
    scheduler = PollScheduler(TICK, clock)
    tasks = [asyncio.ensure_future(scheduler.sleep(5.0 + index)) for index in range(10)]
    await settle()
    for task in tasks[:4]:
        task.cancel()
    await settle()
    assert scheduler.waiting == 6

    for task in tasks[4:]:
        task.cancel()
    await settle()

    assert scheduler.waiting == 0
    assert clock.pending == 0  # the timer went with the last wait
    assert scheduler.stats.ticks == 0


async def test_an_earlier_wait_brings_the_timer_forward() -> None:
    clock = TestClock()
    scheduler = PollScheduler(TICK, clock)
    long = asyncio.ensure_future(scheduler.sleep(100.0))
    await settle()
    short = asyncio.ensure_future(scheduler.sleep(1.5))
    await settle()

    assert clock.run_next() == 2.0  # the first tick after 1.5 s, not the long wait's
    await settle()
    assert short.done()
    assert not long.done()
    assert scheduler.waiting == 1
    long.cancel()


async def test_a_short_poll_interval_gets_a_finer_tick() -> None:
    clock = TestClock()
    scheduler = PollScheduler(TICK, clock)
    assert scheduler.tick_for(30.0) == TICK
    assert scheduler.tick_for(0.05) == pytest.approx(0.005)
    task = asyncio.ensure_future(scheduler.sleep(0.012, scheduler.tick_for(0.05)))
    await settle()

    assert clock.run_next() == pytest.approx(0.015)
    await settle()
    assert task.done()


async def test_a_tick_that_ends_many_waits_wakes_them_a_batch_per_loop_callback() -> None:
    clock = TestClock()
    scheduler = PollScheduler(TICK, clock)
    count = 2 * RELEASE_BATCH + 10
    tasks = [asyncio.ensure_future(scheduler.sleep(5.0)) for _ in range(count)]
    await settle()

    assert clock.run_next() == 5.0  # the tick
    await settle()
    assert sum(task.done() for task in tasks) == RELEASE_BATCH
    assert scheduler.waiting == count - RELEASE_BATCH
    # One leaves while it waits for its batch (which waits a batch takes is not in task order).
    next(task for task in tasks if not task.done()).cancel()
    await settle()
    while scheduler.waiting:
        assert clock.run_next() == 5.0  # the next batch: a callback at the tick's time, not later
        await settle()

    assert all(task.done() for task in tasks)
    assert scheduler.stats.ticks == 1
    assert scheduler.stats.batches == 3
    assert scheduler.stats.woken == count - 1
    assert clock.pending == 0


async def test_a_tick_of_0_turns_the_shared_ticks_off() -> None:
    clock = TestClock()
    scheduler = PollScheduler(0.0, clock)
    await asyncio.wait_for(scheduler.sleep(0.01), timeout=30)  # the loop's own timer, not a tick

    assert clock.pending == 0
    assert scheduler.stats.ticks == 0


def test_the_tick_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__ALIBABA_ICE__POLL_TICK_SECONDS", "0.25")
    assert configured_tick() == 0.25
    monkeypatch.setenv("AIRFLOW__ALIBABA_ICE__POLL_TICK_SECONDS", "0")
    assert configured_tick() == 0.0
    monkeypatch.setenv("AIRFLOW__ALIBABA_ICE__POLL_TICK_SECONDS", "-1")
    assert configured_tick() == DEFAULT_POLL_TICK_SECONDS
    monkeypatch.delenv("AIRFLOW__ALIBABA_ICE__POLL_TICK_SECONDS")
    assert configured_tick() == DEFAULT_POLL_TICK_SECONDS


# Real triggers on the test clock


@pytest.fixture
async def tick_clock() -> AsyncIterator[tuple[TestClock, PollScheduler]]:
    """The running loop's poll scheduler, on a test clock."""
    loop = asyncio.get_running_loop()
    clock = TestClock()
    scheduler = PollScheduler(TICK, clock)
    POLL_SCHEDULERS.install(loop, scheduler)
    yield clock, scheduler
    POLL_SCHEDULERS.install(loop, None)


@pytest.fixture
def held_ice_limit_clock(tick_clock: tuple[TestClock, PollScheduler]) -> Callable[[], float]:
    """``held_ice``'s account limit counts calls on the test clock, the triggers' own time: 100
    triggers polling every 30 s call about 3 times a virtual second (100 at once at most), under
    ICE's 100 a second, but the machine runs minutes of virtual time through in seconds."""
    clock, _ = tick_clock
    return clock.time


def submit_ending_at(job_clock: ManualClock, base: float, ends: float) -> str:
    """A held job (HELD_JOB_SECONDS long) that ends at virtual time ``ends`` after ``base``."""
    job_clock.now = base + ends - HELD_JOB_SECONDS
    try:
        return submit_cover()
    finally:
        job_clock.now = base


async def run_on_test_clock(
    triggers: list[IceJobTrigger],
    clock: TestClock,
    scheduler: PollScheduler,
    job_clock: ManualClock,
    base: float,
    batched: bool = False,
) -> list[tuple[JobEvent, float]]:
    """Run the triggers, moving the test clock (and the job clock with it) tick by tick whenever
    every trigger still running waits on the scheduler (``batched``: their one poller does).
    Returns each event and its virtual time."""
    ended: dict[int, float] = {}

    async def run(index: int, trigger: IceJobTrigger) -> JobEvent:
        events = [event async for event in trigger.run()]
        ended[index] = clock.now
        assert len(events) == 1
        return JobEvent.from_payload(events[0].payload, job_id=trigger.job_id)

    tasks = [asyncio.ensure_future(run(index, trigger)) for index, trigger in enumerate(triggers)]

    def all_waiting() -> bool:
        running = sum(not task.done() for task in tasks)
        return scheduler.waiting == (min(running, 1) if batched else running)

    while True:
        await until(all_waiting, timeout=60)
        await settle()  # batched: the triggers take what the round delivered
        if all(task.done() for task in tasks):
            break
        job_clock.now = base + clock.run_next()
    return [(task.result(), ended[index]) for index, task in enumerate(tasks)]


async def test_the_polls_of_many_triggers_share_ticks(
    held_ice: IceEmulator, job_clock: ManualClock, tick_clock: tuple[TestClock, PollScheduler]
) -> None:
    clock, scheduler = tick_clock
    base = job_clock.now
    # 100 triggers whose jobs end after 100 s: each polls at once, then every 30 s (±5% jitter).
    job_ids = [submit_ending_at(job_clock, base, 100.0) for _ in range(100)]
    triggers = [IceIProductionJobTrigger(job_id=job_id, poll_interval=30.0) for job_id in job_ids]

    results = await run_on_test_clock(triggers, clock, scheduler, job_clock, base)

    assert all(event.status is JobEventStatus.SUCCESS for event, _ in results)
    # Polls at 0, ~30, ~60, ~90 and ~120 s: 4 waits each. A wait starts on a tick and lasts
    # 30 s ± 1.5 s, so it ends on one of 4 ticks: round r's 100 polls share at most 3r + 1 ticks
    # (4 + 7 + 10 + 13 = 34 wake-ups for 400 waits, where each wait used to wake the loop).
    assert requests(held_ice, QUERY) == 100 * 5
    assert scheduler.stats.woken == 100 * 4
    assert scheduler.stats.ticks <= 34
    # Seen done at most one poll interval (with jitter) and a tick after it ended.
    assert all(100.0 < seen <= 100.0 + 30.0 * 1.05 * 2 + TICK for _, seen in results)


async def test_pauses_between_polls_are_never_late_and_keep_the_jitters_range_and_mean(
    held_ice: IceEmulator,
    job_clock: ManualClock,
    tick_clock: tuple[TestClock, PollScheduler],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock, scheduler = tick_clock
    base = job_clock.now
    job_ids = [submit_ending_at(job_clock, base, 100.0) for _ in range(50)]
    polled: dict[str, list[float]] = {}
    # (start, drawn length, end) of every pause between polls: the draw is the pause's due time.
    pauses: list[tuple[float, float, float]] = []
    draws: list[float] = []
    uniform = random.uniform

    def recorded_uniform(low: float, high: float) -> float:
        draws.append(uniform(low, high))
        return draws[-1]

    monkeypatch.setattr(random, "uniform", recorded_uniform)

    class Recording(IceIProductionJobTrigger):
        async def poll_job(self, hook: Any, remaining: float | None) -> Any:
            polled.setdefault(self.job_id, []).append(clock.now)
            return await super().poll_job(hook, remaining)

        async def pause_between_polls(self, remaining: float | None) -> None:
            # The pause draws its length before it first waits, so no other trigger draws between.
            mine, started = len(draws), clock.now
            await super().pause_between_polls(remaining)
            pauses.append((started, draws[mine], clock.now))

    state = random.getstate()
    random.seed(11)  # the triggers' jitter
    try:
        triggers: list[IceJobTrigger] = [Recording(job_id=job_id, poll_interval=30.0) for job_id in job_ids]
        results = await run_on_test_clock(triggers, clock, scheduler, job_clock, base)
    finally:
        random.setstate(state)

    assert all(event.status is JobEventStatus.SUCCESS for event, _ in results)
    assert len(pauses) == 50 * 4
    # Each pause ends on the last tick at or before its due time: never late, under a tick early.
    assert all(due - TICK < ended - started <= due + 1e-9 for started, due, ended in pauses)
    # The tick's rounding is part of the jitter: pauses span 30 s ± 5%, as without ticks ...
    offsets = [later - earlier - 30.0 for times in polled.values() for earlier, later in pairwise(times)]
    assert len(offsets) == 50 * 4
    assert all(abs(offset) <= 30.0 * 0.05 + 1e-9 for offset in offsets)
    assert max(offsets) > 30.0 * 0.05 - TICK  # the long end of the range is used ...
    # ... with the same mean: ending on the last tick before a plain jittered due time would poll
    # half a tick early on average (more calls), the first after it half a tick late.
    assert abs(statistics.mean(offsets)) < TICK / 4


DURATIONS = [65.0, 80.0, 100.0, 115.0]


def schedule_triggers(job_ids: list[str], duration_aware: bool) -> list[IceIProductionJobTrigger]:
    if duration_aware:
        # What the operator passes: the job's expected minimum (60 s here) after the submit.
        first = time.time() + 60.0
        return [
            IceIProductionJobTrigger(job_id=job_id, poll_interval=30.0, first_poll_at=first)
            for job_id in job_ids
        ]
    # Fixed 30 s polling: a trigger as the previous version serialised it (no first_poll_at).
    previous: list[dict[str, Any]] = [
        {"job_id": job_id, "ice_conn_id": "ice_default", "poll_interval": 30.0, "deadline": None}
        for job_id in job_ids
    ]
    return [IceIProductionJobTrigger(**kwargs) for kwargs in previous]


@pytest.mark.parametrize(
    ("duration_aware", "polls_per_job"),
    [
        # First poll at 60 s, then ~90, ~120: jobs ending at 65/80 s are seen at ~90, 100/115 at ~120.
        pytest.param(True, [2, 2, 3, 3], id="duration-aware"),
        # At once, then ~30, ~60, ~90, ~120.
        pytest.param(False, [4, 4, 5, 5], id="fixed-30s"),
    ],
)
async def test_calls_per_job_of_the_duration_aware_schedule(
    held_ice: IceEmulator,
    job_clock: ManualClock,
    tick_clock: tuple[TestClock, PollScheduler],
    duration_aware: bool,
    polls_per_job: list[int],
) -> None:
    clock, scheduler = tick_clock
    base = job_clock.now
    job_ids = [submit_ending_at(job_clock, base, duration) for duration in DURATIONS]

    state = random.getstate()
    random.seed(5)  # the triggers' jitter: the 115 s job's last poll may not come before 115 s
    try:
        results = await run_on_test_clock(
            schedule_triggers(job_ids, duration_aware), clock, scheduler, job_clock, base
        )
    finally:
        random.setstate(state)

    assert all(event.status is JobEventStatus.SUCCESS for event, _ in results)
    # The emulator's count (the operator's check at once comes on top in both schedules).
    assert requests(held_ice, QUERY) == sum(polls_per_job)
    latency = [seen - duration for (_, seen), duration in zip(results, DURATIONS, strict=True)]
    # Detection latency after the job ended: under one poll interval (with jitter) and a tick.
    assert all(0 < late <= 30.0 * 1.05 + TICK for late in latency)
    print(f"calls per job {sum(polls_per_job) / len(DURATIONS) + 1:.2f}, detection latency {latency}")


async def test_the_batched_ai_app_poller_waits_on_the_same_ticks(
    held_ice: IceEmulator, job_clock: ManualClock, tick_clock: tuple[TestClock, PollScheduler]
) -> None:
    from airflow_ice.triggers.yike_ai_app import IceYikeAIAppJobTrigger
    from tests.unit.triggers.test_yike_ai_app import submit as submit_ai_app

    clock, scheduler = tick_clock
    base = job_clock.now
    job_clock.now = base + 100.0 - HELD_JOB_SECONDS  # they end 100 s after the start
    job_ids = [submit_ai_app() for _ in range(40)]
    job_clock.now = base
    triggers: list[IceJobTrigger] = [
        IceYikeAIAppJobTrigger(job_id=job_id, poll_interval=30.0, batch_size=20) for job_id in job_ids
    ]

    results = await run_on_test_clock(triggers, clock, scheduler, job_clock, base, batched=True)

    assert all(event.status is JobEventStatus.SUCCESS for event, _ in results)
    # One round soon after joining, then one every ~30 s on the test clock's ticks: rounds at
    # ~0, 30, 60, 90 and 120 s, two batch calls of 20 each, one wake-up each.
    assert requests(held_ice, "BatchGetYikeAIAppJob") == 5 * 2
    assert requests(held_ice, "GetYikeAIAppJob") == 0
    assert scheduler.stats.ticks == 5
    assert all(100.0 < seen <= 100.0 + 30.0 * 1.05 + TICK for _, seen in results)
