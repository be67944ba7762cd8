"""What the media job family tests need to know about each family (no tests here).

tests/unit/families/test_every_family.py runs the same operator, sensor and trigger tests for every family
listed in :data:`FAMILIES`; adding a family to the tests is adding a :class:`FamilyCase`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from airflow_ice.hooks.ice import IceHook
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.operators.media_convert import IceMediaConvertJobOperator
from airflow_ice.operators.media_info import IceMediaInfoJobOperator
from airflow_ice.operators.media_producing import IceMediaProducingJobOperator
from airflow_ice.operators.smarttag import IceSmarttagJobOperator
from airflow_ice.operators.snapshot import IceSnapshotJobOperator
from airflow_ice.sensors.base import IceJobSensor
from airflow_ice.sensors.media_convert import IceMediaConvertJobSensor
from airflow_ice.sensors.media_info import IceMediaInfoJobSensor
from airflow_ice.sensors.media_producing import IceMediaProducingJobSensor
from airflow_ice.sensors.smarttag import IceSmarttagJobSensor
from airflow_ice.sensors.snapshot import IceSnapshotJobSensor
from airflow_ice.triggers.base import IceJobTrigger
from airflow_ice.triggers.media_convert import IceMediaConvertJobTrigger
from airflow_ice.triggers.media_info import IceMediaInfoJobTrigger
from airflow_ice.triggers.media_producing import IceMediaProducingJobTrigger
from airflow_ice.triggers.smarttag import IceSmarttagJobTrigger
from airflow_ice.triggers.snapshot import IceSnapshotJobTrigger


@dataclass(frozen=True)
class FamilyCase:
    """One media job family as the shared tests drive it.

    :param name: the family's display name (``JobFamily.name``).
    :param operator: its operator class; ``sensor`` and ``trigger`` likewise.
    :param submit_action: the submit action; ``get_action`` the status action.
    :param kwargs: operator parameters of a job that succeeds.
    :param failing: parameters to change so that the emulated job fails.
    :param failure_said: what ICE says about the failure (in the task's error).
    :param success_status: ICE's success status; ``failure_status`` likewise.
    :param submit: submits ``kwargs`` (with ``failing`` changes) through a hook; returns the job id.
    :param output_url: the output URL in a successful job's XCom form; None for a family without
        an output file.
    :param bad_inputs: (parameter changes, the name the error must quote) rejected before any submit.
    :param takes_client_token: whether the submit carries ClientToken.
    """

    name: str
    operator: type[IceJobOperator]
    sensor: type[IceJobSensor]
    trigger: type[IceJobTrigger]
    submit_action: str
    get_action: str
    kwargs: Mapping[str, Any]
    failing: Mapping[str, Any]
    failure_said: str
    success_status: str
    failure_status: str
    submit: Callable[[IceHook, Mapping[str, Any]], str]
    output_url: Callable[[Mapping[str, Any]], str | None] | None
    bad_inputs: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    takes_client_token: bool = False

    def submit_job(self, *, fail: bool = False) -> str:
        """Submit a job of this family through the hook (``ice_default``)."""
        with IceHook() as hook:
            return self.submit(hook, {**self.kwargs, **(self.failing if fail else {})})


OUT_URL = "https://bucket.oss-cn-shanghai.aliyuncs.com/out/highlight.mp4"
TIMELINE = {
    "VideoTracks": [
        {"VideoTrackClips": [{"MediaURL": "https://bucket.oss-cn-shanghai.aliyuncs.com/in/clip.mp4"}]}
    ]
}

MEDIA_PRODUCING = FamilyCase(
    name="Media producing",
    operator=IceMediaProducingJobOperator,
    sensor=IceMediaProducingJobSensor,
    trigger=IceMediaProducingJobTrigger,
    submit_action="SubmitMediaProducingJob",
    get_action="GetMediaProducingJob",
    kwargs={"timeline": TIMELINE, "output_media_config": {"MediaURL": OUT_URL}},
    failing={"timeline": {"VideoTracks": [{"VideoTrackClips": [{"MediaURL": "https://b/fail.mp4"}]}]}},
    failure_said='Emulated failure: the Timeline or ClipsParam contains "fail"',
    success_status="Success",
    failure_status="Failed",
    submit=lambda hook, kwargs: hook.submit_media_producing_job(dict(kwargs)),
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
    takes_client_token=True,
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
    name="Media convert",
    operator=IceMediaConvertJobOperator,
    sensor=IceMediaConvertJobSensor,
    trigger=IceMediaConvertJobTrigger,
    submit_action="SubmitMediaConvertJob",
    get_action="GetMediaConvertJob",
    kwargs={"config": convert_config(), "pipeline_id": "pipeline-1"},
    failing={"config": convert_config("oss://bucket/in/fail.mov")},
    failure_said='InputFile.DownloadFailed: Emulated failure: an input\'s InputFile.Media contains "fail"',
    success_status="Complete",
    failure_status="Error",
    submit=lambda hook, kwargs: hook.submit_media_convert_job(dict(kwargs)),
    output_url=lambda job: job["output_urls"][0] if job["output_urls"] else None,
    bad_inputs=[
        ({"config": {"Inputs": []}}, "Config.Inputs"),
        ({"config": {**convert_config(), "Outputs": []}}, "give at least one of Outputs and OutputGroups"),
        ({"config": {**convert_config(), "Inputs": [{"Name": "in"}]}}, "Config.Inputs[0].InputFile"),
        ({"config": {**convert_config(), "JobName": "n" * 65}}, "Config.JobName"),
        ({"config": "{{ 'not json' }}"}, "config"),
        ({"user_data": '["list"]'}, "user_data"),
    ],
    takes_client_token=True,
)

SNAPSHOT_URL = "https://bucket.oss-cn-shanghai.aliyuncs.com/snap/cover.jpg"
SNAPSHOT = FamilyCase(
    name="Snapshot",
    operator=IceSnapshotJobOperator,
    sensor=IceSnapshotJobSensor,
    trigger=IceSnapshotJobTrigger,
    submit_action="SubmitSnapshotJob",
    get_action="GetSnapshotJob",
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
    submit=lambda hook, kwargs: hook.submit_snapshot_job(dict(kwargs)),
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

MEDIA_INFO = FamilyCase(
    name="Media info",
    operator=IceMediaInfoJobOperator,
    sensor=IceMediaInfoJobSensor,
    trigger=IceMediaInfoJobTrigger,
    submit_action="SubmitMediaInfoJob",
    get_action="GetMediaInfoJob",
    kwargs={
        "input": {"Type": "OSS", "Media": "oss://bucket/out/highlight.mp4"},
        "schedule_config": {"Priority": 6},
    },
    failing={"input": {"Type": "OSS", "Media": "oss://bucket/out/fail.mp4"}},
    failure_said='Emulated failure: Input.Media contains "fail"',
    success_status="Success",
    failure_status="Fail",
    submit=lambda hook, kwargs: hook.submit_media_info_job(dict(kwargs)),
    output_url=None,
    bad_inputs=[
        ({"input": {"Type": "Disk", "Media": "x"}}, "Input.Type"),
        ({"input": {"Type": "OSS", "Media": ""}}, "Input.Media"),
        ({"schedule_config": {"Priority": 0}}, "ScheduleConfig.Priority"),
        ({"input": '{"Type": "OSS", "Media": '}, "input"),
    ],
)

SMARTTAG = FamilyCase(
    name="Smart tagging",
    operator=IceSmarttagJobOperator,
    sensor=IceSmarttagJobSensor,
    trigger=IceSmarttagJobTrigger,
    submit_action="SubmitSmarttagJob",
    get_action="QuerySmarttagJob",
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
    submit=lambda hook, kwargs: hook.submit_smarttag_job(
        {("params" if key == "job_params" else key): value for key, value in kwargs.items()}
    ),
    output_url=None,
    bad_inputs=[
        ({"input": {"Type": "S3", "Media": "x"}}, "Input.Type"),
        ({"notify_url": "mns://queue"}, "NotifyUrl"),
        ({"title": "t" * 257}, "Title"),
        ({"job_params": "{{ 'not json' }}"}, "Params"),
        ({"user_data": {"note": "x" * 1000}}, "user_data"),
    ],
)

FAMILIES = [
    pytest.param(MEDIA_PRODUCING, id="media_producing"),
    pytest.param(MEDIA_CONVERT, id="media_convert"),
    pytest.param(SNAPSHOT, id="snapshot"),
    pytest.param(MEDIA_INFO, id="media_info"),
    pytest.param(SMARTTAG, id="smarttag"),
]
"""Every media family, for ``@pytest.mark.parametrize("family", FAMILIES)``."""

TOKEN_FAMILIES = [case for case in FAMILIES if case.values[0].takes_client_token]
"""The families whose submit carries ClientToken."""
NO_TOKEN_FAMILIES = [case for case in FAMILIES if not case.values[0].takes_client_token]
"""The families whose submit ICE cannot make idempotent."""
