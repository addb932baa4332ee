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


def describe(objects: Iterable[ReachAssumptions | GapWeights]) -> list[str]:
    """One line per assumptions object, for 'assumptions used' captions and exports."""
    return [obj.summary() for obj in objects]
