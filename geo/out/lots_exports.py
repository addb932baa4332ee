"""Exports of a lot scenario, as bytes: a GeoPackage (lots, lot_units, assumptions, about), the lot
profiles as CSV, an Excel workbook, and a one-page PDF summary per lot.

Participants already enrolled appear only as counts suppressed below the threshold ("<5"), through
geo.privacy.suppress. In the workbook numbers are numbers, with their number formats (thousands, %, £);
the CSV carries the profile as the page shows it (`geo.plan.lots.tables.display_table`). Nothing here
reads a workspace file; the GeoPackage is written by the app's one GeoPackage writer,
`geo.out.gpkg.gpkg_bytes`; the PDF is set in the Unicode font of geo.out.fonts, so any name prints.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from fpdf import FPDF
from openpyxl import Workbook

from geo import model
from geo.out.fonts import FAMILY, PdfFonts, unicode_pdf
from geo.out.gpkg import gpkg_bytes
from geo.out.tables import COUNT, GBP, ONE_DP, PERCENT, Formats, Number, csv_bytes, write_sheet
from geo.plan.lots.scenario import Scenario
from geo.plan.lots.tables import DISPLAY_COLUMNS, display_table, lot_row
from geo.plan.lots.units import LotUnits
from geo.plan.lots.value import assumption_table
from geo.privacy import suppress
from geo.text import slug

_TEXT_COLUMNS = ("unit_names", "councils", "imd_profile", "workless_basis")
_MODEL_NOTE = ("Expected participants, advisors, cost and income are model estimates from the assumptions listed; "
               "only the £889 and £400 job-outcome payments and the other values marked 'Source' come from the "
               "source documents.")


def lots_frame(lu: LotUnits, scenario: Scenario, prof: pd.DataFrame) -> gpd.GeoDataFrame:
    """One polygon per lot (its units dissolved) with the profile's numeric columns (EPSG:27700)."""
    assign = scenario.assignment()
    units = lu.units[lu.units["code"].isin(assign.index)].copy()
    units["lot"] = units["code"].map(assign.to_dict())
    shapes = units.dissolve(by="lot", as_index=True)[["geometry"]]
    cols = [c for c in prof.columns
            if c != "flags" and (pd.api.types.is_numeric_dtype(prof[c]) or c in _TEXT_COLUMNS)]
    data = prof[cols].copy()
    data["flags"] = ["; ".join(f) for f in prof["flags"]]
    for c in data.columns:
        if pd.api.types.is_bool_dtype(data[c]):
            data[c] = data[c].astype(int)
    out = gpd.GeoDataFrame(data.join(shapes, how="left"), geometry="geometry", crs=lu.units.crs)
    return out.reset_index().rename(columns={"index": "lot"})


def unit_frame(lu: LotUnits, scenario: Scenario) -> gpd.GeoDataFrame:
    """Every unit in a lot, with its lot and need (EPSG:27700)."""
    assign = scenario.assignment()
    units = lu.units[lu.units["code"].isin(assign.index)].copy()
    units["lot"] = units["code"].map(assign.to_dict())
    n = lu.needs.reindex(units["code"])
    for col in ("lsoas", "population", "working_age", "workless"):
        units[col] = n[col].to_numpy()
    return units[["lot", "code", "name", "lad_name", "lsoas", "population", "working_age", "workless", "geometry"]]


def about_table(scenario: Scenario, *, title: str, attribution: str) -> pd.DataFrame:
    """The 'about' table of the GeoPackage and workbook: title, date, units, what is modelled, attribution."""
    rows = [("title", title), ("made", model.today().isoformat()), ("units", scenario.unit_layer),
            ("model", _MODEL_NOTE),
            ("attribution", attribution or "")]
    return pd.DataFrame(rows, columns=["key", "value"])


