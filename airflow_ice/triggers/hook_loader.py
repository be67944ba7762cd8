"""The hook class for triggers, imported off the event loop.

Airflow imports trigger modules on the triggerer's event loop. Importing the hook pulls in httpx
transports, the pydantic models and the credential providers: a fifth of a second on an idle
machine and seconds on a busy triggerer, long enough to stall every other trigger. So trigger
modules import only this light module, and the hook is imported in a thread on first use.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_ice.hooks.ice import IceHook

HOOK_MODULE = "airflow_ice.hooks.ice"
DEFAULT_CONN_ID = "ice_default"


async def load_hook_class() -> type[IceHook]:
    """``IceHook``, imported in a worker thread unless it is imported already."""
    module = sys.modules.get(HOOK_MODULE)
    if module is None:
        module = await asyncio.to_thread(importlib.import_module, HOOK_MODULE)
    hook_class: type[IceHook] = module.IceHook
    return hook_class
