"""The adaptive pace per action, on a held clock: cut on throttling, grown back, unpaced again."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Iterator

import pytest

from airflow_ice.client import engine
from airflow_ice.client.adaptive_rate import (
    CUT,
    FLOOR,
    GROWTH,
    LOG_EVERY,
    REGROUP,
    AdaptiveRate,
    AdaptiveRates,
)
from airflow_ice.client.pool import EndpointIdentity
from airflow_ice.emulator import IceEmulator, ScriptedFault
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.triggers.iproduction import IceIProductionJobTrigger
from tests.support.account_limit_simulation import simulate

LOGGER = "airflow_ice.client"


class HeldClock:
    """Monotonic seconds that move only when a waiter sleeps (it is the sleeper's clock too)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> HeldClock:
    return HeldClock()


def pace_on(clock: HeldClock) -> AdaptiveRate:
    return AdaptiveRate("GetJob at https://ice", clock=clock, sleep=clock.sleep, asleep=clock.asleep)


def messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == level]


def test_unpaced_until_throttled_then_cut_from_what_was_sent(
    clock: HeldClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    pace = pace_on(clock)
    epochs = [pace.acquire_blocking() for _ in range(20)]  # 20 calls in one second, none waits
    assert pace.pace is None
    assert clock.slept == []

    pace.throttled(epochs[0])
    assert pace.pace == pytest.approx(14.0)  # 70% of the 20/s it was sending
    # The other 19 calls went before the cut: their throttling answers say nothing new.
    for epoch in epochs[1:]:
        pace.throttled(epoch)
    assert pace.pace == pytest.approx(14.0)
    (warning,) = messages(caplog, logging.WARNING)
    assert "ICE is throttling GetJob at https://ice" in warning
    assert "14.0 calls/s" in warning
    assert "it was sending 20.0/s" in warning

    # From now on the calls wait their turn (the first goes at once), 1/14 s apart at first, a
    # little less as the pace grows back while no throttling comes.
    for _ in range(4):
        pace.acquire_blocking()
    assert clock.slept[0] == pytest.approx(1 / 14)
    assert 1 / 14 > clock.slept[1] > clock.slept[2] > 1 / 20


def test_a_late_throttling_answer_cuts_from_what_was_sent_then(clock: HeldClock) -> None:
    """The answers to a burst come back over seconds: one that says ICE throttled comes when little
    is being sent. The cut is from the most sent in a second since the last cut, not from the floor."""
    pace = pace_on(clock)
    epochs = [pace.acquire_blocking() for _ in range(300)]  # a burst of 300 calls in one second
    clock.now += 2.5  # nothing sent since
    pace.throttled(epochs[-1])
    assert pace.pace == pytest.approx(0.7 * 300)


def test_the_pace_grows_back_slowly_then_unpaces(clock: HeldClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    pace = pace_on(clock)
    for _ in range(20):
        epoch = pace.acquire_blocking()
    pace.throttled(epoch)
    cut_at = clock.now
    # Cubic: concave up to the throttled 20/s, flat around it, then faster beyond.
    to_plateau = ((1 - CUT) / GROWTH) ** (1 / 3)  # 8.4 s
    figures: dict[float, float] = {}
    for after in (0.5, 1.0, to_plateau, to_plateau + 1.0, to_plateau + 3.0):
        clock.now = cut_at + after
        paced = pace.pace
        assert paced is not None
        figures[after] = paced
    assert figures[0.5] == pytest.approx(20 * (1 - GROWTH * (to_plateau - 0.5) ** 3))
    assert 14.0 < figures[0.5] < figures[1.0] < figures[to_plateau] == pytest.approx(20.0)
    assert figures[to_plateau + 1.0] == pytest.approx(20 * (1 + GROWTH))  # slow near the throttled pace
    assert figures[to_plateau + 3.0] == pytest.approx(20 * (1 + GROWTH * 27))
    assert messages(caplog, logging.INFO) == []

    # Past twice the throttled pace, with nobody waiting and little asked for: unpaced again.
    clock.now = cut_at + to_plateau + (1 / GROWTH) ** (1 / 3) + 0.01
    assert pace.pace is None
    (recovered,) = messages(caplog, logging.INFO)
    assert "ICE no longer throttles GetJob at https://ice: unpaced again after 21 s" in recovered
    assert "slowest pace 14.0 calls/s" in recovered
    pace.acquire_blocking()
    assert clock.slept == []


def test_throttled_while_paced_cuts_again_down_to_the_floor_logging_once_a_minute(
    clock: HeldClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    pace = pace_on(clock)
    for _ in range(20):
        epoch = pace.acquire_blocking()
    seen = []
    started = clock.now
    while clock.now - started < LOG_EVERY + 10:
        pace.throttled(epoch)
        seen.append(pace.pace)
        epoch = pace.acquire_blocking()
    assert seen[0] == pytest.approx(14.0)
    assert all(a is not None and b is not None and b <= a + 1e-9 for a, b in itertools.pairwise(seen))
    assert seen[-1] == FLOOR
    # Every call throttled for over a minute: one warning at the start, one a minute later.
    first, later = messages(caplog, logging.WARNING)
    assert "ICE is throttling" in first
    assert "ICE is still throttling GetJob at https://ice: this process sends it at 0.5 calls/s" in later
    assert max(clock.slept) == pytest.approx(1 / FLOOR)


async def test_a_cut_puts_the_waiting_callers_back_in_line_at_the_new_pace(clock: HeldClock) -> None:
    pace = pace_on(clock)
    for _ in range(10):
        epoch = await pace.acquire()
    pace.throttled(epoch)  # 7/s, the first slot one step after the last call let go
    slots = [pace.reserve() for _ in range(3)]
    assert [pace.wait_for(slot) for slot in slots] == pytest.approx([1 / 7, 2 / 7, 3 / 7])
    clock.now += 1 / 7
    assert pace.went() == pace.epoch  # the first goes
    pace.throttled(pace.epoch)  # a call let go since was throttled too: 4.9/s
    # The two still waiting take new places, one step of the new pace apart.
    moved = [pace.recheck(slot) for slot in slots[1:]]
    assert [pace.wait_for(slot) for slot in moved] == pytest.approx([1 / 4.9, 2 / 4.9])
    # A pace that grows does not move the waiting callers sooner all at once (they would go
    # together, over the pace): their places hold until it has grown by a tenth (REGROUP)...
    moved += [pace.reserve() for _ in range(20)]  # 4.5 s of calls in line at 4.9/s
    clock.now += 0.1
    assert 4.9 < (pace.pace or 0) < REGROUP * 4.9
    assert [pace.recheck(slot) for slot in moved] == moved
    # ... then those still waiting take new places, one step of the grown pace apart.
    clock.now += 1.9
    grown = pace.pace or 0
    assert grown > REGROUP * 4.9
    waiting = [slot for slot in moved if pace.wait_for(slot) > 0]
    assert len(waiting) > 10
    regrouped = [pace.recheck(slot) for slot in waiting]
    expected = [n / grown for n in range(len(waiting))]
    assert [pace.wait_for(slot) for slot in regrouped] == pytest.approx(expected)


async def test_a_cancelled_waiter_gives_its_slot_back(clock: HeldClock) -> None:
    never = asyncio.Event()

    async def stuck(seconds: float) -> None:
        await never.wait()

    pace = AdaptiveRate("GetJob", clock=clock, asleep=stuck)
    for _ in range(10):
        epoch = await pace.acquire()
    pace.throttled(epoch)  # 7/s
    first = pace.reserve()
    waiter = asyncio.create_task(pace.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    # The next caller gets the cancelled waiter's slot (2/7 s), not the one after it (3/7 s).
    assert pace.wait_for(first) == pytest.approx(1 / 7)
    assert pace.wait_for(pace.reserve()) == pytest.approx(2 / 7)
    assert pace.wait_for(pace.reserve()) == pytest.approx(3 / 7)


def test_each_action_and_identity_has_its_own_pace(clock: HeldClock) -> None:
    paces = AdaptiveRates(clock=clock, sleep=clock.sleep, asleep=clock.asleep)
    account = EndpointIdentity("https://ice", "fingerprint")
    other = EndpointIdentity("https://ice", "another account")
    get = paces.for_action(account, "GetMediaProducingJob")
    assert paces.for_action(account, "GetMediaProducingJob") is get
    listing = paces.for_action(account, "ListMediaProducingJobs")
    elsewhere = paces.for_action(other, "GetMediaProducingJob")
    assert len({id(get), id(listing), id(elsewhere)}) == 3
    assert get.label == "GetMediaProducingJob at https://ice"

    get.throttled(get.acquire_blocking())
    assert get.pace == pytest.approx(0.7)  # 70% of the one call a second asked for
    assert listing.pace is None
    assert elsewhere.pace is None
    paces.clear()
    assert paces.for_action(account, "GetMediaProducingJob") is not get


def test_two_triggerers_sharing_an_account_limit_converge_under_it() -> None:
    """Two processes with 1,000 jobs each polled every 30 s (67 calls/s asked for) against an
    account limit of 20/s, simulated on virtual time: neither hears of the other, yet together
    they stay under the limit, both get a share, and most calls are answered."""
    run = simulate(jobs_each=1_000, limit=20.0, seconds=300.0)
    accepted, throttled = run.after(60.0)
    seconds = run.seconds_after(60.0)
    assert sum(accepted) <= 20.0 * seconds + 20.0  # the account's rate, plus one burst of its bucket
    assert sum(accepted) >= 0.9 * 20.0 * seconds
    assert min(accepted) >= 0.3 * sum(accepted)
    assert sum(throttled) < 0.03 * (sum(accepted) + sum(throttled))


# Against the emulator: its scripted throttling answers as ICE does (Code Throttling.User).

QUERY = "QueryIProductionJob"
PACED_WAITS = [1 / 0.7, 1 / FLOOR, 1 / FLOOR]
"""A call throttled three times from unpaced: the waits before its second, third and fourth attempts."""
COVER = {
    "function_name": "Cover",
    "input": {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"},
    "output": {"Type": "OSS", "Media": "oss://bucket/out/"},
}


@pytest.fixture
def held_paces(clock: HeldClock, monkeypatch: pytest.MonkeyPatch) -> AdaptiveRates:
    """The process's paces, on the held clock: a wait for a slot moves it instead of sleeping."""
    paces = AdaptiveRates(clock=clock, sleep=clock.sleep, asleep=clock.asleep)
    monkeypatch.setattr(engine, "ADAPTIVE_RATES", paces)
    return paces


@pytest.fixture
def ice(monkeypatch: pytest.MonkeyPatch) -> Iterator[IceEmulator]:
    with IceEmulator(job_seconds=0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", emulator.connection_json(max_retries=5, timeout=5))
        yield emulator


def submitted(ice: IceEmulator) -> str:
    with IceHook() as hook:
        job_id = hook.submit_iproduction_job(COVER)
    ice.set_faults(scripted=[ScriptedFault(kind="throttling", action=QUERY, count=3)])
    return job_id


async def test_the_client_slows_the_throttled_action_and_gets_its_answer(
    ice: IceEmulator, held_paces: AdaptiveRates, clock: HeldClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    job_id = submitted(ice)
    async with IceHook(retry_wait_initial=0.001, retry_wait_max=0.01) as hook:
        job = await hook.aquery_iproduction_job(job_id)
    assert job.job_id == job_id
    counters = ice.counters()
    assert (counters.requests[QUERY], counters.faults["throttling"]) == (4, 3)
    # Throttled once unpaced (cut to 0.7/s: the next attempt waits 1/0.7 s), then at that pace (cut
    # to 0.5/s, the floor), then at the floor: each attempt waits its turn, paced, not failed.
    assert clock.slept == pytest.approx(PACED_WAITS)
    (warning,) = messages(caplog, logging.WARNING)
    assert f"ICE is throttling {QUERY} at {ice.url}" in warning
    assert "0.7 calls/s" in warning
    identity = EndpointIdentity.of((await hook.aengine()).config)
    assert held_paces.for_action(identity, "SubmitIProductionJob").pace is None
    # Still paced just after; once the pace has grown to twice the one throttled (0.5/s, the
    # floor: 21 s after the last cut), with nobody waiting, reading it finds it unpaced again.
    assert held_paces.for_action(identity, QUERY).pace == FLOOR
    assert messages(caplog, logging.INFO) == []
    clock.now += 21.1
    assert held_paces.for_action(identity, QUERY).pace is None
    (recovered,) = messages(caplog, logging.INFO)
    assert f"ICE no longer throttles {QUERY} at {ice.url}" in recovered


def test_sync_calls_wait_their_turn_too(
    ice: IceEmulator, held_paces: AdaptiveRates, clock: HeldClock
) -> None:
    job_id = submitted(ice)
    with IceHook(retry_wait_initial=0.001, retry_wait_max=0.01) as hook:
        assert hook.query_iproduction_job(job_id).job_id == job_id
    assert ice.counters().requests[QUERY] == 4
    assert clock.slept == pytest.approx(PACED_WAITS)


async def test_a_throttled_trigger_waits_its_turn_and_never_counts_a_failure(
    ice: IceEmulator,
    held_paces: AdaptiveRates,
    clock: HeldClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", ice.connection_json(max_retries=0, timeout=5))
    job_id = submitted(ice)
    # No retries in the hook, and not one failed poll tolerated: each throttled answer is a poll
    # the trigger must neither count nor fail on.
    trigger = IceIProductionJobTrigger(
        job_id=job_id, poll_interval=0.01, deadline=time.time() + 60, max_consecutive_failures=0
    )
    events = [event async for event in trigger.run()]
    event = JobEvent.from_payload(events[0].payload, job_id=job_id)
    assert event.status is JobEventStatus.SUCCESS
    assert ice.counters().faults["throttling"] == 3
    assert clock.slept == pytest.approx(PACED_WAITS)
    assert len(messages(caplog, logging.WARNING)) == 1
