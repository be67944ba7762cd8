"""The media job families' models: ICE's published answers parse, the unexpected is kept raw, and
requests are checked before anything is sent."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from airflow_ice.errors import IceInvalidRequestError, IceResponseError
from airflow_ice.models import (
    MediaProducingJob,
    MediaProducingJobRequest,
    MediaProducingJobStatus,
    validate_request,
)

EXAMPLES = json.loads(
    (Path(__file__).parent / "fixtures" / "emulator" / "published_examples.json").read_text()
)
OUT = {"MediaURL": "https://bucket.oss-cn-shanghai.aliyuncs.com/out.mp4"}


def test_media_producing_job_parses_the_published_example() -> None:
    job = MediaProducingJob.from_response(EXAMPLES["GetMediaProducingJob"])

    assert job.parse_warnings == []
    assert job.job_id == "****cdb3e74639973036bc84****"
    assert job.request_id == "****63E8B7C7-4812-46AD-0FA56029AC86****"
    assert job.status is MediaProducingJobStatus.SUCCESS
    assert job.succeeded
    assert job.is_terminal
    assert job.media_url == "http://test-bucket.oss-cn-shanghai.aliyuncs.com/test.mp4"
    assert job.duration == 30.1
    assert job.progress == 100
    assert job.complete_time == datetime(2020, 12, 23, 13, 33, 52, tzinfo=timezone.utc)
    assert (
        job.failure_detail == "ExceededMaximumValue: The end time of the timeline exceeds the maximum value"
    )
    xcom = job.to_xcom()
    assert json.loads(json.dumps(xcom)) == xcom
    assert xcom["vod_media_id"] == "****d80e4e4044975745c14b****"
    # A dump validates back to the same job (the trigger event and XCom carry dumps).
    assert MediaProducingJob.model_validate(job.model_dump()) == job


def test_media_producing_job_keeps_the_unexpected_raw() -> None:
    body: dict[str, Any] = {
        "RequestId": "r",
        "MediaProducingJob": {
            "JobId": "j1",
            "Status": "Rendering",
            "Duration": "long",
            "Progress": "50",
            "NewField": {"x": 1},
        },
    }

    job = MediaProducingJob.from_response(body)

    assert job.status == "Rendering"
    assert not job.is_terminal
    assert job.progress == 50
    assert job.duration is None
    assert job.unparsed_fields == {"Duration": "long", "NewField": {"x": 1}}
    assert any("unknown status 'Rendering'" in warning for warning in job.parse_warnings)


def test_an_answer_without_a_job_is_an_unusable_answer() -> None:
    with pytest.raises(IceResponseError, match="GetMediaProducingJob"):
        MediaProducingJob.from_response({"RequestId": "r", "MediaProducingJob": "gone"})


def test_media_producing_request_places_timeline_in_the_body() -> None:
    request = validate_request(
        MediaProducingJobRequest,
        {
            "timeline": {"VideoTracks": []},
            "output_media_config": OUT,
            "user_data": {"a": 1},
            "client_token": "t",
        },
    )

    assert request.to_body() == {"Timeline": '{"VideoTracks":[]}'}
    assert request.to_query() == {
        "OutputMediaConfig": json.dumps(OUT, separators=(",", ":")),
        "UserData": '{"a":1}',
        "ClientToken": "t",
    }
    assert request.output_media_url == OUT["MediaURL"]


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"timeline": None}, "exactly one of timeline, template_id or project_id"),
        ({"project_id": "p1"}, "got timeline, project_id"),
        ({"timeline": None, "template_id": "t1"}, "clips_param (ClipsParam) is required with template_id"),
        ({"output_media_config": {"Width": 1}}, "needs MediaURL"),
        ({"output_media_config": "[1]"}, "must be a JSON object"),
        ({"output_media_target": "vod-media"}, "needs StorageLocation and FileName"),
        ({"client_token": "t" * 65}, "ClientToken"),
        ({"client_token": "tök"}, "ClientToken"),
        ({"user_data": {"n": "é" * 300}}, "UserData"),
        ({"source": "Cli"}, "Source"),
        ({"timelines": {}}, "timelines"),
    ],
)
def test_bad_media_producing_requests_are_named(changes: dict[str, Any], named: str) -> None:
    data = {"timeline": {"VideoTracks": []}, "output_media_config": OUT, **changes}

    with pytest.raises(IceInvalidRequestError, match="MediaProducingJobRequest") as raised:
        validate_request(MediaProducingJobRequest, {k: v for k, v in data.items() if v is not None})
    assert named in str(raised.value)
