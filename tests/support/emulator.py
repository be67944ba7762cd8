"""Helpers shared by the emulator tests (no tests here): signed calls over real HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from airflow_ice.client.signing import ACS3_HMAC_SHA256, Credentials, sign_request

if TYPE_CHECKING:
    from airflow_ice.emulator import IceEmulator

API_VERSION = "2020-11-09"
KEY_ID = "test-key-id"
KEY_SECRET = "test-key-secret"
STS_TOKEN = "test-sts-token"


class Target(Protocol):
    """Where to send a call: an :class:`IceEmulator` or an emulator served by another process."""

    @property
    def url(self) -> str: ...

    @property
    def endpoint(self) -> str: ...


@dataclass(frozen=True)
class ServedEndpoint:
    """An emulator running elsewhere (e.g. the CLI in a subprocess), known by its URL."""

    url: str

    @property
    def endpoint(self) -> str:
        return self.url.split("://", 1)[1]


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait (blocking, polling every 10 ms) for ``condition``; ``timeout`` only guards against a hang."""
    give_up = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < give_up, "condition not met in time"
        time.sleep(0.01)


class ManualClock:
    """A job clock the test moves by hand."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def media(value: str, media_type: str = "OSS") -> str:
    """An Input/Output parameter as ICE receives it: compact JSON text."""
    return json.dumps({"Type": media_type, "Media": value}, separators=(",", ":"))


def iproduction_params(
    function_name: str = "Cover", input_media: str = "oss://bucket/in/clip.mp4"
) -> dict[str, str]:
    """Minimal valid SubmitIProductionJob parameters."""
    return {
        "FunctionName": function_name,
        "Input": media(input_media),
        "Output": media("oss://bucket/out/result.mp4"),
    }


def storyboard_body(file_url: str = "oss://bucket/novel.txt") -> dict[str, str]:
    """SubmitYikeStoryboardJob body parameters."""
    return {
        "FileURL": file_url,
        "SourceType": "Novel",
        "ShotSplitMode": "firstPersonNarration",
        "StyleId": "RealisticPhotography",
    }


def call(
    client: httpx.Client,
    emulator: Target,
    action: str,
    query: Mapping[str, str] | None = None,
    body: Mapping[str, str] | None = None,
    *,
    algorithm: str = ACS3_HMAC_SHA256,
    credentials: Credentials | None = None,
    now: datetime | None = None,
    nonce: str | None = None,
    version: str = API_VERSION,
) -> httpx.Response:
    """Sign with :func:`airflow_ice.client.signing.sign_request` and POST to the emulator."""
    signed = sign_request(
        action=action,
        version=version,
        host=emulator.endpoint,
        credentials=credentials or Credentials(KEY_ID, KEY_SECRET),
        query=query,
        body=body,
        algorithm=algorithm,
        now=now,
        nonce=nonce,
    )
    return client.post(f"{emulator.url}/?{signed.query_string}", headers=signed.headers, content=signed.body)


def ok(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of a 200 answer (fails the test with the body otherwise)."""
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["RequestId"]
    return body


def job_answer(emulator: IceEmulator, action: str, job_id: str) -> dict[str, Any]:
    """What ICE answers about a job (``action`` with ``JobId``), asked directly, not through the provider."""
    from airflow_ice.emulator.server import DEFAULT_ACCESS_KEY_SECRET

    credentials = Credentials(emulator.access_key_id, DEFAULT_ACCESS_KEY_SECRET)
    with httpx.Client(timeout=10) as client:
        return ok(call(client, emulator, action, {"JobId": job_id}, credentials=credentials))


def error_code(response: httpx.Response) -> tuple[int, str]:
    """``(HTTP status, ICE code)`` of an error answer, checking ICE's error body shape."""
    body = response.json()
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}, body
    return response.status_code, body["Code"]
