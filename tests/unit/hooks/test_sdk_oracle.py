"""The official SDK is the oracle of names, types and placement, for every typed hook method.

Requests: our typed method and the SDK's method get the same parameters (every field of the SDK's
request model, across a method's cases) and go to one capture server over real HTTP; action,
version, HTTP method, which parameters are in the query and which in the body, their names and
their decoded values must be equal. Answers: each get/query answer is the SDK's response model
fully populated (:func:`tests.support.sdk_oracle.filled`); our method's parsed result keeps every
leaf (typed, or in its raw container), warns of nothing and leaves no typed field empty.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from alibabacloud_ice20201109 import models as sdk_models
from alibabacloud_ice20201109.client import Client
from alibabacloud_tea_openapi import models as open_api_models
from pydantic import BaseModel

from airflow_ice import models
from airflow_ice.client.wire import GET_ACTIONS
from airflow_ice.emulator.server import IceEmulator
from airflow_ice.errors import IceNotFoundError
from airflow_ice.hooks.ice import CensorReadOwner, IceHook
from tests.support.sdk_oracle import KEY_ID, KEY_SECRET, CaptureServer, Hint, comparable, filled, leaves

SDK_CLIENT_SOURCE = Client.__module__


@dataclass(frozen=True)
class Case:
    """One call: the action, the hook method (sync name; ``a`` + name is the async one), how the
    method is called with the parameters, and the parameters under ICE's names."""

    action: str
    method: str
    params: Mapping[str, Any]
    call: Callable[[Callable[..., Any], Mapping[str, Any]], Any] = field(default=lambda m, p: m(dict(p)))
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.method}{'-' + self.label if self.label else ''}"


def by_job_id(method: Callable[..., Any], params: Mapping[str, Any]) -> Any:
    return method(params["JobId"])


def by_job_id_and_token(method: Callable[..., Any], params: Mapping[str, Any]) -> Any:
    return method(params["JobId"], client_token=params["ClientToken"])


CONVERT_CONFIG = {
    "JobName": "convert",
    "Inputs": [{"Name": "in", "InputFile": {"Type": "OSS", "Media": "oss://bucket/in/talk.mp4"}}],
    "Outputs": [
        {
            "Name": "mp4",
            "OutputFile": {"Type": "OSS", "Media": "oss://bucket/out/talk.mp4"},
            "TemplateId": "S00000001-100020",
            "OverrideParams": '{"Video":{"Bitrate":1500}}',
            "Features": '{"Thumbnail":true}',
            "Priority": 6,
        }
    ],
    "OutputGroups": [
        {
            "Name": "hls",
            "GroupConfig": {
                "Type": "Hls",
                "ManifestName": "master",
                "OutputFileBase": {"Type": "OSS", "Media": "oss://bucket/out/hls/"},
            },
            "Outputs": [
                {
                    "Name": "720p",
                    "OutputFileName": "video-720p",
                    "TemplateId": "S00000001-100030",
                    "OverrideParams": "{}",
                    "Features": "{}",
                    "Priority": 6,
                }
            ],
        }
    ],
}

OVERWRITE_PARAMS = {
    "Type": "Sprite",
    "Count": 20,
    "Interval": 2,
    "Time": 1000,
    "Width": 320,
    "Height": 180,
    "FrameType": "intra",
    "BlackLevel": 30,
    "PixelBlackThreshold": 70,
    "IsSptFrag": True,
    "SpriteSnapshotConfig": {
        "CellWidth": 160,
        "CellHeight": 90,
        "Color": "black",
        "Columns": 5,
        "Lines": 4,
        "Margin": 2,
        "Padding": 1,
    },
}

