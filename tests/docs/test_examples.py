"""The files the docs include run: the README's DAG (on a manual run without a logical date too),
the sensor example, the emulator's copy-paste connection, the lineage page's asset how-to and the
media censor page's publication gate."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from airflow_ice.emulator import IceEmulator
from airflow_ice.hooks.ice import IceHook
from tests.support.dags import load_python_file, run_dag, task_states, xcom_value
from tests.support.paths import REPO_ROOT

ROOT = REPO_ROOT
EXAMPLES = ROOT / "docs" / "examples"


def load(name: str) -> ModuleType:
    """A docs example as a module, as the DAG processor would import the file."""
    return load_python_file(EXAMPLES / f"{name}.py", f"docs_example_{name}")


def quickstart_dag() -> Any:
    dag = load("quickstart_dag").dag
    dag.get_task("cover").poll_interval = 0.1  # the documented 30 s, made fast for the test
    return dag


@pytest.mark.parametrize("emulated_ice", [{"job_seconds": 0.3}], indirect=True)
def test_the_readme_dag_runs_on_a_manual_run_without_a_logical_date(emulated_ice: IceEmulator) -> None:
    run = run_dag(quickstart_dag(), logical_date=None)

    assert run.logical_date is None  # the precondition: the run Airflow 3 makes for `dags trigger`
    assert task_states(run) == {"cover": "success"}
    job = xcom_value(run, "cover")
    day = run.run_after.astimezone(timezone.utc).strftime("%Y-%m-%d")
    assert job["output_files"]
    assert all(path.startswith(f"covers/{day}/launch-") for path in job["output_files"])
    for cover in job["result"]["covers"]:
        assert cover["output_url"].startswith(f"https://my-bucket.oss-cn-shanghai.aliyuncs.com/covers/{day}/")


@pytest.mark.parametrize("emulated_ice", [{"job_seconds": 0.3}], indirect=True)
def test_the_readme_dag_uses_the_logical_date_when_there_is_one(emulated_ice: IceEmulator) -> None:
    run = run_dag(quickstart_dag(), logical_date=datetime(2025, 3, 4, tzinfo=timezone.utc))

    assert task_states(run) == {"cover": "success"}
    assert all(path.startswith("covers/2025-03-04/") for path in xcom_value(run, "cover")["output_files"])


@pytest.mark.parametrize("emulated_ice", [{"job_seconds": 0.3}], indirect=True)
def test_the_sensor_example_waits_for_a_job_submitted_elsewhere(emulated_ice: IceEmulator) -> None:
    with IceHook() as hook:
        job_id = hook.submit_iproduction_job(
            {
                "function_name": "CaptionExtraction",
                "input": {"Type": "OSS", "Media": "oss://bucket/in/talk.mp4"},
                "output": {"Type": "OSS", "Media": "oss://bucket/out/talk.srt"},
            }
        )
    dag = load("sensor_dag").dag
    dag.get_task("wait_for_job").poll_interval = 0.1

    run = run_dag(dag, run_conf={"job_id": job_id})

    assert task_states(run) == {"wait_for_job": "success", "report": "success"}
    assert xcom_value(run, "wait_for_job")["job_id"] == job_id
    assert xcom_value(run, "report") == ["https://bucket.oss-cn-shanghai.aliyuncs.com/out/talk.srt"]


def test_the_copy_paste_connection_reaches_the_command_line_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    exported = subprocess.run(
        [
            "bash",
            "-c",
            f'source {EXAMPLES / "emulator_connection.sh"} && printf %s "$AIRFLOW_CONN_ICE_DEFAULT"',
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    connection = json.loads(exported)
    assert connection["extra"]["endpoint"] == "http://127.0.0.1:8765"
    emulator = subprocess.Popen(
        [sys.executable, "-m", "airflow_ice.emulator", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert emulator.stdout is not None
        url = emulator.stdout.readline().strip()  # its one line, once it accepts connections
        assert url.startswith("http://127.0.0.1:")
        # The documented port, swapped for the free one this test got.
        connection["extra"]["endpoint"] = url
        monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", json.dumps(connection))

        works, message = IceHook().test_connection()
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)
    assert works, message
    assert "(source: AccessKey emulator-access-key-id" in message


@pytest.mark.timeout(
    900
)  # six Airflow commands, each starting Airflow, and a DAG run: minutes on a busy machine
def test_the_lineage_how_to_shows_the_downstream_run(tmp_path: Path) -> None:
    """docs/lineage.md's how-to, run as written but for the port (the documented 8765 swapped for a
    free one, in the script and the connection it sources) in a throw-away AIRFLOW_HOME: after the
    producer's ``airflow dags test`` and one scheduler loop, the captions DAG has an asset-triggered run."""
    from tests.integration.ui.airflow_stack import free_loopback_port

    port = str(free_loopback_port())
    connection = tmp_path / "emulator_connection.sh"
    connection.write_text((EXAMPLES / "emulator_connection.sh").read_text().replace("8765", port))
    script = (EXAMPLES / "asset_downstream_run.sh").read_text()
    assert "--port 8765" in script
    assert "source docs/examples/emulator_connection.sh" in script
    script = script.replace("--port 8765", f"--port {port}").replace(
        "source docs/examples/emulator_connection.sh", f"source {connection}"
    )
    # A shell's environment: no Airflow settings, and not pytest's (Airflow changes its logging in tests).
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "PYTEST"))}
    env.update(
        AIRFLOW_HOME=str(tmp_path / "airflow"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(ROOT),
    )
    log = tmp_path / "how-to.log"
    # Its own process group: whatever the commands leave behind is ended with it.
    with log.open("w") as out:
        process = subprocess.Popen(
            ["bash", "-c", script],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            returncode = process.wait(timeout=780)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    output = log.read_text(errors="replace")

    assert returncode == 0, output[-6000:]
    # list-runs' table (unpause prints the DAG's row too, without a run id).
    runs = [
        line for line in output.splitlines() if line.startswith("example_ice_captions | asset_triggered__")
    ]
    assert len(runs) == 1, output[-6000:]


@pytest.mark.parametrize("emulated_ice", [{"job_seconds": 0.3}], indirect=True)
def test_the_declared_family_example_runs_the_job_it_declares(emulated_ice: IceEmulator) -> None:
    dag = load("declared_family_dag").dag
    dag.get_task("labels").poll_interval = 0.1

    run = run_dag(dag)

    assert task_states(run) == {"labels": "success"}
    job = xcom_value(run, "labels")
    assert job["status"] == "Success"
    assert sorted(result["Type"] for result in job["job"]["Results"]["result"]) == [
        "OCR",
        "TextLabel",
        "VideoLabel",
    ]
    (submitted,) = [record for record in emulated_ice.jobs() if record["JobId"] == job["job_id"]]
    assert submitted["Action"] == "SubmitVideoCognitionJob"


@pytest.mark.parametrize("emulated_ice", [{"job_seconds": 0.3}], indirect=True)
@pytest.mark.parametrize(
    ("video", "suggestion", "published"),
    [
        ("oss://my-bucket/incoming/match.mp4", "pass", "success"),
        ("oss://my-bucket/incoming/review-me.mp4", "review", "skipped"),
        ("oss://my-bucket/incoming/block-me.mp4", "block", "skipped"),
    ],
)
def test_the_moderation_gate_publishes_only_what_ice_passed(
    emulated_ice: IceEmulator, video: str, suggestion: str, published: str
) -> None:
    dag = load("media_censor_gate_dag").dag
    dag.get_task("moderate").poll_interval = 0.1

    run = run_dag(dag, run_conf={"video": video})

    assert task_states(run) == {"moderate": "success", "passed": "success", "publish": published}
    job = xcom_value(run, "moderate")
    assert job["suggestion"] == suggestion
    if suggestion == "pass":
        assert job["flagged"] == {}
    else:  # the emulator flags the video (and its title, the file's name) by the marker in the name
        assert {verdict["suggestion"] for verdict in job["flagged"]["video"]} == {suggestion}
        assert job["flagged"]["title"]["suggestion"] == suggestion
        assert job["flagged"]["frames"]
