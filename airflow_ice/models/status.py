"""Job status enums, matched case-insensitively; a status ICE adds later is kept as a raw string."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar


class TolerantStatus(str, Enum):
    """A status enum whose lookup ignores case and knows a few alternative spellings."""

    @classmethod
    def _spellings(cls) -> dict[str, str]:
        return {}

    @classmethod
    def _missing_(cls, value: object) -> TolerantStatus | None:
        if not isinstance(value, str):
            return None
        key = value.strip().lower()
        key = cls._spellings().get(key, key)
        for member in cls:
            if member.value.lower() == key:
                return member
        return None


class IProductionJobStatus(TolerantStatus):
    """Status of an IProduction job. Terminal: ``Success`` and ``Fail``."""

    QUEUING = "Queuing"
    ANALYSING = "Analysing"
    SUCCESS = "Success"
    FAIL = "Fail"

    @classmethod
    def _spellings(cls) -> dict[str, str]:
        # The SDK's comment spells it the American way.
        return {"analyzing": "analysing"}


class YikeStoryboardJobStatus(TolerantStatus):
    """Status of a Yike storyboard job. Terminal: ``Succeeded`` and ``Failed``."""

    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"

    @classmethod
    def _spellings(cls) -> dict[str, str]:
        # The spellings the IProduction API uses for the same outcomes.
        return {"success": "succeeded", "fail": "failed"}


class MediaProducingJobStatus(TolerantStatus):
    """Status of a media producing (timeline editing) job. Terminal: ``Success`` and ``Failed``."""

    INIT = "Init"
    QUEUING = "Queuing"
    PROCESSING = "Processing"
    SUCCESS = "Success"
    FAILED = "Failed"


class MediaConvertJobStatus(TolerantStatus):
    """State of a media convert job. Terminal: ``Complete`` (success), ``Error`` and ``Cancelled``."""

    INITED = "Inited"
    RUNNING = "Running"
    COMPLETE = "Complete"
    ERROR = "Error"
    CANCELLED = "Cancelled"


class SnapshotJobStatus(TolerantStatus):
    """Status of a snapshot job. Terminal: ``Success`` and ``Fail``."""

    INIT = "Init"
    SUCCESS = "Success"
    FAIL = "Fail"


class BatchMediaProducingJobStatus(TolerantStatus):
    """State of a batch media producing job. Terminal: ``Finished`` (success: each sub-job has its
    own status) and ``Failed``. The SDK documents ``Init``, ``Processing`` and ``Finished``; a main job
    that cannot run ends ``Failed`` (its ``Extend`` says why)."""

    INIT = "Init"
    PROCESSING = "Processing"
    FINISHED = "Finished"
    FAILED = "Failed"


class BatchSubJobStatus(TolerantStatus):
    """State of one video of a batch media producing job (the SDK's values). Terminal: ``Success``
    and ``Failed``."""

    INIT = "Init"
    PROCESSING = "Processing"
    SUCCESS = "Success"
    FAILED = "Failed"


class PackageJobStatus(TolerantStatus):
    """State of a packaging job. Terminal: ``Success`` and ``Fail`` (the SDK's ``ListPackageJobs``
    values: Init, Success, Fail)."""

    INIT = "Init"
    SUCCESS = "Success"
    FAIL = "Fail"


class SmartHandleJobStatus(TolerantStatus):
    """State of a smart job read by GetSmartHandleJob (speech recognition, ...). Terminal:
    ``Finished`` (success) and ``Failed``. The values are the SDK's (``ListSmartJobs``'s
    ``JobState``: Created, Executing, Finished, Failed)."""

    CREATED = "Created"
    EXECUTING = "Executing"
    FINISHED = "Finished"
    FAILED = "Failed"


class DynamicImageJobStatus(TolerantStatus):
    """Status of an animated image job. Terminal: ``Success`` and ``Fail``."""

    # The values of the official SDK's GetDynamicImageJobResponseBody (and ListDynamicImageJobs'
    # Status filter), which ICE's GetDynamicImageJob reference page repeats.
    INIT = "Init"
    SUCCESS = "Success"
    FAIL = "Fail"


class MediaCensorJobStatus(TolerantStatus):
    """State of a media censor (content moderation) job. Terminal: ``Success`` and ``Fail``. The
    values are ICE's (the ``State`` filter of ``QueryMediaCensorJobList`` in its API reference:
    Queuing, Analysing, Success, Fail)."""

    QUEUING = "Queuing"
    ANALYSING = "Analysing"
    SUCCESS = "Success"
    FAIL = "Fail"

    @classmethod
    def _spellings(cls) -> dict[str, str]:
        # The American spelling, as the SDK's comments write IProduction's same state.
        return {"analyzing": "analysing"}


class SmarttagJobStatus(TolerantStatus):
    """Status of a smart tagging job. Terminal: ``Success`` and ``Fail``."""

    SUBMITTED = "Submitted"
    PROCESSING = "Processing"
    SUCCESS = "Success"
    FAIL = "Fail"


class YikeAIAppJobStatus(TolerantStatus):
    """Status of a Yike AI application job. Terminal: ``Finished`` (success) and ``Failed``."""

    CREATED = "Created"
    QUEUING = "Queuing"
    EXECUTING = "Executing"
    FINISHED = "Finished"
    FAILED = "Failed"


class TranscodeJobStatus(TolerantStatus):
    """Status of a transcode job (GetTranscodeJob). Terminal: ``Success`` (at least one sub-job
    succeeded), ``Fail`` (every sub-job failed) and ``Deleted``.

    The values are ICE's API reference and the official SDK's GetTranscodeJobResponseBody: the
    parent job's ``Success`` and ``Fail``; its sub-jobs' ``Init`` (submitted), ``Processing``,
    ``Success``, ``Fail`` and ``Deleted``, which a parent shows while it runs.
    """

    INIT = "Init"
    PROCESSING = "Processing"
    SUCCESS = "Success"
    FAIL = "Fail"
    DELETED = "Deleted"


# Media info jobs have the same three states.
MediaInfoJobStatus = SnapshotJobStatus


StatusT = TypeVar("StatusT", bound=TolerantStatus)


def parse_status(enum_cls: type[StatusT], raw: str) -> StatusT | None:
    """The member matching ``raw`` (any case, known alternative spellings), or None if unknown."""
    try:
        return enum_cls(raw)
    except ValueError:
        return None
