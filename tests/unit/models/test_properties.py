"""Property tests: parsing any JSON object with a JobId never raises, keeps the JobId, dumps to JSON."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_ice.models import IPRODUCTION_FUNCTIONS, IProductionJob, YikeStoryboardJob

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def json_values() -> st.SearchStrategy[Any]:
    """Any value ``json.loads`` can return, NaN and infinities included (Python's json accepts them)."""
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
        ),
        max_leaves=6,
    )


# Keys of every documented Result and JobResult item, so generated objects are often nearly valid.
RESULT_KEYS = [
    "Score", "Time", "Url", "VideoSummaryList", "StartTime", "EndTime", "start", "end", "title",
    "MOS(0-5)", "Channel", "Loudness", "Total Duration", "errorCode", "storyboardId", "shotId", "subStatus",
]  # fmt: skip


def documented_looking(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    item = st.dictionaries(
        st.sampled_from(RESULT_KEYS), values | st.text(alphabet="0123456789.-e", max_size=6)
    )
    return st.lists(item, max_size=3) | st.fixed_dictionaries(
        {"VideoSummaryList": st.lists(item, max_size=3)}
    )


NUMBERISH = (
    st.floats(allow_nan=False, allow_infinity=False)
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False).map(str)
    | st.text(alphabet="0123456789.-", max_size=5)
)
AQA_KEYS = [
    "MOS(0-5)",
    "Worst MOS(0-5)",
    "Loudness(-90dB-0dB)",
    "Channel",
    "Total Duration",
    "MOS",
    "Tag",
    "Time",
]

# The four documented Result shapes, with values that are often (not always) of the right type.
DOCUMENTED_RESULTS = (
    st.lists(
        st.fixed_dictionaries({"Score": NUMBERISH, "Time": NUMBERISH, "Url": st.text(max_size=8)}), max_size=3
    )
    | st.fixed_dictionaries(
        {
            "VideoSummaryList": st.lists(
                st.fixed_dictionaries({"StartTime": NUMBERISH, "EndTime": NUMBERISH}), max_size=3
            )
        }
    )
    | st.lists(
        st.fixed_dictionaries({"start": NUMBERISH, "end": NUMBERISH, "title": st.text(max_size=5)}),
        max_size=3,
    )
    | st.lists(st.dictionaries(st.sampled_from(AQA_KEYS), NUMBERISH), max_size=2)
)


