"""Run one example DAG with ``dag.test()`` and print what the UI tests need to know about it.

    python tests/integration/ui/run_example_dag.py DAG_ID 'RUN_CONF_JSON'

Runs in the environment it is given (AIRFLOW_HOME, DAGS_FOLDER, ``AIRFLOW_CONN_ICE_DEFAULT``), as
a subprocess of the UI tests, so the run lands in the same metadata DB the api-server shows. The
last line is ``RESULT {"run_id", "state", "tasks": {task: {"state", "job_id"}}}``.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

JOB_ID_XCOM_KEY = "ice_job_id"


def _dag_bag(folder: str) -> Any:
    """The folder's DAGs, also written to the metadata DB as the DAG processor would (the UI reads
    them from there; ``dag.test()`` does this itself only from Airflow 3.2 on)."""
    try:
        from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
    except ImportError:  # Airflow < 3.2
        from airflow.models.dagbag import DagBag, sync_bag_to_db  # type: ignore[no-redef]
    from airflow.dag_processing.bundles.manager import DagBundlesManager

    DagBundlesManager().sync_bundles_to_db()
    bag = DagBag(dag_folder=folder)
    if not bag.import_errors:
        sync_bag_to_db(bag, "dags-folder", None)
    return bag


def _tasks(dag_run: Any) -> dict[str, dict[str, Any]]:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    tasks = {}
    with create_session() as session:
        for ti in dag_run.get_task_instances(session=session):
            row = session.scalars(
                select(XComModel).where(
                    XComModel.dag_id == ti.dag_id,
                    XComModel.run_id == ti.run_id,
                    XComModel.task_id == ti.task_id,
                    XComModel.map_index == ti.map_index,
                    XComModel.key == JOB_ID_XCOM_KEY,
                )
            ).one_or_none()
            name = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
            tasks[name] = {
                "state": str(getattr(ti.state, "value", ti.state)),
                "job_id": None if row is None else XComModel.deserialize_value(row),
            }
    return tasks


def main(argv: list[str]) -> int:
    dag_id, conf = argv[1], json.loads(argv[2])
    bag = _dag_bag(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        print(f"DAG import errors: {bag.import_errors}", file=sys.stderr)
        return 2
    dag_run = bag.dags[dag_id].test(run_conf=conf)
    result = {
        "run_id": dag_run.run_id,
        "state": str(getattr(dag_run.state, "value", dag_run.state)),
        "tasks": _tasks(dag_run),
    }
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
