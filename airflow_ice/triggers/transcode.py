"""Trigger waiting for a transcode job."""

from __future__ import annotations

from airflow_ice.families.transcode import TRANSCODE
from airflow_ice.triggers.base import IceJobTrigger


class IceTranscodeJobTrigger(IceJobTrigger):
    """Poll a transcode job (GetTranscodeJob) until Success, Fail, Deleted or the deadline.

    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = TRANSCODE
