"""Job lifecycles, result shapes per FunctionName, failure conventions, cancel, resume,
determinism and parameter validation, over real HTTP with a hand-moved job clock."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from alibabacloud_ice20201109 import models as sdk_models

from airflow_ice.client.signing import HMAC_SHA1
from airflow_ice.emulator.jobs import QUEUING_SHARE
from airflow_ice.emulator.server import IceEmulator
from airflow_ice.models import DynamicImageJob, MediaCensorJob, SnapshotJob, TranscodeJob
from tests.support.emulator import (
    KEY_ID,
    KEY_SECRET,
    ManualClock,
    call,
    error_code,
    iproduction_params,
    media,
    ok,
    storyboard_body,
)
from tests.support.paths import FIXTURES
from tests.support.sdk_oracle import filled

EXAMPLES = json.loads((FIXTURES / "emulator" / "published_examples.json").read_text())
JOB_SECONDS = 10.0
ICE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FILE_FUNCTIONS = [
    "VideoDelogo",
    "VideoDetext",
    "CaptionExtraction",
    "VideoGreenScreenMatting",
    "FaceBeauty",
    "VideoH2V",
    "AudioBeatDetection",
    "SpeechDenoise",
    "AudioMixing",
    "MusicDemix",
]


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock(time.time())


@pytest.fixture(scope="module")
def emulator(clock: ManualClock) -> Iterator[IceEmulator]:
    with IceEmulator(
        access_key_id=KEY_ID, access_key_secret=KEY_SECRET, job_seconds=JOB_SECONDS, clock=clock
    ) as running:
        yield running


@pytest.fixture
def client(emulator: IceEmulator) -> Iterator[httpx.Client]:
    emulator.reset()
    with httpx.Client(timeout=5) as http:
        yield http


def submit(client: httpx.Client, emulator: IceEmulator, **params: str) -> str:
    job_id: str = ok(call(client, emulator, "SubmitIProductionJob", params))["JobId"]
    return job_id


def query(client: httpx.Client, emulator: IceEmulator, job_id: str) -> dict[str, Any]:
    return ok(call(client, emulator, "QueryIProductionJob", {"JobId": job_id}))


def submit_story(client: httpx.Client, emulator: IceEmulator, file_url: str, **query_params: str) -> str:
    job_id: str = ok(
        call(client, emulator, "SubmitYikeStoryboardJob", query_params, storyboard_body(file_url))
    )["JobId"]
    return job_id


def get_story(client: httpx.Client, emulator: IceEmulator, job_id: str) -> dict[str, Any]:
    return ok(call(client, emulator, "GetYikeStoryboardJob", {"JobId": job_id}))


def finished_result(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock, function_name: str, src: str
) -> Any:
    job_id = submit(client, emulator, **iproduction_params(function_name, src))
    clock.advance(JOB_SECONDS)
    job = query(client, emulator, job_id)
    assert job["Status"] == "Success"
    assert isinstance(job["Result"], str)
    return json.loads(job["Result"])


def test_iproduction_moves_queuing_analysing_success(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    params = {
        **iproduction_params("Cover"),
        "Name": "cover job",
        "JobParams": '{"Model":"gif"}',
        "TemplateId": "tpl-1",
        "ScheduleConfig": '{"PipelineId":"pipe-1","Priority":"8"}',
        "UserData": '{"test":1}',
    }
    job_id = submit(client, emulator, **params)
    first = query(client, emulator, job_id)
    assert first["Status"] == "Queuing"
    assert ICE_TIME.match(first["CreateTime"])
    assert "FinishTime" not in first
    assert "Result" not in first
    clock.advance(JOB_SECONDS * 0.5)
    assert query(client, emulator, job_id)["Status"] == "Analysing"
    clock.advance(JOB_SECONDS * 0.5)
    done = query(client, emulator, job_id)
    assert done["Status"] == "Success"
    assert ICE_TIME.match(done["FinishTime"])
    assert time.mktime(time.strptime(done["FinishTime"], "%Y-%m-%dT%H:%M:%SZ")) - time.mktime(
        time.strptime(done["CreateTime"], "%Y-%m-%dT%H:%M:%SZ")
    ) == pytest.approx(JOB_SECONDS, abs=1)
    # Every field of the published example, with the same types.
    example = EXAMPLES["QueryIProductionJob"]
    assert set(done) == set(example)
    for key, value in example.items():
        assert type(done[key]) is type(value), key
    assert done["Name"] == "cover job"
    assert done["Input"] == {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"}
    assert done["Output"] == {"Type": "OSS", "Media": "oss://bucket/out/result.mp4"}
    assert done["JobParams"] == '{"Model":"gif"}'
    assert done["TemplateId"] == "tpl-1"
    assert done["ScheduleConfig"] == {"PipelineId": "pipe-1", "Priority": 8}
    assert done["UserData"] == '{"test":1}'
    # Covers land in the output object's folder, named as in Result ("cover/clip-00001.jpg").
    assert done["OutputFiles"] == ["out/clip-00001.jpg", "out/clip-00002.jpg", "out/clip-00003.jpg"]
    assert done["OutputUrls"][0] == "https://bucket.oss-cn-shanghai.aliyuncs.com/out/clip-00001.jpg"


def test_cover_files_land_in_the_output_folder_once(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    params = {**iproduction_params("Cover"), "Output": media("oss://bucket/out/2025-01-01/clip/cover/")}
    job_id = submit(client, emulator, **params)
    clock.advance(JOB_SECONDS)
    done = query(client, emulator, job_id)

    assert done["OutputFiles"] == [
        "out/2025-01-01/clip/cover/clip-00001.jpg",
        "out/2025-01-01/clip/cover/clip-00002.jpg",
        "out/2025-01-01/clip/cover/clip-00003.jpg",
    ]


def test_wall_clock_lifecycle_without_a_test_clock() -> None:
    # No test clock: the real clock moves the job along. How long a request takes on a busy machine
    # is unknown, so each answer is checked against the job's possible age when it was given: the
    # job was created while the submit was in flight, the answer while the query was.
    seconds = 2.0
    lifecycle = ["Queuing", "Analysing", "Success"]

    def stage(age: float) -> int:
        return 0 if age < seconds * QUEUING_SHARE else 1 if age < seconds else 2

    with (
        IceEmulator(access_key_id=KEY_ID, access_key_secret=KEY_SECRET, job_seconds=seconds) as emulator,
        httpx.Client(timeout=5) as http,
    ):
        before_submit = time.time()  # the emulator's default job clock
        job_id = submit(http, emulator, **iproduction_params("VideoH2V"))
        after_submit = time.time()
        seen: list[str] = []
        give_up = time.monotonic() + 60
        while not seen or seen[-1] != "Success":
            assert time.monotonic() < give_up, seen
            sent = time.time()
            status = query(http, emulator, job_id)["Status"]
            answered = time.time()
            youngest, oldest = sent - after_submit, answered - before_submit
            assert status in lifecycle[stage(youngest) : stage(oldest) + 1], (status, youngest, oldest)
            seen.append(status)
            time.sleep(0.05)
        assert seen == sorted(seen, key=lifecycle.index)


def test_random_durations_stay_in_range() -> None:
    clock = ManualClock(time.time())
    with (
        IceEmulator(
            access_key_id=KEY_ID,
            access_key_secret=KEY_SECRET,
            job_seconds=1,
            job_seconds_max=5,
            seed=7,
            clock=clock,
        ) as emulator,
        httpx.Client() as http,
    ):
        jobs = [submit(http, emulator, **iproduction_params("VideoH2V")) for _ in range(12)]

        def finished() -> int:
            return sum(query(http, emulator, job)["Status"] == "Success" for job in jobs)

        clock.advance(0.99)
        assert finished() == 0
        clock.advance(2.01)
        assert 0 < finished() < len(jobs)
        clock.advance(2.0)
        assert finished() == len(jobs)


def test_cover_result_shape(client: httpx.Client, emulator: IceEmulator, clock: ManualClock) -> None:
    result = finished_result(client, emulator, clock, "Cover", "oss://bucket/in/test.mp4")
    assert [set(item) for item in result] == [set(EXAMPLES["Result"]["Cover"][0])] * 3
    assert all(isinstance(item["Score"], float) and isinstance(item["Time"], str) for item in result)
    assert [item["Score"] for item in result] == sorted((item["Score"] for item in result), reverse=True)
    assert result[0]["Url"] == "cover/test-00001.jpg"
    float(result[0]["Time"])


def test_video_clip_result_shape(client: httpx.Client, emulator: IceEmulator, clock: ManualClock) -> None:
    result = finished_result(client, emulator, clock, "VideoClip", "oss://bucket/in/talk.mp4")
    assert list(result) == ["VideoSummaryList"]
    for segment in result["VideoSummaryList"]:
        assert set(segment) == {"StartTime", "EndTime"}
        assert isinstance(segment["StartTime"], str)
        assert float(segment["EndTime"]) > float(segment["StartTime"]) >= 0


def test_music_segment_result_shape(client: httpx.Client, emulator: IceEmulator, clock: ManualClock) -> None:
    result = finished_result(client, emulator, clock, "MusicSegmentDetect", "oss://bucket/song.mp3")
    assert [set(item) for item in result] == [set(EXAMPLES["Result"]["MusicSegmentDetect"][0])] * len(result)
    assert all(isinstance(item["start"], float) and item["end"] > item["start"] for item in result)


@pytest.mark.parametrize(
    ("src", "poor"), [("oss://bucket/call-poor.wav", True), ("oss://bucket/call.wav", False)]
)
def test_audio_quality_result_shape_and_poor_convention(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock, src: str, poor: bool
) -> None:
    result = finished_result(client, emulator, clock, "AudioQualityAssessment", src)
    example_keys = set(EXAMPLES["Result"]["AudioQualityAssessment"][0])
    assert len(result) == 2
    for channel in result:
        assert set(channel) == example_keys
        assert all(isinstance(value, str) for value in channel.values())
        mos = float(channel["MOS(0-5)"])
        if poor:
            assert mos < 2
            assert channel["MOS"] == "Poor"
        else:
            assert mos >= 3.6
            assert channel["MOS"] in ("Good", "Excellent")
    assert [channel["Channel"] for channel in result] == ["1", "2"]


@pytest.mark.parametrize("function_name", FILE_FUNCTIONS)
def test_file_functions_have_empty_result_and_output_files(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock, function_name: str
) -> None:
    job_id = submit(client, emulator, **iproduction_params(function_name))
    clock.advance(JOB_SECONDS)
    job = query(client, emulator, job_id)
    assert job["Result"] == "{}"
    assert job["OutputFiles"] == ["out/result.mp4"]
    assert job["OutputUrls"] == ["https://bucket.oss-cn-shanghai.aliyuncs.com/out/result.mp4"]


def test_media_output_reports_media_ids(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    output = json.dumps(
        {"Type": "Media", "Media": "media-123", "OutputUrl": "https://b.oss-cn-shanghai.aliyuncs.com/o.mp4"}
    )
    job_id = submit(
        client, emulator, FunctionName="VideoDelogo", Input=media("oss://b/in.mp4"), Output=output
    )
    clock.advance(JOB_SECONDS)
    job = query(client, emulator, job_id)
    assert job["OutputMediaIds"] == ["media-123"]
    assert job["OutputUrls"] == ["https://b.oss-cn-shanghai.aliyuncs.com/o.mp4"]


def test_results_are_deterministic(client: httpx.Client, emulator: IceEmulator, clock: ManualClock) -> None:
    first = [
        submit(client, emulator, **iproduction_params(name, "oss://b/same.mp4"))
        for name in ("Cover", "AudioQualityAssessment")
    ]
    second = [
        submit(client, emulator, **iproduction_params(name, "oss://b/same.mp4"))
        for name in ("Cover", "AudioQualityAssessment")
    ]
    other = submit(client, emulator, **iproduction_params("Cover", "oss://b/other.mp4"))
    clock.advance(JOB_SECONDS)
    for a, b in zip(first, second, strict=True):
        assert query(client, emulator, a)["Result"] == query(client, emulator, b)["Result"]
    assert query(client, emulator, other)["Result"] != query(client, emulator, first[0])["Result"]


def test_input_containing_fail_ends_in_fail(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    job_id = submit(client, emulator, **iproduction_params("Cover", "oss://bucket/will-fail.mp4"))
    assert query(client, emulator, job_id)["Status"] == "Queuing"
    clock.advance(JOB_SECONDS)
    job = query(client, emulator, job_id)
    assert job["Status"] == "Fail"
    assert "will-fail.mp4" in json.loads(job["Result"])["ErrorMessage"]
    assert job["OutputFiles"] == []


def test_cancel_running_job_ends_in_fail(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    job_id = submit(client, emulator, **iproduction_params())
    clock.advance(3)
    ok(call(client, emulator, "CancelIProductionJob", {"JobId": job_id}))
    job = query(client, emulator, job_id)
    assert job["Status"] == "Fail"
    assert json.loads(job["Result"])["ErrorCode"] == "JobCancelled"
    clock.advance(JOB_SECONDS)
    assert query(client, emulator, job_id)["Status"] == "Fail"


def test_cancel_finished_job_is_a_noop(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    job_id = submit(client, emulator, **iproduction_params())
    clock.advance(JOB_SECONDS)
    answer = ok(call(client, emulator, "CancelIProductionJob", {"JobId": job_id}))
    assert "already finished" in answer["Message"]
    assert query(client, emulator, job_id)["Status"] == "Success"


def test_storyboard_runs_then_succeeds_like_the_example(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    job_id = submit_story(
        client,
        emulator,
        "https://bucket.oss-cn-shanghai.aliyuncs.com/novel.txt",
        Title="test",
        AspectRatio="16:9",
    )
    running = get_story(client, emulator, job_id)
    assert running["JobStatus"] == "Running"
    assert "JobResult" not in running
    clock.advance(JOB_SECONDS)
    done = get_story(client, emulator, job_id)
    example = EXAMPLES["GetYikeStoryboardJob"]
    assert done["JobStatus"] == "Succeeded"
    assert set(done) == set(example)
    assert set(done["JobResult"]) == set(example["JobResult"])
    assert all(isinstance(value, str) for value in done["JobParams"].values())
    assert set(done["JobParams"]) == {
        "FileURL",
        "SourceType",
        "ShotSplitMode",
        "StyleId",
        "Title",
        "AspectRatio",
    }
    assert set(done["JobParams"]) <= set(example["JobParams"])
    result = done["JobResult"]
    assert all(isinstance(value, str) for value in result.values())
    succeeded = json.loads(result["SuccessStoryboardList"])
    assert len(succeeded) >= 2
    assert result["SuccessStoryboardIds"] == ", ".join(succeeded)
    assert json.loads(result["ExceptionStoryboardIds"]) == []
    assert json.loads(result["FailureShotList"]) == []
    infos = json.loads(result["StoryboardInfoList"])
    assert [info["storyboardId"] for info in infos] == succeeded
    assert {(info["status"], info["subStatus"]) for info in infos} == {("Produced", "ProduceSucc")}
    assert result["OutputUrl"] == f"https://bucket.oss-cn-shanghai.aliyuncs.com/yike/{job_id}/output.mp4"


def test_storyboard_partial_succeeds_with_failed_shots(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    job_id = submit_story(client, emulator, "oss://bucket/partial.txt")
    clock.advance(JOB_SECONDS)
    done = get_story(client, emulator, job_id)
    assert done["JobStatus"] == "Succeeded"
    excepted = json.loads(done["JobResult"]["ExceptionStoryboardIds"])
    failures = json.loads(done["JobResult"]["FailureShotList"])
    assert len(excepted) == 1
    assert failures[0]["storyboardId"] == excepted[0]
    assert set(failures[0]) == {"errorCode", "storyboardId", "shotId"}
    assert excepted[0] not in done["JobResult"]["SuccessStoryboardIds"]


def test_storyboard_fail_then_resume_succeeds(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    job_id = submit_story(client, emulator, "oss://bucket/fail.txt")
    clock.advance(JOB_SECONDS)
    failed = get_story(client, emulator, job_id)
    assert failed["JobStatus"] == "Failed"
    assert failed["JobResult"]["OutputUrl"] == ""
    assert failed["JobResult"]["SuccessStoryboardIds"] == ""
    ok(call(client, emulator, "ResumeYikeStoryboardJob", {"JobId": job_id}))
    assert get_story(client, emulator, job_id)["JobStatus"] == "Running"
    ok(call(client, emulator, "ResumeYikeStoryboardJob", {"JobId": job_id}))  # running: no-op
    clock.advance(JOB_SECONDS)
    assert get_story(client, emulator, job_id)["JobStatus"] == "Succeeded"
    again = call(client, emulator, "ResumeYikeStoryboardJob", {"JobId": job_id})
    assert error_code(again) == (400, "InvalidParameter.JobStatus")


def test_storyboard_only_has_no_video(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    job_id = submit_story(client, emulator, "oss://bucket/n.txt", ExecMode="StoryboardOnly")
    clock.advance(JOB_SECONDS)
    done = get_story(client, emulator, job_id)
    assert done["JobResult"]["OutputUrl"] == ""
    assert "ExecMode" not in done["JobParams"]  # not among the published JobParams


def test_storyboard_ids_are_deterministic(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    jobs = [submit_story(client, emulator, "oss://bucket/same.txt") for _ in range(2)]
    clock.advance(JOB_SECONDS)
    lists = {get_story(client, emulator, job)["JobResult"]["StoryboardInfoList"] for job in jobs}
    assert len(lists) == 1


def assert_shaped_like(
    answer: Any, example: Any, where: str = "answer", *, absent: frozenset[str] = frozenset()
) -> None:
    """``answer`` has every key of ICE's published ``example`` but ``absent`` (and no other), at
    every depth, each value of the example's type (lists compared by their first item)."""
    assert type(answer) is type(example), where
    if isinstance(example, dict):
        assert set(answer) == set(example) - absent, where
        for key in set(answer):
            assert_shaped_like(answer[key], example[key], f"{where}.{key}")
    elif isinstance(example, list) and example:
        assert answer, where
        for item in answer:
            assert_shaped_like(item, example[0], f"{where}[]")


