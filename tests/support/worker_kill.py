"""Helpers for operator tests that kill a task while it waits for its job in the worker (no tests here).

Such a test needs the job submitted and still running when the kill comes, and on a retry it may
need the job to finish. With wall-clock jobs and a wall-clock ``execution_timeout`` that depends on
how fast the machine is. Here jobs run on a clock the test moves (:func:`held_ice`), and the kill
is Airflow's own ``execution_timeout`` made to expire at the moment the test needs
(:func:`expire_execution_timeout`) while the configured limit (:data:`HANG_GUARD`) only guards
against a hang.
"""

from __future__ import annotations

import signal
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow_ice.operators.base import IceJobOperator
from tests.support.dags import HELD_JOB_SECONDS
from tests.support.emulator import ManualClock

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context


# The execution_timeout of tests that kill their task with expire_execution_timeout(); reached
# only if that kill never comes.
HANG_GUARD = timedelta(seconds=60)


def held_task(job_clock: ManualClock) -> dict[str, Any]:
    """The arguments that make a :class:`HeldJobWaits` operator wait in the worker, on the clock of
    ``held_ice``, with :data:`HANG_GUARD` as its ``execution_timeout``.

    :param job_clock: the clock of ``held_ice``.
    """
    return {"job_clock": job_clock, "deferrable": False, "execution_timeout": HANG_GUARD}


def expire_execution_timeout() -> None:
    """Make the running task's ``execution_timeout`` expire now.

    Delivers the SIGALRM its timer sends when the limit passes: Airflow's handler raises
    ``AirflowTaskTimeout`` from here, then Airflow calls ``on_kill()`` and fails (or retries) the
    try, exactly as for a real expiry.
    """
    assert signal.getitimer(signal.ITIMER_REAL)[0] > 0, "no execution_timeout is running"
    signal.raise_signal(signal.SIGALRM)  # runs the handler before returning
    raise AssertionError("the execution_timeout did not stop the task")


class HeldJobWaits(IceJobOperator):
    """Mix-in for an ICE job operator whose waits in the worker the test drives.

    Every try is killed by its ``execution_timeout`` as soon as it starts waiting for its job in
    the worker (so the job is submitted, checked once and still running), except try
    ``finish_on_try``: when that one starts waiting, the job clock moves on so its job finishes.

    :param job_clock: the clock of :func:`held_ice`.
    :param finish_on_try: the try that waits for its job to finish instead of being killed.
    """

    def __init__(self, *, job_clock: ManualClock, finish_on_try: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_clock = job_clock
        self.finish_on_try = finish_on_try

    def _poll_until_done(self, context: Context, *args: Any, **kwargs: Any) -> Any:
        if context["ti"].try_number == self.finish_on_try:
            self.job_clock.advance(HELD_JOB_SECONDS)
        else:
            expire_execution_timeout()
        return super()._poll_until_done(context, *args, **kwargs)