def json_text_of(values: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    """JSON text, JSON escaped once more (as the Yike example does), or arbitrary text."""
    encoded = values.map(json.dumps)
    return encoded | encoded.map(lambda text: json.dumps(text)[1:-1]) | st.text(max_size=30)


def field_values() -> st.SearchStrategy[Any]:
    values = json_values()
    return values | json_text_of(values) | json_text_of(documented_looking(values))


def mostly(preferred: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Draw from ``preferred`` three times in four (``|`` would weigh every flattened branch alike)."""
    return st.sampled_from([True, True, True, False]).flatmap(lambda prefer: preferred if prefer else other)


JOB_IDS = st.text(min_size=1, max_size=40) | st.integers()


def iproduction_bodies() -> st.SearchStrategy[dict[str, Any]]:
    values = field_values()
    statuses = mostly(
        st.sampled_from(["Queuing", "analysing", "Analyzing", "SUCCESS", "Fail", "Paused"]), values
    )
    typed = st.sampled_from(["Cover", "VideoClip", "MusicSegmentDetect", "AudioQualityAssessment"])
    functions = mostly(typed | st.sampled_from(IPRODUCTION_FUNCTIONS), values)
    times = mostly(
        st.sampled_from(["2022-07-07T07:16:11Z", "2022-07-07 07:16:11", "9999-12-31T23:59:59-23:59"]), values
    )
    results = mostly(json_text_of(DOCUMENTED_RESULTS | documented_looking(json_values())), values)
    optional = {
        "RequestId": values,
        "Name": values,
        "Status": statuses,
        "CreateTime": times,
        "FinishTime": times,
        "Input": st.dictionaries(st.sampled_from(["Type", "Media", "New"]), values) | values,
        "Output": st.dictionaries(st.sampled_from(["Type", "Media", "Biz", "OutputUrl"]), values) | values,
        "TemplateId": values,
        "JobParams": values,
        "ScheduleConfig": st.dictionaries(st.sampled_from(["PipelineId", "Priority"]), values) | values,
        "UserData": values,
        "OutputFiles": st.lists(st.text(max_size=10), max_size=3) | values,
        "OutputUrls": values,
        "OutputMediaIds": values,
    }
    # FunctionName and Result drive the most code: present in most bodies, dropped in some.
    known = st.fixed_dictionaries(
        {"JobId": JOB_IDS, "FunctionName": functions, "Result": results}, optional=optional
    )
    dropped = st.sets(st.sampled_from(["FunctionName", "Result"]), max_size=2)
    extra = st.dictionaries(st.text(max_size=12), json_values(), max_size=3)
    return st.tuples(known, dropped, extra).map(
        lambda parts: parts[2] | {key: value for key, value in parts[0].items() if key not in parts[1]}
    )


def yike_bodies() -> st.SearchStrategy[dict[str, Any]]:
    values = field_values()
    result_keys = [
        "OutputUrl", "SuccessStoryboardList", "ExceptionStoryboardIds", "FailureShotList",
        "SuccessStoryboardIds", "StoryboardInfoList", "raw", "Other",
    ]  # fmt: skip
    param_keys = ["FileURL", "Title", "Resolution", "ModelParams", "Other"]
    optional = {
        "RequestId": values,
        "JobStatus": mostly(st.sampled_from(["Running", "succeeded", "FAILED", "Queued"]), values),
        "JobParams": st.dictionaries(st.sampled_from(param_keys), values) | values,
        "JobResult": mostly(
            st.dictionaries(
                st.sampled_from(result_keys), mostly(json_text_of(documented_looking(values)), values)
            ),
            values,
        ),
    }
    known = st.fixed_dictionaries({"JobId": JOB_IDS}, optional=optional)
    extra = st.dictionaries(st.text(max_size=12), json_values(), max_size=3)
    return st.tuples(known, extra).map(lambda parts: parts[1] | parts[0])


def assert_json_safe(value: Any) -> None:
    assert json.loads(json.dumps(value, allow_nan=False)) == value


def finite_json(body: dict[str, Any]) -> bool:
    """Whether the body holds no NaN or infinity (those never compare equal, so no round trip check)."""
    try:
        json.dumps(body, allow_nan=False)
    except ValueError:
        return False
    return True


@PROPERTY_SETTINGS
@given(iproduction_bodies())
def test_iproduction_job_parse_never_raises_keeps_job_id_and_round_trips(body: dict[str, Any]) -> None:
    job = IProductionJob.model_validate(body)

    assert job.job_id == str(body["JobId"])
    assert isinstance(job.is_terminal, bool)
    if job.result_raw is not None and job.result is None and job.result_raw.strip():
        assert job.parse_warnings  # an unread Result is always explained
    assert_json_safe(job.to_xcom())
    dumped = job.model_dump(mode="json")
    assert_json_safe(dumped)
    if finite_json(body):
        assert IProductionJob.model_validate(dumped) == job


@PROPERTY_SETTINGS
@given(yike_bodies())
def test_yike_job_parse_never_raises_keeps_job_id_and_round_trips(body: dict[str, Any]) -> None:
    job = YikeStoryboardJob.model_validate(body)

    assert job.job_id == str(body["JobId"])
    assert isinstance(job.is_terminal, bool)
    assert_json_safe(job.to_xcom())
    dumped = job.model_dump(mode="json")
    assert_json_safe(dumped)
    if finite_json(body):
        assert YikeStoryboardJob.model_validate(dumped) == job
