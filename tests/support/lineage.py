"""Real runs for the lineage tests (no tests here): one-task DAGs run with ``dag.test()`` in a fresh
Airflow process whose OpenLineage provider writes every event it emits to a file (its own file
transport), against an ICE emulator of the calling test.

A fresh process because the OpenLineage provider reads its configuration once per process; the tests'
own processes run without it. The child is this file run as a script:

    python tests/support/lineage.py RESULTS_FILE [--without-openlineage] SCENARIO...

and writes one JSON line per scenario to RESULTS_FILE (not to its output, where log lines of other
threads can land in the middle of a line). ``--without-openlineage`` makes the OpenLineage packages
unimportable in the child before anything else is imported.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.support.paths import REPO_ROOT

if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))

if TYPE_CHECKING:
    from airflow_ice.emulator import IceEmulator

OPENLINEAGE_NAMESPACE = "airflow-ice-tests"
BLOCKED_PACKAGES = ("openlineage", "airflow.providers.openlineage")
BLOCKED_DISTRIBUTIONS = ("openlineage-", "apache-airflow-providers-openlineage")
# The emulated jobs last 0.3 s: no family's expected minimum (up to 120 s) before the first poll
# (the scenarios run in a child Airflow process, where conftest's zeroed figures do not reach).
FAST = {"poll_interval": 0.1, "retries": 0, "expected_duration": 0}

# Inputs and outputs of the scenarios, in a bucket whose name is valid for OSS.
BUCKET = "media-bucket"
VIDEO = f"oss://{BUCKET}/incoming/interview.mp4"
CAPTIONS = f"oss://{BUCKET}/processed/interview/captions.srt"
NOVEL = f"oss://{BUCKET}/novels/chapter-01.txt"


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario's run, as the child reported it.

    :param dag_id: the DAG.
    :param task_id: its one task.
    :param state: the task's final state.
    :param job_id: the ICE job id the task pushed (None if none).
    :param asset_events: the asset events the run wrote (``uri``, ``extra``), in order.
    :param loaded_modules: the ``openlineage`` and ``airflow_ice.lineage`` modules loaded in the child.
    :param details: what else the scenario reports.
    """

    dag_id: str
    task_id: str
    state: str
    job_id: str | None
    asset_events: list[dict[str, Any]]
    loaded_modules: list[str]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def job_name(self) -> str:
        """The OpenLineage job name of the task."""
        return f"{self.dag_id}.{self.task_id}"


@dataclass(frozen=True)
class LineageRuns:
    """What :func:`run_scenarios` observed.

    :param runs: scenario name -> its run.
    :param events: every OpenLineage event the child emitted (decoded JSON), in the order written.
    :param output: the child's output, for failure messages.
    """

    runs: dict[str, ScenarioRun]
    events: list[dict[str, Any]]
    output: str

    def task_events(self, scenario: str) -> dict[str, list[dict[str, Any]]]:
        """The scenario's task events by type (``START``, ``COMPLETE``, ``FAIL``)."""
        name = self.runs[scenario].job_name
        by_type: dict[str, list[dict[str, Any]]] = {}
        for event in self.events:
            if event["job"]["name"] == name:
                by_type.setdefault(event["eventType"], []).append(event)
        return by_type


def run_scenarios(
    emulator: IceEmulator, scenarios: Sequence[str], work_dir: Path, *, with_openlineage: bool = True
) -> LineageRuns:
    """Run the scenarios in a child Airflow process and collect their runs and OpenLineage events."""
    from tests.integration.ui.airflow_stack import AirflowHome

    home = AirflowHome.create()
    events_dir = work_dir / "openlineage-events"
    events_dir.mkdir()
    extra_env = {
        "AIRFLOW_CONN_ICE_DEFAULT": emulator.connection_json(max_retries=1, timeout=5),
        # As in the tests' own processes: a paused DAG is never scheduled, even on its assets.
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
    }
    if with_openlineage:
        extra_env.update(
            {
                # The provider's own file transport, one file per event (the task process and the
                # provider's DAG-event process write at once: one appended file interleaves them).
                "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
                    {"type": "file", "log_file_path": str(events_dir / "event"), "append": False}
                ),
                "AIRFLOW__OPENLINEAGE__NAMESPACE": OPENLINEAGE_NAMESPACE,
                # Emit in a thread of the task process, waited for (no fork of a process with threads).
                "AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD": "True",
                "AIRFLOW__OPENLINEAGE__EXECUTION_TIMEOUT": "300",
            }
        )
    results_file = work_dir / "scenario-runs.jsonl"
    args = [__file__, str(results_file), *([] if with_openlineage else ["--without-openlineage"]), *scenarios]
    try:
        result = home.run_python(args, timeout=600, extra_env=extra_env)
    finally:
        shutil.rmtree(home.path, ignore_errors=True)
    lines = results_file.read_text().splitlines() if results_file.exists() else []
    if result.returncode != 0 or len(lines) != len(scenarios):
        raise AssertionError(f"the lineage runs failed (exit {result.returncode}):\n{result.stdout[-6000:]}")
    runs = {}
    for line in lines:
        data = json.loads(line)
        scenario = data.pop("scenario")
        runs[scenario] = ScenarioRun(**data)
    # Named event-<time>.json: in the order they were written.
    events = [json.loads(path.read_text()) for path in sorted(events_dir.glob("event-*.json"))]
    return LineageRuns(runs=runs, events=events, output=result.stdout)


