"""Tagging ICE jobs with the Airflow task instance that submitted them.

The tag goes into the job's ``UserData`` (ICE returns it unchanged), so a job can be found in the
ICE console from the task, e.g. after a submit whose answer was lost. It names the DAG, run, task
and map index, plus a short key derived from them that is the same on every try of the task.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_ice.errors import IceInvalidRequestError
from airflow_ice.models.json_text import compact_json

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

# ICE's documented limit on UserData.
USER_DATA_MAX_CHARS = 256
# The key under which the tag is merged into the user's own UserData object.
TAG_KEY = "airflow_ice"


@dataclass(frozen=True)
class TaskIdentity:
    """The task instance a job belongs to, the same on every try.

    :param dag_id: the DAG id.
    :param run_id: the DAG run id.
    :param task_id: the task id.
    :param map_index: the map index (-1 when the task is not mapped).
    """

    dag_id: str
    run_id: str
    task_id: str
    map_index: int

    @classmethod
    def from_context(cls, context: Context) -> TaskIdentity:
        """The identity of the running task instance."""
        ti = context["ti"]
        map_index = getattr(ti, "map_index", None)
        return cls(
            dag_id=ti.dag_id,
            run_id=ti.run_id,
            task_id=ti.task_id,
            map_index=-1 if map_index is None else int(map_index),
        )

    @property
    def key(self) -> str:
        """A short stable key (16 hex characters) for this task instance, independent of the try."""
        text = "\x1f".join((self.dag_id, self.run_id, self.task_id, str(self.map_index)))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def tag(self) -> dict[str, Any]:
        """The tag merged into ``UserData``."""
        return {
            "dag": self.dag_id,
            "run": self.run_id,
            "task": self.task_id,
            "map": self.map_index,
            "key": self.key,
        }


def client_token(identity: TaskIdentity, fingerprint: str, try_number: int) -> str:
    """The ``ClientToken`` of a submit: the task's stable key, the request and the try that first sent it.

    ICE answers every submit carrying the same token (and the same parameters) with the same job,
    so the client may resend it after a lost answer, and a later try resends it while it has no job
    id for it (see :class:`~airflow_ice.jobs.reattach_store.StoredJob`). The try number keeps a
    try that replaces a failed job (or a cleared task) from being handed that job back.

    :param identity: the task instance.
    :param fingerprint: the request's digest (another request, another token: ICE would reject a
        token reused with other parameters).
    :param try_number: the try that sends the submit first.
    """
    digest = hashlib.sha256(f"{identity.key}\x1f{fingerprint}\x1f{try_number}".encode()).hexdigest()
    token = f"airflow-{identity.key}-{digest[:32]}"
    # 57 ASCII characters: within ICE's limit of 64.
    return token


def tagged_user_data(
    user_data: Mapping[str, Any] | None,
    identity: TaskIdentity,
    *,
    param: str = "user_data",
    limit: int = USER_DATA_MAX_CHARS,
) -> str:
    """The ``UserData`` JSON text: the user's own object plus the task's tag under ``airflow_ice``.

    :param user_data: the user's data (already decoded from JSON text), or None.
    :param identity: the task instance to tag the job with.
    :param param: the operator parameter's name, quoted in errors.
    :param limit: the family's UserData limit (256 characters unless ICE documents another).
    :raises IceInvalidRequestError: the user's data already uses the tag key, or the result is longer
        than the limit.
    """
    data = dict(user_data or {})
    if TAG_KEY in data:
        raise IceInvalidRequestError(
            f"{param} must not contain the key {TAG_KEY!r}: the operator adds it to tag the job "
            "with the task."
        )
    data[TAG_KEY] = identity.tag()
    text = compact_json(data)
    if len(text) > limit:
        own = compact_json(user_data or {})
        raise IceInvalidRequestError(
            f"{param} plus the job tag is {len(text)} characters, more than ICE's UserData limit of "
            f"{limit}. The tag ({len(text) - len(own)} characters for dag {identity.dag_id!r}, "
            f"run {identity.run_id!r}, task {identity.task_id!r}) must fit: shorten {param} "
            f"(now {len(own)} characters) or the ids."
        )
    return text
