"""Lot profiles and scenario comparisons as display text, for screens and exports."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from geo.privacy import suppress


def gbp_text(v: float) -> str:
    return "–" if not np.isfinite(v) else f"£{v:,.0f}"


def pct_text(v: float) -> str:
    return "–" if not np.isfinite(v) else f"{v * 100:.0f}%"


def scenario_summary(prof: pd.DataFrame) -> dict[str, float]:
    """Totals of a scenario's lots (numbers; see `compare_table` for text)."""
    if len(prof) == 0:
        return {"lots": 0}
    pop = prof["population"].sum()
    d20 = (prof["share_most_deprived_20"].fillna(0) * prof["population"]).sum()
    return {
        "lots": float(len(prof)), "units": float(prof["units"].sum()), "population": float(pop),
        "working_age": float(prof["working_age"].sum()), "workless": float(prof["workless"].sum()),
        "share_most_deprived_20": float(d20 / pop) if pop else float("nan"),
        "participants": float(prof["participants"].sum()), "advisors": float(prof["advisors"].sum()),
        "lot_value_gbp": float(prof["lot_value_gbp"].sum()),
        "min_lot_value_gbp": float(prof["lot_value_gbp"].min()),
        "max_lot_value_gbp": float(prof["lot_value_gbp"].max()),
        "pbr_income_gbp": float(prof["pbr_income_gbp"].sum()),
        "job_outcomes": float(prof["job_outcomes"].sum()),
        "lots_flagged": float(sum(1 for f in prof["flags"] if f)),
    }


_COMPARE_ROWS: list[tuple[str, Callable[[dict[str, float]], str]]] = [
    ("Lots", lambda s: f"{s['lots']:.0f}"),
    ("Units", lambda s: f"{s['units']:.0f}"),
    ("Residents", lambda s: f"{s['population']:,.0f}"),
    ("Working-age residents", lambda s: f"{s['working_age']:,.0f}"),
    ("Residents in most deprived 20%", lambda s: pct_text(s["share_most_deprived_20"])),
    ("Estimated workless residents", lambda s: f"{s['workless']:,.0f}"),
    ("Expected participants (model)", lambda s: f"{s['participants']:,.0f}"),
    ("Advisors needed (FTE)", lambda s: f"{s['advisors']:.1f}"),
    ("Total value", lambda s: gbp_text(s["lot_value_gbp"])),
    ("Smallest lot", lambda s: gbp_text(s["min_lot_value_gbp"])),
    ("Largest lot", lambda s: gbp_text(s["max_lot_value_gbp"])),
    ("Expected job outcomes (model)", lambda s: f"{s['job_outcomes']:,.0f}"),
    ("Payment-by-results income", lambda s: gbp_text(s["pbr_income_gbp"])),
    ("Lots flagged", lambda s: f"{s['lots_flagged']:.0f}"),
]


def compare_table(profiles: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Scenarios side by side: one column per scenario, one row per measure (display text)."""
    data: dict[str, list[str]] = {}
    for name, prof in profiles.items():
        s = scenario_summary(prof)
        data[name] = [fn(s) if s.get("lots") else "–" for _, fn in _COMPARE_ROWS]
    return pd.DataFrame(data, index=pd.Index([r[0] for r in _COMPARE_ROWS], name="measure"))


DISPLAY_COLUMNS: dict[str, str] = {
    "units": "Units", "unit_names": "Areas", "councils": "Councils", "lsoas": "LSOAs",
    "population": "Residents", "working_age": "Working-age residents",
    "share_most_deprived_10": "In most deprived 10%", "share_most_deprived_20": "In most deprived 20%",
    "imd_score": "IMD score (pop.-weighted)", "imd_profile": "LSOAs by IMD decile 1…10",
    "workless": "Estimated workless residents", "workless_basis": "Workless estimate basis",
    "participants": "Expected participants (model)", "active_at_once": "Active at once (model)",
    "advisors": "Advisors needed (FTE)", "delivery_cost_gbp": "Delivery cost",
    "set_up_cost_gbp": "Set-up cost", "lot_value_gbp": "Lot value",
    "job_outcomes": "Expected job outcomes (model)", "sustained_13w": "Sustained 13 weeks (model)",
    "progressions": "Expected progressions (model)", "pbr_income_gbp": "Payment-by-results income",
    "pbr_share": "PbR income / value", "flags": "Flags",
}


def _column_text(col: str, v: pd.Series) -> list[str]:
    if col.endswith("_gbp"):
        return [gbp_text(float(x)) for x in v]
    if col.startswith("share_") or col == "pbr_share":
        return [pct_text(float(x)) for x in v]
    if col == "advisors":
        return [f"{float(x):.1f}" for x in v]
    if col == "imd_score":
        return ["–" if not np.isfinite(float(x)) else f"{float(x):.1f}" for x in v]
    if col == "flags":
        return ["; ".join(f) if f else "none" for f in v]
    if pd.api.types.is_numeric_dtype(v):
        return [f"{float(x):,.0f}" for x in v]
    return [str(x) for x in v]


def display_table(prof: pd.DataFrame, *, enrolled: pd.Series | None = None) -> pd.DataFrame:
    """The lot profile as text for screens and exports. `enrolled` (actual participants) is suppressed."""
    out = pd.DataFrame(index=prof.index.rename("Lot"))
    for col, label in DISPLAY_COLUMNS.items():
        if col not in prof.columns:
            continue
        text = _column_text(col, prof[col])
        if col == "workless":
            text = [t + ("" if b == "from employment score" else " (estimate)")
                    for t, b in zip(text, prof["workless_basis"])]
        out[label] = text
    if enrolled is not None:
        out["Enrolled so far"] = [suppress(int(enrolled.get(n, 0))) for n in prof.index]
    return out


def lot_row(prof: pd.DataFrame, name: str) -> pd.Series:
    """The row of lot `name` (lot names are unique in a profile)."""
    row = prof.loc[name]
    if not isinstance(row, pd.Series):
        raise TypeError(f"lot {name!r} appears more than once in the profile")
    return row


def profile_kpis(prof: pd.DataFrame, name: str) -> list[tuple[str, str, str]]:
    """Key figures of one lot as (label, value, help): need first (3), then the model's estimates (4)."""
    r = lot_row(prof, name)
    d10, d20, pbr = (float(r["share_most_deprived_10"]), float(r["share_most_deprived_20"]), float(r["pbr_share"]))
    return [
        ("Residents", f"{r['population']:,.0f}", f"{int(r['lsoas'])} LSOAs; working age {r['working_age']:,.0f}."),
        ("In most deprived 20%", f"{d20 * 100:.0f}%" if np.isfinite(d20) else "–",
         f"Residents in England's most deprived 20% of LSOAs (10%: {d10 * 100 if np.isfinite(d10) else 0:.0f}%)."),
        ("Estimated workless", f"{r['workless']:,.0f}", f"Working-age residents out of work, {r['workless_basis']}."),
        ("Expected participants", f"{r['participants']:,.0f}", "Model estimate: workless x engagement rate."),
        ("Advisors (FTE)", f"{r['advisors']:.1f}", f"{r['active_at_once']:,.0f} active at once ÷ caseload."),
        ("Lot value", f"£{r['lot_value_gbp']:,.0f}", "Delivery cost (advisors, venues, management) plus set-up."),
        ("PbR income", f"£{r['pbr_income_gbp']:,.0f}",
         f"{pbr * 100 if np.isfinite(pbr) else 0:.0f}% of the lot value, from the payment model."),
    ]
