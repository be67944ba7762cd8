"""Where an operator keeps its ICE job id so that the task's next try can reattach to the job.

XCom cannot do this: Airflow clears a task's XComs when a new try starts (3.0 and later). So:

- Airflow 3.3+: the task state store (``context["task_state_store"]``), scoped to the task
  instance (DAG, run, task, map index) and kept across tries.
- Airflow 3.1 / 3.2: an Airflow Variable named ``airflow_ice.reattach.<key>``, where ``<key>`` is the
  task instance's :attr:`~airflow_ice.jobs.tag.TaskIdentity.key`; its value names the task.

The entry is deleted once the job has succeeded or failed for good, so only jobs that may still run
leave one behind (for example after a worker crash), and clearing a finished task submits anew.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from airflow_ice.jobs.tag import TaskIdentity

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

# Key in the task state store; renaming it would break reattachment of tasks in flight.
STATE_STORE_KEY = "airflow_ice_job"
VARIABLE_PREFIX = "airflow_ice.reattach."


@dataclass(frozen=True)
class StoredJob:
    """A job submitted by an earlier try, or a submit (with ICE's ``ClientToken``) about to be sent.

    :param job_id: the ICE job id; "" while only the submit's token is known (stored before the
        submit, so a try after an answer that never came sends the same token: ICE answers with
        the job it made, never a second one).
    :param fingerprint: digest of the request it was submitted with; a different request (the DAG
        changed) is not reattached to.
    :param client_token: the ``ClientToken`` the submit carries, or None for families without one.
    """

    job_id: str
    fingerprint: str
    client_token: str | None = None

    @property
    def submitted(self) -> bool:
        """Whether ICE's answer (the job id) arrived."""
        return bool(self.job_id)

    def to_json(self) -> dict[str, str]:
        """JSON form."""
        data = {"job_id": self.job_id, "fingerprint": self.fingerprint}
        if self.client_token:
            data["client_token"] = self.client_token
        return data

    @classmethod
    def from_json(cls, value: Any) -> StoredJob | None:
        """Read a stored value; anything unexpected reads as "nothing stored"."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return None
        if not isinstance(value, dict):
            return None
        job_id, fingerprint = value.get("job_id"), value.get("fingerprint")
        token = value.get("client_token")
        token = token if isinstance(token, str) and token else None
        if not isinstance(job_id, str) or not isinstance(fingerprint, str) or not (job_id or token):
            return None
        return cls(job_id=job_id, fingerprint=fingerprint, client_token=token)


class ReattachStore(Protocol):
    """Keeps one :class:`StoredJob` per task instance across tries."""

    description: str

    def get(self) -> StoredJob | None:
        """The job stored by an earlier try, if any."""

    def put(self, job: StoredJob) -> None:
        """Store the job just submitted."""

    def forget(self) -> None:
        """Drop the stored job (it finished)."""


class TaskStateReattachStore:
    """Airflow 3.3+ task state store.

    :param task_state_store: ``context["task_state_store"]``.
    """

    description = "task state store"

    def __init__(self, task_state_store: Any) -> None:
        self._store = task_state_store

    def get(self) -> StoredJob | None:
        """The job stored by an earlier try, if any."""
        return StoredJob.from_json(self._store.get(STATE_STORE_KEY))

    def put(self, job: StoredJob) -> None:
        """Store the job just submitted."""
        self._store.set(STATE_STORE_KEY, job.to_json())

    def forget(self) -> None:
        """Drop the stored job."""
        self._store.delete(STATE_STORE_KEY)


class VariableReattachStore:
    """Airflow Variable fallback for versions without the task state store.

    :param identity: the task instance.
    :param first_try: this is the task instance's first try, so no earlier try stored anything.
    """

    description = "Airflow Variable"

    def __init__(self, identity: TaskIdentity, *, first_try: bool = False) -> None:
        self.identity = identity
        self.variable_key = VARIABLE_PREFIX + identity.key
        self.first_try = first_try

    def get(self) -> StoredJob | None:
        """The job stored by an earlier try, if any."""
        if self.first_try:
            # Nothing to find, and Airflow 3.1's API client logs a missing Variable at error level.
            return None
        from airflow.providers.common.compat.sdk import Variable

        return StoredJob.from_json(Variable.get(self.variable_key, default=None))

    def put(self, job: StoredJob) -> None:
        """Store the job just submitted, with the task it belongs to (for people reading Variables)."""
        from airflow.providers.common.compat.sdk import Variable

        value = {**job.to_json(), "task": self.identity.tag()}
        Variable.set(
            self.variable_key,
            json.dumps(value),
            description="airflow_ice: ICE job of a task instance, for reattaching on retry",
        )

    def forget(self) -> None:
        """Drop the stored job."""
        from airflow.providers.common.compat.sdk import Variable

        Variable.delete(self.variable_key)


def reattach_store_for(context: Context, identity: TaskIdentity) -> ReattachStore:
    """The best store available to the running task: the task state store, else a Variable."""
    task_state_store = context.get("task_state_store")
    if task_state_store is not None:
        return TaskStateReattachStore(task_state_store)
    try_number = getattr(context.get("ti"), "try_number", None)
    return VariableReattachStore(identity, first_try=isinstance(try_number, int) and try_number <= 1)
