"""Snapshot jobs: single, interval, sprite or WebVTT snapshots of a video (Submit/GetSnapshotJob).
No ``ClientToken`` (a lost submit answer fails the task), no cancel action."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.durations import VIDEO_ANALYSIS_SECONDS
from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.list_check import ListCheck
from airflow_ice.jobs.media_readers import model_failure_detail, output_url, request_input, request_output
from airflow_ice.lineage.job_lineage import JobMedia, JobOutputs

if TYPE_CHECKING:
    from airflow_ice.models.snapshot_request import SnapshotJobRequest

# A job decodes up to the frames it captures.
EXPECTED_SECONDS = VIDEO_ANALYSIS_SECONDS
_PLACEHOLDER = re.compile(r"\{(Count|TileCount)\}")
# ICE numbers several snapshots from 1 in five digits: output-{Count}.jpg -> output-00001.jpg, ...
# (the GetSnapshotUrls example of ICE's API reference).
NUMBER_DIGITS = 5


def _expected_seconds(request: SnapshotJobRequest) -> float:
    return EXPECTED_SECONDS


def _requested_outputs(request: Mapping[str, Any]) -> list[JobMedia]:
    # A numbered output names its files only once the job says how many it wrote.
    return [media for media in request_output(request) if not _PLACEHOLDER.search(media.media)]


def _files(job: Mapping[str, Any]) -> Iterator[str]:
    """The files of a finished job: the single snapshot's URL, the WebVTT file, or one file per
    ``{Count}`` number (a sprite's ``{TileCount}`` tiles are not counted in the answer: none)."""
    if job.get("output_url"):
        yield str(job["output_url"])
        return
    media = job.get("output_media")
    if not isinstance(media, str) or not media.strip():
        return
    count = job.get("count")
    if "{Count}" in media and isinstance(count, int) and not isinstance(count, bool) and count > 0:
        for number in range(1, count + 1):
            yield media.replace("{Count}", f"{number:0{NUMBER_DIGITS}d}")
    elif not _PLACEHOLDER.search(media):
        yield media


def _outputs(job: Mapping[str, Any]) -> JobOutputs:
    return JobOutputs.of(_files(job))


SNAPSHOT: JobFamily[SnapshotJobRequest, Any] = JobFamily(
    name="Snapshot",
    submit_action="SubmitSnapshotJob",
    get_action="GetSnapshotJob",
    request_model="airflow_ice.models.snapshot_request:SnapshotJobRequest",
    job_model="airflow_ice.models.snapshot_job:SnapshotJob",
    output_url_of=output_url,
    outputs_of=_outputs,
    outputs_described=(
        "every image: the single snapshot, each numbered file of `{Count}` (`-00001` to the job's "
        "`Count`), or the WebVTT file; a sprite's tiles are not counted by ICE: none"
    ),
    inputs_of=request_input,
    inputs_described="`Input` (an OSS object or a media id)",
    requested_outputs_of=_requested_outputs,
    failure_detail_of=model_failure_detail,
    expected_seconds_of=_expected_seconds,
    # Its items lack Code, Message, UserData and TemplateConfig: a finished job is read once with its Get.
    list_check=ListCheck(
        action="ListSnapshotJobs",
        finished_statuses=("Success", "Fail"),
        running_statuses=("Init",),
        list_key="Jobs",
    ),
)
