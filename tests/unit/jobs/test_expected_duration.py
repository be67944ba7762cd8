"""The duration-aware schedule: the check at once, then nothing before the job's expected minimum
(per family and IProduction FunctionName, or ``expected_duration``), then every ``poll_interval``.
Held jobs finish when the test says; the timing checks are lower bounds, which a slow machine
cannot break."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import timedelta
from typing import Any

import pytest

from airflow_ice.emulator import IceEmulator
from airflow_ice.families.iproduction import IPRODUCTION
from airflow_ice.families.yike_ai_app import YIKE_AI_APP
from airflow_ice.families.yike_storyboard import YIKE_STORYBOARD
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.jobs.waiting import first_poll_time
from airflow_ice.models.functions import IPRODUCTION_FUNCTIONS
from airflow_ice.operators.iproduction import IceIProductionJobOperator
from airflow_ice.operators.retry_safety import RetrySafety
from airflow_ice.triggers.iproduction import IceIProductionJobTrigger
from tests.support.dags import HELD_JOB_SECONDS, new_dag, requests, run_dag, submits, task_states
from tests.support.emulator import ManualClock
from tests.support.loop_checks import until_while_running
from tests.unit.operators.test_iproduction import cover_operator
from tests.unit.triggers.test_triggers import submit_cover

QUERY = "QueryIProductionJob"


@pytest.mark.real_expected_durations
def test_every_function_and_family_has_a_conservative_figure() -> None:
    for function_name in IPRODUCTION_FUNCTIONS:
        seconds = IPRODUCTION.expected_seconds_of(_Request(function_name))
        # Conservative: well under the shortest job anyone reports (a minute), never zero.
        assert 0 < seconds <= 30, function_name
    assert IPRODUCTION.expected_seconds_of(_Request("NotAFunction")) == 0.0
    assert YIKE_STORYBOARD.expected_seconds_of(None) > 0
    assert YIKE_AI_APP.expected_seconds_of(None) > 0


class _Request:
    def __init__(self, function_name: str) -> None:
        self.function_name = function_name


def test_first_poll_time() -> None:
    # Still ahead: the expected end (less what has elapsed since the submit).
    assert first_poll_time(submitted_at=100, expected_seconds=60, checked_at=101, poll_interval=30) == 160
    # Already passed, or unknown (a reattached job): one interval after the check.
    assert first_poll_time(submitted_at=100, expected_seconds=60, checked_at=170, poll_interval=30) == 200
    assert first_poll_time(submitted_at=None, expected_seconds=60, checked_at=101, poll_interval=30) == 131


@pytest.mark.parametrize("value", [-1, "soon", True, timedelta(seconds=-5), float("nan")])
def test_a_bad_expected_duration_is_refused_at_parse_time_naming_it(value: object) -> None:
    with pytest.raises(ValueError, match="expected_duration"):
        cover_operator(expected_duration=value)


def test_a_bad_rendered_expected_duration_fails_before_submitting(emulated_ice: IceEmulator) -> None:
    dag = new_dag("expected_bad", params={"expected": "-3"})
    with dag:
        cover_operator(expected_duration="{{ params.expected }}")
    run = run_dag(dag)

    assert task_states(run) == {"cover": "failed"}
    assert submits(emulated_ice) == 0


class TimedCover(IceIProductionJobOperator):
    """Records when it submitted and when it polled; ends its held job after ``finish_after`` polls."""

    submitted_at: float = 0.0
    polled_at: list[float] = []  # noqa: RUF012 - reset by each test

    def __init__(self, *, job_clock: ManualClock, finish_after: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_clock = job_clock
        self.finish_after = finish_after

    def submit(self, hook: IceHook, request: Any) -> str:
        TimedCover.submitted_at = time.time()
        return super().submit(hook, request)

    def _poll_until_done(self, context: Any, *args: Any, **kwargs: Any) -> Any:
        self.waiting = True  # the polls after the check at once
        return super()._poll_until_done(context, *args, **kwargs)

    def _poll(self, job_id: str, failures: Any) -> Any:
        if getattr(self, "waiting", False):
            TimedCover.polled_at.append(time.time())
            if len(TimedCover.polled_at) == self.finish_after:
                self.job_clock.advance(HELD_JOB_SECONDS)
        return super()._poll(job_id, failures)


@pytest.mark.parametrize(
    ("options", "first_wait"),
    [
        pytest.param({"expected_duration": 3.0}, 3.0, id="expected_duration"),
        pytest.param({"expected_duration": timedelta(seconds=3)}, 3.0, id="timedelta"),
        pytest.param({}, 0.6, id="default-zero-then-interval"),
    ],
)
def test_worker_waits_the_expected_minimum_then_polls_every_interval(
    held_ice: IceEmulator, job_clock: ManualClock, options: dict[str, Any], first_wait: float
) -> None:
    TimedCover.polled_at = []
    dag = new_dag("expected_worker")
    with dag:
        cover_operator(
            operator_class=TimedCover,
            job_clock=job_clock,
            finish_after=3,
            deferrable=False,
            poll_interval=0.6,
            **options,
        )
    run = run_dag(dag)

    assert task_states(run) == {"cover": "success"}
    # Calls per job: the check at once, then three polls (the third sees the job done).
    assert requests(held_ice, QUERY) == 1 + 3
    polls = TimedCover.polled_at
    # The operator stamps the submit, and each poll's start, just before TimedCover does; the
    # stamps' gaps can come a few ms short of the interval on a loaded machine (CI saw it on 3.1).
    slack = 0.01
    assert polls[0] - TimedCover.submitted_at >= first_wait - slack
    gaps = [later - earlier for earlier, later in itertools.pairwise(polls)]
    assert all(gap >= 0.6 - slack for gap in gaps), gaps


@pytest.mark.real_expected_durations
def test_the_function_figure_reaches_the_trigger(held_ice: IceEmulator) -> None:
    operator = cover_operator(function_name="VideoDelogo", deferrable=True, poll_interval=0.1)
    settings = operator.resolve_settings()
    assert settings.expected_duration is None  # so the figure comes from the family
    seen: dict[str, Any] = {}

    def defer(*, trigger: IceIProductionJobTrigger, **kwargs: Any) -> None:
        seen["trigger"] = trigger
        raise _Deferred

    operator.defer = defer  # type: ignore[method-assign, assignment]
    not_durable = RetrySafety(IPRODUCTION, None, operator.log)
    before = time.time()
    with pytest.raises(_Deferred):
        operator._run(_Context(), operator.build_request(_identity()), "fingerprint", not_durable)
    after = time.time()

    first_poll_at = seen["trigger"].first_poll_at
    assert before + 30.0 <= first_poll_at <= after + 30.0  # VideoDelogo: 30 s after the submit
    assert seen["trigger"].serialize()[1]["first_poll_at"] == first_poll_at
    assert requests(held_ice, QUERY) == 1  # only the check at once


class _Deferred(Exception):
    pass


class _TI:
    task_id = "cover"
    map_index = -1
    start_date = None  # as Airflow's RuntimeTaskInstance has it (the deferred deadline reads it)

    def xcom_push(self, key: str, value: Any) -> None:
        pass


class _Context(dict):  # type: ignore[type-arg]
    def __init__(self) -> None:
        super().__init__(ti=_TI())


def _identity() -> Any:
    from airflow_ice.jobs.tag import TaskIdentity

    return TaskIdentity("dag", "run", "cover", -1)


@pytest.mark.parametrize("family", ["IProduction", "AI app (batched)"])
async def test_the_trigger_never_polls_before_first_poll_at(held_ice: IceEmulator, family: str) -> None:
    from airflow_ice.triggers.yike_ai_app import IceYikeAIAppJobTrigger
    from tests.unit.triggers.test_yike_ai_app import submit as submit_ai_app

    trigger_class, submit, reads = (
        (IceIProductionJobTrigger, submit_cover, [QUERY])
        if family == "IProduction"
        # It joins the batched poller with its first check at first_poll_at.
        else (IceYikeAIAppJobTrigger, submit_ai_app, ["GetYikeAIAppJob", "BatchGetYikeAIAppJob"])
    )
    job_id = submit()
    # The deadline comes long before first_poll_at: the trigger times out without one poll.
    trigger = trigger_class(
        job_id=job_id, poll_interval=0.05, deadline=time.time() + 0.5, first_poll_at=time.time() + 3600
    )

    events = [event async for event in trigger.run()]

    assert JobEvent.from_payload(events[0].payload, job_id=job_id).status is JobEventStatus.TIMEOUT
    assert sum(requests(held_ice, action) for action in reads) == 0


async def test_a_trigger_serialised_by_the_previous_version_polls_at_once(held_ice: IceEmulator) -> None:
    job_id = submit_cover()
    previous_kwargs = {
        "job_id": job_id,
        "ice_conn_id": "ice_default",
        "poll_interval": 3600.0,
        "deadline": time.time() + 60,
        "cancel_on_kill": True,
        "max_consecutive_failures": 5,
    }
    trigger = IceIProductionJobTrigger(**previous_kwargs)  # type: ignore[arg-type]
    assert trigger.first_poll_at is None
    task = asyncio.ensure_future(trigger.run().__anext__())
    try:
        # With an hour between polls, only a poll at once can be seen.
        await until_while_running(task, lambda: requests(held_ice, QUERY) == 1)
    finally:
        task.cancel()


def test_the_deferrable_sensor_waits_one_interval_after_its_poke(held_ice: IceEmulator) -> None:
    from airflow_ice.sensors.iproduction import IceIProductionJobSensor

    sensor = IceIProductionJobSensor(
        task_id="wait", job_id=submit_cover(), deferrable=True, poke_interval=40, timeout=300
    )
    seen: dict[str, Any] = {}

    def defer(*, trigger: IceIProductionJobTrigger, **kwargs: Any) -> None:
        seen["trigger"] = trigger

    sensor.defer = defer  # type: ignore[method-assign, assignment]
    before = time.time()
    sensor.execute(_Context())

    assert requests(held_ice, QUERY) == 1  # the poke
    # Not at once again when the trigger starts: one poke_interval after the poke.
    assert seen["trigger"].first_poll_at >= before + 40
