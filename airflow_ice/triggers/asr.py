"""Trigger waiting for a speech recognition job."""

from __future__ import annotations

from airflow_ice.families.asr import ASR
from airflow_ice.triggers.base import IceJobTrigger


class IceAsrJobTrigger(IceJobTrigger):
    """Poll a speech recognition job (GetSmartHandleJob) until Finished, Failed or the deadline.

    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = ASR
