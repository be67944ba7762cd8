"""The request and the job of an ICE job kind declared in a DAG
(:class:`~airflow_ice.jobs.declared_family.DeclaredJobFamily`): parameters passed as given, the
job kept as ICE returned it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from airflow_ice.errors import IceResponseError
from airflow_ice.models.json_text import body_text, compact_json, is_json_safe, json_safe, short_repr
from airflow_ice.models.lenient import failure_detail
from airflow_ice.models.request_fields import RequestModel, client_token_text

if TYPE_CHECKING:
    from airflow_ice.jobs.declared_family import DeclaredJobFamily

# An ICE parameter name: PascalCase, as ICE's API reference spells them.
API_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
CLIENT_TOKEN = "ClientToken"


def parameter_text(value: Any) -> str:
    """A parameter as ICE reads it: text as is, JSON for objects, lists, numbers and booleans."""
    return value if isinstance(value, str) else compact_json(value)


class DeclaredJobRequest(RequestModel):
    """The submit of a declared job kind: ICE's parameters by their API names, checked for form only
    (ICE checks their meaning).

    :param parameters: the submit's parameters by ICE's names (``{"Input": {...}, "TemplateId": ...}``);
        objects and lists are sent as JSON text, as ICE takes them.
    :param body_parameters: the names sent form-encoded in the body; the others go in the query.
    :param client_token: ICE's ``ClientToken`` (set by the operator when the family takes one).
    """

    parameters: dict[str, Any] = Field(alias="Parameters")
    body_parameters: tuple[str, ...] = Field((), alias="BodyParameters")
    client_token: Annotated[str | None, AfterValidator(client_token_text)] = Field(None, alias=CLIENT_TOKEN)

    @field_validator("parameters")
    @classmethod
    def _api_parameters(cls, value: dict[str, Any]) -> dict[str, Any]:
        bad_names = [name for name in value if not API_NAME.match(name)]
        if bad_names:
            raise ValueError(
                f"{', '.join(map(short_repr, bad_names))}: a parameter is named as ICE's API reference "
                "spells it (PascalCase letters and digits, e.g. 'TemplateId')"
            )
        if CLIENT_TOKEN in value:
            raise ValueError(
                "ClientToken is the operator's to set: declare the family with client_token=True instead"
            )
        unsendable = [name for name, item in value.items() if item is None or not is_json_safe(item)]
        if unsendable:
            raise ValueError(
                f"{', '.join(unsendable)}: a value must be text, a number, a boolean or JSON data"
            )
        return value

    def _placed(self, in_body: bool) -> dict[str, str] | None:
        placed = {
            name: parameter_text(value)
            for name, value in self.parameters.items()
            if (name in self.body_parameters) is in_body
        }
        if not in_body and self.client_token is not None:
            placed[CLIENT_TOKEN] = self.client_token
        return placed or None

    def to_query(self) -> dict[str, str] | None:
        """The parameters not named in ``body_parameters``, and ``ClientToken``."""
        return self._placed(in_body=False)

    def to_body(self) -> dict[str, str] | None:
        """The parameters named in ``body_parameters``."""
        return self._placed(in_body=True)


class DeclaredJobState(Enum):
    """Where a declared job is, by the status values its family declares."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def _state(status: str | None, family: DeclaredJobFamily) -> DeclaredJobState:
    """The state a status means by the family's values, ignoring case (as the families' status
    enums do); an unknown or missing status: running."""
    key = (status or "").strip().casefold()
    if key in {value.casefold() for value in family.success_statuses}:
        return DeclaredJobState.SUCCEEDED
    if key in {value.casefold() for value in family.failure_statuses}:
        return DeclaredJobState.FAILED
    return DeclaredJobState.RUNNING


# Where ICE's jobs commonly say why they failed: the detail of a failed declared job.
FAILURE_FIELDS = ("Code", "Message", "ErrorCode", "ErrorMessage", "ErrorMsg")


class DeclaredJob(BaseModel):
    """A declared job as its read returned it: the id, the status, and the job object as ICE gave it.

    :param job_id: the job's id (its family's ``job_id_name``; the id asked for when the answer does
        not name it).
    :param status: the status text at the family's ``status_field``, or None.
    :param state: running, succeeded or failed, by the family's declared status values (an unknown
        status: running).
    :param job: the job object as ICE returned it (strict JSON).
    :param parse_warnings: what could not be read (a status that is not text).
    :param unparsed_fields: the values that could not be read, by their API path.
    """

    model_config = ConfigDict(frozen=True)

    job_id: str = Field(min_length=1)
    status: str | None = None
    state: DeclaredJobState = DeclaredJobState.RUNNING
    job: dict[str, Any] = Field(default_factory=dict)
    parse_warnings: list[str] = Field(default_factory=list)
    unparsed_fields: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def read(cls, answer: object, job_id: str, family: DeclaredJobFamily) -> DeclaredJob:
        """The job in ``answer`` (the family's read), leniently: only an answer with no job object
        raises.

        :param answer: the decoded answer.
        :param job_id: the id that was asked for.
        :param family: the declaration that says where the job and its status are.
        :raises IceResponseError: the answer, or the object at ``job_envelope``, is not a JSON object.
        """
        envelope = family.job_envelope
        job = answer.get(envelope) if envelope and isinstance(answer, Mapping) else answer
        if not isinstance(job, Mapping):
            where = f"{envelope} is not a JSON object" if envelope else "the body is not a JSON object"
            raise IceResponseError(family.get_action, where, body_text(answer))
        kept = {str(key): json_safe(value) for key, value in job.items()}
        warnings: list[str] = []
        unparsed: dict[str, Any] = {}
        status = kept.get(family.status_field)
        path = f"{envelope}.{family.status_field}" if envelope else family.status_field
        if status is not None and not isinstance(status, str):
            unparsed[path] = status
            warnings.append(
                f"{path}: not text; kept as received in unparsed_fields (the job counts as running)"
            )
            status = None
        named = kept.get(family.job_id_name)
        return cls(
            job_id=named if isinstance(named, str) and named else job_id,
            status=status,
            state=_state(status, family),
            job=kept,
            parse_warnings=warnings,
            unparsed_fields=unparsed,
        )

    @property
    def status_text(self) -> str | None:
        """The raw status."""
        return self.status

    @property
    def is_terminal(self) -> bool:
        """Whether the job has ended, by the family's declared values."""
        return self.state is not DeclaredJobState.RUNNING

    @property
    def succeeded(self) -> bool:
        """Whether the job ended in one of the family's success values."""
        return self.state is DeclaredJobState.SUCCEEDED

    @property
    def failed(self) -> bool:
        """Whether the job ended in one of the family's failure values."""
        return self.state is DeclaredJobState.FAILED

    @property
    def failure_detail(self) -> str:
        """What the job says of its failure, from the fields ICE's jobs commonly use."""
        return failure_detail(*(self.job.get(name) for name in FAILURE_FIELDS))

    def to_xcom(self) -> dict[str, Any]:
        """``job_id``, ``status`` and ``job``: the job object as ICE returned it."""
        return {"job_id": self.job_id, "status": self.status, "job": self.job}
