"""Read-only looks into Airflow's metadata DB that the REST API does not offer: the trigger table
(with its kwargs decrypted, as Airflow's ``Trigger.kwargs`` does) and the triggerers' jobs.

Plain SQL through psycopg2, so the test can sample the trigger table every few seconds without
importing Airflow; the layout read here is Airflow 3's (``trigger.kwargs`` holds the Fernet-encrypted
JSON of the serialised kwargs, ``job`` has one row per triggerer run).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet


@dataclass(frozen=True)
class TriggerRow:
    """One row of the trigger table.

    :param trigger_id: the row id.
    :param classpath: the trigger class.
    :param triggerer_id: the triggerer job running it, or None while unassigned.
    :param kwargs_json: the kwargs as Airflow serialised them (decrypted JSON text).
    """

    trigger_id: int
    classpath: str
    triggerer_id: int | None
    kwargs_json: str

    @property
    def kwargs(self) -> dict[str, Any]:
        """The kwargs, with serde's wrapping of a plain dict removed when present."""
        data = json.loads(self.kwargs_json)
        if isinstance(data, dict) and "__var" in data and isinstance(data["__var"], dict):
            data = data["__var"]
        return {
            key: value["__var"] if isinstance(value, dict) and "__var" in value else value
            for key, value in data.items()
        }


def decrypt_kwargs(stored: str, fernet_key: str) -> str:
    """The JSON text of stored trigger kwargs (older rows may be unencrypted JSON)."""
    if stored.startswith("{"):
        return stored
    return Fernet(fernet_key.encode()).decrypt(stored.encode()).decode()


class MetadataDb:
    """A psycopg2 connection to the deployment's metadata DB.

    :param socket_dir: the PostgreSQL unix socket directory.
    :param port: the server port.
    :param fernet_key: Airflow's ``[core] fernet_key``, to decrypt trigger kwargs.
    :param user: database role.
    :param database: database name.
    """

    def __init__(
        self, socket_dir: str, port: int, fernet_key: str, user: str = "airflow", database: str = "airflow"
    ) -> None:
        import psycopg2

        self._fernet_key = fernet_key
        self._conn = psycopg2.connect(host=socket_dir, port=port, user=user, dbname=database)
        self._conn.autocommit = True

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def _rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with self._conn.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def triggers(self) -> list[TriggerRow]:
        """Every trigger row, kwargs decrypted."""
        return [
            TriggerRow(int(row[0]), str(row[1]), row[2], decrypt_kwargs(str(row[3]), self._fernet_key))
            for row in self._rows("SELECT id, classpath, triggerer_id, kwargs FROM trigger ORDER BY id")
        ]

    def running_triggerer_jobs(self) -> list[int]:
        """Ids of triggerer jobs in state ``running``, oldest first."""
        rows = self._rows(
            "SELECT id FROM job WHERE job_type = 'TriggererJob' AND state = 'running' ORDER BY id"
        )
        return [int(row[0]) for row in rows]

    def triggerer_heartbeat_ages(self) -> dict[int, float]:
        """Seconds since the last heartbeat of each running triggerer job."""
        rows = self._rows(
            "SELECT id, extract(epoch FROM now() - latest_heartbeat) FROM job "
            "WHERE job_type = 'TriggererJob' AND state = 'running'"
        )
        return {int(job_id): float(age or 0.0) for job_id, age in rows}

    def serialized_dags(self) -> dict[str, bytes]:
        """``dag_id`` -> the stored serialized DAG (JSON text, decompressed when Airflow compressed it)."""
        import zlib

        found = {}
        for dag_id, data, compressed in self._rows(
            "SELECT dag_id, data::text, data_compressed FROM serialized_dag ORDER BY dag_id"
        ):
            text = data.encode() if data else b""
            if compressed:
                text += zlib.decompress(bytes(compressed))
            found[str(dag_id)] = text
        return found

    def task_state_counts(self, dag_id: str) -> dict[str, int]:
        """Task instances of the DAG per state (``none`` for no state yet)."""
        rows = self._rows(
            "SELECT coalesce(state, 'none'), count(*) FROM task_instance WHERE dag_id = %s GROUP BY 1", dag_id
        )
        return {str(state): int(count) for state, count in rows}