SNAPSHOT_EXAMPLE = EXAMPLES["GetSnapshotJob"]["SnapshotJob"]


def submit_snapshot(client: httpx.Client, emulator: IceEmulator, input_media: str) -> str:
    params = {
        "Input": media(input_media),
        "Output": media("oss://test-bucket/output-{Count}.jpg"),
        "TemplateConfig": json.dumps(
            {"TemplateId": "tpl-1", "OverwriteParams": {"Type": "Sprite", "Count": 8}}
        ),
        "Name": "snapshots",
        "UserData": '{"test parameter": "test value"}',
        "ScheduleConfig": '{"PipelineId":"pipe-1"}',
    }
    job_id: str = ok(call(client, emulator, "SubmitSnapshotJob", params))["JobId"]
    return job_id


def get_snapshot(client: httpx.Client, emulator: IceEmulator, job_id: str) -> dict[str, Any]:
    job: dict[str, Any] = ok(call(client, emulator, "GetSnapshotJob", {"JobId": job_id}))["SnapshotJob"]
    return job


def test_snapshot_runs_then_succeeds_shaped_like_the_example(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    job_id = submit_snapshot(client, emulator, "oss://test-bucket/object.mp4")
    running = get_snapshot(client, emulator, job_id)
    assert running["Status"] == "Init"
    assert "FinishTime" not in running
    clock.advance(JOB_SECONDS)
    done = get_snapshot(client, emulator, job_id)

    assert done["Status"] == "Success"
    # Every field of the published example, with the same types, at every depth; the example's
    # Code and Message (filled although it succeeded) come only with a failure here.
    assert_shaped_like(done, SNAPSHOT_EXAMPLE, absent=frozenset({"Code", "Message"}))
    assert ICE_TIME.match(done["FinishTime"])
    assert (done["Type"], done["Count"], done["PipelineId"]) == ("Sprite", 8, "pipe-1")
    assert done["Input"]["OssFile"] == {
        "Bucket": "test-bucket",
        "Location": "oss-cn-shanghai",
        "Object": "object.mp4",
    }
    assert done["Output"]["OssFile"]["Object"] == "output-{Count}.jpg"
    # TemplateConfig is the settings the job ran with, as in the example, not the submit's.
    assert json.loads(done["TemplateConfig"]) == {"Type": "Sprite", "Count": 8}
    assert SnapshotJob.from_response({"RequestId": "r", "SnapshotJob": done}).parse_warnings == []


def test_failed_snapshot_has_code_and_message(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    job_id = submit_snapshot(client, emulator, "oss://test-bucket/fail.mp4")
    clock.advance(JOB_SECONDS)
    failed = get_snapshot(client, emulator, job_id)

    assert failed["Status"] == "Fail"
    assert_shaped_like(failed, SNAPSHOT_EXAMPLE)


# No stored copy of ICE's reference page showed its sample (see the fixture's _sources): the
# official SDK's answer model, every field set, is the shape instead.
DYNAMIC_IMAGE_SHAPE = filled(sdk_models.GetDynamicImageJobResponseBody).to_map()["DynamicImageJob"]


def submit_dynamic_image(client: httpx.Client, emulator: IceEmulator, input_media: str) -> str:
    params = {
        "Input": media(input_media),
        "Output": media("oss://test-bucket/preview.webp"),
        "TemplateConfig": json.dumps(
            {"TemplateId": "tpl-1", "OverwriteParams": {"Format": "webp", "Fps": 12}}
        ),
        "Name": "preview",
        "UserData": '{"test parameter": "test value"}',
        "ScheduleConfig": '{"PipelineId":"pipe-1"}',
    }
    job_id: str = ok(call(client, emulator, "SubmitDynamicImageJob", params))["JobId"]
    return job_id


def get_dynamic_image(client: httpx.Client, emulator: IceEmulator, job_id: str) -> dict[str, Any]:
    job: dict[str, Any] = ok(call(client, emulator, "GetDynamicImageJob", {"JobId": job_id}))[
        "DynamicImageJob"
    ]
    return job


def test_dynamic_image_runs_then_succeeds_shaped_like_the_sdk(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    job_id = submit_dynamic_image(client, emulator, "oss://test-bucket/object.mp4")
    running = get_dynamic_image(client, emulator, job_id)
    assert running["Status"] == "Init"
    assert "FinishTime" not in running
    assert "OutputUrl" not in running
    clock.advance(JOB_SECONDS)
    done = get_dynamic_image(client, emulator, job_id)

    assert done["Status"] == "Success"
    assert_shaped_like(done, DYNAMIC_IMAGE_SHAPE, absent=frozenset({"Code", "Message"}))
    assert done["OutputUrl"] == "https://test-bucket.oss-cn-shanghai.aliyuncs.com/preview.webp"
    assert done["Output"]["OssFile"]["Object"] == "preview.webp"
    assert json.loads(done["TemplateConfig"]) == {"Format": "webp", "Fps": 12}
    parsed = DynamicImageJob.from_response({"RequestId": "r", "DynamicImageJob": done})
    assert parsed.parse_warnings == []
    assert parsed.succeeded


def test_failed_dynamic_image_has_code_and_message(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    job_id = submit_dynamic_image(client, emulator, "oss://test-bucket/fail.mp4")
    clock.advance(JOB_SECONDS)
    failed = get_dynamic_image(client, emulator, job_id)

    assert failed["Status"] == "Fail"
    assert_shaped_like(failed, DYNAMIC_IMAGE_SHAPE, absent=frozenset({"OutputUrl"}))
    assert "Input.Media" in failed["Message"]


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"OverwriteParams": {"Format": "gif"}}, "TemplateConfig.TemplateId"),
        ({"TemplateId": "t", "OverwriteParams": {"Format": "png"}}, "TemplateConfig.OverwriteParams.Format"),
    ],
)
def test_dynamic_image_submit_checks_the_template_config(
    client: httpx.Client, emulator: IceEmulator, config: dict[str, Any], named: str
) -> None:
    params = {
        "Input": media("oss://test-bucket/object.mp4"),
        "Output": media("oss://test-bucket/preview.gif"),
        "TemplateConfig": json.dumps(config),
    }
    answer = call(client, emulator, "SubmitDynamicImageJob", params)

    assert error_code(answer)[0] == 400
    assert named in answer.json()["Message"]


