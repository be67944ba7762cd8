"""Small conversions for values pushed to XCom."""

from __future__ import annotations

from datetime import datetime, timezone


def iso_utc(value: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 UTC with a ``Z`` (``2022-07-07T07:16:11Z``), None stays None."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
