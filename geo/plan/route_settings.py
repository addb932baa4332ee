"""The router's own assumption: how fast the van (or car) goes on average.

Walking speed and the detour factor are `geo.assumptions.ReachAssumptions` (set on the Map page and
shared by every page); the van's speed is a different assumption and lives here, as a frozen,
validated dataclass like the others (the lead may move it into geo/assumptions.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.assumptions import Bound, ReachAssumptions, check_fields

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
        return kmh_to_m_per_min(self.drive_kmh)


def kmh_to_m_per_min(kmh: float) -> float:
    return float(kmh) * 1000 / 60


def walk_kmh(assumptions: ReachAssumptions) -> float:
    """The walking speed of the reach assumptions in km/h (80 m a minute is 4.8 km/h)."""
    return assumptions.walk_m_per_min * 60 / 1000
