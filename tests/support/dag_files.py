"""DAG files whose parse is measured (``tests/benchmarks/bench_import_cost.py``) and checked for
what it loads (``tests/unit/test_family_loading.py``): one task of ours, and an empty one beside it."""

from __future__ import annotations

EMPTY_DAG = """
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

with DAG(dag_id="empty", schedule=None):
    EmptyOperator(task_id="nothing")
"""

ONE_SNAPSHOT_TASK_DAG = """
from airflow.sdk import DAG

from airflow_ice.operators.snapshot import IceSnapshotJobOperator

with DAG(dag_id="thumbnails", schedule=None):
    IceSnapshotJobOperator(
        task_id="thumbnail",
        input={"Type": "OSS", "Media": "oss://bucket/in/{{ ds }}.mp4"},
        output={"Type": "OSS", "Media": "oss://bucket/thumbs/{{ ds }}.jpg"},
        template_config={"TemplateId": "S00000101-100010"},
        deferrable=True,
    )
"""

__all__ = ["EMPTY_DAG", "ONE_SNAPSHOT_TASK_DAG"]
