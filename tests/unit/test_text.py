"""geo.text: the one filename slug, HH:MM parser and CSV-for-Excel writer."""

from __future__ import annotations

import datetime as dt
import io as stdio

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.model import DataError
from geo.text import csv_bytes, formula_safe, parse_hhmm, slug


# ---- slug -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "expected"), [
    ("Wolverhampton", "wolverhampton"),
    ("Tiny 21", "tiny-21"),
    ("  West Midlands (CA) ", "west-midlands-ca"),
    ("St. Helens / Knowsley", "st-helens-knowsley"),
    ("---", "workspace"),
    ("", "workspace"),
    ("Café", "caf"),  # non-ASCII letters drop out, as the app's file names always did
])
def test_slug(name: str, expected: str) -> None:
    assert slug(name) == expected


def test_slug_default() -> None:
    assert slug("!!", default="plan") == "plan"
    assert slug("Winter round", default="plan") == "winter-round"


@given(st.text())
def test_slug_is_always_file_safe(name: str) -> None:
    out = slug(name)
    assert out and set(out) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert not out.startswith("-") and not out.endswith("-") and "--" not in out
    assert slug(out) == out  # idempotent


# ---- parse_hhmm -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("09:30", dt.time(9, 30)), ("9:30", dt.time(9, 30)), (" 17:05 ", dt.time(17, 5)), ("9", dt.time(9, 0)),
    ("00:00", dt.time(0, 0)), ("23:59", dt.time(23, 59)), (dt.time(8, 15), dt.time(8, 15)),
])
def test_parse_hhmm(text: str | dt.time, expected: dt.time) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize("text", ["", "  ", "24:00", "9:60", "9:5", "09:30:00", "9.30", "nine", "-1:00",
                                  "+9:00", "123:00", "9:30pm", "٩:٣٠", "1_0:00", ":30"])
def test_parse_hhmm_refuses_bad_input(text: str) -> None:
    with pytest.raises(DataError) as err:
        parse_hhmm(text, source="session start")
    (problem,) = err.value.problems
    assert problem.source == "session start" and repr(text) in problem.message and "HH:MM" in (problem.fix or "")


@given(st.integers(0, 23), st.integers(0, 59))
def test_parse_hhmm_round_trips_formatted_times(hour: int, minute: int) -> None:
    t = dt.time(hour, minute)
    assert parse_hhmm(t.strftime("%H:%M")) == t
    assert parse_hhmm(f"{hour}:{minute:02d}") == t


@given(st.text(max_size=8))
def test_parse_hhmm_gives_a_time_or_a_data_error(text: str) -> None:
    try:
        out = parse_hhmm(text)
    except DataError:
        return
    assert isinstance(out, dt.time) and parse_hhmm(out.strftime("%H:%M")) == out
    assert out.second == 0 and out.microsecond == 0


# ---- csv_bytes -------------------------------------------------------------------------------------
def test_csv_bytes_has_bom_notes_and_reads_back() -> None:
    frame = pd.DataFrame({"ward": ["Bilston East", "Saint-Étienne"], "people": [12, 3]})
    data = csv_bytes(frame, notes=["Patchwork export", "second\nline"])
    assert data.startswith(b"\xef\xbb\xbf# Patchwork export\n# second line\nward,people\n")
    back = pd.read_csv(stdio.BytesIO(data), comment="#", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, frame)
    assert b"\r" not in data


def test_csv_bytes_index_and_dates() -> None:
    frame = pd.DataFrame({"d": pd.to_datetime(["2025-01-02"])}, index=pd.Index(["L1"], name="lot"))
    text = csv_bytes(frame, index=True, date_format="%d/%m/%Y").decode("utf-8-sig")
    assert text == "lot,d\nL1,02/01/2025\n"


def test_csv_bytes_formula_cells_prefixed_only_when_asked() -> None:
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"x\")", "+44 1902", "-", "@home", "Plain", None],
                          "n": [-1, 2, 3, 4, 5, 6]})
    plain = csv_bytes(frame).decode("utf-8-sig")
    assert "\n+44 1902,2\n-,3\n@home,4\n" in plain  # unchanged unless asked
    safe = pd.read_csv(stdio.BytesIO(csv_bytes(frame, safe_formulas=True)), encoding="utf-8-sig",
                       keep_default_na=False)
    assert safe["name"].tolist() == ["'=HYPERLINK(\"x\")", "'+44 1902", "'-", "'@home", "Plain", ""]
    assert safe["n"].tolist() == [-1, 2, 3, 4, 5, 6]  # numbers are not formulas
    assert frame["name"].iloc[0] == "=HYPERLINK(\"x\")"  # the input is not changed


def test_csv_bytes_safe_header_and_duplicate_columns() -> None:
    frame = pd.DataFrame([["=1", "b"]], columns=["=a", "=a"])
    text = csv_bytes(frame, safe_formulas=True).decode("utf-8-sig")
    assert text == "'=a,'=a\n'=1,b\n"


CELL_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))  # text a file can hold


@given(st.lists(CELL_TEXT, min_size=1, max_size=5))
def test_csv_bytes_safe_cells_never_start_a_formula(values: list[str]) -> None:
    frame = pd.DataFrame({"v": values})
    back = pd.read_csv(stdio.BytesIO(csv_bytes(frame, safe_formulas=True)), encoding="utf-8-sig", dtype=str,
                       keep_default_na=False)
    for cell in back["v"]:
        assert not str(cell).startswith(("=", "+", "-", "@"))


def test_formula_safe() -> None:
    assert formula_safe("=1+1") == "'=1+1"
    assert formula_safe("a=1") == "a=1"
    assert formula_safe(-5) == -5
    assert formula_safe(None) is None
