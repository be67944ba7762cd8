"""Novel to video with Alibaba Cloud ICE's Yike storyboard jobs.

``storyboard`` submits a chapter of a novel (a .txt in OSS) and waits in the triggerer for the
narrated video; a job that succeeds with failed shots only warns (``fail_on_failed_shots=False``).
``wait_for_external_job`` waits for a storyboard job submitted elsewhere (say, from the ICE
console): its id comes from the ``external_job_id`` param, and it is skipped when that is empty.

Connection: ``ice_default`` (type ``alibaba_ice``; Yike storyboard jobs usually run in cn-shanghai).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_ice.operators.yike_storyboard import IceYikeStoryboardJobOperator
from airflow_ice.sensors.yike_storyboard import IceYikeStoryboardJobSensor

with DAG(
    dag_id="example_ice_storyboard",
    description="Turn a novel chapter into a narrated video with a Yike storyboard job",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={
        "novel": Param("oss://my-media-bucket/novels/the-river/chapter-01.txt", type="string"),
        "title": Param("The River, chapter 1", type="string", maxLength=40),
        "external_job_id": Param("", type="string", description="A storyboard job submitted elsewhere"),
        "poll_interval": Param(60, type="number", exclusiveMinimum=0),
    },
    tags=["example", "ice"],
) as dag:
    storyboard = IceYikeStoryboardJobOperator(
        task_id="storyboard",
        file_url="{{ params.novel }}",
        source_type="Novel",
        shot_split_mode="firstPersonNarration",
        style_id="GuofengAnime",
        title="{{ params.title }}",
        aspect_ratio="9:16",
        resolution="1080P",
        narration_voice_id="sys_YoungGracefulWoman",
        model_params={"AudioEnable": True},
        exec_mode="FullPipeline",
        skip_failure_shot=True,
        poll_interval="{{ params.poll_interval }}",
        timeout=timedelta(hours=6),
        deferrable=True,
    )

    @task
    def publish(job: dict[str, Any]) -> dict[str, Any]:
        """What a publishing step would use: the video and the storyboards that made it."""
        return {
            "video": job["output_url"],
            "storyboards": len(job["success_storyboard_list"]),
            "failed_shots": len(job["failure_shot_list"]),
        }

    publish(storyboard.output)

    @task.short_circuit
    def external_job_given(params: dict[str, Any] | None = None) -> bool:
        """Only wait when an external job id was given."""
        return bool(params and params["external_job_id"])

    external_job_given() >> IceYikeStoryboardJobSensor(
        task_id="wait_for_external_job",
        job_id="{{ params.external_job_id }}",
        poll_interval="{{ params.poll_interval }}",
        timeout=6 * 60 * 60,
        deferrable=True,
    )
