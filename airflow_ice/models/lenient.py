"""Read API response objects field by field without failing on what ICE may change.

A response model's ``mode="before"`` validator reads the raw object through a
:class:`LenientReader`. Values of the expected type are returned; anything else (a wrong type,
an unknown field, a status or time that does not parse) is kept as received in the model's
``unparsed_fields`` and described in its ``parse_warnings`` (collected in a :class:`ParseReport`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from enum import Enum
from typing import Any, ClassVar, Final, TypeVar

from pydantic import BaseModel, Field, TypeAdapter, ValidationError, model_validator

from airflow_ice.errors import IceResponseError
from airflow_ice.models.ice_values import LONG_MAX, LONG_MIN, ice_time
from airflow_ice.models.json_text import (
    MAX_NESTING,
    body_text,
    decode_json_text,
    is_json_safe,
    json_safe,
    nests_deeper_than,
    short_repr,
)
from airflow_ice.models.status import StatusT, parse_status
from airflow_ice.models.strict_read import StrictReader

ItemT = TypeVar("ItemT")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
"""What :meth:`LenientReader.take` returns for a field that is absent."""

_DATETIME = TypeAdapter(datetime)


# Names of the two bookkeeping fields, also read back when a model's own dump is validated again.
WARNINGS_FIELD = "parse_warnings"
UNPARSED_FIELD = "unparsed_fields"


class ParseReport:
    """What could not be read while parsing one response: warnings and the raw values kept."""

    __slots__ = ("unparsed", "warnings")

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.unparsed: dict[str, Any] = {}

    def warn(self, text: str) -> None:
        """Add a warning once."""
        if text not in self.warnings:
            self.warnings.append(text)

    def keep(self, path: str, value: Any, problem: str) -> None:
        """Keep a value that could not be read, under its API path, and say why."""
        self.unparsed[path] = json_safe(value)
        self.warn(f"{path}: {problem}; kept as received in unparsed_fields")

    def absorb(self, data: Mapping[Any, Any]) -> None:
        """Take over the warnings and kept values of a model dump being validated again."""
        previous_warnings = data.get(WARNINGS_FIELD)
        if isinstance(previous_warnings, list):
            for text in previous_warnings:
                if isinstance(text, str):
                    self.warn(text)
        previous_unparsed = data.get(UNPARSED_FIELD)
        if isinstance(previous_unparsed, Mapping):
            for key, value in previous_unparsed.items():
                self.unparsed[str(key)] = json_safe(value)


def field_aliases(model_cls: type[BaseModel]) -> Mapping[str, str]:
    """Map each field's Python name to its API name (its alias, else the name itself)."""
    # Read for every object of every response (every poll): worked out once per model class.
    aliases = _ALIASES.get(model_cls)
    if aliases is None:
        aliases = _ALIASES[model_cls] = {
            name: field.alias or name for name, field in model_cls.model_fields.items()
        }
    return aliases


_ALIASES: dict[type[BaseModel], dict[str, str]] = {}