TRANSCODE_PROCESS_CONFIG = {
    "Transcode": {
        "TemplateId": "template-1",
        "OverwriteParams": {
            "Video": {
                "AbrMax": "6000",
                "Bitrate": "3000",
                "Bufsize": "6000",
                "Codec": "H.264",
                "Crf": "23",
                "Crop": "1280:800:0:140",
                "Fps": "25",
                "Gop": "250",
                "Height": "1080",
                "LongShortMode": "true",
                "Maxrate": "6000",
                "Pad": "1280:800:0:140",
                "PixFmt": "yuv420p",
                "Preset": "medium",
                "Profile": "Main",
                "Remove": "false",
                "ScanMode": "progressive",
                "Width": "1920",
            },
            "Audio": {
                "Bitrate": "128",
                "Channels": "2",
                "Codec": "AAC",
                "Profile": "aac_low",
                "Remove": "false",
                "Samplerate": "44100",
                "Volume": {
                    "IntegratedLoudnessTarget": "-6",
                    "LoudnessRangeTarget": "8",
                    "Method": "auto",
                    "TruePeak": "-1",
                },
            },
            "Container": {"Format": "mp4"},
            "MuxConfig": {"Segment": {"Duration": "10", "ForceSegTime": "2,3"}},
            "TransConfig": {
                "AdjDarMethod": "none",
                "IsCheckAudioBitrate": "true",
                "IsCheckAudioBitrateFail": "false",
                "IsCheckReso": "true",
                "IsCheckResoFail": "false",
                "IsCheckVideoBitrate": "true",
                "IsCheckVideoBitrateFail": "false",
                "TransMode": "onepass",
            },
        },
    },
    "ImageWatermarks": [
        {
            "TemplateId": "watermark-1",
            "OverwriteParams": {
                "Dx": "10",
                "Dy": "10",
                "Width": "32",
                "Height": "32",
                "ReferPos": "TopRight",
                "File": {"Type": "OSS", "Media": "oss://bucket/logo.png"},
                "Timeline": {"Start": "0", "Duration": "ToEND"},
            },
        }
    ],
    "TextWatermarks": [
        {
            "TemplateId": "text-1",
            "OverwriteParams": {
                "Adaptive": "false",
                "BorderColor": "#006400",
                "BorderWidth": 2,
                "Content": "airflow",
                "FontAlpha": "1.0",
                "FontColor": "#006400",
                "FontName": "SimSun",
                "FontSize": 16,
                "Left": "10",
                "Top": "10",
            },
        }
    ],
    "Subtitles": [
        {
            "TemplateId": "subtitle-1",
            "OverwriteParams": {
                "CharEnc": "UTF-8",
                "Format": "vtt",
                "File": {"Type": "OSS", "Media": "oss://bucket/talk.vtt"},
            },
        }
    ],
    "CombineConfigs": [{"AudioIndex": "0", "VideoIndex": "0", "Start": 0.0, "Duration": 20.0}],
    "Encryption": {
        "CipherText": "cipher",
        "DecryptKeyUri": "https://example.com/key",
        "EncryptType": "PrivateEncryption",
        "KeyServiceType": "KMS",
    },
}

PRODUCING_COMMON = {
    "OutputMediaConfig": '{"MediaURL":"https://bucket.oss-cn-shanghai.aliyuncs.com/out.mp4"}',
    "OutputMediaTarget": "oss-object",
    "EditingProduceConfig": '{"CoverConfig":{}}',
    "MediaMetadata": '{"Title":"t"}',
    "ProjectMetadata": '{"Description":"d"}',
    "Source": "OpenAPI",
    "UserData": '{"NotifyAddress":"https://example.com/notify"}',
    "ClientToken": "token-producing-1",
}

