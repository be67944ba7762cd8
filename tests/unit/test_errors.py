"""Error messages read as sentences: a cause quoted from elsewhere that ends with a full stop gets no
second one, and a request-wide problem names its model once."""

from __future__ import annotations

import pytest

from airflow_ice.errors import (
    IceAnswerLostError,
    IceInvalidRequestError,
    IceOutcomeUnknownError,
    IceResponseError,
    sentence,
)
from airflow_ice.models import SnapshotJobRequest
from airflow_ice.models.validation import validate_request


def test_sentence_ends_with_one_full_stop() -> None:
    assert sentence("Connection refused") == "Connection refused."
    assert sentence("Server disconnected without sending a response. ") == (
        "Server disconnected without sending a response."
    )
    assert sentence("what?") == "what?"


def test_a_lost_submit_answer_reads_without_doubled_periods() -> None:
    lost = IceAnswerLostError(
        "http://127.0.0.1:8765",
        "ice_default",
        "Server disconnected without sending a response.",
        "The connection's timeout bounds each attempt's whole answer; ICE may have received SubmitSnapshotJob.",
    )
    unknown = IceOutcomeUnknownError("SubmitSnapshotJob", "tag-1", str(lost))

    for message in (str(lost), str(unknown)):
        assert ".." not in message
    assert "without sending a response. The connection's timeout" in str(lost)
    assert "may have received SubmitSnapshotJob. ICE may have created the job" in str(unknown)


def test_an_unexpected_answer_reads_without_doubled_periods() -> None:
    error = IceResponseError("GetSnapshotJob", "the body is not JSON.", "<html>")
    assert ".." not in str(error)


def test_a_request_wide_problem_names_the_model_once_without_pydantic_s_error() -> None:
    request = {
        "input": {"Type": "OSS", "Media": "oss://bucket/in.mp4"},
        "output": {"Type": "OSS", "Media": "oss://bucket/snap.jpg"},
        "template_config": {"TemplateId": "t", "OverwriteParams": {"Type": "Normal", "Count": 5}},
    }
    with pytest.raises(IceInvalidRequestError) as raised:
        validate_request(SnapshotJobRequest, request)

    assert str(raised.value) == (
        "Invalid SnapshotJobRequest: output.Media (Output.Media) must contain {Count} for several snapshots"
    )
    # pydantic's ValidationError is not chained: a task's log shows one error, not two tracebacks.
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__
