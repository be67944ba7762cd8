"""Validation of trigger events, as execute_complete sees them."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_ice.jobs.errors import IceJobEventError
from airflow_ice.jobs.events import JobEvent, JobEventStatus

GOOD = {
    "status": "success",
    "job_id": "job-1",
    "job": {"job_id": "job-1", "status": "Success"},
    "message": "ok",
}


def test_round_trip() -> None:
    event = JobEvent(JobEventStatus.FAILED, "job-1", {"status": "Fail"}, "ended")

    assert JobEvent.from_payload(event.to_payload(), job_id="job-1") == event
    assert event.to_payload() == {
        "status": "failed",
        "job_id": "job-1",
        "job": {"status": "Fail"},
        "message": "ended",
    }


@pytest.mark.parametrize("status", ["success", "failed", "timeout", "error"])
def test_only_explicit_success_succeeds(status: str) -> None:
    job = None if status in ("timeout", "error") else GOOD["job"]
    event = JobEvent.from_payload({**GOOD, "status": status, "job": job}, job_id="job-1")

    assert event.succeeded is (status == "success")


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        (None, "not an event dict"),
        ("success", "not an event dict"),
        ({"status": "success", "job_id": "job-1"}, "lacks job, message"),
        ({**GOOD, "extra": 1}, "unexpected keys extra"),
        ({**GOOD, "status": "SUCCESS"}, "status 'SUCCESS', expected one of success, failed, timeout, error"),
        ({**GOOD, "status": True}, "status True"),
        ({**GOOD, "job_id": "job-2"}, "about job 'job-2'"),
        ({**GOOD, "job": ["not", "a", "dict"]}, "job is list"),
        ({**GOOD, "job": None}, "a success event must carry the job"),
    ],
)
def test_bad_events_are_rejected_naming_the_job(payload: Any, complaint: str) -> None:
    with pytest.raises(IceJobEventError, match="ICE job job-1") as raised:
        JobEvent.from_payload(payload, job_id="job-1")

    assert complaint in str(raised.value)
    assert raised.value.job_id == "job-1"


def test_long_messages_are_cut() -> None:
    payload = JobEvent(JobEventStatus.ERROR, "job-1", None, "x" * 10_000).to_payload()

    assert len(payload["message"]) == 2000
