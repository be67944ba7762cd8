"""Tasks shared by several waiters: what their callbacks must do."""

from __future__ import annotations

import asyncio
from typing import Any


def mark_exception_retrieved(future: asyncio.Future[Any]) -> None:
    """A done callback: a shared task that failed after all its waiters were cancelled must not
    log "exception never retrieved"."""
    if not future.cancelled():
        future.exception()


__all__ = ["mark_exception_retrieved"]
