"""Trigger waiting for a text to speech job."""

from __future__ import annotations

from airflow_ice.families.audio_produce import AUDIO_PRODUCE
from airflow_ice.triggers.base import IceJobTrigger


class IceAudioProduceJobTrigger(IceJobTrigger):
    """Poll a text to speech job (GetSmartHandleJob) until Finished, Failed or the deadline.

    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = AUDIO_PRODUCE
