"""Property: whatever a job answer holds, its XCom form passes Airflow's own encoders for XCom and
trigger events, keeps no signed URL, and names what it had to keep as text. Over every job family:
a real answer of the emulator with values put in anywhere that Airflow cannot store (NaN,
infinities, integers over 64 bits, lone surrogates, JSON text holding them) or must not store
(presigned URLs, alone, in text and in JSON text).
"""

from __future__ import annotations

import copy
import json
import math
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_ice.families import all_families
from airflow_ice.jobs.events import JobEvent, JobEventStatus
from airflow_ice.jobs.xcom_form import xcom_form
from tests.support.airflow_encoders import encode_trigger_event, encode_xcom
from tests.support.family_answers import PARSERS, FamilyAnswer, family_answers

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

V1_URL = (
    "https://bucket.oss-cn-shanghai.aliyuncs.com/out/x.mp4?Expires=1700000000&OSSAccessKeyId=STS.NK1"
    "&Signature=PoisonSig%2Bv1%3D&security-token=PoisonToken%2Bv1"
)
V4_URL = (
    "https://bucket.oss-cn-shanghai.aliyuncs.com/out/y.jpg?x-oss-signature-version=OSS4-HMAC-SHA256"
    "&x-oss-credential=STS.NK1%2F20240101%2Fcn-shanghai%2Foss%2Faliyun_v4_request&x-oss-date=20240101T000000Z"
    "&x-oss-expires=3600&x-oss-signature=poisonsigv4&x-oss-security-token=PoisonTokenV4"
)
# What must not survive anywhere in a scrubbed form: the signature and token values.
SIGNED_VALUES = ("PoisonSig", "PoisonToken", "poisonsigv4")
SIGNING_NAMES = re.compile(r"(?i)(ossaccesskeyid|signature|security-token|x-oss-credential|x-oss-date)=")

SURROGATE_TEXT = st.tuples(st.text(max_size=3), st.sampled_from(["\ud800", "\udc80", "\udfff"])).map("".join)
UNSTORABLE = (
    st.sampled_from([math.nan, math.inf, -math.inf, 2**64, -(2**63) - 1, 10**30])
    | st.integers(min_value=2**63)
    | SURROGATE_TEXT
    # JSON text (IProduction Result, AI-app AppParams, ...) decoding to values Airflow cannot store.
    | st.sampled_from(
        [
            '{"Score": 1e999, "Time": "1.5", "Url": "cover/a.jpg"}',
            '[{"Score": 123456789012345678901234567890, "Time": 1, "Url": "a"}]',
            '{"VideoSummaryList": [{"StartTime": "NaN", "EndTime": 1e999}]}',
            '["\\ud800", {"title": "\\udc80"}]',
        ]
    )
)
SIGNED = st.sampled_from(
    [
        V1_URL,
        V4_URL,
        f"see {V1_URL} and {V4_URL}.",
        json.dumps({"Url": V1_URL, "Other": [V4_URL]}),
        json.dumps([{"OutputUrl": V4_URL, "MediaId": "m-1"}]),
    ]
)
POISON = UNSTORABLE | SIGNED


JOB_IDS = ("JobId", "ParentJobId")


def leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a scalar inside ``value``, but the job id's (which names the job; a transcode
    job's is ``ParentJobId``)."""
    if isinstance(value, dict):
        return [
            p for key, item in value.items() if key not in JOB_IDS for p in leaf_paths(item, (*path, key))
        ]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in leaf_paths(item, (*path, index))]
    return [path]


def poisoned(answer: dict[str, Any], changes: list[tuple[int, Any]]) -> dict[str, Any]:
    """The answer with each chosen leaf replaced by its poison."""
    body = copy.deepcopy(answer)
    paths = leaf_paths(body)
    for where, poison in changes:
        *parents, last = paths[where % len(paths)]
        target: Any = body
        for step in parents:
            target = target[step]
        target[last] = poison
    return body


def is_storable(value: Any) -> bool:
    try:
        encode_xcom(value)
    except (TypeError, ValueError, OverflowError):
        return False
    return True


@pytest.fixture(scope="module")
def answers() -> tuple[FamilyAnswer, ...]:
    found = family_answers()
    assert {answer.family for answer in found} == {family.name for family in all_families().values()}
    return found


@PROPERTY_SETTINGS
@given(
    family=st.integers(0, len(PARSERS) - 1),
    changes=st.lists(st.tuples(st.integers(0, 10**6), POISON), min_size=1, max_size=5),
)
def test_every_family_xcom_form_is_storable_unsigned_and_names_what_it_kept_as_text(
    answers: tuple[FamilyAnswer, ...], family: int, changes: list[tuple[int, Any]]
) -> None:
    case = answers[family]
    job = case.parse(poisoned(case.answer, changes))
    raw = job.to_xcom()

    form = xcom_form(raw)
    kept = xcom_form(raw, keep_presigned_urls=True)

    for stored in (form.value, kept.value):
        encode_xcom(stored)
        encode_trigger_event(JobEvent(JobEventStatus.SUCCESS, job.job_id, stored, "done").to_payload())
    text = json.dumps(form.value)
    assert not any(value in text for value in SIGNED_VALUES), text
    assert not SIGNING_NAMES.search(text), text
    # What had to change is named; a form already storable keeps its values.
    if not is_storable(raw):
        assert form.kept_as_text
        assert kept.kept_as_text
    # Applying it again changes nothing (the operator does, on the trigger's event).
    assert xcom_form(form.value).value == form.value
    assert xcom_form(kept.value, keep_presigned_urls=True).value == kept.value


def test_the_poisons_reach_the_parsed_jobs_of_every_family(answers: tuple[FamilyAnswer, ...]) -> None:
    """Precondition of the property: without the form, Airflow refuses what some answers parse to, in
    every family, and presigned URLs reach ``to_xcom()``."""
    unstorable = (math.nan, 2**64, "\udc80")
    for case in answers:
        refused, signed = 0, 0
        for where in range(len(leaf_paths(case.answer))):
            for poison in unstorable:
                raw = case.parse(poisoned(case.answer, [(where, poison)])).to_xcom()
                refused += not is_storable(raw)
                assert is_storable(xcom_form(raw).value)
            signed += any(
                v in json.dumps(case.parse(poisoned(case.answer, [(where, V1_URL)])).to_xcom())
                for v in SIGNED_VALUES
            )
        assert refused, f"{case.family}: no answer value reached to_xcom() unstorable"
        assert signed, f"{case.family}: no presigned URL reached to_xcom()"
