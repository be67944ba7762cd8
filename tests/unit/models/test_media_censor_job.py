"""QueryMediaCensorJobDetail's answer (content moderation), its verdicts typed and read leniently;
SubmitMediaCensorJob's request checked before anything is sent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_ice.errors import IceInvalidRequestError
from airflow_ice.models import (
    CensorSuggestion,
    MediaCensorJob,
    MediaCensorJobRequest,
    MediaCensorJobStatus,
    validate_request,
)
from tests.support.paths import FIXTURES

EXAMPLES = json.loads((FIXTURES / "emulator" / "published_examples.json").read_text())


def published() -> dict[str, Any]:
    """ICE's sample (the part the stored page showed); it did not show the JobId, added here."""
    answer = json.loads(json.dumps(EXAMPLES["QueryMediaCensorJobDetail"]))
    answer["MediaCensorJobDetail"]["JobId"] = "2288c6ca184c0e47098a5b665e2a12****"
    return answer


def test_the_published_answer_reads_with_every_verdict() -> None:
    job = MediaCensorJob.from_response(published())

    assert job.parse_warnings == []
    assert job.unparsed_fields == {}
    assert job.status is MediaCensorJobStatus.SUCCESS
    assert job.succeeded
    assert job.suggestion is CensorSuggestion.BLOCK
    assert job.title_result is not None
    assert (job.title_result.suggestion, job.title_result.label, job.title_result.rate) == (
        CensorSuggestion.BLOCK,
        "meaningless",
        99.91,
    )
    assert job.description_result is not None
    assert job.description_result.suggestion is CensorSuggestion.REVIEW
    [cover] = job.cover_image_results
    assert (cover.bucket, cover.object) == ("bucket-out-test-****", "test/ai/censor/v2/vme-****.jpg")
    assert [result.suggestion for result in cover.results] == [CensorSuggestion.PASS]
    assert job.input is not None
    assert job.input.oss_url == "oss://bucket-test-in-****/test/ai/censor/test-****.mp4"

    xcom = job.to_xcom()
    assert json.loads(json.dumps(xcom)) == xcom
    assert xcom["suggestion"] == "block"
    # Only what ICE did not pass: the title (block) and the description (review); the barrages
    # and the cover passed.
    assert xcom["flagged"] == {
        "title": {"suggestion": "block", "label": "meaningless", "scene": "antispam", "rate": 99.91},
        "description": {"suggestion": "review", "label": "terrorism", "scene": None, "rate": None},
    }
    assert xcom["creation_time"] == "2018-09-13T16:32:24+00:00"
    assert MediaCensorJob.model_validate(job.model_dump()) == job


def test_frames_and_covers_flagged_are_summarised_and_the_next_page_named() -> None:
    answer = {
        "JobId": "j",
        "State": "Success",
        "Suggestion": "Review",  # any case
        "VensorCensorResult": {
            "CensorResults": {"CensorResult": [{"Suggestion": "review", "Scene": "porn", "Label": "sexy"}]},
            "NextPageToken": "next",
            "VideoTimelines": {
                "VideoTimeline": [
                    {
                        "Timestamp": "00:00:05.000",
                        "Object": "censor/frame-00001.jpg",
                        "CensorResults": {
                            "CensorResult": [{"Suggestion": "pass", "Scene": "porn", "Label": "normal"}]
                        },
                    },
                    {
                        "Timestamp": "00:00:10.000",
                        "Object": "censor/frame-00002.jpg",
                        "CensorResults": {
                            "CensorResult": [
                                {"Suggestion": "review", "Scene": "porn", "Label": "sexy", "Rate": "87.5"},
                                {"Suggestion": "pass", "Scene": "terrorism", "Label": "normal"},
                            ]
                        },
                    },
                ]
            },
        },
        "VideoCensorConfig": {
            "OutputFile": {"Bucket": "b", "Location": "oss-cn-shanghai", "Object": "censor/frame-{Count}.jpg"}
        },
    }
    job = MediaCensorJob.from_response(answer)

    assert job.parse_warnings == []
    xcom = job.to_xcom()
    assert xcom["suggestion"] == "review"
    assert xcom["flagged"]["frames"] == [
        {
            "timestamp": "00:00:10.000",
            "object": "censor/frame-00002.jpg",
            "results": [{"suggestion": "review", "label": "sexy", "scene": "porn", "rate": 87.5}],
        }
    ]
    assert xcom["flagged"]["video"] == [
        {"suggestion": "review", "label": "sexy", "scene": "porn", "rate": None}
    ]
    assert (xcom["frames_read"], xcom["frames_next_page_token"]) == (2, "next")
    assert xcom["result_file"] == "oss://b/censor/j.output"


