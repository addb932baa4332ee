"""Excel: numbers are numbers (with number formats: thousands, %, £), text is text and never a formula."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from geo.out import exports
from geo.out.lots_exports import export_xlsx
from geo.out.tables import GBP, PERCENT
from geo.plan.lots.profile import assess_lots, enrolled_per_lot
from geo.plan.lots.scenario import make_scenario
from geo.plan.lots.units import prepare_units
from tests.conftest import tiny_layers

DAY = dt.date(2025, 6, 1)


@pytest.fixture(scope="module")
def lots():
    layers = tiny_layers()
    units = prepare_units(layers["wards"], layers["lsoas"], kind="wards", code_col="ward_code", name_col="ward_name")
    s = make_scenario({"West": ["E05900001"], "East": ["E05900002"]}, unit_layer="wards")
    prof = assess_lots(units, s)
    return units, s, prof, enrolled_per_lot(layers["participants"], units, s)


def _cells(sheet) -> dict[str, list]:
    header = [c.value for c in sheet[1]]
    return {h: [row[i] for row in sheet.iter_rows(min_row=2)] for i, h in enumerate(header)}


def test_lots_sheet_numbers_are_numbers_with_formats(lots):
    units, s, prof, enrolled = lots
    book = load_workbook(io.BytesIO(export_xlsx(units, s, prof, enrolled=enrolled)))
    cols = _cells(book["Lots"])
    residents = cols["Residents"]
    # West: 1500 + 1600 residents, East: 1400 + 1700 (tests/conftest.py): numbers, shown with thousands
    assert [c.value for c in residents] == [3100, 3100] and all(c.data_type == "n" for c in residents)
    assert {c.number_format for c in residents} == {"#,##0"}
    d20 = cols["In most deprived 20%"]  # West: both LSOAs in deciles 1-2; East: none
    assert [c.value for c in d20] == [pytest.approx(1.0), pytest.approx(0.0)]
    assert {c.number_format for c in d20} == {PERCENT.excel}
    value = cols["Lot value"]
    assert all(isinstance(c.value, float) and c.value > 0 for c in value)
    assert {c.number_format for c in value} == {GBP.excel}
    assert [c.value for c in cols["Lot value"]] == pytest.approx(prof["lot_value_gbp"].tolist())
    # enrolled: West 11 (a number), East 1 (suppressed: text "<5", never 1)
    assert [c.value for c in cols["Enrolled so far"]] == [11, "<5"]
    assert [c.value for c in cols["Lot"]] == ["West", "East"]
    units_sheet = _cells(book["Units"])
    assert [c.value for c in units_sheet["population"]] == [3100, 3100]


def test_workbook_numbers_are_numbers_with_formats():
    frame = pd.DataFrame({"name": ["Mill Lane", "=1+1"], "households": [1200, 30], "score": [0.125, 2.5],
                          "value": [349507.0, 12.0], "note": ["14,847", "\tx"]})
    data = exports.excel_bytes({"T": frame}, title="t", notes=[], generated_on=DAY, formats={"T": {"value": GBP}})
    cols = _cells(load_workbook(io.BytesIO(data))["T"])
    assert [c.value for c in cols["households"]] == [1200, 30] and cols["households"][0].number_format == "#,##0"
    assert [c.value for c in cols["score"]] == [0.125, 2.5] and cols["score"][0].data_type == "n"
    assert [c.value for c in cols["value"]] == [349507, 12] and cols["value"][0].number_format == GBP.excel
    # text stays text (a number written as text by the caller is not guessed at), formulas defused
    assert [c.value for c in cols["note"]] == ["14,847", "'\tx"] and cols["name"][1].value == "'=1+1"
    assert all(c.data_type == "s" for c in cols["note"] + cols["name"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.integers(-10**9, 10**9), st.floats(allow_nan=False, allow_infinity=False, width=32),
                          st.text(max_size=12)), min_size=1, max_size=6))
def test_every_cell_keeps_its_type_and_no_text_is_a_formula(values):
    """Property: a number comes back as the same number, a text as text that no spreadsheet runs (less the
    control characters a worksheet cannot hold)."""
    frame = pd.DataFrame({"v": pd.Series(values, dtype=object)})
    sheet = load_workbook(io.BytesIO(exports.excel_bytes({"T": frame}, title="t", notes=[],
                                                         generated_on=DAY)))["T"]
    for v, (cell,) in zip(values, sheet.iter_rows(min_row=2), strict=True):
        if isinstance(v, str):
            v = ILLEGAL_CHARACTERS_RE.sub("", v)
            assert cell.data_type == "s" or (v == "" and cell.value is None)
            if v:
                assert cell.value in (v, "'" + v) and not str(cell.value).startswith(("=", "+", "-", "@", "\t", "\r"))
        else:
            assert cell.data_type == "n" and cell.value == pytest.approx(v)
