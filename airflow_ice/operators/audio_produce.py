"""Operator running one text to speech job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow_ice.families.audio_produce import AUDIO_PRODUCE
from airflow_ice.operators.base import IceJobOperator
from airflow_ice.triggers.reference import TriggerClass

_REQUEST_FIELDS = (
    "input_config",
    "editing_config",
    "output_config",
    "overwrite",
    "title",
    "description",
    "user_data",
)


class IceAudioProduceJobOperator(IceJobOperator):
    """Speak a text (SubmitAudioProduceJob) and wait; return the parsed job.

    The return value is the job's ``to_xcom()`` form: ``job_id``, ``status``, ``media_url`` (the
    voice track) and ``media_id``, ``error_code`` and ``error_message``, ``title``, ``user_data``,
    times. ICE takes no ``ClientToken`` for these jobs: a submit whose answer was lost fails the
    task without retry (look for the job by its ``UserData`` tag). ICE has no cancel action for
    them. Parameters are templated and validated before anything is submitted. See
    :class:`~airflow_ice.operators.base.IceJobOperator` for waiting, retries and reattaching.

    :param input_config: the text to speak, at most 10,000 characters (SSML allowed).
    :param editing_config: the voice: a dict or JSON text (``voice`` or ``customizedVoice``,
        ``format`` PCM/WAV/MP3, ``volume`` 0-100, ``speech_rate`` and ``pitch_rate`` -500 to 500).
    :param output_config: where the track goes, ``{"bucket", "object"}`` (ICE adds the format's
        extension).
    :param overwrite: whether to overwrite an existing object.
    :param title: the job's title (at most 128 bytes).
    :param description: the job's description (at most 1024 bytes).
    :param user_data: your own data (a JSON object); the task's tag is added.
    """

    family = AUDIO_PRODUCE
    trigger_class = TriggerClass("airflow_ice.triggers.audio_produce:IceAudioProduceJobTrigger")
    request_fields = _REQUEST_FIELDS
    template_fields: Sequence[str] = (*_REQUEST_FIELDS, *IceJobOperator.wait_template_fields)
    template_fields_renderers: ClassVar[dict[str, str]] = {
        "editing_config": "json",
        "output_config": "json",
        "user_data": "json",
    }

    def __init__(
        self,
        *,
        input_config: str,
        editing_config: dict[str, Any] | str,
        output_config: dict[str, Any] | str,
        overwrite: bool | None = None,
        title: str | None = None,
        description: str | None = None,
        user_data: dict[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input_config = input_config
        self.editing_config = editing_config
        self.output_config = output_config
        self.overwrite = overwrite
        self.title = title
        self.description = description
        self.user_data = user_data
        self.check_literal_parameters()