class LenientReader:
    """Reads one JSON object of a response; a field is found by its API name or its Python name.

    :param data: the object as received.
    :param model_cls: the model whose fields (and aliases) describe the object.
    :param report: where problems are recorded.
    :param prefix: the object's API path inside the response, e.g. ``"Input."``.
    """

    # Made for every object of every answer (every poll): no instance dict.
    __slots__ = ("_aliases", "_used", "data", "prefix", "report")

    def __init__(
        self, data: Mapping[Any, Any], model_cls: type[BaseModel], report: ParseReport, prefix: str = ""
    ) -> None:
        self.data = data
        self.report = report
        self.prefix = prefix
        self._aliases = field_aliases(model_cls)
        self._used: set[Any] = set()

    def path(self, name: str) -> str:
        """The API path of a field, for messages and ``unparsed_fields`` keys."""
        return self.prefix + self._aliases.get(name, name)

    def take(self, name: str) -> Any:
        """The raw value of a field (by API name, else Python name), or :data:`MISSING`."""
        api_name = self._aliases.get(name, name)
        data = self.data
        # Only keys present are marked used (finish() looks at no other); both names when both are.
        if api_name in data:
            self._used.add(api_name)
            if name in data:
                self._used.add(name)
            return data[api_name]
        if name in data:
            self._used.add(name)
            return data[name]
        return MISSING

    def skip(self, *names: str) -> None:
        """Mark keys as known without reading them (derived fields of a model dump)."""
        self._used.update(names)

    def keep(self, name: str, value: Any, expected: str) -> None:
        """Record a value of the wrong type."""
        self.report.keep(self.path(name), value, f"expected {expected}, got {short_repr(value)}")

    def text(self, name: str) -> str | None:
        """A string field; absent or null gives None."""
        value = self.take(name)
        if value is MISSING or value is None:
            return None
        if isinstance(value, str):
            return value
        self.keep(name, value, "a string")
        return None

    def boolean(self, name: str) -> bool | None:
        """A boolean field; absent or null gives None."""
        value = self.take(name)
        if value is MISSING or value is None:
            return None
        if isinstance(value, bool):
            return value
        self.keep(name, value, "true or false")
        return None

    def integer(self, name: str) -> int | None:
        """An integer field; a string of digits is accepted, absent or null gives None."""
        value = self.take(name)
        if value is MISSING or value is None:
            return None
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and value.strip().lstrip("+-").isdigit() and len(value.strip()) <= 20:
            # At most a 64-bit integer's digits: a longer one (how the wire keeps an integer past
            # Python's digit limit) is never converted.
            number = int(value.strip())
        if number is not None and LONG_MIN <= number <= LONG_MAX:
            return number
        self.keep(name, value, "a 64-bit integer")
        return None

    def number(self, name: str) -> float | None:
        """A number field (ICE sends some as strings); absent, null or blank gives None."""
        value = self.take(name)
        if value is MISSING or value is None or value == "":
            return None
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            try:
                number = float(value)
            except (ValueError, OverflowError):  # OverflowError: an integer past float's range
                number = math.nan
            if math.isfinite(number):
                return number
        self.keep(name, value, "a finite number")
        return None

    def status(self, name: str, enum_cls: type[StatusT]) -> StatusT | str | None:
        """A status field: the enum member (any case), else the raw string, reported: a status this
        version does not know leaves the job running, never failed or crashed."""
        raw = self.text(name)
        if raw is None:
            return None
        status = parse_status(enum_cls, raw)
        if status is None:
            self.report.warn(f"{self.path(name)}: unknown status {raw!r}; kept as is, job treated as running")
            return raw
        return status

    def text_list(self, name: str) -> list[str]:
        """A list of strings; absent or null gives an empty list."""
        value = self.take(name)
        if value is MISSING or value is None:
            return []
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return list(value)
        self.keep(name, value, "a list of strings")
        return []

    def json_list(
        self, name: str, adapter: TypeAdapter[list[ItemT]], *, shape: str, kept_in: str
    ) -> list[ItemT]:
        """A list sent as JSON text (ICE nests some lists in strings) or as a list; absent, null or
        blank gives an empty list. A value that does not read is reported and left to the caller's
        copy of the object as received.

        :param name: the field.
        :param adapter: validates the decoded list.
        :param shape: the documented shape, for the warning, e.g. ``"a list of {MediaId, OutputUrl}"``.
        :param kept_in: where the value as received stays, for the warning, e.g. ``"result.raw"``.
        """
        value = self.take(name)
        if value is MISSING or value is None or (isinstance(value, str) and not value.strip()):
            return []
        where = self.path(name)
        if isinstance(value, str):
            try:
                value = decode_json_text(value)
            except ValueError:
                self.report.warn(f"{where}: not JSON; kept as received in {kept_in}")
                return []
        if not is_json_safe(value):
            # Items keep unknown keys, so they must be plain JSON (no NaN) to stay serialisable.
            self.report.warn(f"{where}: not plain JSON; kept as received in {kept_in}")
            return []
        try:
            return adapter.validate_python(value)
        except ValidationError:
            self.report.warn(f"{where}: not {shape} ({short_repr(value)}); kept as received in {kept_in}")
            return []

    def utc_datetime(self, name: str) -> datetime | None:
        """An ISO 8601 time as an aware UTC datetime (a time without offset is taken as UTC)."""
        value = self.take(name)
        if value is MISSING or value is None or value == "":
            return None
        if isinstance(value, str):
            # ICE's own form, read without pydantic's general parser (which reads it the same).
            try:
                return ice_time(value)
            except ValueError:
                pass
        if isinstance(value, (str, datetime)):
            try:
                parsed = _DATETIME.validate_python(value)
                if parsed.tzinfo is None:
                    return parsed.replace(tzinfo=timezone.utc)
                return parsed.astimezone(timezone.utc)
            except (ValueError, OverflowError):
                pass
        self.keep(name, value, "an ISO 8601 UTC time")
        return None

    def child(self, name: str, model_cls: type[BaseModel]) -> LenientReader | None:
        """A reader for a nested object; absent or null gives None."""
        value = self.take(name)
        if value is MISSING or value is None:
            return None
        if isinstance(value, (dict, Mapping)):  # dict first: the ABC check is slow
            return LenientReader(value, model_cls, self.report, prefix=self.path(name) + ".")
        self.keep(name, value, "an object")
        return None

    def texts(self, model_cls: type[BaseModel]) -> dict[str, str | None]:
        """Read every field of ``model_cls`` as a string field."""
        return {name: self.text(name) for name in field_aliases(model_cls)}

    def finish(self) -> None:
        """Keep every key that no field read: a field this version does not know."""
        for key, value in self.data.items():
            if key not in self._used:
                self.report.keep(
                    self.prefix + str(key), value, "field not known to this version of airflow_ice"
                )


