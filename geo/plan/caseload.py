"""Expected caseload per LSOA: the participants a worker would support at once, observed or estimated.

Active at once = enrolments per month × average months on the programme; workers needed = active at
once ÷ caseload (about 50 a worker, editable). Enrolments per month per LSOA come from the participants
layer where there is one (enrolments in the last `window_months` up to the latest enrolment, ÷ months:
"observed"), else from need (estimated workless residents × engagement rate ÷ delivery months, as on
the Lots page: "estimated").

`CaseloadSettings` is validated when it is made (a bad value is a `DataError` naming the field). Its
caseload and months defaults come from `geo.assumptions`, the engagement rate and delivery period from
the lots value model, so each default is written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analyse.gaps import area_of_points
from geo.assumptions import DEFAULT_CASELOAD, DEFAULT_MONTHS_ON_PROGRAMME
from geo.assumptions import LotValueModel as LotAssumptions
from geo.model import DataError, Problem
from geo.plan.lots.need import lsoa_needs
from geo.privacy import suppress

OBSERVED = "observed"
ESTIMATED = "estimated"
AUTO = "auto"
BASES = (AUTO, OBSERVED, ESTIMATED)

#: Label of each positive field, for messages.
_POSITIVE = {"caseload": "Caseload per worker", "months_on_programme": "Months on the programme",
             "delivery_months": "Delivery period", "window_months": "Enrolment window"}


@dataclass(frozen=True)
class CaseloadSettings:
    """How expected caseload is worked out (see the module notes)."""

    caseload: float = DEFAULT_CASELOAD                  # participants one worker supports at once
    months_on_programme: float = DEFAULT_MONTHS_ON_PROGRAMME
    basis: str = AUTO                                   # observed, estimated or auto (observed when participants exist)
    window_months: int = 12
    engagement_rate: float = LotAssumptions.engagement_rate
    delivery_months: float = LotAssumptions.delivery_months

    def __post_init__(self) -> None:
        problems = []
        for name, label in _POSITIVE.items():
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) and v > 0):
                problems.append(Problem("patches", f"{label} must be above 0, got {v!r}.", column=name))
        rate = self.engagement_rate
        if not (isinstance(rate, (int, float)) and 0 < rate <= 1):
            problems.append(Problem("patches", f"Engagement rate must be between 0 and 1, got {rate!r}.",
                                    column="engagement_rate"))
        if self.basis not in BASES:
            problems.append(Problem("patches", f"unknown caseload basis {self.basis!r}; use observed, estimated or "
                                               "auto.", column="basis"))
        if problems:
            raise DataError(problems)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CaseloadSettings:
        """From a saved plan's settings: known keys only, each cast to its field's type."""
        base = cls()
        return cls(**{k: type(getattr(base, k))(d[k]) for k in base.to_dict() if k in d})


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
