"""No credential from a job's answer is kept: presigned URLs lose their signature and token in XCom,
the link, asset events, trigger events, errors and logs (unless a task opts in to keep them in its
XCom and event only), and the connection's own secret, STS token and request signature are removed
from every answer, even then. Real HTTP: the emulator presigning its output URLs with the caller's
STS token, and a loopback server echoing the request into a job answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from airflow.sdk import Asset, AssetAlias

from airflow_ice.client.redaction import Scrubber, credentials_scrubber, unsigned_url, unsigned_urls_in
from airflow_ice.client.signing import Credentials
from airflow_ice.emulator import IceEmulator
from airflow_ice.emulator.server import DEFAULT_ACCESS_KEY_SECRET
from airflow_ice.errors import IceError
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.jobs.xcom_form import xcom_form
from airflow_ice.operators.iproduction import IceIProductionJobOperator
from airflow_ice.operators.snapshot import IceSnapshotJobOperator
from airflow_ice.sensors.iproduction import IceIProductionJobSensor
from airflow_ice.triggers.iproduction import IceIProductionJobTrigger
from tests.support.airflow_encoders import encode_trigger_event
from tests.support.dags import asset_events, new_dag, run_dag, task_states, xcom_value
from tests.support.emulator import call, ok
from tests.support.family_cases import SNAPSHOT
from tests.support.misbehaving_ice import MisbehavingIce, Wire, answer, http_answer
from tests.unit.hooks.test_ice import KEY_ID, SECRET, TOKEN, set_connection

CONN_TOKEN = "CAIS-connection+sts/token=="
PRESIGNING = {"presign_output_urls": True, "security_token": CONN_TOKEN}
FAST = {"poll_interval": 0.1, "retries": 0}
SIGNING = re.compile(
    r"(?i)(ossaccesskeyid|signature|security-token|x-oss-signature|x-oss-credential|x-oss-security-token)="
)
COVER = {
    "function_name": "Cover",
    "input": {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"},
    "output": {"Type": "OSS", "Media": "oss://bucket/out/cover/"},
}


def forms_of(*secrets: str) -> list[str]:
    """Each secret as sent, URL-encoded (both ways) and JSON-escaped."""
    found = set()
    for secret in secrets:
        found |= {secret, quote(secret, safe=""), quote_plus(secret, safe=""), json.dumps(secret)[1:-1]}
    return sorted(found)


def assert_none_in(texts: dict[str, str], forms: list[str]) -> None:
    for where, text in texts.items():
        for form in forms:
            assert form not in text, f"{form!r} kept in {where}"


def answer_truth(emulator: IceEmulator, job_id: str) -> dict[str, Any]:
    """The emulator's own record of what it answers for the job (never presigned)."""
    answers: dict[str, Any] = {record["JobId"]: record["Answer"] for record in emulator.jobs()}
    return answers[job_id]


def oss_uri(url: str) -> str:
    """``https://bucket.oss-<region>.aliyuncs.com/key`` -> ``oss://bucket/key``, worked out here."""
    host, _, key = url.removeprefix("https://").partition("/")
    return f"oss://{host.split('.')[0]}/{key}"


def raw_answer(emulator: IceEmulator, job_id: str) -> str:
    """QueryIProductionJob's answer as it arrives, signed with the connection's key and STS token."""
    credentials = Credentials(emulator.access_key_id, DEFAULT_ACCESS_KEY_SECRET, CONN_TOKEN)
    with httpx.Client(timeout=10) as client:
        return json.dumps(
            ok(call(client, emulator, "QueryIProductionJob", {"JobId": job_id}, credentials=credentials))
        )


def cover_dag(name: str, **operator_kwargs: Any) -> Any:
    dag = new_dag(name)
    with dag:
        cover = IceIProductionJobOperator(
            task_id="cover",
            **COVER,
            outlets=[Asset("oss://bucket/out/cover"), AssetAlias("covers")],
            **FAST,
            **operator_kwargs,
        )
        cover >> IceIProductionJobSensor(
            task_id="wait",
            job_id="{{ ti.xcom_pull(task_ids='cover', key='ice_job_id') }}",
            poke_interval=0.1,
            deferrable=operator_kwargs.get("deferrable", False),
        )
    return dag


