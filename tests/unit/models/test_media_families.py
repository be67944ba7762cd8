"""The media job families' models: ICE's published answers parse, the unexpected is kept raw, and
requests are checked before anything is sent."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from airflow_ice.errors import IceInvalidRequestError, IceResponseError
from airflow_ice.models import (
    MediaConvertJob,
    MediaConvertJobRequest,
    MediaConvertJobStatus,
    MediaInfoJob,
    MediaProducingJob,
    MediaProducingJobRequest,
    MediaProducingJobStatus,
    SmarttagJob,
    SnapshotJob,
    SnapshotJobStatus,
    TranscodeJob,
    TranscodeJobRequest,
    TranscodeJobStatus,
    TranscodeSubJob,
    validate_request,
)
from tests.support.paths import FIXTURES

EXAMPLES = json.loads((FIXTURES / "emulator" / "published_examples.json").read_text())
OUT = {"MediaURL": "https://bucket.oss-cn-shanghai.aliyuncs.com/out.mp4"}


def test_media_producing_job_parses_the_published_example() -> None:
    # Only the part of ICE's sample the stored page showed (see the fixture's _sources): no Status.
    job = MediaProducingJob.from_response(EXAMPLES["GetMediaProducingJob"])

    assert job.parse_warnings == []
    assert job.unparsed_fields == {}
    assert job.request_id == "****83B7-7F87-4792-BFE9-63CD2137****"
    assert job.job_id == "****cdb3e74639973036bc84****"
    assert job.project_id == "****fddd7748b58bf1d47e95****"
    assert job.media_id == "****0cc6ba49eab379332c5b****"
    assert job.media_url == "http://example-bucket.oss-cn-shanghai.aliyuncs.com/example2.mp4"
    assert job.template_id == "****6e76134d739cc3e85d3e****"
    # The JSON-text fields stay text, exactly as sent.
    assert json.loads(job.timeline or "") == {
        "VideoTracks": [
            {
                "VideoTrackClips": [
                    {"MediaId": "****4d7cf14dc7b83b0e801c****"},
                    {"MediaId": "****4d7cf14dc7b83b0e801c****"},
                ]
            }
        ]
    }
    assert json.loads(job.clips_param or "") == {"VideoArray": ["****05512043f49f697f7425****"] * 3}
    assert job.status is None
    assert not job.is_terminal  # no status: still running
    xcom = job.to_xcom()
    assert json.loads(json.dumps(xcom)) == xcom
    assert (xcom["job_id"], xcom["media_url"], xcom["media_id"], xcom["project_id"]) == (
        job.job_id,
        job.media_url,
        job.media_id,
        job.project_id,
    )
    # A dump validates back to the same job (the trigger event and XCom carry dumps).
    assert MediaProducingJob.model_validate(job.model_dump()) == job


def test_media_producing_job_reads_the_documented_figures_and_times() -> None:
    # The published sample with the fields the page's response table documents past the part
    # shown (Duration 30.500000, CreateTime, CompleteTime), and Status as the SDK names it.
    published = EXAMPLES["GetMediaProducingJob"]
    answer = {
        **published,
        "MediaProducingJob": {
            **published["MediaProducingJob"],
            "Duration": 30.5,
            "CreateTime": "2020-12-23T13:33:40Z",
            "CompleteTime": "2020-12-23T13:33:52Z",
            "Status": "Success",
        },
    }

    job = MediaProducingJob.from_response(answer)

    assert job.parse_warnings == []
    assert job.status is MediaProducingJobStatus.SUCCESS
    assert job.succeeded
    assert job.duration == 30.5
    assert job.create_time == datetime(2020, 12, 23, 13, 33, 40, tzinfo=timezone.utc)
    assert job.complete_time == datetime(2020, 12, 23, 13, 33, 52, tzinfo=timezone.utc)
    xcom = job.to_xcom()
    assert (xcom["status"], xcom["duration"], xcom["complete_time"]) == (
        "Success",
        30.5,
        "2020-12-23T13:33:52+00:00",
    )
    assert MediaProducingJob.model_validate(job.model_dump()) == job


def test_media_producing_job_keeps_the_unexpected_raw() -> None:
    body: dict[str, Any] = {
        "RequestId": "r",
        "MediaProducingJob": {
            "JobId": "j1",
            "Status": "Rendering",
            "Duration": "long",
            "Progress": "50",
            "NewField": {"x": 1},
        },
    }

    job = MediaProducingJob.from_response(body)

    assert job.status == "Rendering"
    assert not job.is_terminal
    assert job.progress == 50
    assert job.duration is None
    assert job.unparsed_fields == {"Duration": "long", "NewField": {"x": 1}}
    assert any("unknown status 'Rendering'" in warning for warning in job.parse_warnings)


def test_an_answer_without_a_job_is_an_unusable_answer() -> None:
    with pytest.raises(IceResponseError, match="GetMediaProducingJob"):
        MediaProducingJob.from_response({"RequestId": "r", "MediaProducingJob": "gone"})


def test_media_producing_request_places_timeline_in_the_body() -> None:
    request = validate_request(
        MediaProducingJobRequest,
        {
            "timeline": {"VideoTracks": []},
            "output_media_config": OUT,
            "user_data": {"a": 1},
            "client_token": "t",
        },
    )

    assert request.to_body() == {"Timeline": '{"VideoTracks":[]}'}
    assert request.to_query() == {
        "OutputMediaConfig": json.dumps(OUT, separators=(",", ":")),
        "UserData": '{"a":1}',
        "ClientToken": "t",
    }
    assert request.output_media_url == OUT["MediaURL"]


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"timeline": None}, "exactly one of timeline, template_id or project_id"),
        ({"project_id": "p1"}, "got timeline, project_id"),
        ({"timeline": None, "template_id": "t1"}, "clips_param (ClipsParam) is required with template_id"),
        ({"output_media_config": {"Width": 1}}, "needs MediaURL"),
        ({"output_media_config": "[1]"}, "must be a JSON object"),
        ({"output_media_target": "vod-media"}, "needs StorageLocation and FileName"),
        ({"client_token": "t" * 65}, "ClientToken"),
        ({"client_token": "tök"}, "ClientToken"),
        ({"user_data": {"n": "é" * 300}}, "UserData"),
        ({"source": "Cli"}, "Source"),
        ({"timelines": {}}, "timelines"),
    ],
)
def test_bad_media_producing_requests_are_named(changes: dict[str, Any], named: str) -> None:
    data = {"timeline": {"VideoTracks": []}, "output_media_config": OUT, **changes}

    with pytest.raises(IceInvalidRequestError, match="MediaProducingJobRequest") as raised:
        validate_request(MediaProducingJobRequest, {k: v for k, v in data.items() if v is not None})
    assert named in str(raised.value)


# Shaped after the official SDK's GetMediaConvertJobResponseBody (field names and nesting): no
# stored copy of the reference page showed ICE's published sample (see the fixture's _sources).
CONVERT_ANSWER: dict[str, Any] = {
    "RequestId": "31E30781-9495-5E2D-A84D-759B0A01E262",
    "Job": {
        "JobId": "ab4802364a2e49208c99efab82dfa8e8",
        "ClientToken": "86f8e525-9d73-4dac-88aa-8d9a5a5c8ef5",
        "State": "Complete",
        "Percent": 100,
        "PipelineId": "ee7a2e1bc3f146c39e7ea4e11ec35b86",
        "UserData": '{"k":1}',
        "CreateTime": "2024-07-18T03:16:29Z",
        "FinishTime": "2024-07-18T03:17:10Z",
        "Config": {"Inputs": [{"Name": "in", "InputFile": {"Type": "OSS", "Media": "oss://b/in.mp4"}}]},
        "OutputDetails": [
            {
                "Name": "mp4",
                "Status": "Success",
                "TaskId": "t1",
                "Result": {
                    "OutputFile": {
                        "Type": "OSS",
                        "Media": "oss://b/out.mp4",
                        "Url": "https://b.oss-cn-shanghai.aliyuncs.com/out.mp4",
                    },
                    "OutFileMeta": {"FileBasicInfo": {"Duration": "10.0"}},
                },
            }
        ],
        "OutputGroupDetails": [
            {
                "Name": "hls",
                "Status": "Failed",
                "Code": "TemplateNotFound",
                "Outputs": [{"Name": "720p", "Status": "Failed", "Code": "TemplateNotFound"}],
            }
        ],
    },
}


def test_media_convert_job_parses_the_sdk_shaped_answer() -> None:
    job = MediaConvertJob.from_response(CONVERT_ANSWER)

    assert job.parse_warnings == []
    assert job.status is MediaConvertJobStatus.COMPLETE
    assert job.succeeded
    assert job.output_urls == ["https://b.oss-cn-shanghai.aliyuncs.com/out.mp4"]
    assert job.output_group_details[0].outputs[0].code == "TemplateNotFound"
    assert job.failure_detail == "output hls: TemplateNotFound"
    xcom = job.to_xcom()
    assert json.loads(json.dumps(xcom)) == xcom
    assert xcom["output_groups"][0]["outputs"][0]["status"] == "Failed"
    assert MediaConvertJob.model_validate(job.model_dump()) == job


def test_media_convert_job_keeps_its_own_request_id() -> None:
    # The example values of GetMediaConvertJob's response table: the job carries the RequestId of
    # the submit that made it, beside the answer's own.
    answer = {
        "RequestId": "4BAEA8E8-1C16-5CD3-AC50-CCBA81A53402",
        "Job": {
            "RequestId": "******11-DB8D-4A9A-875B-275798******",
            "ClientToken": "780018cb-55ba-466d-8acc-946c0c319a0e",
            "JobId": "******4579b5e748b99a27f6d6******",
            "Config": {"JobName": "job-1-20241205-102045"},
            "PipelineId": "83500cb2a3b94fabb0956e38d64bd16d",
            "UserData": '{"videoId":"ddd333"}',
            "State": "Complete",
        },
    }

    job = MediaConvertJob.from_response(answer)

    assert job.parse_warnings == []
    assert job.request_id == "4BAEA8E8-1C16-5CD3-AC50-CCBA81A53402"
    assert job.submit_request_id == "******11-DB8D-4A9A-875B-275798******"
    assert (job.job_id, job.client_token, job.pipeline_id) == (
        "******4579b5e748b99a27f6d6******",
        "780018cb-55ba-466d-8acc-946c0c319a0e",
        "83500cb2a3b94fabb0956e38d64bd16d",
    )
    assert job.config == {"JobName": "job-1-20241205-102045"}
    assert job.succeeded
    assert MediaConvertJob.model_validate(job.model_dump()) == job


def test_a_job_field_named_like_the_answers_is_kept_raw() -> None:
    job = SnapshotJob.from_response(
        {"RequestId": "answer", "SnapshotJob": {"JobId": "j", "RequestId": "submit", "Status": "Init"}}
    )

    assert job.request_id == "answer"
    assert job.unparsed_fields == {"SnapshotJob.RequestId": "submit"}


@pytest.mark.parametrize(
    ("state", "terminal", "failed"),
    [("Cancelled", True, True), ("Error", True, True), ("Queued", False, False)],
)
def test_media_convert_end_states(state: str, terminal: bool, failed: bool) -> None:
    job = MediaConvertJob.from_response({"Job": {"JobId": "j", "State": state}})

    assert job.is_terminal is terminal
    assert job.failed is failed
    assert job.status_text == state


def test_media_convert_job_keeps_unreadable_lists_raw() -> None:
    job = MediaConvertJob.from_response(
        {"Job": {"JobId": "j", "State": "Running", "OutputDetails": "oops", "Config": 3}}
    )

    assert job.output_details == []
    assert job.unparsed_fields == {"Config": 3}
    assert any("OutputDetails: not JSON" in warning for warning in job.parse_warnings)


HLS_GROUP_CONFIG = {
    "Type": "Hls",
    "ManifestName": "master",
    "OutputFileBase": {"Type": "OSS", "Media": "oss://bucket/out/hls/"},
}


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"Inputs": []}, "Config.Inputs"),
        (
            {
                "Inputs": [{"Name": "in", "InputFile": {"Type": "Disk", "Media": "x"}}],
                "Outputs": [{"Name": "o"}],
            },
            "Config.Inputs[0].InputFile.Type",
        ),
        (
            {"Inputs": [{"Name": "in", "InputFile": {"Type": "OSS", "Media": "x"}}]},
            "give at least one of Outputs and OutputGroups",
        ),
        (
            {
                "Inputs": [{"Name": "in", "InputFile": {"Type": "OSS", "Media": "x"}}],
                "OutputGroups": [{"Name": "g", "GroupConfig": HLS_GROUP_CONFIG, "Outputs": []}],
            },
            "Config.OutputGroups[0].Outputs",
        ),
        (
            {
                "Inputs": [{"Name": "in", "InputFile": {"Type": "OSS", "Media": "x"}}],
                "OutputGroups": [
                    {"Name": "g", "GroupConfig": {"Type": "Hls"}, "Outputs": [{"Name": "720p"}]}
                ],
            },
            "Config.OutputGroups[0].GroupConfig.OutputFileBase",
        ),
        (
            {
                "Inputs": [{"Name": "in", "InputFile": {"Type": "OSS", "Media": "x"}}],
                "OutputGroups": [
                    {
                        "Name": "g",
                        "GroupConfig": {**HLS_GROUP_CONFIG, "Type": "HLS"},
                        "Outputs": [{"Name": "o"}],
                    }
                ],
            },
            "Config.OutputGroups[0].GroupConfig.Type",
        ),
        (
            {
                "Inputs": [{"Name": "in", "InputFile": {"Type": "OSS", "Media": "x"}}],
                "Outputs": [{"Name": "o", "Priority": 11}],
            },
            "Config.Outputs[0].Priority",
        ),
    ],
)
def test_bad_media_convert_configs_are_named(config: dict[str, Any], named: str) -> None:
    with pytest.raises(IceInvalidRequestError) as raised:
        validate_request(MediaConvertJobRequest, {"config": config})
    assert named in str(raised.value)


def test_media_convert_request_sends_config_as_json_with_unchecked_settings_kept() -> None:
    config = {
        "Inputs": [{"Name": "in", "InputFile": {"Type": "OSS", "Media": "oss://b/in.mp4"}}],
        "Outputs": [
            {"Name": "o", "OutputFile": {"Type": "OSS", "Media": "oss://b/o.mp4"}, "Features": {"x": 1}}
        ],
    }

    query = validate_request(
        MediaConvertJobRequest, {"config": json.dumps(config), "client_token": "t"}
    ).to_query()

    assert json.loads(query["Config"]) == config
    assert query["ClientToken"] == "t"


def test_media_convert_request_takes_groups_shaped_like_the_sdk_model() -> None:
    config = {
        "Inputs": [{"Name": "in", "InputFile": {"Type": "OSS", "Media": "oss://b/in.mp4"}}],
        "OutputGroups": [
            {
                "Name": "hls",
                "GroupConfig": HLS_GROUP_CONFIG,
                "Outputs": [{"Name": "720p", "OutputFileName": "video-720p", "TemplateId": "t1"}],
            }
        ],
    }

    request = validate_request(MediaConvertJobRequest, {"config": config})

    assert json.loads(request.to_query()["Config"]) == config
    assert request.output_urls == ["oss://bucket/out/hls/"]


def test_snapshot_job_parses_the_published_example() -> None:
    job = SnapshotJob.from_response(EXAMPLES["GetSnapshotJob"])

    assert job.parse_warnings == []
    assert job.unparsed_fields == {}
    assert job.request_id == "******11-DB8D-4A9A-875B-275798******"
    assert job.job_id == "****d80e4e4044975745c14b****"
    assert job.status is SnapshotJobStatus.SUCCESS
    assert job.succeeded
    assert (job.name, job.type, job.count, job.is_async) == ("测试任务", "Sprite", 8, True)
    assert (job.trigger_source, job.template_id, job.pipeline_id) == (
        "API",
        "****d80e4e4044975745c14b****",
        "****d80e4e4044975745c14b****",
    )
    assert json.loads(job.template_config or "") == {
        "Type": "Normal",
        "FrameType": "normal",
        "Time": 0,
        "Count": 10,
    }
    assert job.input == {
        "Type": "OSS",
        "Media": "oss://test-bucket/object.mp4",
        "OssFile": {"Bucket": "test-bucket", "Location": "oss-cn-shanghai", "Object": "object.mp4"},
    }
    assert job.output == {
        "Type": "OSS",
        "Media": "http://test-bucket.oss-cn-shanghai.aliyuncs.com/output-{Count}.jpg",
        "OssFile": {"Bucket": "test-bucket", "Location": "oss-cn-shanghai", "Object": "output-{Count}.jpg"},
    }
    # The sample fills Code and Message although the job succeeded: read, not taken as a failure.
    assert (job.code, job.message) == (
        "ResourceNotFound",
        'The specified resource for "Pipeline" could not be found.',
    )
    assert job.user_data == '{"test parameter": "test value"}'
    assert job.create_time == job.submit_time == datetime(2022, 7, 12, 16, 17, 54, tzinfo=timezone.utc)
    assert job.finish_time == job.modified_time == datetime(2022, 7, 12, 16, 30, 54, tzinfo=timezone.utc)
    assert job.output_url is None  # eight numbered files: no single URL
    xcom = job.to_xcom()
    assert xcom == {
        "job_id": "****d80e4e4044975745c14b****",
        "status": "Success",
        "type": "Sprite",
        "count": 8,
        "output_media": "http://test-bucket.oss-cn-shanghai.aliyuncs.com/output-{Count}.jpg",
        "output_url": None,
        "code": "ResourceNotFound",
        "message": 'The specified resource for "Pipeline" could not be found.',
        "user_data": '{"test parameter": "test value"}',
        "create_time": "2022-07-12T16:17:54+00:00",
        "finish_time": "2022-07-12T16:30:54+00:00",
    }
    assert json.loads(json.dumps(xcom)) == xcom
    assert SnapshotJob.model_validate(job.model_dump()) == job


# Shaped after the official SDK's GetSnapshotJobResponseBody.
SNAPSHOT_ANSWER: dict[str, Any] = {
    "RequestId": "25818875-5F78-4A13-BEF6-D7393642CA58",
    "SnapshotJob": {
        "JobId": "ccaa3d4f0f774a8ea3d8a1f53fd1c6f4",
        "Name": "SampleJob",
        "Status": "Success",
        "Type": "Normal",
        "Count": 1,
        "Async": True,
        "TemplateId": "S00000001-100020",
        "TriggerSource": "API",
        "Input": {"Type": "OSS", "Media": "oss://test-bucket/object.mp4"},
        "Output": {
            "Type": "OSS",
            "Media": "oss://test-bucket/snap.jpg",
            "OssFile": {"Bucket": "test-bucket", "Location": "oss-cn-shanghai", "Object": "snap.jpg"},
        },
        "CreateTime": "2022-07-12T16:17:54Z",
        "FinishTime": "2022-07-12T16:17:56Z",
    },
}


def test_snapshot_job_parses_the_sdk_shaped_answer() -> None:
    job = SnapshotJob.from_response(SNAPSHOT_ANSWER)

    assert job.parse_warnings == []
    assert job.succeeded
    assert job.is_async is True
    assert job.output_url == "https://test-bucket.oss-cn-shanghai.aliyuncs.com/snap.jpg"
    assert job.to_xcom()["output_media"] == "oss://test-bucket/snap.jpg"
    assert SnapshotJob.model_validate(job.model_dump()) == job


def test_several_snapshots_have_no_single_output_url() -> None:
    answer = {"SnapshotJob": {**SNAPSHOT_ANSWER["SnapshotJob"], "Count": 5}}
    answer["SnapshotJob"]["Output"] = {
        "Type": "OSS",
        "Media": "https://b.oss-cn-shanghai.aliyuncs.com/s-{Count}.jpg",
    }

    job = SnapshotJob.from_response(answer)

    assert job.output_url is None
    assert job.to_xcom()["output_media"].endswith("s-{Count}.jpg")


def test_snapshot_job_keeps_the_unexpected_raw() -> None:
    job = SnapshotJob.from_response(
        {"SnapshotJob": {"JobId": "j", "Status": "Snapping", "Async": "yes", "Count": "x"}}
    )

    assert not job.is_terminal
    assert job.status_text == "Snapping"
    assert job.unparsed_fields == {"Async": "yes", "Count": "x"}


# Shaped after the official SDK's GetMediaInfoJobResponseBody: every figure is a string. No stored
# copy of the reference page showed ICE's published sample (see the fixture's _sources).
MEDIA_INFO_ANSWER: dict[str, Any] = {
    "RequestId": "31E30781-9495-5E2D-A84D-759B0A01E262",
    "MediaInfoJob": {
        "JobId": "ab4802364a2e48d899ec3b1a4dbd2f2a",
        "Status": "Success",
        "Async": True,
        "Input": {"Type": "OSS", "Media": "oss://bucket/in.mp4"},
        "ScheduleConfig": {"PipelineId": "p1", "Priority": 5},
        "FinishTime": "2022-05-10T02:29:37Z",
        "MediaInfoProperty": {
            "FileBasicInfo": {
                "FormatName": "mov,mp4",
                "Duration": "10.0",
                "FileSize": "2035000",
                "Width": "1280",
                "Bitrate": "N/A",
            },
            "VideoStreamInfoList": [
                {
                    "Index": "0",
                    "Codec_name": "h264",
                    "Width": "1280",
                    "Height": "720",
                    "Fps": "30000/1001",
                    "Duration": "10.0",
                }
            ],
            "AudioStreamInfoList": [
                {"Index": "1", "CodecName": "aac", "Channels": "2", "SampleRate": "44100"}
            ],
        },
    },
}


def test_media_info_job_types_the_format_and_streams() -> None:
    job = MediaInfoJob.from_response(MEDIA_INFO_ANSWER)

    assert job.parse_warnings == []
    assert job.succeeded
    assert job.format is not None
    assert (job.format.duration, job.format.file_size, job.format.width) == (10.0, 2035000, 1280)
    assert job.format.bitrate is None
    assert job.format.raw["Bitrate"] == "N/A"  # kept as sent
    (video,) = job.video_streams
    assert (video.codec_name, video.width, video.height, video.fps) == ("h264", 1280, 720, "30000/1001")
    assert (job.audio_streams[0].channels, job.audio_streams[0].sample_rate) == (2, 44100)
    assert job.is_async is True
    assert job.schedule_config is not None
    assert (job.schedule_config.pipeline_id, job.schedule_config.priority) == ("p1", 5)
    xcom = job.to_xcom()
    assert json.loads(json.dumps(xcom)) == xcom
    assert xcom["video_streams"][0]["width"] == 1280
    assert MediaInfoJob.model_validate(job.model_dump()) == job


def test_media_info_job_keeps_unreadable_parts_raw() -> None:
    job = MediaInfoJob.from_response(
        {
            "MediaInfoJob": {
                "JobId": "j",
                "Status": "Fail",
                "MediaInfoProperty": {"FileBasicInfo": [1], "New": 1},
                "SubmitResultJson": {"Code": "InvalidParameter.Input", "Message": "bad"},
            }
        }
    )

    assert job.failed
    assert job.format is None
    assert job.unparsed_fields == {"MediaInfoProperty.FileBasicInfo": [1], "MediaInfoProperty.New": 1}
    assert job.failure_detail == "InvalidParameter.Input: bad"


# Shaped after the official SDK's QuerySmarttagJobResponseBody: Data is JSON in a string. No stored
# copy of the reference page showed ICE's published sample (see the fixture's _sources).
SMARTTAG_ANSWER: dict[str, Any] = {
    "RequestId": "******11-DB8D-4A9A-875B-275798******",
    "JobStatus": "Success",
    "UserData": '{"userId":123432123}',
    "Results": {
        "Result": [
            {
                "Type": "TextLabel",
                "Data": '{"title":"example-title","tags":[{"name":"category","value":"sports"}]}',
            },
            {"Type": "VideoLabel", "Data": '{"person":[{"name":"someone","score":"0.9"}]}'},
            {"Type": "VideoLabel", "Data": '{"scene":[{"name":"stadium"}]}'},
            {"Type": "ASR", "Data": "not json"},
        ]
    },
    "Usages": {"Usage": [{"Type": "VideoLabel", "Quota": 10}]},
}


def test_smarttag_job_decodes_results_by_type_and_keeps_the_unreadable_raw() -> None:
    job = SmarttagJob.from_response({**SMARTTAG_ANSWER, "JobId": "j1"})

    assert job.succeeded
    assert job.results["TextLabel"] == [
        {"title": "example-title", "tags": [{"name": "category", "value": "sports"}]}
    ]
    assert [
        item["person" if "person" in item else "scene"][0]["name"] for item in job.results["VideoLabel"]
    ] == [
        "someone",
        "stadium",
    ]
    assert "ASR" not in job.results
    assert job.unparsed_fields == {"Results.Result[3].Data": "not json"}
    assert job.usages == [{"Type": "VideoLabel", "Quota": 10}]
    xcom = job.to_xcom()
    assert xcom["result_types"] == ["TextLabel", "VideoLabel"]
    assert json.loads(json.dumps(xcom)) == xcom
    assert SmarttagJob.model_validate(job.model_dump()) == job


def test_smarttag_job_unknown_status_and_shapes_never_fail() -> None:
    job = SmarttagJob.from_response({"JobId": "j", "JobStatus": "Analysing", "Results": [1], "Extra": True})

    assert not job.is_terminal
    assert job.results == {}
    assert job.unparsed_fields == {"Results": [1], "Extra": True}


def test_transcode_sub_job_parses_the_published_example() -> None:
    # Only the first sub-job's start was visible on the stored page (see the fixture's _sources):
    # the parent's own fields, its ParentJobId among them, were not.
    example = EXAMPLES["GetTranscodeJob"]
    (item,) = example["TranscodeParentJob"]["TranscodeJobList"]
    sub_job = TranscodeSubJob.model_validate(item)

    assert (sub_job.job_id, sub_job.job_index, sub_job.name) == (
        "7d6a7e0d4db2457a8d45ff5d43e1bf0a",
        0,
        "transcode-job",
    )
    assert sub_job.parent_job_id == "8b2198504dd340b7b3c9842a74fc9baa"
    assert sub_job.create_time == "2022-01-12T08:49:41Z"
    assert sub_job.input_group == [
        {
            "Type": "OSS",
            "Media": "oss://bucket/path/to/video.mp4",
            "InputUrl": "oss://bucket/path/to/video.mp4",
        }
    ]
    assert (sub_job.process_config or {})["Transcode"]["OverwriteParams"]["Video"]["Codec"] == "H.264"
    assert sub_job.status is None
    assert not sub_job.succeeded

    # The parent, named by its sub-job's ParentJobId: no status yet, so still running, nothing written.
    job = TranscodeJob.from_response(
        {
            **example,
            "TranscodeParentJob": {**example["TranscodeParentJob"], "ParentJobId": sub_job.parent_job_id},
        }
    )
    assert job.parse_warnings == []
    assert job.unparsed_fields == {}
    assert job.request_id == "9EDC30DC-0050-5459-B788-F761B2BE359B"
    assert job.transcode_job_list == [sub_job]
    assert not job.is_terminal
    xcom = job.to_xcom()
    assert json.loads(json.dumps(xcom)) == xcom
    assert xcom["output_urls"] == []
    assert xcom["sub_jobs"] == [
        {
            "job_id": "7d6a7e0d4db2457a8d45ff5d43e1bf0a",
            "index": 0,
            "name": "transcode-job",
            "status": None,
            "output_media": None,
            "url": None,
        }
    ]
    assert TranscodeJob.model_validate(job.model_dump()) == job


# Shaped after the official SDK's GetTranscodeJobResponseBody: one sub-job succeeded (to OSS), one to
# a media asset succeeded, one failed; ICE calls the job a success.
TRANSCODE_ANSWER: dict[str, Any] = {
    "RequestId": "answer",
    "TranscodeParentJob": {
        "ParentJobId": "parent-1",
        "Status": "Success",
        "Percent": 100,
        "JobCount": 3,
        "RequestId": "submit",
        "OutputGroup": [
            {"Output": {"Type": "OSS", "Media": "oss://bucket/out/a.mp4"}},
            {"Output": {"Type": "Media", "Media": "media-b"}},
            {"Output": {"Type": "OSS", "Media": "oss://bucket/out/c.mp4"}},
        ],
        "TranscodeJobList": [
            {
                "JobId": "sub-a",
                "JobIndex": 0,
                "Status": "Success",
                "Output": {"Type": "OSS", "Media": "oss://bucket/out/a.mp4"},
                "OutFileMeta": {
                    "FileBasicInfo": {"FileUrl": "https://bucket.oss-cn-shanghai.aliyuncs.com/out/a.mp4"}
                },
            },
            {
                "JobId": "sub-b",
                "JobIndex": 1,
                "Status": "Success",
                "Output": {"Type": "Media", "Media": "media-b"},
            },
            {
                "JobId": "sub-c",
                "JobIndex": 2,
                "Name": "c",
                "Status": "Fail",
                "Output": {"Type": "OSS", "Media": "oss://bucket/out/c.mp4"},
                "SubmitResultJson": {"Code": "InvalidParameter", "Message": "bad template"},
            },
        ],
        "FinishTime": "2024-01-01T00:00:10Z",
    },
}


def test_transcode_job_outputs_are_the_successful_sub_jobs_files() -> None:
    job = TranscodeJob.from_response(TRANSCODE_ANSWER)

    assert job.parse_warnings == []
    assert (job.job_id, job.request_id, job.submit_request_id) == ("parent-1", "answer", "submit")
    assert job.status is TranscodeJobStatus.SUCCESS
    assert job.succeeded
    assert job.output_urls == ["https://bucket.oss-cn-shanghai.aliyuncs.com/out/a.mp4"]
    assert job.output_media_ids == ["media-b"]
    assert job.failure_detail == "sub-job 2 (c) Fail (InvalidParameter: bad template)"
    assert job.finish_time == datetime(2024, 1, 1, 0, 0, 10, tzinfo=timezone.utc)


def test_a_successful_transcode_job_without_sub_jobs_wrote_its_output_groups() -> None:
    parent = {
        key: value
        for key, value in TRANSCODE_ANSWER["TranscodeParentJob"].items()
        if key != "TranscodeJobList"
    }
    job = TranscodeJob.from_response({"TranscodeParentJob": parent})

    assert job.output_urls == ["oss://bucket/out/a.mp4", "oss://bucket/out/c.mp4"]
    assert job.output_media_ids == ["media-b"]


def test_transcode_job_keeps_the_unexpected_raw() -> None:
    job = TranscodeJob.from_response(
        {
            "TranscodeParentJob": {
                "ParentJobId": "p",
                "Status": "Queuing",
                "JobCount": "many",
                "TranscodeJobList": [{"JobIndex": "first"}],
                "OutputGroup": {"Output": {}},
                "Priority": 5,
            }
        }
    )

    assert not job.is_terminal
    assert job.status_text == "Queuing"
    assert job.unparsed_fields == {
        "JobCount": "many",
        "TranscodeJobList": [{"JobIndex": "first"}],
        "OutputGroup": {"Output": {}},
        "Priority": 5,
    }
    assert any("unknown status 'Queuing'" in warning for warning in job.parse_warnings)
    assert job.transcode_job_list == []


def test_a_deleted_transcode_job_has_failed() -> None:
    job = TranscodeJob.from_response({"TranscodeParentJob": {"ParentJobId": "p", "Status": "Deleted"}})

    assert job.failed
    assert job.is_terminal


def test_transcode_request_sends_the_groups_as_the_sdk_does() -> None:
    request = validate_request(
        TranscodeJobRequest,
        {
            "input_group": '[{"Type": "OSS", "Media": "oss://bucket/in.mov"}]',
            "output_group": [
                {
                    "Output": {"Type": "OSS", "Media": "oss://bucket/out.mp4"},
                    "ProcessConfig": {"Transcode": {"TemplateId": "t"}, "Encryption": {"EncryptType": "x"}},
                }
            ],
            "schedule_config": {"Priority": 3},
            "client_token": "token",
        },
    )

    query = request.to_query()
    assert json.loads(query["InputGroup"]) == [{"Type": "OSS", "Media": "oss://bucket/in.mov"}]
    assert json.loads(query["OutputGroup"])[0]["ProcessConfig"]["Encryption"] == {"EncryptType": "x"}
    assert json.loads(query["ScheduleConfig"]) == {"Priority": 3}
    assert query["ClientToken"] == "token"
    assert set(query) == {"InputGroup", "OutputGroup", "ScheduleConfig", "ClientToken"}


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"input_group": '{"Type": "OSS"}'}, "not a JSON array"),
        ({"output_group": []}, "OutputGroup"),
        ({"input_group": [{"Type": "OSS", "Media": "m", "Unknown": 1}]}, "InputGroup"),
    ],
)
def test_transcode_request_refuses_bad_groups(changes: dict[str, Any], named: str) -> None:
    fields = {
        "input_group": [{"Type": "OSS", "Media": "oss://bucket/in.mov"}],
        "output_group": [
            {
                "Output": {"Type": "OSS", "Media": "oss://b/o.mp4"},
                "ProcessConfig": {"Transcode": {"TemplateId": "t"}},
            }
        ],
    }
    with pytest.raises(IceInvalidRequestError, match=named):
        validate_request(TranscodeJobRequest, {**fields, **changes})
