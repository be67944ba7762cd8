"""The official Alibaba Cloud SDK (a client no one here wrote) works against the emulator, with the
default ACS3-HMAC-SHA256 signing, with signature 1.0 (``signature_algorithm='v2'``) and with STS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_ice20201109 import models as ice_models
from alibabacloud_ice20201109.client import Client
from alibabacloud_tea_openapi import models as open_api_models
from Tea.exceptions import TeaException

from airflow_ice.emulator.server import IceEmulator
from airflow_ice.models import MediaConvertJob, MediaInfoJob, TranscodeJob, TranscodeJobStatus
from tests.support.emulator import KEY_ID, KEY_SECRET, STS_TOKEN, ManualClock

# None: the SDK default (ACS3-HMAC-SHA256, every header signed); "v2": RPC signature 1.0 (HMAC-SHA1).
SDK_SIGNING = [None, "v2"]
WIRE_ALGORITHM = {None: "ACS3-HMAC-SHA256", "v2": "HMAC-SHA1"}


def sdk_client(emulator: IceEmulator, signature_algorithm: str | None, token: str | None = None) -> Client:
    config = open_api_models.Config(
        access_key_id=KEY_ID,
        access_key_secret=KEY_SECRET,
        security_token=token,
        endpoint=emulator.endpoint,
        protocol="http",
        region_id="cn-shanghai",
    )
    if signature_algorithm:
        config.signature_algorithm = signature_algorithm
    return Client(config)


@pytest.fixture
def clock() -> ManualClock:
    import time

    return ManualClock(time.time())


@pytest.fixture
def emulator(clock: ManualClock) -> Iterator[IceEmulator]:
    # Strict placement: each parameter is read only from where the SDK put it (query or body).
    with IceEmulator(
        access_key_id=KEY_ID, access_key_secret=KEY_SECRET, job_seconds=10, clock=clock, strict_placement=True
    ) as running:
        yield running


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_iproduction_lifecycle(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    submitted = client.submit_iproduction_job(
        ice_models.SubmitIProductionJobRequest(
            function_name="VideoClip",
            name="clip job",
            input=ice_models.SubmitIProductionJobRequestInput(type="OSS", media="oss://bucket/in/talk.mp4"),
            output=ice_models.SubmitIProductionJobRequestOutput(
                type="OSS", media="oss://bucket/out/talk.mp4"
            ),
            schedule_config=ice_models.SubmitIProductionJobRequestScheduleConfig(
                pipeline_id="p1", priority=7
            ),
            job_params='{"Model":"gif"}',
            user_data='{"tag":"sdk"}',
        )
    )
    assert submitted.status_code == 200
    job_id = submitted.body.job_id

    running = client.query_iproduction_job(ice_models.QueryIProductionJobRequest(job_id=job_id)).body
    assert running.status == "Queuing"
    assert running.schedule_config.priority == 7
    clock.advance(11)
    done = client.query_iproduction_job(ice_models.QueryIProductionJobRequest(job_id=job_id)).body
    assert done.status == "Success"
    assert done.name == "clip job"
    assert done.user_data == '{"tag":"sdk"}'
    assert done.input.media == "oss://bucket/in/talk.mp4"
    assert done.output_files == ["out/talk.mp4"]
    assert "VideoSummaryList" in done.result

    second = client.submit_iproduction_job(
        ice_models.SubmitIProductionJobRequest(
            function_name="Cover",
            input=ice_models.SubmitIProductionJobRequestInput(type="OSS", media="oss://bucket/in/a.mp4"),
            output=ice_models.SubmitIProductionJobRequestOutput(type="OSS", media="oss://bucket/out/"),
        )
    ).body.job_id
    cancel = client.cancel_iproduction_job(ice_models.CancelIProductionJobRequest(job_id=second))
    assert cancel.status_code == 200
    assert (
        client.query_iproduction_job(ice_models.QueryIProductionJobRequest(job_id=second)).body.status
        == "Fail"
    )
    counters = emulator.counters()
    assert counters.jobs_submitted["SubmitIProductionJob"] == 2
    assert not counters.auth_failures
    assert counters.signatures == {WIRE_ALGORITHM[signature_algorithm]: 6}


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_yike_storyboard_lifecycle(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    job_id = client.submit_yike_storyboard_job(
        ice_models.SubmitYikeStoryboardJobRequest(
            file_url="oss://bucket/novel-fail.txt",
            source_type="Novel",
            shot_split_mode="firstPersonNarration",
            style_id="Ghibli",
            title="我的故事",
            aspect_ratio="9:16",
            resolution="1080P",
            skip_failure_shot=True,
            model_params='{"AudioEnable": false}',
        )
    ).body.job_id
    job = client.get_yike_storyboard_job(ice_models.GetYikeStoryboardJobRequest(job_id=job_id)).body
    assert job.job_status == "Running"
    assert job.job_params.style_id == "Ghibli"
    assert job.job_params.title == "我的故事"
    clock.advance(11)
    failed = client.get_yike_storyboard_job(ice_models.GetYikeStoryboardJobRequest(job_id=job_id)).body
    assert failed.job_status == "Failed"
    resumed = client.resume_yike_storyboard_job(ice_models.ResumeYikeStoryboardJobRequest(job_id=job_id))
    assert resumed.status_code == 200
    assert client.get_yike_storyboard_job(
        ice_models.GetYikeStoryboardJobRequest(job_id=job_id)
    ).body.job_status == ("Running")
    clock.advance(11)
    succeeded = client.get_yike_storyboard_job(ice_models.GetYikeStoryboardJobRequest(job_id=job_id)).body
    assert succeeded.job_status == "Succeeded"
    assert succeeded.job_result.output_url.startswith("https://bucket.oss-cn-shanghai.aliyuncs.com/")
    assert succeeded.job_result.success_storyboard_ids.count("st_") >= 2


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_with_sts_token(signature_algorithm: str | None) -> None:
    with IceEmulator(
        access_key_id=KEY_ID, access_key_secret=KEY_SECRET, security_token=STS_TOKEN
    ) as emulator:
        client = sdk_client(emulator, signature_algorithm, token=STS_TOKEN)
        job_id = client.submit_iproduction_job(
            ice_models.SubmitIProductionJobRequest(
                function_name="SpeechDenoise",
                input=ice_models.SubmitIProductionJobRequestInput(type="OSS", media="oss://b/in.wav"),
                output=ice_models.SubmitIProductionJobRequestOutput(type="OSS", media="oss://b/out.wav"),
            )
        ).body.job_id
        assert (
            client.query_iproduction_job(ice_models.QueryIProductionJobRequest(job_id=job_id)).body.job_id
            == job_id
        )

        stale = sdk_client(emulator, signature_algorithm, token="stale")
        with pytest.raises(TeaException) as rejected:
            stale.query_iproduction_job(ice_models.QueryIProductionJobRequest(job_id=job_id))
        assert rejected.value.code == "InvalidSecurityToken.Expired"


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_sees_ice_errors(emulator: IceEmulator, signature_algorithm: str | None) -> None:
    client = sdk_client(emulator, signature_algorithm)
    with pytest.raises(TeaException) as missing:
        client.query_iproduction_job(ice_models.QueryIProductionJobRequest(job_id="no-such-job"))
    assert missing.value.code == "JobNotFound"
    assert missing.value.status_code == 404

    wrong = Client(
        open_api_models.Config(
            access_key_id=KEY_ID,
            access_key_secret="wrong",
            endpoint=emulator.endpoint,
            protocol="http",
            signature_algorithm=signature_algorithm,
        )
    )
    with pytest.raises(TeaException) as rejected:
        wrong.query_iproduction_job(ice_models.QueryIProductionJobRequest(job_id="x"))
    assert rejected.value.code == "SignatureDoesNotMatch"
    assert rejected.value.status_code == 400


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_media_producing_lifecycle_and_client_token(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    # Strict placement: Timeline travels in the body, everything else in the query, as the SDK sends.
    client = sdk_client(emulator, signature_algorithm)
    request = ice_models.SubmitMediaProducingJobRequest(
        timeline='{"VideoTracks":[{"VideoTrackClips":[{"MediaId":"****4d7cf14dc7b83b0e801c****"}]}]}',
        output_media_config='{"MediaURL":"https://bucket.oss-cn-shanghai.aliyuncs.com/out.mp4"}',
        user_data='{"NotifyAddress":"http://xx.xx.xxx"}',
        client_token="sdk-token-1",
    )
    submitted = client.submit_media_producing_job(request).body
    again = client.submit_media_producing_job(request).body
    assert again.job_id == submitted.job_id  # same token, same job
    assert (again.project_id, again.media_id) == (submitted.project_id, submitted.media_id)
    assert emulator.counters().jobs_submitted["SubmitMediaProducingJob"] == 1
    request.user_data = '{"other":1}'
    with pytest.raises(TeaException) as mismatch:
        client.submit_media_producing_job(request)
    assert mismatch.value.code == "IdempotentParameterMismatch"

    query = ice_models.GetMediaProducingJobRequest(job_id=submitted.job_id)
    running = client.get_media_producing_job(query).body.media_producing_job
    assert running.status == "Init"
    clock.advance(11)
    done = client.get_media_producing_job(query).body.media_producing_job
    assert done.status == "Success"
    assert done.media_url == "https://bucket.oss-cn-shanghai.aliyuncs.com/out.mp4"
    assert isinstance(done.duration, float)
    assert done.progress == 100
    assert done.user_data == '{"NotifyAddress":"http://xx.xx.xxx"}'
    assert done.project_id == submitted.project_id


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_media_convert_lifecycle_and_client_token(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    config = {
        "Inputs": [{"Name": "in", "InputFile": {"Type": "OSS", "Media": "oss://bucket/in/upload.mov"}}],
        "Outputs": [
            {
                "Name": "mp4",
                "OutputFile": {"Type": "OSS", "Media": "oss://bucket/out/upload.mp4"},
                "TemplateId": "S00000001-200010",
            }
        ],
    }
    request = ice_models.SubmitMediaConvertJobRequest(
        config=json.dumps(config), pipeline_id="p1", user_data='{"k":1}', client_token="sdk-convert-1"
    )
    submitted = client.submit_media_convert_job(request).body.job
    again = client.submit_media_convert_job(request).body.job
    assert again.job_id == submitted.job_id
    assert emulator.counters().jobs_submitted["SubmitMediaConvertJob"] == 1

    query = ice_models.GetMediaConvertJobRequest(job_id=submitted.job_id)
    assert client.get_media_convert_job(query).body.job.state == "Inited"
    clock.advance(11)
    done = client.get_media_convert_job(query).body.job
    assert done.state == "Complete"
    assert done.percent == 100
    assert done.pipeline_id == "p1"
    assert done.config.inputs[0].input_file.media == "oss://bucket/in/upload.mov"
    (output,) = done.output_details
    assert output.status == "Success"
    assert output.result.output_file.url == "https://bucket.oss-cn-shanghai.aliyuncs.com/out/upload.mp4"


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_media_convert_output_groups(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    # An HLS and a DASH group shaped like the SDK's model: GroupConfig with its own Type,
    # ManifestName and OutputFileBase; the group's outputs name their files with OutputFileName.
    client = sdk_client(emulator, signature_algorithm)
    config = {
        "Inputs": [{"Name": "in", "InputFile": {"Type": "OSS", "Media": "oss://bucket/in/upload.mov"}}],
        "OutputGroups": [
            {
                "Name": "hls",
                "GroupConfig": {
                    "Type": "Hls",
                    "ManifestName": "master",
                    "OutputFileBase": {"Type": "OSS", "Media": "oss://bucket/out/hls/"},
                },
                "Outputs": [
                    {"Name": "720p", "OutputFileName": "video-720p", "TemplateId": "S00000001-100030"},
                    {"Name": "1080p", "TemplateId": "S00000001-100040"},
                ],
            },
            {
                "Name": "dash",
                "GroupConfig": {
                    "Type": "Dash",
                    "OutputFileBase": {"Type": "OSS", "Media": "oss://bucket/out/dash"},
                },
                "Outputs": [{"Name": "sd", "OutputFileName": "sd", "TemplateId": "S00000001-100050"}],
            },
        ],
    }
    job_id = client.submit_media_convert_job(
        ice_models.SubmitMediaConvertJobRequest(config=json.dumps(config))
    ).body.job.job_id
    query = ice_models.GetMediaConvertJobRequest(job_id=job_id)
    clock.advance(11)
    answer = client.get_media_convert_job(query).body
    done = answer.job
    assert done.state == "Complete"
    assert done.config.output_groups[0].group_config.output_file_base.media == "oss://bucket/out/hls/"
    assert done.config.output_groups[0].outputs[0].output_file_name == "video-720p"
    hls, dash = done.output_group_details
    assert [(o.name, o.status, o.result.output_file.url) for o in hls.outputs] == [
        ("720p", "Success", "https://bucket.oss-cn-shanghai.aliyuncs.com/out/hls/video-720p.m3u8"),
        ("1080p", "Success", "https://bucket.oss-cn-shanghai.aliyuncs.com/out/hls/1080p.m3u8"),
    ]
    assert dash.outputs[0].result.output_file.media == "oss://bucket/out/dash/sd.mpd"

    ours = MediaConvertJob.from_response(answer.to_map())
    assert ours.parse_warnings == []
    assert ours.output_urls == [
        "https://bucket.oss-cn-shanghai.aliyuncs.com/out/hls/video-720p.m3u8",
        "https://bucket.oss-cn-shanghai.aliyuncs.com/out/hls/1080p.m3u8",
        "https://bucket.oss-cn-shanghai.aliyuncs.com/out/dash/sd.mpd",
    ]


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_media_convert_group_without_an_output_directory_is_refused(
    emulator: IceEmulator, signature_algorithm: str | None
) -> None:
    config = {
        "Inputs": [{"Name": "in", "InputFile": {"Type": "OSS", "Media": "oss://bucket/in/upload.mov"}}],
        "OutputGroups": [{"Name": "hls", "GroupConfig": {"Type": "Hls"}, "Outputs": [{"Name": "720p"}]}],
    }
    with pytest.raises(TeaException) as refused:
        sdk_client(emulator, signature_algorithm).submit_media_convert_job(
            ice_models.SubmitMediaConvertJobRequest(config=json.dumps(config))
        )
    assert refused.value.code == "InvalidParameter"
    assert "Config.OutputGroups.GroupConfig.OutputFileBase.Media" in refused.value.message


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_snapshot_lifecycle(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    submitted = client.submit_snapshot_job(
        ice_models.SubmitSnapshotJobRequest(
            input=ice_models.SubmitSnapshotJobRequestInput(type="OSS", media="oss://bucket/in/talk.mp4"),
            output=ice_models.SubmitSnapshotJobRequestOutput(
                type="OSS", media="oss://bucket/snap/{Count}.jpg"
            ),
            template_config=ice_models.SubmitSnapshotJobRequestTemplateConfig(
                template_id="S00000001-100020",
                overwrite_params=ice_models.SubmitSnapshotJobRequestTemplateConfigOverwriteParams(
                    type="Normal", count=5, interval=10
                ),
            ),
            name="snaps",
            user_data='{"k":1}',
        )
    ).body
    query = ice_models.GetSnapshotJobRequest(job_id=submitted.job_id)
    assert client.get_snapshot_job(query).body.snapshot_job.status == "Init"
    clock.advance(11)
    done = client.get_snapshot_job(query).body.snapshot_job
    assert done.status == "Success"
    assert (done.type, done.count, done.async_) == ("Normal", 5, True)
    assert done.output.oss_file.bucket == "bucket"
    assert done.output.oss_file.object == "snap/{Count}.jpg"
    assert done.input.media == "oss://bucket/in/talk.mp4"


def dynamic_image_request(media: str) -> ice_models.SubmitDynamicImageJobRequest:
    return ice_models.SubmitDynamicImageJobRequest(
        input=ice_models.SubmitDynamicImageJobRequestInput(type="OSS", media=media),
        output=ice_models.SubmitDynamicImageJobRequestOutput(type="OSS", media="oss://bucket/gif/talk.gif"),
        template_config=ice_models.SubmitDynamicImageJobRequestTemplateConfig(
            template_id="S00000101-100010",
            overwrite_params=ice_models.SubmitDynamicImageJobRequestTemplateConfigOverwriteParams(
                format="gif",
                fps=10,
                time_span=ice_models.SubmitDynamicImageJobRequestTemplateConfigOverwriteParamsTimeSpan(
                    seek="00:00:02", duration="3"
                ),
            ),
        ),
        schedule_config=ice_models.SubmitDynamicImageJobRequestScheduleConfig(pipeline_id="p1", priority=5),
        name="preview",
        user_data='{"k":1}',
    )


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_dynamic_image_lifecycle(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    submitted = client.submit_dynamic_image_job(dynamic_image_request("oss://bucket/in/talk.mp4")).body
    failing = client.submit_dynamic_image_job(dynamic_image_request("oss://bucket/in/fail.mp4")).body
    query = ice_models.GetDynamicImageJobRequest(job_id=submitted.job_id)
    assert client.get_dynamic_image_job(query).body.dynamic_image_job.status == "Init"
    clock.advance(16)
    done = client.get_dynamic_image_job(query).body.dynamic_image_job
    assert (done.status, done.name, done.pipeline_id, done.user_data) == (
        "Success",
        "preview",
        "p1",
        '{"k":1}',
    )
    assert done.output_url == f"https://bucket.oss-{emulator.region}.aliyuncs.com/gif/talk.gif"
    assert done.output.oss_file.object == "gif/talk.gif"
    assert done.input.media == "oss://bucket/in/talk.mp4"
    assert json.loads(done.template_config)["Format"] == "gif"
    failed = client.get_dynamic_image_job(ice_models.GetDynamicImageJobRequest(job_id=failing.job_id))
    assert failed.body.dynamic_image_job.status == "Fail"
    assert failed.body.dynamic_image_job.code == "InvalidParameter.Input"
    assert failed.body.dynamic_image_job.output_url is None


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_transcode_lifecycle_and_client_token(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    process = ice_models.SubmitTranscodeJobRequestOutputGroupProcessConfig(
        transcode=ice_models.SubmitTranscodeJobRequestOutputGroupProcessConfigTranscode(
            template_id="S00000001-200010"
        )
    )
    request = ice_models.SubmitTranscodeJobRequest(
        input_group=[
            ice_models.SubmitTranscodeJobRequestInputGroup(type="OSS", media="oss://bucket/in/a.mov")
        ],
        output_group=[
            ice_models.SubmitTranscodeJobRequestOutputGroup(
                output=ice_models.SubmitTranscodeJobRequestOutputGroupOutput(type="OSS", media=media),
                process_config=process,
            )
            for media in ("oss://bucket/out/a-720p.mp4", "oss://bucket/out/a-480p.mp4")
        ],
        name="two sizes",
        schedule_config=ice_models.SubmitTranscodeJobRequestScheduleConfig(pipeline_id="p1", priority=6),
        user_data='{"k":1}',
        client_token="sdk-transcode-1",
    )
    submitted = client.submit_transcode_job(request).body.transcode_parent_job
    again = client.submit_transcode_job(request).body.transcode_parent_job
    assert again.parent_job_id == submitted.parent_job_id
    assert emulator.counters().jobs_submitted["SubmitTranscodeJob"] == 1

    query = ice_models.GetTranscodeJobRequest(parent_job_id=submitted.parent_job_id)
    assert client.get_transcode_job(query).body.transcode_parent_job.status == "Init"
    clock.advance(11)
    answer = client.get_transcode_job(query).body
    done = answer.transcode_parent_job
    assert (done.status, done.percent, done.job_count, done.name) == ("Success", 100, 2, "two sizes")
    assert done.schedule_config.priority == 6
    assert [job.job_index for job in done.transcode_job_list] == [0, 1]
    urls = [job.out_file_meta.file_basic_info.file_url for job in done.transcode_job_list]
    assert urls == [
        "https://bucket.oss-cn-shanghai.aliyuncs.com/out/a-720p.mp4",
        "https://bucket.oss-cn-shanghai.aliyuncs.com/out/a-480p.mp4",
    ]
    ours = TranscodeJob.from_response(answer.to_map())
    assert ours.parse_warnings == []
    assert ours.status is TranscodeJobStatus.SUCCESS
    assert ours.job_id == submitted.parent_job_id
    assert ours.output_urls == urls


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_transcode_without_a_template_is_refused(
    emulator: IceEmulator, signature_algorithm: str | None
) -> None:
    request = ice_models.SubmitTranscodeJobRequest(
        input_group=[
            ice_models.SubmitTranscodeJobRequestInputGroup(type="OSS", media="oss://bucket/in/a.mov")
        ],
        output_group=[
            ice_models.SubmitTranscodeJobRequestOutputGroup(
                output=ice_models.SubmitTranscodeJobRequestOutputGroupOutput(
                    type="OSS", media="oss://b/o.mp4"
                ),
                process_config=ice_models.SubmitTranscodeJobRequestOutputGroupProcessConfig(),
            )
        ],
    )
    with pytest.raises(TeaException) as refused:
        sdk_client(emulator, signature_algorithm).submit_transcode_job(request)
    assert refused.value.code == "InvalidParameter"
    assert "OutputGroup.ProcessConfig.Transcode.TemplateId" in refused.value.message


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_media_info_lifecycle(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    submitted = client.submit_media_info_job(
        ice_models.SubmitMediaInfoJobRequest(
            input=ice_models.SubmitMediaInfoJobRequestInput(type="OSS", media="oss://bucket/in/talk.mp4"),
            schedule_config=ice_models.SubmitMediaInfoJobRequestScheduleConfig(pipeline_id="p1", priority=5),
            name="info",
        )
    ).body.media_info_job
    query = ice_models.GetMediaInfoJobRequest(job_id=submitted.job_id)
    assert client.get_media_info_job(query).body.media_info_job.status == "Init"
    clock.advance(11)
    done = client.get_media_info_job(query).body.media_info_job
    assert done.status == "Success"
    assert done.schedule_config.priority == 5
    info = done.media_info_property
    assert info.file_basic_info.format_name.startswith("mov,mp4")
    assert (info.video_stream_info_list[0].width, info.audio_stream_info_list[0].channels) == ("1280", "2")
    # The stream fields under the SDK's names (a video stream's Codec_name, Bit_rate; SampleRate).
    (video,) = info.video_stream_info_list
    assert (video.codec_name, video.bit_rate, video.has_bframes) == ("h264", "1500.0", "2")
    assert info.audio_stream_info_list[0].sample_rate == "44100"
    ours = MediaInfoJob.from_response(client.get_media_info_job(query).body.to_map())
    assert ours.parse_warnings == []
    assert (ours.video_streams[0].codec_name, ours.video_streams[0].bit_rate) == ("h264", 1500.0)
    assert ours.audio_streams[0].sample_rate == 44100
    assert ours.schedule_config is not None
    assert (ours.schedule_config.pipeline_id, ours.schedule_config.priority, ours.is_async) == ("p1", 5, True)


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_smarttag_lifecycle(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    submitted = client.submit_smarttag_job(
        ice_models.SubmitSmarttagJobRequest(
            input=ice_models.SubmitSmarttagJobRequestInput(type="OSS", media="oss://bucket/in/match.mp4"),
            template_id="S00000101-300080",
            params='{"needOcrData":true}',
            title="match",
            user_data='{"k":1}',
            # The SDK types this Priority as a string that ICE does not use yet ("any value").
            schedule_config=ice_models.SubmitSmarttagJobRequestScheduleConfig(
                pipeline_id="p1", priority="high"
            ),
        )
    ).body
    query = ice_models.QuerySmarttagJobRequest(job_id=submitted.job_id, params='{"labelResultType":"auto"}')
    assert client.query_smarttag_job(query).body.job_status == "Submitted"
    clock.advance(11)
    done = client.query_smarttag_job(query).body
    assert done.job_status == "Success"
    assert done.user_data == '{"k":1}'
    kinds = {result.type: json.loads(result.data) for result in done.results.result}
    assert set(kinds) == {"TextLabel", "VideoLabel", "OCR"}
    assert done.usages.usage[0].quota == 10


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_asr_lifecycle(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    submitted = client.submit_asrjob(
        ice_models.SubmitASRJobRequest(
            input_file="oss://bucket/in/talk.mp4",
            editing_config='{"SentenceMaxLength":30}',
            start_time="00:00:00",
            duration="00:00:10",
            title="captions",
            user_data='{"k":1}',
        )
    ).body
    assert submitted.state == "Created"
    query = ice_models.GetSmartHandleJobRequest(job_id=submitted.job_id)
    assert client.get_smart_handle_job(query).body.state in ("Created", "Executing")
    clock.advance(11)
    done = client.get_smart_handle_job(query).body
    assert done.state == "Finished"
    assert done.smart_job_info.job_type == "ASR"
    assert done.smart_job_info.input_config.input_file == "oss://bucket/in/talk.mp4"
    assert [sentence["content"] for sentence in json.loads(done.job_result.ai_result)] == [
        "Welcome back to the match.",
        "What a goal in the last minute!",
    ]
    assert done.user_data == '{"k":1}'


def finished_smart_job(client: Any, clock: ManualClock, job_id: str) -> Any:
    """GetSmartHandleJob's answer while the job runs, then once it has finished."""
    query = ice_models.GetSmartHandleJobRequest(job_id=job_id)
    assert client.get_smart_handle_job(query).body.state in ("Created", "Executing")
    clock.advance(11)
    done = client.get_smart_handle_job(query).body
    assert done.state == "Finished", done.to_map()
    return done


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_audio_produce_lifecycle(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    submitted = client.submit_audio_produce_job(
        ice_models.SubmitAudioProduceJobRequest(
            input_config="Tonight: the derby, live.",
            editing_config='{"voice":"Siqi","format":"WAV"}',
            output_config='{"bucket":"bucket","object":"voice/intro"}',
            overwrite=True,
            title="intro",
            user_data='{"k":1}',
        )
    ).body
    assert submitted.state == "Created"
    done = finished_smart_job(client, clock, submitted.job_id)
    assert done.smart_job_info.job_type == "AudioProduce"
    assert done.job_result.media_url == "https://bucket.oss-cn-shanghai.aliyuncs.com/voice/intro.wav"
    assert done.job_result.media_id == submitted.media_id
    assert done.smart_job_info.output_config.object == "voice/intro.wav"
    assert done.user_data == '{"k":1}'


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_avatar_video_lifecycle(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    url = "https://bucket.oss-cn-shanghai.aliyuncs.com/avatar/host.webm"
    submitted = client.submit_avatar_video_job(
        ice_models.SubmitAvatarVideoJobRequest(
            input_config='{"Text":"Welcome to the highlights."}',
            editing_config='{"AvatarId":"yunqiao"}',
            output_config=json.dumps({"MediaURL": url}),
            title="host",
        )
    ).body
    done = finished_smart_job(client, clock, submitted.job_id)
    assert done.smart_job_info.job_type == "AvatarVideo"
    assert done.job_result.media_url == url
    assert done.job_result.media_id == submitted.media_id
    assert json.loads(done.job_result.ai_result)["SubtitleClips"][0]["text"] == "Welcome to the highlights."


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_video_translation_lifecycle_and_its_client_token(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    url = "https://bucket.oss-cn-shanghai.aliyuncs.com/out/talk-en.mp4"
    request = ice_models.SubmitVideoTranslationJobRequest(
        input_config='{"Type":"Video","Video":"oss://bucket/in/talk.mp4"}',
        editing_config='{"SourceLanguage":"zh","TargetLanguage":"en"}',
        output_config=json.dumps({"MediaURL": url}),
        client_token="translation-1",
    )
    submitted = client.submit_video_translation_job(request).body
    assert submitted.success is True
    again = client.submit_video_translation_job(request).body
    assert again.data.job_id == submitted.data.job_id
    assert emulator.counters().jobs_submitted["SubmitVideoTranslationJob"] == 1
    done = finished_smart_job(client, clock, submitted.data.job_id)
    assert done.smart_job_info.job_type == "VideoTranslation"
    assert done.smart_job_info.input_config.input_file == "oss://bucket/in/talk.mp4"
    assert done.job_result.media_url == url


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_highlight_extraction_lifecycle(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    submitted = client.submit_highlight_extraction_job(
        ice_models.SubmitHighlightExtractionJobRequest(
            input_config='{"MediaArray":[{"MediaId":"m1"}],"Strategy":{"Count":2,"ClipDuration":15}}',
            output_config='{"NeedExport":true,"Bucket":"bucket","ObjectKey":"clips/goal_{index}.mp4"}',
            client_token="highlights-1",
        )
    ).body
    done = finished_smart_job(client, clock, submitted.job_id)
    assert done.smart_job_info.job_type == "HighlightExtraction"
    clips = json.loads(done.job_result.ai_result)["Highlights"]
    assert [clip["OutputURL"] for clip in clips] == [
        "https://bucket.oss-cn-shanghai.aliyuncs.com/clips/goal_1.mp4",
        "https://bucket.oss-cn-shanghai.aliyuncs.com/clips/goal_2.mp4",
    ]


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_segmentation_lifecycle(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    submitted = client.submit_segmentation_job(
        ice_models.SubmitSegmentationJobRequest(
            input_config='{"Type":"OSS","Media":"oss://bucket/in/match.mp4"}',
            job_params='{"Mode":"UserDefined","Ranges":[{"In":0,"Out":10},{"In":20,"Out":30}]}',
            client_token="segments-1",
        )
    ).body
    done = finished_smart_job(client, clock, submitted.job_id)
    assert done.smart_job_info.job_type == "Segmentation"
    assert done.smart_job_info.input_config.input_file == "oss://bucket/in/match.mp4"
    assert json.loads(done.job_result.ai_result)["Segments"] == [
        {"In": 0.0, "Out": 10.0},
        {"In": 20.0, "Out": 30.0},
    ]


def test_get_smart_handle_job_reads_every_smart_kind_from_one_store(emulator: IceEmulator) -> None:
    """One GetSmartHandleJob answers the jobs of each smart submit: a job made by one submit is
    read with its own kind's type, and an id no submit made is ICE's not-found error."""
    client = sdk_client(emulator, None)
    asr = client.submit_asrjob(ice_models.SubmitASRJobRequest(input_file="oss://bucket/in/a.mp4")).body
    voice = client.submit_audio_produce_job(
        ice_models.SubmitAudioProduceJobRequest(
            input_config="hello there", editing_config="{}", output_config='{"bucket":"b","object":"o"}'
        )
    ).body
    types = {
        job_id: client.get_smart_handle_job(
            ice_models.GetSmartHandleJobRequest(job_id=job_id)
        ).body.smart_job_info.job_type
        for job_id in (asr.job_id, voice.job_id)
    }
    assert types == {asr.job_id: "ASR", voice.job_id: "AudioProduce"}
    with pytest.raises(TeaException) as missing:
        client.get_smart_handle_job(ice_models.GetSmartHandleJobRequest(job_id="no-such-job"))
    assert missing.value.code == "JobNotFound"


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_video_cognition_lifecycle(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    submitted = client.submit_video_cognition_job(
        ice_models.SubmitVideoCognitionJobRequest(
            input=ice_models.SubmitVideoCognitionJobRequestInput(
                type="OSS", media="oss://bucket/in/talk.mp4"
            ),
            template_id="S00000101-300080",
            title="labels",
        )
    ).body
    query = ice_models.QueryVideoCognitionJobRequest(job_id=submitted.job_id)
    assert client.query_video_cognition_job(query).body.job_status in ("Submitted", "Processing")
    clock.advance(11)
    done = client.query_video_cognition_job(query).body
    assert done.job_status == "Success"
    assert {result.type for result in done.results.result} == {"TextLabel", "VideoLabel", "OCR"}


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_batch_media_producing_lifecycle(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    request = ice_models.SubmitBatchMediaProducingJobRequest(
        input_config=json.dumps(
            {"MediaGroupArray": [{"GroupName": "g", "MediaArray": ["oss://b/in/a.mp4"]}]}
        ),
        output_config=json.dumps(
            {"MediaURL": "https://b.oss-cn-shanghai.aliyuncs.com/v_{index}.mp4", "Count": 2}
        ),
        client_token="batch-token-1",
    )
    submitted = client.submit_batch_media_producing_job(request).body
    # ICE answers the same token with the job it made.
    assert client.submit_batch_media_producing_job(request).body.job_id == submitted.job_id
    query = ice_models.GetBatchMediaProducingJobRequest(job_id=submitted.job_id)
    assert client.get_batch_media_producing_job(query).body.editing_batch_job.status == "Init"
    clock.advance(11)
    done = client.get_batch_media_producing_job(query).body.editing_batch_job
    assert done.status == "Finished"
    assert [(video.status, video.media_url) for video in done.sub_job_list] == [
        ("Success", "https://b.oss-cn-shanghai.aliyuncs.com/v_1.mp4"),
        ("Success", "https://b.oss-cn-shanghai.aliyuncs.com/v_2.mp4"),
    ]


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_media_censor_lifecycle(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    cover = {"Bucket": "bucket", "Location": "oss-cn-shanghai", "Object": "covers/review-me.jpg"}
    submitted = client.submit_media_censor_job(
        ice_models.SubmitMediaCensorJobRequest(
            input=ice_models.SubmitMediaCensorJobRequestInput(type="OSS", media="oss://bucket/in/match.mp4"),
            output="oss://bucket/censor/frame-{Count}.jpg",
            title="block this title",
            description="a fine description",
            barrages="what a goal",
            cover_images=json.dumps([cover]),
            notify_url="https://example.com/notify",
            user_data='{"k":1}',
            schedule_config=ice_models.SubmitMediaCensorJobRequestScheduleConfig(
                pipeline_id="p1", priority=6
            ),
        )
    ).body
    query = ice_models.QueryMediaCensorJobDetailRequest(job_id=submitted.job_id)
    assert client.query_media_censor_job_detail(query).body.media_censor_job_detail.state in (
        "Queuing",
        "Analysing",
    )
    clock.advance(11)
    done = client.query_media_censor_job_detail(query).body.media_censor_job_detail
    assert done.state == "Success"
    assert done.suggestion == "block"  # the strictest part's: the title's
    assert (done.title_censor_result.suggestion, done.title_censor_result.scene) == ("block", "antispam")
    assert done.desc_censor_result.suggestion == "pass"
    assert done.barrage_censor_result.suggestion == "pass"
    [covered] = done.cover_image_censor_results.cover_image_censor_result
    assert covered.object == "covers/review-me.jpg"
    assert {result.suggestion for result in covered.results.result} == {"review"}
    assert {result.suggestion for result in done.vensor_censor_result.censor_results.censor_result} == {
        "pass"
    }
    assert done.video_censor_config.output_file.bucket == "bucket"
    assert done.input.object == "in/match.mp4"
    assert done.user_data == '{"k":1}'
    assert done.pipeline_id == "p1"
    # The frames a page at a time.
    first = client.query_media_censor_job_detail(
        ice_models.QueryMediaCensorJobDetailRequest(job_id=submitted.job_id, maximum_page_size=3)
    ).body.media_censor_job_detail.vensor_censor_result
    assert [frame.object for frame in first.video_timelines.video_timeline] == [
        f"censor/frame-{n:05d}.jpg" for n in (1, 2, 3)
    ]
    rest = client.query_media_censor_job_detail(
        ice_models.QueryMediaCensorJobDetailRequest(
            job_id=submitted.job_id, maximum_page_size=3, next_page_token=first.next_page_token
        )
    ).body.media_censor_job_detail.vensor_censor_result
    assert [frame.object for frame in rest.video_timelines.video_timeline] == ["censor/frame-00004.jpg"]
    assert rest.next_page_token is None


@pytest.mark.parametrize("signature_algorithm", SDK_SIGNING)
def test_sdk_package_lifecycle(
    emulator: IceEmulator, clock: ManualClock, signature_algorithm: str | None
) -> None:
    client = sdk_client(emulator, signature_algorithm)
    submitted = client.submit_package_job(
        ice_models.SubmitPackageJobRequest(
            inputs=[
                ice_models.SubmitPackageJobRequestInputs(
                    input=ice_models.SubmitPackageJobRequestInputsInput(
                        type="OSS", media="oss://bucket/out/720p.m3u8"
                    )
                )
            ],
            output=ice_models.SubmitPackageJobRequestOutput(type="OSS", media="oss://bucket/hls/master.m3u8"),
            name="hls",
            user_data='{"k":1}',
        )
    ).body
    query = ice_models.GetPackageJobRequest(job_id=submitted.job_id)
    assert client.get_package_job(query).body.package_job.status == "Init"
    clock.advance(11)
    done = client.get_package_job(query).body.package_job
    assert done.status == "Success"
    assert done.output_url == "https://bucket.oss-cn-shanghai.aliyuncs.com/hls/master.m3u8"
    assert [item.input.media for item in done.inputs] == ["oss://bucket/out/720p.m3u8"]
    assert (done.name, done.trigger_source) == ("hls", "API")
