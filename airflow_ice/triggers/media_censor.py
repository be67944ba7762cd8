"""Trigger waiting for a media censor (content moderation) job."""

from __future__ import annotations

from airflow_ice.families.media_censor import MEDIA_CENSOR
from airflow_ice.triggers.base import IceJobTrigger


class IceMediaCensorJobTrigger(IceJobTrigger):
    """Poll a media censor job (QueryMediaCensorJobDetail) until Success, Fail or the deadline.

    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = MEDIA_CENSOR
