"""Every editable default, as one frozen, validated dataclass per set of assumptions.

An assumption a user can set (walking speed, detour factor, gap weights, caseload, the lot value model)
lives here once: its default, its unit (in the field name), its label and its check. Pages build each
object once from their widgets and pass it down unchanged; geo/ functions take the object, never a
tuple read by position. A bad value raises `DataError` naming the field and the fix, when the object is
made, so nothing downstream ever sees it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from geo.model import DataError, Problem

#: Participants one advisor or worker supports at once (Connecting Communities: about 50).
DEFAULT_CASELOAD = 50.0
#: Average months a participant stays on the programme (an assumption: active at once = enrolments a
#: month x this).
DEFAULT_MONTHS_ON_PROGRAMME = 12.0


@dataclass(frozen=True)
class Bound:
    """The label, unit and allowed range of one numeric field (for widgets and for checks)."""

    label: str
    unit: str
    low: float
    high: float
    step: float
    help: str = ""
    low_open: bool = False  # True: the value must be above `low`, not equal to it


def check_fields(obj: object, bounds: Mapping[str, Bound], *, source: str) -> None:
    """Raise one DataError listing every field of `obj` outside its bound (or not a finite number)."""
    problems: list[Problem] = []
    for name, bound in bounds.items():
        value = getattr(obj, name)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if ok:
            ok = (value > bound.low if bound.low_open else value >= bound.low) and value <= bound.high
        if not ok:
            above = "above" if bound.low_open else "at least"
            problems.append(Problem(
                source, f"{bound.label} must be a number {above} {bound.low:g} and at most {bound.high:g} "
                f"({bound.unit}), got {value!r}.", column=name,
                fix=f"Enter a value from {bound.low:g} to {bound.high:g}."))
    if problems:
        raise DataError(problems)


def _from_mapping(cls: type[Any], data: Mapping[str, Any]) -> Any:
    """Build a dataclass from a mapping (a saved plan's settings), ignoring keys it does not know."""
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


# ---- reach ------------------------------------------------------------------------------------------
REACH_BOUNDS: dict[str, Bound] = {
    "walk_m_per_min": Bound("Walking speed", "m per minute", 40.0, 120.0, 5.0,
                            "80 m a minute is about 3 mph."),
    "max_walk_to_stop_m": Bound("Longest walk to or from a bus stop", "m", 0.0, 2000.0, 50.0),
    "default_trips_per_hour": Bound("Buses an hour where the data has no timetable", "buses an hour",
                                    0.5, 20.0, 0.5, "Waiting time is half the time between buses."),
    "default_speed_kmh": Bound("Bus speed where the data has none", "km/h", 5.0, 60.0, 1.0),
    "detour_factor": Bound("Detour factor for straight-line estimates", "times the straight line",
                           1.0, 2.5, 0.05,
                           "Where there is no road network (or a place is not joined to it), the "
                           "straight-line distance times this factor is walked: an estimate."),
}


@dataclass(frozen=True)
class ReachAssumptions:
    """How travel times are worked out: walking, the bus, and straight-line estimates."""

    walk_m_per_min: float = 80.0
    max_walk_to_stop_m: float = 400.0
    default_trips_per_hour: float = 2.0
    default_speed_kmh: float = 18.0
    detour_factor: float = 1.3

    def __post_init__(self) -> None:
        check_fields(self, REACH_BOUNDS, source="reach assumptions")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReachAssumptions:
        result: ReachAssumptions = _from_mapping(cls, data)
        return result

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}

    @property
    def is_default(self) -> bool:
        return self == ReachAssumptions()

    def estimate_text(self) -> str:
        """How a straight-line estimate is made, e.g. 'straight-line distance × 1.3 at 80 m a minute'."""
        return f"straight-line distance × {self.detour_factor:g} at {self.walk_m_per_min:g} m a minute"

    def summary(self) -> str:
        """One line naming every value, for a page's 'assumptions used' caption."""
        return (f"walking {self.walk_m_per_min:g} m a minute; at most {self.max_walk_to_stop_m:g} m to or from "
                f"a bus stop; {self.default_trips_per_hour:g} buses an hour and {self.default_speed_kmh:g} km/h "
                f"where the data has none; straight-line estimates × {self.detour_factor:g}")


#: The defaults, as one shared (frozen) object: the default argument of every function that takes them.
DEFAULT_REACH = ReachAssumptions()


