"""Answers that no reader foresaw, over real sockets (tests/support/misbehaving_ice.py): JSON nested past
the decoder's recursion limit, integers past Python's digit limit or float's range, values nested
hundreds of levels deep.

A submit whose answer cannot be read is unknown and never resent without ClientToken, for every
family, and its task fails without Airflow retries; with ClientToken it is resent with the same
token. A get of such an answer raises a typed error. One bad field of a readable answer never
costs the job id or status: it is kept raw in ``unparsed_fields`` and named in a warning, and a
trigger reports the job in strict JSON.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from airflow_ice.client.outcome import Outcome, judge_answer
from airflow_ice.client.redaction import Scrubber
from airflow_ice.client.wire import WireResponse
from airflow_ice.errors import IceOutcomeUnknownError, IceResponseError
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.models import (
    BatchMediaProducingJob,
    DynamicImageJob,
    IProductionJob,
    MediaCensorJob,
    MediaConvertJob,
    MediaInfoJob,
    MediaProducingJob,
    PackageJob,
    SmartHandleJob,
    SmarttagJob,
    SnapshotJob,
    TranscodeJob,
    YikeAIAppJob,
    YikeAIAppJobList,
    YikeStoryboardJob,
)
from airflow_ice.models.lenient import JobResponseModel
from airflow_ice.operators.iproduction import IceIProductionJobOperator
from airflow_ice.operators.yike_ai_app import IceYikeAIAppJobOperator
from airflow_ice.operators.yike_storyboard import IceYikeStoryboardJobOperator
from airflow_ice.triggers.base import IceJobTrigger
from airflow_ice.triggers.iproduction import IceIProductionJobTrigger
from airflow_ice.triggers.yike_ai_app import IceYikeAIAppJobTrigger
from airflow_ice.triggers.yike_storyboard import IceYikeStoryboardJobTrigger
from tests.support.dags import new_dag, run_dag, task_states, task_try_numbers
from tests.support.family_cases import (
    ASR,
    BATCH_MEDIA_PRODUCING,
    DYNAMIC_IMAGE,
    MEDIA_CENSOR,
    MEDIA_CONVERT,
    MEDIA_INFO,
    MEDIA_PRODUCING,
    PACKAGE,
    SMARTTAG,
    SNAPSHOT,
    TRANSCODE,
    FamilyCase,
)
from tests.support.family_cases import FAMILIES as ALL_CASES
from tests.support.misbehaving_ice import MisbehavingIce, Received, answer
from tests.unit.hooks.test_ice import set_connection

PATHS = ["sync", "async"]
# Nested past the decoder's recursion limit (1,000 frames): nothing of it can be read.
TOO_DEEP = b'{"RequestId": "r", "JobId": "job-deep", "Nest": ' + b"[" * 5000 + b"]" * 5000 + b"}"
FIVE_THOUSAND_DIGITS = "7" * 5000
FOUR_HUNDRED_ONE_DIGITS = "9" * 401


def nested_list(levels: int) -> Any:
    """``[[...[]...]]``, ``levels`` arrays deep."""
    value: Any = []
    for _ in range(levels - 1):
        value = [value]
    return value


def run(path: str, call: Callable[[IceHook], Any], acall: Callable[[IceHook], Any]) -> Any:
    if path == "sync":
        with IceHook(retry_wait_initial=0.01, retry_wait_max=0.02) as hook:
            return call(hook)

    async def go() -> Any:
        async with IceHook(retry_wait_initial=0.01, retry_wait_max=0.02) as hook:
            return await acall(hook)

    return asyncio.run(go())


def sent_params(request: Received) -> dict[str, str]:
    """The query and form parameters of a request as the server got them."""
    params = dict(parse_qsl(urlsplit(request.target).query))
    params.update(parse_qsl(request.body.decode()))
    return params


# Every family: how its hook submits and gets, where its answer puts the job, its status field.


@dataclass(frozen=True)
class Family:
    """One job family as these tests drive it through the hook."""

    name: str
    submit: str  # the hook's submit method
    request: Mapping[str, Any]
    get: str  # the hook's typed get method
    model: type[JobResponseModel]
    envelope: str | None
    status_field: str
    status: str
    takes_client_token: bool = False
    job_id: str = "JobId"  # ICE's name of the job id (a transcode job's is ParentJobId)
    submit_envelope: str | None = None  # where the submit's answer nests the job


def _media(case: FamilyCase, submit: str, get: str, model: type[JobResponseModel], **kw: Any) -> Family:
    request = {("params" if key == "job_params" else key): value for key, value in case.kwargs.items()}
    return Family(case.name, submit, request, get, model, status=case.success_status, **kw)


FAMILIES = [
    Family(
        "IProduction",
        "submit_iproduction_job",
        {
            "function_name": "Cover",
            "input": {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"},
            "output": {"Type": "OSS", "Media": "oss://bucket/out/"},
        },
        "query_iproduction_job",
        IProductionJob,
        None,
        "Status",
        "Success",
    ),
    Family(
        "Yike storyboard",
        "submit_yike_storyboard_job",
        {"file_url": "oss://bucket/novels/chapter-1.txt", "source_type": "Novel", "title": "Chapter 1"},
        "get_yike_storyboard_job",
        YikeStoryboardJob,
        None,
        "JobStatus",
        "Succeeded",
    ),
    Family(
        "Yike AI app",
        "submit_yike_ai_app_job",
        {"app_id": "app-highlights", "app_params": {"Prompt": "sunset"}},
        "get_yike_ai_app_job",
        YikeAIAppJob,
        None,
        "Status",
        "Finished",
    ),
    _media(
        MEDIA_PRODUCING,
        "submit_media_producing_job",
        "get_media_producing_job",
        MediaProducingJob,
        envelope="MediaProducingJob",
        status_field="Status",
        takes_client_token=True,
    ),
    _media(
        MEDIA_CONVERT,
        "submit_media_convert_job",
        "get_media_convert_job",
        MediaConvertJob,
        envelope="Job",
        status_field="State",
        takes_client_token=True,
        submit_envelope="Job",
    ),
    _media(
        SNAPSHOT,
        "submit_snapshot_job",
        "get_snapshot_job",
        SnapshotJob,
        envelope="SnapshotJob",
        status_field="Status",
    ),
    _media(
        DYNAMIC_IMAGE,
        "submit_dynamic_image_job",
        "get_dynamic_image_job",
        DynamicImageJob,
        envelope="DynamicImageJob",
        status_field="Status",
    ),
    _media(
        MEDIA_INFO,
        "submit_media_info_job",
        "get_media_info_job",
        MediaInfoJob,
        envelope="MediaInfoJob",
        status_field="Status",
    ),
    _media(
        TRANSCODE,
        "submit_transcode_job",
        "get_transcode_job",
        TranscodeJob,
        envelope="TranscodeParentJob",
        status_field="Status",
        takes_client_token=True,
        job_id="ParentJobId",
        submit_envelope="TranscodeParentJob",
    ),
    _media(
        SMARTTAG,
        "submit_smarttag_job",
        "query_smarttag_job",
        SmarttagJob,
        envelope=None,
        status_field="JobStatus",
    ),
    _media(
        PACKAGE,
        "submit_package_job",
        "get_package_job",
        PackageJob,
        envelope="PackageJob",
        status_field="Status",
    ),
    _media(
        ASR,
        "submit_asr_job",
        "get_smart_handle_job",
        SmartHandleJob,
        envelope=None,
        status_field="State",
    ),
    _media(
        BATCH_MEDIA_PRODUCING,
        "submit_batch_media_producing_job",
        "get_batch_media_producing_job",
        BatchMediaProducingJob,
        envelope="EditingBatchJob",
        status_field="Status",
        takes_client_token=True,
    ),
    _media(
        MEDIA_CENSOR,
        "submit_media_censor_job",
        "query_media_censor_job_detail",
        MediaCensorJob,
        envelope="MediaCensorJobDetail",
        status_field="State",
    ),
]
FAMILY_PARAMS = [pytest.param(family, id=family.name.lower().replace(" ", "_")) for family in FAMILIES]
TOKEN_PARAMS = [param for param in FAMILY_PARAMS if param.values[0].takes_client_token]


def job_answer(family: Family, **fields: Any) -> dict[str, Any]:
    """A get answer of ``family`` for job ``job-1`` that succeeded, with ``fields`` in its job object."""
    job: dict[str, Any] = {family.status_field: family.status, **fields}
    if family.model is not SmarttagJob:  # ICE's smart tagging answer does not name the job
        job[family.job_id] = "job-1"
    if family.envelope is None:
        return {"RequestId": "r", **job}
    return {"RequestId": "r", family.envelope: job}


def get_job(family: Family, path: str) -> JobResponseModel:
    job: JobResponseModel = run(
        path,
        lambda hook: getattr(hook, family.get)("job-1"),
        lambda hook: getattr(hook, "a" + family.get)("job-1"),
    )
    return job


# The outcome of an answer that cannot be read


def test_a_check_that_raises_makes_the_answer_unknown_not_a_crash() -> None:
    def check(answer: Mapping[str, Any]) -> str | None:
        raise RecursionError("maximum recursion depth exceeded")

    response = WireResponse(200, "OK", {"content-type": "application/json"}, b'{"JobId": "job-1"}')
    verdict = judge_answer("SubmitIProductionJob", response, Scrubber(()), 1 << 20, check)
    assert verdict.outcome is Outcome.UNKNOWN
    assert isinstance(verdict.error, IceResponseError)
    assert "RecursionError" in str(verdict.error)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("family", FAMILY_PARAMS)
def test_a_too_deep_submit_answer_is_outcome_unknown_and_sent_once(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, family: Family, path: str
) -> None:
    # The second answer would be a valid job: a resend would be taken, and pay twice.
    misbehaving_ice.serve(answer(200, TOO_DEEP), answer(200, {"RequestId": "r2", "JobId": "second-job"}))
    set_connection(monkeypatch, misbehaving_ice.url, max_retries=3)
    submit = getattr(IceHook, family.submit)
    asubmit = getattr(IceHook, "a" + family.submit)
    with pytest.raises(IceOutcomeUnknownError, match="nests deeper than the decoder follows"):
        run(
            path,
            lambda hook: submit(hook, dict(family.request)),
            lambda hook: asubmit(hook, dict(family.request)),
        )
    assert len(misbehaving_ice.received) == 1


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("family", TOKEN_PARAMS)
def test_a_too_deep_submit_answer_with_client_token_is_resent_with_the_same_token(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, family: Family, path: str
) -> None:
    made = {family.job_id: "job-1"}
    second = (
        {"RequestId": "r2", family.submit_envelope: made}
        if family.submit_envelope
        else {"RequestId": "r2", **made}
    )
    misbehaving_ice.serve(answer(200, TOO_DEEP), answer(200, second))
    set_connection(monkeypatch, misbehaving_ice.url, max_retries=3)
    request = {**family.request, "client_token": "token-1"}
    submit = getattr(IceHook, family.submit)
    asubmit = getattr(IceHook, "a" + family.submit)
    assert run(path, lambda hook: submit(hook, request), lambda hook: asubmit(hook, request)) == "job-1"
    tokens = [sent_params(received).get("ClientToken") for received in misbehaving_ice.received]
    assert tokens == ["token-1", "token-1"]  # ICE answers the same token with the job it made


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("family", TOKEN_PARAMS)
def test_a_client_token_submit_whose_every_answer_is_too_deep_raises_the_typed_read_error(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, family: Family, path: str
) -> None:
    # Not IceOutcomeUnknownError: the token makes a later try's resend safe, so the task may retry.
    misbehaving_ice.serve(answer(200, TOO_DEEP))
    set_connection(monkeypatch, misbehaving_ice.url, max_retries=2)
    request = {**family.request, "client_token": "token-1"}
    submit = getattr(IceHook, family.submit)
    asubmit = getattr(IceHook, "a" + family.submit)
    with pytest.raises(IceResponseError, match="nests deeper than the decoder follows") as raised:
        run(path, lambda hook: submit(hook, request), lambda hook: asubmit(hook, request))
    assert not isinstance(raised.value, IceOutcomeUnknownError)
    tokens = [sent_params(received).get("ClientToken") for received in misbehaving_ice.received]
    assert tokens == ["token-1"] * 3


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("family", FAMILY_PARAMS)
def test_a_too_deep_get_answer_raises_a_typed_error_after_retries(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, family: Family, path: str
) -> None:
    misbehaving_ice.serve(answer(200, TOO_DEEP))
    set_connection(monkeypatch, misbehaving_ice.url, max_retries=1)
    with pytest.raises(IceResponseError, match="nests deeper than the decoder follows"):
        get_job(family, path)
    assert len(misbehaving_ice.received) == 2  # a read is retried


# The task of a submit whose answer cannot be read


def _operator_task(family: Family) -> tuple[type[Any], dict[str, Any]]:
    if family.model is IProductionJob:
        return IceIProductionJobOperator, {
            "function_name": "Cover",
            "input": {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"},
            "output": {"Type": "OSS", "Media": "oss://bucket/out/cover/"},
        }
    if family.model is YikeStoryboardJob:
        return IceYikeStoryboardJobOperator, {
            "file_url": "oss://bucket/novels/chapter-1.txt",
            "source_type": "Novel",
            "shot_split_mode": "firstPersonNarration",
            "style_id": "Ghibli",
            "title": "Chapter 1",
        }
    if family.model is YikeAIAppJob:
        return IceYikeAIAppJobOperator, {"app_id": "app-highlights", "app_params": {"Prompt": "sunset"}}
    case = case_named(family.name)
    return case.operator, dict(case.kwargs)


@pytest.mark.parametrize("family", FAMILY_PARAMS)
def test_a_task_whose_submit_answer_is_too_deep_never_pays_twice(
    misbehaving_ice: MisbehavingIce,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    family: Family,
) -> None:
    misbehaving_ice.serve(answer(200, TOO_DEEP))
    set_connection(monkeypatch, misbehaving_ice.url, max_retries=1)
    operator_class, kwargs = _operator_task(family)
    dag = new_dag("hostile_submit")
    with dag:
        operator_class(
            task_id="job", poll_interval=0.1, retries=2, retry_delay=timedelta(seconds=0), **kwargs
        )
    run = run_dag(dag)

    assert task_states(run) == {"job": "failed"}
    out = capsys.readouterr().out
    if family.takes_client_token:
        # Every attempt of every try carries the one stored token: ICE makes at most one job.
        assert task_try_numbers(run) == {"job": 3}
        tokens = {sent_params(received).get("ClientToken") for received in misbehaving_ice.received}
        assert len(misbehaving_ice.received) == 6
        assert len(tokens) == 1
        assert None not in tokens
        assert "got no answer; sending it again with its ClientToken" in out
    else:
        assert task_try_numbers(run) == {"job": 1}  # Airflow did not retry it
        assert len(misbehaving_ice.received) == 1  # and the hook did not resend it
        # The task's error says why (the AI-app operator words a lost answer its own way).
        assert "nests deeper than the decoder follows" in out
        assert "ICE may have" in out


# One bad field of a readable answer


BAD_FIELDS = {
    "401-digit number": FOUR_HUNDRED_ONE_DIGITS.encode(),
    "5,000-digit integer": FIVE_THOUSAND_DIGITS.encode(),
    "list nested 600 deep": json.dumps(nested_list(600)).encode(),
}


def with_raw_field(body: Mapping[str, Any], envelope: str | None, name: str, raw: bytes) -> bytes:
    """``body`` as JSON text with field ``name`` of its job object holding ``raw`` JSON text."""
    marker = "__raw_field__"
    job = dict(body[envelope]) if envelope else dict(body)
    job[name] = marker
    whole = {**body, envelope: job} if envelope else job
    return json.dumps(whole).encode().replace(f'"{marker}"'.encode(), raw)


def assert_kept_raw(job: JobResponseModel, path: str, family: Family) -> None:
    """The job id and status survived, and ``path`` is kept raw and named in a warning."""
    assert job.job_id == "job-1"  # type: ignore[attr-defined]
    assert job.status_text == family.status
    assert path in job.unparsed_fields, job.unparsed_fields.keys()  # type: ignore[attr-defined]
    warnings: list[str] = job.parse_warnings  # type: ignore[attr-defined]
    assert any(warning.startswith(f"{path}:") for warning in warnings), warnings
    json.dumps(job.model_dump(mode="json"), allow_nan=False)  # the whole model still dumps
    json.dumps(job.to_xcom(), allow_nan=False)  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("bad", sorted(BAD_FIELDS))
@pytest.mark.parametrize("family", FAMILY_PARAMS)
def test_one_bad_field_keeps_the_job_id_and_status(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, family: Family, bad: str, path: str
) -> None:
    # Duration is typed in media producing jobs (a 401-digit one raised OverflowError) and unknown
    # to the other families (kept as a field this version does not know).
    body = with_raw_field(job_answer(family), family.envelope, "Duration", BAD_FIELDS[bad])
    misbehaving_ice.serve(answer(200, body))
    set_connection(monkeypatch, misbehaving_ice.url, max_retries=0)
    job = get_job(family, path)
    assert_kept_raw(job, "Duration", family)
    kept = job.unparsed_fields["Duration"]  # type: ignore[attr-defined]
    if bad == "list nested 600 deep":
        assert kept == json.dumps(nested_list(600), separators=(",", ":"))  # its JSON text
    else:
        assert str(kept) == BAD_FIELDS[bad].decode()  # the number, as received


def test_a_typed_numeric_field_past_floats_range_is_kept_raw() -> None:
    family = next(family for family in FAMILIES if family.model is MediaProducingJob)
    body = job_answer(family, Duration=int(FOUR_HUNDRED_ONE_DIGITS), Progress=FIVE_THOUSAND_DIGITS)
    job = MediaProducingJob.from_response(body)
    assert_kept_raw(job, "Duration", family)
    assert_kept_raw(job, "Progress", family)
    assert (job.duration, job.progress) == (None, None)


def test_a_5000_digit_python_integer_never_breaks_the_model() -> None:
    # Built in Python (the wire keeps such a number as its digits): it cannot even be printed.
    family = next(family for family in FAMILIES if family.model is SnapshotJob)
    job = SnapshotJob.from_response(job_answer(family, Count=10**5000, Extra=10**5000))
    assert job.count is None
    assert_kept_raw(job, "Count", family)
    assert_kept_raw(job, "Extra", family)
    assert "<int: 16610 bits, not shown>" in job.parse_warnings[0]


def test_media_info_stream_figures_past_floats_range_stay_in_raw() -> None:
    family = next(family for family in FAMILIES if family.model is MediaInfoJob)
    basic = {"Duration": int(FOUR_HUNDRED_ONE_DIGITS), "Bitrate": "1e999", "Width": "1280"}
    job = MediaInfoJob.from_response(job_answer(family, MediaInfoProperty={"FileBasicInfo": basic}))
    assert (job.job_id, job.status_text) == ("job-1", "Success")
    assert job.format is not None
    assert (job.format.duration, job.format.bitrate, job.format.width) == (None, None, 1280)
    assert job.format.raw["Duration"] == int(FOUR_HUNDRED_ONE_DIGITS)
    json.dumps(job.to_xcom(), allow_nan=False)


DEEP_TEXT = json.dumps(nested_list(600))


@pytest.mark.parametrize("app_params", [nested_list(600), DEEP_TEXT], ids=["list", "json-text"])
def test_ai_app_params_nested_600_deep_keep_the_job(app_params: Any) -> None:
    family = next(family for family in FAMILIES if family.model is YikeAIAppJob)
    job = YikeAIAppJob.from_response(job_answer(family, AppParams=app_params))
    assert (job.job_id, job.status_text) == ("job-1", "Finished")
    assert job.app_params_decoded is None
    assert any(warning.startswith("AppParams:") for warning in job.parse_warnings), job.parse_warnings
    if isinstance(app_params, str):
        assert job.app_params == DEEP_TEXT  # the text as received
    else:
        assert job.unparsed_fields["AppParams"] == json.dumps(app_params, separators=(",", ":"))
    json.dumps(job.to_xcom(), allow_nan=False)
    # A batch answer holding the same job loses neither it nor its neighbour.
    batch = YikeAIAppJobList.from_response(
        {"JobList": [{"JobId": "job-1", "Status": "Finished", "AppParams": app_params}, {"JobId": "job-2"}]}
    )
    assert [item.job_id for item in batch.jobs] == ["job-1", "job-2"]


@pytest.mark.parametrize("data", [nested_list(600), DEEP_TEXT], ids=["list", "json-text"])
def test_smarttag_data_nested_600_deep_keeps_the_job(data: Any) -> None:
    family = next(family for family in FAMILIES if family.model is SmarttagJob)
    results = {"Result": [{"Type": "OCR", "Data": data}, {"Type": "ASR", "Data": '[{"text": "hi"}]'}]}
    job = SmarttagJob.from_response({**job_answer(family, Results=results), "JobId": "job-1"})
    assert (job.job_id, job.status_text) == ("job-1", "Success")
    assert any(re.match(r"Results(\.Result\[0\]\.Data)?:", warning) for warning in job.parse_warnings)
    if isinstance(data, str):  # only the one result is lost
        assert job.results == {"ASR": [[{"text": "hi"}]]}
        assert job.unparsed_fields["Results.Result[0].Data"] == DEEP_TEXT
    json.dumps(job.to_xcom(), allow_nan=False)


@pytest.mark.parametrize("path", PATHS)
def test_a_submit_answer_holding_a_5000_digit_number_gives_its_job(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    # Python refuses to convert an integer this long: json.loads refused the whole body.
    body = b'{"RequestId": "r", "JobId": "job-1", "Cost": ' + FIVE_THOUSAND_DIGITS.encode() + b"}"
    misbehaving_ice.serve(answer(200, body))
    set_connection(monkeypatch, misbehaving_ice.url, max_retries=0)
    family = FAMILIES[0]
    submit = lambda hook: hook.submit_iproduction_job(dict(family.request))  # noqa: E731
    asubmit = lambda hook: hook.asubmit_iproduction_job(dict(family.request))  # noqa: E731
    assert run(path, submit, asubmit) == "job-1"


PYTHON_BUILT = {
    "nested 5,000 deep": nested_list(5000),  # past repr's and json.dumps' recursion limit
    "5,000-digit integer": 10**5000,  # cannot even be printed
    "infinity": float("inf"),
    "NaN": float("nan"),
}


@pytest.mark.parametrize("bad", sorted(PYTHON_BUILT))
@pytest.mark.parametrize("family", FAMILY_PARAMS)
def test_values_no_wire_sends_never_break_a_model(family: Family, bad: str) -> None:
    # A dict built in Python (a model's own dump edited, a test) may hold what JSON cannot:
    # from_response still gives the job, and both its dumps are strict JSON.
    value = PYTHON_BUILT[bad]
    fields = {
        "Duration": value,
        "Count": value,
        "Percent": value,
        "Progress": value,
        "Input": {"Deep": value},
    }
    body = job_answer(family, Extra=value, **fields)
    if family.model is SmarttagJob:
        body["JobId"] = "job-1"  # as the hook adds it
    job = family.model.from_response(body)
    assert_kept_raw(job, "Extra", family)


def case_named(name: str) -> FamilyCase:
    """The family suite's case of the family named ``name``."""
    (case,) = [param.values[0] for param in ALL_CASES if param.values[0].name == name]
    return case


