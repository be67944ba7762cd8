"""Operator running one smart tagging job (labels, faces, OCR, ASR, ... of a video)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow_ice.families.smarttag import SMARTTAG
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

_REQUEST_FIELDS = (
    "input",
    "template_id",
    "params",
    "template_config",
    "title",
    "content",
    "notify_url",
    "user_data",
    "schedule_config",
)
# An operator's params are the DAG's params, so ICE's Params are given as job_params.
_TEMPLATED = tuple("job_params" if name == "params" else name for name in _REQUEST_FIELDS)
# ICE's limit on this action's UserData (1 KB).
SMARTTAG_USER_DATA_MAX_BYTES = 1024


class IceSmarttagJobOperator(IceJobOperator):
    """Tag media (SubmitSmarttagJob) and wait; return the job with its results decoded by type.

    The return value is the job's ``to_xcom()`` form: ``job_id``, ``status``, ``result_types``,
    ``results`` (type -> the decoded ``Data`` of each result: ``TextLabel``, ``VideoLabel``,
    ``Face``, ``OCR``, ``ASR``, ``Meta``, ...), ``user_data``. ICE takes no ``ClientToken`` here:
    a submit whose answer was lost fails the task without retry. No output file, so no output link.
    See :class:`~airflow_ice.operators.base.IceJobOperator` for waiting, retries and reattaching.

    :param input: ``{"Type": "OSS" | "Media" | "URL", "Media": ...}``.
    :param template_id: the template naming the analyses.
    :param job_params: ICE's ``Params``, extra parameters, e.g. ``{"needAsrData": true}`` (named so
        because an operator's ``params`` are the DAG's).
    :param template_config: what the job changes in the template, e.g. ``{"FaceCategoryIds": "..."}``.
    :param title: the content's title (256 bytes at most).
    :param content: a description of the content (1 KB at most).
    :param notify_url: an HTTP(S) callback URL.
    :param user_data: your own data (a JSON object, 1 KB at most with the task tag).
    :param schedule_config: ``{"PipelineId": ..., "Priority": 1-10}``.
    """

    family = SMARTTAG
    trigger_class = TriggerClass("airflow_ice.triggers.smarttag:IceSmarttagJobTrigger")
    request_fields = _REQUEST_FIELDS
    request_attributes: ClassVar[dict[str, str]] = {"params": "job_params"}
    user_data_limit = SMARTTAG_USER_DATA_MAX_BYTES
    template_fields: Sequence[str] = (*_TEMPLATED, *IceJobOperator.wait_template_fields)
    template_fields_renderers: ClassVar[dict[str, str]] = {
        name: "json" for name in ("input", "job_params", "template_config", "user_data", "schedule_config")
    }

    def __init__(
        self,
        *,
        input: dict[str, Any] | str,
        template_id: str | None = None,
        job_params: dict[str, Any] | str | None = None,
        template_config: dict[str, Any] | str | None = None,
        title: str | None = None,
        content: str | None = None,
        notify_url: str | None = None,
        user_data: dict[str, Any] | str | None = None,
        schedule_config: dict[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input = input
        self.template_id = template_id
        self.job_params = job_params
        self.template_config = template_config
        self.title = title
        self.content = content
        self.notify_url = notify_url
        self.user_data = user_data
        self.schedule_config = schedule_config
        self.check_literal_parameters()
