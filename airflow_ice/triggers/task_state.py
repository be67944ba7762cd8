"""Whether a trigger's task is still deferred, asked from inside the triggerer.

Airflow 3.3.2 calls a trigger's ``on_kill`` not only when a user acts on the task but also when
the trigger moves to another triggerer (apache/airflow#73454). Cancelling the remote job then
would fail a healthy task, so the trigger asks for its task's state first: a task that a user
marked or cleared is no longer ``deferred``; one whose trigger merely moved still is.
"""

from __future__ import annotations

from typing import Any

DEFERRED = "deferred"


async def task_left_deferral(task_instance: Any) -> bool | None:
    """Whether the task is no longer ``deferred`` (a user acted on it); ``None`` if it cannot be told.

    :param task_instance: the trigger's ``task_instance`` (set by the triggerer on Airflow 3.x).
    """
    if task_instance is None:
        return None
    try:
        # Internal Task SDK plumbing, present in the triggerer process only; imported lazily.
        from airflow.sdk.execution_time import task_runner
        from airflow.sdk.execution_time.comms import GetTaskStates
    except ImportError:
        return None
    comms = getattr(task_runner, "SUPERVISOR_COMMS", None)
    if comms is None or not hasattr(comms, "asend"):
        return None
    map_index = getattr(task_instance, "map_index", -1)
    request = GetTaskStates(
        dag_id=task_instance.dag_id,
        task_ids=[task_instance.task_id],
        run_ids=[task_instance.run_id],
        map_index=map_index,
    )
    response = await comms.asend(request)
    states = getattr(response, "task_states", None)
    if not isinstance(states, dict) or task_instance.run_id not in states:
        return None
    key = (
        task_instance.task_id
        if map_index is None or map_index < 0
        else f"{task_instance.task_id}_{map_index}"
    )
    run_states = states[task_instance.run_id]
    if key not in run_states:
        return None
    state = run_states[key]
    return str(getattr(state, "value", state)) != DEFERRED
