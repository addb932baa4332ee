"""Commissioning lots: groups of wards (any boundary year) or LSOAs, their need and an editable value model.

A lot is a set of *units* (wards or LSOAs) that one provider delivers in. Everything about a lot is
built from the LSOAs inside its units (each LSOA belongs to the unit holding its representative point,
the best-fit rule ONS uses):

- need: population, working-age population, IMD profile (LSOAs per decile), the share of residents in
  England's most deprived 10% and 20% of LSOAs, and estimated workless residents: employment-domain
  score x working-age population where a score exists, else the typical score of the LSOA's decile
  (an estimate, labelled as such);
- value (`value_model`): expected participants at an engagement rate, participants active at once
  (enrolments per month x months on the programme), advisors needed (active / caseload), delivery cost
  (advisors, venues, management, a set-up period) and payment-by-results income per cohort.

Only two payment rates have a source (job outcome £889 Hardest to Help, £400 Rapid Progression); the
other defaults are assumptions, and `assumption_table` says which is which. Counts here are residents
or model estimates, never participants, except `enrolled_per_lot`, whose result must be shown through
`geo.privacy.suppress`.

Exports (`export_gpkg`, `export_csv`, `export_xlsx`, `summary_pdf`) return bytes; nothing here reads a
file.
"""

from __future__ import annotations

import datetime as dt
import io as _io
import math
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csgraph, csr_matrix

from geo.model import DataError, Problem
from geo.privacy import suppress

# ---------------------------------------------------------------------------------------------------
# Assumptions
# ---------------------------------------------------------------------------------------------------

#: Typical (median) IoD2025 employment-domain score of England's LSOAs in each employment decile
#: (decile 1 = most deprived), computed from the national IoD2025 file. Used only where an LSOA has a
#: decile but no score; results are labelled as estimates.
EMPLOYMENT_SCORE_BY_DECILE: dict[int, float] = {
    1: 0.306, 2: 0.225, 3: 0.178, 4: 0.146, 5: 0.120, 6: 0.101, 7: 0.085, 8: 0.071, 9: 0.058, 10: 0.041,
}
#: The same by overall IMD decile, for LSOAs with no employment decile either.
EMPLOYMENT_SCORE_BY_IMD_DECILE: dict[int, float] = {
    1: 0.306, 2: 0.225, 3: 0.179, 4: 0.147, 5: 0.122, 6: 0.103, 7: 0.087, 8: 0.075, 9: 0.063, 10: 0.047,
}

JOB_OUTCOME = "job outcome"
PROGRESSION_OUTCOME = "in-work progression"


@dataclass(frozen=True)
class CohortAssumption:
    """One payment-by-results cohort: its share of participants, outcome rate and payment."""

    cohort: str
    share: float
    outcome_rate: float
    payment_gbp: float
    outcome: str = JOB_OUTCOME


DEFAULT_COHORTS: tuple[CohortAssumption, ...] = (
    CohortAssumption("Hardest to Help", 0.30, 0.22, 889.0, JOB_OUTCOME),
    CohortAssumption("Harder to Reach", 0.25, 0.30, 650.0, JOB_OUTCOME),
    CohortAssumption("Rapid Progression", 0.30, 0.45, 400.0, JOB_OUTCOME),
    CohortAssumption("Employed Progression", 0.15, 0.25, 300.0, PROGRESSION_OUTCOME),
)


@dataclass(frozen=True)
class Assumptions:
    """The editable value model. Field names carry their units; `SOURCES` says which have a source."""

    engagement_rate: float = 0.16
    delivery_months: float = 36.0
    months_on_programme: float = 12.0
    caseload: float = 50.0
    advisor_cost_gbp_per_year: float = 36_000.0
    venue_cost_gbp_per_advisor_month: float = 350.0
    management_share: float = 0.15
    set_up_months: float = 6.0
    set_up_cost_share: float = 0.5
    sustained_13w_rate: float = 0.68
    working_age_share: float = 0.62
    min_value_gbp: float = 173_000.0
    min_advisors: float = 1.0
    cohorts: tuple[CohortAssumption, ...] = DEFAULT_COHORTS


#: Label, unit and meaning of each scalar assumption (in display order).
ASSUMPTION_INFO: dict[str, tuple[str, str, str]] = {
    "engagement_rate": ("Engagement rate", "share", "Share of estimated workless residents expected to "
                        "enrol over the contract. The default gives the nine Connecting Communities lots about "
                        "the 4,000 participants reported."),
    "delivery_months": ("Delivery period", "months", "Months in which participants enrol."),
    "months_on_programme": ("Average time on the programme", "months",
                            "Participants active at once = enrolments per month x this."),
    "caseload": ("Caseload", "participants per advisor", "Participants one advisor supports at once."),
    "advisor_cost_gbp_per_year": ("Advisor cost", "£ per advisor per year", "Salary and on-costs. With the other defaults a participant "
                                  "costs about £1,000, as the nine Connecting Communities lots did (£4.0m, 4,000)."),
    "venue_cost_gbp_per_advisor_month": ("Venues", "£ per advisor per month",
                                         "Room hire for hubs and pop-up sessions."),
    "management_share": ("Management and overheads", "share of advisor and venue cost",
                         "Lot manager, supervision, data and office costs."),
    "set_up_months": ("Set-up period", "months", "Mobilisation before delivery starts."),
    "set_up_cost_share": ("Set-up spend", "share of a delivery month per set-up month",
                          "Recruiting, premises and partnerships during set-up."),
    "sustained_13w_rate": ("Job starts sustained at 13 weeks", "share", "For the outcome count only."),
    "working_age_share": ("Working-age share (fallback)", "share of residents",
                          "Used only where an LSOA has no working-age population."),
    "min_value_gbp": ("Minimum viable lot value", "£", "Lots below this are flagged."),
    "min_advisors": ("Minimum advisors", "advisors (FTE)", "Lots needing fewer are flagged (the smallest "
                     "Connecting Communities lots could fund only one or two coaches)."),
}

#: Defaults that come from the source documents; every other default is an assumption.
SOURCES: dict[str, str] = {
    "cohort:Hardest to Help:payment_gbp": "Connecting Communities: a Hardest to Help job outcome paid £889",
    "cohort:Rapid Progression:payment_gbp": "Connecting Communities: a Rapid Progression job outcome paid £400",
    "caseload": "Connecting Communities: advisor caseload about 50",
    "sustained_13w_rate": "Connecting Communities: 68% of job starts sustained at 13 weeks",
    "min_value_gbp": "Connecting Communities: the smallest of the nine lots was worth £173,000",
}

