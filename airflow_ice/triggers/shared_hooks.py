"""One hook per connection for the triggers of one event loop, instead of one per trigger.

A triggerer waits for thousands of jobs at once. Each trigger used to make its own hook, and with it
an engine, a credentials provider, TLS settings and a lease on the shared transport: about 2 KB and
a dozen objects for the collector to walk per waiting trigger, and a burst of set-up work on the
loop when many start together. Now the triggers of a connection share one: the first makes it,
the last to leave closes it (:meth:`~airflow_ice.hooks.ice.IceHook.aclose`).

A hook reads its connection once. So that a connection edited in Airflow still reaches the
triggers started after the edit, as when each read its own, a shared hook takes new triggers only
for :data:`SHARE_SECONDS` after it was made; a trigger starting later gets a new one, which the
next triggers share (the older hook stays with its triggers until they leave).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_ice.hooks.ice import IceHook

SHARE_SECONDS = 60.0
"""How long after it was made a shared hook takes new triggers."""


@dataclass
class _Shared:
    hook: IceHook
    made_at: float
    users: int = 0


class SharedHooks:
    """The hooks the triggers of each event loop share, by hook class and connection."""

    def __init__(self) -> None:
        self._open: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[type, str], _Shared]] = (
            weakref.WeakKeyDictionary()
        )
        # By id(hook): every shared hook still in use, also one no longer taking new triggers.
        self._in_use: dict[int, _Shared] = {}

    def acquire(self, hook_class: type[IceHook], conn_id: str) -> IceHook:
        """A hook of ``hook_class`` for ``conn_id``, shared with the running loop's other triggers.

        Give it back with :meth:`release`.

        :param hook_class: the hook class (``IceHook`` or a subclass).
        :param conn_id: the Airflow connection.
        """
        current = self._open.setdefault(asyncio.get_running_loop(), {})
        key = (hook_class, conn_id)
        shared = current.get(key)
        now = time.monotonic()
        if shared is None or now - shared.made_at > SHARE_SECONDS:
            shared = current[key] = _Shared(hook_class(ice_conn_id=conn_id), now)
            self._in_use[id(shared.hook)] = shared
        shared.users += 1
        return shared.hook

    async def release(self, hook: IceHook) -> None:
        """A trigger is done with ``hook``: the last one to leave closes it."""
        shared = self._in_use[id(hook)]
        shared.users -= 1
        if shared.users:
            return
        del self._in_use[id(hook)]
        current = self._open.get(asyncio.get_running_loop(), {})
        for key, candidate in list(current.items()):
            if candidate is shared:
                del current[key]  # a trigger starting while it closes makes a new one
        await hook.aclose()

    def users(self, hook: IceHook) -> int:
        """Triggers using ``hook`` now (0 when it is not a shared hook in use)."""
        shared = self._in_use.get(id(hook))
        return 0 if shared is None else shared.users


TRIGGER_HOOKS = SharedHooks()
"""The process-wide shared hooks every polling trigger uses."""

__all__ = ["SHARE_SECONDS", "TRIGGER_HOOKS", "SharedHooks"]
