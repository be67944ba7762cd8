"""The strict fast path of the job models gives what the lenient reader gives, or declines.

``from_response`` tries the strict pass first (for the models that take it); ``model_validate``
always reads leniently, so the two side by side compare the fast path with the lenient reader
alone: same values of the same types, same fields set, same dump, same XCom value. The fast path
from an answer's bytes (``read_answer``) takes exactly what the one from the decoded object
takes, and gives the same job.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from airflow_ice.emulator.results import IPRODUCTION_FUNCTIONS
from airflow_ice.emulator.server import IceEmulator
from airflow_ice.models.iproduction_job import IProductionJob
from airflow_ice.models.lenient import FieldReadJobModel
from tests.support.emulator import KEY_ID, KEY_SECRET, ManualClock, call, iproduction_params, ok
from tests.support.sdk_oracle import filled
from tests.unit.hooks.test_sdk_oracle import ANSWER_HINTS, ANSWER_MODELS
from tests.unit.models.test_iproduction_job import RESULT_EXAMPLES, sample

JOB_SECONDS = 10.0


def job_models() -> list[type[FieldReadJobModel]]:
    found: list[type[FieldReadJobModel]] = []
    pending = [FieldReadJobModel]
    while pending:
        for sub in pending.pop().__subclasses__():
            found.append(sub)
            pending.append(sub)
    return sorted(found, key=lambda cls: cls.__name__)


FAST_MODELS = [cls for cls in job_models() if cls.STRICT_FAST_PATH]


def assert_same(fast: Any, lenient: Any, where: str = "job") -> None:
    """Equal, and of the same types all the way down (times with the same tzinfo class)."""
    assert type(fast) is type(lenient), where
    if isinstance(fast, BaseModel):
        assert fast.model_fields_set == lenient.model_fields_set, where
        assert list(fast.__dict__) == list(lenient.__dict__), where
        assert fast.__pydantic_extra__ == lenient.__pydantic_extra__, where
        assert fast.__pydantic_private__ == lenient.__pydantic_private__, where
        for name in type(fast).model_fields:
            assert_same(getattr(fast, name), getattr(lenient, name), f"{where}.{name}")
    elif isinstance(fast, dict):
        assert list(fast) == list(lenient), where
        for key in fast:
            assert_same(fast[key], lenient[key], f"{where}.{key}")
    elif isinstance(fast, list):
        assert len(fast) == len(lenient), where
        for index, (one, other) in enumerate(zip(fast, lenient, strict=True)):
            assert_same(one, other, f"{where}[{index}]")
    elif isinstance(fast, datetime):
        assert fast == lenient, where
        assert type(fast.tzinfo) is type(lenient.tzinfo), where
    else:
        assert fast == lenient, where


def assert_equivalent(model_cls: type[FieldReadJobModel], body: dict[str, Any]) -> FieldReadJobModel:
    """``from_response`` (fast path first) and the lenient reader alone give the same job."""
    untouched = copy.deepcopy(body)
    fast = model_cls.from_response(body)
    lenient = model_cls.model_validate(body)
    assert body == untouched  # neither path changes the answer
    assert_same(fast, lenient)
    assert fast == lenient
    assert repr(fast) == repr(lenient)
    assert fast.model_dump_json() == lenient.model_dump_json()
    assert fast.to_xcom() == lenient.to_xcom()  # type: ignore[attr-defined]
    if model_cls.answer_reader() is not None:
        from_bytes = model_cls.read_answer(json.dumps(body).encode())
        assert (from_bytes is None) == (model_cls.read_strictly(body) is None)
        if from_bytes is not None:
            assert_same(from_bytes, lenient)
            assert repr(from_bytes) == repr(lenient)
            assert from_bytes.model_dump_json() == lenient.model_dump_json()
    return fast


def test_every_model_that_takes_the_fast_path_has_a_strict_form() -> None:
    assert IProductionJob in FAST_MODELS
    for model_cls in FAST_MODELS:
        assert model_cls.read_strictly({}) is None  # builds its strict form; no JobId: declined


@pytest.mark.parametrize("model_cls", job_models(), ids=lambda cls: cls.__name__)
def test_sdk_oracle_answer_same_either_way(model_cls: type[FieldReadJobModel]) -> None:
    action = model_cls.RESPONSE_ACTION
    assert action in ANSWER_MODELS
    answer = filled(ANSWER_MODELS[action], **ANSWER_HINTS.get(action, {})).to_map()
    if model_cls.ENVELOPE is None:
        # An answer without its job's id (QuerySmarttagJob's) gets the one asked for, as the hook does.
        answer.setdefault(model_cls.model_fields["job_id"].alias, "job-oracle")
    job = assert_equivalent(model_cls, answer)
    assert job.parse_warnings == []
    if model_cls.STRICT_FAST_PATH:
        # A fully populated answer of the SDK's model is clean: the fast path takes it.
        assert model_cls.read_strictly(answer) is not None


def test_page_sample_takes_the_fast_path() -> None:
    assert IProductionJob.read_strictly(sample()) is not None
    assert_equivalent(IProductionJob, sample())


@pytest.mark.parametrize("function_name", sorted(RESULT_EXAMPLES))
def test_published_results_same_either_way(function_name: str) -> None:
    body = {
        "JobId": "job-1",
        "FunctionName": function_name,
        "Status": "Success",
        "Result": RESULT_EXAMPLES[function_name],
    }
    job = assert_equivalent(IProductionJob, body)
    # A result with something to say (a shape the page leaves open) is the lenient reader's.
    assert (IProductionJob.read_strictly(body) is None) == bool(job.parse_warnings)


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock(time.time())


@pytest.fixture(scope="module")
def emulator(clock: ManualClock) -> Iterator[IceEmulator]:
    with IceEmulator(
        access_key_id=KEY_ID, access_key_secret=KEY_SECRET, job_seconds=JOB_SECONDS, clock=clock
    ) as running:
        yield running


@pytest.mark.parametrize("function_name", sorted(IPRODUCTION_FUNCTIONS))
def test_emulator_answers_take_the_fast_path(
    emulator: IceEmulator, clock: ManualClock, function_name: str
) -> None:
    params = {
        **iproduction_params(function_name),
        "Name": "a job",
        "JobParams": '{"Model":"gif"}',
        "TemplateId": "tpl-1",
        "ScheduleConfig": '{"PipelineId":"pipe-1","Priority":"8"}',
        "UserData": '{"test":1}',
    }
    with httpx.Client(timeout=5) as client:
        job_id = ok(call(client, emulator, "SubmitIProductionJob", params))["JobId"]
        answers = [ok(call(client, emulator, "QueryIProductionJob", {"JobId": job_id}))]
        clock.advance(JOB_SECONDS * 0.5)
        answers.append(ok(call(client, emulator, "QueryIProductionJob", {"JobId": job_id})))
        clock.advance(JOB_SECONDS)
        answers.append(ok(call(client, emulator, "QueryIProductionJob", {"JobId": job_id})))
    assert answers[-1]["Status"] == "Success"
    for answer in answers:
        assert IProductionJob.read_strictly(answer) is not None, answer
        job = assert_equivalent(IProductionJob, answer)
        assert job.parse_warnings == []


CLEAN = {
    "RequestId": "req-1",
    "JobId": "job-1",
    "Name": "a job",
    "FunctionName": "Cover",
    "Status": "Success",
    "CreateTime": "2024-01-01T00:00:00Z",
    "FinishTime": "2024-01-01T00:01:00Z",
    "Input": {"Type": "OSS", "Media": "oss://bucket/in.mp4"},
    "Output": {"Type": "OSS", "Media": "oss://bucket/out/"},
    "ScheduleConfig": {"PipelineId": "pipe-1", "Priority": 8},
    "JobParams": '{"Model":"gif"}',
    "OutputFiles": ["cover/1.jpg"],
    "OutputUrls": [],
    "OutputMediaIds": [],
}

# Answers the fast path must leave to the lenient reader: (changes, whether the reader warns).
# Those it reads silently are coercions only the lenient reader may make.
DECLINED: dict[str, tuple[dict[str, Any], bool]] = {
    "unknown field": ({"NewField": {"a": 1}}, True),
    "unknown field in a part": ({"Input": {"Type": "OSS", "Media": "m", "Region": "x"}}, True),
    "python name": ({"request_id": "req-2"}, False),
    "python name of a derived field": ({"result": None}, False),
    "unknown status": ({"Status": "Paused"}, True),
    "status in another case": ({"Status": "SUCCESS"}, False),
    "status not a string": ({"Status": 3}, True),
    "time with offset": ({"CreateTime": "2024-01-01T08:00:00+08:00"}, False),
    "time with fraction": ({"CreateTime": "2024-01-01T00:00:00.5Z"}, False),
    "empty time": ({"FinishTime": ""}, False),
    "time that does not exist": ({"CreateTime": "2024-02-30T00:00:00Z"}, True),
    "time of non-ASCII digits": ({"CreateTime": "２０２４-01-01T00:00:00Z"}, True),
    "time not ISO": ({"CreateTime": "yesterday"}, True),
    "integer as digits": ({"ScheduleConfig": {"PipelineId": "p", "Priority": "8"}}, False),
    "integer past 64 bits": ({"ScheduleConfig": {"PipelineId": "p", "Priority": 2**63}}, True),
    "integer below 64 bits": ({"ScheduleConfig": {"PipelineId": "p", "Priority": -(2**63) - 1}}, True),
    "bool as integer": ({"ScheduleConfig": {"PipelineId": "p", "Priority": True}}, True),
    "float as integer": ({"ScheduleConfig": {"PipelineId": "p", "Priority": 8.0}}, True),
    "NaN as integer": ({"ScheduleConfig": {"PipelineId": "p", "Priority": float("nan")}}, True),
    "integer as text": ({"Name": 1}, True),
    "bool as text": ({"Name": True}, True),
    "NaN as text": ({"Name": float("nan")}, True),
    "list of non-strings": ({"OutputFiles": ["a", 1]}, True),
    "part not an object": ({"Input": "oss://bucket/in.mp4"}, True),
    "integer JobId": ({"JobId": 12345}, False),
    "JobParams not JSON": ({"JobParams": "{not json"}, True),
    "JobParams not text": ({"JobParams": {"Model": "gif"}}, True),
    "Result not JSON": ({"Result": "{oops"}, True),
    "Result with NaN": ({"FunctionName": "VideoClip", "Result": '{"VideoSummaryList": [NaN]}'}, True),
    "bookkeeping field": ({"parse_warnings": ["earlier"]}, True),
    "field nested too deeply": ({"Deep": json.loads("[" * 80 + "]" * 80)}, True),
}


@pytest.mark.parametrize(("changes", "warns"), DECLINED.values(), ids=list(DECLINED))
def test_doubtful_answers_are_left_to_the_lenient_reader(changes: dict[str, Any], warns: bool) -> None:
    assert IProductionJob.read_strictly(CLEAN) is not None
    body = {**CLEAN, **changes}
    assert IProductionJob.read_strictly(body) is None
    assert IProductionJob.read_answer(json.dumps(body).encode()) is None
    if "nan" in repr(body):
        # NaN is not equal to itself (the answer's copy): compared through the dumps.
        job = IProductionJob.from_response(body)
        assert job.model_dump_json() == IProductionJob.model_validate(body).model_dump_json()
    else:
        job = assert_equivalent(IProductionJob, body)
    assert bool(job.parse_warnings) == warns


def test_one_bad_field_is_kept_raw_and_named() -> None:
    job = IProductionJob.from_response({**CLEAN, "Name": 7})
    assert job.unparsed_fields == {"Name": 7}
    assert [text for text in job.parse_warnings if text.startswith("Name: ")]
    assert job.status is not None
    assert job.job_id == "job-1"


def test_answers_without_a_usable_job_id_still_raise() -> None:
    from airflow_ice.errors import IceResponseError

    for body in (
        {**CLEAN, "JobId": ""},
        {key: value for key, value in CLEAN.items() if key != "JobId"},
        [CLEAN],
    ):
        with pytest.raises(IceResponseError):
            IProductionJob.from_response(body)