CASES = [
    Case(
        "SubmitIProductionJob",
        "submit_iproduction_job",
        {
            "FunctionName": "VideoClip",
            "Input": {"Type": "OSS", "Media": "oss://bucket/in/talk.mp4"},
            "Output": {
                "Type": "Media",
                "Media": "media-1",
                "Biz": "IMS",
                "OutputUrl": "oss://bucket/out.mp4",
            },
            "Name": "clip 剪辑",
            "JobParams": '{"Model":"gif"}',
            "TemplateId": "template-1",
            "ModelId": "algo-video-detext-new",
            "ScheduleConfig": {"PipelineId": "pipeline-1", "Priority": 7},
            "UserData": '{"tag":"oracle"}',
        },
    ),
    Case(
        "QueryIProductionJob",
        "query_iproduction_job",
        {"JobId": "job-1", "ClientToken": "token-1"},
        by_job_id_and_token,
    ),
    Case(
        "CancelIProductionJob",
        "cancel_iproduction_job",
        {"JobId": "job-1", "ClientToken": "token-2"},
        by_job_id_and_token,
    ),
    Case(
        "SubmitYikeStoryboardJob",
        "submit_yike_storyboard_job",
        {
            "FileURL": "oss://bucket/novel.txt",
            "SourceType": "Novel",
            "ShotSplitMode": "firstPersonNarration",
            "StyleId": "Ghibli",
            "Title": "我的故事 & more",
            "AspectRatio": "9:16",
            "Resolution": "1080P",
            "VideoModel": "wan2.6-r2v-flash",
            "ShotPromptMode": "multi",
            "NarrationVoiceId": "sys_YoungGracefulWoman",
            "ModelParams": '{"AudioEnable":false}',
            "ExecMode": "StoryboardOnly",
            "SkipFailureShot": False,
            "UserData": '{"NotifyAddress":"https://example.com/n"}',
        },
    ),
    Case("GetYikeStoryboardJob", "get_yike_storyboard_job", {"JobId": "job-1"}, by_job_id),
    Case("ResumeYikeStoryboardJob", "resume_yike_storyboard_job", {"JobId": "job-1"}, by_job_id),
    Case(
        "SubmitYikeAIAppJob",
        "submit_yike_ai_app_job",
        {
            "AppId": "app-1",
            "AppParams": '{"Prompt":"a cat"}',
            "FolderId": "folder-1",
            "ProductionId": "prod-1",
        },
    ),
    Case("GetYikeAIAppJob", "get_yike_ai_app_job", {"JobId": "job-1"}, by_job_id),
    Case(
        "BatchGetYikeAIAppJob",
        "batch_get_yike_ai_app_jobs",
        {"JobIds": "job-1,job-2"},
        lambda method, params: method(params["JobIds"].split(",")),
    ),
    Case(
        "PrecheckYikeAIAppJob",
        "precheck_yike_ai_app_job",
        {"AppId": "app-1", "AppParams": '{"Prompt":"a cat"}'},
    ),
    Case(
        "SubmitMediaProducingJob",
        "submit_media_producing_job",
        {**PRODUCING_COMMON, "Timeline": '{"VideoTracks":[{"VideoTrackClips":[{"MediaId":"m-1"}]}]}'},
        label="timeline",
    ),
    Case(
        "SubmitMediaProducingJob",
        "submit_media_producing_job",
        {**PRODUCING_COMMON, "TemplateId": "template-1", "ClipsParam": '{"Media1":"m-1"}'},
        label="template",
    ),
    Case(
        "SubmitMediaProducingJob",
        "submit_media_producing_job",
        {**PRODUCING_COMMON, "ProjectId": "project-1"},
        label="project",
    ),
    Case("GetMediaProducingJob", "get_media_producing_job", {"JobId": "job-1"}, by_job_id),
    Case(
        "SubmitMediaConvertJob",
        "submit_media_convert_job",
        {
            "Config": json.dumps(CONVERT_CONFIG),
            "PipelineId": "pipeline-1",
            "UserData": '{"tag":"oracle"}',
            "ClientToken": "token-convert-1",
        },
    ),
    Case("GetMediaConvertJob", "get_media_convert_job", {"JobId": "job-1"}, by_job_id),
    Case(
        "SubmitSnapshotJob",
        "submit_snapshot_job",
        {
            "Input": {"Type": "OSS", "Media": "oss://bucket/in/talk.mp4"},
            "Output": {"Type": "OSS", "Media": "oss://bucket/out/sprite-{TileCount}.jpg"},
            "TemplateConfig": {"TemplateId": "template-1", "OverwriteParams": OVERWRITE_PARAMS},
            "Name": "sprite",
            "UserData": '{"tag":"oracle"}',
            "ScheduleConfig": {"PipelineId": "pipeline-1"},
        },
    ),
    Case("GetSnapshotJob", "get_snapshot_job", {"JobId": "job-1"}, by_job_id),
    Case(
        "SubmitDynamicImageJob",
        "submit_dynamic_image_job",
        {
            "Input": {"Type": "OSS", "Media": "oss://bucket/in/talk.mp4"},
            "Output": {"Type": "OSS", "Media": "oss://bucket/out/talk.webp"},
            "TemplateConfig": {
                "TemplateId": "template-1",
                "OverwriteParams": {
                    "Format": "webp",
                    "Fps": 12,
                    "Width": 640,
                    "Height": 360,
                    "LongShortMode": False,
                    "ScanMode": "progressive",
                    "TimeSpan": {"Seek": "00:00:05.250", "Duration": "4", "End": "12.5"},
                },
            },
            "Name": "preview",
            "UserData": '{"tag":"oracle"}',
            "ScheduleConfig": {"PipelineId": "pipeline-1", "Priority": 7},
        },
    ),
    Case("GetDynamicImageJob", "get_dynamic_image_job", {"JobId": "job-1"}, by_job_id),
    Case(
        "SubmitTranscodeJob",
        "submit_transcode_job",
        {
            "InputGroup": [
                {"Type": "Media", "Media": "media-1", "InputUrl": "oss://bucket/in/talk.mp4"},
            ],
            "OutputGroup": [
                {
                    "Output": {"Type": "OSS", "Media": "oss://bucket/out/talk.mp4", "OutputUrl": "o"},
                    "ProcessConfig": TRANSCODE_PROCESS_CONFIG,
                }
            ],
            "Name": "transcode",
            "ScheduleConfig": {"PipelineId": "pipeline-1", "Priority": 6},
            "UserData": '{"tag":"oracle"}',
            "ClientToken": "token-transcode-1",
        },
    ),
    Case(
        "GetTranscodeJob",
        "get_transcode_job",
        {"ParentJobId": "job-1"},
        lambda method, params: method(params["ParentJobId"]),
    ),
    Case(
        "SubmitMediaInfoJob",
        "submit_media_info_job",
        {
            "Input": {"Type": "OSS", "Media": "oss://bucket/in/talk.mp4"},
            "Name": "probe",
            "UserData": '{"tag":"oracle"}',
            "ScheduleConfig": {"PipelineId": "pipeline-1", "Priority": 4},
        },
    ),
    Case("GetMediaInfoJob", "get_media_info_job", {"JobId": "job-1"}, by_job_id),
    Case(
        "SubmitSmarttagJob",
        "submit_smarttag_job",
        {
            "Input": {"Type": "URL", "Media": "https://example.com/in.mp4"},
            "TemplateId": "template-1",
            "Params": '{"needAsrData":true}',
            "TemplateConfig": '{"FaceCategoryIds":"celebrity"}',
            "Title": "a title",
            "Content": "a description",
            "ContentAddr": "https://example.com/content",
            "ContentType": "video",
            "NotifyUrl": "https://example.com/notify",
            "UserData": '{"tag":"oracle"}',
            "ScheduleConfig": {"PipelineId": "pipeline-1", "Priority": "5"},
        },
    ),
    Case(
        "SubmitBatchMediaProducingJob",
        "submit_batch_media_producing_job",
        {
            "InputConfig": '{"MediaGroupArray":[{"GroupName":"g","MediaArray":["oss://bucket/in/a.mp4"]}]}',
            "EditingConfig": '{"MediaConfig":{"Volume":0}}',
            "OutputConfig": '{"MediaURL":"https://b.oss-cn-shanghai.aliyuncs.com/o_{index}.mp4","Count":2}',
            "TemplateConfig": '{"TemplateIds":["t-1"]}',
            "UserData": '{"tag":"oracle"}',
            "ClientToken": "token-batch-1",
        },
    ),
    Case("GetBatchMediaProducingJob", "get_batch_media_producing_job", {"JobId": "job-1"}, by_job_id),
    Case(
        "SubmitPackageJob",
        "submit_package_job",
        {
            "Inputs": [
                {"Input": {"Type": "OSS", "Media": "oss://bucket/out/talk-720p.m3u8"}},
            ],
            "Output": {"Type": "OSS", "Media": "oss://bucket/hls/talk/master.m3u8"},
            "Name": "talk-hls",
            "UserData": '{"tag":"oracle"}',
            "ScheduleConfig": {"PipelineId": "pipeline-1", "Priority": 6},
        },
    ),
    Case("GetPackageJob", "get_package_job", {"JobId": "job-1"}, by_job_id),
    Case(
        "SubmitASRJob",
        "submit_asr_job",
        {
            "InputFile": "oss://bucket/in/talk.mp4",
            "EditingConfig": '{"SentenceMaxLength":30}',
            "StartTime": "00:00:05",
            "Duration": "00:01:00",
            "Title": "a title",
            "Description": "a description",
            "UserData": '{"tag":"oracle"}',
        },
    ),
    Case("GetSmartHandleJob", "get_smart_handle_job", {"JobId": "job-1"}, by_job_id),
    Case(
        "SubmitAudioProduceJob",
        "submit_audio_produce_job",
        {
            "InputConfig": "Tonight: the derby, live.",
            "EditingConfig": '{"format":"MP3","voice":"Siqi","volume":60}',
            "OutputConfig": '{"bucket":"bucket","object":"voice/intro"}',
            "Overwrite": True,
            "Title": "a title",
            "Description": "a description",
            "UserData": '{"tag":"oracle"}',
        },
    ),
    Case(
        "SubmitAvatarVideoJob",
        "submit_avatar_video_job",
        {
            "InputConfig": '{"Text":"Welcome to the highlights."}',
            "EditingConfig": '{"AvatarId":"yunqiao"}',
            "OutputConfig": '{"MediaURL":"https://bucket.oss-cn-shanghai.aliyuncs.com/avatar/host.mp4"}',
            "Title": "a title",
            "Description": "a description",
            "UserData": '{"tag":"oracle"}',
        },
    ),
    Case(
        "SubmitVideoTranslationJob",
        "submit_video_translation_job",
        {
            "InputConfig": '{"Type":"Video","Video":"oss://bucket/in/talk.mp4"}',
            "EditingConfig": '{"SourceLanguage":"zh","TargetLanguage":"en"}',
            "OutputConfig": '{"MediaURL":"https://bucket.oss-cn-shanghai.aliyuncs.com/out/talk-en.mp4"}',
            "Title": "a title",
            "Description": "a description",
            "UserData": '{"tag":"oracle"}',
            "ClientToken": "token-translation-1",
        },
    ),
    Case(
        "SubmitHighlightExtractionJob",
        "submit_highlight_extraction_job",
        {
            "InputConfig": '{"MediaArray":[{"MediaId":"m1"}],"Strategy":{"ClipDuration":15,"Count":5}}',
            "OutputConfig": '{"Bucket":"bucket","NeedExport":true,"ObjectKey":"clips/goal_{index}.mp4"}',
            "UserData": '{"tag":"oracle"}',
            "ClientToken": "token-highlights-1",
        },
    ),
    Case(
        "SubmitSegmentationJob",
        "submit_segmentation_job",
        {
            "InputConfig": '{"Media":"oss://bucket/in/match.mp4","Type":"OSS"}',
            "JobParams": '{"Mode":"UserDefined","Ranges":[{"In":0,"Out":10}]}',
            "OutputConfig": '{"Bucket":"bucket","Object":"segments/match_{index}.mp4"}',
            "UserData": '{"tag":"oracle"}',
            "ClientToken": "token-segments-1",
        },
    ),
    Case(
        "SubmitMediaCensorJob",
        "submit_media_censor_job",
        {
            "Input": {"Type": "OSS", "Media": "oss://bucket/in/talk.mp4"},
            "Output": "oss://bucket/censor/frame-{Count}.jpg",
            "TemplateId": "S00000001-100060",
            "Title": "a title",
            "Description": "a description",
            "Barrages": "what a goal",
            "CoverImages": json.dumps(
                [
                    {
                        "Bucket": "bucket",
                        "Location": "oss-cn-shanghai",
                        "Object": "covers/c.jpg",
                        "RoleArn": "acs:ram::1:role/r",
                    }
                ],
                separators=(",", ":"),
            ),
            "NotifyUrl": "https://example.com/notify",
            "UserData": '{"tag":"oracle"}',
            "ScheduleConfig": {"PipelineId": "pipeline-1", "Priority": 5},
        },
    ),
    Case("QueryMediaCensorJobDetail", "query_media_censor_job_detail", {"JobId": "job-1"}, by_job_id),
    Case(
        "QueryMediaCensorJobDetail",
        "query_media_censor_job_detail",
        {
            "JobId": "job-1",
            "MaximumPageSize": 50,
            "NextPageToken": "page-2",
            "OwnerAccount": "owner",
            "OwnerId": 7,
            "ResourceOwnerAccount": "resource-owner",
            "ResourceOwnerId": 8,
        },
        lambda method, params: method(
            params["JobId"],
            maximum_page_size=params["MaximumPageSize"],
            next_page_token=params["NextPageToken"],
            owner=CensorReadOwner(
                owner_account=params["OwnerAccount"],
                owner_id=params["OwnerId"],
                resource_owner_account=params["ResourceOwnerAccount"],
                resource_owner_id=params["ResourceOwnerId"],
            ),
        ),
        label="paged",
    ),
    Case(
        "QuerySmarttagJob",
        "query_smarttag_job",
        {"JobId": "job-1", "Params": '{"labelResultType":"hmi"}'},
        lambda method, params: method(params["JobId"], params["Params"]),
    ),
]

