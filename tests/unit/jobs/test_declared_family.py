"""A job kind declared in a DAG (DeclaredJobFamily): refused at parse time when malformed, sent as the
official SDK sends it, read leniently, carried to the triggerer as data. Its waiting is the family
suite's (tests/unit/families/test_every_family.py, case ``declared``)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_ice20201109 import models as sdk_models
from alibabacloud_ice20201109.client import Client
from alibabacloud_tea_openapi import models as open_api_models

from airflow_ice.emulator import IceEmulator
from airflow_ice.errors import IceResponseError
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.declared_family import DeclaredJobFamily
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.jobs.poll import finished_event
from airflow_ice.models.declared_job import DeclaredJobRequest, DeclaredJobState
from airflow_ice.operators.declared import IceDeclaredJobOperator
from airflow_ice.sensors.declared import IceDeclaredJobSensor
from airflow_ice.triggers.declared import IceDeclaredJobTrigger
from tests.support.family_cases import COGNITION_INPUT, VIDEO_COGNITION
from tests.support.sdk_oracle import CaptureServer

KEY_ID = "declared-key-id"
KEY_SECRET = "declared-key-secret"
GOOD: dict[str, Any] = {
    "name": "Live record",
    "submit_action": "SubmitLiveRecordJob",
    "get_action": "GetLiveRecordJob",
    "success_statuses": ["Finished"],
    "failure_statuses": ["Failed"],
}


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"name": " "}, "name must be non-empty text"),
        ({"submit_action": "submit-live-record"}, "submit_action must be an ICE action name"),
        ({"get_action": "SubmitLiveRecordJob"}, "submit_action and get_action must differ"),
        ({"cancel_action": "stop it"}, "cancel_action must be None or an ICE name"),
        ({"job_envelope": "Record.Job"}, "job_envelope must be None or an ICE name"),
        ({"status_field": ""}, "status_field must be an ICE name"),
        ({"job_id_name": "job id"}, "job_id_name must be an ICE name"),
        ({"success_statuses": "Finished"}, "success_statuses must be a list of at least one status"),
        ({"failure_statuses": []}, "failure_statuses must be a list of at least one status"),
        ({"failure_statuses": ["Failed", ""]}, "failure_statuses must hold non-empty texts"),
        ({"failure_statuses": ["FINISHED"]}, "a status cannot be both a success and a failure: finished"),
        ({"body_parameters": ["record config"]}, "body_parameters must be a list of ICE parameter names"),
        ({"client_token": "yes"}, "client_token must be True or False"),
        ({"tags_user_data": 1}, "tags_user_data must be True or False"),
    ],
)
def test_a_malformed_declaration_is_refused_naming_what_is_wrong(changes: dict[str, Any], said: str) -> None:
    with pytest.raises(ValueError, match="Declared ICE job family") as refused:
        DeclaredJobFamily(**{**GOOD, **changes})
    assert said in str(refused.value)


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(ValueError, match="get_action must be") as refused:
        DeclaredJobFamily(**{**GOOD, "get_action": "get", "success_statuses": [], "client_token": None})
    assert str(refused.value).count(";") == 2


def test_only_declaration_fields_are_taken() -> None:
    with pytest.raises(TypeError, match="job_model"):
        DeclaredJobFamily(**GOOD, job_model="x:Y")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="unknown keys outputs_of"):
        DeclaredJobFamily.from_declaration({**GOOD, "outputs_of": "x"})


def test_a_declaration_round_trips_as_json() -> None:
    family = DeclaredJobFamily(
        **GOOD, job_envelope="RecordJob", cancel_action="StopLiveRecordJob", job_id_name="ParentJobId"
    )
    data = json.loads(json.dumps(family.declaration()))
    assert DeclaredJobFamily.from_declaration(data) == family
    assert family.output_url_of({}) is None
    assert family.outputs_of({}).urls == ()


@pytest.mark.parametrize(
    ("waiter", "arguments"),
    [(IceDeclaredJobOperator, {"parameters": {}}), (IceDeclaredJobSensor, {"job_id": "j"})],
)
def test_a_waiter_without_a_declaration_is_refused_when_the_dag_is_parsed(
    waiter: Any, arguments: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match=r"'wait': family must be a DeclaredJobFamily .*, got dict"):
        waiter(task_id="wait", family=GOOD, **arguments)


# What is sent


def test_parameters_go_where_the_family_places_them() -> None:
    request = DeclaredJobRequest(
        parameters={"Input": COGNITION_INPUT, "Title": "match", "Live": True, "Count": 3},
        body_parameters=("Title",),
        client_token="token-1",
    )
    assert request.to_query() == {
        "Input": json.dumps(COGNITION_INPUT, separators=(",", ":")),
        "Live": "true",
        "Count": "3",
        "ClientToken": "token-1",
    }
    assert request.to_body() == {"Title": "match"}


@pytest.fixture
def server() -> Iterator[CaptureServer]:
    with CaptureServer() as running:
        yield running


def test_the_submit_equals_the_official_sdks(server: CaptureServer, monkeypatch: pytest.MonkeyPatch) -> None:
    parameters = {
        "Input": COGNITION_INPUT,
        "TemplateId": "S00000101-300080",
        "Params": '{"needAsrData":true}',
        "TemplateConfig": '{"FaceCategoryIds":"celebrity"}',
        "Title": "match highlights",
        "UserData": '{"batch":"evening"}',
    }
    Client(
        open_api_models.Config(
            access_key_id=KEY_ID,
            access_key_secret=KEY_SECRET,
            endpoint=server.endpoint,
            protocol="http",
            region_id="cn-shanghai",
        )
    ).submit_video_cognition_job(sdk_models.SubmitVideoCognitionJobRequest().from_map(parameters))
    theirs = server.take().wire()
    monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", server.connection_json())
    with IceHook() as hook:
        assert hook.submit_job(VIDEO_COGNITION, {"parameters": parameters}) == "oracle-job"
    assert server.take().wire() == theirs


# What is read


def test_the_xcom_is_the_job_as_ice_returned_it_scrubbed() -> None:
    presigned = "https://b.oss-cn-shanghai.aliyuncs.com/asr.json?Expires=1&OSSAccessKeyId=k&Signature=s"
    answer = {
        "RequestId": "r",
        "JobStatus": "Success",
        "Results": {"result": [{"Type": "ASR", "Data": "{}", "Url": presigned}]},
    }
    job = VIDEO_COGNITION.parse_job(answer, "job-1")
    event = finished_event(VIDEO_COGNITION, "job-1", job, keep_presigned_urls=False, warn=lambda *a: None)

    assert event.status is JobEventStatus.SUCCESS
    assert event.job is not None
    assert (event.job["job_id"], event.job["status"]) == ("job-1", "Success")
    (result,) = event.job["job"]["Results"]["result"]
    assert result["Url"] == "https://b.oss-cn-shanghai.aliyuncs.com/asr.json"
    assert "Signature" not in json.dumps(event.job)


def test_statuses_compare_ignoring_case_and_an_unknown_one_is_running() -> None:
    states = {
        status: VIDEO_COGNITION.parse_job({"JobStatus": status}, "j").state
        for status in ("success", "FAIL", "Processing", "Paused")
    }
    assert states == {
        "success": DeclaredJobState.SUCCEEDED,
        "FAIL": DeclaredJobState.FAILED,
        "Processing": DeclaredJobState.RUNNING,
        "Paused": DeclaredJobState.RUNNING,
    }


def test_a_status_that_is_not_text_is_kept_raw_and_named() -> None:
    job = VIDEO_COGNITION.parse_job({"JobStatus": {"Code": 3}, "JobId": "named"}, "asked")
    assert job.job_id == "named"
    assert not job.is_terminal
    assert job.unparsed_fields == {"JobStatus": {"Code": 3}}
    assert job.parse_warnings == [
        "JobStatus: not text; kept as received in unparsed_fields (the job counts as running)"
    ]


def test_the_job_id_is_read_by_its_declared_name() -> None:
    family = DeclaredJobFamily(**GOOD, job_id_name="ParentJobId", job_envelope="Job")
    assert (
        family.parse_job({"Job": {"ParentJobId": "parent-1", "Status": "Finished"}}, "asked").job_id
        == "parent-1"
    )


def test_an_answer_without_the_job_object_is_unusable() -> None:
    family = DeclaredJobFamily(**GOOD, job_envelope="RecordJob")
    with pytest.raises(IceResponseError, match=r"GetLiveRecordJob: .*RecordJob is not a JSON object"):
        family.parse_job({"RequestId": "r", "RecordJob": "gone"}, "j")
    assert family.parse_job(
        {"RecordJob": {"Status": "Failed", "Code": "E1", "Message": "no stream"}}, "j"
    ).failed
    assert family.failure_detail_of(
        family.parse_job({"RecordJob": {"Code": "E1", "Message": "no stream"}}, "j")
    ) == ("E1: no stream")


# Carried to the triggerer


async def test_the_trigger_carries_the_declaration_and_a_rebuilt_one_finishes(
    emulated_ice: IceEmulator,
) -> None:
    with IceHook() as hook:
        job_id = hook.submit_job(VIDEO_COGNITION, {"parameters": {"Input": COGNITION_INPUT}})
    trigger = IceDeclaredJobTrigger(
        family=VIDEO_COGNITION, job_id=job_id, poll_interval=0.1, deadline=time.time() + 30
    )
    classpath, kwargs = trigger.serialize()

    assert classpath == "airflow_ice.triggers.declared.IceDeclaredJobTrigger"
    assert json.loads(json.dumps(kwargs)) == kwargs
    module_name, class_name = classpath.rsplit(".", 1)
    rebuilt = getattr(__import__(module_name, fromlist=[class_name]), class_name)(**kwargs)
    assert rebuilt.family == VIDEO_COGNITION
    events = await asyncio.wait_for(_events(rebuilt), 30)
    (event,) = [JobEvent.from_payload(e.payload, job_id=job_id) for e in events]
    assert event.status is JobEventStatus.SUCCESS
    assert event.job is not None
    assert event.job["job"]["JobStatus"] == "Success"


async def _events(trigger: IceDeclaredJobTrigger) -> list[Any]:
    return [event async for event in trigger.run()]
