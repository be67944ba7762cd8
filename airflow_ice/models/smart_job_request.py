"""What the smart jobs' submits share: their JSON-object parameters and how they are sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel

from airflow_ice.models.json_text import compact_json
from airflow_ice.models.request_fields import RequestModel


def api_value(value: Any) -> str | None:
    """A parameter as a smart job's submit sends it: objects as compact JSON (keys sorted, nulls
    left out), booleans as the SDK writes them (``True``/``False``), text as it is."""
    if value is None:
        return None
    if isinstance(value, BaseModel):
        value = value.model_dump(by_alias=True, exclude_none=True)
    if isinstance(value, Mapping):
        return compact_json(dict(sorted(value.items())))
    return str(value)


def api_parameters(
    model: BaseModel, only: tuple[str, ...] | None = None, leaving_out: tuple[str, ...] = ()
) -> dict[str, str]:
    """The model's given fields by API name, as sent: all, or ``only`` those, less ``leaving_out``."""
    values = {
        str(info.alias): api_value(getattr(model, name))
        for name, info in type(model).model_fields.items()
        if (only is None or info.alias in only) and info.alias not in leaving_out
    }
    return {key: value for key, value in values.items() if value is not None}


class SmartJobRequest(RequestModel):
    """Base of the smart jobs' requests: every parameter given, by ICE's names, in the query but
    those the official SDK sends in the body (:attr:`BODY`)."""

    BODY: ClassVar[tuple[str, ...]] = ()

    def to_query(self) -> dict[str, str]:
        """Every parameter given but the body's."""
        return api_parameters(self, leaving_out=self.BODY)

    def to_body(self) -> dict[str, str] | None:
        """The body's parameters (None: the submit has none)."""
        return api_parameters(self, only=self.BODY) if self.BODY else None
