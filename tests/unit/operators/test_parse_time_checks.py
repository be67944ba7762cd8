"""Literal (non-templated) ICE parameters are refused when the DAG file is parsed, naming the parameter;
templates and other tasks' results wait for the run-time check (tests/unit/operators/test_bad_input.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from airflow_ice.operators.iproduction import IceIProductionJobOperator
from airflow_ice.operators.yike_ai_app import IceYikeAIAppJobOperator
from airflow_ice.operators.yike_storyboard import IceYikeStoryboardJobOperator
from tests.support.dags import new_dag

COVER: dict[str, Any] = {
    "task_id": "cover",
    "function_name": "Cover",
    "input": {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"},
    "output": {"Type": "OSS", "Media": "oss://bucket/out/"},
}
STORYBOARD: dict[str, Any] = {
    "task_id": "storyboard",
    "file_url": "oss://bucket/novel.txt",
    "source_type": "Novel",
    "shot_split_mode": "firstPersonNarration",
    "style_id": "Ghibli",
}


def test_a_literal_input_without_media_is_refused_naming_it() -> None:
    with pytest.raises(
        ValueError, match=r"IceIProductionJobOperator 'cover': .*input\.media \(Input\.Media\): required"
    ):
        IceIProductionJobOperator(**{**COVER, "input": {"Type": "OSS"}})


def test_malformed_literal_job_params_are_refused_naming_them() -> None:
    with pytest.raises(ValueError, match=r"'cover': .*job_params \(JobParams\)"):
        IceIProductionJobOperator(**COVER, job_params='{"Model": ')


def test_literal_user_data_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ValueError, match="user_data must be a dict or JSON text of an object"):
        IceIProductionJobOperator(**COVER, user_data="[1, 2]")


def test_storyboard_and_ai_app_literals_are_checked_too() -> None:
    with pytest.raises(ValueError, match=r"'storyboard': .*aspect_ratio \(AspectRatio\)"):
        IceYikeStoryboardJobOperator(**STORYBOARD, aspect_ratio="7:3")
    with pytest.raises(ValueError, match=r"'reel': app_params must be a dict or JSON text"):
        IceYikeAIAppJobOperator(task_id="reel", app_id="app-1", app_params="{not json")
    with pytest.raises(ValueError, match=r"'reel': .*app_id \(AppId\): required"):
        IceYikeAIAppJobOperator(task_id="reel", app_id="")
    with pytest.raises(ValueError, match=r"'reel': .*folder_id \(FolderId\)"):
        IceYikeAIAppJobOperator(task_id="reel", app_id="app-1", folder_id=5)  # type: ignore[arg-type]


def test_templates_and_upstream_results_are_left_for_run_time() -> None:
    dag = new_dag("parse_time_templates")
    with dag:
        IceIProductionJobOperator(
            task_id="templated",
            function_name="Cover",
            # Only Type is literal here; Media comes from the template when the task runs.
            input={"Type": "OSS", "Media": "{{ params.video }}"},
            output="{{ params.output_json }}",
            job_params="{{ params.job_params }}",
        )
        IceYikeAIAppJobOperator(
            task_id="reel", app_id="{{ params.app }}", app_params="{{ params.app_params }}"
        )
    assert set(dag.task_dict) == {"templated", "reel"}


def test_a_bad_literal_in_the_known_part_is_refused_beside_templates() -> None:
    with pytest.raises(ValueError, match=r"input\.type \(Input\.Type\)"):
        IceIProductionJobOperator(
            **{**COVER, "input": {"Type": "FTP", "Media": "x"}, "output": "{{ params.out }}"}
        )


def test_the_dag_file_does_not_import(tmp_path: Path) -> None:
    """What a user sees: the DAG processor reports the file's import error, naming the parameter."""
    from tests.support.dags import ensure_airflow_db

    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 3.1
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]

    ensure_airflow_db()
    dag_file = tmp_path / "bad_literal_dag.py"
    dag_file.write_text(
        textwrap.dedent(
            """
            from datetime import datetime

            from airflow.sdk import DAG

            from airflow_ice.operators.iproduction import IceIProductionJobOperator

            with DAG("bad_literal", schedule=None, start_date=datetime(2025, 1, 1)):
                IceIProductionJobOperator(
                    task_id="cover",
                    function_name="Cover",
                    input={"Type": "OSS"},
                    output={"Type": "OSS", "Media": "oss://bucket/out/"},
                )
            """
        )
    )
    bag = DagBag(dag_folder=str(tmp_path))
    assert "bad_literal" not in bag.dags
    (error,) = bag.import_errors.values()
    assert "input.media (Input.Media): required" in error
