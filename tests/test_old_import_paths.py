"""Modules that moved keep their old import paths: DAG files, pickled values and deferred tasks'
stored references written against them still resolve, to the very same objects."""

from __future__ import annotations

import importlib
import pickle

import pytest

MOVED_MODULES = {
    "airflow_ice.utils.job_events": "airflow_ice.jobs.events",
    "airflow_ice.utils.job_tag": "airflow_ice.jobs.tag",
    "airflow_ice.utils.job_errors": "airflow_ice.jobs.errors",
    "airflow_ice.utils.reattach_store": "airflow_ice.jobs.reattach_store",
    "airflow_ice.utils.waiting": "airflow_ice.jobs.waiting",
    "airflow_ice.utils.cancellation": "airflow_ice.jobs.cancellation",
    "airflow_ice.utils.operator_params": "airflow_ice.jobs.params",
}
# Written after the move, so without an old path (nothing imported them from there).
NEW_JOB_MODULES = {"airflow_ice.jobs.xcom_form"}


@pytest.mark.parametrize(("old", "new"), MOVED_MODULES.items())
def test_an_old_job_module_path_is_the_new_module(old: str, new: str) -> None:
    assert importlib.import_module(old) is importlib.import_module(new)


def test_names_imported_from_an_old_path_are_the_new_objects() -> None:
    from airflow_ice.jobs.events import JobEventStatus
    from airflow_ice.utils.job_events import JobEventStatus as OldJobEventStatus

    assert OldJobEventStatus is JobEventStatus


def test_a_value_pickled_before_the_move_loads_as_the_same_member() -> None:
    from airflow_ice.jobs.events import JobEventStatus

    # Protocol 0 names the class's module in plain text: write the old one, as a pickle made
    # before the move would.
    pickled = pickle.dumps(JobEventStatus.SUCCESS, protocol=0)
    assert b"airflow_ice.jobs.events" in pickled
    old_pickle = pickled.replace(b"airflow_ice.jobs.events", b"airflow_ice.utils.job_events")
    assert pickle.loads(old_pickle) is JobEventStatus.SUCCESS


def test_every_job_module_has_its_old_path() -> None:
    import pkgutil

    import airflow_ice.jobs

    moved = {f"airflow_ice.jobs.{info.name}" for info in pkgutil.iter_modules(airflow_ice.jobs.__path__)}
    assert moved - NEW_JOB_MODULES == set(MOVED_MODULES.values())
