"""Reading operator parameters: dicts or JSON text, durations and flags, often rendered from Jinja."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from airflow_ice.errors import IceInvalidRequestError


def json_object_param(value: object, param: str) -> dict[str, Any] | None:
    """Read a parameter given as a dict or as JSON text of an object.

    :param value: the (templated) parameter value; None or blank text mean "not set".
    :param param: the operator parameter's name, quoted in errors.
    :raises IceInvalidRequestError: the value is neither a dict nor JSON text of an object.
    """
    if value is None:
        return None
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (str, bytes)):
        text = value.decode() if isinstance(value, bytes) else value
        if not text.strip():
            return None
        try:
            decoded = json.loads(text)
        except ValueError as exc:
            raise IceInvalidRequestError(
                f"{param} must be a dict or JSON text of an object; {text!r:.200} is not valid JSON ({exc})."
            ) from None
        if not isinstance(decoded, dict):
            raise IceInvalidRequestError(
                f"{param} must be a dict or JSON text of an object, got JSON {type(decoded).__name__}: "
                f"{text!r:.200}."
            )
        return decoded
    raise IceInvalidRequestError(
        f"{param} must be a dict or JSON text of an object, got {type(value).__name__}: {value!r:.200}."
    )


def is_template(value: object) -> bool:
    """Whether ``value`` is Jinja text still to be rendered (checked again after rendering)."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def is_known_at_parse_time(value: object) -> bool:
    """Whether ``value`` is a plain literal: JSON-like data with no Jinja anywhere in it.

    Templates, other tasks' results (``XComArg``) and anything else are known only at run time.
    """
    if value is None or isinstance(value, (bool, int, float)):
        return True
    if isinstance(value, str):
        return not is_template(value)
    if isinstance(value, (list, tuple)):
        return all(is_known_at_parse_time(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and is_known_at_parse_time(item) for key, item in value.items())
    return False


def seconds_param(value: object, param: str, *, allow_zero: bool = False) -> float:
    """A positive duration in seconds, given as a number, numeric text or a timedelta.

    :param allow_zero: accept 0 as well.
    :raises IceInvalidRequestError: the value is not a positive (or, with ``allow_zero``, zero) duration.
    """
    seconds: object = value.total_seconds() if isinstance(value, timedelta) else value
    if isinstance(seconds, str):
        with contextlib.suppress(ValueError):
            seconds = float(seconds.strip())
    lowest_ok = (lambda number: number >= 0) if allow_zero else (lambda number: number > 0)
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, (int, float))
        or not (lowest_ok(seconds) and seconds < float("inf"))
    ):
        kind = "a number of seconds >= 0" if allow_zero else "a positive number of seconds"
        raise IceInvalidRequestError(f"{param} must be {kind} or a timedelta, got {value!r:.100}.")
    return float(seconds)


def count_param(value: object, param: str) -> int:
    """A whole number >= 0 (e.g. how many failures in a row are tolerated).

    :raises IceInvalidRequestError: the value is not such a number.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise IceInvalidRequestError(f"{param} must be an integer >= 0, got {value!r:.100}.")
    return value


_TRUE_TEXT = frozenset({"true", "1", "yes", "on"})
_FALSE_TEXT = frozenset({"false", "0", "no", "off", ""})


def bool_param(value: object, param: str) -> bool:
    """A flag given as a bool or as text (a rendered template: ``True``/``false``/``1``/``0``...).

    :raises IceInvalidRequestError: the value is not a recognisable boolean.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE_TEXT | _FALSE_TEXT:
        return value.strip().lower() in _TRUE_TEXT
    raise IceInvalidRequestError(f"{param} must be true or false, got {value!r:.100}.")


def optional_text_param(value: object, param: str) -> str | None:
    """A text parameter; None or blank means "not set".

    :raises IceInvalidRequestError: the value is not text.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise IceInvalidRequestError(f"{param} must be text, got {type(value).__name__}: {value!r:.100}.")
    return value.strip() or None