# Only the first sub-job's start was visible on the stored page (see the fixture's _sources).
TRANSCODE_SUB_JOB_EXAMPLE = EXAMPLES["GetTranscodeJob"]["TranscodeParentJob"]["TranscodeJobList"][0]


def submit_transcode(client: httpx.Client, emulator: IceEmulator, input_media: str) -> str:
    params = {
        "InputGroup": json.dumps([{"Type": "OSS", "Media": input_media, "InputUrl": input_media}]),
        "OutputGroup": json.dumps(
            [
                {
                    "Output": {"Type": "OSS", "Media": "oss://bucket/out/video.mp4"},
                    "ProcessConfig": TRANSCODE_SUB_JOB_EXAMPLE["ProcessConfig"],
                }
            ]
        ),
        "Name": "transcode-job",
        "ClientToken": "token-transcode",
    }
    answer = ok(call(client, emulator, "SubmitTranscodeJob", params))["TranscodeParentJob"]
    job_id: str = answer["ParentJobId"]
    return job_id


def get_transcode(client: httpx.Client, emulator: IceEmulator, job_id: str) -> dict[str, Any]:
    answer = ok(call(client, emulator, "GetTranscodeJob", {"ParentJobId": job_id}))
    job: dict[str, Any] = answer["TranscodeParentJob"]
    return job


