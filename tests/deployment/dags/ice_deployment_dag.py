"""The DAG of the deployment test (``tests/deployment/run_deployment_test.py``).

Many deferrable IProduction tasks (mapped, several functions) and Yike storyboard tasks, which
wait in the triggerers, plus one IProduction task that waits in its worker and has retries: the
deployment test kills its process mid-wait, and the retry must reattach to the same job.

The deferrable tasks have no retries on purpose: each must succeed on its first try, through the
emulator's faults and a triggerer killed with SIGKILL. Sizes and the poll interval come from
environment variables the test sets for every Airflow process (defaults: the issue's numbers).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import DAG

from airflow_ice.operators.iproduction import IceIProductionJobOperator
from airflow_ice.operators.yike import IceYikeStoryboardJobOperator

DAG_ID = "ice_deployment_test"
IN_WORKER_TASK_ID = "iproduction_in_worker"
IPRODUCTION_TASK_ID = "iproduction"
STORYBOARD_TASK_ID = "storyboard"

IPRODUCTION_TASKS = int(os.environ.get("ICE_DEPLOYMENT_IPRODUCTION_TASKS", "200"))
STORYBOARD_TASKS = int(os.environ.get("ICE_DEPLOYMENT_STORYBOARD_TASKS", "20"))
POLL_INTERVAL = float(os.environ.get("ICE_DEPLOYMENT_POLL_INTERVAL", "5"))
# Functions whose results the emulator shapes differently, so every parser is exercised.
FUNCTIONS = ("Cover", "VideoClip", "MusicSegmentDetect", "AudioQualityAssessment", "VideoDetext")
BUCKET = "oss://deployment-bucket"


def iproduction_kwargs(index: int) -> dict[str, object]:
    """The parameters of mapped IProduction task ``index``."""
    function = FUNCTIONS[index % len(FUNCTIONS)]
    suffix = "wav" if function in ("MusicSegmentDetect", "AudioQualityAssessment") else "mp4"
    return {
        "function_name": function,
        "input": {"Type": "OSS", "Media": f"{BUCKET}/in/media-{index:04d}.{suffix}"},
        "output": {"Type": "OSS", "Media": f"{BUCKET}/out/{function.lower()}/{index:04d}/"},
    }


with DAG(
    dag_id=DAG_ID,
    description="airflow_ice deployment test: many deferred ICE jobs under faults",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["ice", "deployment-test"],
) as dag:
    IceIProductionJobOperator.partial(
        task_id=IPRODUCTION_TASK_ID,
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        timeout=timedelta(minutes=30),
        retries=0,
    ).expand_kwargs([iproduction_kwargs(index) for index in range(IPRODUCTION_TASKS)])

    IceYikeStoryboardJobOperator.partial(
        task_id=STORYBOARD_TASK_ID,
        source_type="Novel",
        shot_split_mode="firstPersonNarration",
        style_id="Ghibli",
        aspect_ratio="16:9",
        resolution="1080P",
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        timeout=timedelta(minutes=30),
        retries=0,
    ).expand(file_url=[f"{BUCKET}/novels/chapter-{index:03d}.txt" for index in range(STORYBOARD_TASKS)])

    IceIProductionJobOperator(
        task_id=IN_WORKER_TASK_ID,
        function_name="VideoClip",
        input={"Type": "OSS", "Media": f"{BUCKET}/in/keynote.mp4"},
        output={"Type": "OSS", "Media": f"{BUCKET}/out/keynote-clips/"},
        deferrable=False,
        poll_interval=1.0,
        timeout=timedelta(minutes=30),
        retries=2,
        retry_delay=timedelta(seconds=2),
        # Runs first, so that its job is long from finished when the test kills its process.
        priority_weight=1000,
    )