def export_gpkg(lu: LotUnits, scenario: Scenario, prof: pd.DataFrame, *, title: str = "Lots",
                attribution: str = "") -> bytes:
    """A GeoPackage with layers lots, lot_units, assumptions and about; returned as bytes."""
    return gpkg_bytes({"lots": lots_frame(lu, scenario, prof), "lot_units": unit_frame(lu, scenario),
                       "assumptions": assumption_table(scenario.assumptions),
                       "about": about_table(scenario, title=title, attribution=attribution)},
                      promote_to_multi=True)


def export_csv(prof: pd.DataFrame, *, attribution: str = "", enrolled: pd.Series | None = None) -> bytes:
    """The lot profile as CSV (UTF-8 with BOM for Excel; formula-like cells prefixed); the first line is a '#'
    note with attribution."""
    note = ("Patchwork lot profiles. Participants, advisors, cost and income are model estimates; "
            "see the assumptions export. " + (attribution or "")).replace("\n", " ")
    return csv_bytes(display_table(prof, enrolled=enrolled).reset_index(), notes=[note])


def _number_of(col: str) -> Number:
    if col.endswith("_gbp"):
        return GBP
    if col.startswith("share_") or col == "pbr_share":
        return PERCENT
    return ONE_DP if col in ("advisors", "imd_score") else COUNT


def _enrolled_cell(n: int) -> object:
    text = suppress(n)
    return int(text) if text.isdigit() else text  # "<5" stays text


def lots_sheet(prof: pd.DataFrame, *, enrolled: pd.Series | None = None) -> tuple[pd.DataFrame, Formats]:
    """The lot profile with the page's column names (`display_table`'s) but numbers as numbers, and the
    number format of each numeric column (thousands, %, £, one decimal). Missing values are empty;
    `enrolled` (actual participants) is suppressed: "<5" for 1 to 4."""
    out = pd.DataFrame(index=prof.index.rename("Lot"))
    formats: dict[str, Number] = {}
    for col, label in DISPLAY_COLUMNS.items():
        if col not in prof.columns:
            continue
        values = prof[col]
        if col == "flags":
            out[label] = ["; ".join(f) if f else "none" for f in values]
        elif pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            out[label] = values.astype(str)
        else:
            numbers = values.astype("float64")
            out[label] = numbers.where(np.isfinite(numbers))
            formats[label] = _number_of(col)
    if enrolled is not None:
        out["Enrolled so far"] = pd.Series([_enrolled_cell(int(enrolled.get(n, 0))) for n in prof.index],
                                           index=out.index, dtype=object)
        formats["Enrolled so far"] = COUNT
    return out, formats


def export_xlsx(lu: LotUnits, scenario: Scenario, prof: pd.DataFrame, *, title: str = "Lots",
                attribution: str = "", enrolled: pd.Series | None = None) -> bytes:
    """An Excel workbook: Lots (profile), Units, Assumptions, About. Numbers are numbers with number
    formats (thousands, %, £); no text cell runs as a formula (geo.text.formula_safe)."""
    lots, formats = lots_sheet(prof, enrolled=enrolled)
    units = pd.DataFrame(unit_frame(lu, scenario).drop(columns="geometry"))
    unit_formats = {c: COUNT for c in ("lsoas", "population", "working_age", "workless")}
    wb = Workbook()
    first = wb.active
    assert first is not None  # a new workbook has one sheet
    first.title = "Lots"
    write_sheet(first, lots, formats, index=True)
    write_sheet(wb.create_sheet("Units"), units, unit_formats)
    write_sheet(wb.create_sheet("Assumptions"), assumption_table(scenario.assumptions))
    write_sheet(wb.create_sheet("About"), about_table(scenario, title=title, attribution=attribution))
    wb.properties.creator = "Patchwork"
    wb.properties.title = title
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def safe_filename(text: str) -> str:
    """The stem of a lots export's file name: `text` as geo.text.slug makes it ('lots' when nothing is left)."""
    return slug(text, default="lots")


# ---- the PDF summary ------------------------------------------------------------------------------
_NO_FLAGS = ("None: contiguous, above the minimum value and advisor count, no overlap with served areas.")


