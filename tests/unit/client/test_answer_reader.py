"""A read whose answer is made into its job straight from the bytes (an ``AnswerReader``).

The reader is used only where the decoded path would give the same: a 2xx answer, a call without
a check, bytes that hold nothing to scrub; whatever it declines is decoded and judged as before.
Over a real socket, a typed read gives the same job either way, for answers the reader takes and
for those it leaves (escaped characters, a byte-order mark, UTF-16, the caller's secret echoed).
"""

from __future__ import annotations

import asyncio
import enum
import json
from collections.abc import Callable
from typing import Any

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from airflow_ice.client.outcome import Outcome, Verdict, judge_answer
from airflow_ice.client.redaction import Scrubber
from airflow_ice.client.wire import WireResponse
from airflow_ice.errors import IceThrottlingError
from airflow_ice.families import family_named
from airflow_ice.hooks.ice import IceHook
from airflow_ice.models import IProductionJob
from tests.support.misbehaving_ice import MisbehavingIce, answer
from tests.unit.hooks.test_ice import SECRET, set_connection
from tests.unit.models.test_strict_fast_path import CLEAN as CLEAN_JOB
from tests.unit.models.test_strict_fast_path import assert_same

HEADERS = CIMultiDictProxy(CIMultiDict({"Content-Type": "application/json;charset=utf-8"}))
JOB = CLEAN_JOB  # every field of the job, clean
CLEAN = json.dumps(JOB).encode()
COVERS = '[{"Score": 8.27, "Time": "28278.25", "Url": "cover/test-00001.jpg"}]'


class Recorder:
    """A reader that records what it was given and answers as the job model's reader does."""

    def __init__(self, read: Callable[[bytes], Any] = IProductionJob.read_answer) -> None:
        self.given: list[bytes] = []
        self.made: list[Any] = []
        self._read = read

    def __call__(self, content: bytes) -> Any:
        self.given.append(content)
        self.made.append(self._read(content))
        return self.made[-1]


def judged(
    body: bytes, status: int = 200, *, secrets: tuple[str, ...] = (), check: Any = None, read: Any
) -> Verdict:
    return judge_answer(
        "QueryIProductionJob",
        WireResponse(status, "OK", HEADERS, body),
        Scrubber(secrets),
        1 << 20,
        check,
        read,
    )


def test_a_clean_answer_is_made_from_its_bytes_with_nothing_decoded() -> None:
    reader = Recorder()
    verdict = judged(CLEAN, read=reader)
    assert reader.given == [CLEAN]
    assert verdict.outcome is Outcome.DONE
    assert verdict.answer is None  # nothing decoded
    assert_same(verdict.made, IProductionJob.from_response(JOB))


@pytest.mark.parametrize(
    ("why", "body", "secrets"),
    [
        # A secret's core in the bytes: its strings must be scrubbed, which the decoded path does.
        ("secret echoed", json.dumps({**JOB, "UserData": f"x {SECRET}"}).encode(), (SECRET,)),
        # A \\u escape may spell a secret with other bytes: the decoded strings are searched instead.
        ("a \\u escape", json.dumps({**JOB, "Name": "caf\u00e9"}).encode(), (SECRET,)),
    ],
)
def test_bytes_that_may_hold_a_secret_are_never_given_to_the_reader(
    why: str, body: bytes, secrets: tuple[str, ...]
) -> None:
    reader = Recorder()
    verdict = judged(body, secrets=secrets, read=reader)
    assert reader.given == [], why
    assert verdict.outcome is Outcome.DONE
    assert verdict.answer == json.loads(body)  # decoded, for the engine to scrub


def test_an_answer_the_reader_declines_is_decoded_and_judged_as_before() -> None:
    body = json.dumps({**JOB, "NewField": 1}).encode()  # a key the strict pass does not know
    reader = Recorder()
    verdict = judged(body, read=reader)
    assert reader.given == [body]
    assert verdict.outcome is Outcome.DONE
    assert verdict.made is None
    assert verdict.answer == json.loads(body)
    assert verdict.source == body


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (400, b'{"RequestId": "r", "Code": "InvalidParameter", "Message": "bad"}', Outcome.REFUSED),
        (503, b'{"RequestId": "r", "Code": "ServiceUnavailable", "Message": "busy"}', Outcome.REFUSED),
        (500, CLEAN, Outcome.UNKNOWN),  # even a body the reader would take: ICE failed
        (302, CLEAN, Outcome.UNKNOWN),
    ],
)
def test_the_reader_never_sees_an_answer_that_is_not_2xx(status: int, body: bytes, outcome: Outcome) -> None:
    reader = Recorder()
    verdict = judged(body, status, read=reader)
    assert reader.given == []
    assert verdict.outcome is outcome
    assert verdict.made is None