_RATES = ("engagement_rate", "management_share", "set_up_cost_share", "sustained_13w_rate", "working_age_share")
_POSITIVE = ("delivery_months", "months_on_programme", "caseload")
_NON_NEGATIVE = ("advisor_cost_gbp_per_year", "venue_cost_gbp_per_advisor_month", "set_up_months",
                 "min_value_gbp", "min_advisors")
_FIX = {
    "caseload": "Enter how many participants one advisor supports at once (about 50 in Connecting Communities).",
    "delivery_months": "Enter the number of months participants can enrol, for example 36.",
    "months_on_programme": "Enter how long a participant stays on the programme on average, for example 9.",
}


def _number(value: object) -> float | None:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def check_assumptions(a: Assumptions) -> Assumptions:
    """Return `a` when every value makes sense; otherwise raise DataError listing every problem."""
    src = "lot assumptions"
    problems: list[Problem] = []

    def label(name: str) -> str:
        return ASSUMPTION_INFO[name][0]

    for name in (*_RATES, *_POSITIVE, *_NON_NEGATIVE):
        v = _number(getattr(a, name))
        if v is None:
            problems.append(Problem(src, f"{label(name)} is {getattr(a, name)!r}, not a number.", column=name,
                                    fix="Enter a number."))
            continue
        if name in _RATES and not 0 <= v <= 1:
            problems.append(Problem(src, f"{label(name)} must be a share between 0 and 1 (0% to 100%), got {v:g}.",
                                    column=name, fix="Enter a share such as 0.15 for 15%."))
        elif name in _POSITIVE and v <= 0:
            problems.append(Problem(src, f"{label(name)} must be more than 0, got {v:g}.", column=name,
                                    fix=_FIX.get(name, "Enter a positive number.")))
        elif name in _NON_NEGATIVE and v < 0:
            problems.append(Problem(src, f"{label(name)} cannot be negative, got {v:g}.", column=name,
                                    fix="Enter 0 or more."))
    d, m = _number(a.delivery_months), _number(a.months_on_programme)
    if d and m and d > 0 and m > d:
        problems.append(Problem(src, f"Average time on the programme ({m:g} months) is longer than the delivery "
                                     f"period ({d:g} months).", column="months_on_programme",
                                fix="Shorten the time on the programme or lengthen the delivery period."))
    if not a.cohorts:
        problems.append(Problem(src, "has no cohorts.", column="cohorts", fix="Add at least one cohort."))
    seen: set[str] = set()
    for c in a.cohorts:
        where = f"cohort '{c.cohort}'"
        if c.cohort in seen:
            problems.append(Problem(src, f"{where} appears twice.", column="cohorts", fix="Remove the duplicate."))
        seen.add(c.cohort)
        for attr, lo, hi in (("share", 0, 1), ("outcome_rate", 0, 1), ("payment_gbp", 0, None)):
            v = _number(getattr(c, attr))
            if v is None:
                problems.append(Problem(src, f"{where}: {attr.replace('_', ' ')} is not a number.",
                                        column=attr, fix="Enter a number."))
            elif v < lo or (hi is not None and v > hi):
                what = "a share between 0 and 1" if hi is not None else "0 or more"
                problems.append(Problem(src, f"{where}: {attr.replace('_gbp', ' (£)').replace('_', ' ')} must be "
                                             f"{what}, got {v:g}.", column=attr,
                                        fix="Payments and rates cannot be negative." if v < 0 else
                                        "Enter a share such as 0.3 for 30%."))
    shares = [_number(c.share) for c in a.cohorts]
    if a.cohorts and all(s is not None for s in shares) and abs(sum(shares) - 1) > 0.005:  # type: ignore[arg-type]
        problems.append(Problem(src, f"cohort shares add up to {sum(shares) * 100:.0f}%; they must add up to 100%.",  # type: ignore[arg-type]
                                column="share", fix="Adjust the cohort shares so they total 100%."))
    if problems:
        raise DataError(problems)
    return a


def assumptions_to_dict(a: Assumptions) -> dict[str, Any]:
    out = {f.name: getattr(a, f.name) for f in fields(a) if f.name != "cohorts"}
    out["cohorts"] = [asdict(c) for c in a.cohorts]
    return out


