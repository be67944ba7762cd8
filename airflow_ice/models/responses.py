"""The small ICE responses: submit, cancel, and the error body."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _SmallResponse(BaseModel):
    # Fields ICE adds later are kept rather than dropped.
    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="allow")


class SubmitJobResponse(_SmallResponse):
    """Answer of SubmitIProductionJob and SubmitYikeStoryboardJob.

    :param request_id: ``RequestId``.
    :param job_id: ``JobId`` of the new job.
    """

    request_id: str | None = Field(None, alias="RequestId")
    job_id: str = Field(alias="JobId", min_length=1)


class CancelJobResponse(_SmallResponse):
    """Answer of CancelIProductionJob.

    :param request_id: ``RequestId``.
    :param message: ``Message``.
    """

    request_id: str | None = Field(None, alias="RequestId")
    message: str | None = Field(None, alias="Message")


class IceErrorBody(_SmallResponse):
    """The body of an ICE error answer (HTTP 4xx/5xx).

    :param request_id: ``RequestId``, for Alibaba Cloud support.
    :param host_id: ``HostId``, the endpoint that answered.
    :param code: ``Code``, e.g. ``InvalidParameter``.
    :param message: ``Message``.
    :param recommend: ``Recommend``, a diagnosis link.
    :param access_denied_detail: ``AccessDeniedDetail``, added to RAM denials.
    """

    request_id: str | None = Field(None, alias="RequestId")
    host_id: str | None = Field(None, alias="HostId")
    code: str | None = Field(None, alias="Code")
    message: str | None = Field(None, alias="Message")
    recommend: str | None = Field(None, alias="Recommend")
    access_denied_detail: dict[str, Any] | str | None = Field(None, alias="AccessDeniedDetail")
