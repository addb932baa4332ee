"""Tables for export: the workspace's attribute tables, the aggregates, the top gaps; CSV and Excel bytes.

Every table is made safe (geo.out.privacy_guard.safe_table) before it is written. A text cell that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to a spreadsheet:
geo.text.formula_safe prefixes it with `'`, in CSV (written by the one CSV writer, geo.text.csv_bytes)
and Excel alike. In Excel numbers are written as numbers (never as text), each with a number format:
the column's `Number` where the caller gives one (£, %, one decimal), else thousands for whole numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from geo import text
from geo.out.privacy_guard import safe_table

_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Number:
    """How a column of numbers reads: its Excel number format and the same as Python text."""

    excel: str
    text: str

    def show(self, v: object) -> str:
        """`v` as text in this format ('' when missing; text, such as '<5', as it is)."""
        v = plain_value(v)
        if v is None:
            return ""
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return str(v)
        return self.text.format(v)


COUNT = Number("#,##0", "{:,.0f}")
GBP = Number('"£"#,##0', "£{:,.0f}")
PERCENT = Number("0%", "{:.0%}")  # of a share: 0.62 reads 62%
ONE_DP = Number("#,##0.0", "{:,.1f}")
TWO_DP = Number("#,##0.00", "{:,.2f}")
#: Number formats of a table's columns (column -> Number); columns not named take the default.
Formats = Mapping[str, Number]
#: The default for numbers with decimals.
DECIMAL = Number("#,##0.0##", "{:,.3g}")


def plain_value(v: object) -> object:
    """numpy/pandas scalars to plain Python; NA to None."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, np.generic):
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v


# ---- CSV ----------------------------------------------------------------------------------------
def csv_bytes(frame: pd.DataFrame, *, notes: Sequence[str], participant_ids: Collection[str] = ()) -> bytes:
    """UTF-8 CSV (with BOM, for Excel) of `frame` made safe, after '# ' note lines, formula-like cells
    prefixed. Read it back with `pd.read_csv(buf, comment="#", encoding="utf-8-sig")`."""
    return text.csv_bytes(safe_table(frame, participant_ids=participant_ids), notes=notes, safe_formulas=True)


# ---- Excel --------------------------------------------------------------------------------------
def _sheet_name(name: str, used: set[str]) -> str:
    base = _SHEET_CHARS.sub(" ", str(name)).strip()[:31] or "Sheet"
    cand, i = base, 2
    while cand.lower() in used:
        suffix = f" ({i})"
        cand, i = base[:31 - len(suffix)] + suffix, i + 1
    used.add(cand.lower())
    return cand


def _excel_value(v: object) -> object:
    """A cell as Excel gets it: numbers as numbers, dates as dates, text formula-safe (lists as JSON) and
    without the control characters a worksheet cannot hold."""
    v = plain_value(v)
    if isinstance(v, (dict, list, tuple)):
        v = json.dumps(v, default=str)
    if isinstance(v, float) and math.isinf(v):
        return None
    if isinstance(v, str):
        v = ILLEGAL_CHARACTERS_RE.sub("", v)
    return text.formula_safe(v)


def number_format(column: pd.Series, given: Number | None) -> str | None:
    """The Excel number format of a column: `given`, else thousands for whole numbers and up to three
    decimals for others; None for a column holding no number."""
    if given is not None:
        return given.excel
    values = [plain_value(v) for v in column]
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not numbers:
        return None
    return COUNT.excel if all(float(v).is_integer() for v in numbers if math.isfinite(v)) else DECIMAL.excel


