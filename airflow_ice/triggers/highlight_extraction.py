"""Trigger waiting for a highlight extraction job."""

from __future__ import annotations

from airflow_ice.families.highlight_extraction import HIGHLIGHT_EXTRACTION
from airflow_ice.triggers.base import IceJobTrigger


class IceHighlightExtractionJobTrigger(IceJobTrigger):
    """Poll a highlight extraction job (GetSmartHandleJob) until Finished, Failed or the deadline.

    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = HIGHLIGHT_EXTRACTION