def test_a_throttling_answer_still_slows_the_pace_with_a_reader() -> None:
    body = b'{"RequestId": "r", "Code": "Throttling.User", "Message": "slow down"}'
    verdict = judged(body, 400, read=Recorder())
    assert verdict.throttled
    assert isinstance(verdict.error, IceThrottlingError)


def test_a_call_with_a_check_is_judged_by_its_check_alone() -> None:
    reader = Recorder()
    verdict = judged(CLEAN, check=lambda answer: "the answer has no Foo", read=reader)
    assert reader.given == []
    assert verdict.outcome is Outcome.UNKNOWN


def test_a_reader_that_raises_makes_the_answer_unknown_not_a_crash() -> None:
    def broken(content: bytes) -> Any:
        raise MemoryError("reading")

    verdict = judged(CLEAN, read=broken)
    assert verdict.outcome is Outcome.UNKNOWN
    assert "MemoryError" in str(verdict.error)


def test_only_a_family_whose_model_reads_strictly_and_answers_with_the_job_has_a_reader() -> None:
    assert family_named("iproduction").answer_reader == IProductionJob.read_answer
    # Its model has no strict fast path (yet): its answers are decoded and read leniently.
    assert family_named("snapshot").answer_reader is None


# Over a real socket: the same job either way.


class Path(enum.Enum):
    """How the engine reads an answer."""

    MADE = "made from the bytes by the reader"
    DECLINED = "given to the reader, declined, then decoded"
    DECODED = "never given to the reader (it may hold a secret), decoded"


# JobParams is JSON text: its quotes are escaped (the clean answer carries it).
assert b'\\"' in CLEAN
ANSWERS = {
    "clean": (CLEAN, Path.MADE),
    "finished, with a result": (
        json.dumps({**JOB, "Status": "Success", "Result": COVERS}).encode(),
        Path.MADE,
    ),
    "key repeated (the last one counts)": (CLEAN[:-1] + b', "Status": "Queuing"}', Path.MADE),
    "the caller's secret echoed": (json.dumps({**JOB, "UserData": f"key={SECRET}"}).encode(), Path.DECODED),
    "a \\u escape": (json.dumps({**JOB, "Name": "caf\u00e9"}).encode(), Path.DECODED),
    "byte-order mark": (b"\xef\xbb\xbf" + CLEAN, Path.DECLINED),
    "UTF-16": (json.dumps(JOB).encode("utf-16"), Path.DECODED),
    "doubtful field": (json.dumps({**JOB, "Status": "SUCCESS"}).encode(), Path.DECLINED),
}


@pytest.mark.parametrize("run", ["sync", "async"])
@pytest.mark.parametrize(("body", "path"), ANSWERS.values(), ids=list(ANSWERS))
def test_a_typed_read_gives_the_job_the_decoded_answer_gives(
    misbehaving_ice: MisbehavingIce, monkeypatch: pytest.MonkeyPatch, body: bytes, path: Path, run: str
) -> None:
    reader = Recorder()
    # The family's reader, as it reads (a cached property: the declaration itself is left as is).
    monkeypatch.setitem(family_named("iproduction").__dict__, "answer_reader", reader)
    misbehaving_ice.serve(answer(200, body))
    set_connection(monkeypatch, misbehaving_ice.url)
    with IceHook() as hook:
        decoded = IProductionJob.from_response(hook.call("QueryIProductionJob", {"JobId": "job-1"}))
        if run == "sync":
            job = hook.query_iproduction_job("job-1")
        else:

            async def query() -> IProductionJob:
                try:
                    return await hook.aquery_iproduction_job("job-1")
                finally:
                    await hook.aclose()

            job = asyncio.run(query())
    assert reader.given == ([] if path is Path.DECODED else [body]), path.value
    if path is Path.MADE:
        assert reader.made == [job]
    else:
        assert reader.made == [None] * len(reader.given)
    assert_same(job, decoded)
    assert SECRET not in repr(job)
    assert SECRET not in json.dumps(job.to_xcom())
