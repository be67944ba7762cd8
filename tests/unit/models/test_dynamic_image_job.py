"""The animated image family's models: an answer shaped as ICE documents it parses, the unexpected
is kept raw with a warning, and requests are checked before anything is sent."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from airflow_ice.errors import IceInvalidRequestError
from airflow_ice.models import (
    DynamicImageJob,
    DynamicImageJobRequest,
    DynamicImageJobStatus,
    validate_request,
)

# No stored copy of ICE's GetDynamicImageJob page showed its sample (see the fixture's _sources):
# shaped after the official SDK's GetDynamicImageJobResponseBody, with the example values of the
# page's field table where they were visible.
ANSWER: dict[str, Any] = {
    "RequestId": "******36-3C1E-4417-BDB2-1E034F******",
    "DynamicImageJob": {
        "JobId": "****d80e4e4044975745c14b****",
        "TriggerSource": "API",
        "Name": "SampleJob",
        "Status": "Success",
        "Input": {
            "Type": "OSS",
            "Media": "oss://test-bucket/object.mp4",
            "OssFile": {"Bucket": "test-bucket", "Location": "oss-cn-shanghai", "Object": "object.mp4"},
        },
        "Output": {
            "Type": "OSS",
            "Media": "oss://test-bucket/preview.gif",
            "OssFile": {"Bucket": "test-bucket", "Location": "oss-cn-shanghai", "Object": "preview.gif"},
        },
        "OutputUrl": "http://test-bucket.oss-cn-shanghai.aliyuncs.com/preview.gif",
        "TemplateId": "****96e8864746a0b6f3****",
        "TemplateConfig": '{"Format":"gif","Fps":15,"Width":1024,"Height":720}',
        "PipelineId": "****d80e4e4044975745c14b****",
        "UserData": '{"test parameter": "test value"}',
        "CreateTime": "2022-07-12T16:17:54Z",
        "SubmitTime": "2022-07-12T16:17:54Z",
        "ModifiedTime": "2022-07-12T16:30:54Z",
        "FinishTime": "2022-07-12T16:30:54Z",
    },
}


def test_dynamic_image_job_parses_the_documented_answer() -> None:
    job = DynamicImageJob.from_response(ANSWER)

    assert job.parse_warnings == []
    assert job.unparsed_fields == {}
    assert (job.request_id, job.job_id) == (
        "******36-3C1E-4417-BDB2-1E034F******",
        "****d80e4e4044975745c14b****",
    )
    assert job.status is DynamicImageJobStatus.SUCCESS
    assert job.succeeded
    assert (job.name, job.trigger_source, job.template_id) == ("SampleJob", "API", "****96e8864746a0b6f3****")
    assert job.output_url == "http://test-bucket.oss-cn-shanghai.aliyuncs.com/preview.gif"
    assert job.output is not None
    assert job.output["OssFile"]["Object"] == "preview.gif"
    assert json.loads(job.template_config or "") == {"Format": "gif", "Fps": 15, "Width": 1024, "Height": 720}
    assert job.finish_time == datetime(2022, 7, 12, 16, 30, 54, tzinfo=timezone.utc)
    xcom = job.to_xcom()
    assert xcom == {
        "job_id": "****d80e4e4044975745c14b****",
        "status": "Success",
        "output_media": "oss://test-bucket/preview.gif",
        "output_url": "http://test-bucket.oss-cn-shanghai.aliyuncs.com/preview.gif",
        "code": None,
        "message": None,
        "user_data": '{"test parameter": "test value"}',
        "create_time": "2022-07-12T16:17:54+00:00",
        "finish_time": "2022-07-12T16:30:54+00:00",
    }
    assert json.loads(json.dumps(xcom)) == xcom
    assert DynamicImageJob.model_validate(job.model_dump()) == job


def test_a_failed_dynamic_image_job_says_why() -> None:
    job = DynamicImageJob.from_response(
        {
            "DynamicImageJob": {
                "JobId": "j",
                "Status": "fail",
                "Code": "InvalidParameter",
                "Message": "bad fps",
            }
        }
    )

    assert job.failed
    assert job.is_terminal
    assert job.failure_detail == "InvalidParameter: bad fps"


def test_dynamic_image_job_keeps_the_unexpected_raw() -> None:
    job = DynamicImageJob.from_response(
        {"DynamicImageJob": {"JobId": "j", "Status": "Animating", "OutputUrl": 7, "Frames": [1, 2]}}
    )

    assert not job.is_terminal  # an unknown status: still running
    assert job.status_text == "Animating"
    assert job.output_url is None
    assert job.unparsed_fields == {"OutputUrl": 7, "Frames": [1, 2]}
    assert any("Frames" in warning for warning in job.parse_warnings)
    assert any("OutputUrl" in warning for warning in job.parse_warnings)


REQUEST = {
    "input": {"Type": "OSS", "Media": "oss://bucket/in.mp4"},
    "output": {"Type": "OSS", "Media": "oss://bucket/preview.gif"},
}


@pytest.mark.parametrize("moment", ["00:00:05", "5", "86399.999", "23:59:59.999", "1:02:03.5"])
def test_time_span_takes_both_forms(moment: str) -> None:
    time_span = {"Seek": moment, "Duration": moment, "End": moment}
    request = validate_request(
        DynamicImageJobRequest,
        {**REQUEST, "template_config": {"TemplateId": "t", "OverwriteParams": {"TimeSpan": time_span}}},
    )

    assert json.loads(request.to_query()["TemplateConfig"])["OverwriteParams"]["TimeSpan"] == time_span


@pytest.mark.parametrize(
    ("overwrite", "named"),
    [
        ({"TimeSpan": {"Seek": "00:05"}}, "Seek"),
        ({"TimeSpan": {"End": "00:00:60"}}, "End"),
        ({"TimeSpan": {"Duration": "-1"}}, "Duration"),
        ({"Fps": 0}, "Fps"),
        ({"Height": 4097}, "Height"),
        ({"ScanMode": "zigzag"}, "ScanMode"),
        ({"Format": "GIF"}, "Format"),
    ],
)
def test_overwrite_params_are_checked(overwrite: dict[str, Any], named: str) -> None:
    with pytest.raises(IceInvalidRequestError, match=named):
        validate_request(
            DynamicImageJobRequest,
            {**REQUEST, "template_config": {"TemplateId": "t", "OverwriteParams": overwrite}},
        )


def test_other_template_settings_are_passed_on() -> None:
    # ICE's templates take more settings than the SDK names; those are sent as given.
    request = validate_request(
        DynamicImageJobRequest,
        {**REQUEST, "template_config": {"TemplateId": "t", "OverwriteParams": {"Format": "webp", "Loop": 0}}},
    )

    assert json.loads(request.to_query()["TemplateConfig"]) == {
        "OverwriteParams": {"Format": "webp", "Loop": 0},
        "TemplateId": "t",
    }
