"""From an upload to a highlight reel on Alibaba Cloud ICE, with every kind of media job.

1. ``convert``: a MediaConvert job turns the day's upload into an MP4.
2. In parallel on the MP4: ``snapshot`` (a Snapshot job: the poster frame), ``tags`` (a smart
   tagging job: labels and text found in it) and ``clips`` (an IProduction VideoClip job: the
   segments worth keeping).
3. ``timeline``: a Python task builds an editing timeline from the clips' segments.
4. ``highlight``: a MediaProducing job renders the timeline into the highlight reel.
5. ``media_info``: a MediaInfo job reads the reel's format and streams; ``check_reel`` checks it
   and sums up the reel with its poster and tags.

Every job waits in the triggerer (``deferrable=True``). The convert and highlight submits carry
ICE's ClientToken, so a submit whose answer was lost is resent safely; the other submits fail their
task without retry in that case (docs/families/).

Connection: ``ice_default`` (type ``alibaba_ice``). Params: ``upload`` (OSS path of the source),
``bucket`` and ``region`` (where results go), ``poll_interval`` (seconds between status checks).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_ice.operators.iproduction import IceIProductionJobOperator
from airflow_ice.operators.media_convert import IceMediaConvertJobOperator
from airflow_ice.operators.media_info import IceMediaInfoJobOperator
from airflow_ice.operators.media_producing import IceMediaProducingJobOperator
from airflow_ice.operators.smarttag import IceSmarttagJobOperator
from airflow_ice.operators.snapshot import IceSnapshotJobOperator

POLL = "{{ params.poll_interval }}"
OUT = "oss://{{ params.bucket }}/highlights/{{ ds }}"
HTTPS_OUT = "https://{{ params.bucket }}.oss-{{ params.region }}.aliyuncs.com/highlights/{{ ds }}"
WAIT: dict[str, Any] = {"deferrable": True, "poll_interval": POLL}

with DAG(
    dag_id="example_ice_highlight_pipeline",
    description="Convert an upload, snapshot it, cut clips, render a highlight reel and read its media info, with ICE",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    params={
        "upload": Param("oss://my-media-bucket/incoming/upload.mov", type="string"),
        "bucket": Param("my-media-bucket", type="string"),
        "region": Param("cn-shanghai", type="string"),
        "poll_interval": Param(30, type="number", exclusiveMinimum=0),
    },
    tags=["example", "ice"],
) as dag:
    convert = IceMediaConvertJobOperator(
        task_id="convert",
        config={
            "Inputs": [{"Name": "upload", "InputFile": {"Type": "OSS", "Media": "{{ params.upload }}"}}],
            "Outputs": [
                {
                    "Name": "mp4",
                    "OutputFile": {"Type": "OSS", "Media": f"{OUT}/source.mp4"},
                    "TemplateId": "S00000001-200010",
                }
            ],
        },
        **WAIT,
    )
    converted = f"{OUT}/source.mp4"

    snapshot = IceSnapshotJobOperator(
        task_id="snapshot",
        input={"Type": "OSS", "Media": converted},
        output={"Type": "OSS", "Media": f"{HTTPS_OUT}/poster.jpg"},
        template_config={
            "TemplateId": "S00000001-100020",
            "OverwriteParams": {"Type": "Normal", "Time": 5000},
        },
        **WAIT,
    )

    tags = IceSmarttagJobOperator(
        task_id="tags",
        input={"Type": "OSS", "Media": converted},
        template_id="S00000101-300080",
        job_params={"needOcrData": True},
        **WAIT,
    )

    clips = IceIProductionJobOperator(
        task_id="clips",
        function_name="VideoClip",
        input={"Type": "OSS", "Media": converted},
        output={"Type": "OSS", "Media": f"{OUT}/summary.mp4"},
        **WAIT,
    )

    @task
    def timeline(clips: dict[str, Any], converted: dict[str, Any]) -> dict[str, Any]:
        """One video track cutting the converted MP4 to the clip job's segments."""
        source = converted["output_urls"][0]
        segments = (clips.get("result") or {}).get("segments") or []
        if not segments:
            raise ValueError(f"VideoClip job {clips['job_id']} found no segments to keep")
        track = [{"MediaURL": source, "In": part["start"], "Out": part["end"]} for part in segments]
        return {"VideoTracks": [{"VideoTrackClips": track}]}

    highlight = IceMediaProducingJobOperator(
        task_id="highlight",
        timeline=timeline(clips.output, convert.output),
        output_media_config={"MediaURL": f"{HTTPS_OUT}/highlight.mp4"},
        **WAIT,
    )

    media_info = IceMediaInfoJobOperator(
        task_id="media_info",
        input={"Type": "OSS", "Media": "{{ ti.xcom_pull(task_ids='highlight')['media_url'] }}"},
        **WAIT,
    )

    @task
    def check_reel(info: dict[str, Any], poster: dict[str, Any], tags: dict[str, Any]) -> dict[str, Any]:
        """The reel has a video stream; its summary names the poster frame and the tag types found."""
        videos = info["video_streams"]
        if not videos:
            raise ValueError(f"the highlight reel has no video stream (media info job {info['job_id']})")
        fmt = info["format"] or {}
        return {
            "duration": fmt.get("duration"),
            "size": [videos[0]["width"], videos[0]["height"]],
            "codec": videos[0]["codec_name"],
            "audio_streams": len(info["audio_streams"]),
            "poster": poster["output_url"],
            "tag_types": tags["result_types"],
        }

    highlight >> media_info
    check_reel(media_info.output, snapshot.output, tags.output)