def assumptions_from_dict(data: Mapping[str, Any]) -> Assumptions:
    """Rebuild (and check) assumptions saved with `assumptions_to_dict`; missing keys take defaults."""
    known = {f.name for f in fields(Assumptions)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise DataError(Problem("lot assumptions", f"unknown setting(s): {', '.join(unknown)}.",
                                fix="Save the scenario again from this version of Patchwork."))
    kwargs: dict[str, Any] = {k: v for k, v in data.items() if k != "cohorts"}
    if "cohorts" in data:
        try:
            kwargs["cohorts"] = tuple(CohortAssumption(**dict(c)) for c in data["cohorts"])
        except TypeError as exc:
            raise DataError(Problem("lot assumptions", f"cohort table is not readable ({exc}).",
                                    column="cohorts", fix="Reset the cohorts to the defaults.")) from None
    return check_assumptions(Assumptions(**kwargs))


def cohort_frame(a: Assumptions) -> pd.DataFrame:
    """The cohort table for editing: cohort, outcome, share, outcome_rate, payment_gbp."""
    return pd.DataFrame([{"cohort": c.cohort, "outcome": c.outcome, "share": c.share,
                          "outcome_rate": c.outcome_rate, "payment_gbp": c.payment_gbp} for c in a.cohorts])


def with_cohort_frame(a: Assumptions, frame: pd.DataFrame) -> Assumptions:
    """`a` with its cohorts replaced by the rows of `frame` (as returned by `cohort_frame`), checked."""
    rows = []
    for r in frame.to_dict("records"):
        rows.append(CohortAssumption(str(r["cohort"]), r["share"], r["outcome_rate"], r["payment_gbp"],
                                     str(r.get("outcome") or JOB_OUTCOME)))
    return check_assumptions(replace(a, cohorts=tuple(rows)))


def basis(key: str) -> str:
    """'Source: ...' for a sourced default, else 'Assumption'."""
    return f"Source: {SOURCES[key]}" if key in SOURCES else "Assumption"


def assumption_table(a: Assumptions) -> pd.DataFrame:
    """Every value of the model with its unit and basis (source or assumption), for screens and exports."""
    default = Assumptions()
    rows = []
    for name, (label, unit, meaning) in ASSUMPTION_INFO.items():
        v = getattr(a, name)
        changed = v != getattr(default, name)
        rows.append({"setting": label, "value": _fmt_setting(v, unit), "unit": unit, "meaning": meaning,
                     "basis": "Your value" if changed else basis(name)})
    for c, d in zip(a.cohorts, [*default.cohorts, *([None] * len(a.cohorts))]):
        same = d is not None and d.cohort == c.cohort
        for attr, label, unit in (("share", "share of participants", "share"),
                                  ("outcome_rate", f"{c.outcome} rate", "share"),
                                  ("payment_gbp", f"payment per {c.outcome}", "£")):
            v = getattr(c, attr)
            changed = not same or v != getattr(d, attr)
            rows.append({"setting": f"{c.cohort}: {label}", "value": _fmt_setting(v, unit), "unit": unit,
                         "meaning": "Payment by results" if attr == "payment_gbp" else "Cohort mix and outcomes",
                         "basis": "Your value" if changed else basis(f"cohort:{c.cohort}:{attr}")})
    return pd.DataFrame(rows)


def _fmt_setting(v: float, unit: str) -> str:
    if unit.startswith("share"):
        return f"{float(v) * 100:.0f}%"
    if unit.startswith("£"):
        return f"£{float(v):,.0f}"
    return f"{float(v):g}"


# ---------------------------------------------------------------------------------------------------
# The value model
# ---------------------------------------------------------------------------------------------------

def value_model(workless: Sequence[float] | np.ndarray | pd.Series, a: Assumptions) -> pd.DataFrame:
    """Participants, advisors, cost and payment-by-results income for each workless count.

    participants = workless x engagement rate; enrolments per month = participants / delivery months;
    active at once = enrolments per month x months on the programme; advisors (FTE) = active / caseload;
    advisor cost = advisors x cost per year x delivery months / 12; venues = advisors x £ per advisor-month
    x delivery months; management = share x (advisors + venues); delivery cost = the three;
    set-up = set-up months x set-up share x (delivery cost / delivery months); lot value = delivery + set-up.
    Outcomes per cohort = participants x cohort share x outcome rate; income = outcomes x payment.
    """
    check_assumptions(a)
    index = workless.index if isinstance(workless, pd.Series) else None
    w = np.asarray(workless, dtype="float64")
    if np.any(w < 0):
        raise DataError(Problem("lot need", "estimated workless residents cannot be negative.",
                                fix="Check the LSOA working-age population and employment scores."))
    out = pd.DataFrame(index=index)
    p = w * a.engagement_rate
    out["participants"] = p
    out["enrolments_per_month"] = p / a.delivery_months
    out["active_at_once"] = out["enrolments_per_month"] * a.months_on_programme
    adv = out["active_at_once"].to_numpy() / a.caseload
    out["advisors"] = adv
    out["advisor_cost_gbp"] = adv * a.advisor_cost_gbp_per_year * a.delivery_months / 12
    out["venue_cost_gbp"] = adv * a.venue_cost_gbp_per_advisor_month * a.delivery_months
    out["management_cost_gbp"] = a.management_share * (out["advisor_cost_gbp"] + out["venue_cost_gbp"])
    out["delivery_cost_gbp"] = out["advisor_cost_gbp"] + out["venue_cost_gbp"] + out["management_cost_gbp"]
    out["set_up_cost_gbp"] = a.set_up_months * a.set_up_cost_share * out["delivery_cost_gbp"] / a.delivery_months
    out["lot_value_gbp"] = out["delivery_cost_gbp"] + out["set_up_cost_gbp"]
    jobs = np.zeros_like(p)
    progressions = np.zeros_like(p)
    income = np.zeros_like(p)
    for c in a.cohorts:
        n = p * c.share * c.outcome_rate
        out[f"outcomes: {c.cohort}"] = n
        income = income + n * c.payment_gbp
        if c.outcome == JOB_OUTCOME:
            jobs = jobs + n
        else:
            progressions = progressions + n
    out["job_outcomes"] = jobs
    out["progressions"] = progressions
    out["sustained_13w"] = jobs * a.sustained_13w_rate
    out["pbr_income_gbp"] = income
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pbr_share"] = np.where(out["lot_value_gbp"] > 0, income / out["lot_value_gbp"].to_numpy(), np.nan)
        out["cost_per_participant_gbp"] = np.where(p > 0, out["lot_value_gbp"].to_numpy() / p, np.nan)
    return out


def value_per_workless_gbp(a: Assumptions) -> float:
    """Lot value per estimated workless resident (the model is linear in workless residents)."""
    return float(value_model([1.0], a)["lot_value_gbp"].iloc[0])


def value_for_advisors(advisors: float, a: Assumptions) -> float:
    """Lot value at which a lot needs `advisors` advisors (FTE)."""
    if a.engagement_rate <= 0:
        return float("inf") if advisors > 0 else 0.0
    workless = advisors * a.caseload * a.delivery_months / (a.engagement_rate * a.months_on_programme)
    return float(value_model([workless], a)["lot_value_gbp"].iloc[0])


def workless_for_value(value_gbp: float, a: Assumptions) -> float:
    """Estimated workless residents a lot needs to be worth `value_gbp`."""
    per = value_per_workless_gbp(a)
    return float("inf") if per <= 0 else value_gbp / per


# ---------------------------------------------------------------------------------------------------
# Need: LSOAs -> units
# ---------------------------------------------------------------------------------------------------

def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[col], errors="coerce").astype("float64").to_numpy()


def lsoa_needs(lsoas: pd.DataFrame, *, working_age_share: float = 0.62) -> pd.DataFrame:
    """Per LSOA (indexed by lsoa_code): population, working_age, workless and how each was obtained.

    workless = employment_score x working_age where a score exists ('score'); else the typical score of
    the employment decile, or failing that the IMD decile ('decile', an estimate); else 0 ('none').
    Working age falls back to population x `working_age_share` (flagged in `working_age_estimated`).
    """
    if "lsoa_code" not in lsoas.columns or "population" not in lsoas.columns:
        raise DataError(Problem("LSOAs", "need lsoa_code and population columns to profile lots.",
                                fix="Load LSOAs with their Census population."))
    pop = np.nan_to_num(_num(lsoas, "population"))
    wa = _num(lsoas, "working_age")
    wa_est = np.isnan(wa)
    wa = np.where(wa_est, pop * working_age_share, wa)
    score = _num(lsoas, "employment_score")
    emp_dec = _num(lsoas, "employment_decile")
    imd_dec = _num(lsoas, "imd_decile")
    from_emp = np.array([EMPLOYMENT_SCORE_BY_DECILE.get(int(d), np.nan) if np.isfinite(d) else np.nan
                         for d in emp_dec])
    from_imd = np.array([EMPLOYMENT_SCORE_BY_IMD_DECILE.get(int(d), np.nan) if np.isfinite(d) else np.nan
                         for d in imd_dec])
    est = np.where(np.isnan(from_emp), from_imd, from_emp)
    has_score = np.isfinite(score)
    rate = np.where(has_score, score, est)
    how = np.where(has_score, "score", np.where(np.isfinite(est), "decile", "none"))
    workless = np.where(np.isfinite(rate), rate, 0.0) * wa
    out = pd.DataFrame({
        "population": pop, "working_age": wa, "working_age_estimated": wa_est,
        "workless": workless, "workless_basis": how, "imd_decile": imd_dec, "imd_score": _num(lsoas, "imd_score"),
    }, index=pd.Index(lsoas["lsoa_code"].astype(str).to_numpy(), name="lsoa_code"))
    return out