def _key_figures(row: pd.Series, disp: pd.Series, *, enrolled: bool) -> list[tuple[str, str]]:
    figures = [
        ("Residents", disp["Residents"]), ("Working-age residents", disp["Working-age residents"]),
        ("In most deprived 10% / 20%", f"{disp['In most deprived 10%']} / {disp['In most deprived 20%']}"),
        ("Estimated workless residents", disp["Estimated workless residents"]),
        ("Workless estimate basis", str(row["workless_basis"])),
        ("Expected participants (model)", disp["Expected participants (model)"]),
        ("Active at once (model)", disp["Active at once (model)"]),
        ("Advisors needed (FTE)", disp["Advisors needed (FTE)"]),
        ("Delivery cost", disp["Delivery cost"]), ("Set-up cost", disp["Set-up cost"]),
        ("Lot value", disp["Lot value"]),
        ("Expected job outcomes (model)", disp["Expected job outcomes (model)"]),
        ("Sustained 13 weeks (model)", disp["Sustained 13 weeks (model)"]),
        ("Payment-by-results income", f"{disp['Payment-by-results income']} ({disp['PbR income / value']} of value)"),
    ]
    if enrolled:
        figures.append(("Enrolled so far", disp["Enrolled so far"]))
    return figures


def _pdf_decile_bars(pdf: FPDF, row: pd.Series, *, y0: float) -> None:
    pdf.set_font(FAMILY, "B", 10)
    pdf.set_xy(12, y0)
    pdf.cell(100, 5, "LSOAs by IMD decile (1 = most deprived 10% in England)")
    counts = [int(row[f"lsoas_decile_{d}"]) for d in range(1, 11)]
    top = max(counts) or 1
    for d, n in enumerate(counts, start=1):
        x = 14 + (d - 1) * 9
        hgt = 22 * n / top
        shade = int(60 + 17 * (d - 1))
        pdf.set_fill_color(shade, shade - 20 if shade > 20 else 0, 160)
        if n:
            pdf.rect(x, y0 + 30 - hgt, 7, hgt, style="F")
        pdf.set_font(FAMILY, "", 7)
        pdf.set_xy(x - 1, y0 + 30.5)
        pdf.cell(9, 3.5, str(d), align="C")
        pdf.set_xy(x - 1, y0 + 30 - hgt - 4)
        pdf.cell(9, 3.5, str(n), align="C")


def _pdf_lot_page(pdf: FPDF, lu: LotUnits, scenario: Scenario, lot: str, row: pd.Series, disp: pd.Series,
                  assumptions: pd.DataFrame, *, title: str, attribution: str, enrolled: bool) -> None:
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 16)
    pdf.set_xy(12, 10)
    pdf.cell(186, 8, str(f"{title}: {lot}"))
    pdf.set_font(FAMILY, "", 9)
    pdf.set_xy(12, 19)
    pdf.multi_cell(186, 4.2, str(f"{row['unit_names']}" + (f"  ({row['councils']})" if row["councils"] else "")
                                       + f"  -  {scenario.unit_layer}"))
    _pdf_outline(pdf, lu, scenario.lots.get(lot, ()), x=12, y=32, w=80, h=80)
    y = 32.0
    for label, value in _key_figures(row, disp, enrolled=enrolled):
        pdf.set_xy(98, y)
        pdf.set_font(FAMILY, "", 9)
        pdf.cell(52, 5, str(label))
        pdf.set_font(FAMILY, "B", 9)
        pdf.multi_cell(48, 5, str(value))
        y = max(y + 5.4, pdf.get_y() + 0.4)
    y0 = 118.0
    _pdf_decile_bars(pdf, row, y0=y0)
    y = y0 + 38
    pdf.set_font(FAMILY, "B", 10)
    pdf.set_xy(12, y)
    pdf.cell(100, 5, "Flags")
    pdf.set_font(FAMILY, "", 9)
    pdf.set_xy(12, y + 5.5)
    pdf.multi_cell(186, 4.5, str("; ".join(row["flags"]) if row["flags"] else _NO_FLAGS))
    y = pdf.get_y() + 3
    pdf.set_font(FAMILY, "B", 10)
    pdf.set_xy(12, y)
    pdf.cell(100, 5, "Model assumptions (values marked 'Source' come from the source documents)")
    pdf.set_font(FAMILY, "", 7.2)
    y += 6
    for _, a in assumptions.iterrows():
        if y > 280:
            break
        pdf.set_xy(12, y)
        pdf.cell(70, 3.6, str(a["setting"])[:55])
        pdf.cell(22, 3.6, str(a["value"]))
        pdf.cell(94, 3.6, str(a["basis"])[:80])
        y += 3.6
    pdf.set_font(FAMILY, "I", 6.5)
    pdf.set_xy(12, 284)
    pdf.multi_cell(186, 3, str(f"Made with Patchwork on {model.today():%d %B %Y}. Participants, advisors, "
                                     "cost and income are estimates from the model above. " + (attribution or "")))


