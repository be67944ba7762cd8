"""The watch of a triggerer's event loop that the deployment test's blocked-loop proof reads.

Loaded by ``sitecustomize.py`` of this folder, which the deployment test puts on ``PYTHONPATH``
of the triggerer processes only. Airflow 3 runs the triggers in a child
of ``airflow triggerer`` (``TriggerRunner``, started with ``os.fork()``), so this module wraps
``TriggerRunner.arun`` in the forked child: the process and the thread that run the event loop.

There it runs a heartbeat task on the loop (every 20 ms) and a helper thread that samples every
10 ms. When the heartbeat is late by more than :data:`CAPTURE_LATENESS`, the helper starts sampling
the loop thread's Python stack (``sys._current_frames()``); when the heartbeat comes back, and the
loop was late by at least :data:`REPORT_LATENESS`, it writes one JSON line with:

- the stall's wall time and the loop thread's time on CPU and waiting on a run queue during it
  (``/proc/self/task/<tid>/schedstat``, nanoseconds): on-CPU work, CPU starvation, or neither
  (sleeping: a lock, the GIL held by another thread, I/O);
- the CPU time of the process's other threads (from ``/proc/self/task/*/schedstat``);
- the distinct loop-thread stacks sampled, with counts;
- garbage collections (``gc.callbacks``) overlapping the stall: generation, duration, thread;
- the machine: ``/proc/loadavg`` and CPU time by kind (user, nice, system, idle, steal) from
  ``/proc/stat``;
- how late the helper thread itself woke (a late helper: the whole process was off CPU, or C code
  held the GIL). The helper needs the GIL to sample: a stall that holds it (a garbage collection,
  long C code) is seen only when it ends, so its stack is where the loop resumed and
  ``helper_late_max_seconds`` is about as long as the stall; the collections and the CPU times
  are still exact.

When the helper thread itself wakes more than :data:`CAPTURE_LATENESS` late while the loop
seems on time, the whole process was paused (both threads off CPU: the loop then catches up
before the helper looks, so no stall is seen, although Airflow's watchdog may have noticed): it
writes a ``pause`` line with the pause and how much of it the helper and the loop thread spent
waiting on a run queue, and their time on CPU.

Every 30 s it also writes a summary line (collections per generation and their total time). Only
code locations are recorded, never variables, so nothing secret can be written. Standard library
only: it must load in any Python before anything else.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

DIR_VARIABLE = "ICE_LOOP_WATCH_DIR"
FREEZE_VARIABLE = "ICE_TRIGGER_RUNNER_GC_FREEZE"
NAME_VARIABLE = "ICE_LOOP_WATCH_NAME"
BEAT_SECONDS = 0.02
SAMPLE_SECONDS = 0.01
# Start sampling stacks once the loop is this late; report stalls at least REPORT_LATENESS late
# (Airflow's watchdog sleeps 0.1 s and warns above 0.2 s: a stall of about 0.1 s or more).
CAPTURE_LATENESS = 0.05
REPORT_LATENESS = 0.08
SUMMARY_SECONDS = 30.0
STACK_DEPTH = 30
_TICKS = os.sysconf("SC_CLK_TCK")


def _read(path: str) -> str:
    try:
        with open(path) as file:
            return file.read()
    except OSError:
        return ""


def _schedstat(tid: int) -> tuple[int, int]:
    """(ns on CPU, ns waiting on a run queue) of one thread of this process."""
    fields = _read(f"/proc/self/task/{tid}/schedstat").split()
    return (int(fields[0]), int(fields[1])) if len(fields) >= 2 else (0, 0)


def _threads_cpu() -> dict[int, tuple[str, int]]:
    """tid -> (thread name, ns on CPU) of every thread of this process."""
    found = {}
    for tid in os.listdir("/proc/self/task"):
        name = _read(f"/proc/self/task/{tid}/comm").strip()
        found[int(tid)] = (name, _schedstat(int(tid))[0])
    return found


def _machine_cpu() -> dict[str, int]:
    """Jiffies of all CPUs by kind, from the first line of /proc/stat."""
    fields = _read("/proc/stat").split("\n", 1)[0].split()[1:]
    kinds = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    return {kind: int(value) for kind, value in zip(kinds, fields, strict=False)}


def _stack(frame: Any) -> list[str]:
    """Code locations of a frame and its callers, innermost last (no variables)."""
    lines = []
    while frame is not None and len(lines) < STACK_DEPTH:
        code = frame.f_code
        path = code.co_filename
        for marker in ("site-packages/", "lib/python3"):
            if marker in path:
                path = path.split(marker, 1)[1]
                break
        lines.append(f"{path}:{frame.f_lineno} {code.co_name}")
        frame = frame.f_back
    return lines[::-1]


class LoopWatch:
    """Watches the running event loop of this thread from a helper thread.

    :param output: the JSON-lines file to append to.
    """

    def __init__(self, output: Path) -> None:
        self.output = output
        self.loop_ident = threading.get_ident()
        self.loop_tid = threading.get_native_id()
        self.last_beat = time.monotonic()
        self.stopped = threading.Event()
        self.gc_events: collections.deque[dict[str, Any]] = collections.deque(maxlen=1000)
        self.gc_totals: dict[int, list[float]] = {0: [0, 0.0], 1: [0, 0.0], 2: [0, 0.0]}
        # thread -> (monotonic, thread CPU time) when its collection started
        self._gc_started: dict[int, tuple[float, float]] = {}
        self._full_collections_written = 0
        # (monotonic time, ns on CPU, ns on a run queue) of the loop thread, the last 2 seconds.
        self.samples: collections.deque[tuple[float, int, int]] = collections.deque(maxlen=200)
        self.stalls = 0
        self._lock = threading.Lock()
        self._beat_task: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Write the start record, then start the heartbeat (call on the loop) and the helper thread.

        The start record counts the objects the collector tracks, which takes a while on a big
        heap: it is written before the watch starts, so that its own cost is not measured as a
        stall of the loop (no trigger runs yet; Airflow's watchdog starts after it).
        """
        self._write(
            {
                "kind": "start",
                "pid": os.getpid(),
                "loop_tid": self.loop_tid,
                "gc_threshold": gc.get_threshold(),
                # Objects the collector tracks: the full collections traverse all but the frozen ones.
                "gc_tracked_per_generation": [len(gc.get_objects(generation)) for generation in range(3)],
                "gc_frozen": gc.get_freeze_count(),
                "switch_interval": sys.getswitchinterval(),
                "niceness": os.nice(0),
            }
        )
        self.last_beat = time.monotonic()
        self._beat_task = asyncio.get_running_loop().create_task(self._beat(), name="ice-loop-watch")
        gc.callbacks.append(self._on_gc)
        self._thread = threading.Thread(target=self._watch, name="ice-loop-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the helper thread and the heartbeat."""
        self.stopped.set()
        if self._beat_task is not None:
            self._beat_task.cancel()
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._on_gc)
        if self._thread is not None:
            self._thread.join(timeout=1)
        self._write_full_collections()
        self._summary()

    async def _beat(self) -> None:
        while True:
            self.last_beat = time.monotonic()
            await asyncio.sleep(BEAT_SECONDS)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        ident = threading.get_ident()
        if phase == "start":
            self._gc_started[ident] = (time.monotonic(), time.thread_time())
            return
        started, cpu_started = self._gc_started.pop(ident, (None, 0.0))
        if started is None:
            return
        ended = time.monotonic()
        cpu = time.thread_time() - cpu_started
        generation = int(info.get("generation", -1))
        self.gc_events.append(
            {
                "start": started,
                "end": ended,
                "generation": generation,
                "seconds": round(ended - started, 4),
                "cpu_seconds": round(cpu, 4),
                "collected": info.get("collected"),
                "loop_thread": ident == self.loop_ident,
            }
        )
        if generation in self.gc_totals:
            self.gc_totals[generation][0] += 1
            self.gc_totals[generation][1] += ended - started

    def _gc_events_copy(self) -> list[dict[str, Any]]:
        # A collection in another thread may append while we copy: try again.
        for _ in range(10):
            with contextlib.suppress(RuntimeError):
                return list(self.gc_events)
        return []

    def _gc_during(self, onset: float, now: float) -> dict[str, Any]:
        """Collections overlapping the stall: per generation (count, seconds) and the long ones."""
        events = [e for e in self._gc_events_copy() if e["end"] >= onset and e["start"] <= now]
        per_generation: dict[str, list[float]] = {}
        for event in events:
            totals = per_generation.setdefault(str(event["generation"]), [0, 0.0])
            totals[0] += 1
            totals[1] = round(totals[1] + event["seconds"], 4)
        long = [
            {k: v for k, v in e.items() if k not in ("start", "end", "written")}
            | {"starts_after_onset": round(e["start"] - onset, 3)}
            for e in events
            if e["seconds"] >= 0.005
        ]
        return {"per_generation": per_generation, "long": long}

    def _write(self, record: dict[str, Any]) -> None:
        record = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()), **record}
        with self._lock, open(self.output, "a") as file:
            file.write(json.dumps(record) + "\n")

    def _summary(self) -> None:
        self._write(
            {
                "kind": "summary",
                "stalls": self.stalls,
                "gc": {
                    str(gen): {"collections": n, "seconds": round(total, 3)}
                    for gen, (n, total) in self.gc_totals.items()
                },
                "gc_counts": gc.get_count(),
                "threads": len(os.listdir("/proc/self/task")),
            }
        )

    def _watch(self) -> None:
        next_summary = time.monotonic() + SUMMARY_SECONDS
        expected = time.monotonic() + SAMPLE_SECONDS
        stall: dict[str, Any] | None = None
        helper_tid = threading.get_native_id()
        helper_before = _schedstat(helper_tid)
        loop_before = _schedstat(self.loop_tid)
        while not self.stopped.is_set():
            time.sleep(SAMPLE_SECONDS)
            now = time.monotonic()
            helper_late = now - expected
            expected = now + SAMPLE_SECONDS
            late = now - self.last_beat - BEAT_SECONDS
            helper_now, loop_now = _schedstat(helper_tid), _schedstat(self.loop_tid)
            if helper_late > CAPTURE_LATENESS and stall is None:
                self._write(
                    {
                        "kind": "pause",
                        "wall_seconds": round(helper_late, 3),
                        "helper_runqueue_seconds": round((helper_now[1] - helper_before[1]) / 1e9, 3),
                        "helper_cpu_seconds": round((helper_now[0] - helper_before[0]) / 1e9, 3),
                        "loop_runqueue_seconds": round((loop_now[1] - loop_before[1]) / 1e9, 3),
                        "loop_cpu_seconds": round((loop_now[0] - loop_before[0]) / 1e9, 3),
                        "loop_late_seconds": round(max(late, 0.0), 3),
                        "loadavg": _read("/proc/loadavg").strip(),
                    }
                )
            helper_before, loop_before = helper_now, loop_now
            if late > CAPTURE_LATENESS:
                # The stack first: each file read below releases the GIL, and a loop thread that
                # runs Python code takes it back for a switch interval (5 ms) every time.
                frame = sys._current_frames().get(self.loop_ident)
                key = "\n".join(_stack(frame))
                del frame
                if stall is None:
                    stall = self._stall_begins(now)
                stall["stacks"][key] = stall["stacks"].get(key, 0) + 1
                stall["helper_late_max"] = max(stall["helper_late_max"], helper_late)
            elif stall is not None:
                self._stall_ends(stall, now)
                stall = None
            on_cpu, queued = _schedstat(self.loop_tid)
            self.samples.append((now, on_cpu, queued))
            if stall is None:
                self._write_full_collections()
            if now >= next_summary:
                next_summary = now + SUMMARY_SECONDS
                self._summary()

    def _write_full_collections(self) -> None:
        """One line per new full (generation 2) collection: wall and CPU time, objects collected."""
        if self.gc_totals[2][0] == self._full_collections_written:
            return
        self._full_collections_written = int(self.gc_totals[2][0])
        for event in self._gc_events_copy()[-20:]:
            if event["generation"] == 2 and not event.get("written"):
                event["written"] = True
                self._write(
                    {"kind": "full_collection"}
                    | {k: v for k, v in event.items() if k not in ("start", "end", "written")}
                )

    def _stall_begins(self, now: float) -> dict[str, Any]:
        onset = self.last_beat + BEAT_SECONDS
        return {
            "onset": onset,
            "detected": now,
            "helper_late_max": 0.0,
            "stacks": {},
            "threads": _threads_cpu(),
            "machine": _machine_cpu(),
        }

    def _stall_ends(self, stall: dict[str, Any], now: float) -> None:
        onset = stall["onset"]
        wall = self.last_beat - onset
        if wall < REPORT_LATENESS:
            return
        self.stalls += 1
        before = next((s for s in reversed(self.samples) if s[0] <= onset), self.samples[0])
        after = (now, *_schedstat(self.loop_tid))
        threads = _threads_cpu()
        other_threads = {
            f"{name} ({tid})": round((cpu - stall["threads"][tid][1]) / 1e9, 3)
            for tid, (name, cpu) in threads.items()
            if tid in stall["threads"] and tid != self.loop_tid and cpu > stall["threads"][tid][1]
        }
        machine = _machine_cpu()
        self._write(
            {
                "kind": "stall",
                "wall_seconds": round(wall, 3),
                "loop_cpu_seconds": round((after[1] - before[1]) / 1e9, 3),
                "loop_runqueue_seconds": round((after[2] - before[2]) / 1e9, 3),
                "sampled_from_seconds_before_onset": round(onset - before[0], 3),
                "detected_after_seconds": round(stall["detected"] - onset, 3),
                "helper_late_max_seconds": round(stall["helper_late_max"], 3),
                "other_threads_cpu_seconds_since_detection": other_threads,
                "gc": self._gc_during(onset, now),
                "loadavg": _read("/proc/loadavg").strip(),
                "machine_cpu_seconds_since_detection": {
                    kind: round((machine.get(kind, 0) - value) / _TICKS, 2)
                    for kind, value in stall["machine"].items()
                },
                "stacks": sorted(
                    ([count, key.split("\n")] for key, count in stall["stacks"].items()), reverse=True
                ),
            }
        )


