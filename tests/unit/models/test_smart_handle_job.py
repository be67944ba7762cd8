"""GetSmartHandleJob's answer (speech recognition and ICE's other smart jobs), read leniently."""

from __future__ import annotations

import json

from airflow_ice.models import SmartHandleJob, SmartHandleJobStatus

# Shaped after the sample answer of SubmitASRJob's API reference page (a finished job's read).
SENTENCES = [
    {"content": "Mention", "from": 0.0, "to": 0.846},
    {"content": "It's extremely popular now", "from": 0.846, "to": 3.386},
]
PUBLISHED = {
    "RequestId": "******2D-443C-5043-B0E4-867070******",
    "JobId": "****20b48fb04483915d4f2cd8ac****",
    "State": "Finished",
    "UserData": '{"user":"data","env":"prod"}',
    "JobResult": {"AiResult": json.dumps(SENTENCES), "MediaId": "", "MediaUrl": ""},
    "SmartJobInfo": {
        "JobType": "ASR",
        "Title": "Test Title",
        "Description": "Test Description",
        "UserId": "1234567890",
        "CreateTime": "2024-04-01T08:00:00Z",
        "ModifiedTime": "2024-04-01T08:00:20Z",
        "InputConfig": {"InputFile": "oss://example-bucket/example.mp4"},
    },
}


def test_the_published_answer_reads_with_its_sentences() -> None:
    job = SmartHandleJob.from_response(PUBLISHED)

    assert job.status is SmartHandleJobStatus.FINISHED
    assert job.succeeded
    assert job.parse_warnings == []
    xcom = job.to_xcom()
    assert xcom["ai_result"] == SENTENCES
    assert xcom["job_type"] == "ASR"
    assert xcom["input_file"] == "oss://example-bucket/example.mp4"
    assert xcom["create_time"] == "2024-04-01T08:00:00+00:00"
    assert json.loads(json.dumps(xcom)) == xcom
    assert SmartHandleJob.model_validate(job.model_dump()) == job


def test_a_failed_job_says_what_ice_said() -> None:
    job = SmartHandleJob.from_response(
        {"JobId": "j", "State": "failed", "ErrorCode": "InvalidInput", "ErrorMessage": "no audio track"}
    )
    assert job.failed
    assert job.failure_detail == "InvalidInput: no audio track"


def test_the_unexpected_is_kept_raw_and_named() -> None:
    job = SmartHandleJob.from_response(
        {
            "JobId": "j",
            "State": "Transcribing",
            "JobResult": {"AiResult": "not json", "Confidence": 0.9},
            "SmartJobInfo": {"CreateTime": "yesterday", "InputConfig": "oss://b/k"},
        }
    )
    assert not job.is_terminal  # an unknown state: still running
    assert job.status_text == "Transcribing"
    assert job.to_xcom()["ai_result"] == "not json"  # not JSON: the text as ICE sent it
    assert job.unparsed_fields == {
        "JobResult.Confidence": 0.9,
        "SmartJobInfo.CreateTime": "yesterday",
        "SmartJobInfo.InputConfig": "oss://b/k",
    }
    assert len(job.parse_warnings) == 4  # the three, and the unknown state