TYPED_VERBS = ("submit_", "get_", "query_", "cancel_", "resume_", "batch_get_", "precheck_")


def typed_methods() -> set[str]:
    """Every typed job method the hook defines (sync names); not the calls that take a family
    (``submit_job``, ``get_job``, ``cancel_job``), which every typed method goes through."""
    return {
        name
        for name in vars(IceHook)
        if name.startswith(TYPED_VERBS)
        and re.search(r"_jobs?(_detail)?$", name)
        and callable(vars(IceHook)[name])
        and "family" not in inspect.signature(vars(IceHook)[name]).parameters
    }


def sdk_method_name(action: str) -> str:
    """The SDK client's method for an action (``SubmitYikeAIAppJob`` -> ``submit_yike_aiapp_job``)."""
    return re.sub(
        r"(?<=[a-z0-9])(?=[A-Z])", "_", action.replace("AIApp", "Aiapp").replace("IProduction", "Iproduction")
    ).lower()


def sdk_client(endpoint: str) -> Client:
    return Client(
        open_api_models.Config(
            access_key_id=KEY_ID,
            access_key_secret=KEY_SECRET,
            endpoint=endpoint,
            protocol="http",
            region_id="cn-shanghai",
        )
    )


def sdk_call(client: Client, case: Case) -> Any:
    request = getattr(sdk_models, f"{case.action}Request")().from_map(dict(case.params))
    return getattr(client, sdk_method_name(case.action))(request)