def shallow_fields(data: Mapping[Any, Any], report: ParseReport) -> Mapping[Any, Any]:
    """The job object without its fields nested deeper than :data:`MAX_NESTING` levels: each is
    kept as its JSON text in ``unparsed_fields`` and named in a warning, so that one such field
    (which pydantic, ``json.dumps`` and XCom would recurse through) cannot cost the job id and status."""
    if isinstance(data, dict) and not nests_deeper_than(data, MAX_NESTING + 1):
        return data  # the rule: one walk of the whole object says that no field nests too deeply
    deep = [key for key, value in data.items() if nests_deeper_than(value, MAX_NESTING)]
    if not deep:
        return data
    for key in deep:
        report.keep(str(key), json_safe(data[key]), f"nested deeper than {MAX_NESTING} levels (as JSON text)")
    return {key: value for key, value in data.items() if key not in deep}


def unwrapped(data: Mapping[Any, Any], envelope: str) -> Mapping[Any, Any]:
    """The job object of an answer that nests it (``{"RequestId", "<envelope>": {...}}``), with the
    ``RequestId`` beside its fields; a flat object (a model's own dump) is returned as it is.

    A job field named like one of the answer's with another value (a convert job's own
    ``RequestId``, its submit's) is kept as ``"<envelope>.<name>"``, never dropped."""
    job = data.get(envelope)
    if not isinstance(job, Mapping):
        return data
    merged = {key: value for key, value in data.items() if key != envelope}
    for key, value in job.items():
        merged[f"{envelope}.{key}" if key in merged and merged[key] != value else key] = value
    return merged


def job_id_value(value: Any) -> Any:
    """A JobId as a string (integers are accepted); anything else is left for pydantic to reject."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def response_problem(error: ValidationError) -> str:
    """One sentence saying why a response could not be parsed at all."""
    first = error.errors()[0]
    if first["type"] == "model_type":
        return "the body is not a JSON object"
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{where}: {first['msg']}"


JobModelT = TypeVar("JobModelT", bound="JobResponseModel")

UNREADABLE_VALUE_ERRORS = (ArithmeticError, RecursionError, MemoryError)
"""What reading a value can raise besides ``ValueError`` (which pydantic reports as a validation
error): a number past float's range, a value nested past the recursion limit, a value too large."""


