"""The "ICE job output" and "ICE console" extra links of the operators, evaluated by Airflow at the end
of real runs."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_ice.emulator import IceEmulator
from airflow_ice.links.console import CONSOLE_URL_XCOM_KEY, IceConsoleJobLink, console_job_url
from airflow_ice.links.job_output import IceJobOutputLink
from airflow_ice.operators.iproduction import IceIProductionJobOperator
from airflow_ice.operators.yike_ai_app import IceYikeAIAppJobOperator
from airflow_ice.operators.yike_storyboard import IceYikeStoryboardJobOperator
from tests.support.dags import new_dag, rendered_at_run_time, run_dag, task_states, xcom_value

# Airflow stores each evaluated link as an XCom under the link's xcom_key; the UI shows that.
LINK_KEY = IceJobOutputLink().xcom_key


@pytest.mark.parametrize(
    "operator_cls", [IceIProductionJobOperator, IceYikeStoryboardJobOperator, IceYikeAIAppJobOperator]
)
def test_links_are_registered_on_the_operators(operator_cls: type) -> None:
    names = [link.name for link in operator_cls.operator_extra_links]
    assert names == ["ICE job output", "ICE console"]


def test_iproduction_link_opens_the_first_output_url(emulated_ice: IceEmulator) -> None:
    dag = new_dag("link_ipr")
    with dag:
        IceIProductionJobOperator(
            task_id="cover",
            function_name="Cover",
            input={"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"},
            output={"Type": "OSS", "Media": "oss://bucket/out/cover/"},
            poll_interval=0.1,
            deferrable=True,
        )

    run = run_dag(dag)

    assert task_states(run) == {"cover": "success"}
    urls = xcom_value(run, "cover")["output_urls"]
    assert xcom_value(run, "cover", LINK_KEY) == urls[0]
    assert urls[0].startswith("https://")


def test_iproduction_media_output_link_is_known_before_the_job_finishes(emulated_ice: IceEmulator) -> None:
    url = "https://bucket.oss-cn-shanghai.aliyuncs.com/out/clip-h2v.mp4"
    dag = new_dag("link_media")
    with dag:
        IceIProductionJobOperator(
            task_id="h2v",
            function_name="VideoH2V",
            input={"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"},
            output={"Type": "Media", "Media": "media-id-1", "OutputUrl": url},
            wait_for_completion=False,
        )

    run = run_dag(dag)

    # Not waited for: the link comes from the request's Output.OutputUrl alone.
    assert task_states(run) == {"h2v": "success"}
    assert xcom_value(run, "h2v", LINK_KEY) == url


def test_yike_link_opens_the_video(emulated_ice: IceEmulator) -> None:
    dag = new_dag("link_yike")
    with dag:
        IceYikeStoryboardJobOperator(
            task_id="storyboard",
            file_url="oss://bucket/novel.txt",
            source_type="Novel",
            shot_split_mode="firstPersonNarration",
            style_id="InkWuxia",
            poll_interval=0.1,
        )

    run = run_dag(dag)

    assert xcom_value(run, "storyboard", LINK_KEY) == xcom_value(run, "storyboard")["output_url"]


def test_link_is_empty_for_non_web_outputs(emulated_ice: IceEmulator) -> None:
    dag = new_dag("link_none")
    with dag:
        IceIProductionJobOperator(
            task_id="demix",
            function_name="MusicDemix",
            input={"Type": "OSS", "Media": "oss://bucket/in/song.mp3"},
            output={"Type": "OSS", "Media": "oss://bucket/out/stems/"},
            wait_for_completion=False,
        )

    run = run_dag(dag)

    assert xcom_value(run, "demix", "ice_job_output_url") == ""
    assert xcom_value(run, "demix", LINK_KEY) == ""


CONSOLE_KEY = IceConsoleJobLink().xcom_key


def _run_captions(name: str, media: str = "oss://bucket/in/clip.mp4") -> Any:
    """Run a one-task DAG extracting captions (deferred) and return the DagRun."""
    dag = new_dag(name)
    with dag:
        IceIProductionJobOperator(
            task_id="captions",
            function_name="CaptionExtraction",
            input={"Type": "OSS", "Media": media},
            output={"Type": "OSS", "Media": "oss://bucket/out/clip.srt"},
            poll_interval=0.1,
            deferrable=True,
            retries=0,
        )
    return run_dag(dag)


def test_console_link_opens_the_job_in_its_region(emulated_ice: IceEmulator) -> None:
    run = _run_captions("link_console")

    job_id = xcom_value(run, "captions", "ice_job_id")
    expected = f"https://ims.console.aliyun.com/summary?regionId={emulated_ice.region}&jobId={job_id}"
    assert xcom_value(run, "captions", CONSOLE_URL_XCOM_KEY) == expected
    assert xcom_value(run, "captions", CONSOLE_KEY) == expected


def test_console_link_is_there_when_the_job_failed(emulated_ice: IceEmulator) -> None:
    run = _run_captions("link_console_failed", "oss://bucket/in/fail.mp4")

    assert task_states(run) == {"captions": "failed"}
    job_id = xcom_value(run, "captions", "ice_job_id")
    assert job_id
    assert xcom_value(run, "captions", CONSOLE_KEY).endswith(f"&jobId={job_id}")


def test_console_link_address_can_be_configured(
    emulated_ice: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "AIRFLOW__ALIBABA_ICE__CONSOLE_JOB_URL",
        "https://ims.console.alibabacloud.com/{family}/{job_id}?region={region}",
    )
    run = _run_captions("link_console_configured")

    job_id = xcom_value(run, "captions", "ice_job_id")
    expected = f"https://ims.console.alibabacloud.com/iproduction/{job_id}?region={emulated_ice.region}"
    assert xcom_value(run, "captions", CONSOLE_KEY) == expected


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("https://console.example/{job}", "use only the placeholders"),
        ("http://console.example/{job_id}", "must be an https:// address"),
    ],
)
def test_a_bad_console_address_costs_only_the_link(
    emulated_ice: IceEmulator, monkeypatch: pytest.MonkeyPatch, template: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        console_job_url(template, region="cn-shanghai", job_id="j", family="IProduction")
    monkeypatch.setenv("AIRFLOW__ALIBABA_ICE__CONSOLE_JOB_URL", template)
    run = _run_captions("link_console_bad")

    # The job ran (and was paid for): the task succeeds, without the link.
    assert task_states(run) == {"captions": "success"}
    assert xcom_value(run, "captions", CONSOLE_KEY) == ""


def test_a_task_that_submitted_nothing_has_empty_links_and_logs_no_missing_xcom(
    emulated_ice: IceEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    dag = new_dag("link_no_job")
    with dag:
        IceIProductionJobOperator(
            task_id="cover",
            function_name="Cover",
            input=rendered_at_run_time({"Type": "OSS"}),  # refused at run time, before the submit
            output={"Type": "OSS", "Media": "oss://bucket/out/cover/"},
        )

    run = run_dag(dag)

    assert task_states(run) == {"cover": "failed"}
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "invalid parameters" in output  # the precondition: it failed before submitting
    assert sum(emulated_ice.counters().requests.values()) == 0
    assert "XCom not found" not in output
    assert xcom_value(run, "cover", LINK_KEY) == ""
    assert xcom_value(run, "cover", IceConsoleJobLink().xcom_key) == ""
