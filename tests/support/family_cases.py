"""The test data of every job family (no tests here).

tests/unit/families/test_every_family.py runs the same operator, sensor and trigger tests for every
family listed in :data:`FAMILIES`. What a family *is* (its actions, ``ClientToken``, cancel, its
sensor and trigger) comes from its declaration (``operator.family``) and the modules named as it;
a case adds only what the tests need to drive the emulator: parameters of a job that succeeds, the
change that makes it fail, and bad inputs.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.declared_family import DeclaredJobFamily
from airflow_ice.jobs.family import AnyFamily
from airflow_ice.jobs.tag import TaskIdentity
from airflow_ice.operators.asr import IceAsrJobOperator
from airflow_ice.operators.audio_produce import IceAudioProduceJobOperator
from airflow_ice.operators.avatar_video import IceAvatarVideoJobOperator
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.operators.batch_media_producing import IceBatchMediaProducingJobOperator
from airflow_ice.operators.declared import IceDeclaredJobOperator
from airflow_ice.operators.dynamic_image import IceDynamicImageJobOperator
from airflow_ice.operators.highlight_extraction import IceHighlightExtractionJobOperator
from airflow_ice.operators.iproduction import IceIProductionJobOperator
from airflow_ice.operators.media_censor import IceMediaCensorJobOperator
from airflow_ice.operators.media_convert import IceMediaConvertJobOperator
from airflow_ice.operators.media_info import IceMediaInfoJobOperator
from airflow_ice.operators.media_producing import IceMediaProducingJobOperator
from airflow_ice.operators.package import IcePackageJobOperator
from airflow_ice.operators.segmentation import IceSegmentationJobOperator
from airflow_ice.operators.smarttag import IceSmarttagJobOperator
from airflow_ice.operators.snapshot import IceSnapshotJobOperator
from airflow_ice.operators.transcode import IceTranscodeJobOperator
from airflow_ice.operators.video_translation import IceVideoTranslationJobOperator
from airflow_ice.operators.yike_ai_app import IceYikeAIAppJobOperator
from airflow_ice.operators.yike_storyboard import IceYikeStoryboardJobOperator
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.triggers.base import IceJobTrigger


def _declared_in(package: str, operator: type[IceJobOperator], base: type) -> Any:
    """The ``base`` subclass in the module of ``package`` named as the operator's (its family's)."""
    module = importlib.import_module(f"airflow_ice.{package}.{operator.__module__.rsplit('.', 1)[1]}")
    found = [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, base) and value.__module__ == module.__name__
    ]
    assert len(found) == 1, f"{module.__name__} should define one {base.__name__}, found {found}"
    return found[0]


@dataclass(frozen=True)
class FamilyCase:
    """One job family as the shared tests drive it: its operator, and the test data.

    :param operator: the family's operator class (its ``family`` is the declaration).
    :param kwargs: operator parameters of a job that succeeds.
    :param failing: parameters to change so that the emulated job fails.
    :param failure_said: what ICE says about the failure (in the task's error).
    :param success_status: ICE's success status; ``failure_status`` likewise.
    :param output_url: the output URL in a successful job's XCom form; None for a family without
        an output file.
    :param bad_inputs: (parameter changes, the name the error must quote) rejected before any submit.
    :param declared: the family a DAG declares (:class:`DeclaredJobFamily`), given to the operator,
        sensor and trigger as ``family``; None for a family module's (``operator.family``).
    """

    operator: type[IceJobOperator]
    kwargs: Mapping[str, Any]
    failing: Mapping[str, Any]
    failure_said: str
    success_status: str
    failure_status: str
    output_url: Callable[[Mapping[str, Any]], str | None] | None
    bad_inputs: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    declared: DeclaredJobFamily | None = None

    @property
    def family(self) -> AnyFamily:
        """The family's declaration."""
        return self.declared or self.operator.family

    @property
    def name(self) -> str:
        """The family's display name."""
        return self.family.name

    @property
    def submit_action(self) -> str:
        """The action that submits a job."""
        return self.family.submit_action

    @property
    def get_action(self) -> str:
        """The action that reads a job."""
        return self.family.get_action

    @property
    def takes_client_token(self) -> bool:
        """Whether the submit carries ``ClientToken``."""
        return self.family.client_token

    @property
    def sensor(self) -> Callable[..., IceJobSensor]:
        """The family's sensor class (given the declared family)."""
        sensor: type[IceJobSensor] = _declared_in("sensors", self.operator, IceJobSensor)
        return self._with_family(sensor)

    @property
    def trigger(self) -> Callable[..., IceJobTrigger]:
        """The family's trigger class (given the declared family)."""
        trigger: type[IceJobTrigger] = _declared_in("triggers", self.operator, IceJobTrigger)
        return self._with_family(trigger)

    def _with_family(self, waiter: Callable[..., Any]) -> Callable[..., Any]:
        return waiter if self.declared is None else functools.partial(waiter, family=self.declared)

    def submit(self, hook: IceHook, kwargs: Mapping[str, Any]) -> str:
        """Submit the job the operator would for ``kwargs``, through ``hook.submit_job``."""
        operator = self.operator(task_id="submitted_by_a_test", **kwargs)
        request = operator.build_request(TaskIdentity("tests", "run", "submitted_by_a_test", -1))
        return hook.submit_job(self.family, request)

    def submit_job(self, *, fail: bool = False) -> str:
        """Submit a job of this family through the hook (``ice_default``)."""
        with IceHook() as hook:
            return self.submit(hook, {**self.kwargs, **(self.failing if fail else {})})


COVER_INPUT = {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"}
IPRODUCTION = FamilyCase(
    operator=IceIProductionJobOperator,
    kwargs={
        "function_name": "Cover",
        "input": COVER_INPUT,
        "output": {"Type": "OSS", "Media": "oss://bucket/out/cover/"},
        "job_params": {"Model": "gif"},
    },
    failing={"input": {"Type": "OSS", "Media": "oss://bucket/in/fail.mp4"}},
    failure_said="InputMediaInvalid",
    success_status="Success",
    failure_status="Fail",
    output_url=lambda job: job["output_urls"][0] if job["output_urls"] else None,
    bad_inputs=[
        ({"input": {"Type": "S3", "Media": "x"}}, "Input.Type"),
        ({"schedule_config": {"Priority": 11}}, "ScheduleConfig.Priority"),
        ({"name": "n" * 101}, "name"),
        ({"job_params": "{{ 'not json' }}"}, "job_params"),
    ],
)

STORYBOARD_FILE = "https://bucket.oss-cn-shanghai.aliyuncs.com/novels/chapter1.txt"
YIKE_STORYBOARD = FamilyCase(
    operator=IceYikeStoryboardJobOperator,
    kwargs={
        "file_url": STORYBOARD_FILE,
        "source_type": "Novel",
        "shot_split_mode": "SingleShot",
        "style_id": "style-1",
        "title": "Chapter one",
    },
    failing={"file_url": "https://bucket.oss-cn-shanghai.aliyuncs.com/novels/fail.txt"},
    failure_said="Yike storyboard job",
    success_status="Succeeded",
    failure_status="Failed",
    output_url=lambda job: job["output_url"],
    bad_inputs=[
        ({"aspect_ratio": "2:1"}, "aspect_ratio"),
        ({"model_params": "{{ 'not json' }}"}, "model_params"),
    ],
)

YIKE_AI_APP = FamilyCase(
    operator=IceYikeAIAppJobOperator,
    kwargs={"app_id": "app-highlights", "app_params": {"Prompt": "a sunset over the sea"}},
    failing={"app_params": {"Prompt": "fail"}},
    failure_said="Yike AI app job",
    success_status="Finished",
    failure_status="Failed",
    output_url=lambda job: job["output_urls"][0] if job["output_urls"] else None,
    bad_inputs=[
        ({"app_id": "{{ '  ' }}"}, "app_id"),
        ({"app_params": "[1, 2]"}, "app_params"),
    ],
)

OUT_URL = "https://bucket.oss-cn-shanghai.aliyuncs.com/out/highlight.mp4"
TIMELINE = {
    "VideoTracks": [
        {"VideoTrackClips": [{"MediaURL": "https://bucket.oss-cn-shanghai.aliyuncs.com/in/clip.mp4"}]}
    ]
}

MEDIA_PRODUCING = FamilyCase(
    operator=IceMediaProducingJobOperator,
    kwargs={"timeline": TIMELINE, "output_media_config": {"MediaURL": OUT_URL}},
    failing={"timeline": {"VideoTracks": [{"VideoTrackClips": [{"MediaURL": "https://b/fail.mp4"}]}]}},
    failure_said='Emulated failure: the Timeline or ClipsParam contains "fail"',
    success_status="Success",
    failure_status="Failed",
    output_url=lambda job: job["media_url"],
    bad_inputs=[
        ({"output_media_config": {"Width": 1280}}, "MediaURL"),
        # The default target's error shows how to ask for a VOD media asset instead.
        (
            {
                "output_media_config": {
                    "StorageLocation": "outin.oss-cn-shanghai.aliyuncs.com",
                    "FileName": "x.mp4",
                }
            },
            "for a VOD media asset set output_media_target='vod-media' and give StorageLocation and FileName",
        ),
        ({"output_media_config": '{"MediaURL": '}, "output_media_config"),
        ({"template_id": "tpl-1"}, "exactly one of timeline, template_id or project_id"),
        ({"timeline": None, "template_id": "tpl-1"}, "clips_param (ClipsParam) is required"),
        ({"output_media_target": "ftp"}, "output_media_target"),
        ({"output_media_target": "vod-media"}, "StorageLocation and FileName"),
        ({"user_data": {"note": "x" * 500}}, "user_data"),
        ({"timeline": "{{ 'not json' }}"}, "timeline"),
    ],
)


def convert_config(media: str = "oss://bucket/in/upload.mov") -> dict[str, Any]:
    """A MediaConvert Config: one input, one MP4 output."""
    return {
        "Inputs": [{"Name": "upload", "InputFile": {"Type": "OSS", "Media": media}}],
        "Outputs": [
            {
                "Name": "mp4",
                "OutputFile": {"Type": "OSS", "Media": "oss://bucket/out/upload.mp4"},
                "TemplateId": "S00000001-200010",
            }
        ],
    }


MEDIA_CONVERT = FamilyCase(
    operator=IceMediaConvertJobOperator,
    kwargs={"config": convert_config(), "pipeline_id": "pipeline-1"},
    failing={"config": convert_config("oss://bucket/in/fail.mov")},
    failure_said='InputFile.DownloadFailed: Emulated failure: an input\'s InputFile.Media contains "fail"',
    success_status="Complete",
    failure_status="Error",
    output_url=lambda job: job["output_urls"][0] if job["output_urls"] else None,
    bad_inputs=[
        ({"config": {"Inputs": []}}, "Config.Inputs"),
        ({"config": {**convert_config(), "Outputs": []}}, "give at least one of Outputs and OutputGroups"),
        ({"config": {**convert_config(), "Inputs": [{"Name": "in"}]}}, "Config.Inputs[0].InputFile"),
        ({"config": {**convert_config(), "JobName": "n" * 65}}, "Config.JobName"),
        ({"config": "{{ 'not json' }}"}, "config"),
        ({"user_data": '["list"]'}, "user_data"),
    ],
)

SNAPSHOT_URL = "https://bucket.oss-cn-shanghai.aliyuncs.com/snap/cover.jpg"
SNAPSHOT = FamilyCase(
    operator=IceSnapshotJobOperator,
    kwargs={
        "input": {"Type": "OSS", "Media": "oss://bucket/out/upload.mp4"},
        "output": {"Type": "OSS", "Media": SNAPSHOT_URL},
        "template_config": {
            "TemplateId": "S00000001-100020",
            "OverwriteParams": {"Type": "Normal", "Time": 5000},
        },
    },
    failing={"input": {"Type": "OSS", "Media": "oss://bucket/out/fail.mp4"}},
    failure_said='Emulated failure: Input.Media contains "fail"',
    success_status="Success",
    failure_status="Fail",
    output_url=lambda job: job["output_url"],
    bad_inputs=[
        ({"template_config": {"OverwriteParams": {"Type": "Normal"}}}, "TemplateConfig.TemplateId"),
        (
            {"template_config": {"TemplateId": "t", "OverwriteParams": {"Type": "Gif"}}},
            "OverwriteParams.Type",
        ),
        (
            {"template_config": {"TemplateId": "t", "OverwriteParams": {"Type": "Normal", "Count": 5}}},
            "must contain {Count} for several snapshots",
        ),
        (
            {"template_config": {"TemplateId": "t", "OverwriteParams": {"Type": "Sprite"}}},
            "must contain {TileCount} for sprite snapshots",
        ),
        ({"input": {"Type": "OSS"}}, "Input.Media"),
        ({"output": "{{ 'oss://not-json' }}"}, "output"),
    ],
)

DYNAMIC_IMAGE = FamilyCase(
    operator=IceDynamicImageJobOperator,
    kwargs={
        "input": {"Type": "OSS", "Media": "oss://bucket/out/upload.mp4"},
        "output": {"Type": "OSS", "Media": "oss://bucket/preview/upload.gif"},
        "template_config": {
            "TemplateId": "S00000101-100010",
            "OverwriteParams": {
                "Format": "gif",
                "Fps": 15,
                "TimeSpan": {"Seek": "00:00:05", "Duration": "3"},
            },
        },
        "schedule_config": {"Priority": 6},
    },
    failing={"input": {"Type": "OSS", "Media": "oss://bucket/out/fail.mp4"}},
    failure_said='Emulated failure: Input.Media contains "fail"',
    success_status="Success",
    failure_status="Fail",
    output_url=lambda job: job["output_url"],
    bad_inputs=[
        ({"template_config": {"OverwriteParams": {"Format": "gif"}}}, "TemplateConfig.TemplateId"),
        (
            {"template_config": {"TemplateId": "t", "OverwriteParams": {"Format": "png"}}},
            "OverwriteParams.Format",
        ),
        ({"template_config": {"TemplateId": "t", "OverwriteParams": {"Fps": 61}}}, "OverwriteParams.Fps"),
        ({"template_config": {"TemplateId": "t", "OverwriteParams": {"Width": 64}}}, "OverwriteParams.Width"),
        (
            {"template_config": {"TemplateId": "t", "OverwriteParams": {"TimeSpan": {"Seek": "5s"}}}},
            "TimeSpan.Seek",
        ),
        (
            {"template_config": {"TemplateId": "t", "OverwriteParams": {"TimeSpan": {"Start": "5"}}}},
            "time_span.Start",
        ),
        ({"input": {"Type": "OSS"}}, "Input.Media"),
        ({"output": {"Type": "Disk", "Media": "x"}}, "Output.Type"),
        ({"output": "{{ 'oss://not-json' }}"}, "output"),
    ],
)

MEDIA_INFO = FamilyCase(
    operator=IceMediaInfoJobOperator,
    kwargs={
        "input": {"Type": "OSS", "Media": "oss://bucket/out/highlight.mp4"},
        "schedule_config": {"Priority": 6},
    },
    failing={"input": {"Type": "OSS", "Media": "oss://bucket/out/fail.mp4"}},
    failure_said='Emulated failure: Input.Media contains "fail"',
    success_status="Success",
    failure_status="Fail",
    output_url=None,
    bad_inputs=[
        ({"input": {"Type": "Disk", "Media": "x"}}, "Input.Type"),
        ({"input": {"Type": "OSS", "Media": ""}}, "Input.Media"),
        ({"schedule_config": {"Priority": 0}}, "ScheduleConfig.Priority"),
        ({"input": '{"Type": "OSS", "Media": '}, "input"),
    ],
)

SMARTTAG = FamilyCase(
    operator=IceSmarttagJobOperator,
    kwargs={
        "input": {"Type": "OSS", "Media": "oss://bucket/out/upload.mp4"},
        "template_id": "S00000101-300080",
        "job_params": {"needOcrData": True},
        "title": "match highlights",
    },
    failing={"input": {"Type": "OSS", "Media": "oss://bucket/out/fail.mp4"}},
    failure_said="ended with status Fail",
    success_status="Success",
    failure_status="Fail",
    output_url=None,
    bad_inputs=[
        ({"input": {"Type": "S3", "Media": "x"}}, "Input.Type"),
        ({"notify_url": "mns://queue"}, "NotifyUrl"),
        ({"title": "t" * 257}, "Title"),
        ({"job_params": "{{ 'not json' }}"}, "Params"),
        ({"user_data": {"note": "x" * 1000}}, "user_data"),
    ],
)

ASR = FamilyCase(
    operator=IceAsrJobOperator,
    kwargs={
        "input_file": "oss://bucket/out/upload.mp4",
        "editing_config": {"SentenceMaxLength": 30},
        "start_time": "00:00:00",
        "duration": "00:10:00",
        "title": "match captions",
        "user_data": {"batch": "evening"},
    },
    failing={"input_file": "oss://bucket/out/fail.mp4"},
    failure_said='InvalidParameter.InputFile: Emulated failure: InputFile contains "fail"',
    success_status="Finished",
    failure_status="Failed",
    output_url=None,
    bad_inputs=[
        ({"input_file": ""}, "InputFile"),
        ({"start_time": "ten seconds"}, "StartTime"),
        ({"title": "t" * 129}, "Title"),
        ({"editing_config": "{{ 'not json' }}"}, "editing_config"),
        ({"user_data": '["list"]'}, "user_data"),
    ],
)

BATCH_INPUT = {
    "MediaGroupArray": [
        {"GroupName": "opening", "MediaArray": ["oss://bucket/in/a.mp4", "oss://bucket/in/b.mp4"]}
    ],
    "TitleArray": ["Match day"],
}
BATCH_OUTPUT_URL = "https://bucket.oss-cn-shanghai.aliyuncs.com/batch/variant_{index}.mp4"
BATCH_MEDIA_PRODUCING = FamilyCase(
    operator=IceBatchMediaProducingJobOperator,
    kwargs={
        "input_config": BATCH_INPUT,
        "output_config": {"MediaURL": BATCH_OUTPUT_URL, "Count": 2, "Width": 1080, "Height": 1920},
        "editing_config": {"MediaConfig": {"Volume": 0}},
        "user_data": {"batch": "evening"},
    },
    failing={"input_config": {**BATCH_INPUT, "TitleArray": ["fail"]}},
    failure_said='InvalidParameter.InputConfig: Emulated failure: InputConfig contains "fail"',
    success_status="Finished",
    failure_status="Failed",
    output_url=lambda job: job["output_urls"][0] if job["output_urls"] else None,
    bad_inputs=[
        ({"output_config": {"Count": 2}}, "OutputConfig needs MediaURL"),
        ({"output_config": {"MediaURL": BATCH_OUTPUT_URL, "Count": 0}}, "OutputConfig.Count"),
        ({"input_config": "[1, 2]"}, "input_config"),
        ({"editing_config": "{{ 'not json' }}"}, "editing_config"),
        ({"user_data": '["list"]'}, "user_data"),
    ],
)

COVER = {"Bucket": "bucket", "Location": "oss-cn-shanghai", "Object": "covers/match.jpg"}
MEDIA_CENSOR = FamilyCase(
    operator=IceMediaCensorJobOperator,
    kwargs={
        "input": {"Type": "OSS", "Media": "oss://bucket/out/upload.mp4"},
        "output": "oss://bucket/censor/frame-{Count}.jpg",
        "title": "match highlights",
        "description": "the last minute of the final",
        "barrages": "what a goal",
        "cover_images": [COVER],
        "schedule_config": {"Priority": 6},
    },
    failing={"input": {"Type": "OSS", "Media": "oss://bucket/out/fail.mp4"}},
    failure_said='InvalidParameter.Input: Emulated failure: Input.Media contains "fail"',
    success_status="Success",
    failure_status="Fail",
    output_url=None,
    bad_inputs=[
        ({"input": {"Type": "URL", "Media": "https://x"}}, "Input.Type"),
        ({"title": "t" * 65}, "Title"),
        ({"description": "d" * 129}, "Description"),
        ({"cover_images": [COVER] * 6}, "CoverImages"),
        ({"cover_images": [{"Bucket": "bucket", "Location": "oss-cn-shanghai"}]}, "CoverImages[0].Object"),
        ({"schedule_config": {"Priority": 11}}, "ScheduleConfig.Priority"),
        ({"cover_images": "{{ 'not json' }}"}, "cover_images"),
    ],
)

RENDITIONS = [
    {"Input": {"Type": "OSS", "Media": "oss://bucket/out/upload-720p.m3u8"}},
    {"Input": {"Type": "OSS", "Media": "oss://bucket/out/upload-1080p.m3u8"}},
]
PACKAGE_MANIFEST = "oss://bucket/hls/upload/master.m3u8"
PACKAGE = FamilyCase(
    operator=IcePackageJobOperator,
    kwargs={
        "inputs": RENDITIONS,
        "output": {"Type": "OSS", "Media": PACKAGE_MANIFEST},
        "name": "upload-hls",
        "schedule_config": {"Priority": 6},
    },
    failing={"inputs": [*RENDITIONS, {"Input": {"Type": "OSS", "Media": "oss://bucket/out/fail.m3u8"}}]},
    failure_said='InvalidParameter.Inputs: Emulated failure: Inputs[].Input.Media contains "fail"',
    success_status="Success",
    failure_status="Fail",
    output_url=lambda job: job["output_url"],
    bad_inputs=[
        ({"inputs": []}, "Inputs"),
        ({"inputs": [{"Input": {"Type": "S3", "Media": "x"}}]}, "Inputs[0].Input.Type"),
        ({"output": {"Type": "OSS"}}, "Output.Media"),
        ({"schedule_config": {"Priority": 11}}, "ScheduleConfig.Priority"),
        ({"inputs": "{{ 'not json' }}"}, "inputs"),
    ],
)

VIDEO_COGNITION = DeclaredJobFamily(
    name="Video cognition",
    submit_action="SubmitVideoCognitionJob",
    get_action="QueryVideoCognitionJob",
    status_field="JobStatus",
    success_statuses=["Success"],
    failure_statuses=["Fail"],
    tags_user_data=True,
)
"""The docs' example of a kind declared in a DAG (the emulator answers its actions)."""
COGNITION_INPUT = {"Type": "OSS", "Media": "oss://bucket/out/upload.mp4"}
DECLARED = FamilyCase(
    operator=IceDeclaredJobOperator,
    kwargs={
        "family": VIDEO_COGNITION,
        "parameters": {
            "Input": COGNITION_INPUT,
            "TemplateId": "S00000101-300080",
            "Params": {"needAsrData": True},
            "UserData": {"batch": "evening"},
        },
    },
    failing={"parameters": {"Input": {"Type": "OSS", "Media": "oss://bucket/out/fail.mp4"}}},
    failure_said="ended with status Fail",
    success_status="Success",
    failure_status="Fail",
    output_url=None,
    bad_inputs=[
        ({"parameters": {"input": COGNITION_INPUT}}, "PascalCase"),
        ({"parameters": {"Input": COGNITION_INPUT, "ClientToken": "t-1"}}, "client_token=True"),
        ({"parameters": {"Input": None}}, "Input: a value must be text"),
        ({"parameters": {"Input": COGNITION_INPUT, "UserData": "[1]"}}, "parameters.UserData"),
        ({"parameters": "{{ 'not json' }}"}, "parameters"),
    ],
    declared=VIDEO_COGNITION,
)


def transcode_output_group(media: str = "oss://bucket/out/upload-720p.mp4") -> list[dict[str, Any]]:
    """A transcode OutputGroup: one MP4 file from a template, its bitrate overridden."""
    return [
        {
            "Output": {"Type": "OSS", "Media": media},
            "ProcessConfig": {
                "Transcode": {
                    "TemplateId": "S00000001-200010",
                    "OverwriteParams": {"Video": {"Bitrate": "1500"}},
                }
            },
        }
    ]


TRANSCODE = FamilyCase(
    operator=IceTranscodeJobOperator,
    kwargs={
        "input_group": [{"Type": "OSS", "Media": "oss://bucket/in/upload.mov"}],
        "output_group": transcode_output_group(),
        "name": "upload-720p",
        "schedule_config": {"PipelineId": "pipeline-1", "Priority": 6},
    },
    failing={"input_group": [{"Type": "OSS", "Media": "oss://bucket/in/fail.mov"}]},
    failure_said="ended with status Fail; sub-job 0 (upload-720p) Fail",
    success_status="Success",
    failure_status="Fail",
    output_url=lambda job: job["output_urls"][0] if job["output_urls"] else None,
    bad_inputs=[
        ({"input_group": []}, "InputGroup"),
        ({"input_group": [{"Type": "S3", "Media": "x"}]}, "InputGroup[0].Type"),
        ({"output_group": [{"Output": {"Type": "OSS", "Media": "oss://b/o.mp4"}}]}, "ProcessConfig"),
        (
            {"output_group": [{**transcode_output_group()[0], "ProcessConfig": {"Transcode": {}}}]},
            "TemplateId",
        ),
        ({"schedule_config": {"Priority": 11}}, "ScheduleConfig.Priority"),
        ({"schedule_config": {"Pipeline": "p"}}, "did you mean pipeline_id?"),
        ({"output_group": "{{ 'not json' }}"}, "output_group"),
        ({"user_data": {"note": "x" * 600}}, "user_data"),
    ],
)

AUDIO_PRODUCE = FamilyCase(
    operator=IceAudioProduceJobOperator,
    kwargs={
        "input_config": "Tonight: the derby, live from the north stand.",
        "editing_config": {"voice": "Siqi", "format": "MP3", "volume": 60, "speech_rate": -125},
        "output_config": {"bucket": "bucket", "object": "voice/intro"},
        "overwrite": True,
        "title": "intro voice",
        "description": "the opening line",
        "user_data": {"batch": "evening"},
    },
    failing={"input_config": "this line should fail"},
    failure_said='InvalidParameter.InputConfig: Emulated failure: InputConfig contains "fail"',
    success_status="Finished",
    failure_status="Failed",
    # ICE adds the format's extension to the object named.
    output_url=lambda job: "https://bucket.oss-cn-shanghai.aliyuncs.com/voice/intro.mp3",
    bad_inputs=[
        ({"input_config": ""}, "InputConfig"),
        ({"input_config": "x" * 10_001}, "InputConfig"),
        ({"editing_config": {"format": "OGG"}}, "EditingConfig.format"),
        ({"editing_config": {"volume": 101}}, "EditingConfig.volume"),
        ({"output_config": {"bucket": "bucket"}}, "OutputConfig.object"),
        ({"description": "d" * 1025}, "Description"),
        ({"user_data": '["list"]'}, "user_data"),
    ],
)

AVATAR_OUTPUT = "https://bucket.oss-cn-shanghai.aliyuncs.com/avatar/host.mp4"
AVATAR_VIDEO = FamilyCase(
    operator=IceAvatarVideoJobOperator,
    kwargs={
        "input_config": {"Text": "Welcome to the evening highlights."},
        "editing_config": {"AvatarId": "yunqiao", "Voice": "zhiqi"},
        "output_config": {
            "MediaURL": "https://bucket.oss-cn-shanghai.aliyuncs.com/avatar/host.mp4",
            "Width": 1080,
        },
        "title": "host intro",
        "user_data": {"batch": "evening"},
    },
    failing={"input_config": {"Text": "this text should fail"}},
    failure_said='InvalidParameter.InputConfig: Emulated failure: InputConfig contains "fail"',
    success_status="Finished",
    failure_status="Failed",
    output_url=lambda job: AVATAR_OUTPUT,
    bad_inputs=[
        ({"input_config": {}}, "InputConfig"),
        ({"input_config": {"Text": "hi"}}, "InputConfig.Text"),
        ({"editing_config": {"Voice": "zhiqi"}}, "EditingConfig.AvatarId"),
        (
            {"output_config": {"MediaURL": "https://bucket.oss-cn-shanghai.aliyuncs.com/a.mov"}},
            "OutputConfig.MediaURL",
        ),
        ({"title": "t" * 129}, "Title"),
    ],
)

TRANSLATION_OUTPUT = "https://bucket.oss-cn-shanghai.aliyuncs.com/translated/talk-en.mp4"
VIDEO_TRANSLATION = FamilyCase(
    operator=IceVideoTranslationJobOperator,
    kwargs={
        "input_config": {"Type": "Video", "Video": "oss://bucket/in/talk.mp4"},
        "editing_config": {"SourceLanguage": "zh", "TargetLanguage": "en", "DetextArea": "Auto"},
        "output_config": {"MediaURL": TRANSLATION_OUTPUT},
        "title": "talk in English",
        "user_data": {"batch": "evening"},
    },
    failing={"input_config": {"Type": "Video", "Video": "oss://bucket/in/fail.mp4"}},
    failure_said='InvalidParameter.InputConfig: Emulated failure: InputConfig contains "fail"',
    success_status="Finished",
    failure_status="Failed",
    output_url=lambda job: TRANSLATION_OUTPUT,
    bad_inputs=[
        ({"input_config": {"Type": "Image", "Video": "x"}}, "InputConfig.Type"),
        ({"input_config": {"Type": "Audio", "Video": "oss://bucket/in/talk.mp4"}}, "InputConfig"),
        ({"editing_config": {"SourceLanguage": "zh"}}, "EditingConfig.TargetLanguage"),
        ({"output_config": {}}, "OutputConfig.MediaURL"),
        ({"user_data": {"note": "x" * 600}}, "user_data"),
    ],
)

HIGHLIGHT_EXTRACTION = FamilyCase(
    operator=IceHighlightExtractionJobOperator,
    kwargs={
        "input_config": {
            "MediaArray": [{"MediaURL": "https://bucket.oss-cn-shanghai.aliyuncs.com/in/match.mp4"}],
            "Strategy": {"Count": 2, "ClipDuration": 15},
        },
        "output_config": {"NeedExport": True, "Bucket": "bucket", "ObjectKey": "clips/goal_{index}.mp4"},
        "user_data": {"batch": "evening"},
    },
    failing={"input_config": {"MediaArray": [{"MediaId": "fail-media"}]}},
    failure_said='InvalidParameter.InputConfig: Emulated failure: InputConfig contains "fail"',
    success_status="Finished",
    failure_status="Failed",
    output_url=None,
    bad_inputs=[
        ({"input_config": {"MediaArray": []}}, "InputConfig.MediaArray"),
        ({"input_config": {"MediaArray": [{}]}}, "InputConfig.MediaArray[0]"),
        ({"input_config": {"MediaArray": [{"MediaId": "m"}], "Strategy": {"Count": 11}}}, "Strategy.Count"),
        ({"output_config": {"NeedExport": True}}, "OutputConfig"),
        ({"input_config": "{{ 'not json' }}"}, "input_config"),
    ],
)

SEGMENTATION = FamilyCase(
    operator=IceSegmentationJobOperator,
    kwargs={
        "input_config": {"Type": "OSS", "Media": "oss://bucket/in/match.mp4"},
        "job_params": {"Mode": "UserDefined", "Ranges": [{"In": 0, "Out": 10}, {"In": 20, "Out": 30}]},
        "user_data": {"batch": "evening"},
    },
    failing={"input_config": {"Type": "OSS", "Media": "oss://bucket/in/fail.mp4"}},
    failure_said='InvalidParameter.InputConfig: Emulated failure: InputConfig contains "fail"',
    success_status="Finished",
    failure_status="Failed",
    output_url=None,
    bad_inputs=[
        ({"input_config": {"Type": "S3", "Media": "x"}}, "InputConfig.Type"),
        ({"job_params": {"Mode": "Scenes"}}, "JobParams.Mode"),
        ({"job_params": {"Mode": "UserDefined"}}, "JobParams"),
        ({"job_params": {"Mode": "UserDefined", "Ranges": [{"In": 10, "Out": 5}]}}, "JobParams.Ranges[0]"),
        ({"user_data": '["list"]'}, "user_data"),
    ],
)

FAMILIES = [
    pytest.param(IPRODUCTION, id="iproduction"),
    pytest.param(YIKE_STORYBOARD, id="yike_storyboard"),
    pytest.param(YIKE_AI_APP, id="yike_ai_app"),
    pytest.param(MEDIA_PRODUCING, id="media_producing"),
    pytest.param(MEDIA_CONVERT, id="media_convert"),
    pytest.param(SNAPSHOT, id="snapshot"),
    pytest.param(DYNAMIC_IMAGE, id="dynamic_image"),
    pytest.param(MEDIA_INFO, id="media_info"),
    pytest.param(SMARTTAG, id="smarttag"),
    pytest.param(ASR, id="asr"),
    pytest.param(BATCH_MEDIA_PRODUCING, id="batch_media_producing"),
    pytest.param(MEDIA_CENSOR, id="media_censor"),
    pytest.param(PACKAGE, id="package"),
    pytest.param(DECLARED, id="declared"),
    pytest.param(TRANSCODE, id="transcode"),
    pytest.param(AUDIO_PRODUCE, id="audio_produce"),
    pytest.param(AVATAR_VIDEO, id="avatar_video"),
    pytest.param(VIDEO_TRANSLATION, id="video_translation"),
    pytest.param(HIGHLIGHT_EXTRACTION, id="highlight_extraction"),
    pytest.param(SEGMENTATION, id="segmentation"),
]
"""Every job family, for ``@pytest.mark.parametrize("family", FAMILIES)``."""

TOKEN_FAMILIES = [case for case in FAMILIES if case.values[0].takes_client_token]
"""The families whose submit carries ClientToken."""
NO_TOKEN_FAMILIES = [case for case in FAMILIES if not case.values[0].takes_client_token]
"""The families whose submit ICE cannot make idempotent."""
