"""Media censor (content moderation) jobs: a video's frames, its title, description, bullet comments
and covers checked for what must not be published (SubmitMediaCensorJob / QueryMediaCensorJobDetail).
No ``ClientToken`` (a lost submit answer fails the task), no cancel action."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.durations import VIDEO_ANALYSIS_SECONDS
from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.media_readers import model_failure_detail, no_output_url, request_input
from airflow_ice.lineage.job_lineage import JobMedia, JobOutputs

if TYPE_CHECKING:
    from airflow_ice.models.media_censor_request import MediaCensorJobRequest

# A job decodes the video to moderate its frames.
EXPECTED_SECONDS = VIDEO_ANALYSIS_SECONDS
_PLACEHOLDER = re.compile(r"\{\w+\}")


def _expected_seconds(request: MediaCensorJobRequest) -> float:
    return EXPECTED_SECONDS


def _requested_outputs(request: Mapping[str, Any]) -> list[JobMedia]:
    # The frames' snapshots are numbered ({Count}) and the results file is named by the job id:
    # an Output without a placeholder is the only file named before the job runs.
    output = request.get("Output")
    if not isinstance(output, str) or not output.strip() or _PLACEHOLDER.search(output):
        return []
    return [JobMedia(output.strip())]


def _outputs(job: Mapping[str, Any]) -> JobOutputs:
    return JobOutputs.of([job.get("result_file")])


MEDIA_CENSOR: JobFamily[MediaCensorJobRequest, Any] = JobFamily(
    name="Media censor",
    submit_action="SubmitMediaCensorJob",
    get_action="QueryMediaCensorJobDetail",
    request_model="airflow_ice.models.media_censor_request:MediaCensorJobRequest",
    job_model="airflow_ice.models.media_censor_job:MediaCensorJob",
    output_url_of=no_output_url,
    outputs_of=_outputs,
    outputs_described=(
        "the results file, `result_file` (`<JobId>.output` beside the frames' snapshots); the "
        "verdicts themselves are in XCom's `suggestion` and `flagged`"
    ),
    inputs_of=request_input,
    inputs_described="`Input` (an OSS object or a media id)",
    requested_outputs_of=_requested_outputs,
    failure_detail_of=model_failure_detail,
    expected_seconds_of=_expected_seconds,
)
