"""Media info jobs: SubmitMediaInfoJob and GetMediaInfoJob.

Conventions: an input Media containing ``fail`` ends ``Fail``. Statuses: ``Init``, then ``Success``
or ``Fail``. Every figure of MediaInfoProperty is a string, as ICE sends them. No ClientToken.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import format_time, json_object
from airflow_ice.emulator.actions.iproduction import media_parameter, schedule_config_parameter
from airflow_ice.emulator.actions.lifecycle import LifecycleActions, LifecycleJob, marker_failure
from airflow_ice.emulator.actions.listing import MEDIA_INFO_LIST
from airflow_ice.emulator.results import oss_location, oss_url

# What ICE reports for a 10-second 1280x720 H.264/AAC MP4, under the official SDK's names (a video
# stream's in ffprobe's style: Codec_name, Bit_rate; an audio stream's CodecName, SampleRate).
VIDEO_STREAM = {
    "Index": "0",
    "Codec_name": "h264",
    "Codec_long_name": "H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10",
    "Profile": "High",
    "Level": "31",
    "PixFmt": "yuv420p",
    "Width": "1280",
    "Height": "720",
    "Fps": "25.0",
    "Avg_fps": "25.0",
    "Dar": "16:9",
    "Sar": "1:1",
    "Rotate": "0",
    "NumFrames": "250",
    "Duration": "10.0",
    "Bit_rate": "1500.0",
    "Has_b_frames": "2",
    "Time_base": "1/12800",
    "Start_time": "0.000000",
}
AUDIO_STREAM = {
    "Index": "1",
    "CodecName": "aac",
    "CodecLongName": "AAC (Advanced Audio Coding)",
    "Channels": "2",
    "ChannelLayout": "stereo",
    "SampleRate": "44100",
    "SampleFmt": "fltp",
    "Duration": "10.0",
    "Bitrate": "128.0",
    "Timebase": "1/44100",
    "StartTime": "0.000000",
}


class MediaInfoActions(LifecycleActions):
    """The media info action group."""

    SUBMIT = "SubmitMediaInfoJob"
    GET = "GetMediaInfoJob"
    LIST = MEDIA_INFO_LIST
    RUNNING = ("Init",)
    SUCCESS = "Success"
    FAILURE = "Fail"

    def check(self, params: Mapping[str, str]) -> bool:
        """ICE's checks: an Input; a ScheduleConfig priority from 1 to 10."""
        job_input = media_parameter(params, "Input")
        schedule_config_parameter(params)
        return "fail" in str(job_input["Media"]).lower()

    def submit_answer(self, job: LifecycleJob) -> dict[str, Any]:
        """The job as GetMediaInfoJob describes it at submit time."""
        return self.describe(job, job.created_at)

    def describe(self, job: LifecycleJob, now: float) -> dict[str, Any]:
        """The GetMediaInfoJob body (without RequestId)."""
        status = self.status(job, now)
        job_input = json_object(job.params, "Input") or {}
        body: dict[str, Any] = {
            "JobId": job.job_id,
            "Name": job.params.get("Name"),
            "Status": status,
            "Async": True,
            "TriggerSource": "API",
            "Input": job_input,
            "ScheduleConfig": json_object(job.params, "ScheduleConfig"),
            "UserData": job.params.get("UserData"),
            "SubmitTime": format_time(job.created_at),
        }
        if status != "Init":
            body["FinishTime"] = format_time(job.finished_at)
        if status == self.SUCCESS:
            body["MediaInfoProperty"] = self._property(str(job_input.get("Media", "")))
        elif status == self.FAILURE:
            body["SubmitResultJson"] = {
                "Code": "InvalidParameter.Input",
                "Message": marker_failure("Input.Media"),
            }
        return {"MediaInfoJob": {key: value for key, value in body.items() if value is not None}}

    def _property(self, media: str) -> dict[str, Any]:
        bucket, key = oss_location(media)
        return {
            "FileBasicInfo": {
                "FileName": key.rpartition("/")[2],
                "FileUrl": oss_url(bucket, key, self.env.region) if bucket else media,
                "FileStatus": "Normal",
                "FileType": "source_file",
                "FormatName": "mov,mp4,m4a,3gp,3g2,mj2",
                "Duration": "10.0",
                "Bitrate": "1628.0",
                "FileSize": "2035000",
                "Width": "1280",
                "Height": "720",
                "Region": self.env.region,
            },
            "VideoStreamInfoList": [dict(VIDEO_STREAM)],
            "AudioStreamInfoList": [dict(AUDIO_STREAM)],
        }
