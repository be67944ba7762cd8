"""Trigger waiting for a video translation job."""

from __future__ import annotations

from airflow_ice.families.video_translation import VIDEO_TRANSLATION
from airflow_ice.triggers.base import IceJobTrigger


class IceVideoTranslationJobTrigger(IceJobTrigger):
    """Poll a video translation job (GetSmartHandleJob) until Finished, Failed or the deadline.

    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = VIDEO_TRANSLATION
