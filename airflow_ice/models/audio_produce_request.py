"""What SubmitAudioProduceJob (text to speech) takes, checked before anything is sent."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from airflow_ice.models.request_fields import (
    OpenRequestModel,
    json_object,
    json_text,
    max_utf8_bytes,
)
from airflow_ice.models.smart_job_request import SmartJobRequest

# ICE's limits (the API reference and the SDK's comments).
TEXT_MAX_CHARS = 10_000
TITLE_MAX_BYTES = 128
DESCRIPTION_MAX_BYTES = 1024
FORMATS = ("PCM", "WAV", "MP3")


def _format(value: str | None) -> str | None:
    if value is not None and value.upper() not in FORMATS:
        raise ValueError(f"{value!r} is not one of {', '.join(FORMATS)}")
    return value


class AudioProduceEditingConfig(OpenRequestModel):
    """``EditingConfig``: the voice (ICE's lower-case names; others passed on as given).

    :param voice: one of ICE's voices, e.g. ``Siqi``.
    :param customized_voice: a cloned voice's ``VoiceId`` (wins over ``voice``).
    :param format: ``PCM``, ``WAV`` or ``MP3``.
    :param volume: 0 to 100 (ICE's default 50).
    :param speech_rate: -500 to 500 (0.5x to 2x; ICE's default 0).
    :param pitch_rate: -500 to 500 (ICE's default 0).
    """

    voice: str | None = Field(None, alias="voice", min_length=1)
    customized_voice: str | None = Field(None, alias="customizedVoice", min_length=1)
    format: Annotated[str | None, AfterValidator(_format)] = Field(None, alias="format")
    volume: int | None = Field(None, alias="volume", ge=0, le=100)
    speech_rate: int | None = Field(None, alias="speech_rate", ge=-500, le=500)
    pitch_rate: int | None = Field(None, alias="pitch_rate", ge=-500, le=500)


class AudioProduceOutputConfig(OpenRequestModel):
    """``OutputConfig``: where the voice track goes (ICE adds the format's extension to ``object``).

    :param bucket: the OSS bucket.
    :param object: the object's name, e.g. ``voice/intro``.
    """

    bucket: str = Field(alias="bucket", min_length=1)
    object: str = Field(alias="object", min_length=1)


class AudioProduceJobRequest(SmartJobRequest):
    """The parameters of SubmitAudioProduceJob (all in the query; the configurations as JSON text).

    :param input_config: the text to speak, at most 10,000 characters (SSML allowed).
    :param editing_config: the voice, format, volume, speech and pitch rates.
    :param output_config: ``{"bucket", "object"}`` of the voice track.
    :param overwrite: whether to overwrite an existing object.
    :param title: the job's title (at most 128 bytes in UTF-8).
    :param description: the job's description (at most 1024 bytes in UTF-8).
    :param user_data: your data (JSON text of an object).
    """

    input_config: str = Field(alias="InputConfig", min_length=1, max_length=TEXT_MAX_CHARS)
    editing_config: Annotated[AudioProduceEditingConfig, BeforeValidator(json_object)] = Field(
        alias="EditingConfig"
    )
    output_config: Annotated[AudioProduceOutputConfig, BeforeValidator(json_object)] = Field(
        alias="OutputConfig"
    )
    overwrite: bool | None = Field(None, alias="Overwrite")
    title: Annotated[str | None, AfterValidator(max_utf8_bytes(TITLE_MAX_BYTES))] = Field(None, alias="Title")
    description: Annotated[str | None, AfterValidator(max_utf8_bytes(DESCRIPTION_MAX_BYTES))] = Field(
        None, alias="Description"
    )
    user_data: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="UserData")
