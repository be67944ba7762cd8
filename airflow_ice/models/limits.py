"""ICE's documented limits on request fields that operators read when a DAG file is parsed.

Plain numbers, apart from the request models (building those is what parsing should not pay for
families it does not use).
"""

from __future__ import annotations

MEDIA_PRODUCING_USER_DATA_MAX_BYTES = 512
"""SubmitMediaProducingJob's limit on UserData (ICE documents 512 bytes)."""

__all__ = ["MEDIA_PRODUCING_USER_DATA_MAX_BYTES"]