def best_fit(lsoas: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, unit_col: str,
             code_col: str = "lsoa_code") -> pd.Series:
    """The unit holding each small area's representative point (index = the small areas' `code_col`;
    NA where no unit does). Works for LSOAs in wards, or current wards in an older boundary."""
    pts = gpd.GeoDataFrame({"lsoa_code": lsoas[code_col].astype(str).to_numpy()},
                           geometry=shapely.point_on_surface(lsoas.geometry.values), crs=lsoas.crs)
    target = units[[unit_col, units.geometry.name]]
    if target.crs is not None and pts.crs is not None and target.crs != pts.crs:
        target = target.to_crs(pts.crs)
    joined = gpd.sjoin(pts, target, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    return pd.Series(joined[unit_col].astype("string").to_numpy(), index=pd.Index(pts["lsoa_code"], name=code_col),
                     name="unit")


def unit_needs(needs: pd.DataFrame, membership: pd.Series, units: Sequence[str]) -> pd.DataFrame:
    """Sum LSOA needs per unit (index = `units`, in that order; units with no LSOA get zeros)."""
    m = membership.reindex(needs.index)
    frame = needs.assign(unit=m.to_numpy())
    frame = frame[frame["unit"].notna()]
    dec = frame["imd_decile"]
    pop = frame["population"]
    agg = pd.DataFrame({
        "unit": frame["unit"].astype(str),
        "lsoas": 1,
        "population": pop,
        "working_age": frame["working_age"],
        "working_age_estimated_pop": np.where(frame["working_age_estimated"], frame["working_age"], 0.0),
        "workless": frame["workless"],
        "workless_from_score": np.where(frame["workless_basis"] == "score", frame["workless"], 0.0),
        "workless_unknown_lsoas": (frame["workless_basis"] == "none").astype(int),
        "pop_decile_known": np.where(dec.notna(), pop, 0.0),
        "pop_decile_1": np.where(dec == 1, pop, 0.0),
        "pop_decile_1_2": np.where(dec <= 2, pop, 0.0),
        "score_x_pop": np.where(frame["imd_score"].notna(), frame["imd_score"].fillna(0) * pop, 0.0),
        "pop_with_score": np.where(frame["imd_score"].notna(), pop, 0.0),
        **{f"lsoas_decile_{d}": (dec == d).astype(int) for d in range(1, 11)},
    })
    out = agg.groupby("unit").sum()
    return out.reindex(pd.Index([str(u) for u in units], name="unit")).fillna(0.0)


# ---------------------------------------------------------------------------------------------------
# Adjacency and contiguity
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Adjacency:
    """Which units share a border: `codes[i]` neighbours `codes[j]` when matrix[i, j] is set."""

    codes: tuple[str, ...]
    matrix: csr_matrix

    @property
    def position(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.codes)}

    def neighbours(self, code: str) -> list[str]:
        i = self.position[code]
        row = self.matrix.indices[self.matrix.indptr[i]:self.matrix.indptr[i + 1]]
        return [self.codes[j] for j in row]

    def lists(self) -> list[np.ndarray]:
        m = self.matrix
        return [m.indices[m.indptr[i]:m.indptr[i + 1]] for i in range(len(self.codes))]

    def parts(self, codes: Iterable[str]) -> list[list[str]]:
        """Connected parts of a set of units, largest first (one part = contiguous)."""
        pos = self.position
        idx = sorted({pos[c] for c in codes if c in pos})
        if not idx:
            return []
        sub = self.matrix[idx][:, idx]
        n, labels = csgraph.connected_components(sub, directed=False)
        parts = [[self.codes[idx[k]] for k in np.flatnonzero(labels == g)] for g in range(n)]
        return sorted(parts, key=lambda p: (-len(p), p))


def adjacency(units: gpd.GeoDataFrame, *, code_col: str, tolerance_m: float = 1.0,
              min_shared_m: float = 1.0) -> Adjacency:
    """Units that share a border at least `min_shared_m` long (within `tolerance_m` of each other).

    `min_shared_m=0` counts units that only meet at a corner as neighbours too ("queen" contiguity);
    the default needs a shared edge ("rook"). The tolerance absorbs slivers and gaps in generalised
    boundaries. Units must be in a metric CRS (EPSG:27700).
    """
    if tolerance_m < 0 or min_shared_m < 0:
        raise DataError(Problem("adjacency", "tolerance and shared border length cannot be negative."))
    if units.crs is not None and not units.crs.is_projected:
        raise DataError(Problem("adjacency", f"units are in {units.crs.to_string()}, not metres.",
                                fix="Project the units to EPSG:27700 first."))
    codes = tuple(units[code_col].astype(str))
    geoms = np.asarray(units.geometry.values)
    n = len(geoms)
    if n == 0:
        return Adjacency(codes, csr_matrix((0, 0), dtype=bool))
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="dwithin", distance=max(tolerance_m, 1e-9))
    keep = i < j
    i, j = i[keep], j[keep]
    if min_shared_m > 0 and len(i):
        buffered = shapely.buffer(geoms, max(tolerance_m, 1e-6), quad_segs=2)
        # The buffer reaches `tolerance_m` past each end of a shared edge (and a corner alone gives about
        # 2 x tolerance), so subtract that before comparing with the length asked for.
        shared = shapely.length(shapely.intersection(shapely.boundary(geoms[i]), buffered[j])) - 2 * tolerance_m
        ok = shared >= min_shared_m
        i, j = i[ok], j[ok]
    data = np.ones(2 * len(i), dtype=bool)
    m = csr_matrix((data, (np.r_[i, j], np.r_[j, i])), shape=(n, n))
    m.sum_duplicates()
    return Adjacency(codes, m)