# The child


def _block_openlineage() -> None:
    """Act as if the OpenLineage packages were not installed: they cannot be imported, and their
    distributions (whose entry points Airflow reads to find providers) are not listed."""
    import contextlib
    import importlib
    import importlib.abc
    import importlib.metadata

    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
            if any(fullname == name or fullname.startswith(name + ".") for name in BLOCKED_PACKAGES):
                raise ModuleNotFoundError(f"No module named {fullname!r} (blocked by the test)")

    def without_openlineage(listed: Callable[..., Iterable[Any]]) -> Callable[..., Iterator[Any]]:
        def distributions(**kwargs: Any) -> Iterator[Any]:
            for dist in listed(**kwargs):
                name = (dist.metadata["Name"] or "").lower().replace("_", "-")
                if not name.startswith(BLOCKED_DISTRIBUTIONS):
                    yield dist

        return distributions

    sys.meta_path.insert(0, Blocker())
    listings: list[Any] = [importlib.metadata]
    with contextlib.suppress(ImportError):  # Airflow lists them with this backport before Python 3.12
        listings.append(importlib.import_module("importlib_metadata"))
    for metadata in listings:
        metadata.distributions = without_openlineage(metadata.distributions)


def _iproduction(media: str, outlets: Sequence[Any] = ()) -> Any:
    from airflow_ice.operators.iproduction import IceIProductionJobOperator

    return IceIProductionJobOperator(
        task_id="captions",
        function_name="CaptionExtraction",
        input={"Type": "OSS", "Media": media},
        output={"Type": "OSS", "Media": CAPTIONS},
        deferrable=True,
        outlets=list(outlets),
        **FAST,
    )


def _storyboard(file_url: str) -> Any:
    from airflow_ice.operators.yike_storyboard import IceYikeStoryboardJobOperator

    return IceYikeStoryboardJobOperator(
        task_id="storyboard",
        file_url=file_url,
        source_type="Novel",
        shot_split_mode="firstPersonNarration",
        style_id="Ghibli",
        **FAST,
    )


def _ai_app(title: str) -> Any:
    from airflow_ice.operators.yike_ai_app import IceYikeAIAppJobOperator

    return IceYikeAIAppJobOperator(
        task_id="highlight_reel",
        app_id="highlight-reel",
        app_params={"Title": title, "Videos": [VIDEO], "Cover": {"Url": f"oss://{BUCKET}/covers/best.jpg"}},
        deferrable=True,
        **FAST,
    )


def _sensor() -> Any:
    from airflow_ice.hooks.ice import IceHook
    from airflow_ice.sensors.iproduction import IceIProductionJobSensor

    with IceHook() as hook:
        job_id = hook.submit_iproduction_job(
            {
                "function_name": "CaptionExtraction",
                "input": {"Type": "OSS", "Media": VIDEO},
                "output": {"Type": "OSS", "Media": CAPTIONS},
            }
        )
    return IceIProductionJobSensor(task_id="wait_for_captions", job_id=job_id, poke_interval=0.1)


CLIP = f"https://{BUCKET}.oss-cn-shanghai.aliyuncs.com/incoming/clip.mp4"
RENDERED = f"https://{BUCKET}.oss-cn-shanghai.aliyuncs.com/processed/highlight.mp4"
CONVERTED = f"oss://{BUCKET}/processed/interview.mp4"
SNAPSHOTS = f"oss://{BUCKET}/processed/snap-{{Count}}.jpg"
SNAPSHOT_COUNT = 3
PREVIEW = f"oss://{BUCKET}/processed/preview.gif"
TRANSCODED = f"oss://{BUCKET}/processed/interview-720p.mp4"
RENDITIONS = [f"oss://{BUCKET}/processed/hls/interview-{height}p.m3u8" for height in (720, 1080)]
MANIFEST = f"oss://{BUCKET}/processed/hls/master.m3u8"


