"""Turn pydantic's validation errors on request models into one clear ``IceInvalidRequestError``."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from airflow_ice.errors import IceInvalidRequestError
from airflow_ice.models.json_text import short_repr

RequestT = TypeVar("RequestT", bound=BaseModel)

# Error types whose pydantic message does not show the value that was given.
_NO_VALUE_IN_MESSAGE = frozenset({"missing", "value_error", "extra_forbidden", "assertion_error"})


def validate_request(model_cls: type[RequestT], data: Mapping[str, Any] | RequestT) -> RequestT:
    """Build a request model from a mapping (Python or API key names), or pass a built one through.

    :param model_cls: the request class, e.g. ``IProductionJobRequest``.
    :param data: the parameters.
    :raises IceInvalidRequestError: naming each bad field by its Python and API names and saying
        what is allowed; unknown keys are errors too.
    """
    if isinstance(data, model_cls):
        return data
    if not isinstance(data, Mapping):
        raise IceInvalidRequestError(
            f"{model_cls.__name__}: expected a mapping of parameters, got {type(data).__name__}"
        )
    try:
        return model_cls.model_validate(dict(data))
    except ValidationError as exc:
        # pydantic's own error would only repeat this one (a second traceback in the task's log).
        raise IceInvalidRequestError(describe_request_errors(model_cls, exc)) from None


def check_known_fields(
    model_cls: type[BaseModel], data: Mapping[str, Any], *, unknown: Sequence[str]
) -> None:
    """Check what is already known of a request (at DAG parse time): every field but ``unknown``.

    :param model_cls: the request class, e.g. ``IProductionJobRequest``.
    :param data: the known fields (Python names); fields named in ``unknown`` may be left out.
    :param unknown: fields whose value is known only at run time (templates, other tasks' results):
        problems of theirs, and of the request as a whole, wait for the run-time check.
    :raises IceInvalidRequestError: naming each bad known field, as :func:`validate_request` does.
    """
    try:
        model_cls.model_validate(dict(data))
    except ValidationError as exc:
        skipped = set(unknown)
        problems = []
        for detail in exc.errors():
            found = _field_by_key(model_cls, str(detail["loc"][0])) if detail["loc"] else None
            if found is None and skipped:
                continue  # the request as a whole: it depends on the unknown fields too
            if found is not None and found[0] in skipped:
                continue
            problems.append(_describe(model_cls, detail))
        if problems:
            raise IceInvalidRequestError(f"Invalid {model_cls.__name__}: " + "; ".join(problems)) from None


def describe_request_errors(model_cls: type[BaseModel], error: ValidationError) -> str:
    """One message listing every problem of ``error``, each naming its field."""
    problems = [_describe(model_cls, detail) for detail in error.errors()]
    return f"Invalid {model_cls.__name__}: " + "; ".join(problems)


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation such as ``Input``, ``Input | None`` or ``Annotated[...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _nested_model(arg)
            if found is not None:
                return found
    return None


def _field_by_key(model_cls: type[BaseModel], key: str) -> tuple[str, str, Any] | None:
    for name, field in model_cls.model_fields.items():
        if key in (name, field.alias):
            return name, field.alias or name, field.annotation
    return None


def _allowed_keys(model_cls: type[BaseModel]) -> list[str]:
    return [
        f"{name} ({field.alias})" if field.alias and field.alias != name else name
        for name, field in model_cls.model_fields.items()
    ]


def _unknown_key(model_cls: type[BaseModel], key: str) -> str:
    candidates: dict[str, str] = {}
    for name, field in model_cls.model_fields.items():
        candidates[name.lower()] = name
        if field.alias:
            candidates[field.alias.lower()] = name
    close = difflib.get_close_matches(key.lower(), list(candidates), n=1, cutoff=0.7)
    hint = f" (did you mean {candidates[close[0]]}?)" if close else ""
    return f"unknown parameter{hint}; allowed: {', '.join(_allowed_keys(model_cls))}"


def _describe(model_cls: type[BaseModel], detail: ErrorDetails) -> str:
    python_path: list[str] = []
    api_path: list[str] = []
    current: type[BaseModel] | None = model_cls
    loc: Sequence[int | str] = detail["loc"]
    for position, part in enumerate(loc):
        if isinstance(part, int):
            python_path[-1:] = [f"{python_path[-1]}[{part}]"] if python_path else [f"[{part}]"]
            api_path[-1:] = [f"{api_path[-1]}[{part}]"] if api_path else [f"[{part}]"]
            continue
        found = _field_by_key(current, part) if current is not None else None
        if found is None:
            python_path.append(part)
            api_path.append(part)
            if detail["type"] == "extra_forbidden" and position == len(loc) - 1 and current is not None:
                return f"{'.'.join(python_path)}: {_unknown_key(current, part)}"
            current = None
            continue
        name, alias, annotation = found
        python_path.append(name)
        api_path.append(alias)
        current = _nested_model(annotation)
    where = ".".join(python_path)
    if not where:  # the request as a whole: the message names its fields (the model is named once, before)
        return _message(detail)
    api_where = ".".join(api_path)
    label = f"{where} ({api_where})" if api_where and api_where != where else where
    return f"{label}: {_message(detail)}"


def _message(detail: ErrorDetails) -> str:
    kind = detail["type"]
    if kind == "missing":
        return "required"
    message = detail["msg"].removeprefix("Value error, ")
    if kind not in _NO_VALUE_IN_MESSAGE:
        message += f" (got {short_repr(detail['input'])})"
    return message
