"""Without the OpenLineage provider nothing changes: a task with ``oss://`` outlets and an asset alias
runs in a fresh Airflow process in which the OpenLineage packages cannot be imported."""

from __future__ import annotations

from pathlib import Path

from airflow_ice.emulator import IceEmulator
from tests.support.emulator import job_answer
from tests.support.lineage import CAPTIONS, run_scenarios


def test_a_run_without_the_openlineage_provider(tmp_path: Path) -> None:
    with IceEmulator(job_seconds=0.3) as emulator:
        runs = run_scenarios(emulator, ["iproduction_with_outlets"], tmp_path, with_openlineage=False)
        run = runs.runs["iproduction_with_outlets"]
        assert run.state == "success", runs.output[-3000:]
        assert run.job_id
        ice = job_answer(emulator, "QueryIProductionJob", run.job_id)

    # Nothing of OpenLineage was imported, and so no event written; the lineage facts and the task
    # lineage mixin, which import nothing of it, are all the operator loaded.
    assert runs.events == []
    assert run.loaded_modules == [
        "airflow_ice.lineage",
        "airflow_ice.lineage.asset_events",
        "airflow_ice.lineage.job_lineage",
        "airflow_ice.lineage.task_lineage",
    ]
    # The asset events are the same as with it.
    extra = {
        "job_id": run.job_id,
        "family": "IProduction",
        "function": "CaptionExtraction",
        "region": emulator.region,
        "output_urls": ice["OutputUrls"],
    }
    assert ice["OutputUrls"]
    without_list = {key: value for key, value in extra.items() if key != "output_urls"}
    assert sorted(run.asset_events, key=lambda event: "output_url" in event["extra"]) == [
        {"uri": CAPTIONS, "extra": extra},
        # Through the alias: the one object's URL instead of the list.
        {"uri": CAPTIONS, "extra": {**without_list, "output_url": ice["OutputUrls"][0]}},
    ]
