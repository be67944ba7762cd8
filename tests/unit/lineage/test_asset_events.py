"""Asset events of real runs (``dag.test()``, metadata DB rows): ``oss://`` outlets carry the job's facts
as ``extra``, and an ``AssetAlias`` outlet gets one event per output object the job really wrote."""

from __future__ import annotations

import re
from typing import Any

import pytest
from airflow.sdk import Asset, AssetAlias

from airflow_ice.emulator import IceEmulator
from airflow_ice.operators.iproduction import IceIProductionJobOperator
from airflow_ice.operators.media_info import IceMediaInfoJobOperator
from airflow_ice.operators.media_producing import IceMediaProducingJobOperator
from airflow_ice.operators.snapshot import IceSnapshotJobOperator
from airflow_ice.operators.yike_ai_app import IceYikeAIAppJobOperator
from tests.support.dags import asset_events, new_dag, run_dag, task_states, xcom_value

FAST = {"poll_interval": 0.1, "retries": 0, "expected_duration": 0}


def job_extra(job: dict[str, Any], region: str, function: str, family: str = "IProduction") -> dict[str, Any]:
    return {
        "job_id": job["job_id"],
        "family": family,
        "function": function,
        "region": region,
        "output_urls": job["output_urls"],
    }


def object_extra(extra: dict[str, Any], url: str) -> dict[str, Any]:
    """The extra of an alias event: the job's, with the one object's URL instead of the list."""
    return {**{key: value for key, value in extra.items() if key != "output_urls"}, "output_url": url}


