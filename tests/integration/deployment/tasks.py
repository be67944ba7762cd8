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
# The list family: its waiting triggers are answered by ListSnapshotJobs, one list per finished
# status per round, and each finished job is read once with its Get (its list items lack Code,
# Message, UserData).
SNAPSHOT_TASK_ID = "snapshot"
IN_WORKER_TASK_ID = "iproduction_in_worker"
# The submit action of each mapped task (where the emulator scripts a task's submit-answer fault).
SUBMIT_ACTIONS = {
    IPRODUCTION_TASK_ID: "SubmitIProductionJob",
    STORYBOARD_TASK_ID: "SubmitYikeStoryboardJob",
    SNAPSHOT_TASK_ID: "SubmitSnapshotJob",
}
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
SNAPSHOT_TEMPLATE_ID = "S00000001-100020"
_IPRODUCTION_MEDIA = re.compile(r"/in/media-(\d{4})\.")
_STORYBOARD_FILE = re.compile(r"/novels/chapter-(\d{3})\.txt$")
_SNAPSHOT_MEDIA = re.compile(r"/in/frames-(\d{3})\.mp4$")


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


def snapshot_kwargs(index: int) -> dict[str, Any]:
    """The parameters of mapped snapshot task ``index``: one image (its URL in the XCom) or
    several numbered ones, at an interval."""
    count = 1 + index % 3
    name = "poster.jpg" if count == 1 else "frame-{Count}.jpg"
    overwrite: dict[str, Any] = {"Type": "Normal", "Count": count}
    if count > 1:
        overwrite["Interval"] = 5 * count
    return {
        "input": {"Type": "OSS", "Media": f"{BUCKET}/in/frames-{index:03d}.mp4"},
        "output": {"Type": "OSS", "Media": f"{BUCKET}/out/snapshots/{index:03d}/{name}"},
        "template_config": {"TemplateId": SNAPSHOT_TEMPLATE_ID, "OverwriteParams": overwrite},
    }


def label(task_id: str, map_index: int = -1) -> str:
    """``task_id`` or ``task_id[map_index]``, as the summary names task instances."""
    return task_id if map_index < 0 else f"{task_id}[{map_index}]"


def asked(task_label: str) -> dict[str, Any]:
    """What a task asked for: operator parameters of an IProduction or snapshot task, wire names
    and values of a storyboard task's parameters (as the emulator echoes them in JobParams)."""
    if task_label == IN_WORKER_TASK_ID:
        return dict(IN_WORKER_KWARGS)
    family, index = family_of(task_label), int(task_label.rsplit("[", 1)[1].rstrip("]"))
    if family == STORYBOARD_TASK_ID:
        values = {**STORYBOARD_FIXED, "file_url": storyboard_file_url(index)}
        return {STORYBOARD_WIRE_NAMES[name]: value for name, value in values.items()}
    if family == SNAPSHOT_TASK_ID:
        return snapshot_kwargs(index)
    return iproduction_kwargs(index)


def family_of(task_label: str) -> str:
    """The task id of a task instance's label (``snapshot[3]`` -> ``snapshot``)."""
    return task_label.split("[", 1)[0]


def label_of_job(answer: Mapping[str, Any]) -> str | None:
    """The task a job belongs to, from the parameters the emulator recorded (its Get's answer);
    None for none."""
    snapshot = answer.get("SnapshotJob")
    if isinstance(snapshot, Mapping):
        found = _SNAPSHOT_MEDIA.search(str((snapshot.get("Input") or {}).get("Media", "")))
        return label(SNAPSHOT_TASK_ID, int(found.group(1))) if found else None
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

    def scripted(self) -> dict[str, Any]:
        """The emulator's scripted fault (``POST /_emulator/faults``), on its task's submit action."""
        action = SUBMIT_ACTIONS[family_of(self.task_label)]
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
    # Snapshots take no ClientToken: such a task fails without a retry, with its one job.
    (SNAPSHOT_TASK_ID, 0.3, "lose_response", None),
    (SNAPSHOT_TASK_ID, 0.7, "unreadable_answer", "no_job_id"),
)


def planned_answer_faults(
    iproduction_tasks: int, storyboard_tasks: int, snapshot_tasks: int
) -> list[PlannedAnswerFault]:
    """The submit-answer faults of a run with these many mapped tasks (distinct tasks each)."""
    counts = {
        IPRODUCTION_TASK_ID: iproduction_tasks,
        STORYBOARD_TASK_ID: storyboard_tasks,
        SNAPSHOT_TASK_ID: snapshot_tasks,
    }
    planned: dict[str, PlannedAnswerFault] = {}
    for family, share, kind, variant in _PLAN:
        count = counts[family]
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
        elif family == SNAPSHOT_TASK_ID:
            match = snapshot_kwargs(index)["input"]["Media"]
        else:
            match = storyboard_file_url(index)
        planned[task_label] = PlannedAnswerFault(task_label, kind, variant, match)
    return list(planned.values())
