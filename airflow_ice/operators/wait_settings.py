"""An operator's waiting parameters (poll interval, timeout, ...), checked and normalised."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow_ice.jobs.params import bool_param, count_param, is_template, seconds_param

DEFAULT_TIMEOUT_SECONDS = 24 * 60 * 60.0


@dataclass(frozen=True)
class WaitSettings:
    """The operator's waiting parameters, checked and normalised.

    :param poll_interval: seconds between polls.
    :param timeout: wall-clock wait limit in seconds.
    :param wait_for_completion: whether to wait at all.
    :param cancel_on_kill: whether to cancel the job when the task is killed.
    :param durable: whether a retry continues with an earlier try's job.
    :param max_consecutive_poll_failures: transient polling failures in a row tolerated.
    :param expected_duration: the job's expected minimum duration in seconds, or None for the
        family's figure for the request.
    """

    poll_interval: float
    timeout: float
    wait_for_completion: bool
    cancel_on_kill: bool
    durable: bool
    max_consecutive_poll_failures: int
    expected_duration: float | None = None

    @classmethod
    def of(cls, operator: Any, *, allow_templates: bool = False) -> WaitSettings:
        """The operator's waiting parameters, checked (after templating, they may be text).

        :param operator: the operator whose attributes hold them.
        :param allow_templates: accept unrendered Jinja (at DAG parse time), using defaults for it.
        :raises IceInvalidRequestError: a parameter is invalid.
        """

        def read(name: str, reader: Callable[[object, str], Any], default: Any) -> Any:
            value = getattr(operator, name)
            return default if allow_templates and is_template(value) else reader(value, name)

        return cls(
            poll_interval=read("poll_interval", seconds_param, 30.0),
            timeout=read("timeout", seconds_param, DEFAULT_TIMEOUT_SECONDS),
            wait_for_completion=read("wait_for_completion", bool_param, True),
            cancel_on_kill=read("cancel_on_kill", bool_param, True),
            durable=read("durable", bool_param, True),
            max_consecutive_poll_failures=count_param(
                operator.max_consecutive_poll_failures, "max_consecutive_poll_failures"
            ),
            expected_duration=read("expected_duration", _expected_duration_param, None),
        )


def _expected_duration_param(value: object, param: str) -> float | None:
    """``expected_duration``: None (the family's figure) or seconds >= 0 (a number, text or timedelta)."""
    return None if value is None or value == "" else seconds_param(value, param, allow_zero=True)
