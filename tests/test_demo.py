"""The demo (``make demo``) finds its DAG on every supported Airflow, 3.1 included."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from tests.dag_support import ensure_airflow_db

RUN_DEMO = Path(__file__).resolve().parent.parent / "example_dags" / "run_demo.py"


def load_run_demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_demo", RUN_DEMO)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_demo_parses_and_serializes_its_dag_on_this_airflow() -> None:
    # Airflow 3.1 has no airflow.dag_processing.dagbag, and its dag.test() runs serialized DAGs only.
    from airflow.models.serialized_dag import SerializedDagModel

    ensure_airflow_db()
    run_demo = load_run_demo()
    bag = run_demo.example_dag_bag(serialize=True)
    assert bag.import_errors == {}
    assert run_demo.DAG_ID in bag.dags
    assert SerializedDagModel.get(run_demo.DAG_ID) is not None
