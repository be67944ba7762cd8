"""The lead's IceHook against the emulator: every typed method with both signature algorithms and
an STS token, and each fault as the hook sees it (retries, and no double submits)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_ice.emulator.faults import ScriptedFault
from airflow_ice.emulator.server import IceEmulator
from airflow_ice.errors import IceAuthError, IceNotFoundError, IceOutcomeUnknownError
from airflow_ice.hooks.ice import IceHook
from airflow_ice.models import (
    AudioQualityAssessmentResult,
    CoverResult,
    IProductionJobStatus,
    YikeStoryboardJobStatus,
)
from tests.support.emulator import KEY_ID, KEY_SECRET, STS_TOKEN, ManualClock, wait_until

JOB_SECONDS = 10.0
ALGORITHMS = ["ACS3-HMAC-SHA256", "HMAC-SHA1"]
# The hook's timeout for one request: long enough that a busy machine never turns a normal answer
# into a retry (which would change the exact request counts the tests check).
TIMEOUT = 5.0
# The read-timeout tests: the hook gives up after SHORT_TIMEOUT, the emulator answers only after
# SLOW_MS: only a hook running 2 s late would see the answer instead of the timeout.
SHORT_TIMEOUT = 2.0
SLOW_MS = 4000


class SteppingClock:
    """A clock that moves ``step`` seconds each time it is read. The QPS limiter reads it once per
    limited request, so its buckets refill by request count, whatever the wall time in between."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def cover_request(src: str = "oss://bucket/in/clip.mp4", tag: str = "run-1") -> dict[str, Any]:
    return {
        "FunctionName": "Cover",
        "Input": {"Type": "OSS", "Media": src},
        "Output": {"Type": "OSS", "Media": "oss://bucket/out/"},
        "Name": "cover",
        "UserData": tag,
    }


def storyboard_request(file_url: str = "oss://bucket/novel.txt") -> dict[str, Any]:
    return {
        "FileURL": file_url,
        "SourceType": "Novel",
        "ShotSplitMode": "firstPersonNarration",
        "StyleId": "Ghibli",
        "Title": "故事",
        "AspectRatio": "16:9",
        "SkipFailureShot": True,
        "UserData": '{"NotifyAddress":"https://example.invalid/hook"}',
    }


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(time.time())


def start(
    monkeypatch: pytest.MonkeyPatch,
    clock: ManualClock,
    token: str | None = None,
    limit_clock: SteppingClock | None = None,
    **extra: Any,
) -> IceEmulator:
    emulator = IceEmulator(
        access_key_id=KEY_ID,
        access_key_secret=KEY_SECRET,
        security_token=token,
        job_seconds=JOB_SECONDS,
        clock=clock,
        limit_clock=limit_clock,
    ).start()
    monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", emulator.connection_json(**extra))
    return emulator


@pytest.fixture
def client_timeout() -> float:
    """The hook's timeout; the read-timeout tests parametrize it to SHORT_TIMEOUT."""
    return TIMEOUT


@pytest.fixture
def limit_clock() -> SteppingClock | None:
    """The QPS limiter's clock: the machine's, unless a test parametrizes it."""
    return None


@pytest.fixture
def emulator(
    monkeypatch: pytest.MonkeyPatch,
    clock: ManualClock,
    client_timeout: float,
    limit_clock: SteppingClock | None,
) -> Iterator[IceEmulator]:
    running = start(monkeypatch, clock, limit_clock=limit_clock, timeout=client_timeout, max_retries=4)
    yield running
    running.stop()