def _media_producing(outlets: Sequence[Any] = ()) -> Any:
    from airflow_ice.operators.media_producing import IceMediaProducingJobOperator

    return IceMediaProducingJobOperator(
        task_id="render",
        timeline={"VideoTracks": [{"VideoTrackClips": [{"MediaURL": CLIP}]}]},
        output_media_config={"MediaURL": RENDERED},
        outlets=list(outlets),
        **FAST,
    )


def _media_convert() -> Any:
    from airflow_ice.operators.media_convert import IceMediaConvertJobOperator

    return IceMediaConvertJobOperator(
        task_id="convert",
        config={
            "Inputs": [{"Name": "in", "InputFile": {"Type": "OSS", "Media": VIDEO}}],
            "Outputs": [
                {
                    "Name": "mp4",
                    "OutputFile": {"Type": "OSS", "Media": CONVERTED},
                    "TemplateId": "S00000001-200010",
                }
            ],
        },
        **FAST,
    )


def _snapshot(outlets: Sequence[Any] = ()) -> Any:
    from airflow_ice.operators.snapshot import IceSnapshotJobOperator

    return IceSnapshotJobOperator(
        task_id="snapshots",
        input={"Type": "OSS", "Media": VIDEO},
        output={"Type": "OSS", "Media": SNAPSHOTS},
        template_config={
            "TemplateId": "S00000001-100020",
            "OverwriteParams": {"Type": "Normal", "Count": SNAPSHOT_COUNT, "Interval": 10},
        },
        outlets=list(outlets),
        **FAST,
    )


def _dynamic_image() -> Any:
    from airflow_ice.operators.dynamic_image import IceDynamicImageJobOperator

    return IceDynamicImageJobOperator(
        task_id="preview",
        input={"Type": "OSS", "Media": VIDEO},
        output={"Type": "OSS", "Media": PREVIEW},
        template_config={"TemplateId": "S00000101-100010", "OverwriteParams": {"Format": "gif"}},
        **FAST,
    )


def _media_info() -> Any:
    from airflow_ice.operators.media_info import IceMediaInfoJobOperator

    return IceMediaInfoJobOperator(task_id="probe", input={"Type": "OSS", "Media": VIDEO}, **FAST)


def _smarttag() -> Any:
    from airflow_ice.operators.smarttag import IceSmarttagJobOperator

    return IceSmarttagJobOperator(
        task_id="tags", input={"Type": "OSS", "Media": VIDEO}, template_id="S00000101-300080", **FAST
    )


CENSOR_FRAMES = f"oss://{BUCKET}/censor/frame-{{Count}}.jpg"


def _media_censor() -> Any:
    from airflow_ice.operators.media_censor import IceMediaCensorJobOperator

    return IceMediaCensorJobOperator(
        task_id="moderate", input={"Type": "OSS", "Media": VIDEO}, output=CENSOR_FRAMES, **FAST
    )


def _transcode() -> Any:
    from airflow_ice.operators.transcode import IceTranscodeJobOperator

    return IceTranscodeJobOperator(
        task_id="transcode",
        input_group=[{"Type": "OSS", "Media": VIDEO}],
        output_group=[
            {
                "Output": {"Type": "OSS", "Media": TRANSCODED},
                "ProcessConfig": {"Transcode": {"TemplateId": "S00000001-200010"}},
            }
        ],
        **FAST,
    )


def _package() -> Any:
    from airflow_ice.operators.package import IcePackageJobOperator

    return IcePackageJobOperator(
        task_id="package",
        inputs=[{"Input": {"Type": "OSS", "Media": media}} for media in RENDITIONS],
        output={"Type": "OSS", "Media": MANIFEST},
        **FAST,
    )


def _with_outlets() -> Any:
    from airflow.sdk import Asset, AssetAlias

    return _iproduction(VIDEO, outlets=[Asset(CAPTIONS), AssetAlias("ice-captions")])


SCENARIOS: dict[str, Callable[[], Any]] = {
    "iproduction_success": lambda: _iproduction(VIDEO),
    "iproduction_failure": lambda: _iproduction(f"oss://{BUCKET}/incoming/fail-interview.mp4"),
    "storyboard_success": lambda: _storyboard(NOVEL),
    "storyboard_failure": lambda: _storyboard(f"oss://{BUCKET}/novels/fail-chapter.txt"),
    "ai_app_success": lambda: _ai_app("Interview highlights"),
    "ai_app_failure": lambda: _ai_app("fail: highlights"),
    "sensor_success": _sensor,
    "iproduction_with_outlets": _with_outlets,
    "media_producing_success": lambda: _media_producing(),
    "media_convert_success": _media_convert,
    "snapshot_success": lambda: _snapshot(),
    "dynamic_image_success": _dynamic_image,
    "media_info_success": _media_info,
    "smarttag_success": _smarttag,
    "media_censor_success": _media_censor,
    "transcode_success": _transcode,
    "package_success": _package,
}