def _wrap_trigger_runner() -> None:
    """Wrap ``TriggerRunner.arun`` (once): freeze the collector and/or watch the loop that runs the triggers."""
    module = sys.modules.get("airflow.jobs.triggerer_job_runner")
    runner = getattr(module, "TriggerRunner", None)
    if runner is None or getattr(runner.arun, "_ice_loop_watch", False):
        return
    original = runner.arun
    freeze = os.environ.get(FREEZE_VARIABLE) == "1"
    directory = Path(os.environ[DIR_VARIABLE]) if os.environ.get(DIR_VARIABLE) else None
    name = os.environ.get(NAME_VARIABLE, "triggerer")
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)

    async def arun(self: Any) -> Any:
        if freeze:
            # What Airflow's LocalExecutor and DAG processor do before they fork (gc.freeze): the
            # Airflow heap inherited from `airflow triggerer` moves to the permanent generation,
            # so a full collection no longer walks it on the event loop.
            gc.freeze()
        if directory is None:
            return await original(self)
        watch = LoopWatch(directory / f"loop-watch-{name}-{os.getpid()}.jsonl")
        watch.start()
        try:
            return await original(self)
        finally:
            watch.stop()

    arun._ice_loop_watch = True  # type: ignore[attr-defined]
    runner.arun = arun


def install_from_environment() -> None:
    """With ``ICE_LOOP_WATCH_DIR`` set, watch the trigger runner forked from this process; with
    ``ICE_TRIGGER_RUNNER_GC_FREEZE=1``, freeze the collector in it before the triggers start."""
    if os.environ.get(DIR_VARIABLE) or os.environ.get(FREEZE_VARIABLE) == "1":
        os.register_at_fork(after_in_child=_wrap_trigger_runner)
