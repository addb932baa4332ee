"""Hubs and satellite hubs: the venues that put the most need within a travel-time budget.

Need (`geo.plan.need`) is working-age residents weighted by deprivation. An LSOA is *covered* by a hub
when the walking time from its population-weighted point to the hub (`geo.plan.lsoa_travel`) is within the
budget. Hubs are chosen by maximal covering (`geo.plan.covering`, exact MILP with HiGHS): hubs already
in place are fixed and always in the answer, and the solver's bound says how far the answer can be
from the best possible (0 when proven optimal).

Satellite hubs are then chosen the same way for the need still uncovered, from the remaining
candidates, with their own budget; a satellite that adds less than `min_satellite_need` is dropped.
A hub can be swapped by hand (`swap_hub`); the plan then keeps the solver's bound so the user sees how
far the hand-made choice is from the best. Maps and exports of a plan are in `geo.out.plan_layers` and
`geo.out.plan_tables`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from geo.model import OUTSIDE_FLAG, DataError, Problem
from geo.plan.covering import cover_value, covered_mask, max_cover
from geo.plan.lsoa_travel import TravelTimes

PLAN_KIND = "hubs"

HUB = "hub"
SATELLITE = "satellite"
NONE = "none"


@dataclass(frozen=True)
class HubSettings:
    n_hubs: int = 3
    budget_min: float = 15.0
    kinds: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    n_satellites: int = 2
    satellite_budget_min: float = 15.0
    satellite_kinds: tuple[str, ...] = ()
    min_satellite_need: float = 50.0
    index: str = "imd"

    def to_dict(self) -> dict[str, Any]:
        return {"n_hubs": self.n_hubs, "budget_min": self.budget_min, "kinds": list(self.kinds),
                "fixed": list(self.fixed), "n_satellites": self.n_satellites,
                "satellite_budget_min": self.satellite_budget_min, "satellite_kinds": list(self.satellite_kinds),
                "min_satellite_need": self.min_satellite_need, "index": self.index}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HubSettings:
        d = dict(data)
        return cls(n_hubs=int(d.get("n_hubs", 3)), budget_min=float(d.get("budget_min", 15.0)),
                   kinds=tuple(d.get("kinds", ())), fixed=tuple(d.get("fixed", ())),
                   n_satellites=int(d.get("n_satellites", 0)),
                   satellite_budget_min=float(d.get("satellite_budget_min", d.get("budget_min", 15.0))),
                   satellite_kinds=tuple(d.get("satellite_kinds", ())),
                   min_satellite_need=float(d.get("min_satellite_need", 0.0)), index=str(d.get("index", "imd")))


@dataclass(frozen=True)
class HubPlan:
    """A set of hubs and satellites and what they cover.

    `lsoas`: lsoa_code, lsoa_name, need, working_age, decile, served_by (hub / satellite / none), site
    (venue id serving it), minutes (to that site), estimate, nearest_hub, nearest_hub_minutes (inf when
    beyond every budget). `bound`: most need k hubs could cover (None once hubs are swapped by hand and
    no longer come from the solver: then `best_value` says what the solver's choice covered)."""

    hubs: tuple[str, ...]
    fixed: tuple[str, ...]
    satellites: tuple[str, ...]
    settings: HubSettings
    lsoas: pd.DataFrame
    total_need: float
    hub_need: float
    satellite_need: float
    bound: float | None
    best_value: float | None
    optimal: bool
    method: str
    seconds: float
    estimate: bool
    notes: tuple[str, ...] = ()
    edited: bool = False
    horizon_min: float = float("nan")

    @property
    def hub_share(self) -> float:
        return self.hub_need / self.total_need if self.total_need else float("nan")

    @property
    def covered_share(self) -> float:
        return (self.hub_need + self.satellite_need) / self.total_need if self.total_need else float("nan")

    @property
    def gap(self) -> float | None:
        """How far the hubs' cover may be from the best possible (share of the bound)."""
        if self.bound is None or self.bound <= 0:
            return None
        return max(0.0, (self.bound - self.hub_need) / self.bound)


def candidate_mask(venues: pd.DataFrame, kinds: Iterable[str]) -> NDArray[np.bool_]:
    """Venues of the chosen kinds that are not closed (and never one kept outside the area)."""
    wanted = list(kinds)
    ok = np.ones(len(venues), dtype=bool)
    if wanted:
        ok &= venues["kind"].astype("string").isin(wanted).to_numpy(dtype=bool, na_value=False)
    for flag in ("closed", OUTSIDE_FLAG):
        if flag in venues.columns:
            ok &= ~venues[flag].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return ok


def _positions(tt: TravelTimes, ids: Iterable[str], what: str) -> list[int]:
    pos = {str(v): i for i, v in enumerate(tt.candidate_ids)}
    missing = [str(i) for i in ids if str(i) not in pos]
    if missing:
        raise DataError(Problem(what, f"venue(s) {', '.join(missing)} are not in the venues layer.",
                                fix="Choose venues from the list; the plan may have been saved with other data."))
    return [pos[str(i)] for i in ids]


def assess(need: pd.DataFrame, tt: TravelTimes, *, hubs: Sequence[str], satellites: Sequence[str],
           settings: HubSettings) -> pd.DataFrame:
    """Per LSOA: which hub or satellite serves it (the nearest within its budget), and the nearest hub."""
    h = _positions(tt, hubs, "hubs")
    s = _positions(tt, satellites, "satellite hubs")
    hb, hm, he = tt.nearest(h, settings.budget_min)
    sb, sm, se = tt.nearest(s, settings.satellite_budget_min)
    nb, nm, _ = tt.nearest(h, tt.max_minutes)
    by_hub = hb >= 0
    by_sat = ~by_hub & (sb >= 0)
    site = np.where(by_hub, hb, np.where(by_sat, sb, -1))
    ids = np.asarray(tt.candidate_ids, dtype=object)
    out = need[["lsoa_code", "lsoa_name", "need", "working_age", "decile"]].copy().reset_index(drop=True)
    if not np.array_equal(out["lsoa_code"].astype(str).to_numpy(), np.asarray(tt.lsoa_codes, dtype=str)):
        raise ValueError("need table and travel times list LSOAs in different orders")
    out["served_by"] = np.where(by_hub, HUB, np.where(by_sat, SATELLITE, NONE))
    out["site"] = pd.array([ids[i] if i >= 0 else pd.NA for i in site], dtype="string")
    out["minutes"] = np.where(by_hub, hm, np.where(by_sat, sm, np.inf))
    out["estimate"] = np.where(by_hub, he, np.where(by_sat, se, False)) | (not tt.network)
    out["nearest_hub"] = pd.array([ids[i] if i >= 0 else pd.NA for i in nb], dtype="string")
    out["nearest_hub_minutes"] = nm
    return out


def plan_hubs(need: pd.DataFrame, tt: TravelTimes, venues: pd.DataFrame, settings: HubSettings, *,
              time_limit_s: float = 10.0, mip_rel_gap: float = 1e-4) -> HubPlan:
    """Choose hubs (maximal covering, fixed hubs kept), then satellites for what is left uncovered."""
    if len(venues) != tt.n_candidates:
        raise ValueError("venues and travel times must list the same candidates")
    problems = []
    for name, v in (("travel-time budget", settings.budget_min), ("satellite budget", settings.satellite_budget_min)):
        if not (np.isfinite(v) and 0 < v <= tt.max_minutes + 1e-9):
            problems.append(Problem("hubs", f"the {name} must be between 1 and {tt.max_minutes:g} minutes, got {v:g}."))
    if settings.n_satellites < 0:
        problems.append(Problem("hubs", "the number of satellite hubs cannot be negative."))
    if problems:
        raise DataError(problems)
    w = need["need"].to_numpy(dtype="float64")
    fixed = _positions(tt, settings.fixed, "hubs already in place")
    allowed = candidate_mask(venues, settings.kinds)
    if not allowed.any() and settings.n_hubs > len(fixed):
        raise DataError(Problem("hubs", "no open venue is of the chosen kinds.",
                                fix="Choose other venue kinds, or add venues on the 'Your data' page."))
    cover = tt.cover(settings.budget_min)
    sol = max_cover(w, cover, k=settings.n_hubs, fixed=fixed, allowed=allowed, time_limit_s=time_limit_s,
                    mip_rel_gap=mip_rel_gap)
    ids = np.asarray(tt.candidate_ids, dtype=object)
    hubs = tuple(str(ids[j]) for j in sol.chosen)
    notes = []
    if len(hubs) < settings.n_hubs:
        notes.append(f"Only {len(hubs)} venues of the chosen kinds are open: {settings.n_hubs} hubs were asked for.")

    satellites: tuple[str, ...] = ()
    if settings.n_satellites > 0:
        left = w * ~covered_mask(cover, sol.chosen)
        sat_allowed = candidate_mask(venues, settings.satellite_kinds or settings.kinds)
        sat_allowed[list(sol.chosen)] = False
        scover = tt.cover(settings.satellite_budget_min)
        if sat_allowed.any() and left.sum() > 0:
            k_sat = min(settings.n_satellites, int(sat_allowed.sum()))
            ssol = max_cover(left, scover, k=k_sat, allowed=sat_allowed, time_limit_s=time_limit_s,
                             mip_rel_gap=mip_rel_gap)
            chosen = list(ssol.chosen)
            # drop satellites adding too little (least useful first), then report
            while chosen:
                marg = [cover_value(left, scover, chosen) - cover_value(left, scover, [c for c in chosen if c != j])
                        for j in chosen]
                worst = int(np.argmin(marg))
                if marg[worst] >= settings.min_satellite_need and marg[worst] > 0:
                    break
                chosen.pop(worst)
            dropped = k_sat - len(chosen)
            if dropped:
                notes.append(f"{dropped} satellite hub(s) left out: each would reach less than "
                             f"{settings.min_satellite_need:g} need not already covered.")
            satellites = tuple(str(ids[j]) for j in sorted(chosen))
    table = assess(need, tt, hubs=hubs, satellites=satellites, settings=settings)
    return _plan(table, hubs=hubs, fixed=settings.fixed, satellites=satellites, settings=settings,
                 bound=sol.bound, best_value=sol.value, optimal=sol.optimal, method=sol.method, seconds=sol.seconds,
                 estimate=tt.estimate, notes=tuple(notes), edited=False, horizon_min=tt.max_minutes)


def _plan(table: pd.DataFrame, **kw: Any) -> HubPlan:
    need = table["need"].to_numpy(dtype="float64")
    served = table["served_by"].to_numpy()
    return HubPlan(lsoas=table, total_need=float(need.sum()), hub_need=float(need[served == HUB].sum()),
                   satellite_need=float(need[served == SATELLITE].sum()), **kw)


def evaluate_plan(need: pd.DataFrame, tt: TravelTimes, *, hubs: Sequence[str], satellites: Sequence[str],
                  settings: HubSettings, bound: float | None = None, best_value: float | None = None,
                  optimal: bool = False, method: str = "by hand", edited: bool = True,
                  notes: Sequence[str] = ()) -> HubPlan:
    """A plan for hubs chosen by hand (or reopened from a save), with its coverage."""
    table = assess(need, tt, hubs=hubs, satellites=satellites, settings=settings)
    return _plan(table, hubs=tuple(hubs), fixed=tuple(f for f in settings.fixed if f in set(hubs)),
                 satellites=tuple(satellites), settings=settings, bound=bound, best_value=best_value,
                 optimal=optimal, method=method, seconds=0.0, estimate=tt.estimate, notes=tuple(notes), edited=edited,
                 horizon_min=tt.max_minutes)


def swap_hub(plan: HubPlan, need: pd.DataFrame, tt: TravelTimes, *, out: str, into: str) -> HubPlan:
    """Replace hub `out` by venue `into` and recompute coverage (satellites kept, the solver's bound kept
    so the user sees how far the hand-made choice is from the best possible)."""
    if out not in plan.hubs:
        raise DataError(Problem("swap", f"venue {out} is not one of the hubs."))
    if into in plan.hubs:
        raise DataError(Problem("swap", f"venue {into} is already a hub.", fix="Choose a venue that is not a hub."))
    hubs = tuple(into if h == out else h for h in plan.hubs)
    sats = tuple(s for s in plan.satellites if s != into)
    settings = replace(plan.settings, fixed=tuple(f for f in plan.settings.fixed if f != out))
    return evaluate_plan(need, tt, hubs=hubs, satellites=sats, settings=settings, bound=plan.bound,
                         best_value=plan.best_value, optimal=False, method="swapped by hand", edited=True,
                         notes=plan.notes)


def hub_summary(plan: HubPlan, venues: pd.DataFrame) -> pd.DataFrame:
    """One row per hub and satellite: name, kind, role, LSOAs served, need served, working-age residents
    served, furthest LSOA served (minutes)."""
    names = dict(zip(venues["venue_id"].astype(str), venues["name"].astype(str)))
    kinds = dict(zip(venues["venue_id"].astype(str), venues["kind"].astype(str)))
    t = plan.lsoas
    rows = []
    for role, ids in ((HUB, plan.hubs), (SATELLITE, plan.satellites)):
        for vid in ids:
            mine = t[t["site"] == vid]
            rows.append({"venue_id": vid, "name": names.get(vid, vid), "kind": kinds.get(vid, ""),
                         "role": ("hub (in place)" if vid in plan.fixed else role) if role == HUB else role,
                         "lsoas": len(mine), "need": float(mine["need"].sum()),
                         "working_age": float(mine["working_age"].sum()),
                         "furthest_min": float(mine["minutes"].max()) if len(mine) else float("nan")})
    return pd.DataFrame(rows, columns=["venue_id", "name", "kind", "role", "lsoas", "need", "working_age",
                                       "furthest_min"])


def uncovered_pockets(plan: HubPlan, adjacency: sp.csr_matrix) -> pd.DataFrame:
    """Connected groups of LSOAs no hub or satellite serves, largest need first:
    pocket, lsoas (codes), n_lsoas, need, working_age, nearest_hub, nearest_hub_minutes (min over the pocket)."""
    t = plan.lsoas
    idx = np.flatnonzero(t["served_by"].to_numpy() == NONE)
    cols = ["pocket", "lsoas", "n_lsoas", "need", "working_age", "nearest_hub", "nearest_hub_minutes"]
    if idx.size == 0:
        return pd.DataFrame(columns=cols)
    sub = adjacency[idx][:, idx]
    _, labels = connected_components(sub, directed=False)
    rows = []
    for g in np.unique(labels):
        members = idx[labels == g]
        part = t.iloc[members]
        near = part.sort_values("nearest_hub_minutes").iloc[0]
        rows.append({"lsoas": ", ".join(part["lsoa_code"].astype(str)), "n_lsoas": len(part),
                     "need": float(part["need"].sum()), "working_age": float(part["working_age"].sum()),
                     "nearest_hub": near["nearest_hub"], "nearest_hub_minutes": float(near["nearest_hub_minutes"])})
    out = pd.DataFrame(rows).sort_values(["need", "lsoas"], ascending=[False, True]).reset_index(drop=True)
    out.insert(0, "pocket", np.arange(1, len(out) + 1))
    return out[cols]


# --------------------------------------------------------------------------------------------------
# Saving


def plan_payload(plan: HubPlan) -> dict[str, Any]:
    """What a saved hub plan holds (JSON-ready): the choice and the settings, not the derived tables."""
    return {"hubs": list(plan.hubs), "fixed": list(plan.fixed), "satellites": list(plan.satellites),
            "settings": plan.settings.to_dict(), "bound": plan.bound, "best_value": plan.best_value,
            "optimal": plan.optimal, "method": plan.method, "edited": plan.edited, "notes": list(plan.notes)}


def plan_meta(plan: HubPlan) -> dict[str, Any]:
    return {"hubs": len(plan.hubs), "satellites": len(plan.satellites),
            "covered_share": round(plan.covered_share, 4), "hub_share": round(plan.hub_share, 4),
            "budget_min": plan.settings.budget_min, "estimate": plan.estimate}


def plan_from_payload(payload: Mapping[str, Any], need: pd.DataFrame, tt: TravelTimes) -> HubPlan:
    """Reopen a saved plan against the current data (coverage recomputed)."""
    settings = HubSettings.from_dict(payload.get("settings", {}))
    return evaluate_plan(need, tt, hubs=list(payload.get("hubs", [])), satellites=list(payload.get("satellites", [])),
                         settings=settings, bound=payload.get("bound"), best_value=payload.get("best_value"),
                         optimal=bool(payload.get("optimal", False)), method=str(payload.get("method", "saved")),
                         edited=bool(payload.get("edited", False)), notes=payload.get("notes", ()))


def plan_max(plan: HubPlan) -> float:
    return max(plan.settings.budget_min, plan.settings.satellite_budget_min)
