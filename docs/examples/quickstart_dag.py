"""A cover for a video, each day: the README's example DAG (tests/docs/test_examples.py runs it).

Connection ``ice_default`` (type ``alibaba_ice``); the video and the bucket are params.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, Param

from airflow_ice.operators.iproduction import IceIProductionJobOperator

# [START run_day]
# The run's day: its logical date, or, on a manual run that has none (Airflow 3's default for
# `airflow dags trigger` and the UI's Trigger button), the time the run was queued for.
# `{{ ds }}` is undefined on such a run and fails the task while rendering.
RUN_DAY = "{{ logical_date | default(dag_run.run_after, true) | ds }}"
# [END run_day]

with DAG(
    dag_id="ice_quickstart",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    # Retries are safe: a retry reattaches to the job of the try before instead of paying again.
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    params={
        "video": Param("oss://my-bucket/incoming/launch.mp4", type="string"),
        "bucket": Param("my-bucket", type="string"),
    },
) as dag:
    # [START cover_operator]
    cover = IceIProductionJobOperator(
        task_id="cover",
        function_name="Cover",
        input={"Type": "OSS", "Media": "{{ params.video }}"},
        output={"Type": "OSS", "Media": "oss://{{ params.bucket }}/covers/" + RUN_DAY + "/"},
        job_params={"Model": "gif"},
        deferrable=True,  # wait in the triggerer, not in a worker slot
    )
    # [END cover_operator]
