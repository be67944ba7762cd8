"""The hook class for triggers, imported off the event loop.

Airflow imports trigger modules on the triggerer's event loop. Importing the hook pulls in httpx
transports, the pydantic models and the credential providers: a fifth of a second on an idle
machine and seconds on a busy triggerer, long enough to stall every other trigger. So trigger
modules import only this light module, and the hook is imported in a thread on first use, together
with everything its first async call would import (the engine, aiohttp, whose import builds a TLS
context from the CA files on disk, and the credential sources): the hook module itself imports
none of them, so that a DAG file importing an operator does not pay for them.
"""

from __future__ import annotations

import asyncio
import importlib
import weakref
from typing import TYPE_CHECKING

from airflow_ice.client.connection_type import DEFAULT_CONN_ID

if TYPE_CHECKING:
    from airflow_ice.hooks.ice import IceHook

HOOK_MODULE = "airflow_ice.hooks.ice"


_loaded: list[type[IceHook]] = []
# Per event loop, the one import in flight: thousands of triggers starting together (a triggerer
# restarting) await it, instead of each sending its own import to the thread pool.
_importing: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Future[type[IceHook]]] = (
    weakref.WeakKeyDictionary()
)


def _import_hook_class() -> type[IceHook]:
    # import_module waits for another thread's import of the same module to finish; a plain
    # sys.modules lookup could hand out a half-initialised module to concurrent first triggers.
    module = importlib.import_module(HOOK_MODULE)
    module.import_call_path()
    hook_class: type[IceHook] = module.IceHook
    return hook_class


async def load_hook_class() -> type[IceHook]:
    """``IceHook``, imported in a worker thread the first time, with its call path."""
    if _loaded:
        return _loaded[0]
    loop = asyncio.get_running_loop()
    importing = _importing.get(loop)
    if importing is None or (importing.done() and (importing.cancelled() or importing.exception())):
        importing = _importing[loop] = asyncio.ensure_future(asyncio.to_thread(_import_hook_class))
    # Shielded: a trigger cancelled while it waits does not cancel the import the others await.
    hook_class = await asyncio.shield(importing)
    if not _loaded:
        _loaded.append(hook_class)
    return hook_class


__all__ = ["DEFAULT_CONN_ID", "HOOK_MODULE", "load_hook_class"]
