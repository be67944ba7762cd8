"""One request lifecycle, against servers that answer badly (tests/support/misbehaving_ice.py), on both paths.

A paid job is never submitted twice: every unreadable or incomplete answer to a submit is an
unknown outcome, sent once. No call outlives its deadline: a dribbling server cannot hold a call
past about timeout x attempts, nor a trigger past its deadline plus one timeout. An oversized
answer is refused without being read whole; gzip answers parse on both paths; an echoed secret
is kept nowhere; an unreachable endpoint or a mistyped region says what to check.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import pickle
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from airflow_ice.client.config import config_from_connection
from airflow_ice.errors import (
    IceAnswerLostError,
    IceConfigurationError,
    IceConnectError,
    IceInvalidParameterError,
    IceOutcomeUnknownError,
    IceResponseTooLargeError,
    IceServerError,
)
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.models import IProductionJob
from airflow_ice.triggers.iproduction import IceIProductionJobTrigger
from tests.support.misbehaving_ice import (
    MisbehavingIce,
    announce_huge,
    answer,
    cut_short,
    dribble,
    echo_request,
    endless_chunks,
    gzip_answer,
)
from tests.unit.hooks.test_ice import KEY_ID, SECRET, TOKEN, set_connection

COVER = {
    "function_name": "Cover",
    "input": {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"},
    "output": {"Type": "OSS", "Media": "oss://bucket/out/"},
    "user_data": {"airflow_ice": "dag.task.run-1"},
}
JOB = {"RequestId": "r", "JobId": "job-1", "Status": "Analysing", "FunctionName": "Cover"}
PATHS = ["sync", "async"]

Call = Callable[[IceHook], Any]


def run(path: str, sync_call: Call, async_call: Callable[[IceHook], Awaitable[Any]]) -> Any:
    """Make one hook call on the sync or the async path."""
    if path == "sync":
        with IceHook(retry_wait_initial=0.01, retry_wait_max=0.02) as hook:
            return sync_call(hook)

    async def go() -> Any:
        async with IceHook(retry_wait_initial=0.01, retry_wait_max=0.02) as hook:
            return await async_call(hook)

    return asyncio.run(go())


def submit(path: str) -> str:
    result: str = run(
        path, lambda h: h.submit_iproduction_job(COVER), lambda h: h.asubmit_iproduction_job(COVER)
    )
    return result


def query(path: str) -> IProductionJob:
    result: IProductionJob = run(
        path, lambda h: h.query_iproduction_job("job-1"), lambda h: h.aquery_iproduction_job("job-1")
    )
    return result


UNREADABLE_200 = {
    "not-json": answer(200, b"<html>upstream says hi</html>", content_type="text/html"),
    "cut-short": cut_short(b'{"RequestId": "r", "JobId": "jo'),
    "empty": answer(200, b""),
    "no-job-id": answer(200, {"RequestId": "r"}),
    "job-id-not-a-string": answer(200, {"RequestId": "r", "JobId": 12345}),
    "json-not-an-object": answer(200, b'["job-1"]'),
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind", sorted(UNREADABLE_200))
def test_an_unreadable_answer_to_a_submit_is_outcome_unknown_and_sent_once(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, kind: str, path: str
) -> None:
    # The second answer would be a valid job: a resend would be taken, and pay twice.
    misbehaving_ice.serve(UNREADABLE_200[kind], answer(200, {"RequestId": "r2", "JobId": "second-job"}))
    set_connection(monkeypatch, misbehaving_ice.url, max_retries=3)
    with pytest.raises(IceOutcomeUnknownError) as raised:
        submit(path)
    assert len(misbehaving_ice.received) == 1
    assert raised.value.tag is not None
    assert "dag.task.run-1" in raised.value.tag
    assert "dag.task.run-1" in str(raised.value)  # the message names the tag to look the job up by
    assert "NOT resubmitted" in str(raised.value)


@pytest.mark.parametrize("path", PATHS)
def test_an_unreadable_answer_to_a_query_is_retried(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    misbehaving_ice.serve(UNREADABLE_200["cut-short"], UNREADABLE_200["not-json"], answer(200, JOB))
    set_connection(monkeypatch, misbehaving_ice.url, max_retries=3)
    assert query(path).status_text == "Analysing"
    assert len(misbehaving_ice.received) == 3


@pytest.mark.parametrize("path", PATHS)
def test_a_5xx_without_an_ice_body_is_outcome_unknown_for_a_submit(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    misbehaving_ice.serve(answer(503, b"<html>Service Unavailable</html>", content_type="text/html"))
    set_connection(monkeypatch, misbehaving_ice.url, max_retries=3)
    with pytest.raises(IceOutcomeUnknownError, match="HTTP 503"):
        submit(path)
    assert len(misbehaving_ice.received) == 1


@pytest.mark.parametrize("path", PATHS)
def test_a_well_formed_503_refusal_is_retried_for_a_submit(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    unavailable = {"RequestId": "r", "Code": "ServiceUnavailable", "Message": "busy"}
    misbehaving_ice.serve(answer(503, unavailable), answer(200, {"RequestId": "r", "JobId": "job-1"}))
    set_connection(monkeypatch, misbehaving_ice.url, max_retries=3)
    assert submit(path) == "job-1"
    assert len(misbehaving_ice.received) == 2


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("headers_first", [False, True], ids=["dribbled-headers", "dribbled-body"])
def test_a_dribbling_server_cannot_hold_a_call_past_timeout_times_attempts(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, path: str, headers_first: bool
) -> None:
    timeout, attempts = 1.0, 2
    misbehaving_ice.serve(dribble(0.2, headers_first=headers_first))
    set_connection(monkeypatch, misbehaving_ice.url, timeout=timeout, max_retries=attempts - 1)
    started = time.monotonic()
    with pytest.raises(IceAnswerLostError):
        query(path)
    elapsed = time.monotonic() - started
    # Precondition: the server really dribbled for the whole of each attempt (a byte each 0.2 s
    # would otherwise hold the call for as long as it likes).
    assert len(misbehaving_ice.received) == attempts
    assert all(wire.sent > 0 for wire in misbehaving_ice.wires)
    # Bounded by the attempts' timeouts, plus backoff and wide slack for a loaded machine: the
    # dribble alone would hold the call until the server stops (the test's own 300 s limit).
    assert elapsed < timeout * attempts + 15.0, elapsed


def test_a_trigger_is_not_held_past_its_deadline_plus_one_timeout(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch
) -> None:
    timeout = 2.0
    misbehaving_ice.serve(dribble(0.2))
    # Twenty retries of 2 s each would hold the poll for 40 s or more without the deadline.
    set_connection(monkeypatch, misbehaving_ice.url, timeout=timeout, max_retries=20)
    # Room for the trigger's first request to go out on a loaded machine (hook class, connection
    # read) before the deadline: the precondition below, that the poll reached the server.
    deadline = time.time() + 5.0
    trigger = IceIProductionJobTrigger(job_id="job-1", poll_interval=30, deadline=deadline)

    async def events() -> list[Any]:
        return [event async for event in trigger.run()]

    fired = asyncio.run(asyncio.wait_for(events(), 60))
    ended = time.time()
    assert len(fired) == 1
    event = JobEvent.from_payload(fired[0].payload, job_id="job-1")
    assert event.status is JobEventStatus.TIMEOUT
    assert misbehaving_ice.wires, "precondition: the poll reached the server before the deadline"
    assert misbehaving_ice.wires[0].sent > 0
    assert ended < deadline + timeout + 8.0, ended - deadline  # slack for a loaded machine


@pytest.mark.parametrize("path", PATHS)
def test_an_endless_answer_is_refused_without_being_read_whole(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    cap = 256 * 1024
    misbehaving_ice.serve(endless_chunks())
    set_connection(monkeypatch, misbehaving_ice.url, max_response_bytes=cap, max_retries=0)
    tracemalloc.start()
    try:
        with pytest.raises(IceResponseTooLargeError, match="max_response_bytes"):
            query(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The server would have sent without end; the client kept about the cap, not the stream.
    assert misbehaving_ice.wires[0].sent > cap
    assert peak < 8 * cap + 4 * 1024 * 1024, peak


@pytest.mark.parametrize("path", PATHS)
def test_an_announced_huge_answer_is_refused_by_its_length(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    misbehaving_ice.serve(announce_huge())
    set_connection(monkeypatch, misbehaving_ice.url, max_retries=0, timeout=20)
    started = time.monotonic()
    with pytest.raises(IceResponseTooLargeError, match="announced 209715200 bytes"):
        query(path)
    assert time.monotonic() - started < 15  # refused at the headers, not after waiting for the body


@pytest.mark.parametrize("path", PATHS)
def test_gzip_answers_parse_on_both_paths(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    misbehaving_ice.serve(gzip_answer(200, JOB))
    set_connection(monkeypatch, misbehaving_ice.url)
    job = query(path)
    assert job.job_id == "job-1"
    assert job.status_text == "Analysing"
    assert "gzip" not in misbehaving_ice.received[0].head.lower()  # never asked for


@pytest.mark.parametrize("path", PATHS)
def test_a_gzip_bomb_is_refused_by_the_decompressed_size(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    bomb = gzip.compress(b"{" + b" " * (20 * 1024 * 1024) + b"}")
    assert len(bomb) < 100_000
    misbehaving_ice.serve(answer(200, bomb, headers={"content-encoding": "gzip"}))
    set_connection(monkeypatch, misbehaving_ice.url, max_retries=0, max_response_bytes=1024 * 1024)
    with pytest.raises(IceResponseTooLargeError, match="decompressed"):
        query(path)


def _secret_forms(received: Any) -> list[str]:
    from urllib.parse import quote, quote_plus

    head = received.head
    signatures = [
        value.split("Signature=", 1)[1].split(",")[0].split("&")[0].split("\r")[0]
        for value in (head,)
        if "Signature=" in value
    ]
    values = [SECRET, TOKEN, *signatures]
    forms = set()
    for value in values:
        forms |= {value, quote(value, safe=""), quote_plus(value, safe=""), json.dumps(value)[1:-1]}
    return [form for form in forms if form]


@pytest.mark.parametrize("algorithm", ["ACS3-HMAC-SHA256", "HMAC-SHA1"])
@pytest.mark.parametrize("as_json", [True, False], ids=["ice-error", "gateway-page"])
def test_an_echoed_secret_token_or_signature_is_kept_nowhere(
    misbehaving_ice: MisbehavingIce,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    algorithm: str,
    as_json: bool,
) -> None:
    status = 400 if as_json else 502
    misbehaving_ice.serve(echo_request(status, as_json=as_json))
    set_connection(
        monkeypatch, misbehaving_ice.url, security_token=TOKEN, signature_algorithm=algorithm, max_retries=1
    )
    caplog.set_level(logging.DEBUG)
    expected = IceInvalidParameterError if as_json else IceServerError
    with IceHook(retry_wait_initial=0.01) as hook, pytest.raises(expected) as raised:
        hook.query_iproduction_job("job-1")
    trigger = IceIProductionJobTrigger(job_id="job-1", poll_interval=0.01, deadline=time.time() + 30)

    async def events() -> list[Any]:
        return [event async for event in trigger.run()]

    fired = asyncio.run(asyncio.wait_for(events(), 30))
    payload = json.dumps(fired[0].payload)
    assert JobEvent.from_payload(fired[0].payload, job_id="job-1").status is JobEventStatus.ERROR
    # Precondition: the server did echo the secrets it got.
    echoed = misbehaving_ice.received[0]
    forms = _secret_forms(echoed)
    assert TOKEN in echoed.head
    assert any(form in echoed.head for form in forms if form not in (SECRET, TOKEN))  # the signature
    printed = capsys.readouterr()
    kept = [
        str(raised.value),
        repr(raised.value),
        repr(pickle.loads(pickle.dumps(raised.value))),
        payload,
        caplog.text,
        printed.out,
        printed.err,
    ]
    assert "bad request" in str(raised.value) or "<pre>" in str(raised.value)  # the body is kept...
    for text in kept:
        for form in forms:
            assert form not in text  # ...without the secrets
    assert KEY_ID in echoed.head  # the AccessKey ID is no secret


def test_an_unreachable_endpoint_names_endpoint_connection_and_what_to_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_connection(monkeypatch, "https://ice.cn-nowhere.invalid", max_retries=0)
    with IceHook() as hook, pytest.raises(IceConnectError) as raised:
        hook.query_iproduction_job("job-1")
    message = str(raised.value)
    assert "https://ice.cn-nowhere.invalid" in message
    assert "'ice_default'" in message
    assert "does not resolve" in message
    assert "endpoint extra" in message


def test_a_mistyped_region_is_refused_naming_the_nearest_one() -> None:
    with pytest.raises(IceConfigurationError, match="did you mean 'cn-shanghai'") as raised:
        config_from_connection(conn_id="media", login="id", password="pw", extra={"region": "cn-shangai"})
    assert "'media'" in str(raised.value)
    assert "endpoint" in str(raised.value)  # how to use a region not listed
    # With an explicit endpoint the region does not pick the host, so it is not checked.
    explicit = {"region": "cn-shangai", "endpoint": "ice.cn-shanghai.aliyuncs.com"}
    assert (
        config_from_connection(conn_id="media", login="id", password="pw", extra=explicit).region
        == "cn-shangai"
    )


def test_ice_regions_are_the_ones_the_official_sdk_knows() -> None:
    import inspect

    from alibabacloud_ice20201109.client import Client

    from airflow_ice.client.config import ICE_REGIONS

    # The SDK's endpoint map lists the regions it routes; cn-shanghai has its own endpoint.
    source = inspect.getsource(Client.__init__)
    for region in ICE_REGIONS - {"cn-shanghai"}:
        assert f"'{region}'" in source, region


@pytest.mark.parametrize(
    ("extra", "warning"),
    [
        ({"endpoint": "https://ice.cn-shanghai.aliyuncs.com", "verify": False}, "verification is off"),
        ({"endpoint": "http://ice.example.internal:8080"}, "plain HTTP"),
    ],
)
def test_insecure_transport_is_warned_about_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, extra: dict[str, Any], warning: str
) -> None:
    # Only the engine is built: nothing is sent to these addresses.
    monkeypatch.setenv(
        "AIRFLOW_CONN_ICE_INSECURE",
        json.dumps({"conn_type": "alibaba_ice", "login": "id", "password": "pw", "extra": extra}),
    )
    caplog.set_level(logging.WARNING, logger="airflow_ice.client")
    for _ in range(3):
        IceHook("ice_insecure").engine()
    assert len([record for record in caplog.records if warning in record.getMessage()]) == 1


def test_loopback_http_is_not_warned_about(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    set_connection(monkeypatch, "http://127.0.0.1:9")
    caplog.set_level(logging.WARNING, logger="airflow_ice.client")
    IceHook().engine()
    assert not caplog.records
