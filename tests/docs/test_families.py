"""One truth for each job family: what the docs state about a family (cancel, ClientToken, expected
duration, what lineage reads and writes, the emulator's actions) is what its ``JobFamily``
declaration (and the emulator) says."""

from __future__ import annotations

import importlib
import inspect
import re

import httpx
import pytest

from airflow_ice.emulator import IceEmulator
from airflow_ice.families import all_families, iproduction
from airflow_ice.jobs.family import JobFamily
from airflow_ice.operators.base import IceJobOperator
from tests.support.family_cases import VIDEO_COGNITION
from tests.support.paths import REPO_ROOT

DOCS = REPO_ROOT / "docs"
FAMILIES = all_families()
ALL = {family.name: family for family in FAMILIES.values()}
# The families with a page of their own (the older three are on operators.md).
PAGES = {
    f"{key}.md": FAMILIES[key]
    for key in (
        "media_producing",
        "media_convert",
        "snapshot",
        "media_info",
        "smarttag",
        "asr",
        "audio_produce",
        "avatar_video",
        "video_translation",
        "highlight_extraction",
        "segmentation",
        "batch_media_producing",
        "dynamic_image",
        "media_censor",
        "transcode",
        "package",
    )
}


def table_rows(text: str) -> list[list[str]]:
    """The cells of every Markdown table row (header separators left out)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|(\s*-+\s*\|)+", line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


def marked_table(page: str, marker: str) -> list[list[str]]:
    """The rows of the table right after ``<!-- marker -->`` in a page (its header left out)."""
    text = (DOCS / page).read_text()
    after = text.split(f"<!-- {marker} -->", 1)[1].lstrip("\n")
    table = after.split("\n\n", 1)[0]
    return table_rows(table)[1:]


def expected_seconds(family: JobFamily) -> float:  # type: ignore[type-arg]
    """The figure of a family whose figure does not depend on the request."""
    return family.expected_seconds_of(None)


@pytest.mark.real_expected_durations
@pytest.mark.parametrize(("page", "family"), PAGES.items(), ids=list(PAGES))
def test_each_family_page_states_its_declaration(page: str, family: JobFamily) -> None:
    facts = {row[0]: row[1] for row in table_rows((DOCS / "families" / page).read_text()) if len(row) == 2}

    assert not family.can_cancel
    assert facts["Cancel"] == (
        f"none: {family.no_cancel_reason}; on `timeout` or a kill the job keeps running (logged)"
    )
    assert facts["Retry after a lost answer"].startswith(
        "**safe**" if family.client_token else "**not safe**"
    )
    assert facts["Expected duration"].startswith(f"{expected_seconds(family):g} s:")
    assert facts["Lineage inputs"] == family.inputs_described
    assert facts["Lineage outputs and asset events"] == family.outputs_described
    for parameter in ("poll_interval", "timeout", "wait_for_completion", "expected_duration"):
        assert f"`{parameter}`" in facts["Common parameters"]


def test_the_lineage_page_lists_every_family_as_declared() -> None:
    rows = marked_table("lineage.md", "family-lineage")

    assert {row[0] for row in rows} == set(ALL)
    for name, inputs, outputs in rows:
        assert (inputs, outputs) == (ALL[name].inputs_described, ALL[name].outputs_described), name


@pytest.mark.real_expected_durations
def test_the_expected_duration_table_has_every_family_figure() -> None:
    rows = dict(marked_table("operators.md", "expected-durations"))

    assert set(rows) == set(ALL)
    for name, family in ALL.items():
        if family is iproduction.IPRODUCTION:
            figures = sorted(set(iproduction.EXPECTED_SECONDS.values()))
            assert all(f"{figure:g} s" in rows[name] for figure in figures), rows[name]
            continue
        assert rows[name] == f"{expected_seconds(family):g} s", name


def test_the_emulator_page_lists_the_actions_the_emulator_serves() -> None:
    rows = marked_table("emulator.md", "emulated-actions")
    documented = {action.strip("`") for _, actions in rows for action in actions.split(", ")}

    with IceEmulator() as emulator:
        served = set(httpx.get(f"{emulator.url}/_emulator/health", timeout=10).json()["actions"])

    assert documented == served
    # Video cognition: the declared-family example (docs/families/declared.md), not a module's.
    assert {name for name, _ in rows} == {*ALL, VIDEO_COGNITION.name}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_each_family_page_names_only_parameters_the_operators_take(page: str) -> None:
    """The common parameters a page lists are the operator's (a renamed one fails here)."""
    facts = {row[0]: row[1] for row in table_rows((DOCS / "families" / page).read_text()) if len(row) == 2}
    named = set(re.findall(r"`(\w+)`", facts["Common parameters"]))
    taken = set(inspect.signature(IceJobOperator.__init__).parameters) | {"deferrable"}
    assert named - taken == set()


def _operator_families() -> dict[str, JobFamily]:  # type: ignore[type-arg]
    """Each family module's operator class name -> its family."""
    found = {}
    for name, family in FAMILIES.items():
        module = importlib.import_module(f"airflow_ice.operators.{name}")
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, IceJobOperator)
                and value.__module__ == module.__name__
            ):
                found[value.__name__] = family
    return found


def test_the_families_table_says_which_retry_safely_and_which_cancel() -> None:
    rows = marked_table("operators.md", "job-families")
    families = _operator_families()
    listed = {}
    for _, classes, actions, lost_answer, cancel in rows:
        operator = classes.split("`")[1]
        if operator not in families:
            continue  # the declared kind: the declaration says
        family = families[operator]
        listed[operator] = family
        assert f"{family.submit_action}, {family.get_action}" in actions, operator
        assert lost_answer == (
            "resent safely (`ClientToken`)" if family.client_token else "fails the task, no retry"
        )
        assert cancel == (f"yes, {family.cancel_action}" if family.can_cancel else "no"), operator
    assert set(listed) == set(families)
