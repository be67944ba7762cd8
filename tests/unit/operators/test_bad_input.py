"""Bad input everywhere: whatever ICE (or a proxy in front of it) answers, only documented errors come out.

Hypothesis generates answers: arbitrary JSON and text, ICE-shaped jobs with odd statuses, Result and
JobResult strings, missing fields and wrong types, non-JSON bodies, HTML error pages, empty and huge
bodies, with any HTTP status. They go through

* the models (``from_response``: a parsed job or ``IceResponseError``),
* the hook, sync and async, served by a real loopback HTTP server that answers what was generated
  (the documented errors: ``IceApiError`` and subclasses, ``IceResponseError``,
  ``IceOutcomeUnknownError``, ``IceNetworkError``),
* the triggers, run against such a server: one documented event (success, failed, error, timeout)
  carrying the job id, whose payload is strict JSON (it is stored in the metadata database).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from airflow_ice.errors import (
    IceApiError,
    IceNetworkError,
    IceOutcomeUnknownError,
    IceResponseError,
    IceResponseTooLargeError,
)
from airflow_ice.hooks.ice import IceHook
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.models import IProductionJob, YikeStoryboardJob
from airflow_ice.triggers.base import IceJobTrigger
from airflow_ice.triggers.iproduction import IceIProductionJobTrigger
from airflow_ice.triggers.yike_storyboard import IceYikeStoryboardJobTrigger

DOCUMENTED_ERRORS = (IceApiError, IceResponseError, IceOutcomeUnknownError, IceNetworkError)
JOB_ID = "job-under-test"
FAST = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Raw answers


@dataclass(frozen=True)
class RawAnswer:
    """What the server sends: a status, a content type and the body bytes."""

    status: int
    body: bytes
    content_type: str = "application/json;charset=utf-8"


class RawServer:
    """A loopback HTTP/1.1 server answering queued :class:`RawAnswer` s (the last one repeats)."""

    def __init__(self) -> None:
        self.answers: deque[RawAnswer] = deque([RawAnswer(200, b"{}")])
        self.requests = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                with server._lock:
                    server.requests += 1
                    answer = server.answers.popleft() if len(server.answers) > 1 else server.answers[0]
                # 1xx, 204 and 304 answers carry no body; the framing would break otherwise.
                body = b"" if answer.status in (204, 304) else answer.body
                self.send_response(answer.status)
                self.send_header("content-type", answer.content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                # The client may stop reading (an answer past its size cap): what the test wants.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def serve(self, *answers: RawAnswer) -> None:
        with self._lock:
            self.answers = deque(answers)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def server() -> Iterator[RawServer]:
    raw = RawServer()
    yield raw
    raw.close()


@pytest.fixture
def connection(server: RawServer, monkeypatch: pytest.MonkeyPatch) -> RawServer:
    monkeypatch.setenv(
        "AIRFLOW_CONN_ICE_DEFAULT",
        json.dumps(
            {
                "conn_type": "alibaba_ice",
                "login": "id",
                "password": "secret",
                "extra": {"endpoint": server.url, "max_retries": 0, "timeout": 10},
            }
        ),
    )
    return server


# Strategies


def json_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def jsonish_text(values: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    """JSON in a string (as ICE nests Result and JobResult fields), sometimes twice, sometimes broken."""
    encoded = values.map(json.dumps)
    return (
        encoded
        | encoded.map(json.dumps)
        | encoded.map(lambda text: text[: len(text) // 2])
        | st.text(max_size=40)
    )


STATUS_WORDS = [
    "Queuing", "Analysing", "Analyzing", "Success", "Fail", "SUCCESS", "fail", "Running", "Succeeded",
    "Failed", "succeeded", "Unknown", "", " Success ",
]  # fmt: skip
FUNCTIONS = [
    "Cover",
    "VideoClip",
    "MusicSegmentDetect",
    "AudioQualityAssessment",
    "CaptionExtraction",
    "Nope",
]
ANY = json_values()
MAYBE = ANY | st.text(max_size=30)


def iproduction_bodies() -> st.SearchStrategy[dict[str, Any]]:
    fields = {
        "RequestId": MAYBE,
        "JobId": st.just(JOB_ID) | MAYBE,
        "Status": st.sampled_from(STATUS_WORDS) | MAYBE,
        "FunctionName": st.sampled_from(FUNCTIONS) | MAYBE,
        "Result": jsonish_text(ANY) | ANY,
        "CreateTime": st.just("2022-07-07T07:16:11Z") | MAYBE,
        "FinishTime": st.just("2022-07-07T07:20:00Z") | MAYBE,
        "Input": ANY,
        "Output": ANY,
        "OutputUrls": ANY,
        "OutputFiles": ANY,
        "UserData": MAYBE,
    }
    with_id = {name: value for name, value in fields.items() if name != "JobId"}
    return st.fixed_dictionaries({}, optional=fields) | st.fixed_dictionaries(
        {"JobId": st.just(JOB_ID)}, optional=with_id
    )


def storyboard_bodies() -> st.SearchStrategy[dict[str, Any]]:
    job_result = st.fixed_dictionaries(
        {},
        optional={
            name: jsonish_text(ANY) | ANY
            for name in (
                "OutputUrl",
                "SuccessStoryboardList",
                "ExceptionStoryboardIds",
                "FailureShotList",
                "SuccessStoryboardIds",
                "StoryboardInfoList",
            )
        },
    )
    fields = {
        "RequestId": MAYBE,
        "JobId": st.just(JOB_ID) | MAYBE,
        "JobStatus": st.sampled_from(STATUS_WORDS) | MAYBE,
        "JobParams": ANY,
        "JobResult": job_result | ANY,
    }
    with_id = {name: value for name, value in fields.items() if name != "JobId"}
    return st.fixed_dictionaries({}, optional=fields) | st.fixed_dictionaries(
        {"JobId": st.just(JOB_ID)}, optional=with_id
    )


HTML_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center>502 Bad Gateway</center></body></html>"
)
STATUSES = st.sampled_from([200, 200, 200, 201, 204, 301, 400, 401, 403, 404, 409, 429, 500, 502, 503, 504])


def answers(bodies: st.SearchStrategy[Any]) -> st.SearchStrategy[RawAnswer]:
    json_body = bodies.map(lambda body: json.dumps(body).encode())
    error_body = st.fixed_dictionaries(
        {
            "Code": st.sampled_from(
                [
                    "Throttling.User",
                    "ServiceUnavailable",
                    "InternalError",
                    "JobNotFound",
                    "Forbidden.RAM",
                    "InvalidParameter",
                ]
            )
            | MAYBE
        },
        optional={"Message": MAYBE, "RequestId": MAYBE, "Recommend": MAYBE},
    ).map(lambda body: json.dumps(body).encode())
    other = (
        st.just(HTML_PAGE)
        | st.just(b"")
        | st.binary(max_size=64)
        | st.text(max_size=64).map(lambda text: text.encode("utf-8", "surrogatepass"))
        | ANY.map(lambda value: json.dumps(value).encode())
    )
    content_types = st.sampled_from(
        ["application/json;charset=utf-8", "text/html", "text/plain; charset=latin-1", ""]
    )
    return st.builds(RawAnswer, STATUSES, json_body | error_body | other, content_types)


def job_answers(status_field: str, bodies: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[RawAnswer]:
    """Mostly bad answers, but often a 200 about this job with a known status and odd other fields,
    so that success and failed events are reached with odd results too."""
    about_this_job = st.builds(
        lambda body, status: {**body, "JobId": JOB_ID, status_field: status},
        bodies,
        st.sampled_from(STATUS_WORDS),
    )
    plausible = about_this_job.map(lambda body: RawAnswer(200, json.dumps(body).encode()))
    return plausible | answers(bodies)


def strict_json(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return False
    return True


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_non_finite(item) for item in value)
    return False


# Models


@FAST
@given(body=iproduction_bodies() | ANY)
def test_iproduction_model_parses_or_raises_response_error(body: Any) -> None:
    try:
        job = IProductionJob.from_response(body)
    except IceResponseError as exc:
        refused: IceResponseError | None = exc
    else:
        refused = None
    if refused is not None:
        assert refused.action == "QueryIProductionJob"
        return
    xcom = job.to_xcom()
    assert xcom["job_id"] == job.job_id
    assert strict_json(xcom)


@FAST
@given(body=storyboard_bodies() | ANY)
def test_storyboard_model_parses_or_raises_response_error(body: Any) -> None:
    try:
        job = YikeStoryboardJob.from_response(body)
    except IceResponseError as exc:
        refused: IceResponseError | None = exc
    else:
        refused = None
    if refused is not None:
        assert refused.action == "GetYikeStoryboardJob"
        return
    xcom = job.to_xcom()
    assert xcom["job_id"] == job.job_id
    assert strict_json(xcom)


# The hook over a real socket


def _check_hook_outcome(call: Any) -> Any:
    try:
        outcome = call()
    except DOCUMENTED_ERRORS as exc:
        outcome = exc
    event(type(outcome).__name__)
    if isinstance(outcome, Exception):
        assert str(outcome)  # every documented error explains itself
        assert "secret" not in str(outcome)
    return outcome


@FAST
@given(answer=answers(iproduction_bodies()))
@example(answer=RawAnswer(502, HTML_PAGE, "text/html"))
@example(answer=RawAnswer(200, b"", ""))
@example(answer=RawAnswer(200, b"null"))
@example(answer=RawAnswer(200, b'{"JobId": "j", "Status": NaN}'))
@example(answer=RawAnswer(200, b"\xff\xfe not utf-8"))
def test_sync_hook_raises_only_documented_errors(connection: RawServer, answer: RawAnswer) -> None:
    connection.serve(answer)
    with IceHook() as hook:
        outcome = _check_hook_outcome(lambda: hook.query_iproduction_job(JOB_ID))
        assert isinstance(outcome, (IProductionJob, *DOCUMENTED_ERRORS))
        submitted = _check_hook_outcome(
            lambda: hook.submit_iproduction_job(
                {
                    "function_name": "Cover",
                    "input": {"Type": "OSS", "Media": "oss://b/in.mp4"},
                    "output": {"Type": "OSS", "Media": "oss://b/out/"},
                }
            )
        )
        assert isinstance(submitted, (str, *DOCUMENTED_ERRORS))
        if isinstance(submitted, str):
            assert submitted.strip()


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    event_loop = asyncio.new_event_loop()
    yield event_loop
    event_loop.close()


@FAST
@given(answer=answers(storyboard_bodies()))
@example(answer=RawAnswer(503, HTML_PAGE, "text/html"))
@example(answer=RawAnswer(200, b"[1, 2, 3]"))
def test_async_hook_raises_only_documented_errors(
    connection: RawServer, loop: asyncio.AbstractEventLoop, answer: RawAnswer
) -> None:
    connection.serve(answer)

    async def calls() -> tuple[Any, Any]:
        async with IceHook() as hook:
            try:
                job: Any = await hook.aget_yike_storyboard_job(JOB_ID)
            except DOCUMENTED_ERRORS as exc:
                job = exc
            try:
                data: Any = await hook.acall("GetMediaInfo", {"MediaId": "m"})
            except DOCUMENTED_ERRORS as exc:
                data = exc
            return job, data

    job, data = loop.run_until_complete(calls())
    event(f"job: {type(job).__name__}")
    event(f"call: {type(data).__name__}")
    assert isinstance(job, (YikeStoryboardJob, *DOCUMENTED_ERRORS))
    assert isinstance(data, (dict, *DOCUMENTED_ERRORS))


def test_huge_bodies_are_parsed_or_refused_cleanly(connection: RawServer) -> None:
    huge_result = json.dumps([{"Score": 1.5, "Time": "1.0", "Url": "x" * 1000}] * 3000)
    body = json.dumps(
        {"JobId": JOB_ID, "Status": "Success", "FunctionName": "Cover", "Result": huge_result}
    ).encode()
    assert len(body) > 3_000_000
    connection.serve(RawAnswer(200, body))
    with IceHook() as hook:
        job = hook.query_iproduction_job(JOB_ID)
    assert job.succeeded
    connection.serve(RawAnswer(500, b"<html>" + b"x" * 5_000_000 + b"</html>", "text/html"))
    with IceHook() as hook, pytest.raises(IceResponseTooLargeError, match="max_response_bytes") as raised:
        hook.query_iproduction_job(JOB_ID)
    assert len(str(raised.value)) < 5000  # refused by its Content-Length, nothing of it quoted


# Triggers against such a server


def _run_trigger(loop: asyncio.AbstractEventLoop, trigger: IceJobTrigger) -> list[Any]:
    async def run() -> list[Any]:
        return [event async for event in trigger.run()]

    return loop.run_until_complete(asyncio.wait_for(run(), 30))


def _check_event(events: list[Any], job_id: str) -> JobEvent:
    assert len(events) == 1
    payload = events[0].payload
    assert strict_json(payload), payload
    job_event = JobEvent.from_payload(payload, job_id=job_id)
    assert job_event.job_id == job_id
    assert job_event.status in set(JobEventStatus)
    event(f"event {job_event.status.value}")
    return job_event


@FAST
@given(sequence=st.lists(job_answers("Status", iproduction_bodies()), min_size=1, max_size=4))
@example(
    sequence=[
        RawAnswer(
            200,
            b'{"JobId": "job-under-test", "Status": "Success", "FunctionName": "Cover", "Result": "[{\\"Score\\": NaN}]"}',
        )
    ]
)
@example(sequence=[RawAnswer(429, b'{"Code": "Throttling.User"}')])
@example(sequence=[RawAnswer(200, b'{"JobId": "another-job", "Status": "Success"}')])
def test_iproduction_trigger_ends_in_a_documented_event_with_the_job_id(
    connection: RawServer, loop: asyncio.AbstractEventLoop, sequence: list[RawAnswer]
) -> None:
    connection.serve(*sequence)
    trigger = IceIProductionJobTrigger(
        job_id=JOB_ID, poll_interval=0.001, deadline=time.time() + 0.3, max_consecutive_failures=2
    )
    event = _check_event(_run_trigger(loop, trigger), JOB_ID)
    if event.status is JobEventStatus.SUCCESS:
        assert event.job is not None


@FAST
@given(sequence=st.lists(job_answers("JobStatus", storyboard_bodies()), min_size=1, max_size=4))
def test_storyboard_trigger_ends_in_a_documented_event_with_the_job_id(
    connection: RawServer, loop: asyncio.AbstractEventLoop, sequence: list[RawAnswer]
) -> None:
    connection.serve(*sequence)
    trigger = IceYikeStoryboardJobTrigger(
        job_id=JOB_ID, poll_interval=0.001, deadline=time.time() + 0.3, max_consecutive_failures=2
    )
    _check_event(_run_trigger(loop, trigger), JOB_ID)
