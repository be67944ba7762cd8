"""What SubmitYikeAIAppJob (and PrecheckYikeAIAppJob) take, checked before anything is sent."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from airflow_ice.models.request_fields import RequestModel, json_object, json_text


def _app_params_text(value: Any) -> Any:
    """AppParams: a dict (written as compact JSON) or JSON text of an object."""
    return json_text(json_object(value)) if value is not None else None


class YikeAIAppJobRequest(RequestModel):
    """The parameters of SubmitYikeAIAppJob, all sent in the form-encoded body.

    Build it with :func:`airflow_ice.models.validate_request` to get an ``IceInvalidRequestError``
    that names each bad field; constructing it directly raises ``pydantic.ValidationError``.
    The action has no ``UserData``: a job cannot be tagged with the task that submitted it.

    :param app_id: the AI application (``AppId``), required.
    :param app_params: the application's runtime parameters, a dict (sent as compact JSON) or JSON
        text of an object.
    :param folder_id: the folder the results are saved to.
    :param production_id: the project the results are saved to.
    """

    app_id: Annotated[str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)] = Field(
        alias="AppId", min_length=1
    )
    app_params: Annotated[str | None, BeforeValidator(_app_params_text)] = Field(None, alias="AppParams")
    folder_id: str | None = Field(None, alias="FolderId", min_length=1)
    production_id: str | None = Field(None, alias="ProductionId", min_length=1)

    def to_body(self) -> dict[str, str]:
        """The body of SubmitYikeAIAppJob: AppId, AppParams, FolderId, ProductionId (None left out)."""
        values = {
            "AppId": self.app_id,
            "AppParams": self.app_params,
            "FolderId": self.folder_id,
            "ProductionId": self.production_id,
        }
        return {key: value for key, value in values.items() if value is not None}

    def to_precheck_query(self) -> dict[str, str]:
        """The query of PrecheckYikeAIAppJob: AppId and AppParams (where results go is not checked)."""
        query = {"AppId": self.app_id}
        if self.app_params is not None:
            query["AppParams"] = self.app_params
        return query
