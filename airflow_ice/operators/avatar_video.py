"""Operator running one avatar video job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow_ice.families.avatar_video import AVATAR_VIDEO
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


class IceAvatarVideoJobOperator(IceJobOperator):
    """Render an avatar speaking a text or a voice file (SubmitAvatarVideoJob) and wait; return the parsed job.

    The return value is the job's ``to_xcom()`` form: ``job_id``, ``status``, ``media_url`` (the
    video) and ``media_id``, ``ai_result`` (the sentences' timestamps), ``error_code`` and
    ``error_message``, ``title``, ``user_data``, times. ICE takes no ``ClientToken`` for these jobs:
    a submit whose answer was lost fails the task without retry (look for the job by its
    ``UserData`` tag). ICE has no cancel action for them. Parameters are templated and validated
    before anything is submitted. See :class:`~airflow_ice.operators.base.IceJobOperator` for
    waiting, retries and reattaching.

    :param input_config: what the avatar says: ``{"Text": ...}`` (at least five characters) or
        ``{"InputFile": ...}`` (an MP3 or WAV voice).
    :param editing_config: the avatar: ``{"AvatarId": ..., ...}`` (voice and speech rate passed on).
    :param output_config: the video: ``{"MediaURL": ...}`` (MP4 or WebM), size and bit rate passed
        on.
    :param title: the job's title (at most 128 bytes).
    :param description: the job's description (at most 128 bytes).
    :param user_data: your own data (a JSON object); the task's tag is added.
    """

    family = AVATAR_VIDEO
    trigger_class = TriggerClass("airflow_ice.triggers.avatar_video:IceAvatarVideoJobTrigger")
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
