"""Operator running one video translation job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow_ice.families.video_translation import VIDEO_TRANSLATION
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

_REQUEST_FIELDS = (
    "input_config",
    "editing_config",
    "output_config",
    "title",
    "description",
    "user_data",
)


class IceVideoTranslationJobOperator(IceJobOperator):
    """Translate a video's speech or subtitles (SubmitVideoTranslationJob) and wait; return the parsed job.

    The return value is the job's ``to_xcom()`` form: ``job_id``, ``status``, ``media_url`` (the
    translated file), ``ai_result``, ``error_code`` and ``error_message``, ``title``, ``user_data``,
    times. ICE takes a ``ClientToken`` for these jobs: a submit whose answer was lost is resent with
    the same token, so a retry never pays twice. ICE has no cancel action for them. Parameters are
    templated and validated before anything is submitted. See
    :class:`~airflow_ice.operators.base.IceJobOperator` for waiting, retries and reattaching.

    :param input_config: ``{"Type": "Video", "Video": ...}`` (or ``Audio``, ``Subtitle``): a media
        id or URL.
    :param editing_config: ``{"SourceLanguage", "TargetLanguage", ...}`` (subtitle erasing and
        translation settings passed on).
    :param output_config: ``{"MediaURL": ...}``, the file to write.
    :param title: the job's title.
    :param description: the job's description.
    :param user_data: your own data (a JSON object); the task's tag is added.
    """

    family = VIDEO_TRANSLATION
    trigger_class = TriggerClass("airflow_ice.triggers.video_translation:IceVideoTranslationJobTrigger")
    request_fields = _REQUEST_FIELDS
    template_fields: Sequence[str] = (*_REQUEST_FIELDS, *IceJobOperator.wait_template_fields)
    template_fields_renderers: ClassVar[dict[str, str]] = {
        "input_config": "json",
        "editing_config": "json",
        "output_config": "json",
        "user_data": "json",
    }

    def __init__(
        self,
        *,
        input_config: dict[str, Any] | str,
        editing_config: dict[str, Any] | str,
        output_config: dict[str, Any] | str,
        title: str | None = None,
        description: str | None = None,
        user_data: dict[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input_config = input_config
        self.editing_config = editing_config
        self.output_config = output_config
        self.title = title
        self.description = description
        self.user_data = user_data
        self.check_literal_parameters()