def hook_call(hook: IceHook, case: Case, mode: str) -> Any:
    if mode == "sync":
        return case.call(getattr(hook, case.method), case.params)

    async def run() -> Any:
        try:
            return await case.call(getattr(hook, "a" + case.method), case.params)
        finally:
            await hook.aclose()

    return asyncio.run(run())


# Requests


def test_every_typed_method_has_a_case() -> None:
    assert typed_methods() == {case.method for case in CASES}
    for name in typed_methods():
        assert callable(getattr(IceHook, "a" + name)), f"{name} has no async twin"


@pytest.mark.parametrize("action", sorted({case.action for case in CASES}))
def test_cases_give_every_field_of_the_sdk_request(action: str) -> None:
    """The parameters of an action's cases together set every leaf of the SDK's request model."""
    expected = {
        path
        for path, _ in leaves(filled(getattr(sdk_models, f"{action}Request")).to_map())
        if path not in SIGNING_PARAMETERS
    }
    given = {path for case in CASES if case.action == action for path, _ in leaves(case.params)}
    assert given == expected


REQUEST_MODELS: dict[str, type[BaseModel]] = {
    "SubmitIProductionJob": models.IProductionJobRequest,
    "SubmitYikeStoryboardJob": models.YikeStoryboardJobRequest,
    "SubmitYikeAIAppJob": models.YikeAIAppJobRequest,
    "SubmitMediaProducingJob": models.MediaProducingJobRequest,
    "SubmitMediaConvertJob": models.MediaConvertJobRequest,
    "SubmitSnapshotJob": models.SnapshotJobRequest,
    "SubmitDynamicImageJob": models.DynamicImageJobRequest,
    "SubmitMediaInfoJob": models.MediaInfoJobRequest,
    "SubmitSmarttagJob": models.SmarttagJobRequest,
    "SubmitASRJob": models.AsrJobRequest,
    "SubmitPackageJob": models.PackageJobRequest,
    "SubmitBatchMediaProducingJob": models.BatchMediaProducingJobRequest,
    "SubmitMediaCensorJob": models.MediaCensorJobRequest,
    "SubmitTranscodeJob": models.TranscodeJobRequest,
    "SubmitAudioProduceJob": models.AudioProduceJobRequest,
    "SubmitAvatarVideoJob": models.AvatarVideoJobRequest,
    "SubmitVideoTranslationJob": models.VideoTranslationJobRequest,
    "SubmitHighlightExtractionJob": models.HighlightExtractionJobRequest,
    "SubmitSegmentationJob": models.SegmentationJobRequest,
}

