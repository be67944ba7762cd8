"""IceHook over a real loopback socket: signing on the wire, typed methods, retries, secrets."""

from __future__ import annotations

import json
import logging
import pickle
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, quote

import pytest

from airflow_ice.client.signing import sha256_hex, v1_signature, v3_canonical_request, v3_signature
from airflow_ice.errors import (
    IceAuthError,
    IceConfigurationError,
    IceConnectError,
    IceInvalidParameterError,
    IceInvalidRequestError,
    IceNotFoundError,
    IceOutcomeUnknownError,
    IceResponseError,
    IceServerError,
    IceThrottlingError,
)
from airflow_ice.hooks.ice import IceHook, is_idempotent
from airflow_ice.models import IProductionJobStatus, YikeStoryboardJobStatus
from tests.support.paths import FIXTURES
from tests.support.stub_ice import Answer, Recorded, StubIce, error

FIXTURES = FIXTURES
KEY_ID = "LTAI-test-key"
SECRET = "SECRET-abc123-do-not-log"
TOKEN = "TOKEN-xyz789-do-not-log"

COVER_REQUEST = {
    "function_name": "Cover",
    "input": {"Type": "OSS", "Media": "oss://bucket/videos/in 1.mp4"},
    "output": {"Type": "OSS", "Media": "oss://bucket/covers/"},
    "name": "封面 cover",
    "user_data": '{"k":"v"}',
}
STORYBOARD_REQUEST = {
    "file_url": "https://bucket.oss-cn-shanghai.aliyuncs.com/novel.txt",
    "source_type": "Novel",
    "shot_split_mode": "firstPersonNarration",
    "style_id": "Ghibli",
    "title": "第一章",
    "aspect_ratio": "16:9",
    "skip_failure_shot": True,
}


def fixture_json(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def stub() -> Iterator[StubIce]:
    with StubIce() as server:
        yield server


def set_connection(
    monkeypatch: pytest.MonkeyPatch, url: str, conn_id: str = "ice_default", **extra: object
) -> None:
    conn = {
        "conn_type": "alibaba_ice",
        "login": KEY_ID,
        "password": SECRET,
        "extra": {"endpoint": url, "region": "cn-shanghai", "max_retries": 3, **extra},
    }
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))


@pytest.fixture
def hook(stub: StubIce, monkeypatch: pytest.MonkeyPatch) -> Iterator[IceHook]:
    set_connection(monkeypatch, stub.url)
    with IceHook(retry_wait_initial=0.01, retry_wait_max=0.05) as ice_hook:
        yield ice_hook


