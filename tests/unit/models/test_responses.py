"""The small responses (submit, cancel, error body) and the JSON-in-string decoder."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from airflow_ice.models import (
    CancelJobResponse,
    IceErrorBody,
    SubmitJobResponse,
    compact_json,
    decode_json_text,
)


def test_submit_response() -> None:
    response = SubmitJobResponse.model_validate({"RequestId": "r-1", "JobId": "j-1"})

    assert (response.request_id, response.job_id) == ("r-1", "j-1")


def test_submit_response_without_job_id_fails() -> None:
    with pytest.raises(ValidationError):
        SubmitJobResponse.model_validate({"RequestId": "r-1"})


def test_submit_response_keeps_new_fields() -> None:
    response = SubmitJobResponse.model_validate({"RequestId": "r", "JobId": "j", "Eta": 3})

    assert response.model_extra == {"Eta": 3}


def test_cancel_response() -> None:
    response = CancelJobResponse.model_validate({"RequestId": "r-2", "Message": "Success"})

    assert (response.request_id, response.message) == ("r-2", "Success")


def test_error_body_with_access_denied_detail() -> None:
    body = IceErrorBody.model_validate(
        {
            "RequestId": "r-3",
            "HostId": "ice.cn-shanghai.aliyuncs.com",
            "Code": "Forbidden.RAM",
            "Message": "User not authorized",
            "Recommend": "https://api.aliyun.com/troubleshoot?q=Forbidden.RAM",
            "AccessDeniedDetail": {
                "AuthAction": "ice:SubmitIProductionJob",
                "NoPermissionType": "ImplicitDeny",
            },
        }
    )

    assert body.request_id == "r-3"
    assert body.host_id == "ice.cn-shanghai.aliyuncs.com"
    assert body.code == "Forbidden.RAM"
    assert body.message == "User not authorized"
    assert body.recommend == "https://api.aliyun.com/troubleshoot?q=Forbidden.RAM"
    assert body.access_denied_detail == {
        "AuthAction": "ice:SubmitIProductionJob",
        "NoPermissionType": "ImplicitDeny",
    }


def test_error_body_fields_optional() -> None:
    assert IceErrorBody.model_validate({"Code": "Throttling"}).message is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('["a"]', ["a"]),
        ('[\\"a\\"]', ["a"]),
        ('"[\\"a\\"]"', ["a"]),
        ('{"k":1}', {"k": 1}),
        ('"plain"', "plain"),
        ("3", 3),
    ],
)
def test_decode_json_text(text: str, expected: object) -> None:
    assert decode_json_text(text) == expected


@pytest.mark.parametrize("text", ["", "[a", "NaN", "[1, Infinity]", "{'k': 1}", '\\"a\\"x'])
def test_decode_json_text_rejects(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the decoder's documented error type
        decode_json_text(text)


def test_compact_json_keeps_non_ascii_and_has_no_spaces() -> None:
    assert (
        compact_json({"Media": "oss://b/名.mp4", "Type": "OSS"}) == '{"Media":"oss://b/名.mp4","Type":"OSS"}'
    )