# Signature 1.0's own parameters, which the SDK lists among SubmitVideoTranslationJob's (ICE's
# reference: "the system populates this parameter; you do not need to set it"): filled when a
# request is signed, never a job's parameter.
SIGNING_PARAMETERS = {"Signature", "SignatureMehtod", "SignatureNonce", "SignatureType", "SignatureVersion"}


def misnamed(model: type[BaseModel], sdk_map: Mapping[str, Any], path: str = "") -> list[str]:
    """Our request model's names (nested typed parts too) that the SDK's request does not have."""
    found = []
    for field_info in model.model_fields.values():
        name = field_info.alias or ""
        if name not in sdk_map:
            found.append(path + name)
            continue
        parts = [t for t in typing.get_args(field_info.annotation) or (field_info.annotation,)]
        nested = [t for t in parts if isinstance(t, type) and issubclass(t, BaseModel)]
        if nested and isinstance(sdk_map[name], Mapping):
            found.extend(misnamed(nested[0], sdk_map[name], f"{path}{name}."))
    return found


@pytest.mark.parametrize("action", sorted(REQUEST_MODELS))
def test_request_models_have_the_sdks_names(action: str) -> None:
    """Every parameter our request model takes (and every typed part of one) is the SDK's, and
    the model takes every parameter of the SDK's request."""
    sdk_map = {
        name: value
        for name, value in filled(getattr(sdk_models, f"{action}Request")).to_map().items()
        if name not in SIGNING_PARAMETERS
    }
    model = REQUEST_MODELS[action]
    assert misnamed(model, sdk_map) == []
    assert {field_info.alias for field_info in model.model_fields.values()} == set(sdk_map)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_request_equals_the_sdk_request(server: CaptureServer, hook: IceHook, case: Case, mode: str) -> None:
    server.answers = {}  # submits, cancels and prechecks read the default answer
    for action, model in ANSWER_MODELS.items():
        server.answers[action] = filled(model, **ANSWER_HINTS.get(action, {})).to_map()
    sdk_call(sdk_client(server.endpoint), case)
    theirs = server.take().wire()
    hook_call(hook, case, mode)
    ours = server.take().wire()
    assert ours == theirs
    assert theirs["action"] == case.action
    assert theirs["version"] == "2020-11-09"


def test_get_actions_are_the_sdks() -> None:
    """Our table of GET actions is the SDK's: every action its client sends as GET, and no other."""
    import inspect

    source = inspect.getsource(__import__(SDK_CLIENT_SOURCE, fromlist=["Client"]))
    declared = dict(
        re.findall(
            r"action = '(\w+)',\s+version = '[\d-]+',\s+protocol = '\w+',\s+pathname = '/',\s+method = '(\w+)'",
            source,
        )
    )
    assert len(declared) > 300
    sent_as_get = {action for action, method in declared.items() if method == "GET"}
    assert sent_as_get == GET_ACTIONS


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_generic_call_sends_list_smart_jobs_as_get(server: CaptureServer, hook: IceHook, mode: str) -> None:
    server.answers["ListSmartJobs"] = {"RequestId": "r", "SmartJobList": []}
    params = {"JobType": "ASR", "PageNo": 1, "PageSize": 10}
    sdk_client(server.endpoint).list_smart_jobs(sdk_models.ListSmartJobsRequest().from_map(params))
    theirs = server.take().wire()
    if mode == "sync":
        hook.call("ListSmartJobs", params)
    else:

        async def run() -> None:
            await hook.acall("ListSmartJobs", params)
            await hook.aclose()

        asyncio.run(run())
    ours = server.take().wire()
    assert ours == theirs
    assert ours["method"] == "GET"
    assert ours["body"] == {}