# ---- gap score -----------------------------------------------------------------------------------
GAP_BOUNDS: dict[str, Bound] = {
    "deprivation": Bound("Deprivation", "weight", 0.0, 2.0, 0.05,
                         "Need: (10 − decile) ÷ 9 on the chosen measure (decile 1 → 1)."),
    "population": Bound("Working-age residents", "weight", 0.0, 2.0, 0.05,
                        "Need: working-age residents ÷ the largest LSOA's."),
    "reach": Bound("Lack of reach", "weight", 0.0, 2.0, 0.05,
                   "Lack: minutes to the nearest venue ÷ 30, capped at 1."),
    "engagement": Bound("Lack of engagement", "weight", 0.0, 2.0, 0.05,
                        "Lack: share of the LSOA's roads with nobody engaged."),
    "reach_full_minutes": Bound("Minutes at which reach counts as fully lacking", "minutes", 1.0, 240.0, 5.0),
}


@dataclass(frozen=True)
class GapWeights:
    """The weights of the gap score's four parts (0 switches a part off) and the reach scale.

    Need (deprivation, population) and lack (reach, engagement) each need one weight above 0.
    """

    deprivation: float = 1.0
    population: float = 0.25
    reach: float = 1.0
    engagement: float = 1.0
    reach_full_minutes: float = 30.0

    def __post_init__(self) -> None:
        check_fields(self, GAP_BOUNDS, source="gap weights")
        problems = []
        if self.deprivation + self.population <= 0:
            problems.append(Problem("gap weights", "at least one need weight (deprivation, population) must be "
                                    "above 0.", column="deprivation", fix="Give deprivation a weight above 0."))
        if self.reach + self.engagement <= 0:
            problems.append(Problem("gap weights", "at least one lack weight (reach, engagement) must be above 0.",
                                    column="reach", fix="Give reach a weight above 0."))
        if problems:
            raise DataError(problems)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GapWeights:
        result: GapWeights = _from_mapping(cls, data)
        return result

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}

    @property
    def is_default(self) -> bool:
        return self == GapWeights()

    def summary(self) -> str:
        return (f"gap weights: deprivation {self.deprivation:g}, working-age population {self.population:g}, "
                f"reach {self.reach:g}, unengaged roads {self.engagement:g}; reach fully lacking at "
                f"{self.reach_full_minutes:g} minutes")


DEFAULT_GAP_WEIGHTS = GapWeights()


def describe(objects: Iterable[ReachAssumptions | GapWeights]) -> list[str]:
    """One line per assumptions object, for 'assumptions used' captions and exports."""
    return [obj.summary() for obj in objects]


# ---- lots value model ----------------------------------------------------------------------------
# The editable model that turns a lot's estimated workless residents into participants, advisors, cost
# and payment-by-results income (geo.plan.lots.value). Only the values in LOT_VALUE_SOURCES come from
# the source documents; every other default is an assumption. Field names and payload keys are those
# lot scenarios have always been saved with (geo.io plans, kind "lots"), so old scenarios still load.

JOB_OUTCOME = "job outcome"
PROGRESSION_OUTCOME = "in-work progression"
#: Share of residents of working age, used only where an LSOA has no working-age population.
DEFAULT_WORKING_AGE_SHARE = 0.62


@dataclass(frozen=True)
class CohortAssumption:
    """One payment-by-results cohort: its share of participants, outcome rate and payment.

    Checked as part of a `LotValueModel` (shares must add up to 100% across its cohorts).
    """

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

_SHARE = 1.0  # the upper bound of a share; a Bound with this high is checked as a share
_NO_LIMIT = math.inf

#: Label, unit, range, widget step (in the field's own unit) and meaning of each scalar field, in
#: display order. A share runs from 0 to 1; `low_open` fields must be above 0.
LOT_VALUE_BOUNDS: dict[str, Bound] = {
    "engagement_rate": Bound(
        "Engagement rate", "share", 0.0, _SHARE, 0.01,
        "Share of estimated workless residents expected to enrol over the contract. The default gives the nine "
        "Connecting Communities lots about the 4,000 participants reported."),
    "delivery_months": Bound("Delivery period", "months", 0.0, _NO_LIMIT, 1.0,
                             "Months in which participants enrol.", low_open=True),
    "months_on_programme": Bound("Average time on the programme", "months", 0.0, _NO_LIMIT, 1.0,
                                 "Participants active at once = enrolments per month x this.", low_open=True),
    "caseload": Bound("Caseload", "participants per advisor", 0.0, _NO_LIMIT, 1.0,
                      "Participants one advisor supports at once.", low_open=True),
    "advisor_cost_gbp_per_year": Bound(
        "Advisor cost", "£ per advisor per year", 0.0, _NO_LIMIT, 1000.0,
        "Salary and on-costs. With the other defaults a participant costs about £1,000, as the nine Connecting "
        "Communities lots did (£4.0m, 4,000)."),
    "venue_cost_gbp_per_advisor_month": Bound("Venues", "£ per advisor per month", 0.0, _NO_LIMIT, 1000.0,
                                              "Room hire for hubs and pop-up sessions."),
    "management_share": Bound("Management and overheads", "share of advisor and venue cost", 0.0, _SHARE, 0.01,
                              "Lot manager, supervision, data and office costs."),
    "set_up_months": Bound("Set-up period", "months", 0.0, _NO_LIMIT, 1.0, "Mobilisation before delivery starts."),
    "set_up_cost_share": Bound("Set-up spend", "share of a delivery month per set-up month", 0.0, _SHARE, 0.01,
                               "Recruiting, premises and partnerships during set-up."),
    "sustained_13w_rate": Bound("Job starts sustained at 13 weeks", "share", 0.0, _SHARE, 0.01,
                                "For the outcome count only."),
    "working_age_share": Bound("Working-age share (fallback)", "share of residents", 0.0, _SHARE, 0.01,
                               "Used only where an LSOA has no working-age population."),
    "min_value_gbp": Bound("Minimum viable lot value", "£", 0.0, _NO_LIMIT, 1000.0, "Lots below this are flagged."),
    "min_advisors": Bound("Minimum advisors", "advisors (FTE)", 0.0, _NO_LIMIT, 1.0,
                          "Lots needing fewer are flagged (the smallest Connecting Communities lots could fund "
                          "only one or two coaches)."),
}

