"""Comparing two saved plans: the measures of each and a table of their differences (plan B − plan A).

Pure helpers for the Compare plans page. The plans themselves are rebuilt and measured by geo.plan.hubs and
geo.plan.patch_table; this module only lines the two up. Observed caseloads rest on counts of people, so any
figure that would show (or give away) a caseload below 5 reads "<5" or "–" (geo.privacy).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from geo.plan.hubs import NONE, HubPlan
from geo.plan.patch_plan import PatchPlan
from geo.plan.patch_table import balance_summary
from geo.privacy import THRESHOLD, suppress

COLUMNS = ["measure", "plan A", "plan B", "difference (B − A)"]


@dataclass(frozen=True)
class HubFacts:
    hub_share: float
    covered_share: float
    n_hubs: int
    n_satellites: int
    venues: tuple[str, ...]  # hubs and satellites
    pockets: int
    uncovered_lsoas: int
    furthest_min: float      # furthest served LSOA from its hub or satellite (nan when none served)
    estimate: bool


def hub_facts(plan: HubPlan, pockets: pd.DataFrame) -> HubFacts:
    t = plan.lsoas
    served = t["served_by"].to_numpy() != NONE
    minutes = t["minutes"].to_numpy(dtype="float64")[served]
    minutes = minutes[np.isfinite(minutes)]
    return HubFacts(hub_share=plan.hub_share, covered_share=plan.covered_share, n_hubs=len(plan.hubs),
                    n_satellites=len(plan.satellites), venues=tuple(dict.fromkeys([*plan.hubs, *plan.satellites])),
                    pockets=len(pockets), uncovered_lsoas=int((~served).sum()),
                    furthest_min=float(minutes.max()) if minutes.size else float("nan"),
                    estimate=bool(plan.estimate))


def _num(v: float, fmt: str = "{:,.0f}") -> str:
    return fmt.format(v) if v is not None and np.isfinite(v) else "–"


def _diff(a: float, b: float, fmt: str = "{:+,.0f}") -> str:
    if a is None or b is None or not (np.isfinite(a) and np.isfinite(b)):
        return "–"
    text = fmt.format(b - a)
    if not any(ch in "123456789" for ch in text.split(" ")[0]):  # rounds to nothing: no sign
        return fmt.format(0.0).lstrip("+")
    return text.replace("-", "−")


def _names(ids: Sequence[str], names: Mapping[str, str]) -> str:
    return ", ".join(names.get(str(v), str(v)) for v in ids) or "none"


def hub_rows(a: HubFacts, b: HubFacts, venue_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The hub comparison table (strings, for display): COLUMNS."""
    names = venue_names or {}
    only_a = [v for v in a.venues if v not in set(b.venues)]
    only_b = [v for v in b.venues if v not in set(a.venues)]
    est = " (estimate)" if a.estimate or b.estimate else ""
    pct = "{:.0%}"
    rows = [
        ("Need covered by hubs", _num(a.hub_share, pct), _num(b.hub_share, pct),
         _diff(100 * a.hub_share, 100 * b.hub_share, "{:+.0f} pts")),
        ("Need covered with satellites", _num(a.covered_share, pct), _num(b.covered_share, pct),
         _diff(100 * a.covered_share, 100 * b.covered_share, "{:+.0f} pts")),
        ("Hubs", str(a.n_hubs), str(b.n_hubs), _diff(a.n_hubs, b.n_hubs)),
        ("Satellite hubs", str(a.n_satellites), str(b.n_satellites), _diff(a.n_satellites, b.n_satellites)),
        ("Venues only in this plan", _names(only_a, names), _names(only_b, names),
         f"{len(only_a)} only in A, {len(only_b)} only in B"),
        ("Uncovered pockets", str(a.pockets), str(b.pockets), _diff(a.pockets, b.pockets)),
        ("Uncovered LSOAs", str(a.uncovered_lsoas), str(b.uncovered_lsoas),
         _diff(a.uncovered_lsoas, b.uncovered_lsoas)),
        (f"Furthest LSOA served (min walk{est})", _num(a.furthest_min), _num(b.furthest_min),
         _diff(a.furthest_min, b.furthest_min)),
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


@dataclass(frozen=True)
class PatchFacts:
    n_patches: int
    min_caseload: float
    max_caseload: float
    max_dev: float           # largest deviation from the mean caseload, share of the mean
    longest_trip_min: float
    estimate: bool
    observed: bool           # caseloads are observed counts of people: small ones suppressed


def patch_facts(table: pd.DataFrame, *, observed: bool) -> PatchFacts:
    bal = balance_summary(table)
    trips = table["longest_trip_min"].to_numpy(dtype="float64")
    trips = trips[np.isfinite(trips)]
    return PatchFacts(n_patches=len(table), min_caseload=bal["min"], max_caseload=bal["max"],
                      max_dev=bal["max_dev"], longest_trip_min=float(trips.max()) if trips.size else float("nan"),
                      estimate=bool(table["estimate"].any()), observed=observed)


def _small(v: float) -> bool:
    """An observed caseload that would show as '<5'."""
    return 0 < round(v) < THRESHOLD


def _caseload(v: float, observed: bool) -> str:
    return suppress(round(v)) if observed else _num(v, "{:,.1f}")


def changed_lsoas(a: PatchPlan, b: PatchPlan) -> tuple[int, int]:
    """LSOAs that change patch between the plans, and the LSOAs in both. Patch names are arbitrary
    ("Patch 1" in one plan may be "Patch 3" in the other), so B's patches are first matched one-to-one to
    A's by the most LSOAs in common; an LSOA changes patch when its B patch is not the match of its A patch."""
    common = [c for c in a.assignment if c in b.assignment]
    if not common:
        return 0, 0
    la, lb = list(a.labels), list(b.labels)
    ia = {label: i for i, label in enumerate(la)}
    ib = {label: i for i, label in enumerate(lb)}
    overlap = np.zeros((len(la), len(lb)))
    for c in common:
        overlap[ia[a.assignment[c]], ib[b.assignment[c]]] += 1
    rows, cols = linear_sum_assignment(-overlap)
    kept = int(overlap[rows, cols].sum())
    return len(common) - kept, len(common)


def patch_rows(a: PatchFacts, b: PatchFacts, *, changed: tuple[int, int]) -> pd.DataFrame:
    """The patch comparison table (strings, for display): COLUMNS."""
    observed = a.observed or b.observed
    est = " (estimate)" if a.estimate or b.estimate else ""

    def spread(f: PatchFacts) -> float:
        return f.max_caseload - f.min_caseload

    def hidden(*vals: float) -> bool:  # a figure built from a suppressed caseload would give it away
        return observed and any(_small(v) for v in vals)

    def cl_diff(va: float, vb: float) -> str:
        return "–" if hidden(va, vb) else _diff(va, vb, "{:+,.0f}" if observed else "{:+,.1f}")

    fmt = "{:,.0f}" if observed else "{:,.1f}"  # a spread is a gap between caseloads, not a count of people
    sa = "–" if hidden(a.min_caseload, a.max_caseload) else _num(spread(a), fmt)
    sb = "–" if hidden(b.min_caseload, b.max_caseload) else _num(spread(b), fmt)
    sd = ("–" if hidden(a.min_caseload, a.max_caseload, b.min_caseload, b.max_caseload)
          else _diff(spread(a), spread(b), "{:+,.0f}" if observed else "{:+,.1f}"))
    n_changed, n_common = changed
    rows = [
        ("Patches", str(a.n_patches), str(b.n_patches), _diff(a.n_patches, b.n_patches)),
        ("Lowest caseload a patch", _caseload(a.min_caseload, observed), _caseload(b.min_caseload, observed),
         cl_diff(a.min_caseload, b.min_caseload)),
        ("Highest caseload a patch", _caseload(a.max_caseload, observed), _caseload(b.max_caseload, observed),
         cl_diff(a.max_caseload, b.max_caseload)),
        ("Caseload spread (highest − lowest)", sa, sb, sd),
        ("Largest gap from the mean caseload", _num(a.max_dev, "{:.0%}"), _num(b.max_dev, "{:.0%}"),
         _diff(100 * a.max_dev, 100 * b.max_dev, "{:+.0f} pts")),
        (f"Longest trip from a base (min walk{est})", _num(a.longest_trip_min), _num(b.longest_trip_min),
         _diff(a.longest_trip_min, b.longest_trip_min)),
        ("LSOAs that change patch", "", "", f"{n_changed} of {n_common}"),
    ]
    return pd.DataFrame(rows, columns=COLUMNS)
