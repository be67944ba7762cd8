"""What every action group shares: the handler signature, the environment and parameter checks."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from airflow_ice.client.signing import TIMESTAMP_FORMAT
from airflow_ice.emulator.counters import EmulatorCounters
from airflow_ice.emulator.errors import invalid_parameter, missing_parameter
from airflow_ice.emulator.jobs import JobTiming

# A handler gets the merged query and body parameters and returns the response body without
# RequestId; it raises EmulatorApiError for ICE error answers.
ActionHandler = Callable[[Mapping[str, str]], dict[str, Any]]


@dataclass(frozen=True)
class ActionEnvironment:
    """What handlers need from the emulator.

    :param clock: seconds since the epoch; drives job lifecycles.
    :param timing: job durations.
    :param counters: where submits are counted.
    :param region: the region named in output URLs.
    :param ai_app_batch_limit: the most job ids one BatchGetYikeAIAppJob call may ask about.
    """

    clock: Callable[[], float]
    timing: JobTiming
    counters: EmulatorCounters
    region: str = "cn-shanghai"
    ai_app_batch_limit: int = 20


class ActionGroup(Protocol):
    """A set of related actions with their own state (e.g. one job store)."""

    def handlers(self) -> Mapping[str, ActionHandler]:
        """Action name -> handler."""
        ...

    def reset(self) -> None:
        """Forget all state (jobs)."""
        ...

    def records(self) -> list[JobRecord]:
        """Every job of the group as the emulator holds it now."""
        ...


@dataclass(frozen=True)
class JobRecord:
    """The emulator's own record of one job, for the admin endpoint (``GET /_emulator/jobs``).

    :param action: the submit action that created it.
    :param job_id: its id.
    :param answer: what its Get/Query action answers now (without RequestId): the truth a test
        compares a client's result with, field by field.
    :param reads: the Gets of this job the emulator answered, ``{"Running": n, "Finished": n}``
        (while it ran, once it had finished), or None where the group does not count them.
    """

    action: str
    job_id: str
    answer: dict[str, Any]
    reads: Mapping[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``Reads`` only where counted)."""
        form: dict[str, Any] = {"Action": self.action, "JobId": self.job_id, "Answer": self.answer}
        if self.reads is not None:
            form["Reads"] = dict(self.reads)
        return form


def format_time(moment: float) -> str:
    """UTC time as ICE writes it: ``2022-07-07T07:16:11Z``."""
    return time.strftime(TIMESTAMP_FORMAT, time.gmtime(moment))


def required(params: Mapping[str, str], name: str) -> str:
    """The parameter's value, or ICE's ``Missing<Name>`` error when absent or empty."""
    value = params.get(name)
    if not value:
        raise missing_parameter(name)
    return value


def json_object(params: Mapping[str, str], name: str) -> dict[str, Any] | None:
    """Parse an object-valued parameter sent as JSON text; None when absent."""
    text = params.get(name)
    if text is None or text == "":
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise invalid_parameter(name, "it is not valid JSON.") from None
    if not isinstance(value, dict):
        raise invalid_parameter(name, "it must be a JSON object.")
    return value


def json_text(params: Mapping[str, str], name: str) -> str | None:
    """A parameter that must be JSON text (kept as sent); None when absent."""
    text = params.get(name)
    if text is None or text == "":
        return None
    try:
        json.loads(text)
    except ValueError:
        raise invalid_parameter(name, "it is not valid JSON.") from None
    return text


def max_length(name: str, value: str | None, limit: int, *, in_bytes: bool = False) -> None:
    """ICE's length limits (characters, or UTF-8 bytes)."""
    if value is None:
        return
    size = len(value.encode("utf-8")) if in_bytes else len(value)
    if size > limit:
        unit = "bytes" if in_bytes else "characters"
        raise invalid_parameter(name, f"it is longer than {limit} {unit}.")


def one_of(name: str, value: str | None, allowed: tuple[str, ...]) -> None:
    """An enumerated parameter."""
    if value is not None and value not in allowed:
        raise invalid_parameter(name, f"{value!r} is not one of {', '.join(allowed)}.")
