"""GetPackageJob's answer (a packaging job), read leniently."""

from __future__ import annotations

import json

from airflow_ice.models import PackageJob, PackageJobStatus

# Built from the example values of GetPackageJob's API reference page (its "Response elements"
# table), with the status a finished job has; the page's sample answer was not recorded.
PUBLISHED = {
    "RequestId": "31E30781-9495-5E2D-A84D-759B0A01E262",
    "PackageJob": {
        "JobId": "ab4802364a2e49208c99efab82df****",
        "TriggerSource": "API",
        "Name": "job-name",
        "Inputs": [{"Input": {"Type": "OSS", "Media": "oss://bucket/path/to/video.mp4"}}],
        "Output": {"Type": "OSS", "Media": "oss://bucket/path/to/video.m3u8"},
        "OutputUrl": "http://bucket.oss-cn-shanghai.aliyuncs.com/output.m3u8",
        "PipelineId": "36f3fee40aa047c0b067d0fb85ed****",
        "Priority": 6,
        "Status": "Success",
        "SubmitTime": "2022-07-12T16:17:54Z",
        "FinishTime": "2022-07-12T16:30:54Z",
        "CreateTime": "2022-07-12T16:17:54Z",
        "ModifiedTime": "2022-07-12T16:30:54Z",
        "UserData": '{"param": "value"}',
    },
}


def test_the_published_answer_reads_with_the_manifests_address() -> None:
    job = PackageJob.from_response(PUBLISHED)

    assert job.status is PackageJobStatus.SUCCESS
    assert job.succeeded
    assert job.parse_warnings == []
    assert job.unparsed_fields == {}
    xcom = job.to_xcom()
    assert xcom["output_media"] == "oss://bucket/path/to/video.m3u8"
    assert xcom["output_url"] == "http://bucket.oss-cn-shanghai.aliyuncs.com/output.m3u8"
    assert xcom["inputs"] == ["oss://bucket/path/to/video.mp4"]
    assert (job.priority, job.trigger_source, job.pipeline_id) == (
        6,
        "API",
        "36f3fee40aa047c0b067d0fb85ed****",
    )
    assert xcom["finish_time"] == "2022-07-12T16:30:54+00:00"
    assert json.loads(json.dumps(xcom)) == xcom
    assert PackageJob.model_validate(job.model_dump()) == job


def test_a_job_still_running_has_no_output_url_yet() -> None:
    job = PackageJob.from_response(
        {"PackageJob": {**PUBLISHED["PackageJob"], "Status": "Init", "OutputUrl": None}}
    )
    assert not job.is_terminal
    assert job.to_xcom()["output_url"] is None
    assert job.to_xcom()["output_media"] == "oss://bucket/path/to/video.m3u8"


def test_a_failed_job_says_what_ice_said() -> None:
    job = PackageJob.from_response(
        {
            "PackageJob": {
                "JobId": "j",
                "Status": "fail",
                "Code": "InvalidParameter",
                "Message": "Resource content bad.",
            }
        }
    )
    assert job.failed
    assert job.failure_detail == "InvalidParameter: Resource content bad."


def test_the_unexpected_is_kept_raw_and_named() -> None:
    job = PackageJob.from_response(
        {
            "PackageJob": {
                "JobId": "j",
                "Status": "Packaging",
                "Inputs": {"Input": "oss://b/k.m3u8"},
                "Output": "oss://b/master.m3u8",
                "Priority": "high",
                "Encryption": {"Type": "AES_128"},
            }
        }
    )
    assert not job.is_terminal  # an unknown status: still running
    assert job.status_text == "Packaging"
    assert job.unparsed_fields == {
        "Inputs": {"Input": "oss://b/k.m3u8"},
        "Output": "oss://b/master.m3u8",
        "Priority": "high",
        "Encryption": {"Type": "AES_128"},
    }
    assert len(job.parse_warnings) == 5  # the four, and the unknown status
    assert job.to_xcom()["inputs"] == []
    assert job.to_xcom()["output_media"] is None


def test_a_rendition_that_is_not_plain_json_is_kept_and_the_job_still_reads() -> None:
    answer = {
        "PackageJob": {
            "JobId": "j",
            "Status": "Success",
            "Inputs": [
                {"Input": {"Type": float("nan"), "Media": "oss://b/720p.m3u8"}},
                {"Input": {"Type": "OSS", "Media": "oss://b/1080p.m3u8"}},
            ],
        }
    }
    job = PackageJob.from_response(answer)

    assert job.succeeded
    assert len(job.inputs) == 2
    assert job.to_xcom()["inputs"][1] == "oss://b/1080p.m3u8"
    json.dumps(job.to_xcom(), allow_nan=False)
