"""The briefing pack: an A4 landscape PDF (fpdf2) with KPIs, the map image, top gaps, a plan and the notes.

Tables are made safe (geo.out.privacy_guard.safe_table) before they are drawn. Text is set in the
Unicode font of geo.out.fonts, so every name prints as written; table cells wrap, never cut.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Collection, Sequence

import pandas as pd
from fpdf import FPDF
from PIL import Image

from geo.out.fonts import FAMILY as FONT
from geo.out.fonts import PdfFonts, add_fonts
from geo.out.privacy_guard import safe_table
from geo.out.saved_plans import PlanExport
from geo.out.tables import Formats, Number, plain_value
from geo.privacy import THRESHOLD

_TABLE_COLUMNS = 10


def _heading(column: object) -> str:
    words = str(column).replace("_", " ").split()
    words = [{"lsoa": "LSOA", "pct": "%", "imd": "IMD"}.get(w.lower(), w) for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _cell_text(v: object, number: Number | None = None) -> str:
    if number is not None:
        return number.show(v)
    v = plain_value(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.2f}".rstrip("0").rstrip(".") if abs(v) < 1e6 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _table_cells(frame: pd.DataFrame, max_rows: int, max_cols: int,
                 formats: Formats | None = None) -> tuple[list[str], list[list[str]]]:
    t = frame.iloc[:max_rows, :max_cols]
    header = [_heading(c) for c in t.columns]
    numbers = [(formats or {}).get(str(c)) for c in t.columns]
    return header, [[_cell_text(v, n) for v, n in zip(row, numbers, strict=True)]
                    for row in t.itertuples(index=False)]


def _col_widths(pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]]) -> tuple[float, ...]:
    """Column widths (mm, filling the page): each column at least its longest word (words never break),
    the room left shared by how much more each column's text wants, so long text (a reason, a list of
    areas) wraps over lines instead of being cut."""
    pad = 2 * pdf.c_margin + 1.0
    least, wanted = [], []
    for i, h in enumerate(header):
        cells = [r[i] for r in rows]
        words = [w for c in [*cells, h] for w in c.split()] or [""]
        least.append(max(pdf.get_string_width(w) for w in words) * 1.1 + pad)  # headings are bold: a little wider
        wanted.append(max([pdf.get_string_width(c) for c in cells] + [pdf.get_string_width(h) * 1.1]) + pad)
    room = pdf.epw - 0.01
    spare = room - sum(least)
    if spare <= 0:
        return tuple(w * room / sum(least) for w in least)
    extra = [max(w - m, 0.0) for w, m in zip(wanted, least, strict=True)]
    if sum(extra) <= spare:
        return tuple(w + e for w, e in zip(least, extra, strict=True))
    return tuple(m + spare * e / sum(extra) for m, e in zip(least, extra, strict=True))


class _Pack(FPDF):
    """A4 landscape pages in the Unicode font whose footer carries `footer_note`, the suppression rule and
    the page number."""

    footer_note = ""

    def __init__(self, fonts: PdfFonts | None = None) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        add_fonts(self, fonts)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=7)
        self.set_text_color(80, 80, 80)
        self.multi_cell(0, 3, f"{self.footer_note}  Counts of people from 1 to {THRESHOLD - 1} "
                              f"are shown as <{THRESHOLD}.  Page {self.page_no()}", align="L")


def _kpi_boxes(pdf: _Pack, kpis: Sequence[tuple[str, ...]]) -> None:
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / len(kpis)
    y = pdf.get_y()
    for i, (label, value, *_) in enumerate(kpis):
        x = pdf.l_margin + i * width
        pdf.set_xy(x, y)
        pdf.set_draw_color(177, 180, 182)
        pdf.rect(x + 1, y, width - 2, 20)
        pdf.set_xy(x + 3, y + 2)
        pdf.set_font(FONT, size=9)
        pdf.multi_cell(width - 6, 4, label)
        pdf.set_xy(x + 3, y + 11)
        pdf.set_font(FONT, "B", 15)
        pdf.cell(width - 6, 7, value)
    pdf.set_xy(pdf.l_margin, y + 24)


def _map_image(pdf: _Pack, map_png: bytes | None, map_note: str | None) -> None:
    if not map_png:
        pdf.set_font(FONT, "I", 10)
        pdf.multi_cell(0, 5, map_note or "No map image in this pack.")
        return
    avail_w = pdf.w - pdf.l_margin - pdf.r_margin
    avail_h = pdf.h - pdf.get_y() - 18
    with Image.open(io.BytesIO(map_png)) as img:
        ratio = img.height / img.width
    w = min(avail_w, avail_h / ratio)
    pdf.image(io.BytesIO(map_png), x=pdf.l_margin + (avail_w - w) / 2, w=w, h=w * ratio, alt_text="Outreach map")


def _table_section(pdf: _Pack, heading: str, frame: pd.DataFrame | None, empty: str, max_rows: int, *,
                   formats: Formats | None = None, size: float = 14) -> None:
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, 8 if size >= 14 else 6, heading, new_x="LMARGIN", new_y="NEXT")
    if frame is None or not len(frame):
        pdf.set_font(FONT, "I", 10)
        pdf.multi_cell(0, 5, empty, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        return
    header, rows = _table_cells(frame, max_rows, _TABLE_COLUMNS, formats)
    pdf.set_font(FONT, size=8)
    widths = _col_widths(pdf, header, rows)
    with pdf.table(text_align="LEFT", line_height=4.2, first_row_as_headings=True, col_widths=widths,
                   width=sum(widths), align="LEFT", v_align="TOP") as table:
        for cells in [header, *rows]:
            row = table.row()
            for v in cells:
                row.cell(v)
    left_out = [str(c) for c in frame.columns[_TABLE_COLUMNS:]]
    said = []
    if len(frame) > max_rows:
        said.append(f"First {max_rows} of {len(frame):,} rows.")
    if left_out:
        said.append(f"Not shown here: {', '.join(_heading(c) for c in left_out)}.")
    if said:
        pdf.set_font(FONT, "I", 8)
        pdf.multi_cell(0, 4, " ".join(said) + " The Excel export has them all.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _plan_section(pdf: _Pack, plan: PlanExport, max_rows: int, participant_ids: Collection[str]) -> None:
    """A saved plan as its page shows it: key figures, then each table (its `brief` columns); or why it
    cannot be shown."""
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 8, plan.label, new_x="LMARGIN", new_y="NEXT")
    if plan.problem:
        pdf.set_font(FONT, "I", 10)
        pdf.multi_cell(0, 5, f"This plan does not fit the workspace as it is now, so it is not shown: {plan.problem}",
                       new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        return
    if plan.summary:
        pdf.set_font(FONT, size=9)
        with pdf.table(text_align="LEFT", line_height=4.6, first_row_as_headings=False, col_widths=(1, 2),
                       width=(pdf.w - pdf.l_margin - pdf.r_margin) * 0.7, align="LEFT", v_align="TOP") as table:
            for label, value in plan.summary:
                row = table.row()
                row.cell(label)
                row.cell(value)
        pdf.ln(3)
    for name, frame in plan.tables.items():
        brief = [c for c in plan.brief.get(name, ()) if c in frame.columns]
        shown = safe_table(frame[brief] if brief else frame, participant_ids=participant_ids)
        _table_section(pdf, name, shown, "None.", max_rows, formats=plan.formats.get(name), size=11)


def pdf_briefing(
    *,
    title: str,
    subtitle: str,
    kpis: Sequence[tuple[str, ...]],
    notes: Sequence[str],
    generated_on: dt.date,
    map_png: bytes | None = None,
    map_note: str | None = None,
    gaps_table: pd.DataFrame | None = None,
    plan: PlanExport | pd.DataFrame | None = None,
    plan_title: str = "Current plan",
    participant_ids: Collection[str] = (),
    max_rows: int = 25,
    fonts: PdfFonts | None = None,
) -> bytes:
    """A briefing pack (A4 landscape): title, KPIs ((label, value, ...) as the Map page shows them), map
    image (or `map_note` saying why there is none), top gaps, a saved plan as its page shows it (a
    `PlanExport`; a bare table is shown under `plan_title`), and the data sources and attribution.
    Tables are made safe with `safe_table` and cut to `max_rows` rows and 10 columns (saying what is
    left out); their cells wrap. Every page's footer carries the first note and the suppression rule.
    Text is set in the Unicode font `fonts` (default: the vendored one, geo.out.fonts)."""
    gaps_safe = None if gaps_table is None else safe_table(gaps_table, participant_ids=participant_ids)
    plan_safe = safe_table(plan, participant_ids=participant_ids) if isinstance(plan, pd.DataFrame) else None

    pdf = _Pack(fonts)
    pdf.footer_note = notes[0] if notes else ""
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_title(title)
    pdf.set_author("Patchwork")
    pdf.set_creation_date(dt.datetime(generated_on.year, generated_on.month, generated_on.day, tzinfo=dt.UTC))
    pdf.add_page()
    pdf.set_font(FONT, "B", 20)
    pdf.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    pdf.multi_cell(0, 6, f"{subtitle} – briefing pack, {generated_on.strftime('%d %B %Y')}",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if kpis:
        _kpi_boxes(pdf, kpis)
    _map_image(pdf, map_png, map_note)

    pdf.add_page()
    _table_section(pdf, "Top gaps", gaps_safe, "No gap table in this pack.", max_rows)
    if isinstance(plan, PlanExport):
        _plan_section(pdf, plan, max_rows, participant_ids)
    else:
        _table_section(pdf, plan_title, plan_safe, "No saved plan chosen for this pack.", max_rows)

    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 9, "Data sources and attribution", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    for n in notes:
        pdf.multi_cell(0, 4.5, n, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    return bytes(pdf.output())
