"""Audio pipeline on Alibaba Cloud ICE: separate the vocals, then grade their quality.

MusicDemix separates the vocals of a recording into OSS; AudioQualityAssessment then grades
them (MOS, loudness, noisiness, ... per channel). The run fails when any channel's MOS grade is
Poor, so a bad take never reaches publishing.

Connection: ``ice_default`` (type ``alibaba_ice``). Params: ``audio`` (OSS path), ``output_prefix``
and ``poll_interval`` (seconds between status checks).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.providers.common.compat.sdk import AirflowFailException
from airflow.sdk import DAG, Param, task

from airflow_ice.operators.iproduction import IceIProductionJobOperator

with DAG(
    dag_id="example_ice_audio_pipeline",
    description="Demix a recording with ICE and fail the run on poor vocal quality",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={
        "audio": Param("oss://my-media-bucket/recordings/take-1.wav", type="string"),
        "output_prefix": Param("oss://my-media-bucket/demixed", type="string"),
        "poll_interval": Param(30, type="number", exclusiveMinimum=0),
    },
    tags=["example", "ice"],
) as dag:
    demix = IceIProductionJobOperator(
        task_id="demix",
        function_name="MusicDemix",
        input={"Type": "OSS", "Media": "{{ params.audio }}"},
        output={
            "Type": "OSS",
            "Media": "{{ params.output_prefix.rstrip('/') }}/"
            "{{ params.audio.rsplit('/', 1)[-1].rsplit('.', 1)[0] }}/vocals.wav",
        },
        poll_interval="{{ params.poll_interval }}",
        deferrable=True,
    )

    @task
    def vocals(demix_job: dict[str, Any], params: dict[str, Any] | None = None) -> str:
        """The OSS address of the separated vocals (the demix job's output file)."""
        assert params is not None
        bucket = params["output_prefix"].removeprefix("oss://").split("/", 1)[0]
        first = demix_job["output_files"][0]
        return first if first.startswith("oss://") else f"oss://{bucket}/{first.lstrip('/')}"

    quality = IceIProductionJobOperator(
        task_id="assess_quality",
        function_name="AudioQualityAssessment",
        input={"Type": "OSS", "Media": "{{ ti.xcom_pull(task_ids='vocals') }}"},
        output={"Type": "OSS", "Media": "{{ params.output_prefix.rstrip('/') }}/quality/"},
        poll_interval="{{ params.poll_interval }}",
        deferrable=True,
    )

    @task
    def check_quality(assessment: dict[str, Any]) -> dict[str, Any]:
        """Fail the run when a channel's MOS grade is Poor; otherwise pass the grades on."""
        channels = (assessment.get("result") or {}).get("channels") or []
        grades = [
            {"channel": c.get("channel"), "mos": c.get("mos"), "grade": c.get("mos_grade")} for c in channels
        ]
        poor = [g for g in grades if (g["grade"] or "").lower() == "poor"]
        if poor:
            raise AirflowFailException(
                f"Vocal quality is poor (MOS grade Poor) on channel(s) {poor}; not publishing."
            )
        return {"job_id": assessment["job_id"], "channels": grades}

    vocals(demix.output) >> quality
    check_quality(quality.output)
