"""The briefing pack: an A4 landscape PDF (fpdf2) with KPIs, the map image, top gaps, a plan and the notes.

Tables are made safe (geo.out.privacy_guard.safe_table) before they are drawn. fpdf's core fonts are
Latin-1: typographic characters outside it are written as their plain equivalents.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Collection, Sequence

import pandas as pd
from fpdf import FPDF
from PIL import Image

from geo.out.privacy_guard import safe_table
from geo.out.tables import plain_value
from geo.privacy import THRESHOLD

FONT = "Helvetica"
_PDF_REPLACE = {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "≥": ">=",
                "≤": "<=", "×": "x", "\u00a0": " ", "→": "->"}
_TABLE_COLUMNS = 8


def latin1(text: object) -> str:
    """`text` in the Latin-1 the PDF core fonts can draw (see the module docstring)."""
    s = str(text)
    for a, b in _PDF_REPLACE.items():
        s = s.replace(a, b)
    return s.encode("latin-1", "replace").decode("latin-1")


def _heading(column: object) -> str:
    words = str(column).replace("_", " ").split()
    words = [{"lsoa": "LSOA", "pct": "%", "imd": "IMD"}.get(w.lower(), w) for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _cell_text(v: object) -> str:
    v = plain_value(v)
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.2f}".rstrip("0").rstrip(".") if abs(v) < 1e6 else f"{v:,.0f}"
    s = latin1(v)
    return s if len(s) <= 60 else s[:57] + "..."


def _table_cells(frame: pd.DataFrame, max_rows: int, max_cols: int) -> tuple[list[str], list[list[str]]]:
    t = frame.iloc[:max_rows, :max_cols]
    header = [latin1(_heading(c)) for c in t.columns]
    return header, [[_cell_text(v) for v in row] for row in t.itertuples(index=False)]


class _Pack(FPDF):
    """A4 landscape pages whose footer carries `footer_note`, the suppression rule and the page number."""

    footer_note = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=7)
        self.set_text_color(80, 80, 80)
        self.multi_cell(0, 3, latin1(f"{self.footer_note}  Counts of people from 1 to {THRESHOLD - 1} "
                                     f"are shown as <{THRESHOLD}.  Page {self.page_no()}"), align="L")


def _kpi_boxes(pdf: _Pack, kpis: Sequence[tuple[str, str]]) -> None:
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / len(kpis)
    y = pdf.get_y()
    for i, (label, value) in enumerate(kpis):
        x = pdf.l_margin + i * width
        pdf.set_xy(x, y)
        pdf.set_draw_color(177, 180, 182)
        pdf.rect(x + 1, y, width - 2, 20)
        pdf.set_xy(x + 3, y + 2)
        pdf.set_font(FONT, size=9)
        pdf.multi_cell(width - 6, 4, latin1(label))
        pdf.set_xy(x + 3, y + 11)
        pdf.set_font(FONT, "B", 15)
        pdf.cell(width - 6, 7, latin1(value))
    pdf.set_xy(pdf.l_margin, y + 24)


def _map_image(pdf: _Pack, map_png: bytes | None, map_note: str | None) -> None:
    if not map_png:
        pdf.set_font(FONT, "I", 10)
        pdf.multi_cell(0, 5, latin1(map_note or "No map image in this pack."))
        return
    avail_w = pdf.w - pdf.l_margin - pdf.r_margin
    avail_h = pdf.h - pdf.get_y() - 18
    with Image.open(io.BytesIO(map_png)) as img:
        ratio = img.height / img.width
    w = min(avail_w, avail_h / ratio)
    pdf.image(io.BytesIO(map_png), x=pdf.l_margin + (avail_w - w) / 2, w=w, h=w * ratio, alt_text="Outreach map")


def _table_section(pdf: _Pack, heading: str, frame: pd.DataFrame | None, empty: str, max_rows: int) -> None:
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 9, latin1(heading), new_x="LMARGIN", new_y="NEXT")
    if frame is None or not len(frame):
        pdf.set_font(FONT, "I", 10)
        pdf.multi_cell(0, 5, latin1(empty))
        pdf.ln(4)
        return
    header, rows = _table_cells(frame, max_rows, _TABLE_COLUMNS)
    pdf.set_font(FONT, size=8)
    widths = [min(max([len(h)] + [len(r[i]) for r in rows]), 45) + 3 for i, h in enumerate(header)]
    with pdf.table(text_align="LEFT", line_height=4.2, first_row_as_headings=True,
                   col_widths=tuple(widths)) as table:
        for cells in [header, *rows]:
            row = table.row()
            for v in cells:
                row.cell(v)
    if len(frame) > max_rows:
        pdf.set_font(FONT, "I", 8)
        pdf.cell(0, 5, f"First {max_rows} of {len(frame):,} rows; the Excel export has them all.",
                 new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def pdf_briefing(
    *,
    title: str,
    subtitle: str,
    kpis: Sequence[tuple[str, str]],
    notes: Sequence[str],
    generated_on: dt.date,
    map_png: bytes | None = None,
    map_note: str | None = None,
    gaps_table: pd.DataFrame | None = None,
    plan: pd.DataFrame | None = None,
    plan_title: str = "Current plan",
    participant_ids: Collection[str] = (),
    max_rows: int = 25,
) -> bytes:
    """A briefing pack (A4 landscape): title, KPIs, map image (or `map_note` saying why there is
    none), top gaps, the current plan, and the data sources and attribution. Tables are made safe
    with `safe_table` and cut to `max_rows` rows and 8 columns; every page's footer carries the
    first note and the suppression rule."""
    gaps_safe = None if gaps_table is None else safe_table(gaps_table, participant_ids=participant_ids)
    plan_safe = None if plan is None else safe_table(plan, participant_ids=participant_ids)

    pdf = _Pack(orientation="L", unit="mm", format="A4")
    pdf.footer_note = latin1(notes[0]) if notes else ""
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_title(latin1(title))
    pdf.set_author("Patchwork")
    pdf.set_creation_date(dt.datetime(generated_on.year, generated_on.month, generated_on.day, tzinfo=dt.UTC))
    pdf.add_page()
    pdf.set_font(FONT, "B", 20)
    pdf.cell(0, 10, latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 6, latin1(f"{subtitle}  -  briefing pack, {generated_on.strftime('%d %B %Y')}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if kpis:
        _kpi_boxes(pdf, kpis)
    _map_image(pdf, map_png, map_note)

    pdf.add_page()
    _table_section(pdf, "Top gaps", gaps_safe, "No gap table in this pack.", max_rows)
    _table_section(pdf, latin1(plan_title), plan_safe, "No saved plan chosen for this pack.", max_rows)

    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 9, "Data sources and attribution", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    for n in notes:
        pdf.multi_cell(0, 4.5, latin1(n), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    return bytes(pdf.output())