@pytest.fixture
def hook(emulator: IceEmulator) -> Iterator[IceHook]:
    with IceHook(retry_wait_initial=0.01, retry_wait_max=0.6) as ice:
        yield ice


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("token", [None, STS_TOKEN])
def test_every_typed_method(
    monkeypatch: pytest.MonkeyPatch, clock: ManualClock, algorithm: str, token: str | None
) -> None:
    emulator = start(monkeypatch, clock, token, signature_algorithm=algorithm)
    try:
        with IceHook() as hook:
            job_id = hook.submit_iproduction_job(cover_request())
            running = hook.query_iproduction_job(job_id)
            assert running.status == IProductionJobStatus.QUEUING
            assert not running.is_terminal
            clock.advance(JOB_SECONDS)
            done = hook.query_iproduction_job(job_id)
            assert done.succeeded
            assert done.user_data == "run-1"
            assert isinstance(done.result, CoverResult)
            assert len(done.result.covers) == 3
            assert done.output_files[0] == "out/clip-00001.jpg"  # in the output folder, by file name
            assert not done.parse_warnings

            other = hook.submit_iproduction_job(cover_request(tag="run-2"))
            hook.cancel_iproduction_job(other)
            assert hook.query_iproduction_job(other).failed

            story_id = hook.submit_yike_storyboard_job(storyboard_request())
            story = hook.get_yike_storyboard_job(story_id)
            assert story.job_status == YikeStoryboardJobStatus.RUNNING
            assert story.job_params is not None
            assert story.job_params.title == "故事"
            clock.advance(JOB_SECONDS)
            finished = hook.get_yike_storyboard_job(story_id)
            assert finished.job_status == YikeStoryboardJobStatus.SUCCEEDED
            assert finished.job_result is not None
            assert len(finished.job_result.success_storyboard_ids) >= 2
            assert finished.job_result.success_storyboard_ids == finished.job_result.success_storyboard_list
            assert not finished.parse_warnings

            failing = hook.submit_yike_storyboard_job(storyboard_request("oss://bucket/fail.txt"))
            clock.advance(JOB_SECONDS)
            assert hook.get_yike_storyboard_job(failing).job_status == YikeStoryboardJobStatus.FAILED
            hook.resume_yike_storyboard_job(failing)
            assert hook.get_yike_storyboard_job(failing).job_status == YikeStoryboardJobStatus.RUNNING
        counters = emulator.counters()
        assert counters.signatures == {algorithm: 13}
        assert not counters.auth_failures
        assert counters.jobs_submitted == {"SubmitIProductionJob": 2, "SubmitYikeStoryboardJob": 2}
    finally:
        emulator.stop()


async def test_async_twins(hook: IceHook, emulator: IceEmulator, clock: ManualClock) -> None:
    async with IceHook() as ice:
        job_id = await ice.asubmit_iproduction_job(
            cover_request("oss://bucket/voice-poor.wav") | {"FunctionName": "AudioQualityAssessment"}
        )
        clock.advance(JOB_SECONDS)
        job = await ice.aquery_iproduction_job(job_id)
        assert isinstance(job.result, AudioQualityAssessmentResult)
        assert all(channel.mos is not None and channel.mos < 2 for channel in job.result.channels)
        await ice.acancel_iproduction_job(job_id)  # finished: a no-op
        story_id = await ice.asubmit_yike_storyboard_job(storyboard_request("oss://bucket/partial.txt"))
        clock.advance(JOB_SECONDS)
        story = await ice.aget_yike_storyboard_job(story_id)
        assert story.job_result is not None
        assert len(story.job_result.failure_shot_list) == 1
        assert story.job_result.exception_storyboard_ids
        failing = await ice.asubmit_yike_storyboard_job(storyboard_request("oss://bucket/fail.txt"))
        clock.advance(JOB_SECONDS)
        await ice.aresume_yike_storyboard_job(failing)
        assert (await ice.aget_yike_storyboard_job(failing)).job_status == YikeStoryboardJobStatus.RUNNING


def test_failed_input_convention(hook: IceHook, clock: ManualClock) -> None:
    job_id = hook.submit_iproduction_job(cover_request("oss://bucket/please-fail.mp4"))
    clock.advance(JOB_SECONDS)
    job = hook.query_iproduction_job(job_id)
    assert job.failed
    assert job.status == IProductionJobStatus.FAIL


@pytest.mark.parametrize("kind", ["unavailable", "throttling", "drop", "lose_response", "internal_error"])
def test_queries_are_retried_through_faults(hook: IceHook, emulator: IceEmulator, kind: str) -> None:
    job_id = hook.submit_iproduction_job(cover_request())
    emulator.set_faults(scripted=[ScriptedFault(kind=kind, action="QueryIProductionJob", count=2)])
    assert hook.query_iproduction_job(job_id).job_id == job_id
    counters = emulator.counters()
    assert counters.requests["QueryIProductionJob"] == 3
    assert counters.faults[kind] == 2


@pytest.mark.parametrize("client_timeout", [SHORT_TIMEOUT])
def test_query_retried_after_read_timeout(hook: IceHook, emulator: IceEmulator) -> None:
    job_id = hook.submit_iproduction_job(cover_request())
    emulator.set_faults(
        scripted=[ScriptedFault(kind="latency", action="QueryIProductionJob", latency_ms=SLOW_MS)]
    )
    assert hook.query_iproduction_job(job_id).job_id == job_id
    assert emulator.counters().requests["QueryIProductionJob"] == 2


async def test_async_query_retried_after_503_and_drop(hook: IceHook, emulator: IceEmulator) -> None:
    job_id = hook.submit_iproduction_job(cover_request())
    emulator.set_faults(
        scripted=[
            ScriptedFault(kind="unavailable", action="QueryIProductionJob"),
            ScriptedFault(kind="drop", action="QueryIProductionJob"),
        ]
    )
    async with IceHook(retry_wait_initial=0.01, retry_wait_max=0.1) as ice:
        assert (await ice.aquery_iproduction_job(job_id)).job_id == job_id
    assert emulator.counters().requests["QueryIProductionJob"] == 3


