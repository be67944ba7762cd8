"""Where each action's parameters travel: the query string or the form-encoded body.

The table is what the official SDK (``alibabacloud-ice20201109``'s ``client.py``) sends; it is
written out here, not imported (the SDK is a test-only oracle; ``tests/unit/emulator/test_placement.py``
checks this table against the SDK's source).

ICE's documentation does not say whether its gateway accepts a body parameter in the query (or the
reverse): the API reference pages list parameters without a position, and the V3 signature guide
only says to place each parameter where the API's metadata puts it. So by default the emulator
merges query and body (body wins), as it always has; with strict placement (``strict_placement``,
``--strict-placement``, ``ICE_EMULATOR_STRICT_PLACEMENT=1``) it reads each parameter only from
where the SDK sends it and answers ``InvalidParameter`` for one sent in the other place, so a
placement regression in a client fails its tests.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from airflow_ice.emulator.errors import invalid_parameter
from airflow_ice.emulator.request import IncomingRequest

STRICT_PLACEMENT_VARIABLE = "ICE_EMULATOR_STRICT_PLACEMENT"


class Location(str, Enum):
    """Where a parameter travels."""

    QUERY = "query string"
    BODY = "form-encoded body"


@dataclass(frozen=True)
class Placement:
    """One action's parameters by location.

    :param query: names sent in the query string.
    :param body: names sent in the form-encoded body.
    """

    query: frozenset[str] = frozenset()
    body: frozenset[str] = frozenset()

    def location_of(self, name: str) -> Location | None:
        """Where ``name`` belongs; None for a name the action does not take (left alone)."""
        if name in self.body:
            return Location.BODY
        if name in self.query:
            return Location.QUERY
        return None


def _placement(query: str = "", body: str = "") -> Placement:
    return Placement(frozenset(query.split()), frozenset(body.split()))


PLACEMENTS: Mapping[str, Placement] = {
    "SubmitIProductionJob": _placement(
        query="FunctionName Input Output Name JobParams TemplateId ModelId ScheduleConfig UserData"
    ),
    "QueryIProductionJob": _placement(query="JobId ClientToken"),
    "CancelIProductionJob": _placement(query="JobId ClientToken"),
    "SubmitYikeStoryboardJob": _placement(
        query="AspectRatio ExecMode ModelParams NarrationVoiceId Resolution ShotPromptMode "
        "SkipFailureShot Title UserData VideoModel",
        body="FileURL ShotSplitMode SourceType StyleId",
    ),
    "GetYikeStoryboardJob": _placement(query="JobId"),
    "ResumeYikeStoryboardJob": _placement(query="JobId"),
    "SubmitYikeAIAppJob": _placement(body="AppId AppParams FolderId ProductionId"),
    "GetYikeAIAppJob": _placement(query="JobId"),
    "BatchGetYikeAIAppJob": _placement(query="JobIds"),
    "PrecheckYikeAIAppJob": _placement(query="AppId AppParams"),
    "SubmitMediaProducingJob": _placement(
        query="ClientToken ClipsParam EditingProduceConfig MediaMetadata OutputMediaConfig "
        "OutputMediaTarget ProjectId ProjectMetadata Source TemplateId UserData",
        body="Timeline",
    ),
    "GetMediaProducingJob": _placement(query="JobId"),
    "SubmitMediaConvertJob": _placement(query="ClientToken Config PipelineId UserData"),
    "GetMediaConvertJob": _placement(query="JobId"),
    "SubmitSnapshotJob": _placement(query="Input Name Output ScheduleConfig TemplateConfig UserData"),
    "GetSnapshotJob": _placement(query="JobId"),
    "SubmitDynamicImageJob": _placement(query="Input Name Output ScheduleConfig TemplateConfig UserData"),
    "GetDynamicImageJob": _placement(query="JobId"),
    "SubmitMediaInfoJob": _placement(query="Input Name ScheduleConfig UserData"),
    "GetMediaInfoJob": _placement(query="JobId"),
    "SubmitSmarttagJob": _placement(
        query="Content ContentAddr ContentType Input NotifyUrl Params ScheduleConfig TemplateConfig "
        "TemplateId Title UserData"
    ),
    "QuerySmarttagJob": _placement(query="JobId Params"),
    "SubmitBatchMediaProducingJob": _placement(
        query="ClientToken OutputConfig TemplateConfig UserData", body="EditingConfig InputConfig"
    ),
    "GetBatchMediaProducingJob": _placement(query="JobId"),
    "SubmitPackageJob": _placement(query="Inputs Name Output ScheduleConfig UserData"),
    "GetPackageJob": _placement(query="JobId"),
    "SubmitASRJob": _placement(query="Description Duration EditingConfig InputFile StartTime Title UserData"),
    "GetSmartHandleJob": _placement(query="JobId"),
    "SubmitAudioProduceJob": _placement(
        query="Description EditingConfig InputConfig OutputConfig Overwrite Title UserData"
    ),
    "SubmitAvatarVideoJob": _placement(
        query="Description EditingConfig InputConfig OutputConfig Title UserData"
    ),
    "SubmitVideoTranslationJob": _placement(
        query="ClientToken Description EditingConfig InputConfig OutputConfig Signature SignatureMehtod "
        "SignatureNonce SignatureType SignatureVersion Title UserData"
    ),
    "SubmitHighlightExtractionJob": _placement(query="ClientToken OutputConfig UserData", body="InputConfig"),
    "SubmitSegmentationJob": _placement(
        query="ClientToken JobParams OutputConfig UserData", body="InputConfig"
    ),
    "SubmitVideoCognitionJob": _placement(query="Input Params TemplateConfig TemplateId Title UserData"),
    "QueryVideoCognitionJob": _placement(query="IncludeResults JobId Params"),
    "SubmitMediaCensorJob": _placement(
        query="Barrages CoverImages Description Input NotifyUrl Output ScheduleConfig TemplateId Title UserData"
    ),
    "QueryMediaCensorJobDetail": _placement(
        query="JobId MaximumPageSize NextPageToken OwnerAccount OwnerId ResourceOwnerAccount ResourceOwnerId"
    ),
    "SubmitTranscodeJob": _placement(query="ClientToken InputGroup Name OutputGroup ScheduleConfig UserData"),
    "GetTranscodeJob": _placement(query="ParentJobId"),
    "ListSnapshotJobs": _placement(
        query="EndOfCreateTime JobId NextPageToken OrderBy PageSize StartOfCreateTime Status"
    ),
    "ListMediaConvertJobs": _placement(
        query="EndOfCreateTime JobId NextPageToken OrderBy PageSize StartOfCreateTime Status"
    ),
    "ListMediaInfoJobs": _placement(
        query="EndOfCreateTime JobId NextPageToken OrderBy PageSize StartOfCreateTime Status"
    ),
    "ListMediaProducingJobs": _placement(
        query="EndTime JobType Keyword MasterJobId MaxResults NextToken ProjectId SortBy StartTime Status"
    ),
    "ListTranscodeJobs": _placement(
        query="EndOfCreateTime NextPageToken OrderBy PageSize ParentJobId StartOfCreateTime Status"
    ),
    "ListBatchMediaProducingJobs": _placement(
        query="EndTime JobId JobType MaxResults NextToken SortBy StartTime Status"
    ),
}


def strict_placement_default() -> bool:
    """Strict placement unless told otherwise: ``ICE_EMULATOR_STRICT_PLACEMENT`` set to 1/true/yes."""
    return os.environ.get(STRICT_PLACEMENT_VARIABLE, "").strip().lower() in ("1", "true", "yes", "on")


def check_placement(action: str, request: IncomingRequest) -> None:
    """Raise ICE's ``InvalidParameter`` for the first parameter of ``action`` sent in the wrong place."""
    placement = PLACEMENTS.get(action)
    if placement is None:
        return
    arrived = [(name, Location.QUERY) for name in request.query]
    arrived += [(name, Location.BODY) for name in request.form]
    for name, where in arrived:
        expected = placement.location_of(name)
        if expected is not None and expected is not where:
            raise invalid_parameter(
                name, f"{action} takes it in the {expected.value}, not in the {where.value}."
            )
