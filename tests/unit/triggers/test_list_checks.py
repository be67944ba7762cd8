"""List-based status checks: the waiting triggers of a family ICE lists by status (snapshot, media
info, ...) are answered by its lists of finished jobs (or of unfinished ones, when those take fewer
pages), once per round, instead of one Get each.

Jobs run on a hand-moved emulator clock (they end the moment the test says); calls are counted by
the emulator, checks by the triggers themselves (each check handed to a trigger, a running job's
too). Tests wait for rounds to happen, never for a fixed time.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from airflow.triggers.base import TriggerEvent

from airflow_ice.emulator import IceEmulator, ScriptedFault
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.jobs.family import IceJob
from airflow_ice.jobs.tag import TaskIdentity
from airflow_ice.triggers.base import IceJobTrigger
from airflow_ice.triggers.batching import (
    BATCHED_POLLERS,
    DEFAULT_MAX_LIST_PAGES,
    GET_SPREAD,
    POLLER_STATS_MESSAGE,
    BatchedJobPoller,
    ListedJobKind,
    PollKind,
)
from airflow_ice.triggers.media_info import IceMediaInfoJobTrigger
from airflow_ice.triggers.poll_scheduler import POLL_SCHEDULERS, PollScheduler
from airflow_ice.triggers.snapshot import IceSnapshotJobTrigger
from tests.support.emulator import ManualClock
from tests.support.family_cases import IPRODUCTION, MEDIA_INFO, SNAPSHOT, FamilyCase
from tests.support.loop_checks import until, until_while_running
from tests.support.tick_clock import TestClock

POLL = 0.1
JOB_SECONDS = 3600.0
LIST_SNAPSHOTS, GET_SNAPSHOT = "ListSnapshotJobs", "GetSnapshotJob"
LIST_INFO, GET_INFO = "ListMediaInfoJobs", "GetMediaInfoJob"


class Counting:
    """Counts the checks a trigger receives: one per round it took part in."""

    checks = 0

    async def poll_job(self, hook: IceHook, remaining: float | None) -> IceJob | None:
        job: IceJob | None = await super().poll_job(hook, remaining)  # type: ignore[misc]
        self.checks += job is not None
        return job


class CountingSnapshotTrigger(Counting, IceSnapshotJobTrigger):
    pass


class CountingMediaInfoTrigger(Counting, IceMediaInfoJobTrigger):
    pass


class FinishedListsSnapshotTrigger(CountingSnapshotTrigger):
    """Lists finished jobs only."""

    def poll_kind(self) -> PollKind:
        return ListedJobKind(self.family, list_unfinished=False)


class TwoPagesSnapshotTrigger(CountingSnapshotTrigger):
    """Reads at most two pages of a list per round."""

    def poll_kind(self) -> PollKind:
        return ListedJobKind(self.family, max_pages=2)


class NarrowWindowSnapshotTrigger(CountingSnapshotTrigger):
    """Lists a window of ten minutes at most."""

    def poll_kind(self) -> PollKind:
        return ListedJobKind(self.family, max_window_seconds=600)


class TwoPagesMediaInfoTrigger(CountingMediaInfoTrigger):
    """Reads at most two pages of a list per round."""

    def poll_kind(self) -> PollKind:
        return ListedJobKind(self.family, max_pages=2)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(time.time())


@pytest.fixture
def ice(clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[IceEmulator]:
    # The tests submit hundreds of jobs at once to fill list pages: the account limit (100 calls/s,
    # tests/unit/emulator/test_account_limit.py) is not what they check.
    with IceEmulator(job_seconds=JOB_SECONDS, clock=clock, faults={"qps_limit": None}) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", emulator.connection_json(max_retries=0, timeout=10))
        yield emulator


def submit(case: FamilyCase, count: int, *, fail: bool = False) -> list[str]:
    """``count`` jobs of the family, submitted through one hook."""
    operator = case.operator(task_id="t", **{**case.kwargs, **(case.failing if fail else {})})
    request = operator.build_request(TaskIdentity("tests", "run", "t", -1))
    with IceHook() as hook:
        return [hook.submit_job(case.family, request) for _ in range(count)]


def calls(emulator: IceEmulator, action: str) -> int:
    return emulator.counters().requests[action]


async def collect(trigger: IceJobTrigger) -> list[TriggerEvent]:
    return [event async for event in trigger.run()]


def events_of(results: list[list[TriggerEvent]], job_ids: list[str]) -> list[JobEvent]:
    assert all(len(events) == 1 for events in results)
    return [
        JobEvent.from_payload(events[0].payload, job_id=job_id)
        for events, job_id in zip(results, job_ids, strict=True)
    ]


def reads_while_running(emulator: IceEmulator, job_ids: list[str]) -> int:
    """The Gets the emulator answered for these jobs while they ran."""
    wanted = set(job_ids)
    return sum(job["Reads"]["Running"] for job in emulator.jobs() if job["JobId"] in wanted)


def snapshot_poller() -> BatchedJobPoller:
    (poller,) = [poller for poller in BATCHED_POLLERS.active() if poller.kind.name == "Snapshot"]
    return poller


async def started(triggers: list[Any], checks: int = 3) -> asyncio.Future[list[list[TriggerEvent]]]:
    """The triggers running, once each has been checked ``checks`` times; what they yield in the end."""
    done = asyncio.gather(*(collect(trigger) for trigger in triggers))
    await until_while_running(done, lambda: min(trigger.checks for trigger in triggers) >= checks)
    return done


def rounds_of(triggers: list[Any]) -> int:
    checks = [trigger.checks for trigger in triggers]
    assert max(checks) - min(checks) <= 1
    return max(checks)


async def test_many_triggers_make_one_list_per_finished_status_per_round(
    ice: IceEmulator, clock: ManualClock
) -> None:
    created = clock()
    job_ids = submit(SNAPSHOT, 40)
    triggers = [
        FinishedListsSnapshotTrigger(job_id=job_id, poll_interval=POLL, created_at=created)
        for job_id in job_ids
    ]
    done = await started(triggers)
    clock.advance(JOB_SECONDS)
    events = events_of(await done, job_ids)

    rounds = rounds_of(triggers)
    assert rounds >= 4
    # Success and Fail: two lists per round (the last round may be cut by the jobs' end), where
    # polling alone makes 40 Gets per round.
    assert 2 * (rounds - 1) < calls(ice, LIST_SNAPSHOTS) <= 2 * rounds
    # A snapshot list item lacks Code, Message and UserData: each job is read once, when finished.
    assert calls(ice, GET_SNAPSHOT) == 40
    assert all(event.status is JobEventStatus.SUCCESS for event in events)
    assert all(event.job and event.job["output_url"] == SNAPSHOT.output_url(event.job) for event in events)


async def test_pages_are_followed_and_complete_items_need_no_get(
    ice: IceEmulator, clock: ManualClock
) -> None:
    created = clock()
    succeeding = submit(MEDIA_INFO, 230)
    failing = submit(MEDIA_INFO, 3, fail=True)
    clock.advance(JOB_SECONDS)  # all end before the triggers start: one round answers them all
    job_ids = succeeding + failing
    triggers = [
        CountingMediaInfoTrigger(job_id=job_id, poll_interval=3600, created_at=created) for job_id in job_ids
    ]

    events = events_of(await asyncio.gather(*(collect(trigger) for trigger in triggers)), job_ids)

    # Success: pages of 100, 100 and 30 (NextToken followed); Fail: one page.
    assert calls(ice, LIST_INFO) == 4
    # A media info list item is the whole job: no Get.
    assert calls(ice, GET_INFO) == 0
    assert [event.status for event in events] == [JobEventStatus.SUCCESS] * 230 + [JobEventStatus.FAILED] * 3
    assert all(event.job and event.job["format"] and event.job["video_streams"] for event in events[:230])


async def test_past_the_page_bound_the_unvouched_jobs_are_read_with_gets_logged_once(
    ice: IceEmulator, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="airflow_ice.triggers.batching")
    submit(MEDIA_INFO, 250)  # another system's jobs, never waited on here
    clock.advance(30)
    running_since = clock()
    running = submit(MEDIA_INFO, 3)  # in the same window as the 250
    clock.advance(JOB_SECONDS - 29)  # the 250 have ended; the three run for 29 s more
    triggers = [
        TwoPagesMediaInfoTrigger(job_id=job_id, poll_interval=POLL, created_at=running_since)
        for job_id in running
    ]
    waiting = asyncio.gather(*(collect(trigger) for trigger in triggers))

    await until_while_running(waiting, lambda: min(t.checks for t in triggers) >= 3)
    clock.advance(JOB_SECONDS)
    events = events_of(await waiting, running)

    assert all(event.succeeded for event in events)
    # Each round checks three jobs: 2 pages of Success (200 jobs), cut; a cut list cannot vouch for
    # the three, so each round read them with their Gets.
    assert calls(ice, GET_INFO) >= 3 * 3
    assert caplog.text.count("ran past 2 pages") == 1


async def test_the_jobs_a_poller_found_finished_keep_its_lists_whole(
    ice: IceEmulator, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="airflow_ice.triggers.batching")
    created = clock()
    finished = submit(MEDIA_INFO, 250)
    clock.advance(30)
    running_since = clock()
    running = submit(MEDIA_INFO, 3)
    clock.advance(JOB_SECONDS - 29)
    finished_triggers = [
        TwoPagesMediaInfoTrigger(job_id=job_id, poll_interval=POLL, created_at=created) for job_id in finished
    ]
    running_triggers = [
        TwoPagesMediaInfoTrigger(job_id=job_id, poll_interval=POLL, created_at=running_since)
        for job_id in running
    ]
    waiting = asyncio.gather(*(collect(trigger) for trigger in running_triggers))

    finished_events = events_of(await asyncio.gather(*(collect(t) for t in finished_triggers)), finished)
    await until_while_running(waiting, lambda: min(t.checks for t in running_triggers) >= 3)
    clock.advance(JOB_SECONDS)
    running_events = events_of(await waiting, running)

    assert all(event.succeeded for event in [*finished_events, *running_events])
    # The first round checked 253 jobs (up to 11 pages) and found 250 finished; the later rounds
    # check three but count the 250 still in their window: 11 pages again, never cut. Every job
    # was vouched for by a whole list, and media info items need no Get.
    assert calls(ice, GET_INFO) == 0
    assert "ran past" not in caplog.text


def test_the_page_bound_grows_with_the_jobs_checked() -> None:
    kind = ListedJobKind(MEDIA_INFO.family, max_pages=2)
    assert [kind.pages_for(jobs) for jobs in (1, 50, 51, 253, 1_250)] == [2, 2, 3, 11, 50]
    assert ListedJobKind(MEDIA_INFO.family).pages_for(100) == DEFAULT_MAX_LIST_PAGES


async def test_a_list_ice_cannot_answer_falls_back_to_gets_logged_once(
    ice: IceEmulator, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="airflow_ice.triggers.batching")
    ice.set_faults(scripted=[ScriptedFault(kind="unreadable_answer", action=LIST_INFO, count=1)])
    created = clock()
    job_ids = submit(MEDIA_INFO, 4)
    triggers = [
        CountingMediaInfoTrigger(job_id=job_id, poll_interval=POLL, created_at=created) for job_id in job_ids
    ]
    done = await started(triggers)
    clock.advance(JOB_SECONDS)
    events = events_of(await done, job_ids)

    assert all(event.succeeded for event in events)
    # The one garbled list ends listing for this poller: every check after it is a Get.
    assert calls(ice, LIST_INFO) == 1
    assert calls(ice, GET_INFO) == sum(trigger.checks for trigger in triggers)
    assert caplog.text.count("reading them one by one with GetMediaInfoJob") == 1


async def test_a_job_outside_the_window_is_read_with_its_get_and_never_lost(
    ice: IceEmulator, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="airflow_ice.triggers.batching")
    old_created = clock()
    (old,) = submit(SNAPSHOT, 1)
    clock.advance(JOB_SECONDS - 10)  # the old job ends in 10 s; the window is ten minutes wide
    new_created = clock()
    (new,) = submit(SNAPSHOT, 1)
    clock.advance(5)
    old_trigger = NarrowWindowSnapshotTrigger(job_id=old, poll_interval=POLL, created_at=old_created)
    new_trigger = NarrowWindowSnapshotTrigger(job_id=new, poll_interval=POLL, created_at=new_created)
    old_waiting = asyncio.ensure_future(collect(old_trigger))
    new_waiting = asyncio.ensure_future(collect(new_trigger))

    await until_while_running(old_waiting, lambda: old_trigger.checks >= 2 and new_trigger.checks >= 2)
    gets, old_checks = calls(ice, GET_SNAPSHOT), old_trigger.checks
    clock.advance(10)  # the old job ends
    (old_event,) = events_of([await old_waiting], [old])
    clock.advance(JOB_SECONDS)
    (new_event,) = events_of([await new_waiting], [new])

    assert old_event.succeeded
    assert new_event.succeeded
    # Every check of the job created an hour before the newest was a Get (one may be on the wire);
    # the new job's were lists.
    assert old_checks <= gets <= old_checks + 1
    assert calls(ice, LIST_SNAPSHOTS) >= 2 * 2
    assert caplog.text.count("read with their own Gets, not listed") == 1


async def test_a_job_whose_creation_time_is_unknown_is_read_once_then_listed(
    ice: IceEmulator, clock: ManualClock
) -> None:
    (job_id,) = submit(SNAPSHOT, 1)
    trigger = CountingSnapshotTrigger(job_id=job_id, poll_interval=POLL)  # no created_at (a sensor's)
    waiting = asyncio.ensure_future(collect(trigger))
    await until_while_running(waiting, lambda: trigger.checks >= 4)
    gets_while_running = calls(ice, GET_SNAPSHOT)
    clock.advance(JOB_SECONDS)
    (event,) = events_of([await waiting], [job_id])

    assert event.succeeded
    assert gets_while_running == 1  # its first check, which tells when ICE created it
    # One list of unfinished (Init) jobs per round: fewer pages than Success's and Fail's.
    assert calls(ice, LIST_SNAPSHOTS) >= 3
    assert calls(ice, GET_SNAPSHOT) == 2  # and once more when the list no longer shows it


async def test_pollers_are_per_connection_and_family(
    ice: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_ICE_OTHER", ice.connection_json())
    (snapshot, other_snapshot) = submit(SNAPSHOT, 2)
    (info,) = submit(MEDIA_INFO, 1)
    tasks = [
        asyncio.ensure_future(collect(IceSnapshotJobTrigger(job_id=snapshot, poll_interval=POLL))),
        asyncio.ensure_future(collect(IceMediaInfoJobTrigger(job_id=info, poll_interval=POLL))),
        asyncio.ensure_future(
            collect(IceSnapshotJobTrigger(job_id=other_snapshot, poll_interval=POLL, ice_conn_id="ice_other"))
        ),
    ]
    await until(lambda: len(BATCHED_POLLERS.active()) == 3)

    seen = sorted((p.kind.name, p.conn_id, tuple(p.job_ids)) for p in BATCHED_POLLERS.active())
    assert seen == [
        ("Media info", "ice_default", (info,)),
        ("Snapshot", "ice_default", (snapshot,)),
        ("Snapshot", "ice_other", (other_snapshot,)),
    ]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert BATCHED_POLLERS.active() == []


async def test_a_transient_list_failure_means_keep_waiting(ice: IceEmulator, clock: ManualClock) -> None:
    ice.set_faults(scripted=[ScriptedFault(kind="unavailable", action=LIST_SNAPSHOTS, count=1)])
    created = clock()
    job_ids = submit(SNAPSHOT, 3)
    triggers = [
        CountingSnapshotTrigger(
            job_id=job_id, poll_interval=POLL, created_at=created, max_consecutive_failures=1
        )
        for job_id in job_ids
    ]
    done = await started(triggers, 2)
    clock.advance(JOB_SECONDS)

    assert all(event.succeeded for event in events_of(await done, job_ids))
    assert ice.counters().faults == {"unavailable": 1}


def test_a_family_tells_ices_creation_time_of_its_jobs(ice: IceEmulator, clock: ManualClock) -> None:
    """What the operator and sensor hand the trigger as ``created_at`` (ICE's clock)."""
    created = clock()
    (snapshot,) = submit(SNAPSHOT, 1)
    (info,) = submit(MEDIA_INFO, 1)
    with IceHook() as hook:
        snapshot_job = hook.get_job(SNAPSHOT.family, snapshot)
        info_job = hook.get_job(MEDIA_INFO.family, info)

    assert SNAPSHOT.family.created_at(snapshot_job) == int(created)
    assert MEDIA_INFO.family.created_at(info_job) == int(created)  # its SubmitTime: it has no CreateTime
    assert IPRODUCTION.family.created_at(snapshot_job) is None  # no list: never needed


async def test_a_poller_logs_its_stats_when_it_stops(
    ice: IceEmulator, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The line the deployment test reads (tests/integration/deployment/proofs.py) to tell list
    calls per round."""
    from tests.integration.deployment.proofs import read_poller_stats

    caplog.set_level(logging.DEBUG, logger="airflow_ice.triggers.batching")
    created = clock()
    job_ids = submit(SNAPSHOT, 3)
    triggers = [
        CountingSnapshotTrigger(job_id=job_id, poll_interval=POLL, created_at=created) for job_id in job_ids
    ]
    done = await started(triggers, 2)
    clock.advance(JOB_SECONDS)
    await done
    await until(lambda: POLLER_STATS_MESSAGE in caplog.text)

    stats = read_poller_stats([caplog.text], "Snapshot")
    assert stats.pollers == 1
    assert stats.list_calls == calls(ice, LIST_SNAPSHOTS)
    assert stats.single_calls == calls(ice, GET_SNAPSHOT) == 3
    assert stats.rounds >= 2
    assert stats.list_calls <= 2 * stats.rounds
    assert read_poller_stats([caplog.text], "Media info").pollers == 0


async def test_a_few_running_jobs_are_checked_with_one_list_of_unfinished_jobs_per_round(
    ice: IceEmulator, clock: ManualClock
) -> None:
    created = clock()
    job_ids = submit(SNAPSHOT, 40)
    triggers = [
        CountingSnapshotTrigger(job_id=job_id, poll_interval=POLL, created_at=created) for job_id in job_ids
    ]
    done = await started(triggers)
    stats = snapshot_poller().stats
    clock.advance(JOB_SECONDS)
    events = events_of(await done, job_ids)

    assert all(event.status is JobEventStatus.SUCCESS for event in events)
    # 40 unfinished jobs fit one page of Init; Success and Fail would be two lists.
    assert stats.unfinished_rounds == stats.rounds >= 4
    assert calls(ice, LIST_SNAPSHOTS) == stats.list_calls == stats.rounds
    # A job missing from the list of unfinished jobs is read once, finished; none while it ran.
    assert calls(ice, GET_SNAPSHOT) == 40
    assert reads_while_running(ice, job_ids) == 0
    assert all(event.job and event.job["output_url"] == SNAPSHOT.output_url(event.job) for event in events)


async def test_a_round_lists_whichever_jobs_take_fewer_pages(ice: IceEmulator, clock: ManualClock) -> None:
    early_created = clock()
    early = submit(SNAPSHOT, 250)
    clock.advance(600)
    late_created = clock()
    late = submit(SNAPSHOT, 60)
    triggers = [
        CountingSnapshotTrigger(job_id=job_id, poll_interval=POLL, created_at=early_created)
        for job_id in early
    ] + [
        CountingSnapshotTrigger(job_id=job_id, poll_interval=POLL, created_at=late_created) for job_id in late
    ]
    done = asyncio.ensure_future(asyncio.gather(*(collect(trigger) for trigger in triggers)))

    # 310 running: three pages of Init against one of Success and one of Fail.
    await until_while_running(done, lambda: min(trigger.checks for trigger in triggers) >= 2)
    poller = snapshot_poller()
    assert poller.stats.unfinished_rounds == 0
    assert reads_while_running(ice, early + late) == 0

    # The 250 end: found in the finished lists and read once each; 60 left against 250 finished in
    # the window: one page of Init against three of Success (and one of Fail).
    clock.advance(JOB_SECONDS - 600)
    # Their Gets start spread over up to GET_SPREAD.max_seconds: rounds go on meanwhile.
    await until_while_running(done, lambda: calls(ice, GET_SNAPSHOT) == 250)
    unfinished = poller.stats.unfinished_rounds
    await until_while_running(done, lambda: poller.stats.unfinished_rounds >= unfinished + 3)
    assert calls(ice, GET_SNAPSHOT) == 250
    lists, rounds = poller.stats.list_calls, poller.stats.rounds
    await until_while_running(done, lambda: poller.stats.rounds >= rounds + 3)
    assert poller.stats.list_calls - lists <= poller.stats.rounds - rounds

    clock.advance(600)
    events = events_of(await done, early + late)
    assert all(event.succeeded for event in events)
    assert calls(ice, GET_SNAPSHOT) == 310
    assert reads_while_running(ice, early + late) == 0


async def test_an_unfinished_list_ice_refuses_turns_them_off_logged_once(
    ice: IceEmulator, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="airflow_ice.triggers.batching")
    ice.set_faults(
        scripted=[
            ScriptedFault(
                kind="unreadable_answer", action=LIST_SNAPSHOTS, when_param_contains="Init", count=1
            )
        ]
    )
    created = clock()
    job_ids = submit(SNAPSHOT, 3)
    triggers = [
        CountingSnapshotTrigger(job_id=job_id, poll_interval=POLL, created_at=created) for job_id in job_ids
    ]
    done = await started(triggers)
    stats = snapshot_poller().stats
    clock.advance(JOB_SECONDS)
    events = events_of(await done, job_ids)

    assert all(event.succeeded for event in events)
    assert ice.counters().faults == {"unreadable_answer": 1}
    # The garbled Init list, then Success and Fail in every round, the first included.
    assert stats.unfinished_rounds == 1
    assert stats.list_calls == 1 + 2 * stats.rounds
    assert caplog.text.count("ICE refused the list of unfinished Snapshot jobs") == 1
    assert "one by one" not in caplog.text
    assert calls(ice, GET_SNAPSHOT) == 3
    assert reads_while_running(ice, job_ids) == 0


async def test_an_unfinished_list_past_the_page_bound_vouches_for_nothing(
    ice: IceEmulator, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="airflow_ice.triggers.batching")
    created = clock()
    submit(SNAPSHOT, 250)  # another system's jobs, running in the same window, never waited on here
    job_ids = submit(SNAPSHOT, 3)
    triggers = [
        TwoPagesSnapshotTrigger(job_id=job_id, poll_interval=POLL, created_at=created) for job_id in job_ids
    ]
    done = await started(triggers)
    stats = snapshot_poller().stats
    clock.advance(JOB_SECONDS)
    events = events_of(await done, job_ids)

    assert all(event.succeeded for event in events)
    # The first round guessed one page of Init for three jobs; 253 ran past two pages. The jobs it
    # did not reach were not taken for finished (no Get while they ran), and later rounds listed
    # finished jobs.
    assert stats.unfinished_rounds == 1
    assert caplog.text.count("The lists of unfinished Snapshot jobs ran past 2 pages") == 1
    assert reads_while_running(ice, job_ids) == 0
    assert calls(ice, GET_SNAPSHOT) == 3


async def test_the_next_round_does_not_wait_for_a_slow_get(ice: IceEmulator, clock: ManualClock) -> None:
    first_created = clock()
    (first,) = submit(SNAPSHOT, 1)
    clock.advance(60)
    (second,) = submit(SNAPSHOT, 1)
    # The first job's Get (once it has finished) takes 5 s to answer.
    ice.set_faults(
        scripted=[
            ScriptedFault(kind="latency", action=GET_SNAPSHOT, when_param_contains=first, latency_ms=5000)
        ]
    )
    first_trigger = CountingSnapshotTrigger(job_id=first, poll_interval=POLL, created_at=first_created)
    second_trigger = CountingSnapshotTrigger(job_id=second, poll_interval=POLL, created_at=first_created + 60)
    first_waiting = asyncio.ensure_future(collect(first_trigger))
    second_waiting = asyncio.ensure_future(collect(second_trigger))
    await until_while_running(second_waiting, lambda: second_trigger.checks >= 2)
    poller = snapshot_poller()

    clock.advance(JOB_SECONDS - 60)  # the first job ends; the second runs 60 s more
    await until_while_running(second_waiting, lambda: poller.stats.single_calls >= 1)
    checks = second_trigger.checks
    await until_while_running(second_waiting, lambda: second_trigger.checks >= checks + 3)
    assert not first_waiting.done(), (
        "the second job's next three checks came only after the first job's 5 s Get answered: the rounds "
        "waited for it (or three rounds took 5 s on this machine)"
    )
    assert ice.counters().faults == {"latency": 1}

    clock.advance(60)
    (first_event,) = events_of([await first_waiting], [first])
    (second_event,) = events_of([await second_waiting], [second])
    assert first_event.succeeded
    assert second_event.succeeded
    assert calls(ice, GET_SNAPSHOT) == 2
    assert reads_while_running(ice, [first, second]) == 0


async def test_a_pollers_connections_are_let_go_when_its_last_trigger_ends(
    ice: IceEmulator, clock: ManualClock
) -> None:
    """The last trigger of a family ends only once its poller has closed its hook: a poller left to
    close on its own after that would have its close cut short, and its aiohttp session left
    unclosed, when the triggerer's loop shuts down (``asyncio.run`` cancels every task left)."""
    from airflow_ice.client.pool import SHARED_CLIENTS

    created = clock()
    finishing = submit(SNAPSHOT, 3)
    cancelled = submit(MEDIA_INFO, 2)
    snapshots = [
        CountingSnapshotTrigger(job_id=job_id, poll_interval=POLL, created_at=created) for job_id in finishing
    ]
    infos = [
        CountingMediaInfoTrigger(job_id=job_id, poll_interval=POLL, created_at=created)
        for job_id in cancelled
    ]
    done = await started(snapshots, 2)
    waiting = [asyncio.ensure_future(collect(trigger)) for trigger in infos]
    await until(lambda: min(trigger.checks for trigger in infos) >= 2)
    assert SHARED_CLIENTS.open_clients() == 1  # both pollers' hooks lease the connection's transport

    clock.advance(JOB_SECONDS)
    # Media info jobs end with their first list after the advance: cancel their triggers before.
    for task in waiting:
        task.cancel()
    await asyncio.wait(waiting)  # every one of them (a gather cancelled ends with the first)
    assert [poller.kind.name for poller in BATCHED_POLLERS.active()] == ["Snapshot"]
    poller = snapshot_poller()
    events_of(await done, finishing)

    # Nothing left running or holding a lease once the triggers' runs have ended.
    assert not poller.running
    assert BATCHED_POLLERS.active() == []
    assert SHARED_CLIENTS.open_clients() == 0


# The Gets a round leaves start spread (GET_SPREAD), on the loop's poll ticks: here a test clock


@pytest.fixture
async def tick_clock() -> AsyncIterator[tuple[TestClock, PollScheduler]]:
    """The running loop's poll scheduler, on a test clock that moves only when the test moves it."""
    loop = asyncio.get_running_loop()
    ticks = TestClock()
    scheduler = PollScheduler(1.0, ticks)
    POLL_SCHEDULERS.install(loop, scheduler)
    yield ticks, scheduler
    POLL_SCHEDULERS.install(loop, None)


def get_starts(monkeypatch: pytest.MonkeyPatch, ticks: TestClock) -> list[float]:
    """When (on the test clock) each job Get starts; the Get itself goes to the emulator."""
    starts: list[float] = []
    real = IceHook.aget_job

    async def aget_job(self: IceHook, *args: Any, **kwargs: Any) -> Any:
        starts.append(ticks.now)
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(IceHook, "aget_job", aget_job)
    return starts


@pytest.fixture
def spread_clock(
    tick_clock: tuple[TestClock, PollScheduler], monkeypatch: pytest.MonkeyPatch
) -> tuple[TestClock, PollScheduler, list[float]]:
    """The test clock, its poll scheduler, and when (on that clock) each job Get starts."""
    ticks, scheduler = tick_clock
    return ticks, scheduler, get_starts(monkeypatch, ticks)


async def first_round_of_finished(
    count: int, clock: ManualClock, ticks: TestClock, scheduler: PollScheduler, starts: list[float]
) -> tuple[list[asyncio.Task[list[TriggerEvent]]], float]:
    """``count`` snapshot jobs, all finished before their triggers start: their poller's first
    round lists them and reads each with its Get. Returns the triggers' tasks and the round's time,
    once the round's Gets have started or wait for their turn on the scheduler."""
    created = clock()
    job_ids = submit(SNAPSHOT, count)
    clock.advance(JOB_SECONDS)
    triggers = [
        CountingSnapshotTrigger(job_id=job_id, poll_interval=30.0, created_at=created) for job_id in job_ids
    ]
    tasks = [asyncio.ensure_future(collect(trigger)) for trigger in triggers]
    await until(lambda: scheduler.waiting == 1)  # the poller, for its first round
    round_at = ticks.run_next()
    await until(lambda: len(starts) + scheduler.waiting == count)
    return tasks, round_at


def test_a_small_round_is_not_spread_a_big_one_is_within_its_bound() -> None:
    assert GET_SPREAD.delays(GET_SPREAD.at_once) == [0.0] * GET_SPREAD.at_once
    delays = GET_SPREAD.delays(70)
    assert delays[: GET_SPREAD.at_once] == [0.0] * GET_SPREAD.at_once
    later = delays[GET_SPREAD.at_once :]
    assert later == sorted(later)
    assert later[0] == pytest.approx(1 / GET_SPREAD.rate)
    assert later[-1] == pytest.approx(60 / GET_SPREAD.rate)
    # Many: faster, never later than the bound.
    assert GET_SPREAD.delays(5000)[-1] == pytest.approx(GET_SPREAD.max_seconds)


async def test_a_rounds_gets_start_spread_never_all_at_once(
    ice: IceEmulator, clock: ManualClock, spread_clock: tuple[TestClock, PollScheduler, list[float]]
) -> None:
    ticks, scheduler, starts = spread_clock
    tasks, round_at = await first_round_of_finished(40, clock, ticks, scheduler, starts)
    assert len(starts) == GET_SPREAD.at_once  # the others wait for their turn
    while scheduler.waiting:
        ticks.run_next()
        await until(lambda: len(starts) + scheduler.waiting == 40)
    events = await asyncio.gather(*tasks)

    assert len(events) == 40
    assert calls(ice, GET_SNAPSHOT) == 40
    offsets = sorted(start - round_at for start in starts)
    for offset, delay in zip(offsets, GET_SPREAD.delays(40), strict=True):
        assert delay <= offset < delay + GET_SPREAD.tick + 1e-9  # its turn, on the next poll tick
    # 10 at once, then at most a tick's share of the rate at each instant, over 1.2 s.
    at_once = Counter(offsets)
    assert at_once[0.0] == GET_SPREAD.at_once
    assert max(n for offset, n in at_once.items() if offset) <= math.ceil(GET_SPREAD.rate * GET_SPREAD.tick)
    assert offsets[-1] == pytest.approx(30 / GET_SPREAD.rate, abs=GET_SPREAD.tick)


async def test_a_small_round_reads_its_jobs_at_once(
    ice: IceEmulator, clock: ManualClock, spread_clock: tuple[TestClock, PollScheduler, list[float]]
) -> None:
    ticks, scheduler, starts = spread_clock
    tasks, round_at = await first_round_of_finished(GET_SPREAD.at_once, clock, ticks, scheduler, starts)

    assert starts == [round_at] * GET_SPREAD.at_once
    assert len(await asyncio.gather(*tasks)) == GET_SPREAD.at_once


async def test_a_stopped_poller_sends_none_of_its_pending_gets(
    ice: IceEmulator, clock: ManualClock, spread_clock: tuple[TestClock, PollScheduler, list[float]]
) -> None:
    ticks, scheduler, starts = spread_clock
    tasks, _ = await first_round_of_finished(40, clock, ticks, scheduler, starts)
    assert scheduler.waiting == 40 - GET_SPREAD.at_once

    for task in tasks:  # every trigger leaves: the last one stops the poller
        task.cancel()
    await asyncio.wait(tasks)

    assert BATCHED_POLLERS.active() == []
    assert scheduler.waiting == 0
    assert ticks.pending == 0  # no timer left for the Gets' turns
    # The Gets started are cancelled with the poller (some reach ICE); the others never start.
    assert len(starts) == GET_SPREAD.at_once
    assert calls(ice, GET_SNAPSHOT) <= GET_SPREAD.at_once
