"""The example DAGs import cleanly and run to success (dag.test) against the ICE emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_ice.emulator import IceEmulator
from airflow_ice.hooks.ice import IceHook
from tests.support.dags import emulator_record, run_dag, task_states, xcom_value
from tests.support.lineage import run_scenarios
from tests.support.paths import REPO_ROOT

# Short jobs: the media pipeline alone runs nine of them one after another under dag.test().
short_jobs = pytest.mark.parametrize("emulated_ice", [{"job_seconds": 0.3}], indirect=True)

EXAMPLE_DAGS = REPO_ROOT / "example_dags"
FAST = {"poll_interval": 0.1}


def dag_bag() -> Any:
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow < 3.2
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]
    # Example DAGs of Airflow itself stay out: conftest sets AIRFLOW__CORE__LOAD_EXAMPLES=False.
    return DagBag(dag_folder=str(EXAMPLE_DAGS))


@pytest.fixture
def example_dags() -> dict[str, Any]:
    # Loaded afresh per test: dag.test() leaves a run's conf in the DAG object's params.
    bag = dag_bag()
    assert bag.import_errors == {}
    return bag.dags


def test_example_dags_import_cleanly(example_dags: dict[str, Any]) -> None:
    assert set(example_dags) == {
        "example_ice_media_pipeline",
        "example_ice_audio_pipeline",
        "example_ice_storyboard",
        "example_ice_captions",
        "example_ice_highlight_pipeline",
        "example_ice_publishing_pipeline",
    }
    for dag in example_dags.values():
        assert dag.tags
        assert "ice" in dag.tags


def test_run_demo_is_not_a_dag_file() -> None:
    ignored = (EXAMPLE_DAGS / ".airflowignore").read_text().split()
    assert "run_demo.py" in ignored


@short_jobs
def test_media_pipeline_runs_end_to_end(emulated_ice: IceEmulator, example_dags: dict[str, Any]) -> None:
    videos = ["oss://bucket/in/a.mp4", "oss://bucket/in/b.mp4", "oss://bucket/in/c.mp4"]

    run = run_dag(example_dags["example_ice_media_pipeline"], run_conf={**FAST, "videos": videos})

    states = task_states(run)
    assert set(states.values()) == {"success"}
    assert sum(name.startswith("cover[") for name in states) == 3
    summary = xcom_value(run, "summarize")
    assert [item["video"] for item in summary] == videos
    for item in summary:
        assert item["best_cover"]["score"] > 0
        assert item["summary_segments"] >= 1
        assert item["caption_files"]
    assert emulated_ice.counters().jobs_submitted["SubmitIProductionJob"] == 9


@short_jobs
def test_highlight_pipeline_chains_every_media_job(
    emulated_ice: IceEmulator, example_dags: dict[str, Any]
) -> None:
    conf = {**FAST, "upload": "oss://bucket/in/upload.mov", "bucket": "bucket"}

    run = run_dag(example_dags["example_ice_highlight_pipeline"], run_conf=conf)

    assert set(task_states(run).values()) == {"success"}
    submitted = emulated_ice.counters().jobs_submitted
    for action in ("SubmitMediaConvertJob", "SubmitSnapshotJob", "SubmitSmarttagJob", "SubmitIProductionJob"):
        assert submitted[action] == 1, action
    assert submitted["SubmitMediaProducingJob"] == submitted["SubmitMediaInfoJob"] == 1
    # The highlight cuts the converted file to the clip job's segments.
    converted = xcom_value(run, "convert")["output_urls"][0]
    segments = xcom_value(run, "clips")["result"]["segments"]
    clips = json.loads(
        emulator_record(emulated_ice, xcom_value(run, "highlight", "ice_job_id")).params["Timeline"]
    )
    track = clips["VideoTracks"][0]["VideoTrackClips"]
    assert [(clip["MediaURL"], clip["In"], clip["Out"]) for clip in track] == [
        (converted, part["start"], part["end"]) for part in segments
    ]
    # Media info read the reel the highlight job wrote.
    highlight_url = xcom_value(run, "highlight")["media_url"]
    info_input = emulator_record(emulated_ice, xcom_value(run, "media_info", "ice_job_id")).params["Input"]
    assert json.loads(info_input)["Media"] == highlight_url
    reel = xcom_value(run, "check_reel")
    assert reel["size"] == [1280, 720]
    assert reel["poster"].endswith("/poster.jpg")
    assert reel["tag_types"] == ["OCR", "TextLabel", "VideoLabel"]


@short_jobs
def test_publishing_pipeline_transcodes_moderates_captions_renders_and_previews(
    emulated_ice: IceEmulator, example_dags: dict[str, Any]
) -> None:
    conf = {**FAST, "upload": "oss://bucket/in/match.mov", "bucket": "bucket", "title": "Final"}

    run = run_dag(example_dags["example_ice_publishing_pipeline"], run_conf=conf)

    assert set(task_states(run).values()) == {"success"}
    submitted = emulated_ice.counters().jobs_submitted
    for action in (
        "SubmitTranscodeJob",
        "SubmitMediaCensorJob",
        "SubmitASRJob",
        "SubmitDynamicImageJob",
        "SubmitBatchMediaProducingJob",
        "SubmitPackageJob",
    ):
        assert submitted[action] == 1, action
    master = xcom_value(run, "transcode")["output_urls"][0]
    # Every later job read the transcoded master.
    for task_id, parameter in (("moderate", "Input"), ("preview", "Input")):
        sent = emulator_record(emulated_ice, xcom_value(run, task_id, "ice_job_id")).params[parameter]
        assert json.loads(sent)["Media"] == master, task_id
    captioned = emulator_record(emulated_ice, xcom_value(run, "captions", "ice_job_id")).params
    assert captioned["InputFile"] == master
    # The variants are titled with the programme's title and the first sentences spoken.
    sentences = [item["content"] for item in xcom_value(run, "captions")["ai_result"]]
    materials = json.loads(
        emulator_record(emulated_ice, xcom_value(run, "variants", "ice_job_id")).params["InputConfig"]
    )
    assert materials["TitleArray"] == ["Final", *sentences[:2]]
    assert materials["MediaGroupArray"][0]["MediaArray"] == [master]
    # The stream packages the HLS rendition the transcode wrote.
    rendition = xcom_value(run, "transcode")["output_urls"][1]
    packaged = emulator_record(emulated_ice, xcom_value(run, "package", "ice_job_id")).params["Inputs"]
    assert [item["Input"]["Media"] for item in json.loads(packaged)] == [rendition]
    report = xcom_value(run, "report")
    assert report["master"] == master
    assert report["stream"].endswith("/hls/master.m3u8")
    assert report["preview"].endswith("/preview.gif")
    assert len(report["variants"]) == 3
    assert report["failed_variants"] == 0


@short_jobs
def test_publishing_pipeline_stops_when_moderation_does_not_pass(
    emulated_ice: IceEmulator, example_dags: dict[str, Any]
) -> None:
    # The emulator blocks a title that says "block" (docs/emulator.md); the overall suggestion is
    # the strictest part's.
    conf = {**FAST, "upload": "oss://bucket/in/match.mov", "bucket": "bucket", "title": "block this"}

    run = run_dag(example_dags["example_ice_publishing_pipeline"], run_conf=conf)

    states = task_states(run)
    assert (states["transcode"], states["moderate"], states["passed"]) == ("success",) * 3
    assert xcom_value(run, "moderate")["suggestion"] == "block"
    for task_id in ("captions", "preview", "package", "materials", "variants", "report"):
        assert states[task_id] == "skipped", task_id
    submitted = emulated_ice.counters().jobs_submitted
    assert (
        submitted["SubmitASRJob"]
        == submitted["SubmitBatchMediaProducingJob"]
        == submitted["SubmitPackageJob"]
        == 0
    )


@short_jobs
def test_media_pipeline_picks_the_highest_scoring_cover(
    emulated_ice: IceEmulator, example_dags: dict[str, Any]
) -> None:
    run = run_dag(
        example_dags["example_ice_media_pipeline"], run_conf={**FAST, "videos": ["oss://b/in/x.mp4"]}
    )

    frames = xcom_value(run, "cover", map_index=0)["result"]["covers"]
    best = max(frames, key=lambda frame: frame["score"])
    assert xcom_value(run, "summarize")[0]["best_cover"] == {
        "url": best["url"],
        "score": round(best["score"], 2),
    }


@short_jobs
def test_audio_pipeline_passes_good_audio(emulated_ice: IceEmulator, example_dags: dict[str, Any]) -> None:
    run = run_dag(
        example_dags["example_ice_audio_pipeline"], run_conf={**FAST, "audio": "oss://bucket/rec/take.wav"}
    )

    assert set(task_states(run).values()) == {"success"}
    grades = xcom_value(run, "check_quality")["channels"]
    assert grades
    assert all(grade["grade"] != "Poor" for grade in grades)


@short_jobs
def test_audio_pipeline_fails_the_run_on_poor_audio(
    emulated_ice: IceEmulator, example_dags: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_dag(
        example_dags["example_ice_audio_pipeline"],
        run_conf={**FAST, "audio": "oss://bucket/rec/poor-take.wav"},
    )

    assert str(run.state) in ("failed", "DagRunState.FAILED")
    assert task_states(run) == {
        "demix": "success",
        "vocals": "success",
        "assess_quality": "success",
        "check_quality": "failed",
    }
    assert "Vocal quality is poor" in capsys.readouterr().out


@short_jobs
def test_storyboard_dag_runs_and_waits_for_an_external_job(
    emulated_ice: IceEmulator, example_dags: dict[str, Any]
) -> None:
    with IceHook() as hook:
        external = hook.submit_yike_storyboard_job(
            {
                "file_url": "oss://bucket/novels/other.txt",
                "source_type": "Novel",
                "shot_split_mode": "firstPersonNarration",
                "style_id": "Ghibli",
            }
        )

    run = run_dag(
        example_dags["example_ice_storyboard"],
        run_conf={**FAST, "novel": "oss://bucket/novels/chapter-01.txt", "external_job_id": external},
    )

    assert set(task_states(run).values()) == {"success"}
    assert xcom_value(run, "publish")["video"].startswith("https://")
    assert xcom_value(run, "wait_for_external_job")["job_id"] == external


@short_jobs
def test_storyboard_dag_skips_the_sensor_without_an_external_job(
    emulated_ice: IceEmulator, example_dags: dict[str, Any]
) -> None:
    run = run_dag(example_dags["example_ice_storyboard"], run_conf=FAST)

    states = task_states(run)
    assert states["storyboard"] == states["publish"] == "success"
    assert states["wait_for_external_job"] == "skipped"


@short_jobs
def test_captions_dag_is_triggered_by_the_caption_files_the_pipeline_wrote(
    emulated_ice: IceEmulator, tmp_path: Path
) -> None:
    # In a fresh Airflow (its own metadata DB): which runs the scheduler creates depends on every
    # asset event in the DB, and other tests here write some.
    videos = ["oss://ui-bucket/in/interview.mp4", "oss://ui-bucket/in/keynote.mp4"]
    runs = run_scenarios(emulated_ice, ["captions_example"], tmp_path, with_openlineage=False)
    run = runs.runs["captions_example"]
    assert run.state == "success", runs.output[-3000:]

    # One event per caption file ICE reported, carrying the job that wrote it.
    events = run.asset_events
    jobs = run.details["captions_jobs"]
    assert len(events) == len(jobs) == len(videos)
    for index, (event, job) in enumerate(zip(events, jobs, strict=True)):
        assert event["map_index"] == index
        assert event["aliases"] == ["ice_media_pipeline_captions"]
        assert len(job["output_urls"]) == 1
        assert event["extra"] == {
            "job_id": job["job_id"],
            "family": "IProduction",
            "function": "CaptionExtraction",
            "region": emulated_ice.region,
            "output_url": job["output_urls"][0],
        }
        stem = videos[index].rsplit("/", 1)[-1].removesuffix(".mp4")
        assert event["uri"] == f"oss://out-bucket/processed/{run.details['ds']}/{stem}/captions.srt"

    # The scheduler creates one asset-triggered run of the captions DAG consuming exactly those events.
    assert run.details["captions_dag_runs"] == [
        {"run_type": "asset_triggered", "consumed": sorted(event["id"] for event in events)}
    ]
