"""The strict fast path of a job model: an answer that validates whole, read by pydantic-core.

Most answers are clean: every key is a field the model knows, under its API name, and every value
is already of the type the lenient reader (:mod:`airflow_ice.models.lenient`) takes without a word.
Such an answer is validated here in one strict pass (no coercion, no unknown key, ICE's own time
form, a known status spelled exactly, 64-bit integers) into the values the lenient reader would
read. Anything else fails the pass, and the caller reads the answer leniently instead: this path
only ever declines, it never decides what a doubtful value means.

The wire shape of a model is made from its fields' annotations, once per model, here and nowhere
else; fields without an API name are derived from the others by the model's ``derive_fields``.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    create_model,
)
from pydantic.fields import FieldInfo

from airflow_ice.models.ice_values import LONG_MAX, LONG_MIN, ice_time

_LONG = Annotated[StrictInt, Field(ge=LONG_MIN, le=LONG_MAX)]
_STRICT = ConfigDict(strict=True, extra="forbid", validate_by_name=False, validate_by_alias=True)


def _optional_member(annotation: Any) -> tuple[Any, ...] | None:
    """The members of ``X | None`` besides ``None``, or None when ``annotation`` is not optional."""
    if typing.get_origin(annotation) not in (Union, types.UnionType):
        return None
    members = typing.get_args(annotation)
    if type(None) not in members:
        return None
    return tuple(member for member in members if member is not type(None))


def _wire_type(annotation: Any, field: FieldInfo, where: str, made: dict[type, type]) -> tuple[Any, Any]:
    """The strict wire type of one field and its default: what the lenient reader takes silently."""
    if annotation is str and field.is_required():
        # The JobId: its constraints (not empty) as the model's; one the model refuses is declined.
        job_id: Any = StrictStr
        for constraint in field.metadata:
            job_id = Annotated[job_id, constraint]
        return job_id, ...
    if typing.get_origin(annotation) is list and typing.get_args(annotation) == (str,):
        # None is read as [] by :meth:`StrictReader.read`, once for all lists (a callback each costs more).
        return list[StrictStr] | None, []
    members = _optional_member(annotation)
    if members is None:
        raise TypeError(f"{where}: no strict wire type for {annotation!r}")
    if members == (str,):
        return StrictStr | None, None
    if members == (int,):
        return _LONG | None, None
    if members == (bool,):
        return StrictBool | None, None
    if members == (datetime,):
        # ICE's own form (other forms are the lenient reader's to convert); a date that does not
        # exist raises: declined.
        return Annotated[StrictStr, AfterValidator(ice_time)] | None, None
    if (
        len(members) == 2
        and members[1] is str
        and isinstance(members[0], type)
        and issubclass(members[0], Enum)
    ):
        # A status: a member spelled exactly as its value; any other spelling is the lenient reader's.
        enum_cls = members[0]
        spellings = Literal[tuple(member.value for member in enum_cls)]  # type: ignore[valid-type]
        return Annotated[spellings, AfterValidator(enum_cls)] | None, None
    if len(members) == 1 and isinstance(members[0], type) and issubclass(members[0], BaseModel):
        return _wire_model(members[0], (), made) | None, None
    raise TypeError(f"{where}: no strict wire type for {annotation!r}")


def _wire_model(
    model_cls: type[BaseModel], skipped: tuple[str, ...], made: dict[type, type]
) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for name, field in model_cls.model_fields.items():
        if name in skipped or field.alias is None:
            continue
        wire_type, default = _wire_type(field.annotation, field, f"{model_cls.__name__}.{name}", made)
        fields[name] = (wire_type, Field(default, alias=field.alias))
    if model_cls.__pydantic_post_init__ is not None:
        raise TypeError(f"{model_cls.__name__}: a model_post_init has no strict wire form")
    wire: type[BaseModel] = create_model(f"Wire{model_cls.__name__}", __config__=_STRICT, **fields)
    made[wire] = model_cls
    return wire


def _new_model(model_cls: type[BaseModel], values: dict[str, Any]) -> Any:
    """``model_cls`` with ``values`` (every field, in order), made as pydantic makes a validated model
    (no validation: the strict pass did it), every field counted as set as the lenient readers set them."""
    model = object.__new__(model_cls)
    object.__setattr__(model, "__dict__", values)
    object.__setattr__(model, "__pydantic_fields_set__", set(values))
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model


class StrictReader:
    """Reads a job model's clean answers in one strict pass (see the module's docstring).

    :param model_cls: the job model; its fields with an API name are read, the others are left to
        its ``derive_fields`` (see :meth:`read`).
    :param skipped: fields the job model fills itself (its bookkeeping ones).
    :raises TypeError: when a field has no strict wire form here.
    """

    __slots__ = ("_api_names", "_field_order", "_lists", "_model_cls", "_parts", "_validator")

    def __init__(self, model_cls: type[BaseModel], skipped: tuple[str, ...]) -> None:
        made: dict[type, type] = {}
        wire = _wire_model(model_cls, skipped, made)
        self._validator = wire.__pydantic_validator__
        self._api_names = frozenset(field.alias for field in wire.model_fields.values())
        self._model_cls = model_cls
        self._field_order = tuple(model_cls.model_fields)
        self._lists = tuple(name for name, field in wire.model_fields.items() if field.default == [])
        # The parts (nested models), each made on its wire model's values as they are: the same
        # fields in the same order, which holds when every field of the part has an API name.
        self._parts = tuple(
            (name, made[wire_part])
            for name, field in wire.model_fields.items()
            for wire_part in (_optional_member(field.annotation) or (None,))[:1]
            if wire_part in made
        )
        for wire_part, part_cls in made.items():
            if part_cls is not model_cls and tuple(wire_part.model_fields) != tuple(part_cls.model_fields):  # type: ignore[attr-defined]
                raise TypeError(f"{part_cls.__name__}: a field without an API name has no strict wire form")

    def read(self, job: Mapping[Any, Any]) -> dict[str, Any] | None:
        """The values (by Python name) of every field with an API name, parts made, when the
        answer validates whole; else None."""
        if not self._api_names.issuperset(job):
            return None  # a key it does not know (the commonest decline), without a ValidationError
        try:
            wire = self._validator.validate_python(job)
        except ValidationError:
            return None
        values: dict[str, Any] = wire.__dict__
        for name in self._lists:
            if values[name] is None:
                values[name] = []
        for name, part_cls in self._parts:
            part = values[name]
            if part is not None:
                values[name] = _new_model(part_cls, part.__dict__)
        return values

    def make(self, values: Mapping[str, Any]) -> Any:
        """The job model of ``values``: those :meth:`read` gave and those the job model filled."""
        return _new_model(self._model_cls, {name: values[name] for name in self._field_order})
