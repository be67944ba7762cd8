"""Strict placement: the emulator reads each parameter only from where the official SDK sends it
(query string or form body) and answers ICE's ``InvalidParameter`` for one sent in the other place.
The placement table is checked against the SDK's own source (a test-only oracle)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from airflow_ice.client.signing import HMAC_SHA1
from airflow_ice.emulator.placement import PLACEMENTS, STRICT_PLACEMENT_VARIABLE, Location
from airflow_ice.emulator.server import IceEmulator
from tests.support.emulator import KEY_ID, KEY_SECRET, call, error_code, ok, storyboard_body


def sdk_placements() -> dict[str, tuple[set[str], set[str]]]:
    """action -> (query names, body names), read from the official SDK's ``client.py``."""
    import alibabacloud_ice20201109.client as sdk_client

    source = Path(sdk_client.__file__).read_text(encoding="utf-8")
    found: dict[str, tuple[set[str], set[str]]] = {}
    # Each synchronous ``*_with_options`` method fills ``query[...]``/``body[...]`` and names its action.
    for method in re.finditer(r"\n    def \w+_with_options\(.*?(?=\n    (?:async )?def )", source, re.S):
        text = method.group(0)
        action = re.search(r"action = '(\w+)'", text)
        if action:
            found[action.group(1)] = (
                set(re.findall(r"query\['(\w+)'\]", text)),
                set(re.findall(r"body\['(\w+)'\]", text)),
            )
    return found


def test_placement_table_is_the_official_sdks() -> None:
    sdk = sdk_placements()
    for action, placement in PLACEMENTS.items():
        assert (set(placement.query), set(placement.body)) == sdk[action], action


@pytest.fixture
def strict() -> Iterator[IceEmulator]:
    with IceEmulator(access_key_id=KEY_ID, access_key_secret=KEY_SECRET, strict_placement=True) as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as http:
        yield http


def test_our_tests_run_the_emulator_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/conftest.py turns strict placement on for every emulator our tests start."""
    with IceEmulator() as emulator:
        assert emulator.state.strict_placement
    monkeypatch.delenv(STRICT_PLACEMENT_VARIABLE)
    with IceEmulator() as emulator:
        assert not emulator.state.strict_placement


@pytest.mark.parametrize("algorithm", ["ACS3-HMAC-SHA256", HMAC_SHA1])
@pytest.mark.parametrize("moved", ["FileURL", "SourceType", "ShotSplitMode", "StyleId"])
def test_body_parameter_in_the_query_is_rejected(
    strict: IceEmulator, client: httpx.Client, moved: str, algorithm: str
) -> None:
    """Signed correctly, but one body parameter moved to the query: ICE's error shape, no job."""
    body = storyboard_body()
    query = {"Title": "t", moved: body.pop(moved)}
    response = call(client, strict, "SubmitYikeStoryboardJob", query, body, algorithm=algorithm)
    assert error_code(response) == (400, "InvalidParameter")
    assert moved in response.json()["Message"]
    assert Location.BODY.value in response.json()["Message"]
    counters = strict.counters()
    assert counters.auth_failures == {}
    assert counters.jobs_submitted["SubmitYikeStoryboardJob"] == 0
    # The same parameters where the SDK puts them are accepted.
    ok(
        call(
            client, strict, "SubmitYikeStoryboardJob", {"Title": "t"}, storyboard_body(), algorithm=algorithm
        )
    )


@pytest.mark.parametrize(
    ("action", "query", "body", "moved"),
    [
        ("SubmitYikeStoryboardJob", {}, {**storyboard_body(), "Title": "t"}, "Title"),
        ("SubmitYikeAIAppJob", {"AppId": "app-1"}, {}, "AppId"),
        ("QueryIProductionJob", {}, {"JobId": "j"}, "JobId"),
        ("BatchGetYikeAIAppJob", {}, {"JobIds": "a,b"}, "JobIds"),
    ],
)
def test_other_misplacements_are_rejected(
    strict: IceEmulator,
    client: httpx.Client,
    action: str,
    query: dict[str, str],
    body: dict[str, str],
    moved: str,
) -> None:
    response = call(client, strict, action, query, body)
    assert error_code(response) == (400, "InvalidParameter")
    assert moved in response.json()["Message"]


def test_the_default_merges_query_and_body(client: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without strict placement a misplaced parameter passes, as before (what ICE's gateway does is
    not documented)."""
    monkeypatch.delenv(STRICT_PLACEMENT_VARIABLE)
    with IceEmulator(access_key_id=KEY_ID, access_key_secret=KEY_SECRET) as lenient:
        body = storyboard_body()
        query = {"FileURL": body.pop("FileURL")}
        ok(call(client, lenient, "SubmitYikeStoryboardJob", query, body))


def test_storyboard_submit_without_any_parameter(strict: IceEmulator, client: httpx.Client) -> None:
    """ICE's reference marks every SubmitYikeStoryboardJob parameter optional: a job is created."""
    job_id = ok(call(client, strict, "SubmitYikeStoryboardJob", {}, {}))["JobId"]
    assert ok(call(client, strict, "GetYikeStoryboardJob", {"JobId": job_id}))["JobStatus"] == "Running"
