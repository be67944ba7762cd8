"""From an upload to published variants, as a media team runs it every day on Alibaba Cloud ICE.

1. ``transcode``: a Transcode job turns the day's upload into an MP4 master and an HLS rendition
   (ClientToken: a submit whose answer was lost is resent safely).
2. ``moderate``: a Media censor job checks the MP4, its title and its cover; ``passed`` stops the
   run here (the rest is skipped) unless ICE's suggestion is ``pass``.
3. In parallel: ``captions`` (a Speech recognition job: the timed sentences), ``preview`` (an
   Animated image job: a GIF for the catalogue) and ``package`` (a Packaging job: the HLS
   rendition behind a master manifest for streaming).
4. ``variants``: a Batch media producing job renders three vertical variants from the MP4, titled
   with the programme's title and the first sentences spoken (ClientToken; at most one failed
   variant is accepted).
5. ``report``: sums up what was published.

Every job waits in the triggerer (``deferrable=True``). Connection: ``ice_default`` (type
``alibaba_ice``). Params: ``upload`` (OSS path of the source), ``bucket`` and ``region`` (where
results go), ``title``, ``poll_interval`` (seconds between status checks).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.providers.standard.operators.python import ShortCircuitOperator
from airflow.sdk import DAG, Param, task

from airflow_ice.operators.asr import IceAsrJobOperator
from airflow_ice.operators.batch_media_producing import IceBatchMediaProducingJobOperator
from airflow_ice.operators.dynamic_image import IceDynamicImageJobOperator
from airflow_ice.operators.media_censor import IceMediaCensorJobOperator
from airflow_ice.operators.package import IcePackageJobOperator
from airflow_ice.operators.transcode import IceTranscodeJobOperator

POLL = "{{ params.poll_interval }}"
DAY = "{{ logical_date | default(dag_run.run_after, true) | ds }}"
OUT = "oss://{{ params.bucket }}/published/" + DAY
HTTPS_OUT = "https://{{ params.bucket }}.oss-{{ params.region }}.aliyuncs.com/published/" + DAY
WAIT: dict[str, Any] = {"deferrable": True, "poll_interval": POLL}
# ICE's system templates: an MP4 (H.264, AAC), an HLS rendition and an animated image.
MP4_TEMPLATE = "S00000001-200010"
HLS_TEMPLATE = "S00000001-100020"
GIF_TEMPLATE = "S00000101-100010"


def moderation_passed(job: dict[str, Any]) -> bool:
    """Publish only what ICE passed: ``review`` and ``block`` skip the rest of the run."""
    return job["suggestion"] == "pass"


with DAG(
    dag_id="example_ice_publishing_pipeline",
    description="Transcode, moderate, caption, render variants, package and preview an upload, with ICE",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    params={
        "upload": Param("oss://my-media-bucket/incoming/match.mov", type="string"),
        "bucket": Param("my-media-bucket", type="string"),
        "region": Param("cn-shanghai", type="string"),
        "title": Param("Match of the day", type="string"),
        "poll_interval": Param(30, type="number", exclusiveMinimum=0),
    },
    tags=["example", "ice"],
) as dag:
    transcode = IceTranscodeJobOperator(
        task_id="transcode",
        input_group=[{"Type": "OSS", "Media": "{{ params.upload }}"}],
        output_group=[
            {
                "Output": {"Type": "OSS", "Media": OUT + "/master.mp4"},
                "ProcessConfig": {"Transcode": {"TemplateId": MP4_TEMPLATE}},
            },
            {
                "Output": {"Type": "OSS", "Media": OUT + "/hls/720p.m3u8"},
                "ProcessConfig": {"Transcode": {"TemplateId": HLS_TEMPLATE}},
            },
        ],
        **WAIT,
    )
    master = "{{ ti.xcom_pull(task_ids='transcode')['output_urls'][0] }}"
    rendition = "{{ ti.xcom_pull(task_ids='transcode')['output_urls'][1] }}"

    moderate = IceMediaCensorJobOperator(
        task_id="moderate",
        input={"Type": "OSS", "Media": master},
        output=OUT + "/censor/frame-{Count}.jpg",
        title="{{ params.title }}",
        **WAIT,
    )
    passed = ShortCircuitOperator(
        task_id="passed", python_callable=moderation_passed, op_args=[moderate.output]
    )

    captions = IceAsrJobOperator(task_id="captions", input_file=master, title="{{ params.title }}", **WAIT)
    preview = IceDynamicImageJobOperator(
        task_id="preview",
        input={"Type": "OSS", "Media": master},
        output={"Type": "OSS", "Media": OUT + "/preview.gif"},
        template_config={"TemplateId": GIF_TEMPLATE, "OverwriteParams": {"Format": "gif", "Fps": 10}},
        **WAIT,
    )

    package = IcePackageJobOperator(
        task_id="package",
        inputs=[{"Input": {"Type": "OSS", "Media": rendition}}],
        output={"Type": "OSS", "Media": OUT + "/hls/master.m3u8"},
        **WAIT,
    )

    @task
    def materials(captioned: dict[str, Any], master_url: str, title: str) -> dict[str, Any]:
        """The variants' materials: the master, titled with the programme's title and the first
        sentences spoken."""
        sentences = [item["content"] for item in captioned.get("ai_result") or [] if item.get("content")]
        return {
            "MediaGroupArray": [{"GroupName": "match", "MediaArray": [master_url]}],
            "TitleArray": [title, *sentences[:2]],
        }

    variants = IceBatchMediaProducingJobOperator(
        task_id="variants",
        input_config=materials(captions.output, master, "{{ params.title }}"),
        output_config={
            "MediaURL": HTTPS_OUT + "/variants/variant_{index}.mp4",
            "Count": 3,
            "Width": 1080,
            "Height": 1920,
        },
        max_failed_videos=1,
        **WAIT,
    )

    @task
    def report(
        transcoded: dict[str, Any], stream: dict[str, Any], preview: dict[str, Any], variants: dict[str, Any]
    ) -> dict[str, Any]:
        """What the run published: the master, its stream, its preview and the variants made."""
        return {
            "master": transcoded["output_urls"][0],
            "stream": stream["output_url"],
            "preview": preview["output_url"],
            "variants": variants["output_urls"],
            "failed_variants": variants["failed"],
        }

    report(transcode.output, package.output, preview.output, variants.output)

    transcode >> moderate >> passed >> [captions, preview, package]
