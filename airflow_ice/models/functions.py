"""The IProduction algorithm functions ICE offers (``FunctionName``)."""

from __future__ import annotations

from typing import Final

IPRODUCTION_FUNCTIONS: Final[tuple[str, ...]] = (
    "Cover",
    "VideoClip",
    "VideoDelogo",
    "VideoDetext",
    "CaptionExtraction",
    "VideoGreenScreenMatting",
    "FaceBeauty",
    "VideoH2V",
    "MusicSegmentDetect",
    "AudioBeatDetection",
    "AudioQualityAssessment",
    "SpeechDenoise",
    "AudioMixing",
    "MusicDemix",
)
"""Every function name, exactly as the API spells it."""

FUNCTIONS_WITHOUT_RESULT: Final[frozenset[str]] = frozenset(IPRODUCTION_FUNCTIONS) - {
    "Cover",
    "VideoClip",
    "MusicSegmentDetect",
    "AudioQualityAssessment",
}
"""Functions whose ``Result`` is ``{}``: their output is only in the output files."""
