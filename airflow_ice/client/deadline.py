"""A deadline that bounds every ICE call made inside it (a trigger's poll, an operator's wait).

Set with :func:`calls_bounded_by`; the engine then cuts each attempt's timeout to what is left,
waits between retries no longer than that, and starts no attempt once it has passed. A context
variable, so each trigger's task has its own, and nothing is passed through the job families.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token

_deadline: ContextVar[float | None] = ContextVar("airflow_ice_call_deadline", default=None)


class calls_bounded_by:  # named for how it reads at the call site: `with calls_bounded_by(t):`
    """ICE calls made inside end by ``deadline`` (epoch seconds; None: no bound).

    A class rather than a generator: it is entered on every poll of thousands of triggers.

    :param deadline: absolute wall-clock deadline, as triggers keep it.
    """

    __slots__ = ("_deadline", "_token")

    def __init__(self, deadline: float | None) -> None:
        self._deadline = deadline
        self._token: Token[float | None] | None = None

    def __enter__(self) -> None:
        self._token = _deadline.set(self._deadline)

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            _deadline.reset(self._token)
            self._token = None


def seconds_left() -> float | None:
    """Seconds before the current deadline (negative once passed), None without one."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.time()


__all__ = ["calls_bounded_by", "seconds_left"]
