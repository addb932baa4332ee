"""The lot value model's arithmetic, and its assumptions as tables (with the basis of each default).

The model itself (`geo.assumptions.LotValueModel`) is checked when it is made, so nothing here has to
check it again. The model is linear in estimated workless residents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geo.assumptions import JOB_OUTCOME, LOT_VALUE_BOUNDS, LOT_VALUE_SOURCES, CohortAssumption, LotValueModel
from geo.model import DataError, Problem


def value_model(workless: Sequence[float] | NDArray[np.float64] | pd.Series, a: LotValueModel) -> pd.DataFrame:
    """Participants, advisors, cost and payment-by-results income for each workless count.

    participants = workless x engagement rate; enrolments per month = participants / delivery months;
    active at once = enrolments per month x months on the programme; advisors (FTE) = active / caseload;
    advisor cost = advisors x cost per year x delivery months / 12; venues = advisors x £ per advisor-month
    x delivery months; management = share x (advisors + venues); delivery cost = the three;
    set-up = set-up months x set-up share x (delivery cost / delivery months); lot value = delivery + set-up.
    Outcomes per cohort = participants x cohort share x outcome rate; income = outcomes x payment.
    """
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


def value_per_workless_gbp(a: LotValueModel) -> float:
    """Lot value per estimated workless resident (the model is linear in workless residents)."""
    return float(value_model([1.0], a)["lot_value_gbp"].iloc[0])


def value_for_advisors(advisors: float, a: LotValueModel) -> float:
    """Lot value at which a lot needs `advisors` advisors (FTE)."""
    if a.engagement_rate <= 0:
        return float("inf") if advisors > 0 else 0.0
    workless = advisors * a.caseload * a.delivery_months / (a.engagement_rate * a.months_on_programme)
    return float(value_model([workless], a)["lot_value_gbp"].iloc[0])


def workless_for_value(value_gbp: float, a: LotValueModel) -> float:
    """Estimated workless residents a lot needs to be worth `value_gbp`."""
    per = value_per_workless_gbp(a)
    return float("inf") if per <= 0 else value_gbp / per


# ---- the assumptions as tables --------------------------------------------------------------------
def basis(key: str) -> str:
    """'Source: ...' for a sourced default (a field name or 'cohort:<name>:<field>'), else 'Assumption'."""
    return f"Source: {LOT_VALUE_SOURCES[key]}" if key in LOT_VALUE_SOURCES else "Assumption"


def _fmt_setting(v: float, unit: str) -> str:
    if unit.startswith("share"):
        return f"{float(v) * 100:.0f}%"
    if unit.startswith("£"):
        return f"£{float(v):,.0f}"
    return f"{float(v):g}"


def assumption_table(a: LotValueModel) -> pd.DataFrame:
    """Every value of the model with its unit and basis (source or assumption), for screens and exports."""
    default = LotValueModel()
    rows = []
    for name, bound in LOT_VALUE_BOUNDS.items():
        v = getattr(a, name)
        changed = v != getattr(default, name)
        rows.append({"setting": bound.label, "value": _fmt_setting(v, bound.unit), "unit": bound.unit,
                     "meaning": bound.help, "basis": "Your value" if changed else basis(name)})
    defaults: list[CohortAssumption | None] = [*default.cohorts, *([None] * len(a.cohorts))]
    for c, d in zip(a.cohorts, defaults):
        for attr, label, unit in (("share", "share of participants", "share"),
                                  ("outcome_rate", f"{c.outcome} rate", "share"),
                                  ("payment_gbp", f"payment per {c.outcome}", "£")):
            v = getattr(c, attr)
            changed = d is None or d.cohort != c.cohort or v != getattr(d, attr)
            rows.append({"setting": f"{c.cohort}: {label}", "value": _fmt_setting(v, unit), "unit": unit,
                         "meaning": "Payment by results" if attr == "payment_gbp" else "Cohort mix and outcomes",
                         "basis": "Your value" if changed else basis(f"cohort:{c.cohort}:{attr}")})
    return pd.DataFrame(rows)


def cohort_frame(a: LotValueModel) -> pd.DataFrame:
    """The cohort table for editing: cohort, outcome, share, outcome_rate, payment_gbp."""
    return pd.DataFrame([{"cohort": c.cohort, "outcome": c.outcome, "share": c.share,
                          "outcome_rate": c.outcome_rate, "payment_gbp": c.payment_gbp} for c in a.cohorts])


def cohorts_from_frame(frame: pd.DataFrame) -> tuple[CohortAssumption, ...]:
    """The cohorts in the rows of `frame` (as returned by `cohort_frame`, perhaps edited), unchecked:
    a `LotValueModel` made with them checks them."""
    return tuple(CohortAssumption(str(r["cohort"]), r["share"], r["outcome_rate"], r["payment_gbp"],
                                  str(r.get("outcome") or JOB_OUTCOME)) for r in frame.to_dict("records"))


def with_cohort_frame(a: LotValueModel, frame: pd.DataFrame) -> LotValueModel:
    """`a` with its cohorts replaced by the rows of `frame` (as returned by `cohort_frame`), checked."""
    return replace(a, cohorts=cohorts_from_frame(frame))
