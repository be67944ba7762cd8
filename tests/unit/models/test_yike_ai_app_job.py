"""Yike AI-app models: the documented job shape, batch lists, prechecks, lenient parsing and requests."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from airflow_ice.errors import IceInvalidRequestError, IceResponseError
from airflow_ice.models import (
    YikeAIAppJob,
    YikeAIAppJobList,
    YikeAIAppJobRequest,
    YikeAIAppJobStatus,
    YikeAIAppMediaOutput,
    YikeAIAppPrecheck,
    validate_request,
)
from tests.unit.models.test_properties import (
    JOB_IDS,
    PROPERTY_SETTINGS,
    assert_json_safe,
    field_values,
    finite_json,
    json_text_of,
    json_values,
    mostly,
)

VIDEO_URL = "http://outin-demo.oss-cn-shanghai.aliyuncs.com/stream/48555e8b/48555e8b.mp4"
IMAGE_URL = "http://outin-demo.oss-cn-shanghai.aliyuncs.com/stream/48555e8b/48555e8b.png"
AUDIO_URL = "http://outin-demo.oss-cn-shanghai.aliyuncs.com/stream/48555e8b/48555e8b.mp3"


def documented_job(**changes: Any) -> dict[str, Any]:
    """A GetYikeAIAppJob answer with the fields and value styles of the API page."""
    body: dict[str, Any] = {
        "RequestId": "0622C702-41BE-467E-AF2E-883D4517962E",
        "JobId": "****cdb3e74639973036bc84****",
        "AppId": "app-****",
        "AppParams": '{"LoadImage.1.TargetImage":"MediaId1"}',
        "Status": "Finished",
        "ProductionId": "****cdb3e74639973036bc84****",
        "FolderId": "folder-u3ilwhoc36ux9a****",
        "ExecutionStartTime": "2026-02-06T18:53:34.001+08:00",
        "ExecutionFinishTime": "2026-02-06T18:58:18.809+08:00",
        "Result": {
            "ImageResult": [{"MediaId": "1a7852b032c371f0b64fe6f6c74b****", "OutputUrl": IMAGE_URL}],
            "VideoResult": [{"MediaId": "2b7852b032c371f0b64fe6f6c74b****", "OutputUrl": VIDEO_URL}],
            "AudioResult": [{"MediaId": "3c7852b032c371f0b64fe6f6c74b****", "OutputUrl": AUDIO_URL}],
        },
    }
    body.update(changes)
    return body


def test_documented_job_every_field() -> None:
    job = YikeAIAppJob.model_validate(documented_job())

    assert job.request_id == "0622C702-41BE-467E-AF2E-883D4517962E"
    assert job.job_id == "****cdb3e74639973036bc84****"
    assert job.app_id == "app-****"
    assert job.app_params == '{"LoadImage.1.TargetImage":"MediaId1"}'
    assert job.app_params_decoded == {"LoadImage.1.TargetImage": "MediaId1"}
    assert job.folder_id == "folder-u3ilwhoc36ux9a****"
    assert job.production_id == "****cdb3e74639973036bc84****"
    # The page's times carry an offset and milliseconds: kept exact, in UTC.
    assert job.execution_start_time == datetime(2026, 2, 6, 10, 53, 34, 1000, tzinfo=timezone.utc)
    assert job.execution_finish_time == datetime(2026, 2, 6, 10, 58, 18, 809000, tzinfo=timezone.utc)
    assert job.status is YikeAIAppJobStatus.FINISHED
    assert job.result is not None
    assert job.result.video_result == [
        YikeAIAppMediaOutput(media_id="2b7852b032c371f0b64fe6f6c74b****", output_url=VIDEO_URL)
    ]
    assert job.result.image_result[0].output_url == IMAGE_URL
    assert job.result.audio_result[0].media_id == "3c7852b032c371f0b64fe6f6c74b****"
    assert job.parse_warnings == []
    assert job.unparsed_fields == {}
    assert (job.is_terminal, job.succeeded, job.failed) == (True, True, False)


def test_to_xcom_lists_outputs_videos_first() -> None:
    assert YikeAIAppJob.model_validate(documented_job()).to_xcom() == {
        "job_id": "****cdb3e74639973036bc84****",
        "status": "Finished",
        "app_id": "app-****",
        "app_params": {"LoadImage.1.TargetImage": "MediaId1"},
        "folder_id": "folder-u3ilwhoc36ux9a****",
        "production_id": "****cdb3e74639973036bc84****",
        "execution_start_time": "2026-02-06T10:53:34.001000Z",
        "execution_finish_time": "2026-02-06T10:58:18.809000Z",
        "video_outputs": [{"media_id": "2b7852b032c371f0b64fe6f6c74b****", "output_url": VIDEO_URL}],
        "image_outputs": [{"media_id": "1a7852b032c371f0b64fe6f6c74b****", "output_url": IMAGE_URL}],
        "audio_outputs": [{"media_id": "3c7852b032c371f0b64fe6f6c74b****", "output_url": AUDIO_URL}],
        "output_urls": [VIDEO_URL, IMAGE_URL, AUDIO_URL],
    }


@pytest.mark.parametrize(
    ("raw", "expected", "terminal", "succeeded"),
    [
        ("Created", YikeAIAppJobStatus.CREATED, False, False),
        ("queuing", YikeAIAppJobStatus.QUEUING, False, False),
        ("EXECUTING", YikeAIAppJobStatus.EXECUTING, False, False),
        ("finished", YikeAIAppJobStatus.FINISHED, True, True),
        ("Failed", YikeAIAppJobStatus.FAILED, True, False),
    ],
)
def test_statuses_match_any_case(
    raw: str, expected: YikeAIAppJobStatus, terminal: bool, succeeded: bool
) -> None:
    job = YikeAIAppJob.model_validate({"JobId": "j", "Status": raw})

    assert job.status is expected
    assert (job.is_terminal, job.succeeded) == (terminal, succeeded)
    assert job.status_text == expected.value


def test_unknown_status_is_kept_and_counts_as_running() -> None:
    job = YikeAIAppJob.model_validate({"JobId": "j", "Status": "Paused"})

    assert job.status == "Paused"
    assert job.status_text == "Paused"
    assert not job.is_terminal
    assert not job.failed
    assert "unknown status 'Paused'" in job.parse_warnings[0]


def test_failed_job_has_no_outputs_and_names_what_ice_added() -> None:
    body = documented_job(Status="Failed", Result=None, ErrorMessage="The image could not be loaded")
    job = YikeAIAppJob.model_validate(body)

    assert job.failed
    assert job.to_xcom()["output_urls"] == []
    assert job.failure_detail == '{"ErrorMessage":"The image could not be loaded"}'
    assert YikeAIAppJob.model_validate(documented_job()).failure_detail == ""


def test_batch_items_name_the_parameters_app_input_config() -> None:
    item = documented_job()
    item["AppInputConfig"] = item.pop("AppParams")
    del item["RequestId"]

    job = YikeAIAppJob.model_validate(item)

    assert job.app_params_decoded == {"LoadImage.1.TargetImage": "MediaId1"}
    assert job.parse_warnings == []
    assert job.to_xcom() == YikeAIAppJob.model_validate(documented_job()).to_xcom()


def test_result_and_lists_sent_as_json_text_are_decoded() -> None:
    result = {"VideoResult": json.dumps([{"MediaId": 7, "OutputUrl": VIDEO_URL}])}
    job = YikeAIAppJob.model_validate(documented_job(Result=json.dumps(result)))

    assert job.result is not None
    assert job.result.video_result == [YikeAIAppMediaOutput(media_id="7", output_url=VIDEO_URL)]
    assert job.output_urls == [VIDEO_URL]


def test_odd_values_are_kept_and_explained_never_raised() -> None:
    job = YikeAIAppJob.model_validate(
        {
            "JobId": 12345,
            "Status": 3,
            "AppParams": "{not json",
            "ExecutionStartTime": "yesterday",
            "Result": {"VideoResult": "garbage", "ImageResult": [1, 2], "Extra": True},
            "NewField": {"a": 1},
        }
    )

    assert job.job_id == "12345"
    assert job.status is None
    assert job.app_params == "{not json"
    assert job.app_params_decoded is None
    assert job.execution_start_time is None
    assert job.result is not None
    assert job.result.video_result == job.result.image_result == []
    assert job.result.raw["ImageResult"] == [1, 2]
    assert job.unparsed_fields == {
        "Status": 3,
        "ExecutionStartTime": "yesterday",
        "Result.Extra": True,
        "NewField": {"a": 1},
    }
    warnings = " | ".join(job.parse_warnings)
    for fragment in ("AppParams: not JSON", "Result.VideoResult: not JSON", "Result.ImageResult: not a list"):
        assert fragment in warnings
    assert not job.is_terminal


def test_body_without_job_id_is_a_response_error() -> None:
    with pytest.raises(ValidationError):
        YikeAIAppJob.model_validate({"Status": "Finished"})
    with pytest.raises(IceResponseError, match="GetYikeAIAppJob"):
        YikeAIAppJob.from_response(["not", "an", "object"])


def test_job_list_leaves_out_unreadable_items() -> None:
    answer = {"RequestId": "r", "JobList": [documented_job(), {"Status": "Finished"}, "junk"]}

    parsed = YikeAIAppJobList.from_response(answer)

    assert [job.job_id for job in parsed.jobs] == ["****cdb3e74639973036bc84****"]
    assert parsed.request_id == "r"
    assert len(parsed.parse_warnings) == 2
    assert parsed.parse_warnings[0].startswith("JobList[1]: JobId")


@pytest.mark.parametrize("body", [{"RequestId": "r"}, {"JobList": "none"}, []])
def test_job_list_without_a_list_is_a_response_error(body: Any) -> None:
    with pytest.raises(IceResponseError, match="BatchGetYikeAIAppJob"):
        YikeAIAppJobList.from_response(body)


def test_precheck_answers() -> None:
    passed = YikeAIAppPrecheck.from_response({"RequestId": "r", "Status": "Success", "Result": []})
    failed = YikeAIAppPrecheck.from_response(
        {
            "Status": "Failed",
            "Result": [
                {"Key": "LoadImage.1.TargetImage", "ErrorCode": "InvalidValue"},
                {"Key": "Duration", "ErrorCode": "OutOfRange"},
            ],
        }
    )
    odd = YikeAIAppPrecheck.from_response({"Status": "FAILED", "Result": {"Why": "unknown"}})

    assert passed.passed
    assert not failed.passed
    assert failed.describe() == "LoadImage.1.TargetImage: InvalidValue; Duration: OutOfRange"
    assert not odd.passed
    assert odd.describe() == 'Result {"Why":"unknown"}'
    with pytest.raises(IceResponseError, match="no Status"):
        YikeAIAppPrecheck.from_response({"Result": []})


# Requests


def test_request_body_has_every_parameter_and_app_params_as_compact_json() -> None:
    request = validate_request(
        YikeAIAppJobRequest,
        {
            "app_id": " app-1 ",
            "app_params": {"LoadImage.1.TargetImage": "媒体1", "Steps": 4},
            "folder_id": "folder-1",
            "production_id": "prod-1",
        },
    )

    assert request.to_body() == {
        "AppId": "app-1",
        "AppParams": '{"LoadImage.1.TargetImage":"媒体1","Steps":4}',
        "FolderId": "folder-1",
        "ProductionId": "prod-1",
    }
    assert request.to_precheck_query() == {
        "AppId": "app-1",
        "AppParams": '{"LoadImage.1.TargetImage":"媒体1","Steps":4}',
    }


def test_request_accepts_api_names_and_json_text() -> None:
    request = validate_request(YikeAIAppJobRequest, {"AppId": "app-1", "AppParams": '{"a": [1, 2]}'})

    assert request.to_body() == {"AppId": "app-1", "AppParams": '{"a":[1,2]}'}


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({}, "app_id (AppId): required"),
        ({"app_id": "  "}, "app_id (AppId)"),
        ({"app_id": "a", "app_params": "[1, 2]"}, "app_params (AppParams)"),
        ({"app_id": "a", "app_params": "{oops"}, "app_params (AppParams)"),
        ({"app_id": "a", "folder": "f"}, "did you mean folder_id"),
    ],
)
def test_request_errors_name_the_parameter(data: dict[str, Any], named: str) -> None:
    with pytest.raises(IceInvalidRequestError, match="YikeAIAppJobRequest") as raised:
        validate_request(YikeAIAppJobRequest, data)

    assert named in str(raised.value)


# Property: any JSON object with a JobId parses, keeps the JobId and round-trips


def ai_app_bodies() -> st.SearchStrategy[dict[str, Any]]:
    values = field_values()
    output = st.dictionaries(st.sampled_from(["MediaId", "OutputUrl", "Other"]), values | st.integers())
    outputs = mostly(st.lists(output, max_size=3), values)
    result_keys = ["AudioResult", "ImageResult", "VideoResult", "raw", "Other"]
    result = st.dictionaries(
        st.sampled_from(result_keys), outputs | json_text_of(st.lists(output, max_size=2))
    )
    times = mostly(st.sampled_from(["2026-02-06T18:53:34.001+08:00", "2022-07-07T07:16:11Z"]), values)
    optional = {
        "RequestId": values,
        "AppId": values,
        "AppParams": mostly(json_text_of(json_values()), values),
        "AppInputConfig": values,
        "FolderId": values,
        "ProductionId": values,
        "ExecutionStartTime": times,
        "ExecutionFinishTime": times,
        "Status": mostly(
            st.sampled_from(["Created", "queuing", "EXECUTING", "Finished", "Failed", "Odd"]), values
        ),
        "Result": mostly(result | json_text_of(result), values),
    }
    known = st.fixed_dictionaries({"JobId": JOB_IDS}, optional=optional)
    extra = st.dictionaries(st.text(max_size=12), json_values(), max_size=3)
    return st.tuples(known, extra).map(lambda parts: parts[1] | parts[0])


@PROPERTY_SETTINGS
@given(ai_app_bodies())
def test_ai_app_job_parse_never_raises_keeps_job_id_and_round_trips(body: dict[str, Any]) -> None:
    job = YikeAIAppJob.model_validate(body)

    assert job.job_id == str(body["JobId"])
    assert isinstance(job.is_terminal, bool)
    assert_json_safe(job.to_xcom())
    dumped = job.model_dump(mode="json")
    assert_json_safe(dumped)
    if finite_json(body):
        assert YikeAIAppJob.model_validate(dumped) == job
