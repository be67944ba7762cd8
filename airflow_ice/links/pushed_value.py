"""The XCom value an extra link shows, read only when the task may have pushed it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import XCom

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import TaskInstanceKey

LINK_VALUES_PUSHED = "ice_link_values_pushed"
"""Operator attribute: False on the operator a worker runs until it has pushed the links' values."""


def pushed_link_value(operator: Any, ti_key: TaskInstanceKey, key: str) -> Any:
    """The value the task pushed under ``key``, or None.

    The worker evaluates every extra link at the end of a try, on the operator that ran it: a task
    that failed before its submit pushed nothing, and asking for the XCom would make Airflow log an
    error-level "XCom not found" that reads like a second failure. Elsewhere (the UI's API server)
    the operator does not know, and the XCom is read.
    """
    if getattr(operator, LINK_VALUES_PUSHED, True) is False:
        return None
    return XCom.get_value(ti_key=ti_key, key=key)