def _trigger_class(family: Family) -> type[IceJobTrigger]:
    known: dict[type[JobResponseModel], type[IceJobTrigger]] = {
        IProductionJob: IceIProductionJobTrigger,
        YikeStoryboardJob: IceYikeStoryboardJobTrigger,
        YikeAIAppJob: IceYikeAIAppJobTrigger,
    }
    if family.model in known:
        return known[family.model]
    return case_named(family.name).trigger


@pytest.mark.parametrize("family", FAMILY_PARAMS)
def test_a_trigger_reports_the_job_whatever_one_field_holds(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, family: Family
) -> None:
    # A finished job whose answer holds a 600-deep list and a 5,000-digit number: the trigger's
    # success event names the job and is strict JSON (Airflow serialises it).
    body = with_raw_field(job_answer(family), family.envelope, "Nest", BAD_FIELDS["list nested 600 deep"])
    body = body.replace(b'"RequestId": "r"', b'"RequestId": "r", "Cost": ' + FIVE_THOUSAND_DIGITS.encode())
    misbehaving_ice.serve(answer(200, body))
    set_connection(monkeypatch, misbehaving_ice.url, max_retries=0)
    trigger = _trigger_class(family)(job_id="job-1", poll_interval=0.1)

    async def events() -> list[Any]:
        return [event async for event in trigger.run()]

    (event,) = asyncio.run(events())
    json.dumps(event.payload, allow_nan=False)
    job_event = JobEvent.from_payload(event.payload, job_id="job-1")
    assert job_event.status is JobEventStatus.SUCCESS, job_event.message
    assert job_event.job is not None
    assert (job_event.job["job_id"], job_event.job["status"]) == ("job-1", family.status)
