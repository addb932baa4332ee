"""The briefing pack's tables wrap long text instead of cutting it, and say which columns they leave out."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from geo.out import exports

DAY = dt.date(2025, 6, 1)
LONG = ("Most deprived 10% on income and employment; nobody engaged on 14 of 15 roads; nearest venue that counts "
        "is 34 minutes away by the best of walk and bus")


def text_of(data: bytes) -> str:
    return " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def test_long_reasons_wrap_whole():
    gaps = pd.DataFrame({"Rank": [1, 2], "LSOA": ["Tiny 001A", "Tiny 002B"], "Why": [LONG, "No venue within 15 min"],
                         "Roads engaged": ["1 of 15", "no roads"]})
    text = text_of(exports.pdf_briefing(title="T", subtitle="s", kpis=[], notes=[], generated_on=DAY,
                                        gaps_table=gaps))
    assert LONG in text and "..." not in text
    assert "1 of 15" in text and "no roads" in text


def test_columns_left_out_are_named():
    wide = pd.DataFrame({f"col_{i}": [i] for i in range(12)})
    text = text_of(exports.pdf_briefing(title="T", subtitle="s", kpis=[], notes=[], generated_on=DAY, plan=wide,
                                        plan_title="Wide"))
    assert "Not shown here: Col 10, Col 11." in text and "The Excel export has them all." in text


@settings(max_examples=10, deadline=None)
@given(st.lists(st.text(alphabet="abcdefghij klmnop", min_size=1, max_size=200).filter(lambda s: s.strip()),
                min_size=1, max_size=4))
def test_any_cell_text_comes_back_whole(cells):
    """Property: whatever its length, a cell's words all come back, in order."""
    frame = pd.DataFrame({"Why": cells, "Rank": range(1, len(cells) + 1)})
    text = text_of(exports.pdf_briefing(title="T", subtitle="s", kpis=[], notes=[], generated_on=DAY,
                                        gaps_table=frame))
    for c in cells:
        assert " ".join(c.split()) in text