# ---------------------------------------------------------------------------------------------------
# Units, scenarios, profiles and flags
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LotUnits:
    """The units lots are built from, with their need and adjacency (derive once per layer)."""

    kind: str                    # "wards" or "lsoas"
    label: str                   # e.g. "Wards (2023 boundaries)"
    units: gpd.GeoDataFrame      # columns code, name, lad_name, geometry (EPSG:27700)
    needs: pd.DataFrame          # `unit_needs`, index = code
    adjacency: Adjacency
    membership: pd.Series        # lsoa_code -> unit code

    @property
    def codes(self) -> tuple[str, ...]:
        return self.adjacency.codes

    def names(self) -> dict[str, str]:
        return dict(zip(self.units["code"], self.units["name"]))


def prepare_units(units: gpd.GeoDataFrame, lsoas: gpd.GeoDataFrame, *, kind: str, code_col: str,
                  name_col: str | None = None, lad_col: str | None = None, label: str | None = None,
                  working_age_share: float = 0.62, tolerance_m: float = 1.0) -> LotUnits:
    """Units (wards of any boundary year, or the LSOAs themselves) with need and adjacency."""
    if kind not in ("wards", "lsoas"):
        raise DataError(Problem("lot units", f"unknown unit kind {kind!r}.", fix="Use 'wards' or 'lsoas'."))
    frame = gpd.GeoDataFrame({
        "code": units[code_col].astype(str).to_numpy(),
        "name": (units[name_col] if name_col and name_col in units.columns else units[code_col]).astype(str).to_numpy(),
        "lad_name": (units[lad_col].astype(str).to_numpy() if lad_col and lad_col in units.columns
                     else np.full(len(units), "", dtype=object)),
    }, geometry=units.geometry.values, crs=units.crs)
    if frame.crs is not None and frame.crs.to_epsg() != 27700:
        frame = frame.to_crs(27700)
    needs = lsoa_needs(lsoas, working_age_share=working_age_share)
    if kind == "lsoas":
        membership = pd.Series(needs.index.to_numpy(), index=needs.index, name="unit", dtype="string")
    else:
        membership = best_fit(lsoas if lsoas.crs == frame.crs else lsoas.to_crs(frame.crs), frame, unit_col="code")
    un = unit_needs(needs, membership, frame["code"].tolist())
    adj = adjacency(frame, code_col="code", tolerance_m=tolerance_m)
    return LotUnits(kind=kind, label=label or kind.capitalize(), units=frame, needs=un, adjacency=adj,
                    membership=membership)


@dataclass(frozen=True)
class Scenario:
    """A lot option: lot name -> unit codes (disjoint), with its assumptions and served areas."""

    unit_layer: str
    lots: Mapping[str, tuple[str, ...]]
    assumptions: Assumptions = field(default_factory=Assumptions)
    served: tuple[str, ...] = ()

    def assignment(self) -> pd.Series:
        """unit code -> lot name."""
        pairs = [(c, name) for name, codes in self.lots.items() for c in codes]
        return pd.Series([p[1] for p in pairs], index=pd.Index([p[0] for p in pairs], name="unit"),
                         dtype="string", name="lot")


def make_scenario(lots: Mapping[str, Iterable[str]], *, unit_layer: str, assumptions: Assumptions | None = None,
                  served: Iterable[str] = (), known: Iterable[str] | None = None) -> Scenario:
    """Build and check a scenario: lot names non-blank and distinct, each unit in at most one lot,
    every code known (when `known` is given). Raises DataError listing every problem."""
    problems: list[Problem] = []
    known_set = None if known is None else set(known)
    owner: dict[str, str] = {}
    out: dict[str, tuple[str, ...]] = {}
    for raw_name, codes in lots.items():
        name = str(raw_name).strip()
        if not name:
            problems.append(Problem("lots", "a lot has no name.", fix="Name every lot."))
            continue
        if name in out:
            problems.append(Problem("lots", f"two lots are called '{name}'.", fix="Give each lot its own name."))
            continue
        codes = tuple(dict.fromkeys(str(c) for c in codes))
        for c in codes:
            if known_set is not None and c not in known_set:
                problems.append(Problem(f"lot '{name}'", f"unit {c} is not in the {unit_layer} layer.",
                                        fix="Remove it, or choose the boundaries it belongs to."))
            if c in owner:
                problems.append(Problem(f"lot '{name}'", f"unit {c} is already in lot '{owner[c]}'; lots cannot overlap.",
                                        fix="Keep the unit in one lot only."))
            owner.setdefault(c, name)
        out[name] = codes
    if problems:
        raise DataError(problems)
    return Scenario(unit_layer=unit_layer, lots=out, assumptions=check_assumptions(assumptions or Assumptions()),
                    served=tuple(dict.fromkeys(str(s) for s in served)))


def scenario_payload(s: Scenario) -> dict[str, Any]:
    """A JSON-able dict for `geo.io.save_plan(kind="lots", payload=...)`."""
    return {"unit_layer": s.unit_layer, "lots": {k: list(v) for k, v in s.lots.items()},
            "assumptions": assumptions_to_dict(s.assumptions), "served": list(s.served)}


def scenario_from_payload(payload: Mapping[str, Any], *, known: Iterable[str] | None = None) -> Scenario:
    try:
        lots = payload["lots"]
        unit_layer = str(payload["unit_layer"])
    except (KeyError, TypeError):
        raise DataError(Problem("saved lots", "is missing its lots or unit layer.",
                                fix="Save the scenario again.")) from None
    return make_scenario(lots, unit_layer=unit_layer,
                         assumptions=assumptions_from_dict(payload.get("assumptions", {})),
                         served=payload.get("served", ()), known=known)


def _profile_label(row: pd.Series) -> str:
    parts = [f"{int(row[f'lsoas_decile_{d}'])}" for d in range(1, 11)]
    return " ".join(parts)


def served_overlap(units: gpd.GeoDataFrame, served: Iterable[str]) -> pd.Series:
    """Area of each unit (index code) inside the units marked as served by another programme, in m²."""
    served = set(served)
    mask = units["code"].isin(served).to_numpy()
    if not mask.any():
        return pd.Series(0.0, index=units["code"].to_numpy())
    union = shapely.union_all(units.geometry.values[mask])
    inter = shapely.area(shapely.intersection(units.geometry.values, union))
    return pd.Series(inter, index=units["code"].to_numpy())


