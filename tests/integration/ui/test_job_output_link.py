"""The "ICE job output" and "ICE console" extra links of a finished IProduction task, followed in the
Airflow UI.

The example media pipeline runs (once for the module) against the ICE emulator in the same
AIRFLOW_HOME the api-server serves; "ICE job output" must open the output URL ICE reports for the
task's job, "ICE console" the job's page in the console of the connection's region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from airflow_ice.links.console import IceConsoleJobLink
from airflow_ice.links.job_output import IceJobOutputLink
from tests.integration.ui.airflow_stack import run_example_dag
from tests.support.emulator import job_answer

if TYPE_CHECKING:
    from pathlib import Path

    from airflow_ice.emulator import IceEmulator
    from tests.integration.ui.airflow_stack import AirflowHome, ApiServer, DagRunResult
    from tests.integration.ui.browser import NetworkGuard, Screenshots

DAG_ID = "example_ice_media_pipeline"
TASK_ID = "cover"  # an IceIProductionJobOperator, mapped over the videos
MAP_INDEX = 0
RUN_CONF = {
    "videos": ["oss://ui-test-bucket/incoming/interview.mp4", "oss://ui-test-bucket/incoming/keynote.mp4"],
    "output_prefix": "oss://ui-test-bucket/processed",
    "poll_interval": 0.2,
    "expected_duration": 0,  # emulated jobs last a second: no family minimum before the first poll
}


def _output_url_ice_reports(emulator: IceEmulator, job_id: str) -> str:
    """``OutputUrls[0]`` of the job, asked of the emulator directly (not through the provider)."""
    job = job_answer(emulator, "QueryIProductionJob", job_id)
    urls = job.get("OutputUrls") or []
    assert urls, job
    url: str = urls[0]
    return url


@pytest.fixture(scope="module")
def pipeline_run(airflow_home: AirflowHome, ui_emulator: IceEmulator, artifacts: Path) -> DagRunResult:
    """One successful run of the example media pipeline, its mapped cover task included."""
    run = run_example_dag(
        airflow_home,
        DAG_ID,
        RUN_CONF,
        ui_emulator.connection_json(max_retries=1, timeout=5),
        artifacts / "example-dag-run.log",
    )
    assert run.state == "success", run.tasks
    task = run.tasks[f"{TASK_ID}[{MAP_INDEX}]"]
    assert task["state"] == "success", task
    assert task["job_id"], task
    return run


def _open_task_details(
    page: Page, api_server: ApiServer, run: DagRunResult, screenshots: Screenshots
) -> None:
    page.goto(f"{api_server.url}/dags/{DAG_ID}/runs/{quote(run.run_id)}/tasks/{TASK_ID}/mapped/{MAP_INDEX}")
    expect(page.get_by_text(f"{TASK_ID} [{MAP_INDEX}]", exact=True).first).to_be_visible()
    expect(page.get_by_text("IceIProductionJobOperator").first).to_be_visible()
    expect(page.get_by_text("Success", exact=True).first).to_be_visible()
    screenshots.take(page, "finished-iproduction-task")
    page.get_by_role("link", name="Details", exact=True).click()


def _follow(
    page: Page, name: str, expected: str, network_guard: NetworkGuard, screenshots: Screenshots
) -> None:
    """Click the link called NAME; it must open EXPECTED (answered by a local stub, not the internet)."""
    network_guard.stubbed_urls.add(expected)
    link = page.get_by_role("link", name=name, exact=True)
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", expected)
    slug = name.lower().replace(" ", "-")
    screenshots.take(page, f"task-details-{slug}-link")

    with page.context.expect_page() as opened:
        link.click()
    target = opened.value
    target.wait_for_load_state()
    assert target.url == expected
    assert expected in network_guard.opened_stubs
    screenshots.take(target, f"{slug}-opened")


def test_finished_task_links_to_its_ice_job_output(
    page: Page,
    api_server: ApiServer,
    pipeline_run: DagRunResult,
    ui_emulator: IceEmulator,
    network_guard: NetworkGuard,
    screenshots: Screenshots,
) -> None:
    expected = _output_url_ice_reports(ui_emulator, pipeline_run.tasks[f"{TASK_ID}[{MAP_INDEX}]"]["job_id"])
    assert expected.startswith("https://"), expected

    _open_task_details(page, api_server, pipeline_run, screenshots)
    _follow(page, IceJobOutputLink.name, expected, network_guard, screenshots)


def test_finished_task_links_to_its_job_in_the_ice_console(
    page: Page,
    api_server: ApiServer,
    pipeline_run: DagRunResult,
    ui_emulator: IceEmulator,
    network_guard: NetworkGuard,
    screenshots: Screenshots,
) -> None:
    job_id = pipeline_run.tasks[f"{TASK_ID}[{MAP_INDEX}]"]["job_id"]
    # The connection's region and the task's job, in the documented console (see docs/lineage.md).
    expected = f"https://ims.console.aliyun.com/summary?regionId={ui_emulator.region}&jobId={job_id}"

    _open_task_details(page, api_server, pipeline_run, screenshots)
    _follow(page, IceConsoleJobLink.name, expected, network_guard, screenshots)
