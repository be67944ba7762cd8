"""Text to speech jobs: SubmitAudioProduceJob, read by GetSmartHandleJob (ICE's read of its smart
jobs). No ``ClientToken`` (a lost submit answer fails the task), no cancel action; the voice track
is a file (``media_url``) and a media asset (``media_id``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.durations import AUDIO_PROCESSING_SECONDS
from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.media_readers import made_media, media_url, model_failure_detail, no_inputs

if TYPE_CHECKING:
    from airflow_ice.models.audio_produce_request import AudioProduceJobRequest

# A job synthesises the whole text before it writes the track.
EXPECTED_SECONDS = AUDIO_PROCESSING_SECONDS


def _expected_seconds(request: AudioProduceJobRequest) -> float:
    return EXPECTED_SECONDS


AUDIO_PRODUCE: JobFamily[AudioProduceJobRequest, Any] = JobFamily(
    name="Text to speech",
    submit_action="SubmitAudioProduceJob",
    get_action="GetSmartHandleJob",
    request_model="airflow_ice.models.audio_produce_request:AudioProduceJobRequest",
    job_model="airflow_ice.models.smart_handle_job:SmartHandleJob",
    output_url_of=media_url,
    outputs_of=made_media,
    outputs_described="the voice track, `media_url` (ICE's `JobResult.MediaUrl`), else `media_id`",
    inputs_of=no_inputs,
    inputs_described="none (the text is `InputConfig`)",
    failure_detail_of=model_failure_detail,
    expected_seconds_of=_expected_seconds,
)
