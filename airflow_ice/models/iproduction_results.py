"""Typed forms of an IProduction job's ``Result``, a JSON string whose shape depends on FunctionName."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, FiniteFloat, JsonValue, TypeAdapter

from airflow_ice.models.functions import FUNCTIONS_WITHOUT_RESULT
from airflow_ice.models.json_text import decode_json_text


class _ResultPart(BaseModel):
    # Keys ICE adds later are kept (they come from decoded JSON, so they stay JSON-safe).
    model_config = ConfigDict(populate_by_name=True, extra="allow", frozen=True)


class CoverFrame(_ResultPart):
    """One cover candidate.

    :param score: confidence of the cover.
    :param time: timestamp of the frame (sent as a string, parsed to a number).
    :param url: path of the cover file.
    """

    score: FiniteFloat = Field(alias="Score")
    time: FiniteFloat = Field(alias="Time")
    url: str = Field(alias="Url")


class CoverResult(_ResultPart):
    """Result of ``Cover``: the covers, best first as ICE orders them."""

    kind: Literal["Cover"] = "Cover"
    covers: list[CoverFrame]

    def to_xcom(self, output_urls: Sequence[str]) -> dict[str, Any]:
        """JSON form, each cover with the absolute ``output_url`` of its file (None if no output URL
        names it): ``url`` is a relative path (``cover/x-00001.jpg``), and ``OutputUrls`` come in no
        promised order, so they are matched by file name."""
        data = self.model_dump(mode="json")
        for cover, frame in zip(data["covers"], self.covers, strict=True):
            cover["output_url"] = cover_output_url(frame.url, output_urls)
        return data


def cover_output_url(path: str, output_urls: Sequence[str]) -> str | None:
    """The entry of ``output_urls`` whose file name (before any query) is that of ``path``."""
    if path.startswith(("https://", "http://")):
        return path
    name = path.rpartition("/")[2]
    if not name:
        return None
    for url in output_urls:
        if url.partition("?")[0].rpartition("/")[2] == name:
            return url
    return None


class VideoSegment(_ResultPart):
    """A segment cut from the source video, in seconds."""

    start: FiniteFloat = Field(alias="StartTime")
    end: FiniteFloat = Field(alias="EndTime")


class VideoClipResult(_ResultPart):
    """Result of ``VideoClip``: the summary segments (``VideoSummaryList``)."""

    kind: Literal["VideoClip"] = "VideoClip"
    segments: list[VideoSegment]


class MusicSegment(_ResultPart):
    """A detected music segment, in seconds, with its title (e.g. the chorus)."""

    start: FiniteFloat
    end: FiniteFloat
    title: str


class MusicSegmentDetectResult(_ResultPart):
    """Result of ``MusicSegmentDetect``."""

    kind: Literal["MusicSegmentDetect"] = "MusicSegmentDetect"
    segments: list[MusicSegment]


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


_Score = Annotated[FiniteFloat | None, BeforeValidator(_blank_to_none)]
_Text = Annotated[str | None, BeforeValidator(_blank_to_none)]


class AudioQualityReport(_ResultPart):
    """Quality of one audio channel (``AudioQualityAssessment``). Scores run from 0 (bad) to 5.

    :param channel: channel number.
    :param mos: mean opinion score, ``MOS(0-5)``; ``worst_mos`` its worst value.
    :param loudness_db: loudness in dB (-90 to 0), ``Loudness(-90dB-0dB)``.
    :param speech_ratio: share of speech, ``Speech Ratio``.
    :param bad_mute_ratio_pct: ``Bad Mute Ratio(%)``.
    :param double_talk_ratio_pct: ``Double Talk Ratio(%)``.
    :param saturated_ratio_pct: ``Saturated Ratio(%)``.
    :param total_duration: ``Total Duration`` in seconds.
    :param tag: ``Tag``, e.g. ``Valid``.
    :param input: the analysed file, ``Input``.
    :param time: when it was analysed, ``Time``, as sent (no time zone given).
    :param mos_grade: grade of MOS (``Excellent``, ``Good``, ``Fair``, ``Poor``, ``Bad``); likewise
        ``loudness_grade``, ``coloration_grade``, ``discontinuity_grade``, ``noisiness_grade``.
    :param loudness_score: ``Loudness(0-5)``; likewise ``coloration_score``, ``discontinuity_score``,
        ``noisiness_score``, and the worst values ``worst_coloration``, ``worst_discontinuity``,
        ``worst_noisiness``.
    """

    channel: Annotated[int | None, BeforeValidator(_blank_to_none)] = Field(None, alias="Channel")
    mos: _Score = Field(None, alias="MOS(0-5)")
    worst_mos: _Score = Field(None, alias="Worst MOS(0-5)")
    loudness_db: _Score = Field(None, alias="Loudness(-90dB-0dB)")
    speech_ratio: _Score = Field(None, alias="Speech Ratio")
    bad_mute_ratio_pct: _Score = Field(None, alias="Bad Mute Ratio(%)")
    double_talk_ratio_pct: _Score = Field(None, alias="Double Talk Ratio(%)")
    saturated_ratio_pct: _Score = Field(None, alias="Saturated Ratio(%)")
    total_duration: _Score = Field(None, alias="Total Duration")
    tag: _Text = Field(None, alias="Tag")
    input: _Text = Field(None, alias="Input")
    time: _Text = Field(None, alias="Time")
    mos_grade: _Text = Field(None, alias="MOS")
    loudness_grade: _Text = Field(None, alias="Loudness")
    coloration_grade: _Text = Field(None, alias="Coloration")
    discontinuity_grade: _Text = Field(None, alias="Discontinuity")
    noisiness_grade: _Text = Field(None, alias="Noisiness")
    loudness_score: _Score = Field(None, alias="Loudness(0-5)")
    coloration_score: _Score = Field(None, alias="Coloration(0-5)")
    discontinuity_score: _Score = Field(None, alias="Discontinuity(0-5)")
    noisiness_score: _Score = Field(None, alias="Noisiness(0-5)")
    worst_coloration: _Score = Field(None, alias="Worst Coloration(0-5)")
    worst_discontinuity: _Score = Field(None, alias="Worst Discontinuity(0-5)")
    worst_noisiness: _Score = Field(None, alias="Worst Noisiness(0-5)")


class AudioQualityAssessmentResult(_ResultPart):
    """Result of ``AudioQualityAssessment``: one report per channel."""

    kind: Literal["AudioQualityAssessment"] = "AudioQualityAssessment"
    channels: list[AudioQualityReport]


class EmptyResult(_ResultPart):
    """Result of the functions whose output is only in files (``{}``)."""

    kind: Literal["Empty"] = "Empty"


class OtherResult(_ResultPart):
    """A Result this version cannot type (unknown function, or content where ``{}`` was expected).

    :param data: the decoded JSON.
    """

    kind: Literal["Other"] = "Other"
    data: JsonValue


IProductionResult = Annotated[
    CoverResult
    | VideoClipResult
    | MusicSegmentDetectResult
    | AudioQualityAssessmentResult
    | EmptyResult
    | OtherResult,
    Field(discriminator="kind"),
]
"""Any typed Result; ``kind`` says which."""

_COVERS = TypeAdapter(list[CoverFrame])
_MUSIC_SEGMENTS = TypeAdapter(list[MusicSegment])
_AUDIO_REPORTS = TypeAdapter(list[AudioQualityReport])


_EMPTY_TYPED: dict[str, IProductionResult] = {
    "Cover": CoverResult(covers=[]),
    "VideoClip": VideoClipResult(segments=[]),
    "MusicSegmentDetect": MusicSegmentDetectResult(segments=[]),
    "AudioQualityAssessment": AudioQualityAssessmentResult(channels=[]),
}


class ResultShapeError(ValueError):
    """The Result is JSON but not the shape documented for its function."""


def _typed_result(function_name: str | None, decoded: Any) -> IProductionResult:
    # Raises ValueError (pydantic's ValidationError is one) when the shape is not the documented one.
    if decoded in ({}, []) and function_name in _EMPTY_TYPED:
        # Seen in the API's own sample (a Cover job with Result "{}"): nothing found, not an error.
        return _EMPTY_TYPED[function_name]
    if function_name == "Cover":
        return CoverResult(covers=_COVERS.validate_python(decoded))
    if function_name == "VideoClip":
        if not isinstance(decoded, dict) or "VideoSummaryList" not in decoded:
            raise ResultShapeError("expected an object with VideoSummaryList")
        return VideoClipResult.model_validate({"segments": decoded["VideoSummaryList"]})
    if function_name == "MusicSegmentDetect":
        return MusicSegmentDetectResult(segments=_MUSIC_SEGMENTS.validate_python(decoded))
    if function_name == "AudioQualityAssessment":
        return AudioQualityAssessmentResult(channels=_AUDIO_REPORTS.validate_python(decoded))
    if function_name in FUNCTIONS_WITHOUT_RESULT and decoded == {}:
        return EmptyResult()
    return OtherResult(data=decoded)


def _first_problem(error: ValueError) -> str:
    errors = getattr(error, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    return str(error)


def decode_result(function_name: str | None, raw: str) -> tuple[IProductionResult | None, list[str]]:
    """Decode a Result string for ``function_name``; never raises.

    :param function_name: the job's FunctionName (None when unknown).
    :param raw: the Result string as received.
    :return: the typed result (None when the text is not JSON or not the documented shape) and
        warnings describing anything unexpected.
    """
    if not raw.strip():
        return None, []
    try:
        decoded = decode_json_text(raw)
    except ValueError as exc:
        return None, [f"Result: not JSON ({exc}); kept as received in result_raw"]
    try:
        result = _typed_result(function_name, decoded)
    except ValueError as exc:
        return None, [
            f"Result: not the documented shape for {function_name} ({_first_problem(exc)}); "
            "kept as received in result_raw"
        ]
    if isinstance(result, OtherResult):
        if function_name in FUNCTIONS_WITHOUT_RESULT:
            reason = f"{function_name} is documented to return {{}}"
        else:
            reason = f"function {function_name!r} has no typed result in this version"
        return result, [f"Result: {reason}; decoded JSON kept in result.data"]
    return result, []