def assess_lots(lu: LotUnits, scenario: Scenario, *, order: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per lot: need, the value model and flags (`flags` is a list of plain sentences)."""
    a = scenario.assumptions
    names = list(order) if order is not None else list(scenario.lots)
    assign = scenario.assignment()
    assign = assign[assign.index.isin(lu.needs.index)]
    needs = lu.needs.loc[assign.index].assign(lot=assign.to_numpy())
    agg = needs.groupby("lot").sum(numeric_only=True).reindex(names).fillna(0.0)
    prof = pd.DataFrame(index=pd.Index(names, name="lot"))
    prof["units"] = [len(scenario.lots.get(n, ())) for n in names]
    prof["unit_names"] = [", ".join(lu.names().get(c, c) for c in scenario.lots.get(n, ())) for n in names]
    lads = dict(zip(lu.units["code"], lu.units["lad_name"]))
    prof["councils"] = [", ".join(sorted({lads.get(c, "") for c in scenario.lots.get(n, ())} - {""})) for n in names]
    for col in ("lsoas", "population", "working_age", "workless"):
        prof[col] = agg[col]
    with np.errstate(divide="ignore", invalid="ignore"):
        prof["workless_rate"] = np.where(agg["working_age"] > 0, agg["workless"] / agg["working_age"], np.nan)
        known = agg["pop_decile_known"].to_numpy()
        prof["share_most_deprived_10"] = np.where(known > 0, agg["pop_decile_1"] / known, np.nan)
        prof["share_most_deprived_20"] = np.where(known > 0, agg["pop_decile_1_2"] / known, np.nan)
        prof["imd_score"] = np.where(agg["pop_with_score"] > 0, agg["score_x_pop"] / agg["pop_with_score"], np.nan)
        from_score = np.where(agg["workless"] > 0, agg["workless_from_score"] / agg["workless"], np.nan)
    for d in range(1, 11):
        prof[f"lsoas_decile_{d}"] = agg[f"lsoas_decile_{d}"].astype(int)
    prof["imd_profile"] = [_profile_label(r) for _, r in agg.iterrows()]
    prof["workless_basis"] = [_basis_label(f, int(u)) for f, u in zip(from_score, agg["workless_unknown_lsoas"])]
    prof["working_age_estimated"] = agg["working_age_estimated_pop"] > 0
    vm = value_model(prof["workless"], a)
    prof = pd.concat([prof, vm], axis=1)
    prof["flags"] = _flags(lu, scenario, prof, names)
    return prof


def _basis_label(from_score: float, unknown: int) -> str:
    if not np.isfinite(from_score):
        text = "no data"
    elif from_score >= 0.999:
        text = "from employment score"
    elif from_score <= 0.001:
        text = "estimate from decile"
    else:
        text = f"{from_score * 100:.0f}% from employment score, rest estimated from decile"
    if unknown:
        text += f"; {unknown} LSOA(s) without any deprivation data counted as 0"
    return text


def _flags(lu: LotUnits, s: Scenario, prof: pd.DataFrame, names: Sequence[str]) -> list[list[str]]:
    a = s.assumptions
    overlap = served_overlap(lu.units, s.served) if s.served else None
    area = pd.Series(shapely.area(lu.units.geometry.values), index=lu.units["code"].to_numpy())
    unit_names = lu.names()
    out: list[list[str]] = []
    for name in names:
        codes = [c for c in s.lots.get(name, ()) if c in area.index]
        flags: list[str] = []
        if not codes:
            out.append(["empty: no units"])
            continue
        parts = lu.adjacency.parts(codes)
        if len(parts) > 1:
            flags.append(f"not contiguous: {len(parts)} separate parts")
        value = float(prof.at[name, "lot_value_gbp"])
        if value < a.min_value_gbp:
            flags.append(f"below minimum value (£{value:,.0f} < £{a.min_value_gbp:,.0f})")
        adv = float(prof.at[name, "advisors"])
        if adv < a.min_advisors:
            flags.append(f"below minimum advisors ({adv:.1f} < {a.min_advisors:g})")
        if overlap is not None:
            inside = float(overlap.reindex(codes).fillna(0).sum())
            share = inside / float(area.reindex(codes).sum()) if codes else 0.0
            if share > 0.01:
                served_names = [unit_names.get(c, c) for c in s.served if c in codes] or \
                    [unit_names.get(c, c) for c in s.served]
                flags.append(f"overlaps an area served by another programme ({share * 100:.0f}% of its area: "
                             f"{', '.join(served_names[:4])})")
        out.append(flags)
    return out


def extension(lu: LotUnits, scenario: Scenario, *, eligible_cohorts: Iterable[str] | None = None) -> pd.DataFrame:
    """What extending each lot's eligibility to its adjacent units (not in any lot) adds.

    With `eligible_cohorts` (e.g. only Rapid Progression, as WMCA did during Covid), only those cohorts'
    share of the extra participants counts.
    """
    a = scenario.assumptions
    in_any = set(scenario.assignment().index)
    cohorts = None if eligible_cohorts is None else set(eligible_cohorts)
    share = 1.0 if cohorts is None else sum(c.share for c in a.cohorts if c.cohort in cohorts)
    names = lu.names()
    rows = []
    for lot, codes in scenario.lots.items():
        nb: set[str] = set()
        for c in codes:
            if c in lu.adjacency.position:
                nb.update(lu.adjacency.neighbours(c))
        nb -= in_any
        nb_list = sorted(nb, key=lambda c: names.get(c, c))
        add = lu.needs.reindex(nb_list)
        base = lu.needs.reindex([c for c in codes if c in lu.needs.index])
        w_add = float(add["workless"].sum()) * share
        vm_base = value_model([float(base["workless"].sum())], a).iloc[0]
        vm_ext = value_model([float(base["workless"].sum()) + w_add], a).iloc[0]
        rows.append({
            "lot": lot, "adjacent_units": len(nb_list), "adjacent_names": ", ".join(names.get(c, c) for c in nb_list),
            "added_population": float(add["population"].sum()), "added_working_age": float(add["working_age"].sum()),
            "added_workless": float(add["workless"].sum()),
            "added_participants": vm_ext["participants"] - vm_base["participants"],
            "added_advisors": vm_ext["advisors"] - vm_base["advisors"],
            "added_value_gbp": vm_ext["lot_value_gbp"] - vm_base["lot_value_gbp"],
            "added_pbr_income_gbp": vm_ext["pbr_income_gbp"] - vm_base["pbr_income_gbp"],
            "extended_value_gbp": vm_ext["lot_value_gbp"], "adjacent_codes": nb_list,
        })
    return pd.DataFrame(rows).set_index("lot") if rows else pd.DataFrame()


def enrolled_per_lot(participants: gpd.GeoDataFrame, lu: LotUnits, scenario: Scenario) -> pd.Series:
    """Participants already enrolled who live in each lot (raw counts: show only through `suppress`)."""
    names = list(scenario.lots)
    if participants is None or len(participants) == 0:
        return pd.Series(0, index=names, dtype="int64")
    pts = participants[[participants.geometry.name]]
    units = lu.units[["code", "geometry"]]
    if pts.crs != units.crs and pts.crs is not None:
        pts = pts.to_crs(units.crs)
    joined = gpd.sjoin(pts, units, how="inner", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    lot = joined["code"].map(scenario.assignment().to_dict())
    return lot.value_counts().reindex(names).fillna(0).astype("int64")


# ---------------------------------------------------------------------------------------------------
# Comparison and display
# ---------------------------------------------------------------------------------------------------

def _gbp(v: float) -> str:
    return "–" if not np.isfinite(v) else f"£{v:,.0f}"


def _pct(v: float) -> str:
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
        "min_lot_value_gbp": float(prof["lot_value_gbp"].min()), "max_lot_value_gbp": float(prof["lot_value_gbp"].max()),
        "pbr_income_gbp": float(prof["pbr_income_gbp"].sum()),
        "job_outcomes": float(prof["job_outcomes"].sum()),
        "lots_flagged": float(sum(1 for f in prof["flags"] if f)),
    }


def compare_table(profiles: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Scenarios side by side: one column per scenario, one row per measure (display text)."""
    rows = [
        ("Lots", lambda s: f"{s['lots']:.0f}"),
        ("Units", lambda s: f"{s['units']:.0f}"),
        ("Residents", lambda s: f"{s['population']:,.0f}"),
        ("Working-age residents", lambda s: f"{s['working_age']:,.0f}"),
        ("Residents in most deprived 20%", lambda s: _pct(s["share_most_deprived_20"])),
        ("Estimated workless residents", lambda s: f"{s['workless']:,.0f}"),
        ("Expected participants (model)", lambda s: f"{s['participants']:,.0f}"),
        ("Advisors needed (FTE)", lambda s: f"{s['advisors']:.1f}"),
        ("Total value", lambda s: _gbp(s["lot_value_gbp"])),
        ("Smallest lot", lambda s: _gbp(s["min_lot_value_gbp"])),
        ("Largest lot", lambda s: _gbp(s["max_lot_value_gbp"])),
        ("Expected job outcomes (model)", lambda s: f"{s['job_outcomes']:,.0f}"),
        ("Payment-by-results income", lambda s: _gbp(s["pbr_income_gbp"])),
        ("Lots flagged", lambda s: f"{s['lots_flagged']:.0f}"),
    ]
    data: dict[str, list[str]] = {}
    for name, prof in profiles.items():
        s = scenario_summary(prof)
        data[name] = [fn(s) if s.get("lots") else "–" for _, fn in rows]
    return pd.DataFrame(data, index=pd.Index([r[0] for r in rows], name="measure"))


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


def display_table(prof: pd.DataFrame, *, enrolled: pd.Series | None = None) -> pd.DataFrame:
    """The lot profile as text for screens and exports. `enrolled` (actual participants) is suppressed."""
    out = pd.DataFrame(index=prof.index.rename("Lot"))
    for col, label in DISPLAY_COLUMNS.items():
        if col not in prof.columns:
            continue
        v = prof[col]
        if col.endswith("_gbp"):
            out[label] = [_gbp(float(x)) for x in v]
        elif col.startswith("share_") or col == "pbr_share":
            out[label] = [_pct(float(x)) for x in v]
        elif col in ("advisors",):
            out[label] = [f"{float(x):.1f}" for x in v]
        elif col == "imd_score":
            out[label] = ["–" if not np.isfinite(float(x)) else f"{float(x):.1f}" for x in v]
        elif col == "flags":
            out[label] = ["; ".join(f) if f else "none" for f in v]
        elif pd.api.types.is_numeric_dtype(v):
            out[label] = [f"{float(x):,.0f}" for x in v]
        else:
            out[label] = v.astype(str)
        if col == "workless":
            out[label] = [t + ("" if b == "from employment score" else " (estimate)")
                          for t, b in zip(out[label], prof["workless_basis"])]
    if enrolled is not None:
        out["Enrolled so far"] = [suppress(int(enrolled.get(n, 0))) for n in prof.index]
    return out


# ---------------------------------------------------------------------------------------------------
# Exports (bytes)
# ---------------------------------------------------------------------------------------------------

def lots_frame(lu: LotUnits, scenario: Scenario, prof: pd.DataFrame) -> gpd.GeoDataFrame:
    """One polygon per lot (its units dissolved) with the profile's numeric columns (EPSG:27700)."""
    assign = scenario.assignment()
    units = lu.units[lu.units["code"].isin(assign.index)].copy()
    units["lot"] = units["code"].map(assign.to_dict())
    shapes = units.dissolve(by="lot", as_index=True)[["geometry"]]
    cols = [c for c in prof.columns if c not in ("flags",) and (pd.api.types.is_numeric_dtype(prof[c])
                                                                or c in ("unit_names", "councils", "imd_profile",
                                                                         "workless_basis"))]
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


def _about(scenario: Scenario, *, title: str, attribution: str) -> pd.DataFrame:
    rows = [("title", title), ("made", dt.date.today().isoformat()), ("units", scenario.unit_layer),
            ("model", "Expected participants, advisors, cost and income are model estimates from the "
                      "assumptions listed; only the £889 and £400 job-outcome payments and the other values "
                      "marked 'Source' come from the source documents."),
            ("attribution", attribution or "")]
    return pd.DataFrame(rows, columns=["key", "value"])


def export_gpkg(lu: LotUnits, scenario: Scenario, prof: pd.DataFrame, *, title: str = "Lots",
                attribution: str = "") -> bytes:
    """A GeoPackage with layers lots, lot_units, assumptions and about; returned as bytes."""
    import pyogrio

    with tempfile.TemporaryDirectory(prefix="patchwork-lots-") as tmp:
        path = os.path.join(tmp, "lots.gpkg")
        pyogrio.write_dataframe(lots_frame(lu, scenario, prof), path, layer="lots", driver="GPKG",
                                promote_to_multi=True)
        pyogrio.write_dataframe(unit_frame(lu, scenario), path, layer="lot_units", driver="GPKG",
                                promote_to_multi=True)
        pyogrio.write_dataframe(assumption_table(scenario.assumptions), path, layer="assumptions", driver="GPKG")
        pyogrio.write_dataframe(_about(scenario, title=title, attribution=attribution), path, layer="about",
                                driver="GPKG")
        with open(path, "rb") as fh:
            return fh.read()


def export_csv(prof: pd.DataFrame, *, attribution: str = "", enrolled: pd.Series | None = None) -> bytes:
    """The lot profile as CSV (UTF-8 with BOM for Excel); the first line is a '#' note with attribution."""
    table = display_table(prof, enrolled=enrolled)
    note = ("# Patchwork lot profiles. Participants, advisors, cost and income are model estimates; "
            "see the assumptions export. " + (attribution or "")).replace("\n", " ")
    return ("\ufeff" + note + "\n" + table.to_csv()).encode("utf-8")


def export_xlsx(lu: LotUnits, scenario: Scenario, prof: pd.DataFrame, *, title: str = "Lots",
                attribution: str = "", enrolled: pd.Series | None = None) -> bytes:
    """An Excel workbook: Lots (profile), Units, Assumptions, About."""
    buf = _io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        display_table(prof, enrolled=enrolled).to_excel(xl, sheet_name="Lots")
        pd.DataFrame(unit_frame(lu, scenario).drop(columns="geometry")).to_excel(xl, sheet_name="Units", index=False)
        assumption_table(scenario.assumptions).to_excel(xl, sheet_name="Assumptions", index=False)
        _about(scenario, title=title, attribution=attribution).to_excel(xl, sheet_name="About", index=False)
        for ws in xl.book.worksheets:
            for col in ws.columns:
                width = max(len(str(c.value or "")) for c in col[:50])
                ws.column_dimensions[col[0].column_letter].width = min(max(10, width + 2), 60)
    return buf.getvalue()


_LATIN1_FIX = str.maketrans({"–": "-", "—": "-", "…": "...", "’": "'", "‘": "'", "“": '"', "”": '"', "×": "x",
                             "÷": "/", "≥": ">=", "≤": "<="})


def _pdf_text(text: str) -> str:
    return str(text).translate(_LATIN1_FIX).encode("latin-1", "replace").decode("latin-1")


def summary_pdf(lu: LotUnits, scenario: Scenario, prof: pd.DataFrame, *, lots: Sequence[str] | None = None,
                title: str = "Commissioning lot", attribution: str = "",
                enrolled: pd.Series | None = None) -> bytes:
    """A one-page A4 summary per lot (map outline, need, value, flags, assumptions), as PDF bytes."""
    from fpdf import FPDF

    chosen = list(lots) if lots is not None else list(prof.index)
    table = display_table(prof, enrolled=enrolled)
    assumptions = assumption_table(scenario.assumptions)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(_pdf_text(title))
    for lot in chosen:
        row, disp = prof.loc[lot], table.loc[lot]
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.set_xy(12, 10)
        pdf.cell(186, 8, _pdf_text(f"{title}: {lot}"))
        pdf.set_font("Helvetica", "", 9)
        pdf.set_xy(12, 19)
        pdf.multi_cell(186, 4.2, _pdf_text(f"{row['unit_names']}" + (f"  ({row['councils']})" if row["councils"] else "")
                                           + f"  -  {scenario.unit_layer}"))
        _pdf_outline(pdf, lu, scenario.lots.get(lot, ()), x=12, y=32, w=80, h=80)
        # key figures
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
        if enrolled is not None:
            figures.append(("Enrolled so far", disp["Enrolled so far"]))
        y = 32.0
        for label, value in figures:
            pdf.set_xy(98, y)
            pdf.set_font("Helvetica", "", 9)
            pdf.cell(52, 5, _pdf_text(label))
            pdf.set_font("Helvetica", "B", 9)
            pdf.multi_cell(48, 5, _pdf_text(value))
            y = max(y + 5.4, pdf.get_y() + 0.4)
        # IMD profile bars
        y0 = 118.0
        pdf.set_font("Helvetica", "B", 10)
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
            pdf.set_font("Helvetica", "", 7)
            pdf.set_xy(x - 1, y0 + 30.5)
            pdf.cell(9, 3.5, str(d), align="C")
            pdf.set_xy(x - 1, y0 + 30 - hgt - 4)
            pdf.cell(9, 3.5, str(n), align="C")
        # flags
        y = y0 + 38
        pdf.set_font("Helvetica", "B", 10)
        pdf.set_xy(12, y)
        pdf.cell(100, 5, "Flags")
        pdf.set_font("Helvetica", "", 9)
        pdf.set_xy(12, y + 5.5)
        pdf.multi_cell(186, 4.5, _pdf_text("; ".join(row["flags"]) if row["flags"] else "None: contiguous, above the "
                                           "minimum value and advisor count, no overlap with served areas."))
        # assumptions
        y = pdf.get_y() + 3
        pdf.set_font("Helvetica", "B", 10)
        pdf.set_xy(12, y)
        pdf.cell(100, 5, "Model assumptions (values marked 'Source' come from the source documents)")
        pdf.set_font("Helvetica", "", 7.2)
        y += 6
        for _, a in assumptions.iterrows():
            if y > 280:
                break
            pdf.set_xy(12, y)
            pdf.cell(70, 3.6, _pdf_text(a["setting"])[:55])
            pdf.cell(22, 3.6, _pdf_text(a["value"]))
            pdf.cell(94, 3.6, _pdf_text(a["basis"])[:80])
            y += 3.6
        pdf.set_font("Helvetica", "I", 6.5)
        pdf.set_xy(12, 284)
        pdf.multi_cell(186, 3, _pdf_text(f"Made with Patchwork on {dt.date.today():%d %B %Y}. Participants, advisors, "
                                         "cost and income are estimates from the model above. " + (attribution or "")))
    return bytes(pdf.output())


def _pdf_outline(pdf: Any, lu: LotUnits, codes: Iterable[str], *, x: float, y: float, w: float, h: float) -> None:
    """The lot's units (filled) and their neighbours (outline) drawn to fit the box."""
    codes = [c for c in codes if c in lu.adjacency.position]
    pdf.set_draw_color(180, 180, 180)
    pdf.rect(x, y, w, h)
    if not codes:
        return
    nb = set()
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
        polys = getattr(geom, "geoms", [geom])
        for poly in polys:
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


def safe_filename(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "lots"