def test_transcode_runs_then_succeeds_shaped_like_the_example(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    job_id = submit_transcode(client, emulator, "oss://bucket/path/to/video.mp4")
    running = get_transcode(client, emulator, job_id)
    assert running["Status"] == "Init"
    assert "FinishTime" not in running
    clock.advance(JOB_SECONDS)
    done = get_transcode(client, emulator, job_id)

    assert (done["Status"], done["ParentJobId"], done["JobCount"]) == ("Success", job_id, 1)
    (sub_job,) = done["TranscodeJobList"]
    # The example's fields, with the same types, at every depth.
    assert_shaped_like({key: sub_job[key] for key in TRANSCODE_SUB_JOB_EXAMPLE}, TRANSCODE_SUB_JOB_EXAMPLE)
    assert (sub_job["ParentJobId"], sub_job["JobIndex"], sub_job["Status"]) == (job_id, 0, "Success")
    assert sub_job["OutFileMeta"]["FileBasicInfo"]["FileUrl"] == (
        "https://bucket.oss-cn-shanghai.aliyuncs.com/out/video.mp4"
    )
    job = TranscodeJob.from_response({"RequestId": "r", "TranscodeParentJob": done})
    assert job.parse_warnings == []
    assert job.output_urls == ["https://bucket.oss-cn-shanghai.aliyuncs.com/out/video.mp4"]


def test_failed_transcode_fails_every_sub_job_and_writes_nothing(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    job_id = submit_transcode(client, emulator, "oss://bucket/in/fail.mp4")
    clock.advance(JOB_SECONDS)
    failed = get_transcode(client, emulator, job_id)

    assert failed["Status"] == "Fail"
    assert [sub_job["Status"] for sub_job in failed["TranscodeJobList"]] == ["Fail"]
    assert "OutFileMeta" not in failed["TranscodeJobList"][0]
    job = TranscodeJob.from_response({"TranscodeParentJob": failed})
    assert job.failed
    assert job.output_urls == []
    assert job.failure_detail == "sub-job 0 (transcode-job) Fail"


PRODUCING_EXAMPLE = EXAMPLES["GetMediaProducingJob"]["MediaProducingJob"]
PRODUCING_OUTPUT = '{"MediaURL":"http://example-bucket.oss-cn-shanghai.aliyuncs.com/example2.mp4"}'


@pytest.mark.parametrize(
    ("query_params", "body", "not_echoed"),
    [
        ({}, {"Timeline": PRODUCING_EXAMPLE["Timeline"]}, {"TemplateId", "ClipsParam"}),
        (
            {"TemplateId": "tpl-1", "ClipsParam": PRODUCING_EXAMPLE["ClipsParam"]},
            {},
            {"Timeline"},
        ),
    ],
)
def test_media_producing_has_the_fields_of_the_example(
    client: httpx.Client,
    emulator: IceEmulator,
    clock: ManualClock,
    query_params: dict[str, str],
    body: dict[str, str],
    not_echoed: set[str],
) -> None:
    params = {"OutputMediaConfig": PRODUCING_OUTPUT, **query_params}
    job_id = ok(call(client, emulator, "SubmitMediaProducingJob", params, body))["JobId"]
    clock.advance(JOB_SECONDS)
    done = ok(call(client, emulator, "GetMediaProducingJob", {"JobId": job_id}))["MediaProducingJob"]

    assert done["Status"] == "Success"
    # The published example is only the part the stored page showed (see its _sources): each of
    # its fields is here with its type, but for what the submit did not give (a Timeline job
    # names no template, a template job gets no Timeline back).
    shown = {key: value for key, value in PRODUCING_EXAMPLE.items() if key not in not_echoed}
    assert_shaped_like({key: done.get(key) for key in shown}, shown)
    assert not_echoed.isdisjoint(done)
    assert done["MediaURL"] == "http://example-bucket.oss-cn-shanghai.aliyuncs.com/example2.mp4"
    assert done["Duration"] == 30.5  # the example of ICE's response table (30.500000)
    assert {**query_params, **body}.items() <= done.items()


GOOD = iproduction_params()


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({k: v for k, v in GOOD.items() if k != "FunctionName"}, "MissingFunctionName"),
        ({k: v for k, v in GOOD.items() if k != "Input"}, "MissingInput"),
        ({k: v for k, v in GOOD.items() if k != "Output"}, "MissingOutput"),
        ({**GOOD, "FunctionName": "Teleport"}, "InvalidParameter"),
        ({**GOOD, "Input": "oss://bucket/in.mp4"}, "InvalidParameter"),
        ({**GOOD, "Input": '["oss://bucket/in.mp4"]'}, "InvalidParameter"),
        ({**GOOD, "Input": '{"Type":"OSS"}'}, "InvalidParameter"),
        ({**GOOD, "Output": '{"Type":"OSS","Media":""}'}, "InvalidParameter"),
        ({**GOOD, "Input": '{"Type":"FTP","Media":"x"}'}, "InvalidParameter"),
        ({**GOOD, "Output": '{"Media":"oss://bucket/out/"}'}, "InvalidParameter"),  # Type is required
        ({**GOOD, "ScheduleConfig": '{"Priority":11}'}, "InvalidParameter"),
        ({**GOOD, "ScheduleConfig": "fast"}, "InvalidParameter"),
        ({**GOOD, "Name": "n" * 101}, "InvalidParameter"),
        ({**GOOD, "UserData": "u" * 257}, "InvalidParameter"),
        ({**GOOD, "JobParams": "{not json"}, "InvalidParameter"),
    ],
)
@pytest.mark.parametrize("algorithm", ["ACS3-HMAC-SHA256", HMAC_SHA1])
def test_submit_iproduction_parameter_errors(
    client: httpx.Client, emulator: IceEmulator, params: dict[str, str], code: str, algorithm: str
) -> None:
    response = call(client, emulator, "SubmitIProductionJob", params, algorithm=algorithm)
    assert error_code(response) == (400, code)
    body = response.json()
    if code == "InvalidParameter":
        assert any(
            name in body["Message"]
            for name in ("FunctionName", "Input", "Output", "ScheduleConfig", "Name", "UserData", "JobParams")
        )
    counters = emulator.counters()
    assert counters.jobs_submitted["SubmitIProductionJob"] == 0
    assert counters.errors[code] == 1