def by_uri(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events in URI order (Airflow does not keep the order of a task's outlets)."""
    return sorted(events, key=lambda event: event["uri"])


def oss_uri(url: str) -> str:
    """``https://bucket.oss-<region>.aliyuncs.com/key`` -> ``oss://bucket/key``, worked out here."""
    host, _, key = url.removeprefix("https://").partition("/")
    return f"oss://{host.split('.')[0]}/{key}"


def test_oss_outlets_carry_the_job_and_the_alias_gets_each_cover(emulated_ice: IceEmulator) -> None:
    dag = new_dag("assets_cover")
    with dag:
        IceIProductionJobOperator(
            task_id="cover",
            function_name="Cover",
            input={"Type": "OSS", "Media": "oss://in-bucket/incoming/interview.mp4"},
            output={"Type": "OSS", "Media": "oss://out-bucket/covers/interview/"},
            outlets=[Asset("oss://out-bucket/covers/interview"), AssetAlias("covers"), Asset("s3://other/x")],
            deferrable=True,
            **FAST,
        )

    run = run_dag(dag)

    assert task_states(run) == {"cover": "success"}
    job = xcom_value(run, "cover")
    extra = job_extra(job, emulated_ice.region, "Cover")
    assert len(job["output_urls"]) == 3  # three candidate covers
    assert by_uri(asset_events(run)) == by_uri(
        [
            {"uri": "oss://out-bucket/covers/interview", "extra": extra},
            {"uri": "s3://other/x", "extra": {}},  # not an OSS asset: left as it was
            *({"uri": oss_uri(url), "extra": object_extra(extra, url)} for url in job["output_urls"]),
        ]
    )


def test_ai_app_alias_gets_every_output(emulated_ice: IceEmulator) -> None:
    dag = new_dag("assets_ai_app")
    with dag:
        IceYikeAIAppJobOperator(
            task_id="reel",
            app_id="highlight-reel",
            app_params={"Title": "reel", "Videos": ["oss://in-bucket/incoming/interview.mp4"]},
            outlets=[AssetAlias("reels")],
            **FAST,
        )

    run = run_dag(dag)

    assert task_states(run) == {"reel": "success"}
    job = xcom_value(run, "reel")
    extra = job_extra(job, emulated_ice.region, "highlight-reel", family="Yike AI app")
    urls = [item["output_url"] for kind in ("video", "image", "audio") for item in job[f"{kind}_outputs"]]
    assert urls == job["output_urls"]
    assert len(urls) >= 2
    assert by_uri(asset_events(run)) == by_uri(
        [{"uri": oss_uri(url), "extra": object_extra(extra, url)} for url in urls]
    )


@pytest.mark.parametrize("emulated_ice", [{"job_seconds": 0.3}], indirect=True)
def test_a_failed_job_adds_no_events(emulated_ice: IceEmulator) -> None:
    dag = new_dag("assets_failed")
    with dag:
        IceIProductionJobOperator(
            task_id="captions",
            function_name="CaptionExtraction",
            input={"Type": "OSS", "Media": "oss://in-bucket/incoming/fail.mp4"},
            output={"Type": "OSS", "Media": "oss://out-bucket/captions.srt"},
            outlets=[Asset("oss://out-bucket/captions.srt"), AssetAlias("captions")],
            **FAST,
        )

    run = run_dag(dag)

    assert task_states(run) == {"captions": "failed"}
    assert asset_events(run) == []


def test_media_producing_asset_and_alias_get_the_rendered_file(emulated_ice: IceEmulator) -> None:
    """The family's declared output (``media_url``) is the event: before, the alias got none and the
    asset's extra said ``"output_urls": []``."""
    rendered = "https://out-bucket.oss-cn-shanghai.aliyuncs.com/renders/highlight.mp4"
    dag = new_dag("assets_render")
    with dag:
        IceMediaProducingJobOperator(
            task_id="render",
            timeline={
                "VideoTracks": [
                    {
                        "VideoTrackClips": [
                            {"MediaURL": "https://in-bucket.oss-cn-shanghai.aliyuncs.com/clip.mp4"}
                        ]
                    }
                ]
            },
            output_media_config={"MediaURL": rendered},
            outlets=[Asset("oss://out-bucket/renders/highlight.mp4"), AssetAlias("renders")],
            **FAST,
        )

    run = run_dag(dag)

    assert task_states(run) == {"render": "success"}
    job = xcom_value(run, "render")
    assert job["media_url"] == rendered
    extra = {
        "job_id": job["job_id"],
        "family": "Media producing",
        "function": None,
        "region": emulated_ice.region,
        "output_urls": [rendered],
    }
    assert by_uri(asset_events(run)) == by_uri(
        [
            {"uri": "oss://out-bucket/renders/highlight.mp4", "extra": extra},
            {"uri": "oss://out-bucket/renders/highlight.mp4", "extra": object_extra(extra, rendered)},
        ]
    )


def test_snapshot_alias_gets_every_numbered_file(
    emulated_ice: IceEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """``{Count}`` with ``Count: 3``: three files, ``-00001`` to ``-00003`` as ICE numbers them, each an
    event, and the task says how many (before: no event, nothing logged)."""
    dag = new_dag("assets_snapshots")
    with dag:
        IceSnapshotJobOperator(
            task_id="snapshots",
            input={"Type": "OSS", "Media": "oss://in-bucket/incoming/interview.mp4"},
            output={"Type": "OSS", "Media": "oss://out-bucket/snaps/interview-{Count}.jpg"},
            template_config={
                "TemplateId": "S00000001-100020",
                "OverwriteParams": {"Type": "Normal", "Count": 3},
            },
            outlets=[AssetAlias("snapshots")],
            **FAST,
        )

    run = run_dag(dag)

    assert task_states(run) == {"snapshots": "success"}
    job = xcom_value(run, "snapshots")
    assert job["count"] == 3
    assert job["output_url"] is None  # ICE names no single file for numbered snapshots
    extra = {"job_id": job["job_id"], "family": "Snapshot", "function": None, "region": emulated_ice.region}
    files = [f"oss://out-bucket/snaps/interview-{n:05d}.jpg" for n in (1, 2, 3)]
    assert by_uri(asset_events(run)) == by_uri(
        [{"uri": uri, "extra": {**extra, "output_url": uri}} for uri in files]
    )
    assert f"Job {job['job_id']}: 3 asset event(s) through asset aliases." in capsys.readouterr().out


def test_jobs_that_write_no_file_add_no_alias_events(emulated_ice: IceEmulator) -> None:
    dag = new_dag("assets_media_info")
    with dag:
        IceMediaInfoJobOperator(
            task_id="probe",
            input={"Type": "OSS", "Media": "oss://in-bucket/incoming/interview.mp4"},
            outlets=[AssetAlias("probes")],
            **FAST,
        )

    run = run_dag(dag)

    assert task_states(run) == {"probe": "success"}
    assert asset_events(run) == []


def test_alias_events_reuse_the_asset_airflow_created(
    emulated_ice: IceEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Why Airflow warns on alias events (docs/lineage.md): the first event of a new file logs "not
    found" (Airflow then creates the asset) and "inactive"; the event is recorded all the same. A
    second event of the same file reuses that asset (the event's name and URI are the ones Airflow
    created it with: one asset row), and once the scheduler's asset check has activated it (Airflow
    3.3; 3.1 never activates assets known only through an alias) logs no warning."""
    from airflow.jobs.job import Job
    from airflow.jobs.scheduler_job_runner import SchedulerJobRunner
    from airflow.models.asset import AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    uri = "oss://out-bucket/renders/warned.mp4"
    rendered = "https://out-bucket.oss-cn-shanghai.aliyuncs.com/renders/warned.mp4"

    def render() -> tuple[Any, str]:
        dag = new_dag("assets_alias_warnings")
        with dag:
            IceMediaProducingJobOperator(
                task_id="render",
                timeline={
                    "VideoTracks": [{"VideoTrackClips": [{"MediaURL": rendered.replace("warned", "in")}]}]
                },
                output_media_config={"MediaURL": rendered},
                outlets=[AssetAlias("warned-renders")],
                **FAST,
            )
        capsys.readouterr()
        run = run_dag(dag)
        return run, capsys.readouterr().out

    first, out = render()
    assert [event["uri"] for event in asset_events(first)] == [uri]
    # The precondition: Airflow did not know it ("AssetModel ... not found", 3.3 adds "; cannot create ...").
    assert re.search(r"AssetModel .* not found", out)

    runner = SchedulerJobRunner(job=Job())
    runner._update_asset_orphanage()  # what the scheduler does every [scheduler] parsing_cleanup_interval
    with create_session() as session:
        active = session.scalar(select(AssetModel).where(AssetModel.uri == uri)).active is not None

    import airflow
    from packaging.version import Version

    release = Version(airflow.__version__).release[:2]
    if release >= (3, 3):
        assert active  # the alias association counts as a reference (apache/airflow#58058)
    elif release <= (3, 1):
        assert not active

    second, out = render()
    assert [event["uri"] for event in asset_events(second)] == [uri]
    with create_session() as session:
        assert session.scalar(select(func.count()).select_from(AssetModel).where(AssetModel.uri == uri)) == 1
    assert not re.search(r"AssetModel .* not found", out)
    if active:  # Airflow 3.3
        assert "Emitting event for inactive AssetModel" not in out
    else:  # Airflow 3.1: the alias association does not count as a reference
        assert "Emitting event for inactive AssetModel" in out
