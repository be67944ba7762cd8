"""An ICE job kind the provider has no family module for, declared in the DAG that uses it.

The declaration says where ICE's answers hold the job id and the status, and which statuses end the
job; :class:`~airflow_ice.operators.declared.IceDeclaredJobOperator`, its sensor and trigger then
wait on it as on any family (deferral, deadlines, outcome rules, reattach, scrubbing).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from airflow_ice.jobs.family import JobFamily
from airflow_ice.jobs.media_readers import model_failure_detail, no_output_url, no_outputs

if TYPE_CHECKING:
    from airflow_ice.lineage.job_lineage import JobMedia
    from airflow_ice.models.declared_job import DeclaredJob

# ICE's names: an action (``SubmitVideoCognitionJob``) or an answer's key (``JobId``).
_ICE_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_DECLARED_JOB = "airflow_ice.models.declared_job"


def _no_inputs(request: Mapping[str, Any]) -> list[JobMedia]:
    # What a declared kind reads is not known to the provider.
    return []


def _no_expected_seconds(request: Any) -> float:
    # The operator's expected_duration says it for a declared kind.
    return 0.0


_READERS = {
    "output_url_of": no_output_url,
    "outputs_of": no_outputs,
    "inputs_of": _no_inputs,
    "requested_outputs_of": _no_inputs,
    "failure_detail_of": model_failure_detail,
    "expected_seconds_of": _no_expected_seconds,
}


@dataclass(frozen=True)
class DeclaredJobFamily(JobFamily[Any, Any]):
    """An ICE job kind declared where it is used; refused at once (when the DAG file is parsed) if
    any part is malformed, with every problem named.

    Its jobs' XCom form is ``{"job_id", "status", "job"}``, ``job`` being the job object as ICE
    returned it (scrubbed, strict JSON). It reports no lineage: what such a job reads and writes is
    not known to the provider.

    :param name: what logs and errors call the jobs, e.g. ``Video cognition``.
    :param submit_action: the action that submits a job, e.g. ``SubmitVideoCognitionJob``.
    :param get_action: the action that reads a job by its ``JobId``, e.g. ``QueryVideoCognitionJob``.
    :param success_statuses: the statuses of a job that succeeded (at least one).
    :param failure_statuses: the statuses of a job that ended without success (at least one);
        statuses are compared ignoring case, and any other status means "still running".
    :param status_field: the key of the status in the job object (default ``Status``).
    :param job_envelope: the key of the job object in the read's answer (``RecordJob``), or None
        when the answer is the job.
    :param submit_envelope: the key of the object holding the job id in the submit's answer, or None
        when it is at the top.
    :param job_id_name: ICE's name of the job id, in the submit's answer and as the read's and the
        cancel's parameter (default ``JobId``; e.g. ``ParentJobId``).
    :param client_token: whether the submit takes ICE's ``ClientToken``: then a submit whose answer
        was lost is resent safely; without it such a submit fails the task without retry.
    :param cancel_action: the action that cancels a job by its ``JobId``, or None.
    :param body_parameters: the submit parameters sent form-encoded in the body (as ICE's API
        reference or the official SDK places them); the others go in the query string.
    :param tags_user_data: whether the submit takes ``UserData`` (JSON text of an object): the
        operator then adds the task's tag to it, so a job whose submit answer was lost can be found.
    """

    success_statuses: tuple[str, ...] = ()
    failure_statuses: tuple[str, ...] = ()
    status_field: str = "Status"
    job_envelope: str | None = None
    body_parameters: tuple[str, ...] = ()
    tags_user_data: bool = False
    # What every declared family shares: not the declaration's to set (the readers are set in
    # __post_init__: a function as a class-level default would be bound as a method).
    request_model: str = field(default=f"{_DECLARED_JOB}:DeclaredJobRequest", init=False)
    job_model: str = field(default=f"{_DECLARED_JOB}:DeclaredJob", init=False)
    outputs_described: str = field(default="none: the provider does not know what the job writes", init=False)
    inputs_described: str = field(default="none: the provider does not know what the job reads", init=False)
    answer_names_job: bool = field(default=False, init=False)
    batch_get_action: str | None = field(default=None, init=False)
    list_check: None = field(default=None, init=False)
    output_url_of: Any = field(init=False, repr=False, compare=False)
    outputs_of: Any = field(init=False, repr=False, compare=False)
    inputs_of: Any = field(init=False, repr=False, compare=False)
    requested_outputs_of: Any = field(init=False, repr=False, compare=False)
    failure_detail_of: Any = field(init=False, repr=False, compare=False)
    expected_seconds_of: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("success_statuses", "failure_statuses", "body_parameters"):
            value = getattr(self, name)
            if isinstance(value, (list, tuple)):
                object.__setattr__(self, name, tuple(value))
        for name, reader in _READERS.items():
            object.__setattr__(self, name, reader)
        problems = list(_problems(self))
        if problems:
            raise ValueError(f"Declared ICE job family {self.name!r}: " + "; ".join(problems) + ".")
        super().__post_init__()

    def parse_job(self, answer: Mapping[str, Any], job_id: str) -> DeclaredJob:
        """The read's answer as a :class:`~airflow_ice.models.declared_job.DeclaredJob`.

        :param answer: the answer of :attr:`get_action`.
        :param job_id: the id that was asked for (kept when the job does not name itself).
        """
        from airflow_ice.models.declared_job import DeclaredJob

        return DeclaredJob.read(answer, job_id, self)

    def declaration(self) -> dict[str, Any]:
        """The declaration as JSON data (a trigger carries it to the triggerer)."""
        return {
            item.name: list(value) if isinstance(value := getattr(self, item.name), tuple) else value
            for item in fields(self)
            if item.init and item.name in DECLARED_FIELDS
        }

    @classmethod
    def from_declaration(cls, declaration: Mapping[str, Any]) -> DeclaredJobFamily:
        """The family :meth:`declaration` wrote.

        :raises ValueError: a key is not a declaration's, or the declaration is malformed.
        """
        unknown = sorted(set(declaration) - set(DECLARED_FIELDS))
        if unknown:
            raise ValueError(f"Declared ICE job family: unknown keys {', '.join(unknown)}.")
        return cls(**declaration)


DECLARED_FIELDS = (
    "name",
    "submit_action",
    "get_action",
    "success_statuses",
    "failure_statuses",
    "status_field",
    "job_envelope",
    "submit_envelope",
    "job_id_name",
    "client_token",
    "cancel_action",
    "body_parameters",
    "tags_user_data",
)
"""What a declaration says (the rest of a :class:`~airflow_ice.jobs.family.JobFamily` is the same
for every declared family)."""


def _problems(family: DeclaredJobFamily) -> list[str]:
    """Every malformed part of a declaration, each as one clause naming it and what is allowed."""
    problems: list[str] = []
    if not isinstance(family.name, str) or not family.name.strip():
        problems.append("name must be non-empty text")
    for key in ("submit_action", "get_action"):
        if not _is_ice_name(getattr(family, key)):
            problems.append(f"{key} must be an ICE action name such as 'SubmitVideoCognitionJob'")
    if family.submit_action == family.get_action:
        problems.append("submit_action and get_action must differ")
    if not _is_ice_name(family.job_id_name):
        problems.append(f"job_id_name must be an ICE name such as 'JobId', got {family.job_id_name!r}")
    for key in ("cancel_action", "job_envelope", "submit_envelope"):
        value = getattr(family, key)
        if value is not None and not _is_ice_name(value):
            problems.append(f"{key} must be None or an ICE name such as 'RecordJob', got {value!r}")
    if not _is_ice_name(family.status_field):
        problems.append(f"status_field must be an ICE name such as 'Status', got {family.status_field!r}")
    statuses: dict[str, set[str]] = {}
    for key in ("success_statuses", "failure_statuses"):
        values = getattr(family, key)
        if isinstance(values, str) or not isinstance(values, tuple) or not values:
            problems.append(f"{key} must be a list of at least one status, got {values!r}")
        elif not all(isinstance(value, str) and value.strip() for value in values):
            problems.append(f"{key} must hold non-empty texts, got {list(values)!r}")
        else:
            statuses[key] = {value.strip().casefold() for value in values}
    if len(statuses) == 2 and statuses["success_statuses"] & statuses["failure_statuses"]:
        both = sorted(statuses["success_statuses"] & statuses["failure_statuses"])
        problems.append(f"a status cannot be both a success and a failure: {', '.join(both)}")
    names = family.body_parameters
    if isinstance(names, str) or not isinstance(names, tuple) or not all(_is_ice_name(n) for n in names):
        problems.append(f"body_parameters must be a list of ICE parameter names, got {names!r}")
    for key in ("client_token", "tags_user_data"):
        if not isinstance(getattr(family, key), bool):
            problems.append(f"{key} must be True or False, got {getattr(family, key)!r}")
    return problems


def _is_ice_name(value: object) -> bool:
    return isinstance(value, str) and bool(_ICE_NAME.match(value))


def checked_family(family: object, who: str) -> DeclaredJobFamily:
    """``family`` when it is a declaration, else a ``ValueError`` saying what to give (at parse time).

    :param family: what a DAG gave as ``family``.
    :param who: the operator or sensor and its task, as the error names them.
    """
    if not isinstance(family, DeclaredJobFamily):
        raise ValueError(
            f"{who}: family must be a DeclaredJobFamily (airflow_ice.jobs.declared_family), "
            f"got {type(family).__name__}."
        )
    return family
