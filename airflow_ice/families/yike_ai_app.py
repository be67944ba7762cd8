"""Yike AI application jobs: a generative app (image or video) run on its inputs
(Submit/Get/BatchGet/PrecheckYikeAIAppJob). ICE has no cancel action for them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.media_readers import addresses_in, first_output_url, items, model_failure_detail
from airflow_ice.lineage.job_lineage import JobMedia, JobOutputs

if TYPE_CHECKING:
    from airflow_ice.models.yike_ai_app_request import YikeAIAppJobRequest

# An AI-app job runs a generative application (image or video) on its inputs.
EXPECTED_SECONDS = 30.0


def _expected_seconds(request: YikeAIAppJobRequest) -> float:
    return EXPECTED_SECONDS


def _outputs(job: Mapping[str, Any]) -> JobOutputs:
    kinds = ("video_outputs", "image_outputs", "audio_outputs")
    found = [item for kind in kinds for item in items(job.get(kind)) if isinstance(item, Mapping)]
    return JobOutputs.of(items(job.get("output_urls")), [item.get("media_id") for item in found])


def _inputs(request: Mapping[str, Any]) -> list[JobMedia]:
    return addresses_in(request.get("AppParams"))


YIKE_AI_APP: JobFamily[YikeAIAppJobRequest, Any] = JobFamily(
    name="Yike AI app",
    submit_action="SubmitYikeAIAppJob",
    get_action="GetYikeAIAppJob",
    # Reads many jobs in one call (the triggers' batched poll).
    batch_get_action="BatchGetYikeAIAppJob",
    request_model="airflow_ice.models.yike_ai_app_request:YikeAIAppJobRequest",
    job_model="airflow_ice.models.yike_ai_app_job:YikeAIAppJob",
    # to_xcom() lists video outputs first, then images, then audio.
    output_url_of=first_output_url,
    outputs_of=_outputs,
    outputs_described="every video, image and audio output (`OutputUrl`, or `MediaId` when ICE reports no URL)",
    inputs_of=_inputs,
    inputs_described="the OSS objects named anywhere in `AppParams`",
    failure_detail_of=model_failure_detail,
    expected_seconds_of=_expected_seconds,
)
