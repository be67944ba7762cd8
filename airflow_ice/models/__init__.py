"""Pydantic models of ICE requests and responses.

Responses (``IProductionJob``, ``SnapshotJob``, ...) are parsed leniently: a body with a JobId never
fails to parse, and what could not be read is listed in ``parse_warnings``. Requests
(``IProductionJobRequest``, ...) are strict and are built with :func:`validate_request`, which
raises ``IceInvalidRequestError`` naming each bad field.

Every name is imported from its module on first use: a DAG file that uses one family builds the
pydantic models of that family only.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_ice.models.asr_request import AsrJobRequest
    from airflow_ice.models.audio_produce_request import AudioProduceJobRequest
    from airflow_ice.models.avatar_video_request import AvatarVideoJobRequest
    from airflow_ice.models.batch_media_producing_job import BatchMediaProducingJob, BatchSubJob
    from airflow_ice.models.batch_media_producing_request import BatchMediaProducingJobRequest
    from airflow_ice.models.dynamic_image_job import DynamicImageJob
    from airflow_ice.models.dynamic_image_request import DynamicImageJobRequest
    from airflow_ice.models.functions import IPRODUCTION_FUNCTIONS
    from airflow_ice.models.highlight_extraction_request import HighlightExtractionJobRequest
    from airflow_ice.models.iproduction_job import (
        IProductionJob,
        IProductionJobInput,
        IProductionJobOutput,
        IProductionScheduleInfo,
    )
    from airflow_ice.models.iproduction_request import (
        IProductionInput,
        IProductionJobRequest,
        IProductionOutput,
    )
    from airflow_ice.models.iproduction_results import (
        AudioQualityAssessmentResult,
        AudioQualityReport,
        CoverFrame,
        CoverResult,
        EmptyResult,
        IProductionResult,
        MusicSegment,
        MusicSegmentDetectResult,
        OtherResult,
        VideoClipResult,
        VideoSegment,
        decode_result,
    )
    from airflow_ice.models.json_text import compact_json, decode_json_text
    from airflow_ice.models.media_censor_job import (
        CensorFrame,
        CensorOssObject,
        CensorSuggestion,
        CensorVerdict,
        CoverImageCensorResult,
        MediaCensorJob,
        VideoCensorConfig,
        VideoCensorResult,
    )
    from airflow_ice.models.media_censor_request import (
        CensorCoverImage,
        MediaCensorJobRequest,
    )
    from airflow_ice.models.media_convert_job import (
        MediaConvertJob,
        MediaConvertOutputDetail,
        MediaConvertOutputGroupDetail,
    )
    from airflow_ice.models.media_convert_request import MediaConvertJobConfig, MediaConvertJobRequest
    from airflow_ice.models.media_info_job import AudioStream, MediaFormat, MediaInfoJob, VideoStream
    from airflow_ice.models.media_info_request import MediaInfoJobRequest
    from airflow_ice.models.media_producing_job import MediaProducingJob
    from airflow_ice.models.media_producing_request import MediaProducingJobRequest
    from airflow_ice.models.package_job import PackageJob
    from airflow_ice.models.package_request import PackageInput, PackageJobRequest
    from airflow_ice.models.request_fields import ScheduleConfig
    from airflow_ice.models.responses import CancelJobResponse, IceErrorBody, SubmitJobResponse
    from airflow_ice.models.segmentation_request import SegmentationJobRequest
    from airflow_ice.models.smart_handle_job import SmartHandleJob, SmartJobInfo, SmartJobResult
    from airflow_ice.models.smarttag_job import SmarttagJob
    from airflow_ice.models.smarttag_request import SmarttagInput, SmarttagJobRequest, SmarttagScheduleConfig
    from airflow_ice.models.snapshot_job import SnapshotJob
    from airflow_ice.models.snapshot_request import SnapshotJobRequest
    from airflow_ice.models.status import (
        BatchMediaProducingJobStatus,
        BatchSubJobStatus,
        DynamicImageJobStatus,
        IProductionJobStatus,
        MediaCensorJobStatus,
        MediaConvertJobStatus,
        MediaInfoJobStatus,
        MediaProducingJobStatus,
        PackageJobStatus,
        SmartHandleJobStatus,
        SmarttagJobStatus,
        SnapshotJobStatus,
        TranscodeJobStatus,
        YikeStoryboardJobStatus,
    )
    from airflow_ice.models.transcode_job import TranscodeJob, TranscodeSubJob
    from airflow_ice.models.transcode_request import TranscodeJobRequest
    from airflow_ice.models.validation import describe_request_errors, validate_request
    from airflow_ice.models.video_translation_request import VideoTranslationJobRequest
    from airflow_ice.models.yike_ai_app_job import (
        PrecheckProblem,
        YikeAIAppJob,
        YikeAIAppJobList,
        YikeAIAppJobResult,
        YikeAIAppJobStatus,
        YikeAIAppMediaOutput,
        YikeAIAppPrecheck,
    )
    from airflow_ice.models.yike_ai_app_request import YikeAIAppJobRequest
    from airflow_ice.models.yike_storyboard_job import (
        FailureShot,
        StoryboardInfo,
        YikeStoryboardJob,
        YikeStoryboardJobParams,
        YikeStoryboardJobResult,
    )
    from airflow_ice.models.yike_storyboard_request import YikeStoryboardJobRequest

# Where each public name lives.
_HOMES: dict[str, str] = {
    "AsrJobRequest": "asr_request",
    "AudioProduceJobRequest": "audio_produce_request",
    "AudioQualityAssessmentResult": "iproduction_results",
    "AudioQualityReport": "iproduction_results",
    "AudioStream": "media_info_job",
    "AvatarVideoJobRequest": "avatar_video_request",
    "BatchMediaProducingJob": "batch_media_producing_job",
    "BatchMediaProducingJobRequest": "batch_media_producing_request",
    "BatchMediaProducingJobStatus": "status",
    "BatchSubJob": "batch_media_producing_job",
    "BatchSubJobStatus": "status",
    "CancelJobResponse": "responses",
    "CensorCoverImage": "media_censor_request",
    "CensorFrame": "media_censor_job",
    "CensorOssObject": "media_censor_job",
    "CensorSuggestion": "media_censor_job",
    "CensorVerdict": "media_censor_job",
    "CoverFrame": "iproduction_results",
    "CoverImageCensorResult": "media_censor_job",
    "CoverResult": "iproduction_results",
    "DynamicImageJob": "dynamic_image_job",
    "DynamicImageJobRequest": "dynamic_image_request",
    "DynamicImageJobStatus": "status",
    "EmptyResult": "iproduction_results",
    "FailureShot": "yike_storyboard_job",
    "HighlightExtractionJobRequest": "highlight_extraction_request",
    "IPRODUCTION_FUNCTIONS": "functions",
    "IProductionInput": "iproduction_request",
    "IProductionJob": "iproduction_job",
    "IProductionJobInput": "iproduction_job",
    "IProductionJobOutput": "iproduction_job",
    "IProductionJobRequest": "iproduction_request",
    "IProductionJobStatus": "status",
    "IProductionOutput": "iproduction_request",
    "IProductionResult": "iproduction_results",
    "IProductionScheduleInfo": "iproduction_job",
    "IceErrorBody": "responses",
    "MediaCensorJob": "media_censor_job",
    "MediaCensorJobRequest": "media_censor_request",
    "MediaCensorJobStatus": "status",
    "MediaConvertJob": "media_convert_job",
    "MediaConvertJobConfig": "media_convert_request",
    "MediaConvertJobRequest": "media_convert_request",
    "MediaConvertJobStatus": "status",
    "MediaConvertOutputDetail": "media_convert_job",
    "MediaConvertOutputGroupDetail": "media_convert_job",
    "MediaFormat": "media_info_job",
    "MediaInfoJob": "media_info_job",
    "MediaInfoJobRequest": "media_info_request",
    "MediaInfoJobStatus": "status",
    "MediaProducingJob": "media_producing_job",
    "MediaProducingJobRequest": "media_producing_request",
    "MediaProducingJobStatus": "status",
    "MusicSegment": "iproduction_results",
    "MusicSegmentDetectResult": "iproduction_results",
    "OtherResult": "iproduction_results",
    "PackageInput": "package_request",
    "PackageJob": "package_job",
    "PackageJobRequest": "package_request",
    "PackageJobStatus": "status",
    "PrecheckProblem": "yike_ai_app_job",
    "ScheduleConfig": "request_fields",
    "SegmentationJobRequest": "segmentation_request",
    "SmartHandleJob": "smart_handle_job",
    "SmartHandleJobStatus": "status",
    "SmartJobInfo": "smart_handle_job",
    "SmartJobResult": "smart_handle_job",
    "SmarttagInput": "smarttag_request",
    "SmarttagJob": "smarttag_job",
    "SmarttagJobRequest": "smarttag_request",
    "SmarttagJobStatus": "status",
    "SmarttagScheduleConfig": "smarttag_request",
    "SnapshotJob": "snapshot_job",
    "SnapshotJobRequest": "snapshot_request",
    "SnapshotJobStatus": "status",
    "StoryboardInfo": "yike_storyboard_job",
    "SubmitJobResponse": "responses",
    "TranscodeJob": "transcode_job",
    "TranscodeJobRequest": "transcode_request",
    "TranscodeJobStatus": "status",
    "TranscodeSubJob": "transcode_job",
    "VideoCensorConfig": "media_censor_job",
    "VideoCensorResult": "media_censor_job",
    "VideoClipResult": "iproduction_results",
    "VideoSegment": "iproduction_results",
    "VideoStream": "media_info_job",
    "VideoTranslationJobRequest": "video_translation_request",
    "YikeAIAppJob": "yike_ai_app_job",
    "YikeAIAppJobList": "yike_ai_app_job",
    "YikeAIAppJobRequest": "yike_ai_app_request",
    "YikeAIAppJobResult": "yike_ai_app_job",
    "YikeAIAppJobStatus": "status",
    "YikeAIAppMediaOutput": "yike_ai_app_job",
    "YikeAIAppPrecheck": "yike_ai_app_job",
    "YikeStoryboardJob": "yike_storyboard_job",
    "YikeStoryboardJobParams": "yike_storyboard_job",
    "YikeStoryboardJobRequest": "yike_storyboard_request",
    "YikeStoryboardJobResult": "yike_storyboard_job",
    "YikeStoryboardJobStatus": "status",
    "compact_json": "json_text",
    "decode_json_text": "json_text",
    "decode_result": "iproduction_results",
    "describe_request_errors": "validation",
    "validate_request": "validation",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "IPRODUCTION_FUNCTIONS",
    "AsrJobRequest",
    "AudioProduceJobRequest",
    "AudioQualityAssessmentResult",
    "AudioQualityReport",
    "AudioStream",
    "AvatarVideoJobRequest",
    "BatchMediaProducingJob",
    "BatchMediaProducingJobRequest",
    "BatchMediaProducingJobStatus",
    "BatchSubJob",
    "BatchSubJobStatus",
    "CancelJobResponse",
    "CensorCoverImage",
    "CensorFrame",
    "CensorOssObject",
    "CensorSuggestion",
    "CensorVerdict",
    "CoverFrame",
    "CoverImageCensorResult",
    "CoverResult",
    "DynamicImageJob",
    "DynamicImageJobRequest",
    "DynamicImageJobStatus",
    "EmptyResult",
    "FailureShot",
    "HighlightExtractionJobRequest",
    "IProductionInput",
    "IProductionJob",
    "IProductionJobInput",
    "IProductionJobOutput",
    "IProductionJobRequest",
    "IProductionJobStatus",
    "IProductionOutput",
    "IProductionResult",
    "IProductionScheduleInfo",
    "IceErrorBody",
    "MediaCensorJob",
    "MediaCensorJobRequest",
    "MediaCensorJobStatus",
    "MediaConvertJob",
    "MediaConvertJobConfig",
    "MediaConvertJobRequest",
    "MediaConvertJobStatus",
    "MediaConvertOutputDetail",
    "MediaConvertOutputGroupDetail",
    "MediaFormat",
    "MediaInfoJob",
    "MediaInfoJobRequest",
    "MediaInfoJobStatus",
    "MediaProducingJob",
    "MediaProducingJobRequest",
    "MediaProducingJobStatus",
    "MusicSegment",
    "MusicSegmentDetectResult",
    "OtherResult",
    "PackageInput",
    "PackageJob",
    "PackageJobRequest",
    "PackageJobStatus",
    "PrecheckProblem",
    "ScheduleConfig",
    "SegmentationJobRequest",
    "SmartHandleJob",
    "SmartHandleJobStatus",
    "SmartJobInfo",
    "SmartJobResult",
    "SmarttagInput",
    "SmarttagJob",
    "SmarttagJobRequest",
    "SmarttagJobStatus",
    "SmarttagScheduleConfig",
    "SnapshotJob",
    "SnapshotJobRequest",
    "SnapshotJobStatus",
    "StoryboardInfo",
    "SubmitJobResponse",
    "TranscodeJob",
    "TranscodeJobRequest",
    "TranscodeJobStatus",
    "TranscodeSubJob",
    "VideoCensorConfig",
    "VideoCensorResult",
    "VideoClipResult",
    "VideoSegment",
    "VideoStream",
    "VideoTranslationJobRequest",
    "YikeAIAppJob",
    "YikeAIAppJobList",
    "YikeAIAppJobRequest",
    "YikeAIAppJobResult",
    "YikeAIAppJobStatus",
    "YikeAIAppMediaOutput",
    "YikeAIAppPrecheck",
    "YikeStoryboardJob",
    "YikeStoryboardJobParams",
    "YikeStoryboardJobRequest",
    "YikeStoryboardJobResult",
    "YikeStoryboardJobStatus",
    "compact_json",
    "decode_json_text",
    "decode_result",
    "describe_request_errors",
    "validate_request",
]
