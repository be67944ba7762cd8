"""Packaging jobs: HLS or DASH packaging of several renditions behind one manifest
(Submit/GetPackageJob). No ``ClientToken`` (a lost submit answer fails the task), no cancel action."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.durations import VIDEO_REWRITE_SECONDS
from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.media_readers import (
    items,
    media_file,
    member,
    model_failure_detail,
    output_url,
    request_output,
)
from airflow_ice.lineage.job_lineage import JobMedia, JobOutputs

if TYPE_CHECKING:
    from airflow_ice.models.package_request import PackageJobRequest

# A job segments every rendition and writes the manifests.
EXPECTED_SECONDS = VIDEO_REWRITE_SECONDS


def _expected_seconds(request: PackageJobRequest) -> float:
    return EXPECTED_SECONDS


def _inputs(request: Mapping[str, Any]) -> list[JobMedia]:
    return [media for item in items(request.get("Inputs")) for media in media_file(member(item, "Input"))]


def _outputs(job: Mapping[str, Any]) -> JobOutputs:
    return JobOutputs.of([job.get("output_url") or job.get("output_media")])


PACKAGE: JobFamily[PackageJobRequest, Any] = JobFamily(
    name="Packaging",
    submit_action="SubmitPackageJob",
    get_action="GetPackageJob",
    request_model="airflow_ice.models.package_request:PackageJobRequest",
    job_model="airflow_ice.models.package_job:PackageJob",
    output_url_of=output_url,
    outputs_of=_outputs,
    outputs_described="the manifest, `OutputUrl` (else `Output.Media`)",
    inputs_of=_inputs,
    inputs_described="every rendition, each `Inputs[].Input` (an OSS object or a media id)",
    requested_outputs_of=request_output,
    failure_detail_of=model_failure_detail,
    expected_seconds_of=_expected_seconds,
)