@pytest.mark.parametrize(
    ("query_params", "body", "code"),
    [
        # FileURL belongs in the body (strict placement is on in our tests).
        ({"FileURL": "oss://bucket/novel.txt"}, {"SourceType": "Novel"}, "InvalidParameter"),
        ({"AspectRatio": "21:9"}, storyboard_body(), "InvalidParameter"),
        ({"Resolution": "8K"}, storyboard_body(), "InvalidParameter"),
        ({"ExecMode": "Everything"}, storyboard_body(), "InvalidParameter"),
        ({"SkipFailureShot": "maybe"}, storyboard_body(), "InvalidParameter"),
        ({"Title": "标" * 43}, storyboard_body(), "InvalidParameter"),
        ({"ModelParams": "{oops"}, storyboard_body(), "InvalidParameter"),
    ],
)
def test_submit_storyboard_parameter_errors(
    client: httpx.Client, emulator: IceEmulator, query_params: dict[str, str], body: dict[str, str], code: str
) -> None:
    response = call(client, emulator, "SubmitYikeStoryboardJob", query_params, body)
    assert error_code(response) == (400, code)
    assert emulator.counters().jobs_submitted["SubmitYikeStoryboardJob"] == 0


@pytest.mark.parametrize(
    "action",
    ["QueryIProductionJob", "CancelIProductionJob", "GetYikeStoryboardJob", "ResumeYikeStoryboardJob"],
)
def test_unknown_and_missing_job_ids(client: httpx.Client, emulator: IceEmulator, action: str) -> None:
    assert error_code(call(client, emulator, action, {"JobId": "no-such-job"})) == (404, "JobNotFound")
    assert error_code(call(client, emulator, action, {})) == (400, "MissingJobId")