class JobResponseModel(BaseModel):
    """A job as its status call returns it: parsed leniently, raising only for an unusable body."""

    RESPONSE_ACTION: ClassVar[str] = ""
    # Each job model names its family's two end states.
    SUCCESS_STATUS: ClassVar[Enum]
    FAILURE_STATUS: ClassVar[Enum]
    # Further unsuccessful end states of families that have more than one (a cancelled job).
    OTHER_FAILURE_STATUSES: ClassVar[tuple[Enum, ...]] = ()

    @classmethod
    def from_response(cls: type[JobModelT], body: object, action: str | None = None) -> JobModelT:
        """Parse a response body; raise :class:`~airflow_ice.errors.IceResponseError` if it is unusable.

        :param body: the decoded JSON body.
        :param action: the action that returned it, for the error message (default: the class's).
        """
        try:
            return cls.model_validate(body)
        except ValidationError as exc:
            raise IceResponseError(
                action or cls.RESPONSE_ACTION, response_problem(exc), body_text(body)
            ) from None
        except UNREADABLE_VALUE_ERRORS as exc:
            # The readers keep a bad field raw; this is a value none of them foresaw: still the
            # answer's fault, never a bare crash of the caller.
            raise IceResponseError(
                action or cls.RESPONSE_ACTION,
                f"a value cannot be read ({type(exc).__name__})",
                body_text(body),
            ) from exc

    @property
    def _current_status(self) -> Enum | str | None:
        # ``status`` is a field (a property over ``job_status`` for storyboards).
        status: Enum | str | None = getattr(self, "status", None)
        return status

    @property
    def status_text(self) -> str | None:
        """The status as a string (the enum's value, or the raw unknown status)."""
        status = self._current_status
        return status.value if isinstance(status, Enum) else status

    @property
    def is_terminal(self) -> bool:
        """Whether the job has finished (succeeded or failed). An unknown status counts as running."""
        return self.succeeded or self.failed

    @property
    def succeeded(self) -> bool:
        """Whether the job finished successfully."""
        return self._current_status is self.SUCCESS_STATUS

    @property
    def failed(self) -> bool:
        """Whether the job finished with a failure (or another unsuccessful end, e.g. cancelled)."""
        status = self._current_status
        return status is self.FAILURE_STATUS or status in self.OTHER_FAILURE_STATUSES


