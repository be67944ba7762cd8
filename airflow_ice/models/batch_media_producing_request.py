"""What SubmitBatchMediaProducingJob (many videos from one set of materials) takes, checked before
anything is sent."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, field_validator

from airflow_ice.models.json_text import decode_json_text
from airflow_ice.models.request_fields import RequestModel, client_token_text, json_text, text_or_json


def _json_object_text(value: Any) -> Any:
    """A dict (written as compact JSON) or JSON text of an object."""
    value = json_text(value)
    if isinstance(value, str) and not isinstance(decode_json_text(value), dict):
        raise ValueError(f"{value[:80]!r} is not a JSON object")
    return value


class BatchMediaProducingJobRequest(RequestModel):
    """The parameters of SubmitBatchMediaProducingJob: ``InputConfig`` and ``EditingConfig`` in the
    body, the others in the query (as the official SDK places them), objects as compact JSON.

    :param input_config: the materials (``MediaGroupArray``, ``TitleArray``, ``SpeechTextArray``, ...).
    :param output_config: the videos to make: ``MediaURL`` (an OSS URL with ``{index}``, one file per
        video) or ``StorageLocation`` and ``FileName`` (VOD), ``Count``, ``MaxDuration``, ``Width``,
        ``Height``, ...
    :param editing_config: how to edit (``MediaConfig``, ``TitleConfig``, ``SpeechConfig``, ...).
    :param template_config: the one-click production templates to draw from.
    :param user_data: your data (JSON text of an object).
    :param client_token: ICE's idempotency token (ASCII, at most 64 characters).
    """

    input_config: Annotated[str, BeforeValidator(_json_object_text)] = Field(alias="InputConfig")
    output_config: Annotated[str, BeforeValidator(_json_object_text)] = Field(alias="OutputConfig")
    editing_config: Annotated[str | None, BeforeValidator(_json_object_text)] = Field(
        None, alias="EditingConfig"
    )
    template_config: Annotated[str | None, BeforeValidator(text_or_json)] = Field(
        None, alias="TemplateConfig"
    )
    user_data: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="UserData")
    client_token: Annotated[str | None, AfterValidator(client_token_text)] = Field(None, alias="ClientToken")

    @field_validator("output_config")
    @classmethod
    def _names_where_videos_go(cls, value: str) -> str:
        config = decode_json_text(value)
        if not config.get("MediaURL") and not (config.get("StorageLocation") and config.get("FileName")):
            raise ValueError("OutputConfig needs MediaURL (OSS), or StorageLocation and FileName (VOD)")
        count = config.get("Count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
            raise ValueError(
                f"OutputConfig.Count must be a whole number of videos, at least 1, got {count!r}"
            )
        return value

    @property
    def requested_outputs(self) -> list[str]:
        """``OutputConfig.MediaURL``, where the videos go (``{index}`` unexpanded)."""
        url = decode_json_text(self.output_config).get("MediaURL")
        return [url] if isinstance(url, str) and url else []

    def to_query(self) -> dict[str, str]:
        """``OutputConfig``, ``TemplateConfig``, ``UserData``, ``ClientToken``."""
        query = {
            "OutputConfig": self.output_config,
            "TemplateConfig": self.template_config,
            "UserData": self.user_data,
            "ClientToken": self.client_token,
        }
        return {key: value for key, value in query.items() if value is not None}

    def to_body(self) -> dict[str, str]:
        """``InputConfig`` and ``EditingConfig``."""
        body = {"InputConfig": self.input_config, "EditingConfig": self.editing_config}
        return {key: value for key, value in body.items() if value is not None}
