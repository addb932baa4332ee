# ruff: noqa: RUF001 -- the Greek capital Zeta in "Café" names is meant (the issue's own example), not a Latin Z.
"""Any name prints: the PDFs are set in a Unicode TrueType font (DejaVu Sans, vendored by `make setup`),
so Welsh, accented and Greek names come back from the PDF's text exactly as written."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from fontTools.ttLib import TTFont
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from geo.out import exports, fonts
from geo.out.lots_exports import summary_pdf
from geo.plan.lots.profile import assess_lots
from geo.plan.lots.scenario import make_scenario
from geo.plan.lots.units import prepare_units
from tests.conftest import tiny_layers

DAY = dt.date(2025, 6, 1)
NAMES = ["Tŷ Hafan", "Café Ζ", "Ysgol Gymraeg Llundain – Pen-y-bont", "Łódź “Dom Kultury”", "Зал № 5", "Ŵyn ≥ 10 ×"]


_CMAP: set[int] = set()


def covered(text: str) -> bool:
    """Whether the vendored regular font has a glyph for every character of `text`."""
    if not _CMAP:
        _CMAP.update(TTFont(fonts.pdf_fonts().regular).getBestCmap())
    return all(ord(ch) in _CMAP for ch in text)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_font_is_vendored_and_covers_the_names():
    found = fonts.pdf_fonts()
    assert found.regular.name == "DejaVuSans.ttf" and found.regular.is_file()
    assert found.bold.is_file() and found.italic.is_file()
    assert covered("".join(NAMES))


def test_briefing_pack_prints_names_as_written():
    gaps = pd.DataFrame({"rank": [1, 2], "lsoa_name": ["Tŷ Hafan 001A", "Café Ζ 002B"],
                         "reason": ["Nobody engaged – no venue within 15 min", "No bus ≥ 2 an hour"]})
    plan = pd.DataFrame({"venue": NAMES, "sessions": [1, 2, 3, 4, 5, 6]})
    data = exports.pdf_briefing(title="Patchwork: Tŷ Hafan", subtitle="Café Ζ", kpis=[("Venues near Tŷ", "2 of 3")],
                                notes=["Fictional demo data – Ŵ."], generated_on=DAY, gaps_table=gaps, plan=plan,
                                plan_title="Pop-ups: Tŷ Hafan")
    text = pdf_text(data)
    for name in [*NAMES, "Patchwork: Tŷ Hafan", "Tŷ Hafan 001A", "Café Ζ 002B", "Nobody engaged – no venue",
                 "Pop-ups: Tŷ Hafan", "Fictional demo data – Ŵ."]:
        assert name in text, name


def test_lot_summary_prints_names_as_written():
    layers = tiny_layers()
    layers["wards"]["ward_name"] = ["Tŷ Hafan", "Café Ζ"]
    units = prepare_units(layers["wards"], layers["lsoas"], kind="wards", code_col="ward_code", name_col="ward_name")
    s = make_scenario({"Llanŵyn – Ζ": ["E05900001"], "Café Ζ": ["E05900002"]}, unit_layer="wards")
    text = pdf_text(summary_pdf(units, s, assess_lots(units, s), title="Lot", attribution="© Tŷ"))
    for name in ["Lot: Llanŵyn – Ζ", "Lot: Café Ζ", "Tŷ Hafan", "© Tŷ"]:
        assert name in text, name


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec="utf-8", categories=("Lu", "Ll", "Nd", "Zs", "Pd", "Po")),
               min_size=1, max_size=30).filter(lambda s: bool(s.strip()) and covered(s)))
def test_any_name_the_font_has_prints(name):
    """Property: every name whose characters the font has comes back from the PDF's text as written
    (whitespace aside: PDF text extraction collapses runs of spaces)."""
    data = exports.pdf_briefing(title=name, subtitle="s", kpis=[], notes=[], generated_on=DAY)
    assert " ".join(name.split()) in " ".join(pdf_text(data).split())

