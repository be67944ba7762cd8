"""Daily media pipeline on Alibaba Cloud ICE.

For each video of the day (mapped with ``expand``), three IProduction jobs run in parallel:
Cover (candidate cover frames with scores), VideoClip (a clip summary) and CaptionExtraction
(subtitles into OSS). A Python task then picks each video's best cover by score and builds a
summary from the parsed results. Finally a Yike AI application turns each video's summary clip,
best cover and captions into a highlight reel (one AI-app job per video, parameters prechecked
before paying). The jobs wait in the triggerer (``deferrable=True``), where the AI-app jobs are
checked together in batch calls.

Connection: ``ice_default`` (type ``alibaba_ice``). Params: ``videos`` (OSS paths), ``output_prefix``
(where results go), ``poll_interval`` (seconds between status checks), ``expected_duration`` (seconds
before the first status check after the one at once; empty for each job family's own figure, 0 for
none, as the demo's second-long emulated jobs want) and ``ai_app_id`` (the Yike AI application making
the highlight reels).

Each caption file a CaptionExtraction job really wrote becomes an ``oss://`` asset event through the
``ice_media_pipeline_captions`` asset alias (``example_ice_captions`` is scheduled on it).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, AssetAlias, Param, task

from airflow_ice.operators.iproduction import IceIProductionJobOperator
from airflow_ice.operators.yike_ai_app import IceYikeAIAppJobOperator

POLL = "{{ params.poll_interval }}"
EXPECTED = "{{ params.expected_duration }}"
# One asset event per caption file ICE reports, whatever the (templated) output paths were.
CAPTION_FILES = AssetAlias("ice_media_pipeline_captions")

with DAG(
    dag_id="example_ice_media_pipeline",
    description="Covers, clip summaries and captions for the day's videos, with ICE",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    params={
        "videos": Param(
            ["oss://my-media-bucket/incoming/interview.mp4", "oss://my-media-bucket/incoming/keynote.mp4"],
            type="array",
            description="OSS paths of the videos to process",
        ),
        "output_prefix": Param("oss://my-media-bucket/processed", type="string"),
        "poll_interval": Param(30, type="number", exclusiveMinimum=0),
        "expected_duration": Param(
            "",
            type=["string", "number"],
            description="Seconds before the first poll after the check at once; empty: the job family's figure",
        ),
        "ai_app_id": Param("highlight-reel", type="string", description="Yike AI application id"),
    },
    tags=["example", "ice"],
) as dag:
    # Where each function writes its output, under <output_prefix>/<date>/<video name>/.
    OUTPUTS = {"cover": "cover/", "clip_summary": "summary.mp4", "captions": "captions.srt"}

    @task
    def job_arguments(kind: str, params: dict[str, Any] | None = None, ds: str | None = None) -> list[dict]:
        """Input and output of one function's job, per video."""
        assert params is not None
        prefix = params["output_prefix"].rstrip("/")
        arguments = []
        for video in params["videos"]:
            stem = video.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            arguments.append(
                {
                    "input": {"Type": "OSS", "Media": video},
                    "output": {"Type": "OSS", "Media": f"{prefix}/{ds}/{stem}/{OUTPUTS[kind]}"},
                }
            )
        return arguments

    covers = IceIProductionJobOperator.partial(
        task_id="cover",
        function_name="Cover",
        poll_interval=POLL,
        expected_duration=EXPECTED,
        deferrable=True,
    ).expand_kwargs(job_arguments.override(task_id="cover_jobs")("cover"))
    clips = IceIProductionJobOperator.partial(
        task_id="clip_summary",
        function_name="VideoClip",
        poll_interval=POLL,
        expected_duration=EXPECTED,
        deferrable=True,
    ).expand_kwargs(job_arguments.override(task_id="clip_summary_jobs")("clip_summary"))
    captions = IceIProductionJobOperator.partial(
        task_id="captions",
        function_name="CaptionExtraction",
        poll_interval=POLL,
        expected_duration=EXPECTED,
        deferrable=True,
        outlets=[CAPTION_FILES],
    ).expand_kwargs(job_arguments.override(task_id="captions_jobs")("captions"))

    @task
    def summarize(
        covers: list[dict], clips: list[dict], captions: list[dict], params: dict[str, Any] | None = None
    ) -> list[dict]:
        """Best cover by score, summary length and caption files, per video."""
        assert params is not None
        summary = []
        # Mapped results come in map order, one per video (indexing, not zip(strict=True), which
        # would look past the end of the lazy XCom sequences).
        for index, video in enumerate(params["videos"]):
            cover, clip, caption = covers[index], clips[index], captions[index]
            frames = (cover.get("result") or {}).get("covers") or []
            best = max(frames, key=lambda frame: frame["score"], default=None)
            segments = (clip.get("result") or {}).get("segments") or []
            summary.append(
                {
                    "video": video,
                    "best_cover": best and {"url": best["url"], "score": round(best["score"], 2)},
                    "summary_seconds": round(sum(s["end"] - s["start"] for s in segments), 2),
                    "summary_segments": len(segments),
                    "summary_files": clip.get("output_urls") or clip.get("output_files"),
                    "caption_files": caption.get("output_urls") or caption.get("output_files"),
                    "jobs": [cover["job_id"], clip["job_id"], caption["job_id"]],
                }
            )
        return summary

    @task
    def highlight_reel_jobs(summary: list[dict]) -> list[dict]:
        """The AI app's parameters per video, from the pipeline's outputs."""
        return [
            {
                "app_params": {
                    "Title": item["video"].rsplit("/", 1)[-1].rsplit(".", 1)[0],
                    "SummaryVideos": item["summary_files"] or [],
                    "Cover": (item["best_cover"] or {}).get("url"),
                    "Subtitles": item["caption_files"] or [],
                }
            }
            for item in summary
        ]

    summary = summarize(covers.output, clips.output, captions.output)
    IceYikeAIAppJobOperator.partial(
        task_id="highlight_reel",
        app_id="{{ params.ai_app_id }}",
        precheck=True,
        poll_interval=POLL,
        expected_duration=EXPECTED,
        deferrable=True,
    ).expand_kwargs(highlight_reel_jobs(summary))
