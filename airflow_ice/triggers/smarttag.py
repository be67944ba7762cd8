"""Trigger waiting for a smart tagging job."""

from __future__ import annotations

from airflow_ice.families.smarttag import SMARTTAG
from airflow_ice.triggers.base import IceJobTrigger


class IceSmarttagJobTrigger(IceJobTrigger):
    """Poll a smart tagging job (QuerySmarttagJob) until Success, Fail or the deadline.

    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = SMARTTAG
