"""Prove :mod:`airflow_ice.client.signing` byte-for-byte against the official Alibaba Cloud signer.

The oracle is ``alibabacloud_tea_openapi.utils.Utils`` (a test-only dependency). Every comparison is
made on the literal published reference vectors and on thousands of generated requests.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl

import pytest
from alibabacloud_tea_openapi.utils import Utils, get_canonical_query_string
from darabonba.request import DaraRequest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from airflow_ice.client.signing import (
    ACS3_HMAC_SHA256,
    EMPTY_SHA256,
    HMAC_SHA1,
    Credentials,
    SignedRequest,
    canonical_query_string,
    percent_encode,
    sha256_hex,
    sign_request,
    v1_signature,
    v3_authorization,
)

# Reference vector inputs, copied from the shared API notes (tests must not read /work/shared).
ACCESS_KEY_ID = "testid"
SECRET = "testsecret"
NONCE = "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"
TIMESTAMP = "2024-01-01T00:00:00Z"
SIGNING_TIME = datetime(2024, 1, 1, tzinfo=timezone.utc)
HOST = "ice.cn-shanghai.aliyuncs.com"
VERSION = "2020-11-09"
V1_REFERENCE_SIGNATURE = "7RJoYG+YH3X9oqwn+2gu4ODmygM="
V3_REFERENCE_SIGNATURE = "5f5f3f5fea61473fcfd43eb7d9ef9679eaeb1a4be5c27374c00f6ae9ac345a1a"

# Names sign_request sets itself in V1; generated business parameters must not collide with them.
V1_COMMON_NAMES = {
    "Action",
    "Format",
    "Version",
    "Timestamp",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "AccessKeyId",
    "SecurityToken",
    "Signature",
}
ICE_PARAMETER_NAMES = [
    "JobId",
    "ClientToken",
    "FunctionName",
    "Input",
    "Output",
    "Name",
    "JobParams",
    "TemplateId",
    "ModelId",
    "ScheduleConfig",
    "ScheduleConfig.PipelineId",
    "UserData",
    "FileURL",
    "SourceType",
    "Title",
    "ModelParams",
    "AppParams",
    "JobIds",
]
TRICKY_CHARACTERS = " +*~%#&=/?;:,'\"\\!$()[]{}<>@^`|\t\n中文副歌小说标题😀🎬é"

# --- Hypothesis strategies -----------------------------------------------------------------------

# Cheap strategies on purpose: data generation, not signing, dominates the run time.
name_segments = st.text(st.sampled_from(string.ascii_letters + string.digits), min_size=1, max_size=16)
parameter_names = st.one_of(
    st.sampled_from(ICE_PARAMETER_NAMES),
    st.lists(name_segments, min_size=1, max_size=3).map(".".join),
).filter(lambda name: name not in V1_COMMON_NAMES)

# Lone surrogates are not encodable text: neither signer nor any HTTP client can send them.
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
tricky_text = st.text(st.sampled_from(TRICKY_CHARACTERS), max_size=30)
some_text = any_text | tricky_text
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | some_text,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(ICE_PARAMETER_NAMES), children, max_size=5)
    ),
    max_leaves=12,
)
# Long JSON such as a UserData with a notify address and many items, both escaped and raw UTF-8.
long_json_values = st.fixed_dictionaries(
    {
        "NotifyAddress": st.just("https://example.com/notify?a=1&b=2"),
        "Items": st.lists(some_text, max_size=40),
    }
)
json_text = st.builds(
    lambda value, ascii_only: json.dumps(value, ensure_ascii=ascii_only, separators=(",", ":")),
    json_values | long_json_values,
    st.booleans(),
)
parameter_values = st.one_of(st.just(""), any_text, tricky_text, json_text)
parameters = st.dictionaries(parameter_names, parameter_values, max_size=6)
printable_ascii = st.characters(min_codepoint=33, max_codepoint=126)
secrets = st.text(printable_ascii, min_size=1, max_size=30)
security_tokens = st.none() | st.text(printable_ascii, min_size=1, max_size=60)


@st.composite
def query_and_body(draw: st.DrawFn) -> tuple[dict[str, str], dict[str, str]]:
    """Query and body parameters with distinct names, as one ICE call would carry them."""
    query = draw(parameters)
    body = draw(parameters.map(lambda params: {k: v for k, v in params.items() if k not in query}))
    return query, body


FAST = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def oracle_authorization(
    query: dict[str, str],
    headers: dict[str, str],
    payload_sha256: str,
    access_key_id: str,
    secret: str,
    method: str = "POST",
) -> str:
    """The official V3 ``Authorization`` value for ``{method} /`` with these query and headers."""
    request = DaraRequest()
    request.method = method
    request.pathname = "/"
    request.query = query
    request.headers = headers
    return Utils.get_authorization(request, ACS3_HMAC_SHA256, payload_sha256, access_key_id, secret)


def parse_query(query_string: str) -> dict[str, str]:
    """What a server sees: the decoded pairs, with no name sent twice."""
    pairs = parse_qsl(query_string, keep_blank_values=True, strict_parsing=bool(query_string))
    assert len({name for name, _ in pairs}) == len(pairs), "a parameter was sent twice"
    return dict(pairs)


def sent_nonce_and_time(signed: SignedRequest) -> tuple[str, str]:
    """The nonce and timestamp a request carries, in headers (V3) or query (V1)."""
    if "x-acs-signature-nonce" in signed.headers:
        return signed.headers["x-acs-signature-nonce"], signed.headers["x-acs-date"]
    query = parse_query(signed.query_string)
    return query["SignatureNonce"], query["Timestamp"]


# --- Reference vectors ---------------------------------------------------------------------------


def test_v1_reference_vector_matches_published_signature_and_oracle() -> None:
    params = {
        "Action": "QueryIProductionJob",
        "Format": "json",
        "Version": VERSION,
        "JobId": "job-1 2*~",
        "Timestamp": TIMESTAMP,
        "SignatureMethod": HMAC_SHA1,
        "SignatureVersion": "1.0",
        "SignatureNonce": NONCE,
        "AccessKeyId": ACCESS_KEY_ID,
    }
    assert v1_signature(SECRET, "POST", params) == V1_REFERENCE_SIGNATURE
    assert Utils.get_rpcsignature(params, "POST", SECRET) == V1_REFERENCE_SIGNATURE
    # A Signature already present is never part of what is signed.
    assert v1_signature(SECRET, "POST", {**params, "Signature": "stale"}) == V1_REFERENCE_SIGNATURE


def test_v3_reference_vector_matches_published_signature_and_oracle() -> None:
    query = {"JobId": "job-1 2*~", "ClientToken": "abc"}
    headers = {
        "accept": "application/json",
        "host": HOST,
        "x-acs-action": "QueryIProductionJob",
        "x-acs-version": VERSION,
        "x-acs-date": TIMESTAMP,
        "x-acs-signature-nonce": NONCE,
        "x-acs-content-sha256": EMPTY_SHA256,
    }
    expected = (
        f"ACS3-HMAC-SHA256 Credential={ACCESS_KEY_ID},"
        "SignedHeaders=accept;host;x-acs-action;x-acs-content-sha256;x-acs-date;"
        f"x-acs-signature-nonce;x-acs-version,Signature={V3_REFERENCE_SIGNATURE}"
    )
    assert v3_authorization("POST", "/", query, headers, EMPTY_SHA256, ACCESS_KEY_ID, SECRET) == expected
    assert oracle_authorization(query, headers, EMPTY_SHA256, ACCESS_KEY_ID, SECRET) == expected
    assert EMPTY_SHA256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_percent_encoding_follows_rfc3986_as_alibaba_canonicalises_it() -> None:
    assert percent_encode("a b*c~d+e/f%g") == "a%20b%2Ac~d%2Be%2Ff%25g"
    assert percent_encode("副歌") == "%E5%89%AF%E6%AD%8C"
    assert canonical_query_string({"b": "2 3", "a": "", "A.b": "~"}) == "A.b=~&a=&b=2%203"


# --- Generated requests against the oracle --------------------------------------------------------


@FAST
@given(params=query_and_body(), secret=secrets)
def test_v1_signature_matches_oracle(params: tuple[dict[str, str], dict[str, str]], secret: str) -> None:
    query, body = params
    signed_params = {**query, **body}
    assert v1_signature(secret, "POST", signed_params) == Utils.get_rpcsignature(
        signed_params, "POST", secret
    )


@FAST
@given(
    query=parameters,
    extra_headers=st.dictionaries(
        st.text(st.sampled_from(string.ascii_lowercase + "-"), min_size=1, max_size=12).map(
            "x-acs-{}".format
        ),
        some_text,
        max_size=4,
    ),
    body=st.binary(max_size=200),
    secret=secrets,
)
# A header given twice in different case: both signers join the values (found by hypothesis).
@example(query={}, extra_headers={"x-acs-action": ""}, body=b"", secret="0")
def test_v3_authorization_matches_oracle(
    query: dict[str, str], extra_headers: dict[str, str], body: bytes, secret: str
) -> None:
    # Header names in mixed case: both signers lower-case them; values are stripped by both.
    headers = {"Host": HOST, "X-Acs-Action": "GetYikeStoryboardJob", **extra_headers}
    payload = sha256_hex(body)
    ours = v3_authorization("POST", "/", query, headers, payload, ACCESS_KEY_ID, secret)
    assert ours == oracle_authorization(query, headers, payload, ACCESS_KEY_ID, secret)
    assert canonical_query_string(query) == get_canonical_query_string(query)


# --- sign_request end to end ----------------------------------------------------------------------


@FAST
@given(params=query_and_body(), secret=secrets, token=security_tokens)
def test_sign_request_v3_is_what_the_oracle_signs_and_the_server_reads(
    params: tuple[dict[str, str], dict[str, str]], secret: str, token: str | None
) -> None:
    query, body = params
    credentials = Credentials(ACCESS_KEY_ID, secret, token)
    signed = sign_request(
        action="SubmitYikeStoryboardJob",
        version=VERSION,
        host=HOST,
        credentials=credentials,
        query=query,
        body=body,
    )
    headers = dict(signed.headers)
    authorization = headers.pop("authorization")
    sent_query = parse_query(signed.query_string)

    assert sent_query == query
    assert signed.query_string == canonical_query_string(query) == get_canonical_query_string(query)
    assert headers["x-acs-content-sha256"] == hashlib.sha256(signed.body).hexdigest()
    assert parse_query(signed.body.decode("ascii")) == body
    assert ("content-type" in headers) == bool(body)
    assert headers.get("x-acs-security-token") == token
    assert headers["x-acs-action"] == "SubmitYikeStoryboardJob"
    assert headers["host"] == HOST
    # Every header sent is signed, so the server can check all of them.
    assert f"SignedHeaders={';'.join(sorted(headers))}," in authorization
    assert authorization == oracle_authorization(
        sent_query, headers, headers["x-acs-content-sha256"], ACCESS_KEY_ID, secret
    )


@FAST
@given(params=query_and_body(), secret=secrets, token=security_tokens)
def test_sign_request_v1_is_what_the_oracle_signs_and_the_server_reads(
    params: tuple[dict[str, str], dict[str, str]], secret: str, token: str | None
) -> None:
    query, body = params
    signed = sign_request(
        action="SubmitYikeStoryboardJob",
        version=VERSION,
        host=HOST,
        credentials=Credentials(ACCESS_KEY_ID, secret, token),
        query=query,
        body=body,
        algorithm=HMAC_SHA1,
    )
    sent_query = parse_query(signed.query_string)
    sent_body = parse_query(signed.body.decode("ascii"))
    signature = sent_query.pop("Signature")

    assert {name: value for name, value in sent_query.items() if name not in V1_COMMON_NAMES} == query
    assert sent_body == body
    assert signed.query_string == canonical_query_string({**sent_query, "Signature": signature})
    assert sent_query.get("SecurityToken") == token
    expected_common = {
        "Action": "SubmitYikeStoryboardJob",
        "Version": VERSION,
        "AccessKeyId": ACCESS_KEY_ID,
        "Format": "JSON",
        "SignatureMethod": HMAC_SHA1,
        "SignatureVersion": "1.0",
    }
    assert {name: sent_query[name] for name in expected_common} == expected_common
    assert ("content-type" in signed.headers) == bool(body)
    # V1 signs body parameters too: the server verifies over query and body together.
    assert signature == Utils.get_rpcsignature({**sent_query, **sent_body}, "POST", secret)


GET_QUERY = {"JobType": "ASR", "PageNo": "1", "Keyword": "a b*~/é"}


def test_sign_request_get_v3_is_what_the_oracle_signs() -> None:
    # ListSmartJobs is sent as GET by the official SDK: the method is part of what is signed.
    signed = sign_request(
        action="ListSmartJobs",
        version=VERSION,
        host=HOST,
        credentials=Credentials(ACCESS_KEY_ID, SECRET),
        query=GET_QUERY,
        method="GET",
    )
    headers = dict(signed.headers)
    authorization = headers.pop("authorization")

    assert signed.method == "GET"
    assert signed.body == b""
    assert "content-type" not in headers
    assert parse_query(signed.query_string) == GET_QUERY
    expected = oracle_authorization(GET_QUERY, headers, EMPTY_SHA256, ACCESS_KEY_ID, SECRET, method="GET")
    assert authorization == expected
    assert authorization != oracle_authorization(GET_QUERY, headers, EMPTY_SHA256, ACCESS_KEY_ID, SECRET)


def test_sign_request_get_v1_is_what_the_oracle_signs() -> None:
    signed = sign_request(
        action="ListSmartJobs",
        version=VERSION,
        host=HOST,
        credentials=Credentials(ACCESS_KEY_ID, SECRET),
        query=GET_QUERY,
        algorithm=HMAC_SHA1,
        method="GET",
    )
    sent_query = parse_query(signed.query_string)
    signature = sent_query.pop("Signature")

    assert signed.method == "GET"
    assert signed.body == b""
    assert signature == Utils.get_rpcsignature(sent_query, "GET", SECRET)
    assert signature != Utils.get_rpcsignature(sent_query, "POST", SECRET)


def test_a_get_with_body_parameters_is_refused() -> None:
    with pytest.raises(ValueError, match="A GET call has no body"):
        sign_request(
            action="ListSmartJobs",
            version=VERSION,
            host=HOST,
            credentials=Credentials(ACCESS_KEY_ID, SECRET),
            body={"JobType": "ASR"},
            method="GET",
        )


def test_sign_request_with_fixed_time_and_nonce_is_reproducible() -> None:
    for algorithm in (ACS3_HMAC_SHA256, HMAC_SHA1):
        first, second = (
            sign_job_query(
                algorithm,
                job_id="job-1 2*~",
                now=SIGNING_TIME.astimezone(timezone(timedelta(hours=8))),  # signed in UTC whatever the zone
                nonce=NONCE,
            )
            for _ in range(2)
        )
        assert first == second
        assert sent_nonce_and_time(first) == (NONCE, TIMESTAMP)


# --- Freshness, errors and secrecy ----------------------------------------------------------------


def sign_job_query(
    algorithm: str, job_id: str = "j", now: datetime | None = None, nonce: str | None = None
) -> SignedRequest:
    """A QueryIProductionJob request, signed now with a fresh nonce unless ``now``/``nonce`` are given."""
    return sign_request(
        action="QueryIProductionJob",
        version=VERSION,
        host=HOST,
        credentials=Credentials(ACCESS_KEY_ID, SECRET),
        query={"JobId": job_id},
        algorithm=algorithm,
        now=now,
        nonce=nonce,
    )


@pytest.mark.parametrize("algorithm", [ACS3_HMAC_SHA256, HMAC_SHA1])
def test_each_call_gets_a_fresh_nonce_and_current_timestamp(algorithm: str) -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    calls = [sign_job_query(algorithm) for _ in range(50)]
    after = datetime.now(timezone.utc)
    nonces, times = zip(*(sent_nonce_and_time(signed) for signed in calls), strict=True)
    assert len(set(nonces)) == len(calls)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", moment) for moment in times)
    parsed = [
        datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) for moment in times
    ]
    assert all(before <= moment <= after for moment in parsed)
    assert len({signed.query_string + str(signed.headers) for signed in calls}) == len(calls)


@pytest.mark.parametrize("algorithm", [ACS3_HMAC_SHA256, HMAC_SHA1])
def test_the_timestamp_is_the_exact_clock_at_a_second_boundary(
    algorithm: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1 ms into a second: a coarse clock (C's time(), behind time.gmtime() with no argument) may
    # still show the second before, dating the signature before the call.
    moment = datetime(2026, 11, 21, 9, 36, 59, tzinfo=timezone.utc)
    monkeypatch.setattr("airflow_ice.client.signing.time.time", lambda: moment.timestamp() + 0.001)
    assert sent_nonce_and_time(sign_job_query(algorithm))[1] == "2026-11-21T09:36:59Z"


@pytest.mark.parametrize("algorithm", ["HMAC-SHA256", "ACS3-RSA-SHA256", "", "hmac-sha1 "])
def test_unknown_algorithm_is_a_clear_value_error(algorithm: str) -> None:
    with pytest.raises(ValueError, match=r"Unknown signature algorithm") as raised:
        sign_request(
            action="QueryIProductionJob",
            version=VERSION,
            host=HOST,
            credentials=Credentials(ACCESS_KEY_ID, SECRET),
            algorithm=algorithm,
        )
    message = str(raised.value)
    assert repr(algorithm) in message
    assert ACS3_HMAC_SHA256 in message
    assert HMAC_SHA1 in message
    assert SECRET not in message


SECRET_LIKE = "Sup3r+Secret/Value=="
TOKEN_LIKE = "CAIS-sts-token+/=secret-part"


def test_credentials_repr_hides_secret_and_token() -> None:
    credentials = Credentials(ACCESS_KEY_ID, SECRET_LIKE, TOKEN_LIKE)
    for text in (repr(credentials), str(credentials)):
        assert ACCESS_KEY_ID in text
        assert SECRET_LIKE not in text
        assert TOKEN_LIKE not in text


@pytest.mark.parametrize("algorithm", [ACS3_HMAC_SHA256, HMAC_SHA1])
def test_signed_request_repr_hides_secret_token_and_signature(algorithm: str) -> None:
    signed = sign_request(
        action="QueryIProductionJob",
        version=VERSION,
        host=HOST,
        credentials=Credentials(ACCESS_KEY_ID, SECRET_LIKE, TOKEN_LIKE),
        query={"JobId": "job-1"},
        algorithm=algorithm,
    )
    if algorithm == ACS3_HMAC_SHA256:
        signature = signed.headers["authorization"].rsplit("Signature=", 1)[1]
    else:
        signature = parse_query(signed.query_string)["Signature"]
    for text in (repr(signed), str(signed)):
        for secret_part in (
            SECRET_LIKE,
            TOKEN_LIKE,
            signature,
            percent_encode(TOKEN_LIKE),
            percent_encode(signature),
        ):
            assert secret_part not in text, f"{secret_part!r} leaks through repr"
