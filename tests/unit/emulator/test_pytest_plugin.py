"""The emulator's pytest fixtures are opt-in: installing airflow-ice adds nothing to another
project's pytest runs; ``-p airflow_ice.emulator.pytest_plugin`` or ``pytest_plugins = [...]`` in a
conftest brings ``ice_emulator``, ``ice_connection`` and the ``ice_emulator`` marker.

Each case is a real pytest run in a subprocess (pytester), in a folder with no conftest of ours."""

from __future__ import annotations

import pytest

PLUGIN = "airflow_ice.emulator.pytest_plugin"

# A user's DAG test, as docs/emulator.md shows it: a real signed submit to the fixture's emulator.
USER_TEST = """
import pytest

from airflow_ice.hooks.ice import IceHook


@pytest.mark.ice_emulator(job_seconds=0.2)
def test_submit(ice_connection):
    job_id = IceHook().submit_iproduction_job(
        {
            "function_name": "Cover",
            "input": {"Type": "OSS", "Media": "oss://bucket/in/a.mp4"},
            "output": {"Type": "OSS", "Media": "oss://bucket/out/"},
        }
    )
    assert job_id
    assert ice_connection.counters().jobs_submitted["SubmitIProductionJob"] == 1
"""
# Without the plugin the marker is unknown: --strict-markers turns that into an error of its own.
ARGS = ("-p", "no:randomly", "-p", "no:cacheprovider", "-n", "0")


@pytest.fixture
def user_project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_user=USER_TEST)
    return pytester


def test_the_fixtures_are_absent_by_default(user_project: pytest.Pytester) -> None:
    result = user_project.runpytest_subprocess(*ARGS)

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'ice_connection' not found*"])
    result.stdout.no_fnmatch_line("*ice_emulator(**kwargs)*")  # nor the marker in the listing
    listed = user_project.runpytest_subprocess("--markers", "-p", "no:randomly")
    listed.stdout.no_fnmatch_line("*@pytest.mark.ice_emulator*")


def test_dash_p_brings_the_fixtures(user_project: pytest.Pytester) -> None:
    result = user_project.runpytest_subprocess(*ARGS, "-p", PLUGIN)

    result.assert_outcomes(passed=1)


def test_a_conftests_pytest_plugins_brings_the_fixtures(user_project: pytest.Pytester) -> None:
    user_project.makeconftest(f"pytest_plugins = [{PLUGIN!r}]\n")
    result = user_project.runpytest_subprocess(*ARGS, "--strict-markers")

    result.assert_outcomes(passed=1)