#: Defaults that come from the source documents (keys: field names, or 'cohort:<name>:<field>').
LOT_VALUE_SOURCES: dict[str, str] = {
    "cohort:Hardest to Help:payment_gbp": "Connecting Communities: a Hardest to Help job outcome paid £889",
    "cohort:Rapid Progression:payment_gbp": "Connecting Communities: a Rapid Progression job outcome paid £400",
    "caseload": "Connecting Communities: advisor caseload about 50",
    "sustained_13w_rate": "Connecting Communities: 68% of job starts sustained at 13 weeks",
    "min_value_gbp": "Connecting Communities: the smallest of the nine lots was worth £173,000",
}

_LOT_SOURCE = "lot assumptions"
_LOT_FIX = {
    "caseload": "Enter how many participants one advisor supports at once (about 50 in Connecting Communities).",
    "delivery_months": "Enter the number of months participants can enrol, for example 36.",
    "months_on_programme": "Enter how long a participant stays on the programme on average, for example 9.",
}


def _real(value: object) -> float | None:
    """`value` as a finite float, or None (for text, booleans, NaN and infinity)."""
    if value is None or isinstance(value, (bool, str, bytes)):
        return None
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _lot_field_problem(name: str, bound: Bound, value: object) -> Problem | None:
    v = _real(value)
    if v is None:
        return Problem(_LOT_SOURCE, f"{bound.label} is {value!r}, not a number.", column=name, fix="Enter a number.")
    if bound.high == _SHARE and not bound.low <= v <= bound.high:
        return Problem(_LOT_SOURCE, f"{bound.label} must be a share between 0 and 1 (0% to 100%), got {v:g}.",
                       column=name, fix="Enter a share such as 0.15 for 15%.")
    if bound.low_open and v <= bound.low:
        return Problem(_LOT_SOURCE, f"{bound.label} must be more than 0, got {v:g}.", column=name,
                       fix=_LOT_FIX.get(name, "Enter a positive number."))
    if not bound.low_open and v < bound.low:
        return Problem(_LOT_SOURCE, f"{bound.label} cannot be negative, got {v:g}.", column=name,
                       fix="Enter 0 or more.")
    return None