@pytest.mark.parametrize("kind", ["lose_response", "drop", "internal_error"])
def test_submit_with_unknown_outcome_is_not_retried(hook: IceHook, emulator: IceEmulator, kind: str) -> None:
    emulator.set_faults(scripted=[ScriptedFault(kind=kind, action="SubmitIProductionJob")])
    with pytest.raises(IceOutcomeUnknownError) as unknown:
        hook.submit_iproduction_job(cover_request(tag="lost-1"))
    assert unknown.value.tag == "lost-1"
    counters = emulator.counters()
    assert counters.requests["SubmitIProductionJob"] == 1  # not retried
    # The lost response hid a created job; a drop or a 500 here happened before processing.
    assert counters.jobs_submitted["SubmitIProductionJob"] == (1 if kind == "lose_response" else 0)
    assert KEY_SECRET not in str(unknown.value)


@pytest.mark.parametrize("client_timeout", [SHORT_TIMEOUT])
def test_submit_read_timeout_is_outcome_unknown(hook: IceHook, emulator: IceEmulator) -> None:
    emulator.set_faults(
        scripted=[ScriptedFault(kind="latency", action="SubmitIProductionJob", latency_ms=SLOW_MS)]
    )
    with pytest.raises(IceOutcomeUnknownError):
        hook.submit_iproduction_job(cover_request())
    # The emulator finishes the slow request after the hook gave up, and creates the job.
    wait_until(lambda: emulator.counters().jobs_submitted["SubmitIProductionJob"] == 1)
    assert emulator.counters().requests["SubmitIProductionJob"] == 1  # not retried


@pytest.mark.parametrize("kind", ["unavailable", "throttling"])
@pytest.mark.parametrize("action", ["SubmitIProductionJob", "SubmitYikeStoryboardJob"])
def test_submit_not_taken_is_retried_once_created(
    hook: IceHook, emulator: IceEmulator, kind: str, action: str
) -> None:
    emulator.set_faults(scripted=[ScriptedFault(kind=kind, action=action, count=2)])
    if action == "SubmitIProductionJob":
        assert hook.submit_iproduction_job(cover_request())
    else:
        assert hook.submit_yike_storyboard_job(storyboard_request())
    counters = emulator.counters()
    assert counters.requests[action] == 3
    assert counters.jobs_submitted[action] == 1


@pytest.mark.parametrize("limit_clock", [SteppingClock(1 / 16)])
def test_submits_under_a_qps_limit_all_land_once(hook: IceHook, emulator: IceEmulator) -> None:
    # 4 tokens, 4 per second, and 1/16 s between requests (a limiter clock that steps per request,
    # so the machine's speed cannot refill the bucket): each request adds 0.25 token. Submits 1-5
    # find 4, 3.25, 2.5, 1.75 and 1.0 tokens and take one each; the 6th is refused at 0.25, 0.5 and
    # 0.75 tokens and goes through at 1.0.
    emulator.set_faults(qps_limits={"SubmitIProductionJob": 4}, retry_after_ms=300)
    job_ids = {hook.submit_iproduction_job(cover_request(tag=f"t{i}")) for i in range(6)}
    counters = emulator.counters()
    assert len(job_ids) == 6
    assert counters.jobs_submitted["SubmitIProductionJob"] == 6
    assert counters.faults["qps_limited"] == 3
    assert counters.requests["SubmitIProductionJob"] == 6 + 3


def test_auth_and_not_found_fail_at_once(monkeypatch: pytest.MonkeyPatch, emulator: IceEmulator) -> None:
    with IceHook() as hook, pytest.raises(IceNotFoundError):
        hook.query_iproduction_job("no-such-job")
    assert emulator.counters().requests["QueryIProductionJob"] == 1
    wrong = emulator.connection_json().replace(KEY_SECRET, "not-the-secret")
    monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", wrong)
    with IceHook() as hook, pytest.raises(IceAuthError) as rejected:
        hook.query_iproduction_job("x")
    assert rejected.value.code == "SignatureDoesNotMatch"
    assert "not-the-secret" not in str(rejected.value)
    assert emulator.counters().requests["QueryIProductionJob"] == 2


def test_hook_connection_test(monkeypatch: pytest.MonkeyPatch, emulator: IceEmulator) -> None:
    assert IceHook().test_connection()[0] is True
    monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", emulator.connection_json().replace(KEY_ID, "unknown-id"))
    works, message = IceHook().test_connection()
    assert works is False
    assert "InvalidAccessKeyId.NotFound" in message


def test_pytest_plugin_connection_fixture(ice_connection: IceEmulator) -> None:
    with IceHook() as hook:
        job_id = hook.submit_iproduction_job(cover_request())
        assert hook.query_iproduction_job(job_id).job_id == job_id
    assert ice_connection.counters().jobs_submitted["SubmitIProductionJob"] == 1
