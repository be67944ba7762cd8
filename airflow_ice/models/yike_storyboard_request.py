"""What SubmitYikeStoryboardJob takes, checked before anything is sent."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from airflow_ice.models.request_fields import RequestModel, json_text, max_utf8_bytes

TITLE_MAX_BYTES = 128


class YikeStoryboardJobRequest(RequestModel):
    """The parameters of SubmitYikeStoryboardJob.

    Build it with :func:`airflow_ice.models.validate_request` to get an ``IceInvalidRequestError``
    that names each bad field; constructing it directly raises ``pydantic.ValidationError``.
    Every parameter is optional, as in ICE's API reference and the official SDK (neither marks one
    required); one that is given must not be empty.

    :param file_url: OSS URL of the source text (.txt or .doc). Sent in the body.
    :param source_type: kind of source, e.g. ``Novel``. Sent in the body.
    :param shot_split_mode: how shots are split, e.g. ``firstPersonNarration``. Sent in the body.
    :param style_id: visual style, e.g. ``RealisticPhotography``. Sent in the body.
    :param title: job title, at most 128 bytes in UTF-8.
    :param aspect_ratio: ``16:9``, ``9:16``, ``4:3`` or ``3:4``.
    :param resolution: ``720P``, ``1080P``, ``2K`` or ``4K``.
    :param video_model: video model, e.g. ``wan2.6-r2v-flash``.
    :param shot_prompt_mode: ``multi`` or ``default``.
    :param narration_voice_id: narration voice, e.g. ``sys_YoungGracefulWoman``.
    :param model_params: model parameters, a dict (sent as compact JSON) or JSON text.
    :param exec_mode: ``FullPipeline`` or ``StoryboardOnly``.
    :param skip_failure_shot: whether failed shots are skipped (ICE's default is true).
    :param user_data: a dict or JSON text, e.g. ``{"NotifyAddress": "https://..."}``.
    """

    file_url: str | None = Field(None, alias="FileURL", min_length=1)
    source_type: str | None = Field(None, alias="SourceType", min_length=1)
    shot_split_mode: str | None = Field(None, alias="ShotSplitMode", min_length=1)
    style_id: str | None = Field(None, alias="StyleId", min_length=1)
    title: Annotated[str | None, AfterValidator(max_utf8_bytes(TITLE_MAX_BYTES))] = Field(None, alias="Title")
    aspect_ratio: Literal["16:9", "9:16", "4:3", "3:4"] | None = Field(None, alias="AspectRatio")
    resolution: Literal["720P", "1080P", "2K", "4K"] | None = Field(None, alias="Resolution")
    video_model: str | None = Field(None, alias="VideoModel", min_length=1)
    shot_prompt_mode: Literal["multi", "default"] | None = Field(None, alias="ShotPromptMode")
    narration_voice_id: str | None = Field(None, alias="NarrationVoiceId", min_length=1)
    model_params: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="ModelParams")
    exec_mode: Literal["FullPipeline", "StoryboardOnly"] | None = Field(None, alias="ExecMode")
    skip_failure_shot: bool | None = Field(None, alias="SkipFailureShot")
    user_data: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="UserData")

    def to_body(self) -> dict[str, str]:
        """The form-encoded body parameters given: FileURL, SourceType, ShotSplitMode, StyleId."""
        body: dict[str, str | None] = {
            "FileURL": self.file_url,
            "SourceType": self.source_type,
            "ShotSplitMode": self.shot_split_mode,
            "StyleId": self.style_id,
        }
        return {key: value for key, value in body.items() if value is not None}

    def to_query(self) -> dict[str, str]:
        """The query parameters (everything but the body ones), None left out, booleans as True/False."""
        optional: dict[str, str | None] = {
            "Title": self.title,
            "AspectRatio": self.aspect_ratio,
            "Resolution": self.resolution,
            "VideoModel": self.video_model,
            "ShotPromptMode": self.shot_prompt_mode,
            "NarrationVoiceId": self.narration_voice_id,
            "ModelParams": self.model_params,
            "ExecMode": self.exec_mode,
            "SkipFailureShot": None if self.skip_failure_shot is None else str(self.skip_failure_shot),
            "UserData": self.user_data,
        }
        return {key: value for key, value in optional.items() if value is not None}
