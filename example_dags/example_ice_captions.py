"""Captions, scheduled on what the media pipeline really wrote.

``example_ice_media_pipeline`` extracts captions with ICE into templated OSS paths
(``<output_prefix>/<date>/<video>/captions.srt``). Its captions task has the asset alias
``ice_media_pipeline_captions`` as outlet: when a CaptionExtraction job succeeds, the task adds one
``oss://`` asset event per caption file ICE reported, with the job id, family, function, region and
file URL as ``extra``. This DAG is scheduled on that alias, so it runs once new caption files exist,
and reads them from the triggering events. Its Yike AI application (``translate_app_id``) turns each
caption file into subtitles in another language.

Connection: ``ice_default`` (type ``alibaba_ice``). Params: ``translate_app_id``, ``language`` and
``poll_interval``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, AssetAlias, Param, task

from airflow_ice.operators.yike_ai_app import IceYikeAIAppJobOperator

CAPTION_FILES = AssetAlias("ice_media_pipeline_captions")

with DAG(
    dag_id="example_ice_captions",
    description="Subtitles for each caption file the media pipeline's ICE jobs wrote",
    schedule=CAPTION_FILES,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={
        "translate_app_id": Param("subtitle-translation", type="string", description="Yike AI app id"),
        "language": Param("en", type="string"),
        "poll_interval": Param(30, type="number", exclusiveMinimum=0),
    },
    tags=["example", "ice"],
) as dag:
    # [START caption_files]
    @task
    def caption_files(triggering_asset_events: Any = None) -> list[dict[str, Any]]:
        """The caption files of the triggering events, with the ICE job that wrote each."""
        files = []
        for events in (triggering_asset_events or {}).values():
            for event in events:
                files.append(
                    {
                        "uri": event.asset.uri,
                        "url": event.extra.get("output_url"),
                        "job_id": event.extra.get("job_id"),
                    }
                )
        return files

    # [END caption_files]

    @task
    def translation_jobs(files: list[dict[str, Any]], params: dict[str, Any] | None = None) -> list[dict]:
        """The AI app's parameters per caption file."""
        assert params is not None
        return [
            {
                "app_params": {
                    "Subtitles": item["uri"],
                    "Language": params["language"],
                    "Source": item["job_id"],
                }
            }
            for item in files
        ]

    IceYikeAIAppJobOperator.partial(
        task_id="translate",
        app_id="{{ params.translate_app_id }}",
        poll_interval="{{ params.poll_interval }}",
        deferrable=True,
    ).expand_kwargs(translation_jobs(caption_files()))
