"""Helpers for tests that run operators, sensors and DAGs for real (no tests here).

Operators run inside ``dag.test()`` on a one-task DAG: a real task runner, real XCom, real
deferral (the trigger runs inline) and real retries, against the local ICE emulator over HTTP.
Airflow's metadata DB is an sqlite file in the session's temporary ``AIRFLOW_HOME`` (set by
``conftest.py``), created once per test session.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from airflow_ice.emulator import IceEmulator
from tests.support.emulator import ManualClock

START_DATE = datetime(2024, 1, 1, tzinfo=timezone.utc)
_dag_numbers = itertools.count()


@functools.cache
def ensure_airflow_db() -> None:
    """Create Airflow's metadata DB (sqlite under the test AIRFLOW_HOME) once per session."""
    from airflow.utils import db

    os.makedirs(os.path.join(os.environ["AIRFLOW_HOME"], "dags"), exist_ok=True)
    db.initdb()


def unique_dag_id(name: str) -> str:
    """A DAG id not used before in this session, so runs never see each other's state."""
    return f"{name}_{next(_dag_numbers)}_{os.getpid()}"


def new_dag(name: str, **kwargs: Any) -> Any:
    """A DAG with a unique id and no schedule."""
    from airflow.sdk import DAG

    return DAG(unique_dag_id(name), schedule=None, start_date=START_DATE, catchup=False, **kwargs)


def register_dag(dag: Any) -> None:
    """Write the in-memory DAG to the metadata DB, as the DAG processor would for a file."""
    try:
        from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
    except ImportError:  # Airflow < 3.2
        from airflow.models.dagbag import DagBag, sync_bag_to_db  # type: ignore[no-redef]
    from airflow.dag_processing.bundles.manager import DagBundlesManager

    DagBundlesManager().sync_bundles_to_db()
    bag = DagBag(dag_folder=os.path.join(os.environ["AIRFLOW_HOME"], "dags"))
    bag.dags[dag.dag_id] = dag
    sync_bag_to_db(bag, "dags-folder", None)


def run_dag(dag: Any, **kwargs: Any) -> Any:
    """Run the DAG with ``dag.test()`` (deferred tasks included) and return the DagRun."""
    ensure_airflow_db()
    register_dag(dag)
    return dag.test(**kwargs)


def task_states(dag_run: Any) -> dict[str, str]:
    """``task_id`` (``task_id[map_index]`` when mapped) -> final state."""
    states = {}
    for ti in dag_run.get_task_instances():
        key = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
        states[key] = str(ti.state.value if hasattr(ti.state, "value") else ti.state)
    return states


def task_try_numbers(dag_run: Any) -> dict[str, int]:
    """``task_id`` -> the try number it ended on."""
    return {ti.task_id: ti.try_number for ti in dag_run.get_task_instances()}


def xcom_value(dag_run: Any, task_id: str, key: str = "return_value", map_index: int = -1) -> Any:
    """A value the task pushed in this run, or None."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        row = session.scalars(
            select(XComModel).where(
                XComModel.dag_id == dag_run.dag_id,
                XComModel.run_id == dag_run.run_id,
                XComModel.task_id == task_id,
                XComModel.map_index == map_index,
                XComModel.key == key,
            )
        ).one_or_none()
        return None if row is None else XComModel.deserialize_value(row)


def asset_events(dag_run: Any) -> list[dict[str, Any]]:
    """The asset events the run's tasks wrote (``uri``, ``extra``), in the order they were written."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetModel.uri, AssetEvent.extra)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .where(AssetEvent.source_dag_id == dag_run.dag_id, AssetEvent.source_run_id == dag_run.run_id)
            .order_by(AssetEvent.id)
        ).all()
    return [{"uri": uri, "extra": extra} for uri, extra in rows]


