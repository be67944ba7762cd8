"""JSON carried inside strings, as ICE sends it, and JSON written the way the API expects it."""

from __future__ import annotations

import json
import math
from typing import Any

# Max characters of a value quoted in a warning or error message.
_REPR_LIMIT = 120


def compact_json(value: Any) -> str:
    """Serialise ``value`` as the API expects nested objects: no spaces, non-ASCII kept as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; letting them through would make XCom values unserialisable.
    raise ValueError(f"{name} is not a JSON number")


def _loads(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def decode_json_text(text: str) -> Any:
    """Decode JSON carried in a string, tolerating the two extra encodings ICE has been seen to use.

    Besides plain JSON text (``["st_1"]``) this accepts JSON escaped once more without its outer
    quotes (``[\\"st_1\\"]``, as in the published GetYikeStoryboardJob example) and JSON encoded
    twice (``"[\\"st_1\\"]"``, a JSON string holding JSON text).

    :param text: the string to decode.
    :raises ValueError: when the text is none of these.
    """
    try:
        value = _loads(text)
    except ValueError:
        if '\\"' not in text:
            raise
        # Read the text as the body of a JSON string literal to remove the extra escaping.
        value = _loads(_loads(f'"{text}"'))
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return _loads(value)
        except ValueError:
            return value
    return value


def is_json_safe(value: Any) -> bool:
    """Whether ``json.dumps(value, allow_nan=False)`` succeeds."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def json_safe(value: Any) -> Any:
    """Return ``value`` if it is plain JSON, else its (truncated) repr, so dumps never fail."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value if is_json_safe(value) else short_repr(value)


def short_repr(value: Any) -> str:
    """A repr of ``value`` cut to a length that fits in a message."""
    text = repr(value)
    return text if len(text) <= _REPR_LIMIT else text[: _REPR_LIMIT - 3] + "..."


def body_text(body: object) -> str:
    """A response body as text for an error message (JSON when possible)."""
    try:
        return json.dumps(body, ensure_ascii=False)
    except (TypeError, ValueError):
        return short_repr(body)