def write_sheet(ws: Worksheet, table: pd.DataFrame, formats: Formats | None = None, *, index: bool = False) -> None:
    """`table` onto an empty worksheet: a bold header row (frozen), one row a record with numbers as
    numbers in their number format and text formula-safe, and columns sized to their text."""
    t = table.reset_index() if index else table
    ws.append([text.formula_safe(str(c)) for c in t.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in t.itertuples(index=False):
        ws.append([_excel_value(v) for v in row])
    ws.freeze_panes = "A2"
    for i, col in enumerate(t.columns, start=1):
        fmt = number_format(t[col], (formats or {}).get(str(col)))
        shown = [(formats or {}).get(str(col), DECIMAL).show(v) if fmt else str(v) for v in t[col].head(200)]
        width = max([len(str(col))] + [len(v) for v in shown]) + 2
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = min(max(width, 8), 60)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    cell.number_format = fmt


def excel_bytes(tables: Mapping[str, pd.DataFrame], *, title: str, notes: Sequence[str],
                generated_on: dt.date, participant_ids: Collection[str] = (),
                formats: Mapping[str, Formats] | None = None) -> bytes:
    """An .xlsx workbook: an 'About' sheet (title, date, notes, contents) then one sheet per table.
    `formats` gives the number formats of a table's columns (table name -> column -> Number)."""
    safe = {name: safe_table(t, participant_ids=participant_ids) for name, t in tables.items()}
    wb = Workbook()
    about = wb.active
    assert about is not None  # a new workbook has one sheet
    about.title = "About"
    about["A1"] = title
    about["A1"].font = Font(bold=True, size=14)
    about["A2"] = f"Exported from Patchwork on {generated_on.isoformat()}"
    about.append([])
    about.append(["Data sources and attribution"])
    about.cell(row=about.max_row, column=1).font = Font(bold=True)
    for n in notes:
        about.append([n])
        about.cell(row=about.max_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    about.append([])
    about.append(["Sheets"])
    about.cell(row=about.max_row, column=1).font = Font(bold=True)
    used = {"about"}
    names = {name: _sheet_name(name, used) for name in safe}
    for name, sheet in names.items():
        about.append([f"{sheet}: {len(safe[name]):,} rows"])
    about.column_dimensions["A"].width = 110

    for name, table in safe.items():
        write_sheet(wb.create_sheet(names[name]), table, (formats or {}).get(name))
    wb.properties.creator = "Patchwork"
    wb.properties.title = title
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---- the tables an export offers --------------------------------------------------------------------
def layer_tables(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, pd.DataFrame]:
    """Plain attribute tables of the public workspace layers (participants never included)."""
    labels = {"wards": "Wards", "lsoas": "LSOAs", "venues": "Venues", "partners": "Partner sites",
              "bus_routes": "Bus routes", "bus_stops": "Bus stops"}
    return {label: pd.DataFrame(layers[name].drop(columns=layers[name].geometry.name))
            for name, label in labels.items() if name in layers and len(layers[name])}


def aggregate_tables(aggregates: Mapping[str, gpd.GeoDataFrame]) -> dict[str, pd.DataFrame]:
    labels = {"engagement_by_road": "Engagement by road", "engagement_by_lsoa": "Engagement by LSOA"}
    return {labels.get(k, k): pd.DataFrame(v.drop(columns=v.geometry.name)) for k, v in aggregates.items()}


def top_gaps(table: pd.DataFrame, *, n: int = 10) -> pd.DataFrame:
    """The first `n` rows of a computed geo.analyse.gaps.gap_table (the one the Gaps page shows, with
    its weights and measure), short and readable. Minutes to a venue are left out when reach was not
    known (every `best_min` missing)."""
    t = table
    reach_known = "best_min" in t.columns and bool(t["best_min"].notna().any())
    cols = [c for c in ("rank", "lsoa_code", "lsoa_name", "decile", "best_min", "pct_engaged",
                        "score", "reason") if c in t.columns]
    out = t[cols].head(n).copy()
    for col, digits in (("score", 2), ("pct_engaged", 0), ("best_min", 0)):
        if col in out.columns:
            out[col] = out[col].astype("float64").round(digits)
    if not reach_known:
        out = out.drop(columns=["best_min"], errors="ignore")
    return out.rename(columns={"best_min": "minutes_to_venue"})