def _cohort_problems(cohorts: Iterable[CohortAssumption]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    shares: list[float | None] = []
    listed = list(cohorts)
    for c in listed:
        where = f"cohort '{c.cohort}'"
        if c.cohort in seen:
            problems.append(Problem(_LOT_SOURCE, f"{where} appears twice.", column="cohorts",
                                    fix="Remove the duplicate."))
        seen.add(c.cohort)
        for attr, high in (("share", _SHARE), ("outcome_rate", _SHARE), ("payment_gbp", _NO_LIMIT)):
            v = _real(getattr(c, attr))
            if v is None:
                problems.append(Problem(_LOT_SOURCE, f"{where}: {attr.replace('_', ' ')} is not a number.",
                                        column=attr, fix="Enter a number."))
            elif v < 0 or v > high:
                what = "a share between 0 and 1" if high == _SHARE else "0 or more"
                problems.append(Problem(
                    _LOT_SOURCE, f"{where}: {attr.replace('_gbp', ' (£)').replace('_', ' ')} must be {what}, "
                    f"got {v:g}.", column=attr,
                    fix="Payments and rates cannot be negative." if v < 0 else "Enter a share such as 0.3 for 30%."))
        shares.append(_real(c.share))
    known = [s for s in shares if s is not None]
    if listed and len(known) == len(shares) and abs(sum(known) - 1) > 0.005:
        problems.append(Problem(_LOT_SOURCE, f"cohort shares add up to {sum(known) * 100:.0f}%; they must add up "
                                "to 100%.", column="share", fix="Adjust the cohort shares so they total 100%."))
    return problems


@dataclass(frozen=True)
class LotValueModel:
    """The editable lot value model. Field names carry their units; LOT_VALUE_SOURCES says which have a
    source. Made valid or not at all: a bad value raises DataError listing every problem, each naming
    its field. Numbers are stored as floats and cohorts as a tuple."""

    engagement_rate: float = 0.16
    delivery_months: float = 36.0
    months_on_programme: float = DEFAULT_MONTHS_ON_PROGRAMME
    caseload: float = DEFAULT_CASELOAD
    advisor_cost_gbp_per_year: float = 36_000.0
    venue_cost_gbp_per_advisor_month: float = 350.0
    management_share: float = 0.15
    set_up_months: float = 6.0
    set_up_cost_share: float = 0.5
    sustained_13w_rate: float = 0.68
    working_age_share: float = DEFAULT_WORKING_AGE_SHARE
    min_value_gbp: float = 173_000.0
    min_advisors: float = 1.0
    cohorts: tuple[CohortAssumption, ...] = DEFAULT_COHORTS

    def __post_init__(self) -> None:
        # shares first, then values that must be above 0, then those that must not be negative
        order = sorted(LOT_VALUE_BOUNDS, key=lambda n: (LOT_VALUE_BOUNDS[n].high != _SHARE,
                                                        not LOT_VALUE_BOUNDS[n].low_open))
        problems = [p for n in order if (p := _lot_field_problem(n, LOT_VALUE_BOUNDS[n], getattr(self, n)))]
        d, m = _real(self.delivery_months), _real(self.months_on_programme)
        if d and m and d > 0 and m > d:
            problems.append(Problem(_LOT_SOURCE, f"Average time on the programme ({m:g} months) is longer than the "
                                    f"delivery period ({d:g} months).", column="months_on_programme",
                                    fix="Shorten the time on the programme or lengthen the delivery period."))
        cohorts = tuple(self.cohorts)
        if not cohorts:
            problems.append(Problem(_LOT_SOURCE, "has no cohorts.", column="cohorts", fix="Add at least one cohort."))
        problems += _cohort_problems(cohorts)
        if problems:
            raise DataError(problems)
        for name in LOT_VALUE_BOUNDS:
            object.__setattr__(self, name, float(getattr(self, name)))
        object.__setattr__(self, "cohorts", tuple(
            CohortAssumption(str(c.cohort), float(c.share), float(c.outcome_rate), float(c.payment_gbp),
                             str(c.outcome)) for c in cohorts))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LotValueModel:
        """Rebuild (and check) a model saved with `to_dict` (a lot scenario's 'assumptions'); missing keys
        take the defaults, unknown keys are refused."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise DataError(Problem(_LOT_SOURCE, f"unknown setting(s): {', '.join(unknown)}.",
                                    fix="Save the scenario again from this version of Patchwork."))
        kwargs: dict[str, Any] = {k: v for k, v in data.items() if k != "cohorts"}
        if "cohorts" in data:
            try:
                kwargs["cohorts"] = tuple(CohortAssumption(**dict(c)) for c in data["cohorts"])
            except TypeError as exc:
                raise DataError(Problem(_LOT_SOURCE, f"cohort table is not readable ({exc}).", column="cohorts",
                                        fix="Reset the cohorts to the defaults.")) from None
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (the keys lot scenarios are saved with)."""
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "cohorts"}
        out["cohorts"] = [asdict(c) for c in self.cohorts]
        return out

    @property
    def is_default(self) -> bool:
        return self == LotValueModel()


# ---- caseload (patches) ----------------------------------------------------------------------------
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
    engagement_rate: float = LotValueModel.engagement_rate
    delivery_months: float = LotValueModel.delivery_months

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        for name, label in _POSITIVE.items():
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0):
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


# ---- routes (the van) -------------------------------------------------------------------------------
ROUTE_BOUNDS: dict[str, Bound] = {
    "drive_kmh": Bound("Average driving speed", "km/h", 2.0, 80.0, 1.0,
                       "An assumption: edit it for your area."),
}


@dataclass(frozen=True)
class RouteAssumptions:
    """How a day's route is timed when it is driven."""

    drive_kmh: float = 30.0

    def __post_init__(self) -> None:
        check_fields(self, ROUTE_BOUNDS, source="route assumptions")

    @property
    def drive_m_per_min(self) -> float:
        return float(self.drive_kmh) * 1000 / 60
