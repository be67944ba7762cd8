"""Operator running one speech recognition (speech to text) job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow_ice.families.asr import ASR
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

_REQUEST_FIELDS = (
    "input_file",
    "editing_config",
    "start_time",
    "duration",
    "title",
    "description",
    "user_data",
)


class IceAsrJobOperator(IceJobOperator):
    """Recognise the speech of an audio or video (SubmitASRJob) and wait; return the parsed job.

    The return value is the job's ``to_xcom()`` form: ``job_id``, ``status``, ``ai_result`` (the
    sentences, ``[{"content", "from", "to"}]``, seconds), ``input_file``, ``error_code`` and
    ``error_message``, ``title``, ``user_data``, times. ICE takes no ``ClientToken`` for these jobs:
    a submit whose answer was lost fails the task without retry (look for the job by its
    ``UserData`` tag). ICE has no cancel action for them. Parameters are templated and validated
    before anything is submitted. See :class:`~airflow_ice.operators.base.IceJobOperator` for
    waiting, retries and reattaching.

    :param input_file: the audio or video: ``oss://bucket/key`` (or its HTTPS URL) or a media id.
    :param editing_config: recognition settings, a dict or JSON text (``HotwordLibraryIdList``,
        ``SentenceMaxLength``, ``EnableSemanticSentenceDetection``).
    :param start_time: where to start, e.g. ``00:00:00``.
    :param duration: how much to recognise, e.g. ``00:10:00``.
    :param title: the job's title (at most 128 bytes).
    :param description: the job's description (at most 128 bytes).
    :param user_data: your own data (a JSON object); the task's tag is added.
    """

    family = ASR
    trigger_class = TriggerClass("airflow_ice.triggers.asr:IceAsrJobTrigger")
    request_fields = _REQUEST_FIELDS
    template_fields: Sequence[str] = (*_REQUEST_FIELDS, *IceJobOperator.wait_template_fields)
    template_fields_renderers: ClassVar[dict[str, str]] = {"editing_config": "json", "user_data": "json"}

    def __init__(
        self,
        *,
        input_file: str,
        editing_config: dict[str, Any] | str | None = None,
        start_time: str | None = None,
        duration: str | None = None,
        title: str | None = None,
        description: str | None = None,
        user_data: dict[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input_file = input_file
        self.editing_config = editing_config
        self.start_time = start_time
        self.duration = duration
        self.title = title
        self.description = description
        self.user_data = user_data
        self.check_literal_parameters()
