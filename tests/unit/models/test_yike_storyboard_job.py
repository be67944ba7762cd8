"""YikeStoryboardJob: the GetYikeStoryboardJob page's sample (doubly escaped lists) and lenient parsing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from airflow_ice.errors import IceResponseError
from airflow_ice.models import (
    FailureShot,
    StoryboardInfo,
    YikeStoryboardJob,
    YikeStoryboardJobParams,
    YikeStoryboardJobResult,
    YikeStoryboardJobStatus,
)
from tests.support.paths import FIXTURES

FIXTURES = FIXTURES


def sample() -> dict[str, Any]:
    """The normal-response sample of the GetYikeStoryboardJob API page (copied from the seed)."""
    return json.loads((FIXTURES / "get_yike_storyboard_job.json").read_text(encoding="utf-8"))


def with_result(**job_result: Any) -> YikeStoryboardJob:
    return YikeStoryboardJob.model_validate({"JobId": "y-1", "JobStatus": "Running", "JobResult": job_result})


def test_fixture_keeps_the_double_escaping_of_the_page() -> None:
    assert sample()["JobResult"]["SuccessStoryboardList"] == '[\\"st_2118280473\\"]'


def test_page_sample_every_field() -> None:
    job = YikeStoryboardJob.model_validate(sample())

    assert job.request_id == "******3B-0E1A-586A-AC29-742247******"
    assert job.job_id == "****a046-263c-3560-978a-fb287782****"
    assert job.job_status is YikeStoryboardJobStatus.SUCCEEDED
    assert job.job_params == YikeStoryboardJobParams(
        file_url="https://test.oss-cn-shanghai.aliyuncs.com/test.mp4",
        shot_prompt_mode="multi",
        source_type="Novel",
        model_params='{\n "AudioEnable": false\n}',
        shot_split_mode="firstPersonNarration",
        narration_voice_id="sys_YoungGracefulWoman",
        video_model="wan2.6-r2v-flash",
        style_id="RealisticPhotography",
        resolution="1K",
        title="test-title",
        aspect_ratio="16:9",
    )
    result = job.job_result
    assert result is not None
    assert result.output_url == "https://test.oss-cn-shanghai.aliyuncs.com/test.mp4"
    assert result.success_storyboard_list == ["st_2118280473"]
    assert result.exception_storyboard_ids == ["st_2053348871"]
    assert result.failure_shot_list == [
        FailureShot(error_code="NoMediaData", storyboard_id="st_2118280473", shot_id="54")
    ]
    assert result.success_storyboard_ids == ["st_2118280473", "st_2118280471"]
    assert result.storyboard_info_list == [
        StoryboardInfo(
            storyboard_id="st_1541525214", title="test_1", status="Produced", sub_status="ProduceSucc"
        ),
        StoryboardInfo(
            storyboard_id="st_1633435355", title="test_2", status="Produced", sub_status="ProduceSucc"
        ),
    ]
    assert result.raw == sample()["JobResult"]
    assert job.parse_warnings == []
    assert job.unparsed_fields == {}
    assert (job.is_terminal, job.succeeded, job.failed) == (True, True, False)


def test_page_sample_to_xcom() -> None:
    xcom = YikeStoryboardJob.model_validate(sample()).to_xcom()

    assert xcom == {
        "job_id": "****a046-263c-3560-978a-fb287782****",
        "status": "Succeeded",
        "title": "test-title",
        "output_url": "https://test.oss-cn-shanghai.aliyuncs.com/test.mp4",
        "success_storyboard_list": ["st_2118280473"],
        "success_storyboard_ids": ["st_2118280473", "st_2118280471"],
        "exception_storyboard_ids": ["st_2053348871"],
        "failure_shot_list": [
            {"error_code": "NoMediaData", "storyboard_id": "st_2118280473", "shot_id": "54"}
        ],
        "storyboard_info_list": [
            {
                "storyboard_id": "st_1541525214",
                "title": "test_1",
                "status": "Produced",
                "sub_status": "ProduceSucc",
            },
            {
                "storyboard_id": "st_1633435355",
                "title": "test_2",
                "status": "Produced",
                "sub_status": "ProduceSucc",
            },
        ],
    }
    assert json.loads(json.dumps(xcom, allow_nan=False)) == xcom


@pytest.mark.parametrize(
    "text",
    [
        '["st_1", "st_2"]',  # plain JSON, as the API notes describe it
        '[\\"st_1\\", \\"st_2\\"]',  # escaped once more, as the published example shows
        '"[\\"st_1\\", \\"st_2\\"]"',  # a JSON string holding the JSON
    ],
)
def test_storyboard_lists_in_every_encoding(text: str) -> None:
    job = with_result(SuccessStoryboardList=text, ExceptionStoryboardIds=text)

    assert job.job_result is not None
    assert job.job_result.success_storyboard_list == ["st_1", "st_2"]
    assert job.job_result.exception_storyboard_ids == ["st_1", "st_2"]
    assert job.parse_warnings == []


def test_plain_json_failure_and_info_lists() -> None:
    job = with_result(
        FailureShotList='[{"errorCode":"Timeout","storyboardId":"st_9","shotId":7}]',
        StoryboardInfoList='[{"storyboardId":"st_9","title":"t","status":"Producing","subStatus":"Wait","x":1}]',
    )

    assert job.job_result is not None
    assert job.job_result.failure_shot_list == [
        FailureShot(error_code="Timeout", storyboard_id="st_9", shot_id="7")
    ]
    info = job.job_result.storyboard_info_list[0]
    assert (info.storyboard_id, info.title, info.status, info.sub_status) == (
        "st_9",
        "t",
        "Producing",
        "Wait",
    )
    assert info.model_extra == {"x": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("st_2118280473, st_2118280471", ["st_2118280473", "st_2118280471"]),
        ("st_1,st_2 ,, st_3", ["st_1", "st_2", "st_3"]),
        ("st_1", ["st_1"]),
        ("", []),
        ('["st_1","st_2"]', ["st_1", "st_2"]),
    ],
)
def test_success_storyboard_ids_comma_separated(text: str, expected: list[str]) -> None:
    job = with_result(SuccessStoryboardIds=text)

    assert job.job_result is not None
    assert job.job_result.success_storyboard_ids == expected


def test_unreadable_job_result_strings_kept_raw_with_warnings() -> None:
    job = with_result(SuccessStoryboardList="[st_1", FailureShotList='{"errorCode":"x"}', OutputUrl=5)

    assert job.job_result is not None
    assert job.job_result.success_storyboard_list == []
    assert job.job_result.failure_shot_list == []
    assert job.job_result.output_url is None
    assert job.job_result.raw == {
        "SuccessStoryboardList": "[st_1",
        "FailureShotList": '{"errorCode":"x"}',
        "OutputUrl": 5,
    }
    assert job.unparsed_fields == {"JobResult.OutputUrl": 5}
    assert job.parse_warnings == [
        "JobResult.OutputUrl: expected a string, got 5; kept as received in unparsed_fields",
        "JobResult.SuccessStoryboardList: not JSON; kept as received in job_result.raw",
        "JobResult.FailureShotList: not the documented list shape ({'errorCode': 'x'}); "
        "kept as received in job_result.raw",
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Running", YikeStoryboardJobStatus.RUNNING),
        ("running", YikeStoryboardJobStatus.RUNNING),
        ("SUCCEEDED", YikeStoryboardJobStatus.SUCCEEDED),
        ("Success", YikeStoryboardJobStatus.SUCCEEDED),
        ("failed", YikeStoryboardJobStatus.FAILED),
        ("Fail", YikeStoryboardJobStatus.FAILED),
    ],
)
def test_status_matched_case_insensitively(raw: str, expected: YikeStoryboardJobStatus) -> None:
    job = YikeStoryboardJob.model_validate({"JobId": "y", "JobStatus": raw})

    assert job.job_status is expected
    assert job.status is expected
    assert job.parse_warnings == []


@pytest.mark.parametrize(
    ("raw", "terminal", "succeeded", "failed"),
    [("Running", False, False, False), ("Succeeded", True, True, False), ("Failed", True, False, True)],
)
def test_status_properties(raw: str, terminal: bool, succeeded: bool, failed: bool) -> None:
    job = YikeStoryboardJob.model_validate({"JobId": "y", "JobStatus": raw})

    assert (job.is_terminal, job.succeeded, job.failed) == (terminal, succeeded, failed)


def test_unknown_status_kept_raw_and_treated_as_running() -> None:
    job = YikeStoryboardJob.model_validate({"JobId": "y", "JobStatus": "Suspended"})

    assert job.job_status == "Suspended"
    assert job.status_text == "Suspended"
    assert (job.is_terminal, job.succeeded, job.failed) == (False, False, False)
    assert job.parse_warnings == ["JobStatus: unknown status 'Suspended'; kept as is, job treated as running"]


def test_new_fields_kept_with_warning() -> None:
    data = sample()
    data["Progress"] = 40
    data["JobParams"]["ExecMode"] = "FullPipeline"
    data["JobResult"]["Duration"] = "12.5"
    job = YikeStoryboardJob.model_validate(data)

    assert job.unparsed_fields == {
        "Progress": 40,
        "JobParams.ExecMode": "FullPipeline",
        "JobResult.Duration": "12.5",
    }
    assert len(job.parse_warnings) == 3
    assert job.job_result is not None
    assert job.job_result.raw["Duration"] == "12.5"


def test_missing_parts_are_none() -> None:
    job = YikeStoryboardJob.model_validate({"JobId": "y"})

    assert (job.job_status, job.job_params, job.job_result) == (None, None, None)
    assert job.to_xcom() == {
        "job_id": "y",
        "status": None,
        "title": None,
        "output_url": None,
        "success_storyboard_list": [],
        "success_storyboard_ids": [],
        "exception_storyboard_ids": [],
        "failure_shot_list": [],
        "storyboard_info_list": [],
    }


def test_job_result_as_arrays_instead_of_strings() -> None:
    job = with_result(SuccessStoryboardList=["st_1"], StoryboardInfoList=[{"storyboardId": "st_1"}])

    assert job.job_result == YikeStoryboardJobResult(
        success_storyboard_list=["st_1"],
        storyboard_info_list=[StoryboardInfo(storyboard_id="st_1")],
        raw={"SuccessStoryboardList": ["st_1"], "StoryboardInfoList": [{"storyboardId": "st_1"}]},
    )


@pytest.mark.parametrize("body", [{"JobStatus": "Running"}, {"JobId": ""}, {"JobId": {"a": 1}}, [], None])
def test_body_without_job_id_raises_validation_error(body: object) -> None:
    with pytest.raises(ValidationError):
        YikeStoryboardJob.model_validate(body)


def test_from_response_raises_ice_response_error() -> None:
    with pytest.raises(IceResponseError) as raised:
        YikeStoryboardJob.from_response({"JobStatus": "Running"})
    assert raised.value.action == "GetYikeStoryboardJob"
    assert raised.value.detail == "JobId: Field required"


def test_model_dump_json_safe_and_round_trips() -> None:
    data = sample() | {"JobStatus": "Queued", "New": {"x": [1]}}
    data["JobResult"]["FailureShotList"] = "broken"
    job = YikeStoryboardJob.model_validate(data)

    dumped = job.model_dump(mode="json")
    assert json.loads(json.dumps(dumped, allow_nan=False)) == dumped
    assert YikeStoryboardJob.model_validate(dumped) == job
    assert YikeStoryboardJob.model_validate(job.model_dump(by_alias=True)) == job