def assert_v3_signed(request: Recorded, secret: str = SECRET) -> None:
    """Recompute the signature from what arrived on the wire: it must match what was sent."""
    auth = request.headers["authorization"]
    algorithm, _, rest = auth.partition(" ")
    assert algorithm == "ACS3-HMAC-SHA256"
    fields = dict(part.split("=", 1) for part in rest.split(","))
    assert fields["Credential"] == KEY_ID
    names = fields["SignedHeaders"].split(";")
    assert {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce"} <= set(names)
    assert request.headers["x-acs-content-sha256"] == sha256_hex(request.body)
    canonical = v3_canonical_request(
        "POST", "/", request.query, request.headers, names, sha256_hex(request.body)
    )
    assert fields["Signature"] == v3_signature(secret, canonical)


# Typed methods, one real request each


def test_submit_iproduction_job_sends_signed_query(hook: IceHook, stub: StubIce) -> None:
    stub.script(Answer(body={"RequestId": "r1", "JobId": "job-123"}))
    assert hook.submit_iproduction_job(COVER_REQUEST) == "job-123"
    (request,) = stub.requests
    assert request.action == "SubmitIProductionJob"
    assert request.headers["x-acs-version"] == "2020-11-09"
    assert request.query["FunctionName"] == "Cover"
    assert json.loads(request.query["Input"]) == {"Type": "OSS", "Media": "oss://bucket/videos/in 1.mp4"}
    assert request.query["Name"] == "封面 cover"
    assert request.body == b""
    assert_v3_signed(request)


def test_query_iproduction_job_parses_seed(hook: IceHook, stub: StubIce) -> None:
    stub.script(Answer(body=fixture_json("query_iproduction_job.json")))
    job = hook.query_iproduction_job("****20b48fb04483915d4f2cd8ac****")
    assert stub.requests[0].query == {"JobId": "****20b48fb04483915d4f2cd8ac****"}
    assert job.job_id == "****20b48fb04483915d4f2cd8ac****"
    assert job.status is IProductionJobStatus.SUCCESS
    assert job.succeeded
    assert job.is_terminal
    assert job.output_urls == ["http://xxx"]


def test_cancel_iproduction_job(hook: IceHook, stub: StubIce) -> None:
    stub.script(Answer(body={"RequestId": "r", "Message": "ok"}))
    assert hook.cancel_iproduction_job("job-9") is None
    assert stub.requests[0].action == "CancelIProductionJob"
    assert stub.requests[0].query == {"JobId": "job-9"}


def test_submit_yike_storyboard_job_splits_body_and_query(hook: IceHook, stub: StubIce) -> None:
    stub.script(Answer(body={"RequestId": "r", "JobId": "sb-1"}))
    assert hook.submit_yike_storyboard_job(STORYBOARD_REQUEST) == "sb-1"
    (request,) = stub.requests
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    body = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
    assert body == {
        "FileURL": STORYBOARD_REQUEST["file_url"],
        "SourceType": "Novel",
        "ShotSplitMode": "firstPersonNarration",
        "StyleId": "Ghibli",
    }
    assert request.query == {"Title": "第一章", "AspectRatio": "16:9", "SkipFailureShot": "True"}
    assert_v3_signed(request)


def test_get_yike_storyboard_job_parses_seed(hook: IceHook, stub: StubIce) -> None:
    stub.script(Answer(body=fixture_json("get_yike_storyboard_job.json")))
    job = hook.get_yike_storyboard_job("****a046-263c-3560-978a-fb287782****")
    assert job.job_status is YikeStoryboardJobStatus.SUCCEEDED
    assert job.job_result is not None
    assert job.job_result.success_storyboard_list == ["st_2118280473"]


def test_resume_yike_storyboard_job(hook: IceHook, stub: StubIce) -> None:
    stub.script(Answer(body={"RequestId": "r"}))
    hook.resume_yike_storyboard_job("sb-1")
    assert stub.requests[0].action == "ResumeYikeStoryboardJob"


def test_generic_call_serialises_values(hook: IceHook, stub: StubIce) -> None:
    stub.script(Answer(body={"RequestId": "r", "MediaInfo": {"MediaId": "m"}}))
    answer = hook.call("GetMediaInfo", {"MediaId": "m", "Flag": False, "Size": 3, "Cfg": {"A": "é"}})
    assert answer["MediaInfo"] == {"MediaId": "m"}
    assert stub.requests[0].query == {"MediaId": "m", "Flag": "False", "Size": "3", "Cfg": '{"A":"é"}'}


def test_hmac_sha1_signature_on_the_wire(stub: StubIce, monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(monkeypatch, stub.url, signature_algorithm="HMAC-SHA1", security_token=TOKEN)
    stub.script(Answer(body={"RequestId": "r", "JobId": "sb-2"}))
    with IceHook() as ice_hook:
        ice_hook.submit_yike_storyboard_job(STORYBOARD_REQUEST)
    (request,) = stub.requests
    params = {**request.query, **dict(parse_qsl(request.body.decode(), keep_blank_values=True))}
    assert params["SignatureMethod"] == "HMAC-SHA1"
    assert params["SecurityToken"] == TOKEN
    assert params["Signature"] == v1_signature(SECRET, "POST", params)


def test_sts_token_is_signed_in_v3(stub: StubIce, monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(monkeypatch, stub.url, security_token=TOKEN)
    with IceHook() as ice_hook:
        ice_hook.call("QueryIProductionJob", {"JobId": "j"})
    (request,) = stub.requests
    assert request.headers["x-acs-security-token"] == TOKEN
    assert "x-acs-security-token" in request.headers["authorization"]
    assert_v3_signed(request)


def test_each_attempt_has_a_fresh_nonce(hook: IceHook, stub: StubIce) -> None:
    stub.script(error("ServiceUnavailable", 503), Answer(body={"RequestId": "r"}))
    hook.call("QueryIProductionJob", {"JobId": "j"})
    nonces = {request.headers["x-acs-signature-nonce"] for request in stub.requests}
    assert len(stub.requests) == 2
    assert len(nonces) == 2


def test_one_pooled_connection_is_reused(hook: IceHook, stub: StubIce) -> None:
    for _ in range(3):
        hook.call("QueryIProductionJob", {"JobId": "j"})
    assert hook.get_conn() is hook.get_conn()
    assert len(stub.requests) == 3


# Retry classification


def test_throttled_then_success(hook: IceHook, stub: StubIce) -> None:
    stub.script(error("Throttling.User", 400), Answer(body={"RequestId": "r", "JobId": "j"}))
    assert hook.submit_iproduction_job(COVER_REQUEST) == "j"
    assert len(stub.requests) == 2


def test_503_then_success_for_a_submit(hook: IceHook, stub: StubIce) -> None:
    stub.script(error("ServiceUnavailable", 503), Answer(body={"RequestId": "r", "JobId": "j"}))
    assert hook.submit_iproduction_job(COVER_REQUEST) == "j"
    assert len(stub.requests) == 2


@pytest.fixture
def tenacity_states(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tenacity retry states the engine builds (it builds one only once a first attempt failed)."""
    from airflow_ice.client import engine

    made: list[str] = []

    def recording(name: str) -> Any:
        real = getattr(engine, name)

        def recorded(*args: object, **kwargs: object) -> Any:
            made.append(name)
            return real(*args, **kwargs)

        return recorded

    for name in ("Retrying", "AsyncRetrying"):
        monkeypatch.setattr(engine, name, recording(name))
    return made


def test_a_first_answer_or_final_error_builds_no_retry_state(
    hook: IceHook, stub: StubIce, tenacity_states: list[str]
) -> None:
    stub.script(Answer(body={"RequestId": "r"}), error("NotFound", 404))
    assert hook.call("QueryIProductionJob", {"JobId": "j"}) == {"RequestId": "r"}
    with pytest.raises(IceNotFoundError):
        hook.call("QueryIProductionJob", {"JobId": "j"})
    assert tenacity_states == []
    stub.script(error("ServiceUnavailable", 503), Answer(body={"RequestId": "r"}))
    assert hook.call("QueryIProductionJob", {"JobId": "j"}) == {"RequestId": "r"}
    assert tenacity_states == ["Retrying"]  # a retry: the first attempt's failure made one


async def test_async_a_first_answer_or_final_error_builds_no_retry_state(
    hook: IceHook, stub: StubIce, tenacity_states: list[str]
) -> None:
    stub.script(Answer(body={"RequestId": "r"}), error("NotFound", 404))
    assert await hook.acall("QueryIProductionJob", {"JobId": "j"}) == {"RequestId": "r"}
    with pytest.raises(IceNotFoundError):
        await hook.acall("QueryIProductionJob", {"JobId": "j"})
    assert tenacity_states == []
    stub.script(error("ServiceUnavailable", 503), Answer(body={"RequestId": "r"}))
    assert await hook.acall("QueryIProductionJob", {"JobId": "j"}) == {"RequestId": "r"}
    assert tenacity_states == ["AsyncRetrying"]


def test_retry_after_is_honoured(hook: IceHook, stub: StubIce) -> None:
    stub.script(error("Throttling.Api", 400, **{"x-acs-retry-after": "400"}), Answer(body={"RequestId": "r"}))
    hook.call("QueryIProductionJob", {"JobId": "j"})
    first, second = stub.requests
    # The backoff alone would wait at most 0.05 s here; the server asked for 0.4 s.
    assert second.time - first.time >= 0.4


@pytest.mark.parametrize(
    ("code", "status", "error_class"),
    [
        ("SignatureDoesNotMatch", 400, IceAuthError),
        ("InvalidAccessKeyId.NotFound", 404, IceAuthError),
        ("InvalidTimeStamp.Expired", 400, IceAuthError),
        ("Forbidden.RAM", 403, IceAuthError),
        ("InvalidParameter", 400, IceInvalidParameterError),
        ("NotFound", 404, IceNotFoundError),
    ],
)
def test_final_errors_are_not_retried(
    hook: IceHook, stub: StubIce, code: str, status: int, error_class: type[Exception]
) -> None:
    stub.script(error(code, status))
    with pytest.raises(error_class) as info:
        hook.call("QueryIProductionJob", {"JobId": "j"})
    assert len(stub.requests) == 1
    assert info.value.code == code  # type: ignore[attr-defined]
    assert info.value.http_status == status  # type: ignore[attr-defined]


def test_auth_error_says_what_to_check(hook: IceHook, stub: StubIce) -> None:
    stub.script(error("InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired."))
    with pytest.raises(IceAuthError, match="clock") as info:
        hook.call("QueryIProductionJob", {"JobId": "j"})
    assert info.value.request_id == "req-1"
    assert "QueryIProductionJob" in str(info.value)


def test_query_is_retried_after_a_dropped_connection(hook: IceHook, stub: StubIce) -> None:
    stub.script(Answer(drop=True), Answer(body=fixture_json("query_iproduction_job.json")))
    assert hook.query_iproduction_job("j").succeeded
    assert len(stub.requests) == 2


def test_query_gives_up_after_max_retries(hook: IceHook, stub: StubIce) -> None:
    stub.script(*[error("ServiceUnavailable", 503)] * 10)
    with pytest.raises(IceServerError):
        hook.call("QueryIProductionJob", {"JobId": "j"})
    assert len(stub.requests) == 4  # 1 + max_retries (3)


@pytest.mark.parametrize(
    "answer",
    [Answer(drop=True), error("InternalError", 500), Answer(delay=1.5)],
    ids=["dropped", "http-500", "read-timeout"],
)
def test_submit_with_lost_answer_is_not_retried(
    stub: StubIce, monkeypatch: pytest.MonkeyPatch, answer: Answer
) -> None:
    set_connection(monkeypatch, stub.url, timeout=0.5)
    stub.script(answer)
    with IceHook(retry_wait_initial=0.01) as ice_hook, pytest.raises(IceOutcomeUnknownError) as info:
        ice_hook.submit_iproduction_job(COVER_REQUEST)
    assert len(stub.requests) == 1
    assert info.value.tag == '{"k":"v"}'
    assert "NOT resubmitted" in str(info.value)


def test_invalid_request_sends_nothing(hook: IceHook, stub: StubIce) -> None:
    with pytest.raises(IceInvalidRequestError, match="FunctionName"):
        hook.submit_iproduction_job({**COVER_REQUEST, "function_name": "Cuver"})
    assert stub.requests == []


def test_idempotency_is_judged_from_the_action_name() -> None:
    assert is_idempotent("QueryIProductionJob")
    assert is_idempotent("CancelIProductionJob")
    assert is_idempotent("BatchGetYikeAIAppJob")
    assert not is_idempotent("SubmitIProductionJob")
    assert not is_idempotent("ResumeYikeStoryboardJob")


def test_a_submit_carrying_a_client_token_may_be_resent() -> None:
    # ICE answers the same ClientToken with the same job (tests/unit/families/test_every_family.py shows it).
    assert is_idempotent("SubmitMediaProducingJob", {"ClientToken": "t-1", "UserData": "{}"})
    assert is_idempotent("SubmitMediaProducingJob", None, {"ClientToken": "t-1"})
    assert not is_idempotent("SubmitMediaProducingJob", {"ClientToken": ""})
    assert not is_idempotent("SubmitMediaProducingJob", {"UserData": "{}"})


# Async


async def test_async_methods_over_a_real_socket(hook: IceHook, stub: StubIce) -> None:
    stub.script(
        error("Throttling.User", 400),
        Answer(body={"RequestId": "r", "JobId": "job-a"}),
        Answer(drop=True),
        Answer(body=fixture_json("query_iproduction_job.json")),
        Answer(body={"RequestId": "r", "Message": "ok"}),
        Answer(body={"RequestId": "r", "JobId": "sb-a"}),
        Answer(body=fixture_json("get_yike_storyboard_job.json")),
        Answer(body={"RequestId": "r"}),
    )
    assert await hook.asubmit_iproduction_job(COVER_REQUEST) == "job-a"
    assert (await hook.aquery_iproduction_job("job-a")).succeeded
    await hook.acancel_iproduction_job("job-a")
    assert await hook.asubmit_yike_storyboard_job(STORYBOARD_REQUEST) == "sb-a"
    assert (await hook.aget_yike_storyboard_job("sb-a")).succeeded
    await hook.aresume_yike_storyboard_job("sb-a")
    await hook.aclose()
    actions = [request.action for request in stub.requests]
    assert actions == [
        "SubmitIProductionJob",
        "SubmitIProductionJob",
        "QueryIProductionJob",
        "QueryIProductionJob",
        "CancelIProductionJob",
        "SubmitYikeStoryboardJob",
        "GetYikeStoryboardJob",
        "ResumeYikeStoryboardJob",
    ]
    for request in stub.requests:
        assert_v3_signed(request)


async def test_async_submit_with_dropped_answer_is_not_retried(hook: IceHook, stub: StubIce) -> None:
    stub.script(Answer(drop=True))
    with pytest.raises(IceOutcomeUnknownError):
        await hook.asubmit_iproduction_job(COVER_REQUEST)
    await hook.aclose()
    assert len(stub.requests) == 1


async def test_async_throttling_gives_typed_error_after_retries(hook: IceHook, stub: StubIce) -> None:
    stub.script(*[error("Throttling.User", 400)] * 10)
    with pytest.raises(IceThrottlingError):
        await hook.acall("QueryIProductionJob", {"JobId": "j"})
    await hook.aclose()
    assert len(stub.requests) == 4


# Connections


def test_alibaba_cloud_connection_type_works(stub: StubIce, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = {
        "conn_type": "alibaba_cloud",
        "extra": {
            "access_key_id": KEY_ID,
            "access_key_secret": SECRET,
            "region": "cn-beijing",
            "endpoint": stub.url,
        },
    }
    monkeypatch.setenv("AIRFLOW_CONN_MY_ALIYUN", json.dumps(conn))
    with IceHook("my_aliyun") as ice_hook:
        ice_hook.call("QueryIProductionJob", {"JobId": "j"})
        assert ice_hook.get_config().region == "cn-beijing"
    assert_v3_signed(stub.requests[0])


def test_missing_secret_is_a_clear_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_NO_SECRET", json.dumps({"conn_type": "alibaba_ice", "login": KEY_ID}))
    with pytest.raises(IceConfigurationError, match="AccessKey Secret"):
        IceHook("no_secret").get_config()


def test_test_connection(stub: StubIce, monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(monkeypatch, stub.url)
    stub.script(error("InvalidParameter.JobNotFound", 404), error("SignatureDoesNotMatch", 400))
    ok, message = IceHook().test_connection()
    assert ok, message
    ok, message = IceHook().test_connection()
    assert not ok
    assert "AccessKey Secret" in message


# Secrets


@pytest.mark.parametrize("algorithm", ["ACS3-HMAC-SHA256", "HMAC-SHA1"])
def test_secrets_never_in_logs_errors_or_reprs(
    stub: StubIce,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    algorithm: str,
) -> None:
    set_connection(monkeypatch, stub.url, security_token=TOKEN, signature_algorithm=algorithm)
    stub.script(error("Throttling.User", 400), error("SignatureDoesNotMatch", 400))
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="httpx")  # Airflow quiets httpx; a user may not
    ice_hook = IceHook(retry_wait_initial=0.01)
    with pytest.raises(IceAuthError) as info:
        ice_hook.call("QueryIProductionJob", {"JobId": "j"})
    first = stub.requests[0]
    if algorithm == "HMAC-SHA1":
        signature = first.query["Signature"]
    else:
        signature = first.headers["authorization"].rsplit("Signature=", 1)[1]
    # Airflow's hook logger prints through structlog (captured output); httpx logs via stdlib.
    printed = capsys.readouterr()
    logs = caplog.text + printed.out + printed.err
    texts = [
        logs,
        str(info.value),
        repr(info.value),
        repr(ice_hook),
        repr(ice_hook.get_config()),
        repr(pickle.loads(pickle.dumps(info.value))),
    ]
    assert "retrying" in logs
    for text in texts:
        for secret in (SECRET, TOKEN, signature, quote(signature, safe="")):
            assert secret not in text
    ice_hook.close()


def test_unreachable_endpoint_is_a_connect_error_naming_endpoint_and_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nothing listens on this port: connection refused on every attempt, then one typed error.
    set_connection(monkeypatch, "http://127.0.0.1:9", max_retries=1)
    with IceHook(retry_wait_initial=0.01) as ice_hook, pytest.raises(IceConnectError) as raised:
        ice_hook.call("QueryIProductionJob", {"JobId": "j"})
    message = str(raised.value)
    assert "http://127.0.0.1:9" in message
    assert "'ice_default'" in message
    assert "Connection refused" in message
    assert "for a local emulator that it is running" in message


def test_unusable_query_answer_is_a_response_error_keeping_the_raw_body(hook: IceHook, stub: StubIce) -> None:
    stub.script(Answer(body={"RequestId": "r", "Unexpected": [1, 2]}))
    with pytest.raises(IceResponseError, match="Unexpected") as info:
        hook.query_iproduction_job("job-1")
    assert info.value.action == "QueryIProductionJob"


def test_submit_answer_without_job_id_is_outcome_unknown_and_sent_once(hook: IceHook, stub: StubIce) -> None:
    # ICE may have created the job: only a well-formed answer says it did not.
    stub.script(Answer(body={"RequestId": "r"}), Answer(body={"RequestId": "r", "JobId": "second"}))
    with pytest.raises(IceOutcomeUnknownError, match="no JobId"):
        hook.submit_iproduction_job(COVER_REQUEST)
    assert len(stub.requests) == 1
