"""What SubmitMediaCensorJob (content moderation) takes, checked before anything is sent."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from airflow_ice.models.json_text import compact_json
from airflow_ice.models.request_fields import (
    MediaFile,
    RequestModel,
    ScheduleConfig,
    json_list,
    json_object,
    json_text,
    max_utf8_bytes,
)

# ICE's limits (the SDK's comments): the title at most 64 bytes, the description 128, five covers.
TITLE_MAX_BYTES = 64
DESCRIPTION_MAX_BYTES = 128
COVER_IMAGES_MAX = 5


class CensorCoverImage(RequestModel):
    """One of ``CoverImages``: an OSS image to moderate as the video's cover.

    :param bucket: the OSS bucket; ``location``: its region, e.g. ``oss-cn-shanghai``.
    :param object: the object's key.
    :param role_arn: the RAM role ICE reads it with, e.g. ``acs:ram::<uid>:role/AliyunICEDefaultRole``.
    """

    bucket: str = Field(alias="Bucket", min_length=1)
    location: str = Field(alias="Location", min_length=1)
    object: str = Field(alias="Object", min_length=1)
    role_arn: str | None = Field(None, alias="RoleArn", min_length=1)


class MediaCensorJobRequest(RequestModel):
    """The parameters of SubmitMediaCensorJob (all in the query; ``Input``, ``ScheduleConfig`` and
    ``CoverImages`` as compact JSON).

    :param input: the video, audio or image: ``{"Type": "OSS" | "Media", "Media": ...}``.
    :param output: where ICE writes the moderated frames, ``oss://bucket/dir/snapshot-{Count}.jpg``;
        the full results go to ``{JobId}.output`` in the same folder.
    :param template_id: the moderation template (None: ICE's default template).
    :param title: the title to moderate (at most 64 bytes in UTF-8); overrides the media asset's.
    :param description: the description to moderate (at most 128 bytes); overrides the media asset's.
    :param barrages: the bullet comments (barrages) to moderate; override the media asset's.
    :param cover_images: up to five cover images to moderate, each ``{"Bucket", "Location",
        "Object", "RoleArn"}``; override the media asset's.
    :param notify_url: the callback (MNS or HTTP) ICE calls when the job ends.
    :param user_data: your data (JSON text of an object).
    :param schedule_config: ``{"PipelineId", "Priority"}``.
    """

    input: Annotated[MediaFile, BeforeValidator(json_object)] = Field(alias="Input")
    output: str | None = Field(None, alias="Output", min_length=1)
    template_id: str | None = Field(None, alias="TemplateId", min_length=1)
    title: Annotated[str | None, AfterValidator(max_utf8_bytes(TITLE_MAX_BYTES))] = Field(None, alias="Title")
    description: Annotated[str | None, AfterValidator(max_utf8_bytes(DESCRIPTION_MAX_BYTES))] = Field(
        None, alias="Description"
    )
    barrages: str | None = Field(None, alias="Barrages", min_length=1)
    cover_images: Annotated[list[CensorCoverImage] | None, BeforeValidator(json_list)] = Field(
        None, alias="CoverImages", min_length=1, max_length=COVER_IMAGES_MAX
    )
    notify_url: str | None = Field(None, alias="NotifyUrl", min_length=1)
    user_data: Annotated[str | None, BeforeValidator(json_text)] = Field(None, alias="UserData")
    schedule_config: Annotated[ScheduleConfig | None, BeforeValidator(json_object)] = Field(
        None, alias="ScheduleConfig"
    )

    def to_query(self) -> dict[str, str]:
        """Every parameter given, by ICE's names; the objects and the cover list as compact JSON."""
        nested = {"input", "cover_images", "schedule_config"}
        query: dict[str, str] = {"Input": self.input.api_json()}
        query.update(self.model_dump(by_alias=True, exclude_none=True, exclude=nested))
        if self.cover_images is not None:
            query["CoverImages"] = compact_json(
                [image.model_dump(by_alias=True, exclude_none=True) for image in self.cover_images]
            )
        if self.schedule_config is not None:
            query["ScheduleConfig"] = self.schedule_config.api_json()
        return query
