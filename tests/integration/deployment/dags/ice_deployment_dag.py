"""The DAG of the deployment test (``tests/integration/deployment/run_deployment_test.py``).

Many deferrable IProduction tasks (mapped, several functions), Yike storyboard tasks and snapshot
tasks, which wait in the triggerers, plus one IProduction task that waits in its worker: the
deployment test kills its process mid-wait, and the retry must reattach to the same job. The
snapshot tasks are the list family: the triggerers check them with ListSnapshotJobs (one list per
finished status per round) instead of one Get per job, while IProduction and storyboard jobs are
read one by one.

Every task has retries (two): the risky path. The emulator loses or garbles the answer of a few
deferrable tasks' submits after creating their jobs, and the test proves that no retry paid for a
second job; every other task must still succeed on its first try. What each task asks for comes
from ``tests/integration/deployment/tasks.py`` (the test puts the repository root on every Airflow process's
path); sizes and the poll interval come from environment variables the test sets.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import DAG

from airflow_ice.operators.iproduction import IceIProductionJobOperator
from airflow_ice.operators.snapshot import IceSnapshotJobOperator
from airflow_ice.operators.yike_storyboard import IceYikeStoryboardJobOperator
from tests.integration.deployment.tasks import (
    IN_WORKER_KWARGS,
    IN_WORKER_TASK_ID,
    IPRODUCTION_TASK_ID,
    SNAPSHOT_TASK_ID,
    STORYBOARD_FIXED,
    STORYBOARD_TASK_ID,
    iproduction_kwargs,
    snapshot_kwargs,
    storyboard_file_url,
)

DAG_ID = "ice_deployment_test"
IPRODUCTION_TASKS = int(os.environ.get("ICE_DEPLOYMENT_IPRODUCTION_TASKS", "200"))
STORYBOARD_TASKS = int(os.environ.get("ICE_DEPLOYMENT_STORYBOARD_TASKS", "20"))
SNAPSHOT_TASKS = int(os.environ.get("ICE_DEPLOYMENT_SNAPSHOT_TASKS", "40"))
POLL_INTERVAL = float(os.environ.get("ICE_DEPLOYMENT_POLL_INTERVAL", "5"))
RETRIES = 2
RETRY_DELAY = timedelta(seconds=2)

with DAG(
    dag_id=DAG_ID,
    description="airflow_ice deployment test: many deferred ICE jobs under faults",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["ice", "deployment-test"],
) as dag:
    IceIProductionJobOperator.partial(
        task_id=IPRODUCTION_TASK_ID,
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        timeout=timedelta(minutes=30),
        retries=RETRIES,
        retry_delay=RETRY_DELAY,
    ).expand_kwargs([iproduction_kwargs(index) for index in range(IPRODUCTION_TASKS)])

    IceYikeStoryboardJobOperator.partial(
        task_id=STORYBOARD_TASK_ID,
        **STORYBOARD_FIXED,
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        timeout=timedelta(minutes=30),
        retries=RETRIES,
        retry_delay=RETRY_DELAY,
    ).expand(file_url=[storyboard_file_url(index) for index in range(STORYBOARD_TASKS)])

    IceSnapshotJobOperator.partial(
        task_id=SNAPSHOT_TASK_ID,
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        timeout=timedelta(minutes=30),
        retries=RETRIES,
        retry_delay=RETRY_DELAY,
    ).expand_kwargs([snapshot_kwargs(index) for index in range(SNAPSHOT_TASKS)])

    IceIProductionJobOperator(
        task_id=IN_WORKER_TASK_ID,
        **IN_WORKER_KWARGS,
        deferrable=False,
        poll_interval=1.0,
        timeout=timedelta(minutes=30),
        retries=RETRIES,
        retry_delay=RETRY_DELAY,
        # Runs first, so that its job is long from finished when the test kills its process.
        priority_weight=1000,
    )
