"""A job kind the provider has no family for, declared where it is used: video cognition
(SubmitVideoCognitionJob / QueryVideoCognitionJob). docs/families/declared.md includes it;
tests/docs/test_examples.py runs it.

Connection ``ice_default`` (type ``alibaba_ice``); the video is a param.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, Param

from airflow_ice.jobs.declared_family import DeclaredJobFamily
from airflow_ice.operators.declared import IceDeclaredJobOperator

# [START declaration]
# Checked when the DAG file is parsed: a malformed declaration fails the import, naming what is wrong.
VIDEO_COGNITION = DeclaredJobFamily(
    name="Video cognition",
    submit_action="SubmitVideoCognitionJob",
    get_action="QueryVideoCognitionJob",
    status_field="JobStatus",  # the read's answer is the job: no job_envelope
    success_statuses=["Success"],
    failure_statuses=["Fail"],
    tags_user_data=True,  # its submit takes UserData: the task's tag goes in it
    # No client_token: ICE's submit takes none, so a submit whose answer was lost fails the task
    # without retry. No cancel_action: ICE has none for these jobs.
)
# [END declaration]

with DAG(
    dag_id="ice_declared_video_cognition",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    params={"video": Param("oss://my-bucket/incoming/match.mp4", type="string")},
) as dag:
    # [START operator]
    labels = IceDeclaredJobOperator(
        task_id="labels",
        family=VIDEO_COGNITION,
        parameters={
            "Input": {"Type": "OSS", "Media": "{{ params.video }}"},
            "TemplateId": "S00000101-300080",
            "Params": {"needAsrData": True, "needOcrData": True},
            "UserData": {"source": "match-upload"},
        },
        deferrable=True,
    )
    # [END operator]
