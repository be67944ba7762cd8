"""ICE's own time form is read by a fast path: it must read exactly what pydantic's parser reads."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter

from airflow_ice.models.lenient import LenientReader, ParseReport

_PYDANTIC = TypeAdapter(datetime)


class _Times(BaseModel):
    create_time: datetime | None = None


def read(value: object) -> tuple[datetime | None, dict[str, object]]:
    report = ParseReport()
    parsed = LenientReader({"create_time": value}, _Times, report).utc_datetime("create_time")
    return parsed, report.unparsed


@settings(max_examples=300, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)))
def test_ice_times_read_as_pydantic_reads_them(moment: datetime) -> None:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0") + "Z"
    parsed, unparsed = read(text)
    assert unparsed == {}
    assert parsed == _PYDANTIC.validate_python(text).astimezone(timezone.utc)
    assert parsed is not None
    assert parsed.utcoffset() == timezone.utc.utcoffset(None)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="0123456789-:TZ +٣", min_size=18, max_size=22))
def test_near_misses_are_read_or_kept_as_pydantic_decides(text: str) -> None:
    parsed, unparsed = read(text)
    try:
        expected = _PYDANTIC.validate_python(text)
    except ValueError:
        assert parsed is None
        assert unparsed == {"CreateTime": text} or unparsed == {"create_time": text}
    else:
        expected = expected.replace(tzinfo=timezone.utc) if expected.tzinfo is None else expected
        assert parsed == expected.astimezone(timezone.utc)


def test_an_impossible_date_in_ice_form_is_kept() -> None:
    parsed, unparsed = read("2024-02-30T00:00:00Z")
    assert parsed is None
    assert list(unparsed.values()) == ["2024-02-30T00:00:00Z"]
