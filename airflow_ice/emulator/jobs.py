"""Emulated jobs and their lifecycles, computed from the clock (no thread or task per job).

An IProduction job is ``Queuing`` for the first quarter of its duration, then ``Analysing``,
then ``Success`` or ``Fail``. A Yike storyboard job is ``Running``, then ``Succeeded`` or ``Failed``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from airflow_ice.emulator.errors import job_not_found

QUEUING_SHARE = 0.25


class JobTiming:
    """How long jobs take: ``job_seconds``, or uniformly between it and ``job_seconds_max``.

    :param job_seconds: the duration (or the shortest one when a range is given).
    :param job_seconds_max: the longest duration; None for a fixed one.
    :param seed: seed for the random durations.
    """

    def __init__(
        self, job_seconds: float = 2.0, job_seconds_max: float | None = None, seed: int | None = None
    ):
        if job_seconds < 0 or (job_seconds_max is not None and job_seconds_max < job_seconds):
            raise ValueError("job_seconds must be >= 0 and job_seconds_max (if set) >= job_seconds")
        self.job_seconds = job_seconds
        self.job_seconds_max = job_seconds_max
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def duration(self) -> float:
        """The duration of a new job."""
        if self.job_seconds_max is None:
            return self.job_seconds
        with self._lock:
            return self._random.uniform(self.job_seconds, self.job_seconds_max)


@dataclass
class IProductionJobRecord:
    """One IProduction job as submitted, plus what decides its fate.

    :param fails: it ends in ``Fail`` (input Media contains ``fail``).
    :param cancelled_at: when it was cancelled while running.
    """

    job_id: str
    function_name: str
    input: dict[str, Any]
    output: dict[str, Any]
    created_at: float
    duration: float
    fails: bool
    name: str | None = None
    job_params: str | None = None
    template_id: str | None = None
    model_id: str | None = None
    schedule_config: dict[str, Any] | None = None
    user_data: str | None = None
    cancelled_at: float | None = None

    def finished_at(self) -> float:
        """When it ends (or ended)."""
        if self.cancelled_at is not None:
            return self.cancelled_at
        return self.created_at + self.duration

    def status(self, now: float) -> str:
        """``Queuing``, ``Analysing``, ``Success`` or ``Fail`` at ``now``."""
        if now >= self.finished_at():
            return "Fail" if self.fails or self.cancelled_at is not None else "Success"
        if now - self.created_at < self.duration * QUEUING_SHARE:
            return "Queuing"
        return "Analysing"

    def cancel(self, now: float) -> bool:
        """Cancel if still running; False when it had already finished (then nothing changes)."""
        if now >= self.finished_at():
            return False
        self.cancelled_at = now
        return True


@dataclass
class YikeStoryboardJobRecord:
    """One Yike storyboard job.

    :param outcome: ``succeeded``, ``failed`` (FileURL contains ``fail``) or ``partial``
        (FileURL contains ``partial``: succeeded with failed shots).
    :param storyboard_only: ``ExecMode=StoryboardOnly``: no video is produced.
    :param attempts: 1, plus one per resume.
    """

    job_id: str
    job_params: dict[str, str]
    started_at: float
    duration: float
    outcome: str
    created_at: float = 0.0
    user_data: str | None = None
    storyboard_only: bool = False
    attempts: int = 1

    def status(self, now: float) -> str:
        """``Running``, ``Succeeded`` or ``Failed`` at ``now``."""
        if now < self.started_at + self.duration:
            return "Running"
        return "Failed" if self.outcome == "failed" else "Succeeded"

    def resume(self, now: float, duration: float) -> None:
        """Restart a failed job; the new attempt succeeds (the cause is taken as transient)."""
        self.started_at = now
        self.duration = duration
        self.outcome = "succeeded"
        self.attempts += 1


JobT = TypeVar("JobT")


class JobStore(Generic[JobT]):
    """Jobs by id. Thread-safe for adding, finding and clearing.

    Records are changed (cancel, resume) only by request handlers, which all run on the server's
    single event-loop thread, so they need no lock of their own.
    """

    def __init__(self) -> None:
        self._jobs: dict[str, JobT] = {}
        self._lock = threading.Lock()

    def add(self, job_id: str, job: JobT) -> None:
        """Store a new job."""
        with self._lock:
            self._jobs[job_id] = job

    def get(self, job_id: str) -> JobT:
        """The job, or ICE's ``JobNotFound`` error."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise job_not_found(job_id)
        return job

    def values(self) -> list[JobT]:
        """Every job, in the order they were created."""
        with self._lock:
            return list(self._jobs.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._jobs)

    def __contains__(self, job_id: object) -> bool:
        with self._lock:
            return job_id in self._jobs

    def clear(self) -> None:
        """Forget every job."""
        with self._lock:
            self._jobs.clear()