@pytest.mark.parametrize("token", ["", "é" * 3, "x" * 65, 12])
def test_a_bad_client_token_is_refused_before_sending(
    server: CaptureServer, hook: IceHook, token: Any
) -> None:
    with pytest.raises(ValueError, match="client_token"):
        hook.query_iproduction_job("job-1", client_token=token)
    with pytest.raises(ValueError, match="client_token"):
        hook.cancel_iproduction_job("job-1", client_token=token)
    assert server.requests == []


@pytest.mark.parametrize("algorithm", ["ACS3-HMAC-SHA256", "HMAC-SHA1"])
def test_a_get_call_is_signed_as_sent(monkeypatch: pytest.MonkeyPatch, algorithm: str) -> None:
    """The emulator verifies the signature over the method it received: a GET signed as a POST
    would be refused as SignatureDoesNotMatch. It has no ListSmartJobs: a verified call is answered
    InvalidApi.NotFound."""
    with IceEmulator(access_key_id=KEY_ID, access_key_secret=KEY_SECRET) as emulator:
        conn = {
            "conn_type": "alibaba_ice",
            "login": KEY_ID,
            "password": KEY_SECRET,
            "extra": {"endpoint": emulator.url, "max_retries": 0, "signature_algorithm": algorithm},
        }
        monkeypatch.setenv("AIRFLOW_CONN_ICE_GET", json.dumps(conn))
        with IceHook("ice_get") as ice_hook, pytest.raises(IceNotFoundError):
            ice_hook.call("ListSmartJobs", {"JobType": "ASR"}, {"PageSize": 10})
        counters = emulator.counters()
    assert counters.signatures == {algorithm: 1}
    assert not counters.auth_failures
    assert counters.errors == {"InvalidApi.NotFound": 1}


# Answers


def status(value: str) -> Hint:
    return lambda n: value


def json_list(n: int) -> str:
    return json.dumps([f"st_{n}"])


ANSWER_MODELS: dict[str, type] = {
    "QueryIProductionJob": sdk_models.QueryIProductionJobResponseBody,
    "GetYikeStoryboardJob": sdk_models.GetYikeStoryboardJobResponseBody,
    "GetYikeAIAppJob": sdk_models.GetYikeAIAppJobResponseBody,
    "BatchGetYikeAIAppJob": sdk_models.BatchGetYikeAIAppJobResponseBody,
    "PrecheckYikeAIAppJob": sdk_models.PrecheckYikeAIAppJobResponseBody,
    "GetMediaProducingJob": sdk_models.GetMediaProducingJobResponseBody,
    "GetMediaConvertJob": sdk_models.GetMediaConvertJobResponseBody,
    "GetSnapshotJob": sdk_models.GetSnapshotJobResponseBody,
    "GetDynamicImageJob": sdk_models.GetDynamicImageJobResponseBody,
    "GetMediaInfoJob": sdk_models.GetMediaInfoJobResponseBody,
    "QuerySmarttagJob": sdk_models.QuerySmarttagJobResponseBody,
    "GetSmartHandleJob": sdk_models.GetSmartHandleJobResponseBody,
    "GetPackageJob": sdk_models.GetPackageJobResponseBody,
    "GetBatchMediaProducingJob": sdk_models.GetBatchMediaProducingJobResponseBody,
    "QueryMediaCensorJobDetail": sdk_models.QueryMediaCensorJobDetailResponseBody,
    "GetTranscodeJob": sdk_models.GetTranscodeJobResponseBody,
}

