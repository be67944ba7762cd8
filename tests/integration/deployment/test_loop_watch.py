"""The deployment test's event-loop diagnostic (``loop_watch/ice_loop_watch.py``) and its gc.freeze switch."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import json
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.deployment.settings import LOOP_WATCH_DIR


@pytest.fixture
def loop_watch(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    monkeypatch.syspath_prepend(str(LOOP_WATCH_DIR))
    return importlib.import_module("ice_loop_watch")


def _records(path: Path, kind: str) -> list[dict[str, Any]]:
    return [r for r in map(json.loads, path.read_text().splitlines()) if r["kind"] == kind]


@contextlib.contextmanager
def _watching(loop_watch: types.ModuleType, output: Path) -> Iterator[None]:
    """Watch the running loop (writing to ``output``) for the duration of the block."""
    watch = loop_watch.LoopWatch(output)
    watch.start()
    try:
        yield
    finally:
        watch.stop()


def _sleeping_block() -> None:
    time.sleep(0.3)


def _busy_block() -> None:
    until = time.monotonic() + 0.3
    while time.monotonic() < until:
        pass


async def test_a_stall_is_recorded_with_its_stack_and_whether_the_loop_thread_was_on_cpu(
    loop_watch: types.ModuleType, tmp_path: Path
) -> None:
    output = tmp_path / "watch.jsonl"
    with _watching(loop_watch, output):
        await asyncio.sleep(0.2)
        _sleeping_block()
        await asyncio.sleep(0.2)
        _busy_block()
        await asyncio.sleep(0.2)
    assert _records(output, "start")[0]["loop_tid"] > 0
    stalls = _records(output, "stall")

    def stall_in(function: str) -> dict[str, Any]:
        # A loaded machine may add stalls of its own: pick the one sampled in ``function``.
        return next(s for s in stalls if any(function in f for _, stack in s["stacks"] for f in stack))

    sleeping, busy = stall_in("_sleeping_block"), stall_in("_busy_block")
    assert 0.2 < sleeping["wall_seconds"] < 1.5
    assert sleeping["loop_cpu_seconds"] < 0.1  # asleep: off CPU
    # On CPU, or waiting for a CPU on a busy machine: either way not asleep.
    assert busy["loop_cpu_seconds"] + busy["loop_runqueue_seconds"] > 0.15
    assert _records(output, "summary")[-1]["stalls"] == len(stalls)


async def test_a_full_collection_is_recorded_with_its_cpu_time(
    loop_watch: types.ModuleType, tmp_path: Path
) -> None:
    output = tmp_path / "watch.jsonl"
    with _watching(loop_watch, output):
        gc.collect()
        await asyncio.sleep(0.1)
    full = _records(output, "full_collection")
    assert full
    assert full[0]["cpu_seconds"] >= 0
    assert full[0]["loop_thread"] is True


def test_the_trigger_runner_freezes_the_inherited_heap_when_asked(
    loop_watch: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    frozen_at_start: list[int] = []

    class TriggerRunner:
        async def arun(self) -> str:
            frozen_at_start.append(gc.get_freeze_count())
            return "ran"

    module = types.ModuleType("airflow.jobs.triggerer_job_runner")
    module.TriggerRunner = TriggerRunner  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "airflow.jobs.triggerer_job_runner", module)
    monkeypatch.delenv(loop_watch.DIR_VARIABLE, raising=False)
    monkeypatch.setenv(loop_watch.FREEZE_VARIABLE, "1")
    loop_watch._wrap_trigger_runner()
    loop_watch._wrap_trigger_runner()  # once only
    try:
        assert asyncio.run(TriggerRunner().arun()) == "ran"
    finally:
        gc.unfreeze()
    assert frozen_at_start[0] > 0


def test_without_the_switch_the_trigger_runner_is_left_alone(
    loop_watch: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    class TriggerRunner:
        async def arun(self) -> int:
            return gc.get_freeze_count()

    original = TriggerRunner.arun
    module = types.ModuleType("airflow.jobs.triggerer_job_runner")
    module.TriggerRunner = TriggerRunner  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "airflow.jobs.triggerer_job_runner", module)
    monkeypatch.delenv(loop_watch.DIR_VARIABLE, raising=False)
    monkeypatch.setenv(loop_watch.FREEZE_VARIABLE, "0")
    registered: list[Any] = []
    monkeypatch.setattr(loop_watch.os, "register_at_fork", lambda **kw: registered.append(kw))
    loop_watch.install_from_environment()
    assert registered == []
    assert TriggerRunner.arun is original