def summary_pdf(lu: LotUnits, scenario: Scenario, prof: pd.DataFrame, *, lots: Sequence[str] | None = None,
                title: str = "Commissioning lot", attribution: str = "",
                enrolled: pd.Series | None = None, fonts: PdfFonts | None = None) -> bytes:
    """A one-page A4 summary per lot (map outline, need, value, flags, assumptions), as PDF bytes, in the
    Unicode font (`fonts`, default the vendored one: geo.out.fonts)."""
    chosen = list(lots) if lots is not None else list(prof.index)
    table = display_table(prof, enrolled=enrolled)
    assumptions = assumption_table(scenario.assumptions)
    pdf = unicode_pdf(orientation="P", fonts=fonts)
    pdf.set_auto_page_break(False)
    pdf.set_title(str(title))
    for lot in chosen:
        _pdf_lot_page(pdf, lu, scenario, lot, lot_row(prof, lot), lot_row(table, lot), assumptions, title=title,
                      attribution=attribution, enrolled=enrolled is not None)
    return bytes(pdf.output())


def _pdf_outline(pdf: FPDF, lu: LotUnits, codes: Iterable[str], *, x: float, y: float, w: float, h: float) -> None:
    """The lot's units (filled) and their neighbours (outline) drawn to fit the box."""
    codes = [c for c in codes if c in lu.adjacency.position]
    pdf.set_draw_color(180, 180, 180)
    pdf.rect(x, y, w, h)
    if not codes:
        return
    nb: set[str] = set()
    for c in codes:
        nb.update(lu.adjacency.neighbours(c))
    nb -= set(codes)
    sel = lu.units[lu.units["code"].isin(codes)]
    ctx = lu.units[lu.units["code"].isin(nb)]
    minx, miny, maxx, maxy = sel.total_bounds
    pad = 0.08 * max(maxx - minx, maxy - miny, 1.0)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    scale = min(w / (maxx - minx), h / (maxy - miny))
    ox = x + (w - (maxx - minx) * scale) / 2
    oy = y + (h - (maxy - miny) * scale) / 2

    def draw(geom: Any, style: str) -> None:
        geom = shapely.clip_by_rect(geom, minx, miny, maxx, maxy)
        for poly in getattr(geom, "geoms", [geom]):
            if poly.is_empty or poly.geom_type != "Polygon":
                continue
            pts = [(ox + (px - minx) * scale, oy + (maxy - py) * scale)
                   for px, py in shapely.simplify(poly, 1 / scale * 0.3).exterior.coords]
            if len(pts) >= 3:
                pdf.polygon(pts, style=style)

    pdf.set_line_width(0.2)
    pdf.set_draw_color(150, 150, 150)
    for g in ctx.geometry:
        draw(g, "D")
    pdf.set_fill_color(84, 39, 143)
    pdf.set_draw_color(255, 255, 255)
    for g in sel.geometry:
        draw(g, "DF")