def kept_texts(
    run: Any, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> dict[str, str]:
    printed = capsys.readouterr()
    return {
        "link XCom": str(xcom_value(run, "cover", "ice_job_output_url")),
        "asset events": json.dumps(asset_events(run)),
        "logs": caplog.text + printed.out + printed.err,
    }


@pytest.mark.parametrize("emulated_ice", [PRESIGNING], indirect=True)
@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "worker"])
def test_presigned_urls_and_the_connections_token_are_kept_nowhere(
    emulated_ice: IceEmulator,
    deferrable: bool,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    run = run_dag(cover_dag("scrub_cover", deferrable=deferrable))

    assert task_states(run) == {"cover": "success", "wait": "success"}
    job = xcom_value(run, "cover")
    truth = answer_truth(emulated_ice, job["job_id"])
    # Precondition: ICE answered presigned URLs carrying the connection's own STS token.
    answered = raw_answer(emulated_ice, job["job_id"])
    assert "Signature=" in answered
    assert "x-oss-signature=" in answered
    assert quote(CONN_TOKEN, safe="") in answered
    # The URLs still name their objects, with each object's oss:// beside them.
    assert job["output_urls"] == truth["OutputUrls"]
    assert job["output_urls_oss"] == [oss_uri(url) for url in truth["OutputUrls"]]
    assert xcom_value(run, "cover", "ice_job_output_url") == truth["OutputUrls"][0]
    events = asset_events(run)
    assert len(events) == 4  # the oss:// outlet and one alias event per cover
    assert all(
        url in truth["OutputUrls"] for event in events for url in event["extra"].get("output_urls", [])
    )
    texts = {
        "operator XCom": json.dumps(job),
        "sensor XCom": json.dumps(xcom_value(run, "wait")),
        **kept_texts(run, capsys, caplog),
    }
    assert_none_in(texts, forms_of(CONN_TOKEN))
    for where, text in texts.items():
        assert not SIGNING.search(text), f"a signed URL kept in {where}"


@pytest.mark.parametrize("emulated_ice", [PRESIGNING], indirect=True)
def test_keep_presigned_urls_keeps_them_in_xcom_only_and_never_the_connections_token(
    emulated_ice: IceEmulator, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    run = run_dag(cover_dag("scrub_keep", deferrable=True, keep_presigned_urls=True))

    assert task_states(run) == {"cover": "success", "wait": "success"}
    job = xcom_value(run, "cover")
    truth = answer_truth(emulated_ice, job["job_id"])
    kept = json.dumps(job)
    assert "Signature=" in kept
    assert "x-oss-signature=" in kept
    assert "security-token=%2A%2A%2A" in kept or "security-token=***" in kept  # the token replaced
    assert [unsigned_url(url) for url in job["output_urls"]] == truth["OutputUrls"]
    assert json.dumps(xcom_value(run, "wait")).count("Signature=") == 0  # the sensor did not opt in
    texts = kept_texts(run, capsys, caplog)
    assert_none_in({"operator XCom": kept, **texts}, forms_of(CONN_TOKEN))
    for where, text in texts.items():
        assert not SIGNING.search(text), f"a signed URL kept in {where}"


@pytest.mark.parametrize("emulated_ice", [PRESIGNING], indirect=True)
@pytest.mark.parametrize("keep", [False, True], ids=["scrubbed", "kept"])
async def test_trigger_event_is_unsigned_unless_kept_and_never_has_the_connections_token(
    emulated_ice: IceEmulator, keep: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with IceHook() as hook:
        job_id = hook.submit_iproduction_job(COVER)
    trigger = IceIProductionJobTrigger(
        job_id=job_id, poll_interval=0.1, deadline=time.time() + 60, keep_presigned_urls=keep
    )
    rebuilt = IceIProductionJobTrigger(**trigger.serialize()[1])  # the option survives a triggerer restart
    assert rebuilt.keep_presigned_urls is keep

    events = [event async for event in rebuilt.run()]

    assert len(events) == 1
    payload = events[0].payload
    assert JobEvent.from_payload(payload, job_id=job_id).status is JobEventStatus.SUCCESS
    encode_trigger_event(payload)  # what the triggerer sends its supervisor, and what is stored
    stored = json.dumps(payload)
    assert bool(SIGNING.search(stored)) is keep
    assert_none_in({"trigger event": stored, "trigger log": caplog.text}, forms_of(CONN_TOKEN))
    assert not SIGNING.search(caplog.text)


@pytest.mark.parametrize("emulated_ice", [PRESIGNING], indirect=True)
@pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "worker"])
def test_a_failed_jobs_error_quotes_it_unsigned(
    emulated_ice: IceEmulator, deferrable: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    dag = new_dag("scrub_failed")
    with dag:
        IceSnapshotJobOperator(
            task_id="snap",
            **{**SNAPSHOT.kwargs, **SNAPSHOT.failing},
            deferrable=deferrable,
            keep_presigned_urls=True,  # not even then: errors never keep them
            **FAST,
        )

    run = run_dag(dag)

    assert task_states(run) == {"snap": "failed"}
    out = capsys.readouterr().out
    assert "IceJobFailedError" in out
    assert "snap/cover.jpg" in out  # the job's output is quoted, without its signature
    assert not SIGNING.search(out)
    assert_none_in({"error": out}, forms_of(CONN_TOKEN))


def echo_in_job(wire: Wire) -> None:
    """A finished job whose fields echo the request: its signature and STS token, plus the secret."""
    head = wire.request.head
    signature = re.search(r"Signature=([^,&\s]+)", head)
    token = re.search(r"(?i)(?:x-acs-security-token: |SecurityToken=)([^\r\n&]+)", head)
    assert signature
    assert token
    presigned = (
        "https://bucket.oss-cn-shanghai.aliyuncs.com/out/a.mp4?OSSAccessKeyId=k&Expires=1"
        f"&Signature={signature.group(1)}&security-token={token.group(1)}"
    )
    job = {
        "RequestId": "r-1",
        "JobId": "job-1",
        "Status": "Success",
        "FunctionName": "Cover",
        "Result": json.dumps([{"Score": 1, "Time": 2, "Url": "a.mp4", "Echo": head, "Key": SECRET}]),
        "OutputUrls": [presigned],
        "UserData": json.dumps({"echo": f"{SECRET} {token.group(1)} {signature.group(1)}"}),
    }
    wire.write(http_answer(200, json.dumps(job).encode()))


@pytest.mark.parametrize("algorithm", ["ACS3-HMAC-SHA256", "HMAC-SHA1"])
def test_a_job_answer_echoing_the_connections_secrets_reaches_no_form_of_the_job(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, algorithm: str
) -> None:
    misbehaving_ice.serve(echo_in_job)
    set_connection(monkeypatch, misbehaving_ice.url, security_token=TOKEN, signature_algorithm=algorithm)

    with IceHook() as hook:
        synced = hook.query_iproduction_job("job-1")
    trigger = IceIProductionJobTrigger(
        job_id="job-1", poll_interval=0.1, deadline=time.time() + 30, keep_presigned_urls=True
    )

    async def events() -> list[Any]:
        return [event async for event in trigger.run()]

    fired = asyncio.run(asyncio.wait_for(events(), 30))

    received = misbehaving_ice.received
    signatures = [
        match.group(1) for r in received for match in [re.search(r"Signature=([^,&\s]+)", r.head)] if match
    ]
    assert len(signatures) == len(received) == 2  # precondition: both answers echoed a signature
    forms = forms_of(SECRET, TOKEN, *signatures)
    kept = xcom_form(synced.to_xcom(), keep_presigned_urls=True).value
    assert "Signature=***" in kept["output_urls"][0]  # echoed where it was, and replaced
    assert_none_in(
        {
            "parsed job": repr(synced),
            "kept presigned": json.dumps(kept),
            "trigger event (presigned URLs kept)": json.dumps(fired[0].payload),
        },
        forms,
    )
    assert KEY_ID in received[0].head  # the AccessKey ID is no secret


def test_unsigned_url_keeps_scheme_host_path_and_other_parameters() -> None:
    assert (
        unsigned_url(
            "https://b.oss-cn-hangzhou.aliyuncs.com/out/a%20b.mp4?x-oss-process=video/snapshot"
            "&OSSAccessKeyId=STS.k&Expires=1&Signature=s%2B&security-token=t#part"
        )
        == "https://b.oss-cn-hangzhou.aliyuncs.com/out/a%20b.mp4?x-oss-process=video/snapshot#part"
    )
    assert (
        unsigned_url("https://cdn.example.com/v.m3u8?auth_key=1-0-0-abc") == "https://cdn.example.com/v.m3u8"
    )
    assert unsigned_url("https://host/p?X-Amz-Signature=s&X-Amz-Credential=c&a=1") == "https://host/p?a=1"
    assert unsigned_url("oss://bucket/key") == "oss://bucket/key"


def test_unsigned_urls_in_text_json_html_and_redirect_targets() -> None:
    signed = "https://b.oss-cn-shanghai.aliyuncs.com/k.jpg?Expires=1&Signature=SIG"
    assert unsigned_urls_in(f"see {signed}. done") == "see https://b.oss-cn-shanghai.aliyuncs.com/k.jpg. done"
    assert (
        unsigned_urls_in(json.dumps({"u": signed})) == '{"u": "https://b.oss-cn-shanghai.aliyuncs.com/k.jpg"}'
    )
    escaped = "https://h/k?a=1\\u0026Signature=SIG\\u0026b=2"
    assert unsigned_urls_in(escaped) == "https://h/k?a=1\\u0026b=2"
    assert unsigned_urls_in("https://h/k?a=1&amp;Signature=SIG") == "https://h/k?a=1"
    redirect = "https://cdn/r?to=" + quote(signed, safe="")
    assert "SIG" not in unsigned_urls_in(redirect)
    assert unsigned_urls_in("no url here? none") == "no url here? none"


def test_scrubber_removes_secrets_from_every_string_and_key_of_an_answer() -> None:
    scrub = Scrubber(["sec", "tok+/="])
    clean = {"a": ["x"], "n": 1.5}
    assert scrub.in_json_value(clean) is clean  # nothing to remove: the same object, no copy
    assert scrub.in_json_value({"a": ["x sec y", {"tok+/=": "tok%2B%2F%3D"}], "n": 2}) == {
        "a": ["x *** y", {"***": "***"}],
        "n": 2,
    }


def test_scrubber_given_the_answer_bytes_searches_them_only_when_no_string_can_hide_a_secret() -> None:
    secret = "SecretKey0123456789+abc"
    scrub = Scrubber([secret])
    clean = {"JobId": "j", "Status": "Queuing"}
    source = json.dumps(clean).encode()
    assert scrub.in_json_value(clean, source) is clean  # no core of the secret in the bytes: as it is

    def scrubbed(text: bytes) -> Any:
        return scrub.in_json_value(json.loads(text), text)

    # The secret spelled with JSON escapes, as ICE or a gateway may write any character: its bytes
    # differ from the decoded string, so the value itself is searched.
    escaped = b'{"Echo": "\\u0053ecretKey0123456789\\u002babc"}'
    assert json.loads(escaped) == {"Echo": secret}
    assert scrubbed(escaped) == {"Echo": "***"}
    # UTF-16 (JSON's other encoding): no ASCII run is in the bytes as it is.
    assert scrubbed(json.dumps({"Echo": secret}).encode("utf-16")) == {"Echo": "***"}
    # Plain UTF-8 echoing it: found by its core in the bytes, then removed from the value.
    assert scrubbed(json.dumps({"Echo": f"x {secret} y", secret: 1}).encode()) == {
        "Echo": "x *** y",
        "***": 1,
    }


def test_bytes_whose_only_escapes_write_no_letter_or_digit_are_vouched_for() -> None:
    secret = "SecretKey0123456789+abc"  # its core: SecretKey0123456789
    scrub = Scrubber([secret])
    # JSON text inside the answer (JobParams, Result) escapes its quotes; \/ and \n write no
    # letter either: what the decoded strings hold of the core is in the bytes as it is.
    quoted = json.dumps({"JobParams": json.dumps({"Model": "gif", "Path": "a/b\n"})}).encode()
    assert b"\\" in quoted
    assert scrub.vouches_for(quoted)
    assert scrub.vouches_for(b'{"Url": "https:\\/\\/h\\/k"}')
    # The core as it is, beside escapes: found.
    assert not scrub.vouches_for(b'{"Echo": "x\\"SecretKey0123456789\\"", "j": 1}')
    # A \u escape may write any character, a letter of the core among them.
    assert not scrub.vouches_for(b'{"Echo": "\\u0053ecretKey0123456789\\u002babc"}')
    assert not scrub.vouches_for(b'{"Echo": "caf\\u00e9"}')
    # A secret without a core (too short) is never vouched for by its absence.
    assert not Scrubber(["a+b"]).vouches_for(b'{"j": 1}')
    assert Scrubber([]).vouches_for(b'{"Echo": "\\u0053"}')  # nothing to find


@pytest.mark.parametrize(
    ("secret", "token", "signature"),
    [
        ("benchsecretbenchsecret", None, "9f2c" * 16),  # a V3 signature: hex
        ("Secret+Key/0123456789=", "STS.tok+en/With=Symbols0123456789", "9f2c" * 16),
        ("Secret+Key/0123456789=", "", "bWFkZSt1cC9zaWduYXR1cmU9PQ=="),  # a V1 signature: base64
        ("a+b", "STS.tok", "sig"),  # without a core: searched by their forms
    ],
)
def test_a_requests_scrubber_made_from_its_credentials_one_is_the_scrubber_of_all_three(
    secret: str, token: str | None, signature: str
) -> None:
    credentials = Credentials("AKID", secret, token)
    base = credentials_scrubber(credentials)
    assert credentials_scrubber(Credentials("AKID", secret, token)) is base  # made once per secrets
    request = base.with_secret(signature)
    whole = Scrubber([secret, token, signature])
    for echoed in (secret, token, signature, quote(secret, safe=""), json.dumps(signature)[1:-1]):
        if not echoed:
            continue
        body = json.dumps({"Echo": f"x {echoed} y", "JobId": "j"}).encode()
        assert request.vouches_for(body) is whole.vouches_for(body)
        assert request(body.decode()) == whole(body.decode())
        assert request.in_json_value(json.loads(body), body) == whole.in_json_value(json.loads(body), body)
    for body in (
        b'{"JobId": "j", "Status": "Queuing"}',
        b'{"JobId": "j\\u0041"}',  # a \u escape may write any character
        json.dumps({"JobId": "j"}).encode("utf-16"),
    ):
        assert request.vouches_for(body) is whole.vouches_for(body)
    assert repr(request) == repr(whole)  # counts the secrets, shows none


def test_an_answer_read_through_its_declared_charset_is_searched_as_decoded() -> None:
    from multidict import CIMultiDict, CIMultiDictProxy

    from airflow_ice.client.outcome import Outcome, judge_answer
    from airflow_ice.client.wire import WireResponse

    secret = "SecretKey0123456789abc"
    scrub = Scrubber([secret])
    # EBCDIC: no byte of the secret is ASCII, and the body is not UTF-8 (read by its charset).
    body = json.dumps({"JobId": "j", "Echo": secret}).encode("cp500")
    headers = CIMultiDictProxy(CIMultiDict({"Content-Type": "application/json; charset=cp500"}))
    verdict = judge_answer("QueryIProductionJob", WireResponse(200, "OK", headers, body), scrub, 10_000, None)
    assert verdict.outcome is Outcome.DONE
    assert verdict.source is None
    assert verdict.answer is not None
    assert scrub.in_json_value(verdict.answer, verdict.source) == {"JobId": "j", "Echo": "***"}


def test_xcom_form_puts_the_oss_object_beside_each_presigned_oss_url() -> None:
    signed = "?Expires=1&OSSAccessKeyId=k&Signature=s"
    job = {
        "job_id": "j",
        "output_url": f"https://media-bucket.oss-cn-shanghai.aliyuncs.com/o/v.mp4{signed}",
        "output_urls": [
            f"https://media-bucket.oss-cn-shanghai.aliyuncs.com/o/a.jpg{signed}",
            "https://cdn.example/x",
        ],
        "media_url": f"https://cdn.example.com/v.mp4{signed}",
        "input_url": "https://media-bucket.oss-cn-shanghai.aliyuncs.com/in/unsigned.mp4",
        "video_outputs": [
            {
                "media_id": "m",
                "output_url": f"https://media-bucket.oss-cn-beijing.aliyuncs.com/o/c.mp4{signed}",
            }
        ],
    }

    form = xcom_form(job).value
    kept = xcom_form(job, keep_presigned_urls=True).value

    assert form == {
        "job_id": "j",
        "output_url": "https://media-bucket.oss-cn-shanghai.aliyuncs.com/o/v.mp4",
        "output_url_oss": "oss://media-bucket/o/v.mp4",
        "output_urls": ["https://media-bucket.oss-cn-shanghai.aliyuncs.com/o/a.jpg", "https://cdn.example/x"],
        "output_urls_oss": ["oss://media-bucket/o/a.jpg", None],
        "media_url": "https://cdn.example.com/v.mp4",  # not OSS: nothing beside it
        "input_url": "https://media-bucket.oss-cn-shanghai.aliyuncs.com/in/unsigned.mp4",  # not presigned
        "video_outputs": [
            {
                "media_id": "m",
                "output_url": "https://media-bucket.oss-cn-beijing.aliyuncs.com/o/c.mp4",
                "output_url_oss": "oss://media-bucket/o/c.mp4",
            }
        ],
    }
    assert kept["output_url"] == job["output_url"]
    assert kept["output_url_oss"] == form["output_url_oss"]  # the same shape, kept or not
    assert xcom_form(kept).value == form  # what is shown of a kept form


def test_values_airflow_cannot_store_are_kept_as_text_and_named_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    warnings: list[str] = []

    form = xcom_form(
        {
            "job_id": "j",
            "duration": float("nan"),
            "percent": 2**64,
            "title": "a\udc80",
            "p": {"x": float("-inf")},
        },
        warn=lambda message, *args: warnings.append(message % args),
    )

    assert form.value == {
        "job_id": "j",
        "duration": "NaN",
        "percent": str(2**64),
        "title": "a\\udc80",
        "p": {"x": "-Infinity"},
    }
    assert form.kept_as_text == (
        "duration (NaN)",
        "percent (integer over 64 bits)",
        "title (lone surrogate)",
        "p.x (-Infinity)",
    )
    assert len(warnings) == 1
    assert "Job j" in warnings[0]
    assert "percent (integer over 64 bits)" in warnings[0]


def test_openlineage_events_and_asset_extras_keep_no_signed_url(tmp_path: Path) -> None:
    from tests.support.lineage import run_scenarios

    scenarios = ["iproduction_success", "iproduction_failure", "ai_app_success", "iproduction_with_outlets"]
    with IceEmulator(job_seconds=0.3, **PRESIGNING) as emulator:
        runs = run_scenarios(emulator, scenarios, tmp_path)
        good = runs.runs["iproduction_success"]
        assert good.job_id
        answered = raw_answer(emulator, good.job_id)

    # Precondition: ICE answered presigned URLs with the connection's token, and lineage was emitted.
    assert "Signature=" in answered
    assert quote(CONN_TOKEN, safe="") in answered
    assert [runs.runs[name].state for name in scenarios] == ["success", "failed", "success", "success"]
    complete = runs.task_events("iproduction_success")["COMPLETE"][0]
    assert [(d["namespace"], d["name"]) for d in complete["outputs"]] == [
        ("oss://media-bucket", "processed/interview/captions.srt")
    ]
    assert runs.runs["iproduction_with_outlets"].asset_events
    texts = {
        "OpenLineage events": json.dumps(runs.events),
        "asset events": json.dumps([run.asset_events for run in runs.runs.values()]),
    }
    assert_none_in(texts, forms_of(CONN_TOKEN))
    for where, text in texts.items():
        assert not SIGNING.search(text), f"a signed URL kept in {where}"


def test_a_url_used_as_a_key_is_unsigned_too() -> None:
    # Found by the property test: smart tagging results are keyed by what ICE names them, here a URL.
    signed = "https://b.oss-cn-shanghai.aliyuncs.com/o/x.mp4?Expires=1&OSSAccessKeyId=STS.k&Signature=s"
    job = {"job_id": "j", "results": {signed: [{"tags": []}]}}

    assert xcom_form(job).value["results"] == {
        "https://b.oss-cn-shanghai.aliyuncs.com/o/x.mp4": [{"tags": []}]
    }
    assert xcom_form(job, keep_presigned_urls=True).value["results"] == {signed: [{"tags": []}]}


@pytest.mark.parametrize("status", [400, 500])
def test_an_error_answer_quoting_a_presigned_url_is_shown_unsigned(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    presigned = (
        "https://b.oss-cn-shanghai.aliyuncs.com/in/x.mp4?Expires=1&OSSAccessKeyId=STS.k&Signature=PoisonSig"
    )
    body = {"RequestId": "r", "Code": "InvalidParameter", "Message": f"cannot read {presigned}."}
    misbehaving_ice.serve(answer(status, body))
    set_connection(monkeypatch, misbehaving_ice.url, max_retries=0)

    with IceHook() as hook, pytest.raises(IceError) as raised:
        hook.query_iproduction_job("job-1")

    assert misbehaving_ice.received  # precondition: the request went out and was answered
    shown = f"{raised.value} {raised.value!r}"
    assert "https://b.oss-cn-shanghai.aliyuncs.com/in/x.mp4" in shown
    assert "PoisonSig" not in shown
    assert "Signature" not in shown
