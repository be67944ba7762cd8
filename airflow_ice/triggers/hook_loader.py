"""The hook class for triggers, imported off the event loop.

Airflow imports trigger modules on the triggerer's event loop. Importing the hook pulls in httpx
transports, the pydantic models and the credential providers: a fifth of a second on an idle
machine and seconds on a busy triggerer, long enough to stall every other trigger. So trigger
modules import only this light module, and the hook is imported in a thread on first use.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import TYPE_CHECKING

from airflow_ice.client.config import DEFAULT_CONN_ID

if TYPE_CHECKING:
    from airflow_ice.hooks.ice import IceHook

HOOK_MODULE = "airflow_ice.hooks.ice"


_loaded: list[type[IceHook]] = []


def _import_hook_class() -> type[IceHook]:
    # import_module waits for another thread's import of the same module to finish; a plain
    # sys.modules lookup could hand out a half-initialised module to concurrent first triggers.
    hook_class: type[IceHook] = importlib.import_module(HOOK_MODULE).IceHook
    return hook_class


async def load_hook_class() -> type[IceHook]:
    """``IceHook``, imported in a worker thread the first time."""
    if not _loaded:
        _loaded.append(await asyncio.to_thread(_import_hook_class))
    return _loaded[0]


__all__ = ["DEFAULT_CONN_ID", "HOOK_MODULE", "load_hook_class"]
