"""Run the media pipeline example end to end against the embedded ICE emulator.

    .venv/bin/python example_dags/run_demo.py

Needs nothing running and no set-up: it starts the emulator on a free loopback port, points the
``ice_default`` connection at it, creates a throw-away AIRFLOW_HOME with an sqlite metadata DB,
runs ``example_ice_media_pipeline`` with ``dag.test()`` (deferred tasks included) and prints what
each task produced. Exits non-zero if the run did not succeed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

EXAMPLE_DAGS = Path(__file__).resolve().parent
DAG_ID = "example_ice_media_pipeline"
VIDEOS = ["oss://demo-bucket/incoming/interview.mp4", "oss://demo-bucket/incoming/keynote.mp4"]
# The emulator's jobs last a second: no waiting for a real job's expected minimum (15-30 s) first.
RUN_CONF = {
    "videos": VIDEOS,
    "output_prefix": "oss://demo-bucket/processed",
    "poll_interval": 0.3,
    "expected_duration": 0,
}


def prepare_airflow_home() -> str:
    """A temporary AIRFLOW_HOME with an sqlite DB; must run before Airflow is imported."""
    home = tempfile.mkdtemp(prefix="airflow-ice-demo-")
    os.environ.update(
        {
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__DAGS_FOLDER": str(EXAMPLE_DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        }
    )
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return home


def task_results(dag_run: Any) -> list[tuple[str, str, Any]]:
    """(task, state, return value) for every task instance of the run, in a stable order."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    rows = []
    with create_session() as session:
        for ti in sorted(dag_run.get_task_instances(session=session), key=lambda t: (t.task_id, t.map_index)):
            xcom = session.scalars(
                select(XComModel).where(
                    XComModel.dag_id == ti.dag_id,
                    XComModel.run_id == ti.run_id,
                    XComModel.task_id == ti.task_id,
                    XComModel.map_index == ti.map_index,
                    XComModel.key == "return_value",
                )
            ).one_or_none()
            name = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
            state = getattr(ti.state, "value", ti.state)
            rows.append((name, str(state), None if xcom is None else XComModel.deserialize_value(xcom)))
    return rows


def short(value: Any) -> str:
    """One readable line per task result."""
    if isinstance(value, dict) and "function_name" in value:
        result = value.get("result") or {}
        if result.get("kind") == "Cover":
            best = max(result["covers"], key=lambda c: c["score"])
            detail = f"{len(result['covers'])} covers, best {best['url']} (score {best['score']:.2f})"
        elif result.get("kind") == "VideoClip":
            detail = f"{len(result['segments'])} summary segment(s)"
        else:
            detail = ", ".join(value.get("output_urls") or value.get("output_files") or []) or "no output"
        return f"{value['function_name']} job {value['job_id']} {value['status']}: {detail}"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "..."


def example_dag_bag(*, serialize: bool = False) -> Any:
    """The example DAGs, parsed as Airflow's DAG processor parses them.

    :param serialize: also write them to the metadata DB, as the DAG processor does (Airflow 3.1's
        ``dag.test()`` runs only a serialized DAG).
    """
    try:
        from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
    except ImportError:  # Airflow 3.1 keeps them in airflow.models
        from airflow.models.dagbag import DagBag, sync_bag_to_db  # type: ignore[no-redef]
    bag = DagBag(dag_folder=str(EXAMPLE_DAGS))
    if serialize and not bag.import_errors:
        from airflow.dag_processing.bundles.manager import DagBundlesManager

        DagBundlesManager().sync_bundles_to_db()
        sync_bag_to_db(bag, "dags-folder", None)
    return bag


def main() -> int:
    started = time.monotonic()
    # Deprecation notices from Airflow's own dependencies would drown the demo's output.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    home = prepare_airflow_home()

    from airflow_ice.emulator import IceEmulator

    with IceEmulator(job_seconds=1.0) as emulator:
        os.environ["AIRFLOW_CONN_ICE_DEFAULT"] = emulator.connection_json()
        print(f"ICE emulator at {emulator.url}; AIRFLOW_HOME={home}")

        bag = example_dag_bag(serialize=True)
        if bag.import_errors:
            print(f"DAG import errors: {bag.import_errors}", file=sys.stderr)
            return 1
        dag = bag.dags[DAG_ID]
        dag_run = dag.test(run_conf=RUN_CONF)
        counters = emulator.counters()

    state = str(getattr(dag_run.state, "value", dag_run.state))
    print(f"\n{DAG_ID}: {state} in {time.monotonic() - started:.1f}s")
    for name, task_state, value in task_results(dag_run):
        if name == "summarize" and isinstance(value, list):
            print(f"  {name:<22} {task_state:<8} per video:")
            for item in value:
                print(f"      {json.dumps(item, ensure_ascii=False)}")
        else:
            print(f"  {name:<22} {task_state:<8} {short(value)}")
    print(f"ICE jobs submitted: {dict(counters.jobs_submitted)}; requests: {dict(counters.requests)}")
    return 0 if state == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