# What some leaves must hold to be valid: a known status, JSON text where ICE sends JSON text.
ANSWER_HINTS: dict[str, dict[str, Hint]] = {
    "QueryIProductionJob": {
        "Status": status("Success"),
        "FunctionName": status("VideoClip"),
        "JobParams": lambda n: json.dumps({"Model": f"m{n}"}),
        "Result": lambda n: json.dumps({"VideoSummaryList": [{"StartTime": f"{n}.5", "EndTime": f"{n}.9"}]}),
    },
    "GetYikeStoryboardJob": {
        "JobStatus": status("Succeeded"),
        "SuccessStoryboardList": json_list,
        "ExceptionStoryboardIds": json_list,
        "FailureShotList": lambda n: json.dumps(
            [{"errorCode": f"e{n}", "storyboardId": f"st_{n}", "shotId": f"sh_{n}"}]
        ),
        "StoryboardInfoList": lambda n: json.dumps(
            [{"storyboardId": f"st_{n}", "title": f"t{n}", "status": "Produced", "subStatus": "ProduceSucc"}]
        ),
        "ModelParams": lambda n: json.dumps({"AudioEnable": n % 2 == 0}),
    },
    "GetYikeAIAppJob": {"Status": status("Finished"), "AppParams": lambda n: json.dumps({"Prompt": f"p{n}"})},
    "BatchGetYikeAIAppJob": {
        "Status": status("Finished"),
        "AppInputConfig": lambda n: json.dumps({"Prompt": f"p{n}"}),
    },
    "PrecheckYikeAIAppJob": {"Status": status("Failed")},
    "GetMediaProducingJob": {"Status": status("Success")},
    "GetMediaConvertJob": {"State": status("Complete")},
    "GetSnapshotJob": {"Status": status("Success"), "TemplateConfig": lambda n: json.dumps({"Count": n})},
    "GetDynamicImageJob": {"Status": status("Success"), "TemplateConfig": lambda n: json.dumps({"Fps": n})},
    "GetMediaInfoJob": {"Status": status("Success")},
    "QuerySmarttagJob": {"JobStatus": status("Success"), "Data": lambda n: json.dumps({"title": f"t{n}"})},
    "GetPackageJob": {"Status": status("Success")},
    "GetSmartHandleJob": {
        "State": status("Finished"),
        "AiResult": lambda n: json.dumps([{"content": f"c{n}", "from": n, "to": n + 1.5}]),
    },
    "GetBatchMediaProducingJob": {
        "Status": status("Finished"),
        "SubJobList[].Status": status("Success"),
        "Extend": lambda n: json.dumps({"ErrorCode": f"e{n}", "ErrorMessage": f"m{n}"}),
    },
    # Every Suggestion (the overall one and each verdict's) flagged, so that each is in the XCom too.
    "QueryMediaCensorJobDetail": {"State": status("Success"), "Suggestion": status("block")},
    "GetTranscodeJob": {"Status": status("Success")},
}


# Typed fields no leaf of the SDK's answer fills, with why (none is a name the SDK spells otherwise).
EMPTY_BY_DESIGN: dict[str, set[str]] = {
    # A group reports its files per output (Outputs[].Result); the group itself has no Result.
    "GetMediaConvertJob": {"output_group_details[].result"},
}

RAW_CONTAINERS = {"raw", "unparsed_fields", "parse_warnings"}


def json_leaves(leaf: Any) -> list[str]:
    """The leaves inside JSON text (an object or list), else none."""
    if not (isinstance(leaf, str) and leaf[:1] in "[{"):
        return []
    try:
        return [comparable(inner) for _, inner in leaves(json.loads(leaf))]
    except ValueError:
        return []


def kept_leaves(value: Any) -> set[str]:
    """Every leaf of our parsed result as text, the leaves inside JSON text too, and the keys of
    its maps (results keyed by a value of the answer, e.g. smart tagging's by ``Type``)."""
    found: set[str] = set()
    for _, leaf in leaves(value):
        found.add(comparable(leaf))
        found.update(json_leaves(leaf))
    found.update(keys(value))
    return found


def keys(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys(item)


def is_kept(leaf: Any, kept: set[str]) -> bool:
    """A leaf is kept as it is, or (JSON text) decoded with every leaf inside it kept."""
    inner = json_leaves(leaf)
    return comparable(leaf) in kept or (bool(inner) and all(item in kept for item in inner))


def empty_typed_fields(value: Any, path: str = "") -> list[str]:
    """Paths of our typed fields left None or empty (raw containers aside)."""
    if isinstance(value, Mapping):
        if not value and path:
            return [path]
        return [
            found
            for key, item in value.items()
            if key not in RAW_CONTAINERS
            for found in empty_typed_fields(item, f"{path}.{key}" if path else str(key))
        ]
    if isinstance(value, list):
        if not value:
            return [path]
        return [found for item in value for found in empty_typed_fields(item, f"{path}[]")]
    return [path] if value is None else []


def dumped(result: Any) -> Any:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if isinstance(result, list):
        return [dumped(item) for item in result]
    return result


def warnings_of(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        own = list(value.get("parse_warnings") or [])
        return own + [w for key, item in value.items() if key != "parse_warnings" for w in warnings_of(item)]
    if isinstance(value, list):
        return [w for item in value for w in warnings_of(item)]
    return []


ANSWER_CASES = [case for case in CASES if case.action in ANSWER_MODELS]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", ANSWER_CASES, ids=lambda case: case.id)
def test_answer_keeps_every_leaf_of_the_sdk_model(
    server: CaptureServer, hook: IceHook, case: Case, mode: str
) -> None:
    answer = filled(ANSWER_MODELS[case.action], **ANSWER_HINTS.get(case.action, {})).to_map()
    server.answers[case.action] = answer
    ours = dumped(hook_call(hook, case, mode))
    server.take()

    kept = kept_leaves(ours)
    lost = {path: value for path, value in leaves(answer) if not is_kept(value, kept)}
    assert lost == {}, f"leaves of the SDK's answer our result dropped: {lost}"
    assert warnings_of(ours) == []
    assert set(empty_typed_fields(ours)) == EMPTY_BY_DESIGN.get(case.action, set())
