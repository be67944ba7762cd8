"""What a family of ICE jobs is: the declaration every family module makes, read by the hook and the waiters."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from airflow_ice.lineage.job_lineage import JobMedia, JobOutputs

if TYPE_CHECKING:
    from airflow_ice.client.outcome import AnswerReader
    from airflow_ice.jobs.list_check import ListCheck
    from airflow_ice.models.request_fields import RequestModel


class IceJob(Protocol):
    """What every parsed ICE job model offers."""

    @property
    def status_text(self) -> str | None:
        """The raw status, or None when ICE sent none."""

    @property
    def job_id(self) -> str:
        """The ICE job id."""

    @property
    def is_terminal(self) -> bool:
        """Whether the job has finished (successfully or not)."""

    @property
    def succeeded(self) -> bool:
        """Whether the job finished successfully."""

    @property
    def failed(self) -> bool:
        """Whether the job finished unsuccessfully."""

    def to_xcom(self) -> dict[str, Any]:
        """The compact JSON form pushed to XCom."""


RequestT = TypeVar("RequestT", bound="RequestModel")
JobT = TypeVar("JobT", bound=IceJob)


def _imported(reference: str) -> Any:
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _no_media(request: Mapping[str, Any]) -> list[JobMedia]:
    return []


def _no_detail(job: Any) -> str:
    return ""


def _no_expected_seconds(request: Any) -> float:
    return 0.0


@dataclass(frozen=True)
class JobFamily(Generic[RequestT, JobT]):
    """One family of ICE jobs, declared once in its module (``airflow_ice/families/<name>.py``).

    The hook submits, reads and cancels any family from this (:meth:`IceHook.submit_job
    <airflow_ice.hooks.ice.IceHook.submit_job>`, ...); the operators, sensors and triggers wait on it.

    :param name: display name used in logs and errors, e.g. ``IProduction``.
    :param submit_action: the action that submits a job, e.g. ``SubmitSnapshotJob``.
    :param get_action: the action that reads a job by its id (:attr:`job_id_name`).
    :param request_model: the strict request model as ``"module:Class"``, imported on first use (a
        triggerer loads no request model); its ``to_query()`` and ``to_body()`` say where each
        parameter goes, as the official SDK sends it.
    :param job_model: the lenient job model as ``"module:Class"``, imported on first use (parsing a
        DAG file builds no job model).
    :param output_url_of: the output URL in a finished job's XCom form (``to_xcom()``), else None.
    :param outputs_of: every file a finished job wrote, from its XCom form: the one reader behind
        its lineage outputs, its asset events and the docs' "Outputs" row.
    :param inputs_of: the files a job reads, from its request's API form
        (``model_dump(by_alias=True)``): its lineage inputs.
    :param outputs_described: what :attr:`outputs_of` reads, in words (the family pages and the
        lineage page say it; a docs test compares them).
    :param inputs_described: what :attr:`inputs_of` reads, in words (likewise).
    :param submit_envelope: the object of the submit's answer that holds the job id (None: the answer
        itself).
    :param job_id_name: ICE's name of the job id: in the submit's answer, and as the parameter of
        the read and the cancel (``JobId``; a transcode job's is ``ParentJobId``).
    :param cancel_action: the action that cancels a job, or None when ICE cannot cancel this family.
    :param batch_get_action: the action that reads several jobs by id in one call, where ICE has one.
    :param answer_names_job: whether the read's answer carries ``JobId`` (else the id asked for is
        added before parsing).
    :param requested_outputs_of: where a job was asked to write, from its request's API form: its
        outputs before it ran (and when it was not waited for).
    :param failure_detail_of: what ICE said about a failed job (parsed model), beyond its status.
    :param expected_seconds_of: the least time a job is expected to run, from its validated request
        (see :mod:`airflow_ice.jobs.durations`): after the check at once the waiters do not
        poll again before it (``expected_duration`` overrides it).
    :param client_token: whether the submit takes ICE's ``ClientToken`` (the request model has a
        ``client_token`` field): the operator then sends one, so a submit whose answer was lost is
        resent safely instead of failing the task as outcome-unknown.
    :param list_check: ICE's list of the family's jobs by status and creation time, where it has
        one: the waiting triggers then check their jobs with it (:mod:`airflow_ice.jobs.list_check`).
    """

    name: str
    submit_action: str
    get_action: str
    request_model: str
    job_model: str
    output_url_of: Callable[[Mapping[str, Any]], str | None]
    outputs_of: Callable[[Mapping[str, Any]], JobOutputs]
    inputs_of: Callable[[Mapping[str, Any]], list[JobMedia]]
    outputs_described: str
    inputs_described: str
    submit_envelope: str | None = None
    job_id_name: str = "JobId"
    cancel_action: str | None = None
    batch_get_action: str | None = None
    answer_names_job: bool = True
    requested_outputs_of: Callable[[Mapping[str, Any]], list[JobMedia]] = field(default=_no_media)
    failure_detail_of: Callable[[Any], str] = field(default=_no_detail)
    expected_seconds_of: Callable[[Any], float] = field(default=_no_expected_seconds)
    client_token: bool = False
    list_check: ListCheck | None = None

    def __post_init__(self) -> None:
        for name in ("request_model", "job_model"):
            module, _, attribute = getattr(self, name).partition(":")
            if not module or not attribute:
                raise ValueError(f"{self.name}: {name} must be 'module:Class', got {getattr(self, name)!r}")

    @cached_property
    def request_class(self) -> type[RequestT]:
        """The request model class, imported on first use."""
        request_class: type[RequestT] = _imported(self.request_model)
        return request_class

    @cached_property
    def job_class(self) -> type[JobT]:
        """The job model class, imported on first use."""
        job_class: type[JobT] = _imported(self.job_model)
        return job_class

    @cached_property
    def answer_reader(self) -> AnswerReader[JobT] | None:
        """What makes the read's answer into the job model straight from its bytes, in the engine
        call (:meth:`IceClient.aread <airflow_ice.client.engine.IceClient.aread>`), where the job
        model can (its strict fast path) and the answer names the job; else None."""
        reader_of = getattr(self.job_class, "answer_reader", None)
        reader: AnswerReader[JobT] | None = (
            reader_of() if reader_of is not None and self.answer_names_job else None
        )
        return reader

    def job_of(self, answer: JobT | dict[str, Any], job_id: str) -> JobT:
        """The job of the read's answer: as :attr:`answer_reader` made it, or parsed from the JSON
        answer (:meth:`parse_job`) when it declined.

        :param answer: what the engine's read returned.
        :param job_id: the id that was asked for.
        """
        return self.parse_job(answer, job_id) if type(answer) is dict else answer  # type: ignore[return-value]

    def parse_job(self, answer: Mapping[str, Any], job_id: str) -> JobT:
        """The read's answer as the family's job model (:meth:`from_response`, lenient).

        :param answer: the answer of :attr:`get_action`.
        :param job_id: the id that was asked for (added when the answer does not name the job).
        """
        data = answer if self.answer_names_job else {**answer, "JobId": job_id}
        job: JobT = self.job_class.from_response(data)  # type: ignore[attr-defined]
        return job

    def parse_listed(self, item: Mapping[str, Any]) -> JobT:
        """One item of :attr:`list_check`'s answer as the family's job model: an item is the
        Get's job object (often with fewer fields), parsed as if the Get had answered it.

        :param item: one job object of the list.
        :raises IceResponseError: the item cannot be read as a job.
        """
        envelope: str | None = getattr(self.job_class, "ENVELOPE", None)
        job: JobT = self.job_class.from_response(  # type: ignore[attr-defined]
            {envelope: item} if envelope else item, self.list_check.action if self.list_check else None
        )
        return job

    def created_at(self, job: object) -> float | None:
        """When ICE created ``job`` (a parsed job), in epoch seconds, for a family checked with lists
        (:attr:`list_check` finds jobs by it); None for another family or when ICE did not say."""
        return None if self.list_check is None else self.list_check.created_at(job)

    @property
    def can_cancel(self) -> bool:
        """Whether ICE offers a cancel action for this family."""
        return self.cancel_action is not None

    @property
    def no_cancel_reason(self) -> str:
        """Why a job of this family keeps running on ``timeout`` or a kill (logged; the docs say it)."""
        return f"ICE has no cancel action for {self.name} jobs"


AnyFamily = JobFamily[Any, Any]
"""A family of any request and job model."""