@pytest.fixture
def emulated_ice(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[IceEmulator]:
    """A running ICE emulator with ``ice_default`` pointing at it; jobs last 0.5 s unless the test is
    marked ``@pytest.mark.parametrize("emulated_ice", [{"job_seconds": ...}], indirect=True)``."""
    options: dict[str, Any] = {"job_seconds": 0.5}
    options.update(getattr(request, "param", None) or {})
    with IceEmulator(**options) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", emulator.connection_json(max_retries=1, timeout=5))
        yield emulator


HELD_JOB_SECONDS = 30.0
"""How long a ``held_ice`` job runs on ``job_clock``: ``job_clock.advance(HELD_JOB_SECONDS)`` ends it."""


@pytest.fixture
def job_clock() -> ManualClock:
    """The job clock of ``held_ice``: it moves only when the test moves it."""
    return ManualClock(time.time())


@pytest.fixture
def held_ice_limit_clock() -> Callable[[], float] | None:
    """The clock ``held_ice``'s account-limit budgets refill by: the machine's (None), unless a
    module whose calls come on virtual time overrides this fixture with that time."""
    return None


@pytest.fixture
def held_ice(
    job_clock: ManualClock,
    held_ice_limit_clock: Callable[[], float] | None,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[IceEmulator]:
    """Like ``emulated_ice``, but its jobs keep running until the test moves ``job_clock`` on, never
    finishing early because the machine was slow: for tests that must see a job still running."""
    with IceEmulator(
        job_seconds=HELD_JOB_SECONDS, clock=job_clock, limit_clock=held_ice_limit_clock
    ) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", emulator.connection_json(max_retries=1, timeout=5))
        yield emulator


def submits(emulator: IceEmulator, action: str = "SubmitIProductionJob") -> int:
    """How many jobs the emulator created through ``action``."""
    return emulator.counters().jobs_submitted[action]


def requests(emulator: IceEmulator, action: str) -> int:
    """How many ``action`` requests the emulator received."""
    return emulator.counters().requests[action]


FAST_RETRY = {"retries": 1, "retry_delay": timedelta(seconds=0)}


def stored_reattach_job_id(dag_run: Any, task_id: str, map_index: int = -1) -> str | None:
    """The job id the operator keeps for reattaching (task state store on 3.3+, else a Variable)."""
    from airflow.utils.session import create_session

    try:
        from airflow.models.task_state_store import TaskStateStoreModel
    except ImportError:  # Airflow < 3.3: the operator falls back to a Variable
        from airflow.models.variable import Variable

        from airflow_ice.jobs.reattach_store import VARIABLE_PREFIX
        from airflow_ice.jobs.tag import TaskIdentity

        identity = TaskIdentity(dag_run.dag_id, dag_run.run_id, task_id, map_index)
        raw = Variable.get(VARIABLE_PREFIX + identity.key, default_var=None)
        return None if raw is None else json.loads(raw)["job_id"]
    from sqlalchemy import select

    from airflow_ice.jobs.reattach_store import STATE_STORE_KEY

    with create_session() as session:
        value = session.scalars(
            select(TaskStateStoreModel.value).where(
                TaskStateStoreModel.dag_id == dag_run.dag_id,
                TaskStateStoreModel.run_id == dag_run.run_id,
                TaskStateStoreModel.task_id == task_id,
                TaskStateStoreModel.map_index == map_index,
                TaskStateStoreModel.key == STATE_STORE_KEY,
            )
        ).one_or_none()
    return None if value is None else json.loads(value)["job_id"]


def emulator_record(emulator: IceEmulator, job_id: str) -> Any:
    """The emulator's record of a job (what it received), for facts ICE does not answer with."""
    for group in emulator.state.actions.groups:
        jobs = getattr(group, "jobs", None)
        if jobs is None:
            continue
        try:
            return jobs.get(job_id)
        except Exception:  # not in this group's store
            continue
    raise LookupError(f"the emulator has no job {job_id}")


def rendered_at_run_time(value: Any) -> str:
    """A template rendering to ``value`` (JSON text for a dict): literal ICE parameters are already
    refused when the DAG is parsed, so a test of the run-time check hands the value over this way."""
    text = value if isinstance(value, str) else json.dumps(value)
    return "{{ " + repr(text) + " }}"


def load_python_file(path: Path, module_name: str) -> ModuleType:
    """Import a file that is not in a package (a DAG file, a script), as the DAG processor would."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
