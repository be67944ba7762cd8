"""The strict fast path of a job model: an answer that validates whole, read by pydantic-core.

Most answers are clean: every key is a field the model knows, under its API name, and every value
is already of the type the lenient reader (:mod:`airflow_ice.models.lenient`) takes without a word.
Such an answer is validated here in one strict pass (no coercion, no unknown key, ICE's own time
form, a known status spelled exactly, 64-bit integers) into the values the lenient reader would
read, from the decoded object or straight from the answer's JSON bytes. Anything else fails the
pass, and the caller reads the answer leniently instead: this path only ever declines, it never
decides what a doubtful value means.

The wire schema of a model is made from its fields' annotations, once per model, here and nowhere
else; fields without an API name are left to the model's ``derive_fields`` (their names are
refused as keys). Everything but making the models runs in pydantic-core: a core schema of a
model whose validator pydantic has built is always replaced by that validator, so the models are
made here, on the values as they are.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, StrictBool, StrictInt, StrictStr, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import CoreSchema, SchemaValidator
from pydantic_core import core_schema as cs

from airflow_ice.models.ice_values import ICE_TIME_PATTERN, LONG_MAX, LONG_MIN

_LONG = Annotated[StrictInt, Field(ge=LONG_MIN, le=LONG_MAX)]
# What a field without an API name takes on the wire: nothing (a string at most 0 and at least 1
# long); an answer with that key is declined, as the lenient reader would report the key.
_NOTHING = cs.str_schema(strict=True, min_length=1, max_length=0)
# ICE's own time form, as :func:`~airflow_ice.models.ice_values.ice_time` reads it: the form by its
# pattern, then ``datetime.fromisoformat`` (no Python frame), which reads the ``Z`` as
# ``timezone.utc`` like the lenient reader (pydantic's own datetimes carry another UTC class) and
# refuses a date the calendar lacks. Before Python 3.11 it refuses the ``Z``: every time is then
# left to the lenient reader.
_ICE_TIME = cs.chain_schema(
    [
        cs.str_schema(strict=True, pattern=ICE_TIME_PATTERN),
        cs.no_info_plain_validator_function(datetime.fromisoformat),
    ]
)
# How a validated model is made (:func:`_new_model`): its slots, set as pydantic sets them.
_NEW = object.__new__
_SET = object.__setattr__
_SET_FIELDS_SET = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_SET_EXTRA = BaseModel.__dict__["__pydantic_extra__"].__set__
_SET_PRIVATE = BaseModel.__dict__["__pydantic_private__"].__set__


def _optional_member(annotation: Any) -> tuple[Any, ...] | None:
    """The members of ``X | None`` besides ``None``, or None when ``annotation`` is not optional."""
    if typing.get_origin(annotation) not in (Union, types.UnionType):
        return None
    members = typing.get_args(annotation)
    if type(None) not in members:
        return None
    return tuple(member for member in members if member is not type(None))


def _leaf(annotation: Any) -> CoreSchema:
    return TypeAdapter(annotation).core_schema


def _wire_field(annotation: Any, field: FieldInfo, where: str, part: bool) -> CoreSchema:
    """The strict wire schema of one field, its default included: what the lenient reader takes silently."""
    if annotation is str and field.is_required():
        # The JobId: its constraints (not empty) as the model's; one the model refuses is declined.
        job_id: Any = StrictStr
        for constraint in field.metadata:
            job_id = Annotated[job_id, constraint]
        return _leaf(job_id)
    if typing.get_origin(annotation) is list and typing.get_args(annotation) == (str,) and not part:
        # Absent: []; null is read as [] by :meth:`StrictReader._made`, once for all lists.
        return cs.with_default_schema(cs.nullable_schema(_leaf(list[StrictStr])), default_factory=list)
    members = _optional_member(annotation)
    if members is None:
        raise TypeError(f"{where}: no strict wire type for {annotation!r}")
    return cs.with_default_schema(cs.nullable_schema(_wire_value(members, where, part)), default=None)


def _wire_value(members: tuple[Any, ...], where: str, part: bool) -> CoreSchema:
    if members == (str,):
        return _leaf(StrictStr)
    if members == (int,):
        return _leaf(_LONG)
    if members == (bool,):
        return _leaf(StrictBool)
    if members == (datetime,):
        # ICE's own form (other forms are the lenient reader's to convert); a date that does not
        # exist raises: declined.
        return _ICE_TIME
    if (
        len(members) == 2
        and members[1] is str
        and isinstance(members[0], type)
        and issubclass(members[0], Enum)
    ):
        # A status: a member spelled exactly as its value (any other spelling is the lenient
        # reader's), then that member, both in pydantic-core.
        enum_cls = members[0]
        spellings = Literal[tuple(member.value for member in enum_cls)]  # type: ignore[valid-type]
        member = cs.enum_schema(enum_cls, list(enum_cls.__members__.values()), sub_type="str")
        return cs.chain_schema([_leaf(spellings), member])
    part_cls = _part_model(members)
    if part_cls is not None and not part:
        return _wire_model(part_cls, (), part=True)
    raise TypeError(f"{where}: no strict wire type for {members!r}")


def _wire_model(model_cls: type[BaseModel], skipped: tuple[str, ...], *, part: bool) -> CoreSchema:
    """The schema of ``model_cls``'s values: a dict of every field by its Python name, in the
    model's order (the order of its ``__dict__``), each read from its API name. A job model's
    skipped fields and those without an API name are None here, for the caller to fill; a part has
    none."""
    if model_cls.__pydantic_post_init__ is not None:
        raise TypeError(f"{model_cls.__name__}: a model_post_init has no strict wire form")
    fields: dict[str, cs.TypedDictField] = {}
    for name, field in model_cls.model_fields.items():
        where = f"{model_cls.__name__}.{name}"
        if name in skipped or field.alias is None:
            if part:
                raise TypeError(f"{where}: a part's field without an API name has no strict wire form")
            fields[name] = cs.typed_dict_field(cs.with_default_schema(_NOTHING, default=None), required=False)
        else:
            wire = _wire_field(field.annotation, field, where, part)
            fields[name] = cs.typed_dict_field(
                wire, required=field.is_required(), validation_alias=field.alias
            )
    return cs.typed_dict_schema(fields, extra_behavior="forbid", strict=True)


def _part_model(members: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model of a part (a nested object) when ``members`` (of ``X | None``) are one, else None."""
    if len(members) == 1 and isinstance(members[0], type) and issubclass(members[0], BaseModel):
        return members[0]
    return None


