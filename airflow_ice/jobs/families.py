"""What differs between ICE job families (IProduction, Yike storyboard, ...): one descriptor each.

Operators, sensors and triggers are written once against :class:`JobFamily`; a new family (e.g.
Yike AI-app jobs) adds a descriptor and thin subclasses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from airflow_ice.lineage.job_lineage import JobMedia, JobOutputs, oss_locations_in

if TYPE_CHECKING:
    from airflow_ice.hooks.ice import IceHook


class IceJob(Protocol):
    """What every parsed ICE job model offers."""

    @property
    def status_text(self) -> str | None:
        """The raw status, or None when ICE sent none."""

    @property
    def job_id(self) -> str:
        """The ICE job id."""

    @property
    def is_terminal(self) -> bool:
        """Whether the job has finished (successfully or not)."""

    @property
    def succeeded(self) -> bool:
        """Whether the job finished successfully."""

    @property
    def failed(self) -> bool:
        """Whether the job finished unsuccessfully."""

    def to_xcom(self) -> dict[str, Any]:
        """The compact JSON form pushed to XCom."""


@dataclass(frozen=True)
class JobFamily:
    """How to handle one family of ICE jobs.

    :param name: display name used in logs and errors, e.g. ``IProduction``.
    :param query: reads a job through a hook (sync).
    :param aquery: reads a job through a hook (async, for triggers).
    :param output_url_of: the output URL in a finished job's XCom form (``to_xcom()``), else None.
    :param outputs_of: every file a finished job wrote, from its XCom form: the one reader behind
        its lineage outputs, its asset events and the docs' "Outputs" row.
    :param inputs_of: the files a job reads, from its request's API form
        (``model_dump(by_alias=True)``): its lineage inputs.
    :param requested_outputs_of: where a job was asked to write, from its request's API form: its
        outputs before it ran (and when it was not waited for).
    :param outputs_described: what :attr:`outputs_of` reads, in words (the family pages and the
        lineage page say it; a docs test compares them).
    :param inputs_described: what :attr:`inputs_of` reads, in words (likewise).
    :param failure_detail_of: what ICE said about a failed job (parsed model), beyond its status.
    :param cancel: cancels a job (sync), or None when ICE cannot cancel this family.
    :param acancel: cancels a job (async), or None when ICE cannot cancel this family.
    :param expected_seconds_of: the least time a job of this family is expected to run, from its
        validated request model (see :data:`IPRODUCTION_EXPECTED_SECONDS`): after the check at
        once the waiters do not poll again before it (``expected_duration`` overrides it).
    :param client_token: whether the submit takes ICE's ``ClientToken`` (the request model has a
        ``client_token`` field): the operator then sends one, so a submit whose answer was lost is
        resent safely instead of failing the task as outcome-unknown.
    """

    name: str
    query: Callable[[IceHook, str], IceJob]
    aquery: Callable[[IceHook, str], Awaitable[IceJob]]
    output_url_of: Callable[[Mapping[str, Any]], str | None]
    outputs_of: Callable[[Mapping[str, Any]], JobOutputs]
    inputs_of: Callable[[Mapping[str, Any]], list[JobMedia]]
    outputs_described: str
    inputs_described: str
    requested_outputs_of: Callable[[Mapping[str, Any]], list[JobMedia]] = lambda request: []
    failure_detail_of: Callable[[Any], str] = lambda job: ""
    cancel: Callable[[IceHook, str], None] | None = None
    acancel: Callable[[IceHook, str], Awaitable[None]] | None = None
    expected_seconds_of: Callable[[Any], float] = lambda request: 0.0
    client_token: bool = False

    @property
    def can_cancel(self) -> bool:
        """Whether ICE offers a cancel action for this family."""
        return self.cancel is not None

    @property
    def no_cancel_reason(self) -> str:
        """Why a job of this family keeps running on ``timeout`` or a kill (logged; the docs say it)."""
        return f"ICE has no cancel action for {self.name} jobs"


# Readers of a job's inputs and outputs. Requests are read in their API form (ICE's names, objects as
# dicts, JSON text parameters as text); jobs in their XCom form. Nothing here raises: a shape that does
# not fit yields nothing (lineage never fails a task).


def _media_file(value: object) -> list[JobMedia]:
    """``{"Type": "OSS" | "Media" | "URL", "Media": ...}`` (or its JSON text)."""
    value = _decoded(value)
    if isinstance(value, Mapping) and isinstance(value.get("Media"), str) and value["Media"].strip():
        kind = value.get("Type")
        return [JobMedia(value["Media"].strip(), kind if isinstance(kind, str) else "OSS")]
    return []


def _decoded(value: object) -> object:
    """JSON text decoded; anything else as it is."""
    if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _items(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _addresses_in(*values: object) -> list[JobMedia]:
    """The OSS addresses anywhere inside the values (JSON text decoded)."""
    return [JobMedia(found) for value in values for found in oss_locations_in(_decoded(value))]


def _input(request: Mapping[str, Any]) -> list[JobMedia]:
    return _media_file(request.get("Input"))


def _convert_inputs(request: Mapping[str, Any]) -> list[JobMedia]:
    config = _decoded(request.get("Config"))
    if not isinstance(config, Mapping):
        return []
    return [found for item in _items(config.get("Inputs")) for found in _media_file(_get(item, "InputFile"))]


def _get(item: object, key: str) -> object:
    return item.get(key) if isinstance(item, Mapping) else None


def _convert_requested_outputs(request: Mapping[str, Any]) -> list[JobMedia]:
    config = _decoded(request.get("Config"))
    if not isinstance(config, Mapping):
        return []
    outputs = _items(config.get("Outputs"))
    outputs += [
        output for group in _items(config.get("OutputGroups")) for output in _items(_get(group, "Outputs"))
    ]
    return [found for output in outputs for found in _media_file(_get(output, "OutputFile"))]


def _producing_requested_outputs(request: Mapping[str, Any]) -> list[JobMedia]:
    config = _decoded(request.get("OutputMediaConfig"))
    url = _get(config, "MediaURL")
    return [JobMedia(url.strip())] if isinstance(url, str) and url.strip() else []


_PLACEHOLDER = re.compile(r"\{(Count|TileCount)\}")
# ICE numbers several snapshots from 1 in five digits: output-{Count}.jpg -> output-00001.jpg, ...
# (the GetSnapshotUrls example of ICE's API reference).
SNAPSHOT_NUMBER_DIGITS = 5


def _snapshot_requested_outputs(request: Mapping[str, Any]) -> list[JobMedia]:
    # A numbered output names its files only once the job says how many it wrote.
    return [media for media in _media_file(request.get("Output")) if not _PLACEHOLDER.search(media.media)]


def _snapshot_files(job: Mapping[str, Any]) -> Iterator[str]:
    """The files of a finished snapshot job: the single snapshot's URL, the WebVTT file, or one file per
    ``{Count}`` number (a sprite's ``{TileCount}`` tiles are not counted in the answer: none)."""
    if job.get("output_url"):
        yield str(job["output_url"])
        return
    media = job.get("output_media")
    if not isinstance(media, str) or not media.strip():
        return
    count = job.get("count")
    if "{Count}" in media and isinstance(count, int) and not isinstance(count, bool) and count > 0:
        for number in range(1, count + 1):
            yield media.replace("{Count}", f"{number:0{SNAPSHOT_NUMBER_DIGITS}d}")
    elif not _PLACEHOLDER.search(media):
        yield media


def _iproduction_outputs(job: Mapping[str, Any]) -> JobOutputs:
    return JobOutputs.of(_items(job.get("output_urls")), _items(job.get("output_media_ids")))


def _ai_app_outputs(job: Mapping[str, Any]) -> JobOutputs:
    kinds = ("video_outputs", "image_outputs", "audio_outputs")
    items = [item for kind in kinds for item in _items(job.get(kind)) if isinstance(item, Mapping)]
    return JobOutputs.of(_items(job.get("output_urls")), [item.get("media_id") for item in items])


def _no_outputs(job: Mapping[str, Any]) -> JobOutputs:
    return JobOutputs()


def _model_failure_detail(job: Any) -> str:
    return str(getattr(job, "failure_detail", ""))


def _first_output_url(job: Mapping[str, Any]) -> str | None:
    urls = job.get("output_urls") or []
    return str(urls[0]) if urls else None


def _output_url(job: Mapping[str, Any]) -> str | None:
    url = job.get("output_url")
    return str(url) if url else None


def _iproduction_failure_detail(job: Any) -> str:
    # A failed job's Result holds ICE's error (e.g. ErrorCode, ErrorMessage), not the function's result.
    raw = getattr(job, "result_raw", None)
    return f"Result: {raw[:500]}" if raw else ""


# Expected minimum durations. ICE publishes no job durations and no measurements of real jobs were
# available to this project, so each figure is a conservative floor judged from the work a job
# must do after it is accepted: wait in ICE's queue, fetch its input from OSS, process it, write
# its output. Audio analysis reads a short stream; video analysis decodes the whole video; video
# rewriting decodes and re-encodes it. A job that ends earlier than its figure is only seen that
# much later (at most the figure); set ``expected_duration`` from your own jobs' history.
_AUDIO_ANALYSIS_SECONDS = 10.0
_AUDIO_PROCESSING_SECONDS = 15.0
_VIDEO_ANALYSIS_SECONDS = 15.0
_VIDEO_REWRITE_SECONDS = 30.0
IPRODUCTION_EXPECTED_SECONDS: Mapping[str, float] = {
    "AudioBeatDetection": _AUDIO_ANALYSIS_SECONDS,
    "AudioQualityAssessment": _AUDIO_ANALYSIS_SECONDS,
    "MusicSegmentDetect": _AUDIO_ANALYSIS_SECONDS,
    "SpeechDenoise": _AUDIO_PROCESSING_SECONDS,
    "AudioMixing": _AUDIO_PROCESSING_SECONDS,
    "MusicDemix": _AUDIO_PROCESSING_SECONDS,
    "Cover": _VIDEO_ANALYSIS_SECONDS,
    "VideoClip": _VIDEO_ANALYSIS_SECONDS,
    "CaptionExtraction": _VIDEO_ANALYSIS_SECONDS,
    "VideoDelogo": _VIDEO_REWRITE_SECONDS,
    "VideoDetext": _VIDEO_REWRITE_SECONDS,
    "VideoGreenScreenMatting": _VIDEO_REWRITE_SECONDS,
    "FaceBeauty": _VIDEO_REWRITE_SECONDS,
    "VideoH2V": _VIDEO_REWRITE_SECONDS,
}
"""Expected minimum seconds per IProduction ``FunctionName`` (a function not listed: 0)."""
# A storyboard job writes a script from a novel, then generates and narrates every shot.
YIKE_STORYBOARD_EXPECTED_SECONDS = 120.0
# An AI-app job runs a generative application (image or video) on its inputs.
YIKE_AI_APP_EXPECTED_SECONDS = 30.0
MEDIA_EXPECTED_SECONDS: dict[str, float] = {
    # A media producing job renders a timeline: fetch every clip, compose, encode the whole output.
    "Media producing": _VIDEO_REWRITE_SECONDS,
    # A media convert job decodes and re-encodes the whole input.
    "Media convert": _VIDEO_REWRITE_SECONDS,
    # A snapshot job decodes up to the frames it captures.
    "Snapshot": _VIDEO_ANALYSIS_SECONDS,
    # A media info job reads the file's headers.
    "Media info": _AUDIO_ANALYSIS_SECONDS,
    # A smart tagging job runs its template's analyses over the whole video.
    "Smart tagging": _VIDEO_ANALYSIS_SECONDS,
}
"""Expected minimum seconds of the media job families, by family name."""


IPRODUCTION = JobFamily(
    name="IProduction",
    query=lambda hook, job_id: hook.query_iproduction_job(job_id),
    aquery=lambda hook, job_id: hook.aquery_iproduction_job(job_id),
    output_url_of=_first_output_url,
    outputs_of=_iproduction_outputs,
    outputs_described="`OutputUrls` (and `OutputMediaIds` when ICE reports no URL)",
    inputs_of=_input,
    inputs_described="`Input` (an OSS object or a media id)",
    requested_outputs_of=lambda request: _media_file(request.get("Output")),
    failure_detail_of=_iproduction_failure_detail,
    cancel=lambda hook, job_id: hook.cancel_iproduction_job(job_id),
    acancel=lambda hook, job_id: hook.acancel_iproduction_job(job_id),
    expected_seconds_of=lambda request: IPRODUCTION_EXPECTED_SECONDS.get(request.function_name, 0.0),
)
"""IProduction jobs (Submit/Query/CancelIProductionJob)."""


def _storyboard_failure_detail(job: Any) -> str:
    # A failed storyboard job says what went wrong only in its failed shots' error codes.
    result = getattr(job, "job_result", None)
    shots = getattr(result, "failure_shot_list", None) or []
    codes = sorted({shot.error_code for shot in shots if shot.error_code})
    return f"failed shots: {len(shots)} ({', '.join(codes)})" if shots else ""


YIKE_STORYBOARD = JobFamily(
    name="Yike storyboard",
    query=lambda hook, job_id: hook.get_yike_storyboard_job(job_id),
    aquery=lambda hook, job_id: hook.aget_yike_storyboard_job(job_id),
    output_url_of=_output_url,
    outputs_of=lambda job: JobOutputs.of([job.get("output_url")]),
    outputs_described="the video's `OutputUrl`",
    inputs_of=lambda request: [JobMedia(str(request["FileURL"]))] if request.get("FileURL") else [],
    inputs_described="`FileURL`, the source text",
    expected_seconds_of=lambda request: YIKE_STORYBOARD_EXPECTED_SECONDS,
    failure_detail_of=_storyboard_failure_detail,
)
"""Yike storyboard jobs (Submit/GetYikeStoryboardJob). ICE has no cancel action for them."""


YIKE_AI_APP = JobFamily(
    name="Yike AI app",
    query=lambda hook, job_id: hook.get_yike_ai_app_job(job_id),
    aquery=lambda hook, job_id: hook.aget_yike_ai_app_job(job_id),
    # to_xcom() lists video outputs first, then images, then audio.
    output_url_of=_first_output_url,
    outputs_of=_ai_app_outputs,
    outputs_described="every video, image and audio output (`OutputUrl`, or `MediaId` when ICE reports no URL)",
    inputs_of=lambda request: _addresses_in(request.get("AppParams")),
    inputs_described="the OSS objects named anywhere in `AppParams`",
    failure_detail_of=_model_failure_detail,
    expected_seconds_of=lambda request: YIKE_AI_APP_EXPECTED_SECONDS,
)
"""Yike AI application jobs (Submit/Get/BatchGet/PrecheckYikeAIAppJob). ICE has no cancel action for them."""


def _media_expected_seconds(name: str) -> Callable[[Any], float]:
    """The family's :data:`MEDIA_EXPECTED_SECONDS` figure, read when asked (so a changed figure counts)."""
    return lambda request: MEDIA_EXPECTED_SECONDS[name]


def _media_url(job: Mapping[str, Any]) -> str | None:
    url = job.get("media_url")
    return str(url) if url else None


MEDIA_PRODUCING = JobFamily(
    name="Media producing",
    query=lambda hook, job_id: hook.get_media_producing_job(job_id),
    aquery=lambda hook, job_id: hook.aget_media_producing_job(job_id),
    output_url_of=_media_url,
    outputs_of=lambda job: JobOutputs.of(
        [job.get("media_url")], [job.get("media_id"), job.get("vod_media_id")]
    ),
    outputs_described="the rendered file, `MediaURL` (its `MediaId` when ICE reports no URL)",
    inputs_of=lambda request: _addresses_in(request.get("Timeline"), request.get("ClipsParam")),
    inputs_described="the OSS objects named in `Timeline` or `ClipsParam` (the clips' `MediaURL`)",
    requested_outputs_of=_producing_requested_outputs,
    failure_detail_of=_model_failure_detail,
    expected_seconds_of=_media_expected_seconds("Media producing"),
    client_token=True,
)
"""Media producing (timeline editing) jobs (Submit/GetMediaProducingJob), with ClientToken. No cancel."""


MEDIA_CONVERT = JobFamily(
    name="Media convert",
    query=lambda hook, job_id: hook.get_media_convert_job(job_id),
    aquery=lambda hook, job_id: hook.aget_media_convert_job(job_id),
    output_url_of=_first_output_url,
    outputs_of=lambda job: JobOutputs.of(_items(job.get("output_urls"))),
    outputs_described="every written file, `output_urls` (single outputs, then the output groups')",
    inputs_of=_convert_inputs,
    inputs_described="every input's `InputFile` (an OSS object or a media id)",
    requested_outputs_of=_convert_requested_outputs,
    failure_detail_of=_model_failure_detail,
    expected_seconds_of=_media_expected_seconds("Media convert"),
    client_token=True,
)
"""Media convert jobs (Submit/GetMediaConvertJob), with ClientToken. ICE has no cancel action for them."""


SNAPSHOT = JobFamily(
    name="Snapshot",
    query=lambda hook, job_id: hook.get_snapshot_job(job_id),
    aquery=lambda hook, job_id: hook.aget_snapshot_job(job_id),
    output_url_of=_output_url,
    outputs_of=lambda job: JobOutputs.of(_snapshot_files(job)),
    outputs_described=(
        "every image: the single snapshot, each numbered file of `{Count}` (`-00001` to the job's "
        "`Count`), or the WebVTT file; a sprite's tiles are not counted by ICE: none"
    ),
    inputs_of=_input,
    inputs_described="`Input` (an OSS object or a media id)",
    requested_outputs_of=_snapshot_requested_outputs,
    failure_detail_of=_model_failure_detail,
    expected_seconds_of=_media_expected_seconds("Snapshot"),
)
"""Snapshot jobs (Submit/GetSnapshotJob). No ClientToken (a lost submit answer fails the task), no cancel."""


MEDIA_INFO = JobFamily(
    name="Media info",
    query=lambda hook, job_id: hook.get_media_info_job(job_id),
    aquery=lambda hook, job_id: hook.aget_media_info_job(job_id),
    output_url_of=lambda job: None,
    outputs_of=_no_outputs,
    outputs_described="none (the job writes no file; its result is in XCom)",
    inputs_of=_input,
    inputs_described="`Input` (an OSS object or a media id)",
    failure_detail_of=_model_failure_detail,
    expected_seconds_of=_media_expected_seconds("Media info"),
)
"""Media info jobs (Submit/GetMediaInfoJob). No ClientToken, no cancel, no output file."""


SMARTTAG = JobFamily(
    name="Smart tagging",
    query=lambda hook, job_id: hook.query_smarttag_job(job_id),
    aquery=lambda hook, job_id: hook.aquery_smarttag_job(job_id),
    output_url_of=lambda job: None,
    outputs_of=_no_outputs,
    outputs_described="none (the job writes no file; its tags are in XCom)",
    inputs_of=_input,
    inputs_described="`Input` (an OSS object or a media id)",
    expected_seconds_of=_media_expected_seconds("Smart tagging"),
)
"""Smart tagging jobs (SubmitSmarttagJob/QuerySmarttagJob). No ClientToken, no cancel action, no output file."""
