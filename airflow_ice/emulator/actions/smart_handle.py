"""ICE's smart jobs: several submit actions (speech recognition, text to speech, avatar video, video
translation, highlight extraction, segmentation), one read, GetSmartHandleJob.

Each kind is a :class:`SmartJobKind` declaration in its own module; :class:`SmartHandleActions`
serves them all from one job store, so GetSmartHandleJob reads any of them, as ICE's does.

Conventions: the parameter a kind names as its ``marker`` containing ``fail`` ends the job
``Failed``. States: ``Created``, ``Executing``, then ``Finished`` or ``Failed`` (the SDK's values).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from airflow_ice.emulator.actions.base import ActionEnvironment, ActionHandler, format_time, json_object
from airflow_ice.emulator.actions.lifecycle import FAIL_MARKER, LifecycleActions, LifecycleJob, marker_failure
from airflow_ice.emulator.results import oss_location


def job_id_answer(job: LifecycleJob) -> dict[str, Any]:
    """The submit answers with the job's id only."""
    return {"JobId": job.job_id}


def no_input_file(params: Mapping[str, str]) -> str | None:
    """A kind whose input is not one file (a text, several media)."""
    return None


def no_output_file(params: Mapping[str, str]) -> tuple[str, str] | None:
    """A kind that writes no file ICE names in ``SmartJobInfo.OutputConfig``."""
    return None


def media_url_output(params: Mapping[str, str], name: str = "OutputConfig") -> tuple[str, str] | None:
    """``OutputConfig.MediaURL`` (an OSS address or its HTTPS URL) as (bucket, object)."""
    url = (json_object(params, name) or {}).get("MediaURL")
    if not isinstance(url, str):
        return None
    bucket, key = oss_location(url)
    return (bucket, key) if bucket and key else None


def media_id_of(job: LifecycleJob) -> str:
    """The media asset a job registers: 32 hex digits, as ICE's media ids, fixed per job."""
    return hashlib.md5(f"media:{job.job_id}".encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class SmartJobKind:
    """One kind of smart job, as the emulator answers it.

    :param submit: the submit action, e.g. ``SubmitASRJob``.
    :param job_type: ``SmartJobInfo.JobType`` in GetSmartHandleJob's answer.
    :param check: ICE's validation of the submit's parameters (raises ``EmulatorApiError``).
    :param marker: the parameter whose text containing ``fail`` makes the job fail.
    :param result: ``JobResult`` of a finished job (given the job and the emulator's region).
    :param input_file: ``SmartJobInfo.InputConfig.InputFile``, when the input is one file.
    :param output_file: ``SmartJobInfo.OutputConfig`` as (bucket, object), when the job writes one.
    :param submit_answer: the submit's answer (without RequestId).
    :param takes_client_token: whether the submit takes ``ClientToken``.
    """

    submit: str
    job_type: str
    check: Callable[[Mapping[str, str]], None]
    marker: str
    result: Callable[[LifecycleJob, str], dict[str, Any]]
    input_file: Callable[[Mapping[str, str]], str | None] = no_input_file
    output_file: Callable[[Mapping[str, str]], tuple[str, str] | None] = no_output_file
    submit_answer: Callable[[LifecycleJob], dict[str, Any]] = job_id_answer
    takes_client_token: bool = False

    def fails(self, params: Mapping[str, str]) -> bool:
        """Check the parameters like ICE; return whether the job will fail."""
        self.check(params)
        return FAIL_MARKER in params.get(self.marker, "").lower()


class SmartHandleActions(LifecycleActions):
    """The smart jobs' action group: each kind's submit, and GetSmartHandleJob for all of them.

    :param env: the shared environment.
    :param kinds: the kinds served.
    """

    GET = "GetSmartHandleJob"
    RUNNING = ("Created", "Executing")
    SUCCESS = "Finished"
    FAILURE = "Failed"

    def __init__(self, env: ActionEnvironment, kinds: tuple[SmartJobKind, ...]) -> None:
        super().__init__(env)
        self.kinds = {kind.submit: kind for kind in kinds}

    def handlers(self) -> Mapping[str, ActionHandler]:
        """Every kind's submit, and the one read."""
        submits: dict[str, ActionHandler] = {
            action: functools.partial(self.submit_kind, kind) for action, kind in self.kinds.items()
        }
        return {**submits, self.GET: self.get}

    def submit_kind(self, kind: SmartJobKind, params: Mapping[str, str]) -> dict[str, Any]:
        """Validate, then create a job of ``kind`` (or answer with the one its ClientToken made)."""
        return self.create(kind.submit, params, kind.fails, takes_client_token=kind.takes_client_token)

    def submit_answer(self, job: LifecycleJob) -> dict[str, Any]:
        """The answer of the submit that made the job."""
        return self.kinds[job.submit_action].submit_answer(job)

    def describe(self, job: LifecycleJob, now: float) -> dict[str, Any]:
        """The GetSmartHandleJob body (without RequestId)."""
        kind = self.kinds[job.submit_action]
        state = self.status(job, now)
        info: dict[str, Any] = {
            "JobType": kind.job_type,
            "Title": job.params.get("Title"),
            "Description": job.params.get("Description"),
            "CreateTime": format_time(job.created_at),
            "ModifiedTime": format_time(min(now, job.finished_at)),
        }
        input_file = kind.input_file(job.params)
        if input_file is not None:
            info["InputConfig"] = {"InputFile": input_file}
        output = kind.output_file(job.params)
        if output is not None:
            info["OutputConfig"] = {"Bucket": output[0], "Object": output[1]}
        body: dict[str, Any] = {
            "JobId": job.job_id,
            "State": state,
            "UserData": job.params.get("UserData"),
            "SmartJobInfo": {key: value for key, value in info.items() if value is not None},
        }
        if state == self.SUCCESS:
            body["JobResult"] = kind.result(job, self.env.region)
        if state == self.FAILURE:
            body.update(ErrorCode=f"InvalidParameter.{kind.marker}", ErrorMessage=marker_failure(kind.marker))
        return {key: value for key, value in body.items() if value is not None}
