"""The emulator accepts correctly signed calls (V3 and V1, with and without STS) and rejects the
rest with ICE's codes and statuses. Real HTTP on loopback, signed with airflow_ice.client.signing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from airflow_ice.client.signing import (
    ACS3_HMAC_SHA256,
    EMPTY_SHA256,
    HMAC_SHA1,
    Credentials,
    format_timestamp,
    new_nonce,
    sha256_hex,
    v3_authorization,
)
from airflow_ice.emulator.server import IceEmulator
from tests.support.emulator import (
    API_VERSION,
    KEY_ID,
    KEY_SECRET,
    STS_TOKEN,
    call,
    error_code,
    iproduction_params,
    ok,
    storyboard_body,
)

ALGORITHMS = [ACS3_HMAC_SHA256, HMAC_SHA1]


@pytest.fixture(scope="module")
def emulator() -> Iterator[IceEmulator]:
    with IceEmulator(access_key_id=KEY_ID, access_key_secret=KEY_SECRET, job_seconds=30) as running:
        yield running


@pytest.fixture(scope="module")
def sts_emulator() -> Iterator[IceEmulator]:
    with IceEmulator(access_key_id=KEY_ID, access_key_secret=KEY_SECRET, security_token=STS_TOKEN) as running:
        yield running


@pytest.fixture
def client(emulator: IceEmulator) -> Iterator[httpx.Client]:
    emulator.reset()
    with httpx.Client(timeout=5) as http:
        yield http


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_action_is_accepted_when_signed(
    client: httpx.Client, emulator: IceEmulator, algorithm: str
) -> None:
    job_id = ok(call(client, emulator, "SubmitIProductionJob", iproduction_params(), algorithm=algorithm))[
        "JobId"
    ]
    queried = ok(call(client, emulator, "QueryIProductionJob", {"JobId": job_id}, algorithm=algorithm))
    assert queried["JobId"] == job_id
    assert queried["Status"] in ("Queuing", "Analysing")
    cancelled = ok(call(client, emulator, "CancelIProductionJob", {"JobId": job_id}, algorithm=algorithm))
    assert cancelled["Message"]

    story_id = ok(
        call(
            client,
            emulator,
            "SubmitYikeStoryboardJob",
            {"Title": "t", "AspectRatio": "16:9"},
            storyboard_body(),
            algorithm=algorithm,
        )
    )["JobId"]
    story = ok(call(client, emulator, "GetYikeStoryboardJob", {"JobId": story_id}, algorithm=algorithm))
    assert story["JobStatus"] == "Running"
    assert story["JobParams"]["FileURL"] == storyboard_body()["FileURL"]  # body parameter arrived
    assert story["JobParams"]["Title"] == "t"  # query parameter arrived
    ok(call(client, emulator, "ResumeYikeStoryboardJob", {"JobId": story_id}, algorithm=algorithm))
    counters = emulator.counters()
    assert counters.jobs_submitted == {"SubmitIProductionJob": 1, "SubmitYikeStoryboardJob": 1}
    assert sum(counters.requests.values()) == 6
    assert counters.signatures == {algorithm: 6}
    assert not counters.auth_failures


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_unicode_and_reserved_characters_are_verified(
    client: httpx.Client, emulator: IceEmulator, algorithm: str
) -> None:
    params = {**iproduction_params(input_media="oss://bucket/我的 视频*~+.mp4"), "Name": "封面 a+b*c~"}
    job_id = ok(call(client, emulator, "SubmitIProductionJob", params, algorithm=algorithm))["JobId"]
    job = ok(call(client, emulator, "QueryIProductionJob", {"JobId": job_id}, algorithm=algorithm))
    assert job["Name"] == "封面 a+b*c~"
    assert job["Input"]["Media"] == "oss://bucket/我的 视频*~+.mp4"


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_wrong_secret_is_signature_does_not_match(
    client: httpx.Client, emulator: IceEmulator, algorithm: str
) -> None:
    response = call(
        client,
        emulator,
        "QueryIProductionJob",
        {"JobId": "x"},
        algorithm=algorithm,
        credentials=Credentials(KEY_ID, "not-the-secret"),
    )
    assert error_code(response) == (400, "SignatureDoesNotMatch")
    assert emulator.counters().auth_failures == {"SignatureDoesNotMatch": 1}


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_wrong_key_id_is_not_found(client: httpx.Client, emulator: IceEmulator, algorithm: str) -> None:
    response = call(
        client,
        emulator,
        "QueryIProductionJob",
        {"JobId": "x"},
        algorithm=algorithm,
        credentials=Credentials("someone-else", KEY_SECRET),
    )
    assert error_code(response) == (404, "InvalidAccessKeyId.NotFound")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("offset_minutes", [-16, 16])
def test_timestamp_more_than_15_minutes_off_is_expired(
    client: httpx.Client, emulator: IceEmulator, algorithm: str, offset_minutes: int
) -> None:
    moment = datetime.now(timezone.utc) + timedelta(minutes=offset_minutes)
    response = call(client, emulator, "QueryIProductionJob", {"JobId": "x"}, algorithm=algorithm, now=moment)
    assert error_code(response) == (400, "InvalidTimeStamp.Expired")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_timestamp_within_15_minutes_is_accepted(
    client: httpx.Client, emulator: IceEmulator, algorithm: str
) -> None:
    moment = datetime.now(timezone.utc) - timedelta(minutes=14)
    response = call(
        client, emulator, "SubmitIProductionJob", iproduction_params(), algorithm=algorithm, now=moment
    )
    ok(response)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_replayed_nonce_is_rejected(client: httpx.Client, emulator: IceEmulator, algorithm: str) -> None:
    nonce = new_nonce()
    first = call(
        client, emulator, "SubmitIProductionJob", iproduction_params(), algorithm=algorithm, nonce=nonce
    )
    ok(first)
    replay = call(
        client, emulator, "SubmitIProductionJob", iproduction_params(), algorithm=algorithm, nonce=nonce
    )
    assert error_code(replay) == (400, "SignatureNonceUsed")
    assert emulator.counters().jobs_submitted["SubmitIProductionJob"] == 1


def test_nonce_of_a_rejected_signature_is_not_burnt(client: httpx.Client, emulator: IceEmulator) -> None:
    nonce = new_nonce()
    bad = call(
        client,
        emulator,
        "QueryIProductionJob",
        {"JobId": "x"},
        nonce=nonce,
        credentials=Credentials(KEY_ID, "bad"),
    )
    assert error_code(bad) == (400, "SignatureDoesNotMatch")
    good = call(client, emulator, "QueryIProductionJob", {"JobId": "x"}, nonce=nonce)
    assert error_code(good) == (404, "JobNotFound")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_unknown_action_is_invalid_api(client: httpx.Client, emulator: IceEmulator, algorithm: str) -> None:
    response = call(client, emulator, "DescribeEverything", {"A": "b"}, algorithm=algorithm)
    assert error_code(response) == (404, "InvalidApi.NotFound")
    assert emulator.counters().requests["DescribeEverything"] == 1


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_wrong_api_version_is_rejected(client: httpx.Client, emulator: IceEmulator, algorithm: str) -> None:
    response = call(
        client, emulator, "QueryIProductionJob", {"JobId": "x"}, algorithm=algorithm, version="2017-03-21"
    )
    assert error_code(response) == (400, "InvalidVersion")


def test_unsigned_request_is_incomplete_signature(client: httpx.Client, emulator: IceEmulator) -> None:
    response = client.post(f"{emulator.url}/?JobId=x", headers={"x-acs-action": "QueryIProductionJob"})
    assert error_code(response) == (400, "IncompleteSignature")


def test_request_without_action_is_missing_action(client: httpx.Client, emulator: IceEmulator) -> None:
    response = client.post(f"{emulator.url}/?JobId=x")
    assert error_code(response) == (400, "MissingAction")


def test_v1_without_nonce_is_missing_parameter(client: httpx.Client, emulator: IceEmulator) -> None:
    response = client.post(f"{emulator.url}/?Action=QueryIProductionJob&AccessKeyId={KEY_ID}&Signature=abc")
    assert error_code(response)[0] == 400
    assert response.json()["Code"].startswith("Missing")


def test_tampered_query_after_signing_does_not_match(client: httpx.Client, emulator: IceEmulator) -> None:
    headers = _v3_headers(emulator, "QueryIProductionJob", b"")
    query = {"JobId": "job-a"}
    headers["authorization"] = _authorize(headers, query)
    response = client.post(f"{emulator.url}/?JobId=job-b", headers=headers)
    assert error_code(response) == (400, "SignatureDoesNotMatch")


def test_body_not_matching_content_sha256_is_rejected(client: httpx.Client, emulator: IceEmulator) -> None:
    headers = _v3_headers(emulator, "SubmitYikeStoryboardJob", b"FileURL=oss%3A%2F%2Fb%2Fa.txt")
    headers["content-type"] = "application/x-www-form-urlencoded"
    headers["authorization"] = _authorize(headers, {}, headers["x-acs-content-sha256"])
    response = client.post(f"{emulator.url}/", headers=headers, content=b"FileURL=oss%3A%2F%2Fb%2Fother.txt")
    assert error_code(response) == (400, "IncompleteSignature")
    assert "x-acs-content-sha256" in response.json()["Message"]


@pytest.mark.parametrize(
    "unsigned",
    ["host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"],
)
def test_every_required_header_must_be_signed(
    client: httpx.Client, emulator: IceEmulator, unsigned: str
) -> None:
    headers = _v3_headers(emulator, "QueryIProductionJob", b"")
    signed = {name: value for name, value in headers.items() if name != unsigned}
    headers["authorization"] = _authorize(signed, {"JobId": "x"})
    response = client.post(f"{emulator.url}/?JobId=x", headers=headers)
    assert error_code(response) == (400, "IncompleteSignature")
    assert unsigned in response.json()["Message"]


def test_extra_signed_headers_are_accepted(client: httpx.Client, emulator: IceEmulator) -> None:
    headers = _v3_headers(emulator, "QueryIProductionJob", b"")
    headers["accept"] = "application/json"
    headers["user-agent"] = "custom-client/1.0"
    headers["authorization"] = _authorize(headers, {"JobId": "x"})
    response = client.post(f"{emulator.url}/?JobId=x", headers=headers)
    assert error_code(response) == (404, "JobNotFound")  # authenticated, then the job is unknown


def test_malformed_authorization_is_incomplete_signature(client: httpx.Client, emulator: IceEmulator) -> None:
    headers = _v3_headers(emulator, "QueryIProductionJob", b"")
    headers["authorization"] = "ACS3-HMAC-SHA256 Credential=test-key-id"
    response = client.post(f"{emulator.url}/?JobId=x", headers=headers)
    assert error_code(response) == (400, "IncompleteSignature")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_sts_token_is_required_and_checked(sts_emulator: IceEmulator, algorithm: str) -> None:
    sts_emulator.reset()
    with httpx.Client(timeout=5) as http:
        good = Credentials(KEY_ID, KEY_SECRET, STS_TOKEN)
        job_id = ok(
            call(
                http,
                sts_emulator,
                "SubmitIProductionJob",
                iproduction_params(),
                algorithm=algorithm,
                credentials=good,
            )
        )["JobId"]
        ok(
            call(
                http,
                sts_emulator,
                "QueryIProductionJob",
                {"JobId": job_id},
                algorithm=algorithm,
                credentials=good,
            )
        )

        missing = call(http, sts_emulator, "QueryIProductionJob", {"JobId": job_id}, algorithm=algorithm)
        assert error_code(missing) == (400, "InvalidSecurityToken.Malformed")
        wrong = call(
            http,
            sts_emulator,
            "QueryIProductionJob",
            {"JobId": job_id},
            algorithm=algorithm,
            credentials=Credentials(KEY_ID, KEY_SECRET, "stale-token"),
        )
        assert error_code(wrong) == (400, "InvalidSecurityToken.Expired")
        assert STS_TOKEN not in wrong.text
        assert "stale-token" not in wrong.text


def test_token_sent_to_a_permanent_key_is_rejected(client: httpx.Client, emulator: IceEmulator) -> None:
    response = call(
        client,
        emulator,
        "QueryIProductionJob",
        {"JobId": "x"},
        credentials=Credentials(KEY_ID, KEY_SECRET, "tok"),
    )
    assert error_code(response) == (400, "InvalidSecurityToken.MismatchWithAccessKey")


def test_error_answers_never_contain_the_secret(client: httpx.Client, emulator: IceEmulator) -> None:
    responses = [
        call(client, emulator, "QueryIProductionJob", {"JobId": "x"}, credentials=Credentials(KEY_ID, "bad")),
        call(client, emulator, "QueryIProductionJob", {"JobId": "x"}),
        call(client, emulator, "Nope", {}),
    ]
    for response in responses:
        assert KEY_SECRET not in response.text
        assert response.headers["x-acs-request-id"] == response.json()["RequestId"]
    assert KEY_SECRET not in repr(emulator)


def _v3_headers(emulator: IceEmulator, action: str, body: bytes) -> dict[str, str]:
    """The headers ICE requires for V3, unsigned."""
    return {
        "host": emulator.endpoint,
        "x-acs-action": action,
        "x-acs-version": API_VERSION,
        "x-acs-date": format_timestamp(datetime.now(timezone.utc)),
        "x-acs-signature-nonce": new_nonce(),
        "x-acs-content-sha256": sha256_hex(body),
    }


def _authorize(headers: dict[str, str], query: dict[str, str], payload_sha256: str = EMPTY_SHA256) -> str:
    """An Authorization header signing exactly ``headers``."""
    return v3_authorization("POST", "/", query, headers, payload_sha256, KEY_ID, KEY_SECRET)
