"""Wait for an IProduction job that something else submitted (tests/docs/test_examples.py runs it).

Trigger it with the job id: ``airflow dags trigger ice_wait_for_job --conf '{"job_id": "..."}'``.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, Param, task

from airflow_ice.sensors.iproduction import IceIProductionJobSensor

with DAG(
    dag_id="ice_wait_for_job",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    params={"job_id": Param("", type="string", description="the IProduction job to wait for")},
) as dag:
    # [START sensor]
    wait = IceIProductionJobSensor(
        task_id="wait_for_job",
        job_id="{{ params.job_id }}",
        poll_interval=60,  # seconds between status checks; replaces poke_interval
        timeout=6 * 3600,  # give up (fail, or skip with soft_fail=True) after six hours
        deferrable=True,  # or mode="reschedule", or the default mode="poke"
    )
    # [END sensor]

    @task
    def report(job: dict) -> list[str]:
        """The sensor returns the parsed job, like the operator: here its output files."""
        return job["output_urls"]

    report(wait.output)
