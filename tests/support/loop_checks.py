"""Checks for tests that run on an event loop, whatever the load on the machine (no tests here).

- :func:`until` waits for a condition instead of sleeping a fixed time and hoping it is enough.
- :func:`forbid_on_loop_thread` / :func:`forbid_blocking_calls` make the calls that would block
  the loop (sleeping, sync HTTP, a sync connection read, a sync DNS lookup) fail on its thread.
- :func:`watch_loop_cpu` finds the loop's callbacks that kept its thread busy on the CPU too long.

Why CPU time: asyncio's debug mode (``slow_callback_duration``) measures each callback's wall time,
which also counts the time the thread waited for a CPU on a loaded machine, for the GIL, or for a
garbage collection of the whole process. Such waits are not the code's doing and come and go with
the load, so a wall-time threshold either misses real work or fails at random. A callback's thread
CPU time counts only the work it did; collections that ran during it are taken out (their length
depends on the process's heap, not on the callback). Blocking *waits* use no CPU: they are caught by
forbidding the blocking calls on the loop's thread instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from airflow_ice.hooks.ice import IceHook

CPU_SECONDS_PER_CALLBACK = 0.1
"""The most CPU time one loop callback may use. A polling step of 30 batched triggers uses about
4 ms (busiest callback measured); a tenth of a second of computation in one step stalls every
other trigger of the triggerer (Airflow's triggerer warns at 0.2 s)."""


async def until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait for ``condition`` (checked every 10 ms), failing after ``timeout`` seconds.

    :param condition: checked on the loop; may read state that other threads change.
    :param timeout: a hang guard, far above what any machine needs.
    """

    async def poll() -> None:
        while not condition():  # noqa: ASYNC110 - the condition may be set by another thread
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


async def until_while_running(
    task: asyncio.Future[Any], condition: Callable[[], bool], timeout: float = 20.0
) -> None:
    """Wait for ``condition`` while ``task`` keeps running; fail if the task ended first (too early).

    :param task: what must still be running (a trigger's wait, say).
    :param condition: checked on the loop; may read state that other threads change.
    :param timeout: a hang guard, far above what any machine needs.
    """
    await until(lambda: task.done() or condition(), timeout)
    assert not task.done(), f"ended before the condition held: {task.result()!r}"


def forbid_on_loop_thread(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> None:
    """Make ``owner.name`` fail when called on the current thread (the loop's); elsewhere it works.

    :param monkeypatch: undoes the change after the test.
    :param owner: a class or module.
    :param name: the function, method or classmethod to guard.
    """
    loop_thread = threading.current_thread()
    original = getattr(owner, name)
    is_classmethod = isinstance(inspect.getattr_static(owner, name), classmethod)

    def guarded(*args: Any, **kwargs: Any) -> Any:
        # Off the loop (e.g. Airflow 3.1 reading a connection in a worker thread) is fine.
        assert threading.current_thread() is not loop_thread, f"{name} blocked the event loop"
        return original(*args[1:] if is_classmethod else args, **kwargs)

    monkeypatch.setattr(owner, name, classmethod(guarded) if is_classmethod else guarded)


def forbid_blocking_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forbid, on the current thread, the ways a trigger or poller could block its loop: sync HTTP,
    a sync connection read, sleeping, and a sync DNS lookup (the loop resolves in a worker thread)."""
    forbid_on_loop_thread(monkeypatch, httpx.Client, "send")
    forbid_on_loop_thread(monkeypatch, IceHook, "get_connection")
    forbid_on_loop_thread(monkeypatch, time, "sleep")
    forbid_on_loop_thread(monkeypatch, socket, "getaddrinfo")


@dataclass
class LoopCpuWatch:
    """What :func:`watch_loop_cpu` saw.

    :param threshold: the most CPU seconds one callback may use.
    :param heavy: the callbacks that used more, described, with their CPU seconds.
    :param callbacks: callbacks of the loop measured.
    :param busiest: the most CPU seconds one callback used (collections taken out).
    :param collections: CPU seconds of garbage collections run during callbacks (not counted).
    """

    threshold: float
    heavy: list[str] = field(default_factory=list)
    callbacks: int = 0
    busiest: float = 0.0
    collections: float = 0.0
    _thread: int = field(default_factory=threading.get_ident)
    _in_callback: bool = False
    _gc_cpu: float = 0.0
    _gc_started: float | None = None

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if not self._in_callback or threading.get_ident() != self._thread:
            return
        if phase == "start":
            self._gc_started = time.thread_time()
        elif self._gc_started is not None:
            self._gc_cpu += time.thread_time() - self._gc_started
            self._gc_started = None

    def _measure(self, run: Callable[[], None], handle: asyncio.Handle) -> None:
        self._in_callback, self._gc_cpu, self._gc_started = True, 0.0, None
        started = time.thread_time()
        try:
            run()
        finally:
            cpu = time.thread_time() - started - self._gc_cpu
            self._in_callback = False
            self.callbacks += 1
            self.collections += self._gc_cpu
            self.busiest = max(self.busiest, cpu)
            if cpu > self.threshold:
                self.heavy.append(f"{_describe(handle)} used {cpu:.3f} s of CPU")


def _describe(handle: asyncio.Handle) -> str:
    """The task a callback stepped (its coroutine and where it waits now), else the handle."""
    owner = getattr(getattr(handle, "_callback", None), "__self__", None)
    return f"a step of {owner!r}" if isinstance(owner, asyncio.Task) else repr(handle)


@contextlib.contextmanager
def watch_loop_cpu(threshold: float = CPU_SECONDS_PER_CALLBACK) -> Iterator[LoopCpuWatch]:
    """Measure the thread CPU time of every callback of the running loop while inside.

    Use in a coroutine; afterwards ``watch.heavy`` lists the callbacks above ``threshold``.

    :param threshold: the most CPU seconds one callback may use.
    """
    loop = asyncio.get_running_loop()
    watch = LoopCpuWatch(threshold)
    # Every callback a loop runs goes through Handle._run (TimerHandle inherits it).
    handle_class: Any = asyncio.events.Handle
    original = handle_class._run

    def run(handle: asyncio.Handle) -> None:
        if getattr(handle, "_loop", None) is not loop or watch._in_callback:
            original(handle)
            return
        watch._measure(lambda: original(handle), handle)

    gc.callbacks.append(watch._on_gc)
    handle_class._run = run
    try:
        yield watch
    finally:
        handle_class._run = original
        gc.callbacks.remove(watch._on_gc)
