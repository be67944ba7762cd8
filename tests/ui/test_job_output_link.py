"""The "ICE job output" extra link of a finished IProduction task, followed in the Airflow UI.

The example media pipeline runs against the ICE emulator in the same AIRFLOW_HOME the api-server
serves; the link must open the output URL ICE reports for the task's job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from playwright.sync_api import Page, expect

from airflow_ice.links.job_output import IceJobOutputLink
from tests.emulator_support import job_answer
from tests.ui.airflow_stack import run_example_dag

if TYPE_CHECKING:
    from pathlib import Path

    from airflow_ice.emulator import IceEmulator
    from tests.ui.airflow_stack import AirflowHome, ApiServer
    from tests.ui.browser import NetworkGuard, Screenshots

DAG_ID = "example_ice_media_pipeline"
TASK_ID = "cover"  # an IceIProductionJobOperator, mapped over the videos
MAP_INDEX = 0
RUN_CONF = {
    "videos": ["oss://ui-test-bucket/incoming/interview.mp4", "oss://ui-test-bucket/incoming/keynote.mp4"],
    "output_prefix": "oss://ui-test-bucket/processed",
    "poll_interval": 0.2,
}


def _output_url_ice_reports(emulator: IceEmulator, job_id: str) -> str:
    """``OutputUrls[0]`` of the job, asked of the emulator directly (not through the provider)."""
    job = job_answer(emulator, "QueryIProductionJob", job_id)
    urls = job.get("OutputUrls") or []
    assert urls, job
    url: str = urls[0]
    return url


def test_finished_task_links_to_its_ice_job_output(
    page: Page,
    api_server: ApiServer,
    airflow_home: AirflowHome,
    ui_emulator: IceEmulator,
    network_guard: NetworkGuard,
    screenshots: Screenshots,
    artifacts: Path,
) -> None:
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
    expected = _output_url_ice_reports(ui_emulator, task["job_id"])
    assert expected.startswith("https://"), expected
    # The browser may open it, answered by a local stub instead of going out.
    network_guard.stubbed_urls.add(expected)

    page.goto(f"{api_server.url}/dags/{DAG_ID}/runs/{quote(run.run_id)}/tasks/{TASK_ID}/mapped/{MAP_INDEX}")
    expect(page.get_by_text(f"{TASK_ID} [{MAP_INDEX}]", exact=True).first).to_be_visible()
    expect(page.get_by_text("IceIProductionJobOperator").first).to_be_visible()
    expect(page.get_by_text("Success", exact=True).first).to_be_visible()
    screenshots.take(page, "finished-iproduction-task")

    page.get_by_role("link", name="Details", exact=True).click()
    link = page.get_by_role("link", name=IceJobOutputLink.name, exact=True)
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", expected)
    screenshots.take(page, "task-details-ice-job-output-link")

    with page.context.expect_page() as opened:
        link.click()
    output_page = opened.value
    output_page.wait_for_load_state()
    assert output_page.url == expected
    assert expected in network_guard.opened_stubs
    screenshots.take(output_page, "ice-job-output-opened")
