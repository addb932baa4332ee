"""Tooltip and popup HTML for map features: every value HTML-escaped, missing values read "not known"."""

from __future__ import annotations

import html
from typing import Any, cast

import geopandas as gpd
import pandas as pd

from geo.model import VENUE_KINDS
from geo.plan.places import lsoa_ward_names

NOT_KNOWN = "not known"


def is_missing(value: object) -> bool:
    """None, pd.NA, NaN or NaT (a scalar that pandas reads as missing)."""
    try:
        return bool(pd.isna(cast(Any, value)))  # any cell: pandas-stubs type scalars and arrays apart
    except (TypeError, ValueError):  # array-likes are not missing scalars
        return False


def text_or_not_known(value: object) -> str:
    """A text attribute for display; missing (None, NA, NaN, blank) reads "not known"."""
    if is_missing(value):
        return NOT_KNOWN
    return str(value).strip() or NOT_KNOWN


def yes_no(value: object) -> str:
    if is_missing(value):
        return NOT_KNOWN
    return "yes" if bool(value) else "no"


def _cost(value: object) -> str:
    if is_missing(value):
        return NOT_KNOWN
    cost = float(value)  # type: ignore[arg-type]  # a number once not missing
    return "free" if cost == 0 else f"£{cost:,.2f} an hour"


def venue_popup_html(row: pd.Series) -> str:
    """The outreach attributes a worker needs when choosing a venue."""
    cap = row.get("capacity")
    rows = [
        ("Kind", VENUE_KINDS.get(str(row.get("kind")), str(row.get("kind")))),
        ("Address", text_or_not_known(row.get("address"))),
        ("Wi-fi", yes_no(row.get("wifi"))),
        ("Toilets", yes_no(row.get("toilets"))),
        ("Step-free access", yes_no(row.get("step_free"))),
        ("Childcare", yes_no(row.get("childcare"))),
        ("Quiet room", yes_no(row.get("quiet_room"))),
        ("Capacity", NOT_KNOWN if is_missing(cap) else f"{int(cast(float, cap))} people"),
        ("Cost", _cost(row.get("cost_per_hour"))),
        ("Opening hours", text_or_not_known(row.get("opening_hours"))),
    ]
    if bool(row.get("closed") is True):
        rows.insert(1, ("Status", "CLOSED"))
    body = "".join(f"<tr><th style='text-align:left;padding-right:8px'>{html.escape(k)}</th>"
                   f"<td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<b>{html.escape(str(row.get('name')))}</b><table style='font-size:12px'>{body}</table>"


def tooltip_html(*pairs: tuple[str, object]) -> str:
    """Tooltip HTML from (label, value) pairs, escaped; a pair with no label is its value alone."""
    return "<br>".join(f"<b>{html.escape(k)}</b>: {html.escape(str(v))}" if k else html.escape(str(v))
                       for k, v in pairs)


Pair = tuple[str, object]


def lsoa_context(lsoas: gpd.GeoDataFrame, wards: gpd.GeoDataFrame | None) -> list[tuple[Pair, Pair]]:
    """For each LSOA, in order, the two tooltip lines every LSOA shows: ("Ward", the ward it lies in) and
    ("Population", its residents, "1,950"); "not known" where either is missing."""
    names = (lsoa_ward_names(lsoas, wards).tolist() if wards is not None and len(wards)
             else [""] * len(lsoas))
    pops = lsoas["population"] if "population" in lsoas.columns else pd.Series([None] * len(lsoas))
    return [(("Ward", w or NOT_KNOWN), ("Population", NOT_KNOWN if is_missing(p) else f"{float(p):,.0f}"))
            for w, p in zip(names, pops, strict=True)]
