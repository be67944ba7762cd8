"""The few calls of Airflow's public REST API (``/api/v2``) the deployment test makes.

The deployment runs the simple auth manager with ``simple_auth_manager_all_admins``, so the
api-server authorises every request itself; nothing here handles tokens.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

PAGE_SIZE = 100


@dataclass(frozen=True)
class TaskInstanceRecord:
    """What the test needs of one task instance.

    :param task_id: the task.
    :param map_index: the map index (-1 when not mapped).
    :param state: its state (``success``, ``deferred``, ...), or "" when it has none yet.
    :param try_number: its current try.
    :param pid: the pid recorded for its running process, if any.
    """

    task_id: str
    map_index: int
    state: str
    try_number: int
    pid: int | None

    @property
    def label(self) -> str:
        """``task_id`` or ``task_id[map_index]``."""
        return self.task_id if self.map_index < 0 else f"{self.task_id}[{self.map_index}]"

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> TaskInstanceRecord:
        """From a ``TaskInstanceResponse``."""
        return cls(
            task_id=str(data["task_id"]),
            map_index=int(data.get("map_index", -1)),
            state=str(data.get("state") or ""),
            try_number=int(data.get("try_number") or 0),
            pid=data.get("pid"),
        )


class AirflowApi:
    """A client of one api-server.

    :param base_url: ``http://127.0.0.1:PORT``.
    :param timeout: seconds per request.
    """

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(base_url=self.base_url + "/api/v2", timeout=timeout)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def _get(self, path: str, **params: Any) -> Any:
        response = self._client.get(path, params=params)
        response.raise_for_status()
        return response.json()

    def healthy(self) -> bool:
        """Whether the api-server answers its health check with a healthy metadata DB."""
        try:
            health = self._get("/monitor/health")
        except (httpx.HTTPError, ValueError):
            return False
        return bool(health.get("metadatabase", {}).get("status") == "healthy")

    def wait_healthy(self, timeout: float) -> None:
        """Wait for :meth:`healthy`, up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the api-server at {self.base_url} did not become healthy in {timeout:.0f}s"
                )
            time.sleep(1.0)

    def create_connection(
        self, conn_id: str, conn_type: str, login: str, password: str, extra: Mapping[str, Any]
    ) -> None:
        """Create a connection in the metadata DB (the answer, which echoes fields, is not kept)."""
        response = self._client.post(
            "/connections",
            json={
                "connection_id": conn_id,
                "conn_type": conn_type,
                "login": login,
                "password": password,
                "extra": json.dumps(dict(extra)),
            },
        )
        if response.status_code >= 400:
            # Not the body: it may echo the request.
            raise RuntimeError(f"creating connection {conn_id!r} failed with HTTP {response.status_code}")

    def dag_exists(self, dag_id: str) -> bool:
        """Whether the DAG has been parsed into the metadata DB."""
        response = self._client.get(f"/dags/{dag_id}")
        return response.status_code == 200

    def import_errors(self) -> list[dict[str, Any]]:
        """DAG import errors, as Airflow reports them."""
        return list(self._get("/importErrors").get("import_errors", []))

    def unpause(self, dag_id: str) -> None:
        """Unpause a DAG."""
        response = self._client.patch(f"/dags/{dag_id}", json={"is_paused": False})
        response.raise_for_status()

    def trigger(self, dag_id: str, run_id: str) -> None:
        """Start a manual DAG run."""
        response = self._client.post(
            f"/dags/{dag_id}/dagRuns", json={"dag_run_id": run_id, "logical_date": None, "conf": {}}
        )
        response.raise_for_status()

    def dag_run_state(self, dag_id: str, run_id: str) -> str:
        """The run's state (``queued``, ``running``, ``success``, ``failed``)."""
        return str(self._get(f"/dags/{dag_id}/dagRuns/{run_id}")["state"])

    def task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceRecord]:
        """Every task instance of the run (mapped ones expanded)."""
        return list(self._iter_task_instances(dag_id, run_id))

    def _iter_task_instances(self, dag_id: str, run_id: str) -> Iterator[TaskInstanceRecord]:
        offset = 0
        while True:
            page = self._get(
                f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                limit=PAGE_SIZE,
                offset=offset,
                order_by="id",
            )
            items = page.get("task_instances", [])
            for item in items:
                yield TaskInstanceRecord.from_api(item)
            offset += len(items)
            if not items or offset >= int(page.get("total_entries", 0)):
                return

    def task_instance(self, dag_id: str, run_id: str, task_id: str) -> TaskInstanceRecord:
        """One unmapped task instance."""
        return TaskInstanceRecord.from_api(
            self._get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")
        )

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str, map_index: int = -1) -> Any:
        """The value of one XCom as stored (JSON), or None when there is none."""
        response = self._client.get(
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}",
            params={"map_index": map_index},
        )
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json().get("value")

    def task_state_store(self, dag_id: str, run_id: str, task_id: str, key: str, map_index: int = -1) -> Any:
        """One value of a task instance's state store (Airflow 3.3+), or None."""
        response = self._client.get(
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/state-store/{key}",
            params={"map_index": map_index},
        )
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json().get("value")
