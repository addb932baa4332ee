"""Fictional names for the demo borough: streets, villages, wards; street names handed out once each.

Every name here is invented (or a common English stem); none describes a real place.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_STEMS = (
    "Mill", "Church", "Beech", "Oak", "Ash", "Elm", "Willow", "Chestnut", "Hawthorn", "Holly",
    "Rowan", "Birch", "Cedar", "Maple", "Larch", "Poplar", "Sycamore", "Laurel", "Juniper", "Hazel",
    "Meadow", "Orchard", "Brook", "River", "Bridge", "Station", "Park", "Green", "Field", "Chapel",
    "Castle", "Abbey", "Priory", "Manor", "Grange", "Hall", "Windmill", "Forge", "Quarry", "Tannery",
    "Wharf", "Canal", "Spring", "Well", "Kiln", "Granary", "Cherry", "Primrose", "Bluebell",
    "Foxglove", "Clover", "Heather", "Lark", "Swan", "Heron", "Kestrel", "Wren", "Hill", "Vale",
    "Ridge", "King's", "Queen's", "Victoria", "Albert", "Nelson", "Sandpit", "Cross", "Mount",
)
_LONG_SUFFIXES = ("Street", "Road", "Lane", "Avenue", "Way", "Drive")
_SHORT_SUFFIXES = ("Close", "Gardens", "Grove", "Terrace", "Walk", "Rise", "View", "Crescent", "Lane")
_MAIN_NAMES = (
    "High Street", "Market Street", "Sheep Street", "Northgate", "Southgate", "Eastgate",
    "Westgate", "London Road", "Bridge Street", "Silver Street", "Horsefair", "Friar Lane",
)
VILLAGE_NAMES = (
    "Ashwell Magna", "Thorpe Kelby", "Little Marston", "Wykeham Parva", "Saxby le Wold",
    "Burrowcote", "Hallowby", "Cotesmere", "Long Whatley", "Stanfold", "Eddlethorpe",
    "Great Ousby", "Nether Hambleton", "Scalby Bridge", "Frisby Stoke", "Kirkby Wendle",
)
URBAN_WARD_NAMES = {  # by compass octant, 0 = east, counter-clockwise
    0: ("Eastfield", "Abbey Fields"),
    1: ("Hillcrest", "Brookside"),
    2: ("Northgate", "Castle"),
    3: ("Priory", "Meadowbank"),
    4: ("Westfield", "St Andrew's"),
    5: ("Southfields", "Riverside"),
    6: ("Southgate", "Beaumont"),
    7: ("Kingsway", "Orchard Park"),
}


def unique_name(name: str, used: set[str], fallback: str) -> str:
    """`name` if not used yet, else `fallback`, else `fallback (2)`, `(3)`...; recorded as used."""
    if name not in used:
        used.add(name)
        return name
    candidate = fallback
    n = 2
    while candidate in used:
        candidate = f"{fallback} ({n})"
        n += 1
    used.add(candidate)
    return candidate


class NamePool:
    """Street names, each handed out once per borough."""

    def __init__(self, rng: np.random.Generator, reserved: Sequence[str]) -> None:
        lng = [f"{s} {x}" for s in _STEMS for x in _LONG_SUFFIXES]
        short = [f"{s} {x}" for s in _STEMS for x in _SHORT_SUFFIXES]
        self._lists: dict[bool, list[str]] = {
            True: [lng[i] for i in rng.permutation(len(lng))],
            False: [short[i] for i in rng.permutation(len(short))],
        }
        self._pos = {True: 0, False: 0}
        self._main: list[str] = [_MAIN_NAMES[i] for i in rng.permutation(len(_MAIN_NAMES))]
        self._used: set[str] = set(reserved)
        self._extra = 0

    def take(self, *, main: bool = False, long: bool = True) -> str:
        while main and self._main:
            name = self._main.pop(0)
            if name not in self._used:
                self._used.add(name)
                return name
        for kind in (long or main, not (long or main)):
            names = self._lists[kind]
            while self._pos[kind] < len(names):
                name = names[self._pos[kind]]
                self._pos[kind] += 1
                if name not in self._used:
                    self._used.add(name)
                    return name
        self._extra += 1  # both lists exhausted (never at scale 1): qualify a name
        base = self._lists[True][self._extra % len(self._lists[True])]
        name = f"Upper {base}" if self._extra <= len(self._lists[True]) else f"{base} {self._extra}"
        self._used.add(name)
        return name