def test_unexpected_exception_becomes_internal_error(
    client: httpx.Client, emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(action: str, params: object) -> dict[str, Any]:
        raise RuntimeError("bug")

    monkeypatch.setattr(emulator.state.actions, "dispatch", broken)
    response = call(client, emulator, "QueryIProductionJob", {"JobId": "x"})
    assert error_code(response) == (500, "InternalError")
    assert emulator.counters().unexpected_errors == 1


CENSOR_EXAMPLE = EXAMPLES["QueryMediaCensorJobDetail"]["MediaCensorJobDetail"]


def assert_has_the_example_keys(answer: Any, example: Any, where: str = "answer") -> None:
    """``answer`` has every key of a *partial* published ``example`` (the visible part: see the
    fixture's _sources), at every depth, each value of the example's type."""
    assert type(answer) is type(example), where
    if isinstance(example, dict):
        assert set(example) <= set(answer), (where, set(example) - set(answer))
        for key in example:
            assert_has_the_example_keys(answer[key], example[key], f"{where}.{key}")
    elif isinstance(example, list) and example:
        assert answer, where
        for item in answer:
            assert_has_the_example_keys(item, example[0], f"{where}[]")


def censor_job(client: httpx.Client, emulator: IceEmulator, input_media: str) -> str:
    params = {
        "Input": media(input_media),
        "Output": "oss://test-bucket/censor/frame-{Count}.jpg",
        "Title": "a title to block",
        "Description": "a description to review",
        "Barrages": "what a goal",
        "CoverImages": json.dumps([{"Bucket": "b", "Location": "oss-cn-shanghai", "Object": "c.jpg"}]),
        "UserData": '{"k":1}',
    }
    job_id: str = ok(call(client, emulator, "SubmitMediaCensorJob", params))["JobId"]
    return job_id


def test_censor_job_succeeds_shaped_like_the_example(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    job_id = censor_job(client, emulator, "oss://test-bucket/object.mp4")
    query = {"JobId": job_id}
    running = ok(call(client, emulator, "QueryMediaCensorJobDetail", query))["MediaCensorJobDetail"]
    assert running["State"] == "Queuing"
    assert "Suggestion" not in running
    clock.advance(JOB_SECONDS)
    done = ok(call(client, emulator, "QueryMediaCensorJobDetail", query))["MediaCensorJobDetail"]

    assert done["State"] == "Success"
    # The example's Message (filled although it succeeded) comes only with a failure here.
    assert_has_the_example_keys(
        done, {key: value for key, value in CENSOR_EXAMPLE.items() if key != "Message"}
    )
    assert "Message" not in done
    assert done["Suggestion"] == "block"  # the strictest: the title's
    assert done["DescCensorResult"]["Suggestion"] == "review"
    assert done["BarrageCensorResult"]["Suggestion"] == "pass"
    assert ICE_TIME.match(done["FinishTime"])
    job = MediaCensorJob.from_response({"RequestId": "r", "MediaCensorJobDetail": done})
    assert job.parse_warnings == []
    assert job.result_file == f"oss://test-bucket/censor/{job_id}.output"


def test_failed_censor_job_has_code_and_message(
    client: httpx.Client, emulator: IceEmulator, clock: ManualClock
) -> None:
    job_id = censor_job(client, emulator, "oss://test-bucket/fail.mp4")
    clock.advance(JOB_SECONDS)
    failed = ok(call(client, emulator, "QueryMediaCensorJobDetail", {"JobId": job_id}))[
        "MediaCensorJobDetail"
    ]

    assert failed["State"] == "Fail"
    assert failed["Code"] == "InvalidParameter.Input"
    assert "Suggestion" not in failed


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"Title": "t" * 65}, "Title"),
        ({"CoverImages": json.dumps([{"Bucket": "b"}])}, "CoverImages[0]"),
        ({"CoverImages": '{"Bucket": "b"}'}, "CoverImages"),
        ({"ScheduleConfig": '{"Priority": 0}'}, "ScheduleConfig.Priority"),
    ],
)
def test_censor_submit_refuses_what_ice_refuses(
    client: httpx.Client, emulator: IceEmulator, params: dict[str, str], named: str
) -> None:
    response = call(client, emulator, "SubmitMediaCensorJob", {"Input": media("oss://b/in.mp4"), **params})
    assert error_code(response) == (400, "InvalidParameter")
    assert named in response.json()["Message"]
