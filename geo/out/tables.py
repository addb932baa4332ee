"""Tables for export: plans as tables, the workspace's attribute tables, the top gaps; CSV and Excel bytes.

Every table is made safe (geo.out.privacy_guard.safe_table) before it is written. A text cell that
starts with `=`, `+`, `-` or `@` is a formula to a spreadsheet: geo.text.formula_safe prefixes it
with `'`, in CSV (written by the one CSV writer, geo.text.csv_bytes) and Excel alike.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
from collections.abc import Collection, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from geo import text
from geo.out.privacy_guard import safe_table

_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


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


def _cell(v: object) -> object:
    return json.dumps(v, default=str) if isinstance(v, (dict, list, tuple)) else v


def _records(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    return pd.DataFrame([{k: _cell(v) for k, v in r.items()} for r in rows])


def _mapping_table(payload: Mapping[str, object]) -> pd.DataFrame:
    """`plan_table` of a mapping that is neither columns nor holds a list of records."""
    mappings = [(k, v) for k, v in payload.items() if isinstance(v, Mapping) and len(v) > 1]
    flat = [(k, v) for k, v in mappings if all(not isinstance(x, (Mapping, list)) for x in v.values())]
    grouped = [(k, v) for k, v in mappings if all(isinstance(x, list) for x in v.values())]
    if flat and max(len(v) for _, v in flat) > 8:
        _, m = max(flat, key=lambda kv: len(kv[1]))
        return pd.DataFrame({"code": [str(k) for k in m], "value": [_cell(v) for v in m.values()]})
    if grouped:
        _, m = max(grouped, key=lambda kv: sum(len(x) for x in kv[1].values()))
        return pd.DataFrame([{"group": str(g), "member": _cell(x)} for g, xs in m.items() for x in xs])
    return pd.DataFrame({"item": [str(k) for k in payload],
                         "value": [v if isinstance(v, (str, int, float, bool)) or v is None
                                   else json.dumps(v, default=str) for v in payload.values()]})


def plan_table(payload: object) -> pd.DataFrame:
    """A saved plan's payload as one readable table, whatever its shape.

    - GeoJSON FeatureCollection → its properties; a list of records (or {"rows": [...]}) → one row each;
    - a dict of equal-length lists → those columns;
    - otherwise the plan's main part: its longest list of records (pop-up sessions), else a mapping
      of code → value (patch assignment: `code`, `value`), else a mapping of name → list (lots:
      `group`, `member`), with the remaining scalar settings as extra columns of the first row only
      when there are few; else (item, value) rows with JSON values.
    """
    if isinstance(payload, Mapping) and payload.get("type") == "FeatureCollection":
        return pd.DataFrame([dict(f.get("properties") or {}) for f in payload.get("features", [])])
    if isinstance(payload, Mapping) and isinstance(payload.get("rows"), list):
        payload = payload["rows"]
    if isinstance(payload, list) and all(isinstance(r, Mapping) for r in payload):
        return _records(payload)
    if not isinstance(payload, Mapping) or not payload:
        return pd.DataFrame({"value": [json.dumps(payload, default=str)]})
    lists = [v for v in payload.values() if isinstance(v, list)]
    if len(lists) == len(payload) and len({len(v) for v in lists}) == 1:
        return pd.DataFrame({str(k): [_cell(x) for x in v] for k, v in payload.items()})
    records = [v for v in payload.values() if isinstance(v, list) and v and all(isinstance(r, Mapping) for r in v)]
    if records:
        return _records(max(records, key=len))
    return _mapping_table(payload)


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
    return text.formula_safe(json.dumps(v, default=str) if isinstance(v, (dict, list)) else plain_value(v))


def excel_bytes(tables: Mapping[str, pd.DataFrame], *, title: str, notes: Sequence[str],
                generated_on: dt.date, participant_ids: Collection[str] = ()) -> bytes:
    """An .xlsx workbook: an 'About' sheet (title, date, notes, contents) then one sheet per table."""
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
        ws = wb.create_sheet(names[name])
        ws.append([str(c) for c in table.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in table.itertuples(index=False):
            ws.append([_excel_value(v) for v in row])
        ws.freeze_panes = "A2"
        for i, col in enumerate(table.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in table[col].head(200)]) + 2
            ws.column_dimensions[get_column_letter(i)].width = min(max(width, 8), 60)
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
