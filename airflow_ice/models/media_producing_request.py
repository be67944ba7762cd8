"""What SubmitMediaProducingJob (timeline editing) takes, checked before anything is sent."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from airflow_ice.models.limits import MEDIA_PRODUCING_USER_DATA_MAX_BYTES
from airflow_ice.models.request_fields import RequestModel, client_token_text, json_text, max_utf8_bytes


class MediaProducingJobRequest(RequestModel):
    """The parameters of SubmitMediaProducingJob.

    Exactly one of ``timeline``, ``template_id`` (with ``clips_param``) or ``project_id`` says what
    to render. Object parameters are given as dicts (sent as compact JSON) or JSON text. Build it
    with :func:`airflow_ice.models.validate_request` to get an ``IceInvalidRequestError`` naming
    each bad field.

    :param output_media_config: where the result goes: ``{"MediaURL": "https://bucket.oss-...
        /out.mp4"}`` for OSS, ``{"StorageLocation", "FileName"}`` for VOD; also ``Width``,
        ``Height``, ``Bitrate``, ...
    :param timeline: the editing timeline (tracks, clips, effects). Sent in the body.
    :param template_id: a standard or advanced template (then ``clips_param`` is required).
    :param clips_param: the template's materials.
    :param project_id: an editing project made with CreateEditingProject.
    :param output_media_target: ``oss-object`` (ICE's default), ``vod-media`` or ``S3``.
    :param editing_produce_config: producing settings, e.g. ``{"CoverConfig": ...}``.
    :param media_metadata: metadata of the produced media (``Title``, ``Tags``, ...).
    :param project_metadata: metadata of the editing project.
    :param source: ``OpenAPI``, ``AliyunConsole`` or ``WebSDK``.
    :param user_data: your data, e.g. ``{"NotifyAddress": "https://..."}``, at most 512 bytes.
    :param client_token: ICE's idempotency token (ASCII, at most 64 characters): the same token
        returns the same job. The operator sets one per task instance and try.
    """

    output_media_config: Annotated[str, BeforeValidator(json_text)] = Field(alias="OutputMediaConfig")
    timeline: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="Timeline")
    template_id: str | None = Field(None, alias="TemplateId", min_length=1)
    clips_param: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="ClipsParam")
    project_id: str | None = Field(None, alias="ProjectId", min_length=1)
    output_media_target: Literal["oss-object", "vod-media", "S3"] | None = Field(
        None, alias="OutputMediaTarget"
    )
    editing_produce_config: Annotated[str | None, BeforeValidator(json_text)] = Field(
        None, alias="EditingProduceConfig"
    )
    media_metadata: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="MediaMetadata")
    project_metadata: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="ProjectMetadata")
    source: Literal["OpenAPI", "AliyunConsole", "WebSDK"] | None = Field(None, alias="Source")
    user_data: Annotated[
        str | None,
        BeforeValidator(json_text),
        AfterValidator(max_utf8_bytes(MEDIA_PRODUCING_USER_DATA_MAX_BYTES)),
    ] = Field(None, alias="UserData")
    client_token: Annotated[str | None, AfterValidator(client_token_text)] = Field(None, alias="ClientToken")

    @model_validator(mode="after")
    def _one_source_and_a_target(self) -> MediaProducingJobRequest:
        given = [name for name in ("timeline", "template_id", "project_id") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of timeline, template_id or project_id (Timeline, TemplateId, "
                f"ProjectId); got {', '.join(given) or 'none'}"
            )
        if self.template_id and not self.clips_param:
            raise ValueError("clips_param (ClipsParam) is required with template_id")
        _check_output_media_config(self.output_media_config, self.output_media_target)
        return self

    @property
    def output_media_url(self) -> str | None:
        """``OutputMediaConfig.MediaURL``, where the rendered file goes (OSS and S3 targets)."""
        url = json.loads(self.output_media_config).get("MediaURL")
        return url if isinstance(url, str) and url else None

    def to_body(self) -> dict[str, str]:
        """The form-encoded body: ``Timeline`` (timelines are long)."""
        return {"Timeline": self.timeline} if self.timeline is not None else {}

    def to_query(self) -> dict[str, str]:
        """The query parameters: everything but ``Timeline``, None left out."""
        values = self.model_dump(by_alias=True, exclude_none=True, exclude={"timeline"})
        return {key: str(value) for key, value in values.items()}


def _check_output_media_config(text: str, target: str | None) -> None:
    config: Any = json.loads(text)
    if not isinstance(config, dict):
        raise ValueError("output_media_config (OutputMediaConfig) must be a JSON object")
    if target == "vod-media":
        missing = [name for name in ("StorageLocation", "FileName") if not config.get(name)]
    else:
        missing = [] if config.get("MediaURL") else ["MediaURL"]
    if missing:
        # Name the other targets too: a user who meant a VOD media asset sees how to ask for one.
        named = f"{target!r}" if target else "'oss-object' (the default)"
        other = (
            "for an OSS or S3 file give MediaURL (output_media_target 'oss-object' or 'S3')"
            if target == "vod-media"
            else "for a VOD media asset set output_media_target='vod-media' and give StorageLocation and FileName"
        )
        raise ValueError(
            f"output_media_config (OutputMediaConfig) needs {' and '.join(missing)} for output_media_target "
            f"{named}; {other}"
        )
