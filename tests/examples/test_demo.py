"""The demo (``make demo``) finds its DAG on every supported Airflow, 3.1 included."""

from __future__ import annotations

from types import ModuleType

import pytest

from airflow_ice.emulator import IceEmulator
from tests.support.dags import ensure_airflow_db, load_python_file, run_dag, task_states
from tests.support.paths import REPO_ROOT

RUN_DEMO = REPO_ROOT / "example_dags" / "run_demo.py"


def load_run_demo() -> ModuleType:
    return load_python_file(RUN_DEMO, "run_demo")


def test_the_demo_parses_and_serializes_its_dag_on_this_airflow() -> None:
    # Airflow 3.1 has no airflow.dag_processing.dagbag, and its dag.test() runs serialized DAGs only.
    from airflow.models.serialized_dag import SerializedDagModel

    ensure_airflow_db()
    run_demo = load_run_demo()
    bag = run_demo.example_dag_bag(serialize=True)
    assert bag.import_errors == {}
    assert run_demo.DAG_ID in bag.dags
    assert SerializedDagModel.get(run_demo.DAG_ID) is not None


ICE_TASKS = ("cover", "clip_summary", "captions", "highlight_reel")


@pytest.mark.real_expected_durations
@pytest.mark.parametrize("emulated_ice", [{"job_seconds": 0.3}], indirect=True)
def test_the_demo_does_not_wait_a_real_jobs_expected_minimum(emulated_ice: IceEmulator) -> None:
    """The demo's jobs last a second: its run sets expected_duration 0 for every ICE task, which would
    otherwise wait 15-30 s (the job family's figure) before its first poll."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields

    run_demo = load_run_demo()
    ensure_airflow_db()
    dag = run_demo.example_dag_bag().dags[run_demo.DAG_ID]

    run = run_dag(dag, run_conf=run_demo.RUN_CONF)

    assert set(task_states(run).values()) == {"success"}
    rendered = {
        (ti.task_id, ti.map_index): RenderedTaskInstanceFields.get_templated_fields(ti)["expected_duration"]
        for ti in run.get_task_instances()
        if ti.task_id in ICE_TASKS
    }
    assert len(rendered) == 2 * len(ICE_TASKS)  # two videos
    assert set(rendered.values()) == {"0"}
