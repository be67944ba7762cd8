"""Pydantic models of ICE requests and responses.

Responses (``IProductionJob``, ``YikeStoryboardJob``, ``YikeAIAppJob``) are parsed leniently: a
body with a JobId never fails to parse, and what could not be read is listed in
``parse_warnings``. Requests (``IProductionJobRequest``, ``YikeStoryboardJobRequest``,
``YikeAIAppJobRequest``) are strict and are built with :func:`validate_request`, which raises
``IceInvalidRequestError`` naming each bad field.
"""

from __future__ import annotations

from airflow_ice.models.functions import IPRODUCTION_FUNCTIONS
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
    IProductionScheduleConfig,
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
from airflow_ice.models.responses import CancelJobResponse, IceErrorBody, SubmitJobResponse
from airflow_ice.models.smarttag_job import SmarttagJob
from airflow_ice.models.smarttag_request import SmarttagInput, SmarttagJobRequest, SmarttagScheduleConfig
from airflow_ice.models.snapshot_job import SnapshotJob
from airflow_ice.models.snapshot_request import SnapshotJobRequest
from airflow_ice.models.status import (
    IProductionJobStatus,
    MediaConvertJobStatus,
    MediaInfoJobStatus,
    MediaProducingJobStatus,
    SmarttagJobStatus,
    SnapshotJobStatus,
    YikeStoryboardJobStatus,
)
from airflow_ice.models.validation import describe_request_errors, validate_request
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

__all__ = [
    "IPRODUCTION_FUNCTIONS",
    "AudioQualityAssessmentResult",
    "AudioQualityReport",
    "AudioStream",
    "CancelJobResponse",
    "CoverFrame",
    "CoverResult",
    "EmptyResult",
    "FailureShot",
    "IProductionInput",
    "IProductionJob",
    "IProductionJobInput",
    "IProductionJobOutput",
    "IProductionJobRequest",
    "IProductionJobStatus",
    "IProductionOutput",
    "IProductionResult",
    "IProductionScheduleConfig",
    "IProductionScheduleInfo",
    "IceErrorBody",
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
    "PrecheckProblem",
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
    "VideoClipResult",
    "VideoSegment",
    "VideoStream",
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
