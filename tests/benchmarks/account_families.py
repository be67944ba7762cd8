"""What the account-scale benchmark's processes share: its job families and a count of API calls.

Imported by ``bench_account_submitter.py`` and ``bench_account_triggerer.py`` (beside this file),
not run. Each family says how to submit a job and check it at once (as the operator does), and
which trigger waits for it in each scenario:

* ``shipped``: the trigger classes as shipped (list checks for media producing, media convert and
  snapshot; IProduction polls its own Get on the duration-aware schedule);
* ``gets``: every family polls its own Get, as before list checks: for the list families a
  trigger of this module (a plain :class:`~airflow_ice.triggers.base.IceJobTrigger` with the
  same ``family``), IProduction's trigger unchanged.

The adaptive pacing, the shared ticks and the duration-aware first poll are the shipped ones in
both scenarios: only how the list families are read differs.
"""

from __future__ import annotations

import enum
import importlib
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bench_client import COVER, EDIT

from airflow_ice.families.iproduction import IPRODUCTION
from airflow_ice.families.media_convert import MEDIA_CONVERT
from airflow_ice.families.media_producing import MEDIA_PRODUCING
from airflow_ice.families.snapshot import SNAPSHOT
from airflow_ice.triggers.base import IceJobTrigger

SNAPSHOT_REQUEST = {
    "input": {"Type": "OSS", "Media": "oss://bench/in/video.mp4"},
    "output": {"Type": "OSS", "Media": "oss://bench/out/snapshots/frame.jpg"},
    "template_config": {"TemplateId": "S00000001-100020", "OverwriteParams": {"Type": "Normal", "Count": 1}},
}
CONVERT_REQUEST = {
    "config": {
        "Inputs": [{"Name": "in", "InputFile": {"Type": "OSS", "Media": "oss://bench/in/video.mp4"}}],
        "Outputs": [
            {
                "Name": "720p",
                "OutputFile": {"Type": "OSS", "Media": "oss://bench/out/convert/720p.mp4"},
                "TemplateId": "S00000001-100030",
            }
        ],
    }
}


class Scenario(enum.Enum):
    """How the triggers read the list families' jobs."""

    SHIPPED = "shipped"
    GETS = "gets"


class MediaProducingGetTrigger(IceJobTrigger):
    """Media producing as before list checks: one GetMediaProducingJob per trigger and poll."""

    family = MEDIA_PRODUCING


class MediaConvertGetTrigger(IceJobTrigger):
    """Media convert as before list checks: one GetMediaConvertJob per trigger and poll."""

    family = MEDIA_CONVERT


class SnapshotGetTrigger(IceJobTrigger):
    """Snapshot as before list checks: one GetSnapshotJob per trigger and poll."""

    family = SNAPSHOT


@dataclass(frozen=True)
class AccountFamily:
    """A job family of the benchmark.

    :param name: its short name in the figures.
    :param family: its declaration (when ICE created a job, for a list-checked trigger).
    :param actions: the API actions that submit, read and list its jobs (calls are attributed to
        the family by them).
    :param submit: submits one job through a hook; returns its id.
    :param check: reads one job through a hook (the operator's check at once); returns the job.
    :param triggers: the trigger class's dotted path per scenario.
    """

    name: str
    family: Any
    actions: tuple[str, ...]
    submit: Callable[[Any], Awaitable[str]]
    check: Callable[[Any, str], Awaitable[Any]]
    triggers: dict[Scenario, str]

    def trigger_class(self, scenario: Scenario) -> Any:
        module, _, name = self.triggers[scenario].rpartition(".")
        return getattr(importlib.import_module(module), name)


def _both(path: str) -> dict[Scenario, str]:
    return {Scenario.SHIPPED: path, Scenario.GETS: path}


