"""The router's own assumption: how fast the van (or car) goes on average.

Walking speed and the detour factor are `geo.assumptions.ReachAssumptions` (set on the Map page and
shared by every page); the van's speed is `geo.assumptions.RouteAssumptions`. This module converts
between the speeds' units.
"""

from __future__ import annotations

from geo.assumptions import ReachAssumptions


def kmh_to_m_per_min(kmh: float) -> float:
    return float(kmh) * 1000 / 60


def walk_kmh(assumptions: ReachAssumptions) -> float:
    """The walking speed of the reach assumptions in km/h (80 m a minute is 4.8 km/h)."""
    return assumptions.walk_m_per_min * 60 / 1000
