"""Unit checks of the operator parameter readers, the job tag and the reattach records."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from airflow_ice.errors import IceInvalidRequestError
from airflow_ice.jobs.params import bool_param, is_template, json_object_param, seconds_param
from airflow_ice.jobs.reattach_store import VARIABLE_PREFIX, StoredJob, reattach_store_for
from airflow_ice.jobs.tag import TaskIdentity, tagged_user_data

IDENTITY = TaskIdentity("media_pipeline", "scheduled__2024-01-01T00:00:00+00:00", "cover", 3)


def test_identity_key_is_stable_and_distinct() -> None:
    same = TaskIdentity("media_pipeline", "scheduled__2024-01-01T00:00:00+00:00", "cover", 3)
    other_index = TaskIdentity("media_pipeline", "scheduled__2024-01-01T00:00:00+00:00", "cover", 4)

    assert IDENTITY.key == same.key
    assert IDENTITY.key != other_index.key
    assert len(IDENTITY.key) == 16


def test_tag_keeps_the_users_data() -> None:
    text = tagged_user_data({"NotifyAddress": "https://example.com/n", "batch": 7}, IDENTITY)

    data = json.loads(text)
    assert data["NotifyAddress"] == "https://example.com/n"
    assert data["batch"] == 7
    assert data["airflow_ice"] == {
        "dag": "media_pipeline",
        "run": "scheduled__2024-01-01T00:00:00+00:00",
        "task": "cover",
        "map": 3,
        "key": IDENTITY.key,
    }
    assert " " not in text.replace("scheduled__", "")  # compact


def test_tag_that_does_not_fit_fails_clearly() -> None:
    with pytest.raises(
        IceInvalidRequestError, match=r"user_data plus the job tag is \d+ characters, more than"
    ):
        tagged_user_data({"note": "x" * 150}, IDENTITY)


def test_users_data_may_not_use_the_tag_key() -> None:
    with pytest.raises(IceInvalidRequestError, match="must not contain the key 'airflow_ice'"):
        tagged_user_data({"airflow_ice": 1}, IDENTITY)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("  ", None), ({"a": 1}, {"a": 1}), ('{"a": [1, 2]}', {"a": [1, 2]})],
)
def test_json_object_param_accepts_dicts_and_json_text(value: object, expected: object) -> None:
    assert json_object_param(value, "input") == expected


@pytest.mark.parametrize("value", ['{"a": ', "[1, 2]", "42", 42, ["a"]])
def test_json_object_param_names_the_parameter(value: object) -> None:
    with pytest.raises(IceInvalidRequestError, match=r"^output must be a dict or JSON text of an object"):
        json_object_param(value, "output")


@pytest.mark.parametrize(
    ("value", "seconds"), [(30, 30.0), (0.5, 0.5), ("2.5", 2.5), (timedelta(minutes=2), 120.0)]
)
def test_seconds_param(value: object, seconds: float) -> None:
    assert seconds_param(value, "timeout") == seconds


@pytest.mark.parametrize("value", [0, -1, "soon", True, None, float("inf"), timedelta(0)])
def test_seconds_param_rejects(value: object) -> None:
    with pytest.raises(IceInvalidRequestError, match=r"^timeout must be a positive number of seconds"):
        seconds_param(value, "timeout")


@pytest.mark.parametrize(("value", "flag"), [(True, True), ("False", False), ("true", True), ("0", False)])
def test_bool_param(value: object, flag: bool) -> None:
    assert bool_param(value, "cancel_on_kill") is flag


def test_bool_param_rejects() -> None:
    with pytest.raises(IceInvalidRequestError, match="cancel_on_kill must be true or false"):
        bool_param("maybe", "cancel_on_kill")


def test_is_template() -> None:
    assert is_template("{{ params.x }}")
    assert is_template("{% if x %}a{% endif %}")
    assert not is_template("Cover")
    assert not is_template(3)


@pytest.mark.parametrize(
    ("stored", "job"),
    [
        ({"job_id": "j-1", "fingerprint": "f"}, StoredJob("j-1", "f")),
        ('{"job_id": "j-1", "fingerprint": "f", "task": {}}', StoredJob("j-1", "f")),
        (None, None),
        ("not json", None),
        ({"job_id": "", "fingerprint": "f"}, None),
        ({"fingerprint": "f"}, None),
        ([1], None),
    ],
)
def test_stored_job_reads_only_well_formed_records(stored: object, job: StoredJob | None) -> None:
    assert StoredJob.from_json(stored) == job


def test_a_first_try_does_not_ask_for_a_variable_no_earlier_try_stored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Airflow 3.1 and 3.2 keep the job id in a Variable; 3.1's API client logs every missing one as an
    error ("Variable not found"), which a first try would always meet."""
    from types import SimpleNamespace

    from airflow.providers.common.compat.sdk import Variable

    asked: list[str] = []

    def get(key: str, default: object = None) -> object:
        asked.append(key)
        return default

    monkeypatch.setattr(Variable, "get", staticmethod(get))
    first = reattach_store_for({"ti": SimpleNamespace(try_number=1)}, IDENTITY)  # type: ignore[arg-type]
    retry = reattach_store_for({"ti": SimpleNamespace(try_number=2)}, IDENTITY)  # type: ignore[arg-type]

    assert first.get() is None
    assert asked == []
    assert retry.get() is None
    assert asked == [VARIABLE_PREFIX + IDENTITY.key]  # a retry does look for the earlier try's job