def _caption_events(dag_run: Any) -> list[dict[str, Any]]:
    """The asset events of the run's captions tasks, with the aliases they came through."""
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    with create_session() as session:
        events = session.scalars(
            select(AssetEvent)
            .options(selectinload(AssetEvent.asset), selectinload(AssetEvent.source_aliases))
            .where(AssetEvent.source_run_id == dag_run.run_id, AssetEvent.source_task_id == "captions")
            .order_by(AssetEvent.source_map_index)
        ).all()
        return [
            {
                "id": event.id,
                "uri": event.asset.uri,
                "extra": event.extra,
                "map_index": event.source_map_index,
                "aliases": sorted(alias.name for alias in event.source_aliases),
            }
            for event in events
        ]


def _asset_triggered_runs(dag_id: str) -> list[dict[str, Any]]:
    """What Airflow's scheduler does next: create the runs of DAGs whose assets got events."""
    from airflow.jobs.job import Job
    from airflow.jobs.scheduler_job_runner import SchedulerJobRunner
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.sqlalchemy import prohibit_commit
    from sqlalchemy import select

    runner = SchedulerJobRunner(job=Job())
    with create_session() as session, prohibit_commit(session) as guard:
        runner._create_dagruns_for_dags(guard, session)
    with create_session() as session:
        runs = session.scalars(select(DagRun).where(DagRun.dag_id == dag_id)).all()
        return [
            {
                "run_type": str(run.run_type),
                "consumed": sorted(event.id for event in run.consumed_asset_events),
            }
            for run in runs
        ]


def _run_captions_example() -> dict[str, Any]:
    """The example media pipeline, then the scheduler's next step for the captions DAG on its alias."""
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow < 3.2
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]

    from tests.support.dags import ensure_airflow_db, register_dag, run_dag, task_states, xcom_value

    bag = DagBag(dag_folder=str(REPO_ROOT / "example_dags"))
    ensure_airflow_db()
    register_dag(bag.dags["example_ice_captions"])  # the DAG processor's part
    videos = ["oss://ui-bucket/in/interview.mp4", "oss://ui-bucket/in/keynote.mp4"]
    conf = {
        "poll_interval": 0.1,
        "expected_duration": 0,
        "videos": videos,
        "output_prefix": "oss://out-bucket/processed",
    }
    dag_run = run_dag(bag.dags["example_ice_media_pipeline"], run_conf=conf)
    states = set(task_states(dag_run).values())
    return {
        "scenario": "captions_example",
        "dag_id": dag_run.dag_id,
        "task_id": "captions",
        "state": "success" if states == {"success"} else ",".join(sorted(states)),
        "job_id": None,
        "asset_events": _caption_events(dag_run),
        "loaded_modules": [],
        "details": {
            "ds": f"{dag_run.logical_date:%Y-%m-%d}",
            "captions_jobs": [xcom_value(dag_run, "captions", map_index=i) for i in range(len(videos))],
            "captions_dag_runs": _asset_triggered_runs("example_ice_captions"),
        },
    }


def _run(scenario: str) -> dict[str, Any]:
    if scenario == "captions_example":
        return _run_captions_example()
    from tests.support.dags import asset_events, new_dag, run_dag, task_states, xcom_value

    dag = new_dag(f"lineage_{scenario}")
    with dag:
        task = SCENARIOS[scenario]()
    dag_run = run_dag(dag)
    return {
        "scenario": scenario,
        "dag_id": dag.dag_id,
        "task_id": task.task_id,
        "state": task_states(dag_run)[task.task_id],
        # Operators push the id; a sensor is given it.
        "job_id": xcom_value(dag_run, task.task_id, "ice_job_id") or task.job_id,
        "asset_events": asset_events(dag_run),
        "loaded_modules": sorted(
            name for name in sys.modules if name.startswith((*BLOCKED_PACKAGES, "airflow_ice.lineage"))
        ),
    }


def _main(argv: list[str]) -> None:
    results = Path(argv.pop(0))
    if "--without-openlineage" in argv:
        argv.remove("--without-openlineage")
        _block_openlineage()
    for scenario in argv:
        line = json.dumps(_run(scenario))
        with results.open("a") as out:
            out.write(line + "\n")


if __name__ == "__main__":
    _main(sys.argv[1:])