def test_a_failed_job_says_what_ice_said() -> None:
    job = MediaCensorJob.from_response(
        {
            "MediaCensorJobDetail": {
                "JobId": "j",
                "State": "fail",
                "Code": "InvalidInput",
                "Message": "no video",
            }
        }
    )
    assert job.failed
    assert job.failure_detail == "InvalidInput: no video"
    assert job.to_xcom()["suggestion"] is None


def test_the_unexpected_is_kept_raw_and_named() -> None:
    job = MediaCensorJob.from_response(
        {
            "MediaCensorJobDetail": {
                "JobId": "j",
                "State": "Censoring",
                "Suggestion": "maybe",
                "TitleCensorResult": {"Suggestion": "pass", "Rate": "high", "Confidence": 0.9},
                "CoverImageCensorResults": {"CoverImageCensorResult": ["not an object"], "Total": 1},
                "VensorCensorResult": {"VideoTimelines": {"VideoTimeline": {"Object": "one"}}},
                "AudioCensorResult": {"Suggestion": "pass"},
            }
        }
    )
    assert not job.is_terminal  # an unknown state: still running
    assert job.suggestion == "maybe"  # unknown: kept as is, and counted as flagged
    assert job.to_xcom()["suggestion"] == "maybe"
    assert job.unparsed_fields == {
        "TitleCensorResult.Rate": "high",
        "TitleCensorResult.Confidence": 0.9,
        "CoverImageCensorResults.Total": 1,
        "CoverImageCensorResults.CoverImageCensorResult[0]": "not an object",
        "VensorCensorResult.VideoTimelines.VideoTimeline": {"Object": "one"},
        "AudioCensorResult": {"Suggestion": "pass"},
    }
    assert len(job.parse_warnings) == 8  # the six, the unknown state and the unknown suggestion


def request(**changes: Any) -> MediaCensorJobRequest:
    values: dict[str, Any] = {"input": {"Type": "OSS", "Media": "oss://b/in.mp4"}, **changes}
    return validate_request(MediaCensorJobRequest, values)


def test_the_request_sends_objects_and_covers_as_compact_json() -> None:
    cover = {"Bucket": "b", "Location": "oss-cn-shanghai", "Object": "c.jpg"}
    query = request(cover_images=json.dumps([cover]), schedule_config={"Priority": 6}, title="t").to_query()

    assert query == {
        "Input": '{"Media":"oss://b/in.mp4","Type":"OSS"}',
        "CoverImages": '[{"Bucket":"b","Location":"oss-cn-shanghai","Object":"c.jpg"}]',
        "ScheduleConfig": '{"Priority":6}',
        "Title": "t",
    }


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"title": "標題" * 11}, "title"),  # 66 bytes in UTF-8
        ({"cover_images": []}, "cover_images"),
        ({"cover_images": "[{"}, "cover_images"),
        ({"cover_images": [{"Bucket": "b", "Location": "l", "Object": "o", "Acl": "x"}]}, "Acl"),
        ({"schedule_config": {"Priority": 0}}, "Priority"),
        ({"user_data": "not json"}, "user_data"),
    ],
)
def test_bad_requests_are_refused_naming_the_parameter(changes: dict[str, Any], named: str) -> None:
    with pytest.raises(IceInvalidRequestError, match=named):
        request(**changes)