class FieldReadJobModel(JobResponseModel):
    """A job model whose answer is read by its :meth:`read_fields`, from the object ``ENVELOPE``
    names when the answer nests the job (``{"RequestId", "<ENVELOPE>": {...}}``).

    The rule of every job model holds: validating an object with a ``JobId`` never raises; what
    :meth:`read_fields` cannot read, and every key it does not read, lands in ``unparsed_fields``
    with a sentence in ``parse_warnings``.
    """

    ENVELOPE: ClassVar[str | None] = None
    # Whether :meth:`from_response` first tries the strict fast path
    # (:mod:`airflow_ice.models.strict_read`): only for a model whose :meth:`read_fields` reads each
    # field with an API name as that field's type is read by the lenient reader's plain readers,
    # every field each time, and fills the others in :meth:`derive_fields`.
    STRICT_FAST_PATH: ClassVar[bool] = False

    parse_warnings: list[str] = Field(default_factory=list)
    unparsed_fields: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_response(cls: type[FieldJobModelT], body: object, action: str | None = None) -> FieldJobModelT:
        """Parse a response body (see :meth:`JobResponseModel.from_response`): an answer that
        validates whole in the strict fast path is read there, any other leniently; the result is
        the same either way."""
        if cls.STRICT_FAST_PATH and type(body) is dict:
            job = cls.read_strictly(body)
            if job is not None:
                return job
        return super().from_response(body, action)

    @classmethod
    def read_strictly(cls: type[FieldJobModelT], body: Mapping[Any, Any]) -> FieldJobModelT | None:
        """The job of an answer that validates whole in the strict fast path, else None (then only
        the lenient reader may say what it holds)."""
        job = _strict_reader(cls).read(unwrapped(body, cls.ENVELOPE) if cls.ENVELOPE else body)
        return None if job is None else cls._derived(job)

    @classmethod
    def read_answer(cls: type[FieldJobModelT], content: bytes) -> FieldJobModelT | None:
        """:meth:`read_strictly` of an answer's JSON bytes, with nothing decoded before: the same
        job, or None; the caller then decodes the answer and reads it as usual. It is the engine's
        reader of this model's answers (:meth:`answer_reader`)."""
        job = _strict_reader(cls).read_json(content)
        return None if job is None else cls._derived(job)

    @classmethod
    def answer_reader(cls: type[FieldJobModelT]) -> Callable[[bytes], FieldJobModelT | None] | None:
        """What reads this model's answer straight from its bytes in an engine call
        (:data:`~airflow_ice.client.outcome.AnswerReader`): :meth:`read_answer` for a model with
        the strict fast path whose answer is the job itself, else None."""
        return cls.read_answer if cls.STRICT_FAST_PATH and not cls.ENVELOPE else None

    @classmethod
    def _derived(cls: type[FieldJobModelT], job: FieldJobModelT) -> FieldJobModelT | None:
        # The job just made, not yet shown: its derived and bookkeeping fields filled in place.
        values = job.__dict__
        report = ParseReport()
        cls.derive_fields(values, report)
        if report.warnings or report.unparsed:
            return None  # a derived field has something to say: the lenient reader says it
        values[WARNINGS_FIELD] = report.warnings
        values[UNPARSED_FIELD] = report.unparsed
        return job

    @classmethod
    def derive_fields(cls, values: dict[str, Any], report: ParseReport) -> None:
        """Fill the fields without an API name from the others (``values``, by Python name),
        reporting what cannot be derived; a model with such fields overrides this."""

    @model_validator(mode="before")
    @classmethod
    def _read_leniently(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data  # pydantic reports that it is not an object
        report = ParseReport()
        report.absorb(data)
        job = unwrapped(data, cls.ENVELOPE) if cls.ENVELOPE else data
        reader = LenientReader(shallow_fields(job, report), cls, report)
        reader.skip(WARNINGS_FIELD, UNPARSED_FIELD)
        values = cls.read_fields(reader)
        job_id = job_id_value(reader.take("job_id"))
        if job_id is not MISSING:
            # Under its API name (``JobId``, a transcode job's ``ParentJobId``), so that an invalid
            # id is reported by that name.
            values[field_aliases(cls)["job_id"]] = job_id
        reader.finish()
        values[WARNINGS_FIELD] = report.warnings
        values[UNPARSED_FIELD] = report.unparsed
        return values

    @classmethod
    def read_fields(cls, reader: LenientReader) -> dict[str, Any]:
        """Every field but ``JobId`` and the bookkeeping ones, read from the job object."""
        raise NotImplementedError


FieldJobModelT = TypeVar("FieldJobModelT", bound=FieldReadJobModel)
_STRICT_READERS: dict[type[FieldReadJobModel], StrictReader] = {}


def _strict_reader(model_cls: type[FieldReadJobModel]) -> StrictReader:
    reader = _STRICT_READERS.get(model_cls)
    if reader is None:
        reader = _STRICT_READERS[model_cls] = StrictReader(model_cls, (WARNINGS_FIELD, UNPARSED_FIELD))
    return reader


# The longest failure detail a job model gives (it lands in errors and logs).
FAILURE_DETAIL_MAX_CHARS = 500


def failure_detail(*parts: object) -> str:
    """What ICE said of a failure: the parts given (error code, message, ...) joined by ``": "``,
    empty ones left out, cut to :data:`FAILURE_DETAIL_MAX_CHARS`."""
    return ": ".join(str(part) for part in parts if part not in (None, ""))[:FAILURE_DETAIL_MAX_CHARS]


def iso_time(moment: datetime | None) -> str | None:
    """A time for XCom: ISO 8601, or None."""
    return moment.isoformat() if moment else None
