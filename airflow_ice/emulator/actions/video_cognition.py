"""Video cognition jobs: SubmitVideoCognitionJob and QueryVideoCognitionJob, the successor of smart
tagging with the same shape (no family module: the docs' example of a kind declared in a DAG,
:class:`~airflow_ice.jobs.declared_family.DeclaredJobFamily`).

Conventions: an input Media containing ``fail`` ends ``Fail``. Statuses: ``Submitted``,
``Processing``, then ``Success`` or ``Fail``. Unlike smart tagging's answer, the results' list is
``Results.result`` (lower case, as the official SDK reads it) and the answer echoes ``Input``,
``TemplateId`` and ``Params``. No ClientToken.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_ice.emulator.actions.base import json_object, max_length
from airflow_ice.emulator.actions.lifecycle import LifecycleJob
from airflow_ice.emulator.actions.smarttag import SmarttagActions, analysed_input


class VideoCognitionActions(SmarttagActions):
    """The video cognition action group: smart tagging's lifecycle and answers under its own actions."""

    SUBMIT = "SubmitVideoCognitionJob"
    GET = "QueryVideoCognitionJob"

    def check(self, params: Mapping[str, str]) -> bool:
        """ICE's checks: an Input; JSON Params and TemplateConfig; the documented lengths."""
        job_input = analysed_input(params)
        max_length("Title", params.get("Title"), 256, in_bytes=True)
        max_length("UserData", params.get("UserData"), 1024, in_bytes=True)
        return "fail" in str(job_input["Media"]).lower()

    def describe(self, job: LifecycleJob, now: float) -> dict[str, Any]:
        """The QueryVideoCognitionJob body (without RequestId): it does not name the job."""
        body = super().describe(job, now)
        results = body.pop("Results", None)
        body.pop("Usages", None)
        if results is not None:
            body["Results"] = {"result": results["Result"]}
        echoed = {
            "Input": json_object(job.params, "Input"),
            "TemplateId": job.params.get("TemplateId"),
            "Params": job.params.get("Params"),
        }
        return {**body, **{key: value for key, value in echoed.items() if value is not None}}
