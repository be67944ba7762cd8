"""ICE's own forms of two kinds of value, as both job-model readers take them (the lenient reader,
:mod:`airflow_ice.models.lenient`, and the strict fast path, :mod:`airflow_ice.models.strict_read`)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

# ICE's integers are 64-bit (Java long): a larger one is a bad value, kept raw, not a typed field
# that a digit limit or an encoder could later refuse.
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1

# ICE's own time form, ``2024-01-01T00:00:00Z``, each part in its range (the date's days are the
# calendar's to check). Written for both regex engines: Python's (:func:`ice_time`) and
# pydantic-core's (the strict fast path).
ICE_TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$"
_ICE_TIME = re.compile(ICE_TIME_PATTERN)


def ice_time(value: str) -> datetime:
    """ICE's own time form, exactly ``2024-01-01T00:00:00Z``, as an aware UTC datetime.

    :raises ValueError: ``value`` has another form, or names no real moment.
    """
    if _ICE_TIME.fullmatch(value) is None:
        raise ValueError(f"not ICE's time form: {value[:40]!r}")
    return datetime.fromisoformat(value[:-1]).replace(tzinfo=timezone.utc)


__all__ = ["ICE_TIME_PATTERN", "LONG_MAX", "LONG_MIN", "ice_time"]
