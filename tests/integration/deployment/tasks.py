"""What each task of the deployment DAG asks ICE for, which task a job belongs to, and which
tasks' submit answers the emulator loses or garbles.

Shared by the DAG (``dags/ice_deployment_dag.py``, which has the repository root on its path) and
the test script, so the script knows what every task asked for without the provider's help.
Imports nothing heavy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

IPRODUCTION_TASK_ID = "iproduction"
STORYBOARD_TASK_ID = "storyboard"
IN_WORKER_TASK_ID = "iproduction_in_worker"
# Functions whose results the emulator shapes differently, so every parser is exercised.
FUNCTIONS = ("Cover", "VideoClip", "MusicSegmentDetect", "AudioQualityAssessment", "VideoDetext")
BUCKET = "oss://deployment-bucket"
# The storyboard tasks' fixed parameters (operator name -> value) and their wire names.
STORYBOARD_FIXED = {
    "source_type": "Novel",
    "shot_split_mode": "firstPersonNarration",
    "style_id": "Ghibli",
    "aspect_ratio": "16:9",
    "resolution": "1080P",
}
STORYBOARD_WIRE_NAMES = {
    "file_url": "FileURL",
    "source_type": "SourceType",
    "shot_split_mode": "ShotSplitMode",
    "style_id": "StyleId",
    "aspect_ratio": "AspectRatio",
    "resolution": "Resolution",
}
IN_WORKER_KWARGS: dict[str, Any] = {
    "function_name": "VideoClip",
    "input": {"Type": "OSS", "Media": f"{BUCKET}/in/keynote.mp4"},
    "output": {"Type": "OSS", "Media": f"{BUCKET}/out/keynote-clips/"},
}
_IPRODUCTION_MEDIA = re.compile(r"/in/media-(\d{4})\.")
_STORYBOARD_FILE = re.compile(r"/novels/chapter-(\d{3})\.txt$")


def iproduction_kwargs(index: int) -> dict[str, Any]:
    """The parameters of mapped IProduction task ``index``."""
    function = FUNCTIONS[index % len(FUNCTIONS)]
    suffix = "wav" if function in ("MusicSegmentDetect", "AudioQualityAssessment") else "mp4"
    return {
        "function_name": function,
        "input": {"Type": "OSS", "Media": f"{BUCKET}/in/media-{index:04d}.{suffix}"},
        "output": {"Type": "OSS", "Media": f"{BUCKET}/out/{function.lower()}/{index:04d}/"},
    }


def storyboard_file_url(index: int) -> str:
    """The source text of mapped storyboard task ``index``."""
    return f"{BUCKET}/novels/chapter-{index:03d}.txt"


def label(task_id: str, map_index: int = -1) -> str:
    """``task_id`` or ``task_id[map_index]``, as the summary names task instances."""
    return task_id if map_index < 0 else f"{task_id}[{map_index}]"


def asked(task_label: str) -> dict[str, Any]:
    """What a task asked for: operator parameters of an IProduction task, wire names and values
    of a storyboard task's parameters (as the emulator echoes them in JobParams)."""
    if task_label == IN_WORKER_TASK_ID:
        return dict(IN_WORKER_KWARGS)
    index = int(task_label.rsplit("[", 1)[1].rstrip("]"))
    if task_label.startswith(f"{STORYBOARD_TASK_ID}["):
        values = {**STORYBOARD_FIXED, "file_url": storyboard_file_url(index)}
        return {STORYBOARD_WIRE_NAMES[name]: value for name, value in values.items()}
    return iproduction_kwargs(index)


def label_of_job(answer: Mapping[str, Any]) -> str | None:
    """The task a job belongs to, from the parameters the emulator recorded; None for none."""
    media = str((answer.get("Input") or {}).get("Media", ""))
    if media == IN_WORKER_KWARGS["input"]["Media"]:
        return IN_WORKER_TASK_ID
    found = _IPRODUCTION_MEDIA.search(media)
    if found:
        return label(IPRODUCTION_TASK_ID, int(found.group(1)))
    found = _STORYBOARD_FILE.search(str((answer.get("JobParams") or {}).get("FileURL", "")))
    if found:
        return label(STORYBOARD_TASK_ID, int(found.group(1)))
    return None


@dataclass(frozen=True)
class PlannedAnswerFault:
    """A fault on one deferrable task's submit, after ICE created the job.

    :param task_label: the task it hits.
    :param kind: ``lose_response`` or ``unreadable_answer``.
    :param variant: for ``unreadable_answer``, how the 200 body reads.
    :param match: text only that task's submit carries (its input file).
    """

    task_label: str
    kind: str
    variant: str | None
    match: str

    @property
    def recorded_as(self) -> str:
        """How the emulator's job record names the fault."""
        return self.kind if self.variant is None else f"{self.kind}:{self.variant}"

    def scripted(self, action: str) -> dict[str, Any]:
        """The emulator's scripted fault (``POST /_emulator/faults``)."""
        fault: dict[str, Any] = {"kind": self.kind, "action": action, "when_param_contains": self.match}
        if self.variant is not None:
            fault["variant"] = self.variant
        return fault


# (family, share of that family's tasks, kind, variant): spread over the mapped tasks.
_PLAN = (
    (IPRODUCTION_TASK_ID, 0.04, "lose_response", None),
    (IPRODUCTION_TASK_ID, 0.44, "lose_response", None),
    (STORYBOARD_TASK_ID, 0.15, "lose_response", None),
    (IPRODUCTION_TASK_ID, 0.11, "unreadable_answer", "not_json"),
    (IPRODUCTION_TASK_ID, 0.23, "unreadable_answer", "truncated"),
    (IPRODUCTION_TASK_ID, 0.55, "unreadable_answer", "empty"),
    (IPRODUCTION_TASK_ID, 0.75, "unreadable_answer", "no_job_id"),
    (STORYBOARD_TASK_ID, 0.55, "unreadable_answer", "non_string_job_id"),
)


def planned_answer_faults(iproduction_tasks: int, storyboard_tasks: int) -> list[PlannedAnswerFault]:
    """The submit-answer faults of a run with these many mapped tasks (distinct tasks each)."""
    planned: dict[str, PlannedAnswerFault] = {}
    for family, share, kind, variant in _PLAN:
        count = iproduction_tasks if family == IPRODUCTION_TASK_ID else storyboard_tasks
        if count <= 0:
            continue
        index = int(share * count)
        while label(family, index) in planned and index + 1 < count:
            index += 1
        task_label = label(family, index)
        if task_label in planned:
            continue
        if family == IPRODUCTION_TASK_ID:
            match = iproduction_kwargs(index)["input"]["Media"]
        else:
            match = storyboard_file_url(index)
        planned[task_label] = PlannedAnswerFault(task_label, kind, variant, match)
    return list(planned.values())
