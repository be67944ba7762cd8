"""IceHook's Yike AI-app methods: what goes on the wire (body or query), answers, retries, async twins."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest

from airflow_ice.emulator import IceEmulator
from airflow_ice.errors import (
    IceInvalidRequestError,
    IceNotFoundError,
    IceOutcomeUnknownError,
    IceResponseError,
)
from airflow_ice.hooks.ice import IceHook
from airflow_ice.models import YikeAIAppJobStatus
from tests.support.emulator import ManualClock
from tests.support.stub_ice import Answer, StubIce, error
from tests.unit.hooks.test_ice import assert_v3_signed, set_connection

REQUEST = {
    "app_id": "app-highlights",
    "app_params": {"LoadImage.1.TargetImage": "媒体 1", "Prompt": "sunset"},
    "folder_id": "folder-1",
    "production_id": "prod-1",
}
APP_PARAMS_TEXT = '{"LoadImage.1.TargetImage":"媒体 1","Prompt":"sunset"}'


@pytest.fixture
def stub() -> Iterator[StubIce]:
    with StubIce() as server:
        yield server


@pytest.fixture
def hook(stub: StubIce, monkeypatch: pytest.MonkeyPatch) -> Iterator[IceHook]:
    set_connection(monkeypatch, stub.url)
    with IceHook(retry_wait_initial=0.01, retry_wait_max=0.05) as ice_hook:
        yield ice_hook


def test_submit_sends_every_parameter_in_the_body(hook: IceHook, stub: StubIce) -> None:
    stub.script(Answer(body={"RequestId": "r", "JobId": "ai-1"}))

    assert hook.submit_yike_ai_app_job(REQUEST) == "ai-1"

    (request,) = stub.requests
    assert request.action == "SubmitYikeAIAppJob"
    assert request.query == {}
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(request.body.decode())) == {
        "AppId": "app-highlights",
        "AppParams": APP_PARAMS_TEXT,
        "FolderId": "folder-1",
        "ProductionId": "prod-1",
    }
    assert_v3_signed(request)


def test_get_batch_get_and_precheck_use_the_query(hook: IceHook, stub: StubIce) -> None:
    stub.script(
        Answer(body={"RequestId": "r", "JobId": "ai-1", "Status": "Executing"}),
        Answer(body={"RequestId": "r", "JobList": [{"JobId": "ai-2", "Status": "Finished"}]}),
        Answer(body={"RequestId": "r", "Status": "Success", "Result": []}),
    )

    job = hook.get_yike_ai_app_job(" ai-1 ")
    listed = hook.batch_get_yike_ai_app_jobs(["ai-1", "ai-2", "ai-1"])
    verdict = hook.precheck_yike_ai_app_job(REQUEST)

    assert job.status is YikeAIAppJobStatus.EXECUTING
    assert [(j.job_id, j.status_text) for j in listed] == [("ai-2", "Finished")]
    assert verdict.passed
    get, batch, precheck = stub.requests
    assert (get.action, get.query, get.body) == ("GetYikeAIAppJob", {"JobId": "ai-1"}, b"")
    # Duplicates are sent once; ICE leaves unknown ids out of its answer.
    assert (batch.action, batch.query) == ("BatchGetYikeAIAppJob", {"JobIds": "ai-1,ai-2"})
    assert (precheck.action, precheck.query) == (
        "PrecheckYikeAIAppJob",
        {"AppId": "app-highlights", "AppParams": APP_PARAMS_TEXT},
    )
    for request in stub.requests:
        assert_v3_signed(request)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda hook: hook.submit_yike_ai_app_job({"app_params": {}}), "app_id"),
        (lambda hook: hook.submit_yike_ai_app_job({"app_id": "a", "app_params": "[1]"}), "app_params"),
        (lambda hook: hook.precheck_yike_ai_app_job({"app_id": ""}), "app_id"),
        (lambda hook: hook.get_yike_ai_app_job("  "), "job_id"),
        (lambda hook: hook.batch_get_yike_ai_app_jobs([]), "at least one"),
        (lambda hook: hook.batch_get_yike_ai_app_jobs("ai-1,ai-2"), "list of job ids"),
        (lambda hook: hook.batch_get_yike_ai_app_jobs(["ai-1", "a,b"]), "comma"),
    ],
)
def test_bad_input_sends_nothing(hook: IceHook, stub: StubIce, call: object, message: str) -> None:
    with pytest.raises((IceInvalidRequestError, ValueError), match=message):
        call(hook)  # type: ignore[operator]
    assert stub.requests == []


def test_lost_submit_answer_is_not_retried(stub: StubIce, monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(monkeypatch, stub.url, timeout=0.5)
    stub.script(Answer(drop=True))

    with IceHook(retry_wait_initial=0.01) as hook, pytest.raises(IceOutcomeUnknownError):
        hook.submit_yike_ai_app_job(REQUEST)

    assert len(stub.requests) == 1


def test_batch_get_and_precheck_are_retried_after_a_dropped_connection(hook: IceHook, stub: StubIce) -> None:
    stub.script(
        Answer(drop=True),
        Answer(body={"RequestId": "r", "JobList": []}),
        error("ServiceUnavailable", 503),
        Answer(
            body={"RequestId": "r", "Status": "Failed", "Result": [{"Key": "Prompt", "ErrorCode": "Bad"}]}
        ),
    )

    assert hook.batch_get_yike_ai_app_jobs(["ai-1"]) == []
    verdict = hook.precheck_yike_ai_app_job(REQUEST)

    assert not verdict.passed
    assert verdict.describe() == "Prompt: Bad"
    assert [r.action for r in stub.requests] == ["BatchGetYikeAIAppJob"] * 2 + ["PrecheckYikeAIAppJob"] * 2


def test_unusable_answers_are_response_errors(hook: IceHook, stub: StubIce) -> None:
    stub.script(Answer(body={"RequestId": "r"}), Answer(body={"RequestId": "r", "Odd": 1}))

    with pytest.raises(IceResponseError, match="JobList"):
        hook.batch_get_yike_ai_app_jobs(["ai-1"])
    with pytest.raises(IceResponseError, match="JobId"):
        hook.get_yike_ai_app_job("ai-1")


async def test_async_twins_against_the_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    # The job stays Created until the test moves the emulator's clock, however slow the machine.
    clock = ManualClock(time.time())
    with IceEmulator(job_seconds=0.3, clock=clock) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", emulator.connection_json())
        hook = IceHook()
        try:
            verdict = await hook.aprecheck_yike_ai_app_job(REQUEST)
            job_id = await hook.asubmit_yike_ai_app_job(REQUEST)
            first = await hook.aget_yike_ai_app_job(job_id)
            clock.advance(1)  # the emulator's job ends
            (listed,) = await hook.abatch_get_yike_ai_app_jobs([job_id])
            with pytest.raises(IceNotFoundError):
                await hook.aget_yike_ai_app_job("no-such-job")
        finally:
            await hook.aclose()

    assert verdict.passed
    assert first.status is YikeAIAppJobStatus.CREATED
    assert listed.job_id == job_id
    assert listed.succeeded
    assert listed.app_params_decoded == REQUEST["app_params"]
    assert listed.output_urls
    assert emulator.counters().jobs_submitted == {"SubmitYikeAIAppJob": 1}
