"""ICE's own forms of two kinds of value, as both job-model readers take them (the lenient reader,
:mod:`airflow_ice.models.lenient`, and the strict fast path, :mod:`airflow_ice.models.strict_read`)."""

from __future__ import annotations

from datetime import datetime, timezone

# ICE's integers are 64-bit (Java long): a larger one is a bad value, kept raw, not a typed field
# that a digit limit or an encoder could later refuse.
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1


def ice_time(value: str) -> datetime:
    """ICE's own time form, exactly ``2024-01-01T00:00:00Z``, as an aware UTC datetime.

    :raises ValueError: ``value`` has another form, or names no real moment.
    """
    if not (
        len(value) == 20
        and value.isascii()
        and value[4] == value[7] == "-"
        and value[10] == "T"
        and value[13] == value[16] == ":"
        and value[19] == "Z"
    ):
        raise ValueError(f"not ICE's time form: {value[:40]!r}")
    return datetime.fromisoformat(value[:-1]).replace(tzinfo=timezone.utc)


__all__ = ["LONG_MAX", "LONG_MIN", "ice_time"]