def _part_fields(model_cls: type[BaseModel]) -> tuple[tuple[str, type[BaseModel], set[str]], ...]:
    """The job model's fields that hold a part, each with the part's model and its fields."""
    found = []
    for name, field in model_cls.model_fields.items():
        part_cls = _part_model(_optional_member(field.annotation) or ())
        if part_cls is not None:
            found.append((name, part_cls, set(part_cls.model_fields)))
    return tuple(found)


def _new_model(model_cls: type[BaseModel], values: dict[str, Any], fields: set[str]) -> Any:
    """``model_cls`` with ``values`` (every field, in order), made as pydantic makes a validated model
    (no validation: the strict pass did it), every field (``fields``) counted as set as the lenient
    readers set them."""
    model = _NEW(model_cls)
    _SET(model, "__dict__", values)
    _SET_FIELDS_SET(model, fields.copy())
    _SET_EXTRA(model, None)
    _SET_PRIVATE(model, None)
    return model


class StrictReader:
    """Reads a job model's clean answers in one strict pass (see the module's docstring).

    :param model_cls: the job model; its fields with an API name are read, the others are left to
        its ``derive_fields`` (see :meth:`read`).
    :param skipped: fields the job model fills itself (its bookkeeping ones).
    :raises TypeError: when a field has no strict wire form here.
    """

    __slots__ = ("_api_names", "_fields", "_lists", "_model_cls", "_parts", "_validator")

    def __init__(self, model_cls: type[BaseModel], skipped: tuple[str, ...]) -> None:
        self._validator = SchemaValidator(_wire_model(model_cls, skipped, part=False))
        self._model_cls = model_cls
        self._fields = set(model_cls.model_fields)
        read = {
            name: field
            for name, field in model_cls.model_fields.items()
            if name not in skipped and field.alias
        }
        self._api_names = frozenset(field.alias for field in read.values())
        self._lists = tuple(
            name for name, field in read.items() if typing.get_origin(field.annotation) is list
        )
        self._parts = _part_fields(model_cls)

    def read(self, job: Mapping[Any, Any]) -> Any:
        """The job model of a decoded answer that validates whole, else None. Its skipped fields
        and those without an API name are None: the caller fills them (in its ``__dict__``) before
        the model is shown."""
        if not self._api_names.issuperset(job):
            return None  # a key it does not know (the commonest decline), without a ValidationError
        try:
            values = self._validator.validate_python(job)
        except ValidationError:
            return None
        return self._made(values)

    def read_json(self, content: bytes) -> Any:
        """:meth:`read` of an answer's JSON bytes, decoded by pydantic-core. It takes UTF-8 JSON
        only, without a byte-order mark, a lone surrogate or ``NaN``: what ``json.loads`` takes
        besides is declined."""
        try:
            values = self._validator.validate_json(content)
        except ValidationError:
            return None
        return self._made(values)

    def _made(self, values: dict[str, Any]) -> Any:
        for name in self._lists:
            if values[name] is None:
                values[name] = []  # once here: a callback for each list costs more
        for name, part_cls, part_fields in self._parts:
            part = values[name]
            if part is not None:
                values[name] = _new_model(part_cls, part, part_fields)
        return _new_model(self._model_cls, values, self._fields)


__all__ = ["StrictReader"]