FAMILIES: dict[str, AccountFamily] = {
    family.name: family
    for family in (
        AccountFamily(
            "iproduction",
            IPRODUCTION,
            ("SubmitIProductionJob", "QueryIProductionJob"),
            lambda hook: hook.asubmit_iproduction_job(COVER),
            lambda hook, job_id: hook.aquery_iproduction_job(job_id),
            _both("airflow_ice.triggers.iproduction.IceIProductionJobTrigger"),
        ),
        AccountFamily(
            "media-producing",
            MEDIA_PRODUCING,
            ("SubmitMediaProducingJob", "GetMediaProducingJob", "ListMediaProducingJobs"),
            lambda hook: hook.asubmit_media_producing_job(EDIT),
            lambda hook, job_id: hook.aget_media_producing_job(job_id),
            {
                Scenario.SHIPPED: "airflow_ice.triggers.media_producing.IceMediaProducingJobTrigger",
                Scenario.GETS: f"{__name__}.MediaProducingGetTrigger",
            },
        ),
        AccountFamily(
            "media-convert",
            MEDIA_CONVERT,
            ("SubmitMediaConvertJob", "GetMediaConvertJob", "ListMediaConvertJobs"),
            lambda hook: hook.asubmit_media_convert_job(CONVERT_REQUEST),
            lambda hook, job_id: hook.aget_media_convert_job(job_id),
            {
                Scenario.SHIPPED: "airflow_ice.triggers.media_convert.IceMediaConvertJobTrigger",
                Scenario.GETS: f"{__name__}.MediaConvertGetTrigger",
            },
        ),
        AccountFamily(
            "snapshot",
            SNAPSHOT,
            ("SubmitSnapshotJob", "GetSnapshotJob", "ListSnapshotJobs"),
            lambda hook: hook.asubmit_snapshot_job(SNAPSHOT_REQUEST),
            lambda hook, job_id: hook.aget_snapshot_job(job_id),
            {
                Scenario.SHIPPED: "airflow_ice.triggers.snapshot.IceSnapshotJobTrigger",
                Scenario.GETS: f"{__name__}.SnapshotGetTrigger",
            },
        ),
    )
}
FAMILY_OF_ACTION = {action: family.name for family in FAMILIES.values() for action in family.actions}
LIST_FAMILIES = ("media-producing", "media-convert", "snapshot")


class ApiCalls:
    """Every answer (and transport failure) the process's ICE client got, per action and second.

    Installed by wrapping the engine's verdict functions, so each attempt is counted once,
    retries included, whoever made it (a trigger, a shared poller, the pace's retry).
    ``answered``: HTTP 200 answers; ``throttled``: throttling answers; ``other``: any other answer
    or failure. ``per_second`` holds the same per whole epoch second, for rates over a window.
    """

    def __init__(self) -> None:
        self.answered: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()
        self.other: Counter[str] = Counter()
        self.per_second: Counter[tuple[str, str, int]] = Counter()

    def _count(self, action: str, kind: str) -> None:
        getattr(self, kind)[action] += 1
        self.per_second[(action, kind, math.floor(time.time()))] += 1

    def install(self) -> None:
        from airflow_ice.client import engine
        from airflow_ice.client.outcome import Outcome

        real_answer, real_failure = engine.judge_answer, engine.judge_failure
        calls = self

        def judge_answer(action: str, *args: Any, **kwargs: Any) -> Any:
            verdict = real_answer(action, *args, **kwargs)
            if verdict.throttled:
                calls._count(action, "throttled")
            else:
                calls._count(action, "answered" if verdict.outcome is Outcome.DONE else "other")
            return verdict

        def judge_failure(action: str, *args: Any, **kwargs: Any) -> Any:
            calls._count(action, "other")
            return real_failure(action, *args, **kwargs)

        engine.judge_answer = judge_answer  # type: ignore[assignment]
        engine.judge_failure = judge_failure  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        return {
            "answered": dict(self.answered),
            "throttled": dict(self.throttled),
            "other": dict(self.other),
            "per_second": [
                [action, kind, second, n] for (action, kind, second), n in self.per_second.items()
            ],
        }
