"""Expected caseload per LSOA: the participants a worker would support at once, observed or estimated.

Active at once = enrolments per month × average months on the programme; workers needed = active at
once ÷ caseload (about 50 a worker, editable). Enrolments per month per LSOA come from the participants
layer where there is one (enrolments in the last `window_months` up to the latest enrolment, ÷ months:
"observed"), else from need (estimated workless residents × engagement rate ÷ delivery months, as on
the Lots page: "estimated").

`CaseloadSettings` (geo.assumptions) is validated when it is made (a bad value is a `DataError` naming
the field); its engagement rate and delivery period default to the lot value model's, so each default
is written once.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analyse.gaps import area_of_points
from geo.assumptions import AUTO, ESTIMATED, OBSERVED, CaseloadSettings
from geo.model import DataError, Problem
from geo.plan.lots.need import lsoa_needs
from geo.privacy import suppress


def basis_used(settings: CaseloadSettings, *, have_people: bool) -> str:
    """The basis a plan rests on: observed or estimated ('auto' is observed when there are participants)."""
    if settings.basis == AUTO:
        return OBSERVED if have_people else ESTIMATED
    return settings.basis


def expected_caseload(lsoas: gpd.GeoDataFrame, participants: gpd.GeoDataFrame | None = None, *,
                      settings: CaseloadSettings | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Per LSOA: lsoa_code, enrolments_per_month, caseload (participants active at once), and notes
    saying how they were worked out. With the observed basis the numbers rest on counts of people:
    show them through geo.privacy (`caseload_text`)."""
    s = settings if settings is not None else CaseloadSettings()
    codes = lsoas["lsoa_code"].astype("string").to_numpy()
    have_people = participants is not None and len(participants) > 0 and "enrolled_on" in participants.columns
    basis = basis_used(s, have_people=have_people)
    notes: list[str] = []
    if basis == OBSERVED:
        if participants is None or not have_people:
            raise DataError(Problem("patches", "there is no participants layer to count enrolments from.",
                                    fix="Choose the 'estimated from need' basis, or import participants."))
        when = pd.to_datetime(participants["enrolled_on"])
        end = when.max()
        start = end - pd.DateOffset(months=int(s.window_months))
        recent = participants[(when > start) & (when <= end)]
        area = area_of_points(recent, lsoas, code_col="lsoa_code")
        per = pd.Series(codes).map(area.value_counts()).fillna(0).to_numpy(dtype="float64")
        epm = per / s.window_months
        outside = int(area.isna().sum())
        notes.append(f"Enrolments per month: participants enrolled in the {s.window_months} months to "
                     f"{end:%d/%m/%Y} in each LSOA ÷ {s.window_months} (observed).")
        if outside:
            notes.append(f"{outside} recent participants live outside every LSOA and are not counted.")
    else:
        needs = lsoa_needs(lsoas)
        workless = needs["workless"].to_numpy(dtype="float64")
        epm = workless * s.engagement_rate / s.delivery_months
        n_est = int((needs["workless_basis"] != "score").sum())
        notes.append(f"Enrolments per month: estimated workless residents × {s.engagement_rate:g} engagement "
                     f"rate ÷ {s.delivery_months:g} months (estimated from need, an assumption).")
        if n_est:
            notes.append(f"{n_est} LSOAs have no employment score: workless residents estimated from the decile.")
    active = epm * s.months_on_programme
    notes.append(f"Expected caseload = enrolments per month × {s.months_on_programme:g} months on the "
                 f"programme; workers needed = caseload ÷ {s.caseload:g} a worker.")
    out = pd.DataFrame({"lsoa_code": codes, "enrolments_per_month": epm, "caseload": active, "basis": basis})
    return out, notes


def caseload_text(value: float | None, *, observed: bool) -> str:
    """A caseload for display: observed figures rest on counts of people, so small ones show as '<5'."""
    if value is None or not np.isfinite(value):
        return "–"
    if observed:
        return suppress(int(np.rint(value)))
    return f"{value:,.1f}"
