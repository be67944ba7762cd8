"""Publish a video only when ICE's moderation passes it: the moderation's XCom ``suggestion`` gates
the publishing task (a ShortCircuitOperator skips it for ``review`` or ``block``).
docs/families/media_censor.md includes it; tests/docs/test_examples.py runs it.

Connection ``ice_default`` (type ``alibaba_ice``); the video is a param.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.providers.standard.operators.python import PythonOperator, ShortCircuitOperator
from airflow.sdk import DAG, Param

from airflow_ice.operators.media_censor import IceMediaCensorJobOperator


def publish(video: str) -> str:
    """Stands for your own publishing step."""
    return f"published {video}"


# [START check]
def passed(job: dict[str, Any]) -> bool:
    """Whether ICE passed the video: "review" and "block" skip publishing (job["flagged"] says why)."""
    return job["suggestion"] == "pass"


# [END check]


with DAG(
    dag_id="ice_moderate_then_publish",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    params={"video": Param("oss://my-bucket/incoming/match.mp4", type="string")},
) as dag:
    # [START gate]
    moderate = IceMediaCensorJobOperator(
        task_id="moderate",
        input={"Type": "OSS", "Media": "{{ params.video }}"},
        output="oss://my-bucket/censor/{{ run_id | replace(':', '-') }}/frame-{Count}.jpg",
        title="{{ params.video.rsplit('/', 1)[-1] }}",
        deferrable=True,
    )
    gate = ShortCircuitOperator(task_id="passed", python_callable=passed, op_args=[moderate.output])
    publish_video = PythonOperator(task_id="publish", python_callable=publish, op_args=["{{ params.video }}"])
    moderate >> gate >> publish_video
    # [END gate]
