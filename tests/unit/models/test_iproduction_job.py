"""IProductionJob: the QueryIProductionJob page's sample and Result examples, and lenient parsing."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from airflow_ice.errors import IceResponseError
from airflow_ice.models import (
    IPRODUCTION_FUNCTIONS,
    AudioQualityAssessmentResult,
    CoverFrame,
    CoverResult,
    EmptyResult,
    IProductionJob,
    IProductionJobInput,
    IProductionJobOutput,
    IProductionJobStatus,
    IProductionScheduleInfo,
    MusicSegment,
    MusicSegmentDetectResult,
    OtherResult,
    VideoClipResult,
    VideoSegment,
)
from tests.support.paths import FIXTURES

FIXTURES = FIXTURES


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def sample() -> dict[str, Any]:
    """The normal-response sample of the QueryIProductionJob API page (copied from the seed)."""
    return load_fixture("query_iproduction_job.json")


RESULT_EXAMPLES: dict[str, str] = load_fixture("iproduction_result_examples.json")


def job_with(function_name: str, result: str | None, **fields: Any) -> IProductionJob:
    data: dict[str, Any] = {"JobId": "job-1", "FunctionName": function_name, "Status": "Success", **fields}
    if result is not None:
        data["Result"] = result
    return IProductionJob.model_validate(data)


def test_page_sample_every_field() -> None:
    job = IProductionJob.model_validate(sample())

    assert job.request_id == ""
    assert job.job_id == "****20b48fb04483915d4f2cd8ac****"
    assert job.name == "測試工作"
    assert job.function_name == "Cover"
    assert job.input == IProductionJobInput(type="OSS", media="oss://bucket/object")
    assert job.output == IProductionJobOutput(
        type="OSS",
        biz="IMS",
        media="oss://bucket/object",
        output_url="http(s)://bucket.oss-[RegionId].aliyuncs.com/object ",
    )
    assert job.template_id == "****96e8864746a0b6f3****"
    assert job.job_params == '{"Model":"gif"}'
    assert job.job_params_decoded == {"Model": "gif"}
    assert job.schedule_config == IProductionScheduleInfo(
        pipeline_id="a54fdc9c9aab413caef0d1150f565e86", priority=6
    )
    assert job.user_data == '{"test":1}'
    assert job.result_raw == "{}"
    # The sample is a Cover job whose Result is "{}": no covers, not an error.
    assert job.result == CoverResult(covers=[])
    assert job.create_time == datetime(2022, 7, 7, 7, 16, 11, tzinfo=timezone.utc)
    assert job.finish_time == datetime(2021, 11, 26, 14, 50, 25, tzinfo=timezone.utc)
    assert job.create_time.utcoffset() == timezone.utc.utcoffset(None)
    assert job.status is IProductionJobStatus.SUCCESS
    assert job.output_files == ["output/xxx.mp4"]
    assert job.output_media_ids == [""]
    assert job.output_urls == ["http://xxx"]
    assert job.parse_warnings == []
    assert job.unparsed_fields == {}
    assert (job.is_terminal, job.succeeded, job.failed) == (True, True, False)


def test_page_sample_to_xcom() -> None:
    xcom = IProductionJob.model_validate(sample()).to_xcom()

    assert xcom == {
        "job_id": "****20b48fb04483915d4f2cd8ac****",
        "status": "Success",
        "function_name": "Cover",
        "result": {"kind": "Cover", "covers": []},
        "output_files": ["output/xxx.mp4"],
        "output_urls": ["http://xxx"],
        "output_media_ids": [""],
        "create_time": "2022-07-07T07:16:11Z",
        "finish_time": "2021-11-26T14:50:25Z",
        "user_data": '{"test":1}',
    }
    assert json.loads(json.dumps(xcom, allow_nan=False)) == xcom


def test_result_example_cover() -> None:
    job = job_with("Cover", RESULT_EXAMPLES["Cover"])

    assert job.result == CoverResult(
        covers=[
            CoverFrame(score=8.270855992569906, time=28278.25, url="cover/test-00001.jpg"),
            CoverFrame(score=7.474117489692728, time=25942.583333333332, url="cover/test-00002.jpg"),
        ]
    )
    assert job.parse_warnings == []
    assert job.to_xcom()["result"] == {
        "kind": "Cover",
        "covers": [
            # No OutputUrls name these files: no absolute address to give.
            {"score": 8.270855992569906, "time": 28278.25, "url": "cover/test-00001.jpg", "output_url": None},
            {
                "score": 7.474117489692728,
                "time": 25942.583333333332,
                "url": "cover/test-00002.jpg",
                "output_url": None,
            },
        ],
    }


def test_each_cover_gets_the_output_url_of_its_file() -> None:
    # Matched by file name, not by position: ICE orders covers by score, OutputUrls as it likes.
    base = "https://bucket.oss-cn-shanghai.aliyuncs.com/out/day/cover"
    job = job_with(
        "Cover",
        RESULT_EXAMPLES["Cover"],
        OutputUrls=[f"{base}/test-00002.jpg?Expires=1", f"{base}/test-00001.jpg?Expires=1"],
    )

    covers = job.to_xcom()["result"]["covers"]

    assert [cover["url"] for cover in covers] == ["cover/test-00001.jpg", "cover/test-00002.jpg"]
    assert [cover["output_url"] for cover in covers] == [
        f"{base}/test-00001.jpg?Expires=1",
        f"{base}/test-00002.jpg?Expires=1",
    ]


def test_result_example_video_clip() -> None:
    job = job_with("VideoClip", RESULT_EXAMPLES["VideoClip"])

    assert job.result == VideoClipResult(segments=[VideoSegment(start=0.28, end=5.28)])
    assert isinstance(job.result, VideoClipResult)
    assert isinstance(job.result.segments[0].start, float)
    assert job.parse_warnings == []


def test_result_example_music_segment_detect() -> None:
    job = job_with("MusicSegmentDetect", RESULT_EXAMPLES["MusicSegmentDetect"])

    assert job.result == MusicSegmentDetectResult(
        segments=[
            MusicSegment(start=39.32, end=63.85, title="副歌"),
            MusicSegment(start=86.69, end=114.45, title="副歌"),
            MusicSegment(start=135.75, end=160.27, title="副歌"),
        ]
    )
    assert job.parse_warnings == []


def test_result_example_audio_quality_assessment_both_channels() -> None:
    job = job_with("AudioQualityAssessment", RESULT_EXAMPLES["AudioQualityAssessment"])

    assert isinstance(job.result, AudioQualityAssessmentResult)
    assert job.parse_warnings == []
    first, second = job.result.channels
    assert first.model_dump() == {
        "channel": 1,
        "mos": 1.01,
        "worst_mos": 0.38,
        "loudness_db": -0.59,
        "speech_ratio": 48.55,
        "bad_mute_ratio_pct": 0.0,
        "double_talk_ratio_pct": 19.23,
        "saturated_ratio_pct": 37.55,
        "total_duration": 42.78,
        "tag": "Valid",
        "input": "/home/admin/algo/quality****/example.wav",
        "time": "2022-12-02 16:14:06",
        "mos_grade": "Poor",
        "loudness_grade": "Excellent",
        "coloration_grade": "Bad",
        "discontinuity_grade": "Good",
        "noisiness_grade": "Good",
        "loudness_score": 4.91,
        "coloration_score": 0.99,
        "discontinuity_score": 3.52,
        "noisiness_score": 3.28,
        "worst_coloration": 0.42,
        "worst_discontinuity": 0.88,
        "worst_noisiness": 0.91,
    }
    assert second.model_dump() == {
        "channel": 2,
        "mos": 1.69,
        "worst_mos": 0.65,
        "loudness_db": -4.82,
        "speech_ratio": 41.68,
        "bad_mute_ratio_pct": 0.0,
        "double_talk_ratio_pct": 25.93,
        "saturated_ratio_pct": 0.0,
        "total_duration": 42.78,
        "tag": "Valid",
        "input": "/home/admin/algo/quality****/example.wav",
        "time": "2022-12-02 16:14:06",
        "mos_grade": "Poor",
        "loudness_grade": "Excellent",
        "coloration_grade": "Fair",
        "discontinuity_grade": "Fair",
        "noisiness_grade": "Fair",
        "loudness_score": 4.52,
        "coloration_score": 2.34,
        "discontinuity_score": 2.45,
        "noisiness_score": 2.53,
        "worst_coloration": 0.72,
        "worst_discontinuity": 0.66,
        "worst_noisiness": 0.67,
    }
    assert type(first.channel) is int
    assert type(first.mos) is float


EMPTY_RESULT_FUNCTIONS = [
    name
    for name in IPRODUCTION_FUNCTIONS
    if name not in ("Cover", "VideoClip", "MusicSegmentDetect", "AudioQualityAssessment")
]


def test_the_page_documents_every_function() -> None:
    assert set(RESULT_EXAMPLES) == set(IPRODUCTION_FUNCTIONS)
    assert len(EMPTY_RESULT_FUNCTIONS) == 10


@pytest.mark.parametrize("function_name", EMPTY_RESULT_FUNCTIONS)
def test_result_examples_of_file_only_functions_are_empty(function_name: str) -> None:
    job = job_with(function_name, RESULT_EXAMPLES[function_name])

    assert RESULT_EXAMPLES[function_name] == "{}"
    assert job.result == EmptyResult()
    assert job.result_raw == "{}"
    assert job.parse_warnings == []
    assert job.to_xcom()["result"] == {"kind": "Empty"}


def test_content_where_empty_documented_is_kept_with_warning() -> None:
    job = job_with("VideoDelogo", '{"Boxes":[1,2]}')

    assert job.result == OtherResult(data={"Boxes": [1, 2]})
    assert len(job.parse_warnings) == 1
    assert "VideoDelogo is documented to return {}" in job.parse_warnings[0]


def test_result_of_unknown_function_is_decoded_json_with_warning() -> None:
    job = job_with("NewFunction", '[{"a":1}]')

    assert job.result == OtherResult(data=[{"a": 1}])
    assert job.function_name == "NewFunction"
    assert "'NewFunction' has no typed result" in job.parse_warnings[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Success", IProductionJobStatus.SUCCESS),
        ("success", IProductionJobStatus.SUCCESS),
        ("SUCCESS", IProductionJobStatus.SUCCESS),
        ("Fail", IProductionJobStatus.FAIL),
        ("fail", IProductionJobStatus.FAIL),
        ("Queuing", IProductionJobStatus.QUEUING),
        ("queuing", IProductionJobStatus.QUEUING),
        ("Analysing", IProductionJobStatus.ANALYSING),
        ("Analyzing", IProductionJobStatus.ANALYSING),
        ("ANALYZING", IProductionJobStatus.ANALYSING),
        (" Success ", IProductionJobStatus.SUCCESS),
    ],
)
def test_status_matched_case_insensitively(raw: str, expected: IProductionJobStatus) -> None:
    job = IProductionJob.model_validate({"JobId": "j", "Status": raw})

    assert job.status is expected
    assert job.parse_warnings == []


@pytest.mark.parametrize(
    ("raw", "terminal", "succeeded", "failed"),
    [
        ("Queuing", False, False, False),
        ("Analysing", False, False, False),
        ("Success", True, True, False),
        ("Fail", True, False, True),
    ],
)
def test_status_properties(raw: str, terminal: bool, succeeded: bool, failed: bool) -> None:
    job = IProductionJob.model_validate({"JobId": "j", "Status": raw})

    assert (job.is_terminal, job.succeeded, job.failed) == (terminal, succeeded, failed)


def test_unknown_status_kept_raw_and_treated_as_running() -> None:
    job = IProductionJob.model_validate({"JobId": "j", "Status": "Paused"})

    assert job.status == "Paused"
    assert not isinstance(job.status, IProductionJobStatus)
    assert job.status_text == "Paused"
    assert (job.is_terminal, job.succeeded, job.failed) == (False, False, False)
    assert job.parse_warnings == ["Status: unknown status 'Paused'; kept as is, job treated as running"]
    assert job.to_xcom()["status"] == "Paused"


def test_missing_status_is_none_and_running() -> None:
    job = IProductionJob.model_validate({"JobId": "j"})

    assert job.status is None
    assert job.is_terminal is False
    assert job.to_xcom()["status"] is None


def test_status_of_wrong_type_kept_in_unparsed_fields() -> None:
    job = IProductionJob.model_validate({"JobId": "j", "Status": 3})

    assert job.status is None
    assert job.unparsed_fields == {"Status": 3}
    assert job.parse_warnings == ["Status: expected a string, got 3; kept as received in unparsed_fields"]


def test_unparseable_result_kept_raw_with_warning() -> None:
    job = job_with("Cover", "[{not json")

    assert job.result is None
    assert job.result_raw == "[{not json"
    assert len(job.parse_warnings) == 1
    assert job.parse_warnings[0].startswith("Result: not JSON")
    assert job.succeeded


def test_result_of_wrong_shape_kept_raw_with_warning() -> None:
    raw = '[{"Score":"high","Time":"1","Url":"a.jpg"}]'
    job = job_with("Cover", raw)

    assert job.result is None
    assert job.result_raw == raw
    assert job.parse_warnings == [
        "Result: not the documented shape for Cover (0.Score: Input should be a valid number, "
        "unable to parse string as a number); kept as received in result_raw"
    ]


def test_video_clip_without_summary_list_is_a_shape_warning() -> None:
    job = job_with("VideoClip", '{"Other":[]}')

    assert job.result is None
    assert "expected an object with VideoSummaryList" in job.parse_warnings[0]


def test_nan_in_result_is_not_accepted() -> None:
    job = job_with("MusicSegmentDetect", '[{"start":NaN,"end":1,"title":"x"}]')

    assert job.result is None
    assert job.parse_warnings[0].startswith("Result: not JSON")
    json.dumps(job.model_dump(mode="json"), allow_nan=False)


def test_result_encoded_twice_is_decoded() -> None:
    job = job_with("VideoClip", json.dumps(RESULT_EXAMPLES["VideoClip"]))

    assert job.result == VideoClipResult(segments=[VideoSegment(start=0.28, end=5.28)])


def test_empty_or_missing_result_gives_no_result_and_no_warning() -> None:
    assert job_with("Cover", "").result is None
    assert job_with("Cover", None).result is None
    assert job_with("Cover", "").parse_warnings == []


def test_new_fields_kept_with_warning() -> None:
    data = sample() | {"NewTopField": {"a": [1, 2]}}
    data["Input"] = data["Input"] | {"Region": "cn-shanghai"}
    job = IProductionJob.model_validate(data)

    assert job.unparsed_fields == {"NewTopField": {"a": [1, 2]}, "Input.Region": "cn-shanghai"}
    assert job.input == IProductionJobInput(type="OSS", media="oss://bucket/object")
    assert sorted(job.parse_warnings) == [
        "Input.Region: field not known to this version of airflow_ice; kept as received in unparsed_fields",
        "NewTopField: field not known to this version of airflow_ice; kept as received in unparsed_fields",
    ]


def test_wrong_types_in_optional_fields_kept_raw() -> None:
    job = IProductionJob.model_validate(
        {
            "JobId": "j",
            "Name": 12,
            "CreateTime": "yesterday",
            "FinishTime": 1700000000,
            "Input": "oss://b/x.mp4",
            "OutputFiles": "output/a.mp4",
            "OutputUrls": [1, "x"],
            "ScheduleConfig": {"PipelineId": "p", "Priority": "high"},
            "JobParams": {"Model": "gif"},
            "UserData": None,
        }
    )

    assert (job.name, job.create_time, job.finish_time, job.input, job.job_params) == (None,) * 5
    assert job.output_files == []
    assert job.output_urls == []
    assert job.schedule_config == IProductionScheduleInfo(pipeline_id="p", priority=None)
    assert job.user_data is None
    assert job.unparsed_fields == {
        "Name": 12,
        "CreateTime": "yesterday",
        "FinishTime": 1700000000,
        "Input": "oss://b/x.mp4",
        "OutputFiles": "output/a.mp4",
        "OutputUrls": [1, "x"],
        "ScheduleConfig.Priority": "high",
        "JobParams": {"Model": "gif"},
    }
    assert len(job.parse_warnings) == 8


def test_times_with_offset_or_none_are_converted_to_utc() -> None:
    job = IProductionJob.model_validate(
        {"JobId": "j", "CreateTime": "2022-07-07T15:16:11+08:00", "FinishTime": "2022-07-07 07:16:11"}
    )

    assert job.create_time == datetime(2022, 7, 7, 7, 16, 11, tzinfo=timezone.utc)
    assert job.create_time.tzinfo is timezone.utc
    assert job.finish_time == datetime(2022, 7, 7, 7, 16, 11, tzinfo=timezone.utc)
    assert job.to_xcom()["create_time"] == "2022-07-07T07:16:11Z"


def test_job_params_not_json_kept_as_text() -> None:
    job = IProductionJob.model_validate({"JobId": "j", "JobParams": "Model=gif"})

    assert job.job_params == "Model=gif"
    assert job.job_params_decoded is None
    assert job.parse_warnings == ["JobParams: not JSON; kept as received in job_params only"]


def test_python_names_accepted() -> None:
    job = IProductionJob(job_id="j", status="analyzing", function_name="Cover", result_raw="[]")

    assert job.status is IProductionJobStatus.ANALYSING
    assert job.result == CoverResult(covers=[])


def test_integer_job_id_is_text() -> None:
    assert IProductionJob.model_validate({"JobId": 42}).job_id == "42"


@pytest.mark.parametrize("body", [{"Status": "Success"}, {"JobId": ""}, {"JobId": None}, {"JobId": ["x"]}])
def test_body_without_job_id_raises_validation_error(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as raised:
        IProductionJob.model_validate(body)
    assert raised.value.errors()[0]["loc"] == ("JobId",)


@pytest.mark.parametrize("body", [None, [], "text", 3])
def test_body_not_an_object_raises_validation_error(body: object) -> None:
    with pytest.raises(ValidationError):
        IProductionJob.model_validate(body)


def test_from_response_raises_ice_response_error() -> None:
    with pytest.raises(IceResponseError) as raised:
        IProductionJob.from_response(["not", "an", "object"])
    assert raised.value.action == "QueryIProductionJob"
    assert raised.value.detail == "the body is not a JSON object"
    assert raised.value.raw == '["not", "an", "object"]'

    with pytest.raises(IceResponseError, match="JobId: Field required"):
        IProductionJob.from_response({"RequestId": "r"})


def test_from_response_parses_a_job() -> None:
    assert IProductionJob.from_response(sample()) == IProductionJob.model_validate(sample())


def test_model_dump_json_safe_and_round_trips() -> None:
    data = sample() | {
        "Result": RESULT_EXAMPLES["AudioQualityAssessment"],
        "FunctionName": "AudioQualityAssessment",
    }
    data |= {"Status": "Paused", "Extra": [1, {"b": None}], "OutputUrls": "bad"}
    job = IProductionJob.model_validate(data)

    dumped = job.model_dump(mode="json")
    assert json.loads(json.dumps(dumped, allow_nan=False)) == dumped
    assert IProductionJob.model_validate(dumped) == job
    assert IProductionJob.model_validate(job.model_dump()) == job
    assert IProductionJob.model_validate(job.model_dump(by_alias=True)) == job
