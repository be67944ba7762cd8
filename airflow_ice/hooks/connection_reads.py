"""Concurrent reads of one Airflow connection share one lookup (per event loop)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from airflow_ice.client.futures import mark_exception_retrieved


class ConnectionReads:
    """Concurrent reads of one connection share one lookup (per event loop).

    A triggerer starting (or restarting with) thousands of triggers would otherwise fetch the
    same Airflow connection thousands of times at once, each a trip to the secrets backend or
    the API server. Only reads in flight together are shared: a read that starts after the
    previous one finished fetches again, so an edited connection is seen as before.
    """

    def __init__(self) -> None:
        self._pending: dict[tuple[asyncio.AbstractEventLoop, str], asyncio.Task[Any]] = {}

    async def read(self, conn_id: str, fetch: Callable[[], Awaitable[Any]]) -> Any:
        """The connection's settings: from the read in flight for ``conn_id``, else from ``fetch()``."""
        loop = asyncio.get_running_loop()
        key = (loop, conn_id)
        pending = self._pending.get(key)
        if pending is None:

            async def run() -> Any:
                return await fetch()

            # A task, so that the read completes for the others if its first caller is cancelled.
            pending = self._pending[key] = loop.create_task(run())
            pending.add_done_callback(lambda done: self._pending.pop(key, None))
            pending.add_done_callback(mark_exception_retrieved)
        return await asyncio.shield(pending)


CONNECTION_READS = ConnectionReads()
"""The process-wide sharing of connection reads in flight, used by :meth:`IceHook.aget_config`."""


__all__ = ["CONNECTION_READS", "ConnectionReads"]
