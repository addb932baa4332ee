"""Where people go in the demo borough: venues (libraries, halls, schools...) and partner sites.

Venues and partners sit beside named roads, never in the two coverage-gap pockets or the poor
estate's corner; each venue has fictional facilities, capacity, hourly cost and opening hours, and
exactly one is closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd

from geo.demo.layout import BoroughCopy, Layout
from geo.demo.names import unique_name
from geo.demo.population import Deprivation
from geo.demo.streets import (
    KIND_TOWN,
    KIND_VILLAGE,
    ZONE_CENTRE,
    ZONE_ESTATE,
    ZONE_ESTATE_C,
    ZONE_SUBURB,
    Streets,
    Zones,
)
from geo.model import VENUE_KINDS

_SAINTS = (
    "Mary", "Peter", "Andrew", "John", "Michael", "Luke", "James", "Margaret", "Helen", "Botolph",
    "Wilfrid", "Guthlac", "Edmund", "Giles", "Lawrence", "Nicholas",
)
_SUPERMARKETS = ("Penfold's", "Greengate", "Fosse Fresh", "Harlow & Pike", "Brindley's")

_VENUE_HOURS: dict[str, tuple[str, ...]] = {
    "library": (
        "Mo-Fr 09:00-17:00; Sa 09:00-12:00",
        "Mo,Tu,Th,Fr 09:30-17:00; We 09:30-19:00; Sa 10:00-13:00",
        "Tu,Th 10:00-18:00; Fr 10:00-16:00; Sa 09:30-12:30",
    ),
    "community_centre": ("Mo-Fr 09:00-21:00; Sa 10:00-16:00", "Mo-Sa 09:00-22:00"),
    "childrens_centre": ("Mo-Fr 08:30-16:30", "Mo-Th 09:00-16:00; Fr 09:00-13:00"),
    "church_hall": ("Tu,Th 10:00-15:00; Su 12:00-16:00", "Mo,We,Fr 09:30-14:00"),
    "food_bank": ("Tu,Fr 10:00-13:00", "Mo,We 12:00-15:00; Sa 10:00-12:00"),
    "leisure_centre": ("Mo-Fr 06:30-22:00; Sa,Su 08:00-18:00",),
    "supermarket_cafe": ("Mo-Sa 08:00-18:00; Su 10:00-16:00",),
    "school": ("Mo-Fr 08:00-18:00", "Mo-Fr 15:30-20:00"),
    "gp_surgery": ("Mo-Fr 08:00-18:30", "Mo-Fr 08:00-18:00; Sa 09:00-12:00"),
}
# probability that each facility is present: wifi, toilets, step_free, childcare, quiet_room
_VENUE_FACILITIES: dict[str, tuple[float, float, float, float, float]] = {
    "library": (1.0, 0.95, 0.9, 0.05, 0.9),
    "community_centre": (0.7, 1.0, 0.8, 0.25, 0.6),
    "childrens_centre": (1.0, 1.0, 1.0, 0.95, 0.9),
    "church_hall": (0.4, 0.95, 0.5, 0.05, 0.3),
    "food_bank": (0.3, 0.7, 0.6, 0.0, 0.3),
    "leisure_centre": (1.0, 1.0, 1.0, 0.5, 0.4),
    "supermarket_cafe": (1.0, 1.0, 1.0, 0.0, 0.0),
    "school": (1.0, 1.0, 0.8, 0.4, 0.7),
    "gp_surgery": (0.5, 1.0, 1.0, 0.0, 0.8),
}
_VENUE_CAPACITY: dict[str, tuple[int, int]] = {
    "library": (20, 60), "community_centre": (40, 150), "childrens_centre": (15, 40),
    "church_hall": (30, 100), "food_bank": (10, 30), "leisure_centre": (50, 200),
    "supermarket_cafe": (30, 80), "school": (30, 120), "gp_surgery": (8, 20),
}
_VENUE_COST: dict[str, tuple[float, float, float]] = {  # (probability free, min, max) per hour
    "library": (0.7, 8.0, 15.0), "community_centre": (0.1, 12.0, 25.0),
    "childrens_centre": (0.6, 5.0, 12.0), "church_hall": (0.1, 10.0, 20.0),
    "food_bank": (1.0, 0.0, 0.0), "leisure_centre": (0.0, 25.0, 40.0),
    "supermarket_cafe": (1.0, 0.0, 0.0), "school": (0.1, 20.0, 35.0),
    "gp_surgery": (0.8, 5.0, 10.0),
}

# how strongly each venue kind is drawn to each zone (town venues after the first of each kind)
_VENUE_ZONE_WEIGHT: dict[str, dict[int, float]] = {
    "library": {ZONE_SUBURB: 1.0, ZONE_ESTATE: 1.0},
    "community_centre": {ZONE_ESTATE: 2.0, ZONE_SUBURB: 1.0},
    "childrens_centre": {ZONE_ESTATE: 3.0, ZONE_SUBURB: 0.7, ZONE_CENTRE: 0.5},
    "church_hall": {ZONE_SUBURB: 1.0, ZONE_CENTRE: 1.0, ZONE_ESTATE: 0.4},
    "food_bank": {ZONE_ESTATE: 2.0, ZONE_SUBURB: 0.5, ZONE_CENTRE: 0.5},
    "leisure_centre": {ZONE_SUBURB: 1.0, ZONE_CENTRE: 0.3},
    "supermarket_cafe": {ZONE_SUBURB: 1.0},
    "school": {ZONE_SUBURB: 2.0, ZONE_ESTATE: 1.0},
    "gp_surgery": {ZONE_CENTRE: 1.0, ZONE_SUBURB: 1.0, ZONE_ESTATE: 0.5},
}


@dataclass
class SitePicker:
    """Picks road segments for sites, away from the gap pockets and from the sites `placed` so far."""

    rng: np.random.Generator
    streets: Streets
    excluded: np.ndarray  # segments no site may use
    placed: list[np.ndarray] = field(default_factory=list)

    @classmethod
    def for_borough(cls, rng: np.random.Generator, streets: Streets, zones: Zones, dep: Deprivation,
                    placed: list[np.ndarray] | None = None) -> SitePicker:
        excluded = np.zeros(streets.n_seg, dtype=bool)
        for p in (dep.pocket_rural, dep.pocket_estate):
            excluded |= np.hypot(*(streets.mids - dep.lsoa_pt[p]).T) < 900.0
        excluded |= zones.zone == ZONE_ESTATE_C
        return cls(rng, streets, excluded, list(placed or []))

    def pick(self, weights: np.ndarray, min_gap: float) -> int:
        """A named segment drawn by `weights`, at least `min_gap` m from placed sites (60 tries)."""
        rng, streets = self.rng, self.streets
        w = np.where(streets.named & ~self.excluded, weights, 0.0)
        for _ in range(60):
            q = int(rng.choice(streets.n_seg, p=w / w.sum()))
            if not self.placed or np.min(np.hypot(*(np.asarray(self.placed) - streets.mids[q]).T)) >= min_gap:
                return q
        return q

    def on_segment(self, q: int, max_off: float) -> np.ndarray:
        """A point beside segment `q`, 4 m to `max_off` m off it, on either side."""
        rng, p_a, p_b = self.rng, self.streets.p_a, self.streets.p_b
        t = rng.uniform(0.3, 0.7)
        d = p_b[q] - p_a[q]
        perp = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-9)
        return cast(np.ndarray, p_a[q] + t * d + perp * rng.uniform(4.0, max_off) * rng.choice([-1.0, 1.0]))


@dataclass(frozen=True)
class Venues:
    frame: pd.DataFrame  # venue_id, name, kind, address, facilities, capacity, cost, hours, closed
    xy: np.ndarray


def _village_venue_kinds(rng: np.random.Generator, layout: Layout) -> list[tuple[int, str]]:
    """Up to two halls per village (none in the rural pocket): (village, kind)."""
    village_kinds: list[tuple[int, str]] = []
    for vi in range(layout.n_vil):
        if vi == layout.pocket_village:
            continue
        nv_ = int(rng.choice([0, 1, 1, 2, 2]))
        first = str(rng.choice(["church_hall", "community_centre"]))
        other = "community_centre" if first == "church_hall" else "church_hall"
        village_kinds.extend([(vi, first), (vi, other)][:nv_])
    return village_kinds


def _town_venue_counts(rng: np.random.Generator, village_kinds: list[tuple[int, str]]) -> dict[str, int]:
    n_vch = sum(1 for _, k in village_kinds if k == "church_hall")
    n_vcc = sum(1 for _, k in village_kinds if k == "community_centre")
    return {
        "library": int(rng.integers(4, 6)),
        "community_centre": max(2, 6 - n_vcc),
        "childrens_centre": 3,
        "church_hall": max(2, 6 - n_vch),
        "food_bank": 3,
        "leisure_centre": 2,
        "supermarket_cafe": 3,
        "school": int(rng.integers(7, 10)),
        "gp_surgery": 4,
    }


def _town_venue_weights(vkind: str, n: int, streets: Streets, zones: Zones) -> np.ndarray:
    """Where the n-th town venue of a kind may go: the first library and food bank in the centre."""
    zone = zones.zone
    if n == 0 and vkind in ("library", "food_bank"):
        w = (zone == ZONE_CENTRE) * 1.0
    elif vkind == "supermarket_cafe":
        w = ((zone == ZONE_SUBURB) & streets.main & (zones.d_centre > 1_500.0)) * 1.0
    else:
        w = np.zeros(streets.n_seg)
        for z, wt in _VENUE_ZONE_WEIGHT[vkind].items():
            w = w + wt * (zone == z)
    return cast(np.ndarray, w * (streets.kind == KIND_TOWN))


def _town_venue_name(vkind: str, n: int, *, area: str, road: str, lad_name: str,
                     saints: list[str]) -> tuple[str, str]:
    """(name, fallback name) of the n-th town venue of a kind in ward `area` on `road`."""
    stem = road.rsplit(" ", 1)[0] if " " in road else road
    if vkind == "library":
        nm, alt = (f"{lad_name} Central Library" if n == 0 else f"{area} Library"), f"{stem} Library"
    elif vkind == "community_centre":
        nm, alt = f"{area} Community Centre", f"{stem} Community Centre"
    elif vkind == "childrens_centre":
        nm, alt = f"{area} Children's Centre", f"{stem} Children's Centre"
    elif vkind == "church_hall":
        nm = alt = f"St {saints.pop(0)}'s Church Hall"
    elif vkind == "food_bank":
        nm = f"{lad_name} Food Bank" if n == 0 else f"{area} Community Pantry"
        alt = f"{stem} Community Pantry"
    elif vkind == "leisure_centre":
        nm = f"{lad_name} Leisure Centre" if n == 0 else f"{area} Sports Centre"
        alt = f"{stem} Sports Centre"
    elif vkind == "supermarket_cafe":
        nm = alt = f"{_SUPERMARKETS[n % len(_SUPERMARKETS)]} Superstore Café, {road}"
    elif vkind == "school":
        nm = [f"{area} Primary School", f"St {saints.pop(0)}'s C of E Primary School",
              f"{area} Academy", f"{stem} Infant School"][n % 4]
        alt = f"{stem} Primary School"
    else:
        nm, alt = [f"{area} Medical Centre", f"{road} Surgery"][n % 2], f"{road} Surgery"
    return nm, alt


def _venue_attributes(rng: np.random.Generator, rows: list[dict[str, str]], sfx: str) -> pd.DataFrame:
    """The venue table: ids, names and the drawn facilities, capacity, cost and opening hours."""
    n_ven = len(rows)
    closed = np.zeros(n_ven, dtype=bool)
    closed[int(rng.integers(n_ven))] = True
    venues = pd.DataFrame({
        "venue_id": [f"V{i + 1:03d}{sfx}" for i in range(n_ven)],
        "name": [r["name"] for r in rows],
        "kind": [r["kind"] for r in rows],
        "address": [r["address"] for r in rows],
    })
    fac = np.asarray([_VENUE_FACILITIES[k] for k in venues["kind"]])
    has = rng.random(fac.shape) < fac
    for j, col in enumerate(("wifi", "toilets", "step_free", "childcare", "quiet_room")):
        venues[col] = has[:, j]
    caps = np.asarray([_VENUE_CAPACITY[k] for k in venues["kind"]])
    venues["capacity"] = (np.round(rng.uniform(caps[:, 0], caps[:, 1]) / 5.0) * 5).astype(np.int64)
    costs = np.asarray([_VENUE_COST[k] for k in venues["kind"]])
    free = rng.random(n_ven) < costs[:, 0]
    venues["cost_per_hour"] = np.where(free, 0.0, np.round(rng.uniform(costs[:, 1], costs[:, 2]) * 2) / 2)
    venues["opening_hours"] = [
        _VENUE_HOURS[k][int(rng.integers(len(_VENUE_HOURS[k])))] for k in venues["kind"]
    ]
    venues["closed"] = closed
    return venues


def place_venues(rng: np.random.Generator, copy: BoroughCopy, layout: Layout, streets: Streets,
                 ward_names: list[str], seg_ward: np.ndarray, zones: Zones, dep: Deprivation) -> Venues:
    """About 40 venues: each kind's quota in town (spaced 250 m), then the village halls (60 m)."""
    picker = SitePicker.for_borough(rng, streets, zones, dep)
    vil_of_seg = np.full(streets.n_seg, -1)
    for vi in range(layout.n_vil):
        vil_of_seg[np.isin(streets.seg_a, streets.vil_node_ids[vi]) & (streets.kind == KIND_VILLAGE)] = vi
    rows: list[dict[str, str]] = []
    used_names: set[str] = set()
    saints = [_SAINTS[i] for i in rng.permutation(len(_SAINTS))]
    village_kinds = _village_venue_kinds(rng, layout)
    town_counts = _town_venue_counts(rng, village_kinds)
    lad_name, names = copy.lad_name, streets.names
    for vkind in VENUE_KINDS:
        for n in range(town_counts[vkind]):
            q = picker.pick(_town_venue_weights(vkind, n, streets, zones), 250.0)
            road = names[q]
            nm, alt = _town_venue_name(vkind, n, area=ward_names[seg_ward[q]], road=road, lad_name=lad_name,
                                       saints=saints)
            nm = unique_name(nm, used_names, alt)
            rows.append({"kind": vkind, "name": nm, "address": f"{road}, {lad_name}"})
            picker.placed.append(picker.on_segment(q, 18.0))
    vil_names = layout.vil_names
    for vi, vkind in village_kinds:
        q = picker.pick((vil_of_seg == vi) * 1.0, 60.0)
        nm = (f"{vil_names[vi]} Village Hall" if vkind == "community_centre"
              else f"St {saints.pop(0)}'s Church Hall, {vil_names[vi]}")
        nm = unique_name(nm, used_names, f"{nm}, {names[q]}")
        rows.append({"kind": vkind, "name": nm, "address": f"{names[q]}, {vil_names[vi]}"})
        picker.placed.append(picker.on_segment(q, 18.0))
    return Venues(frame=_venue_attributes(rng, rows, copy.suffix), xy=np.asarray(picker.placed))


def place_partners(rng: np.random.Generator, copy: BoroughCopy, streets: Streets, zones: Zones,
                   dep: Deprivation, venues: Venues) -> tuple[pd.DataFrame, np.ndarray]:
    """The 15 partner sites (Jobcentre Plus in the centre, ...), spaced 150 m from venues: (table, points)."""
    lad_name, zone, d_centre = copy.lad_name, zones.zone, zones.d_centre
    plan = [  # kind, name, where, refers (None: drawn), co-located (None: drawn)
        ("jobcentre_plus", f"{lad_name} Jobcentre Plus", (zone == ZONE_CENTRE) & (d_centre < 450.0), True, True),
        ("housing_association", f"{lad_name} Homes", zone == ZONE_ESTATE, True, None),
        ("housing_association", "Fosseway Housing Trust", zone == ZONE_CENTRE, True, None),
        ("citizens_advice", f"Citizens Advice {lad_name}", zone == ZONE_CENTRE, True, None),
        ("college", f"{lad_name} College", zone == ZONE_SUBURB, True, None),
        ("health", f"{lad_name} Wellbeing Hub", zone == ZONE_CENTRE, True, None),
        ("health", "Talking Therapies (NHS)", zone == ZONE_SUBURB, None, None),
        ("voluntary_sector", f"{lad_name} Council for Voluntary Service", zone == ZONE_CENTRE, True, None),
        ("voluntary_sector", "Open Door Youth Project", zone == ZONE_ESTATE, None, None),
        ("voluntary_sector", "Rural Community Action", streets.kind == KIND_VILLAGE, None, None),
        ("childcare_provider", "Little Acorns Nursery", zone == ZONE_SUBURB, None, None),
        ("childcare_provider", "Rainbow Day Nursery", zone == ZONE_ESTATE, None, None),
        ("esol_provider", f"{lad_name} Adult Learning (ESOL)", zone == ZONE_CENTRE, True, None),
        ("employer", "Greengate Distribution Centre", (zone == ZONE_SUBURB) & (d_centre > 2_000.0), False, None),
        ("employer", f"{lad_name} Foods Ltd", (zone == ZONE_SUBURB) & (d_centre > 1_500.0), None, None),
    ]
    picker = SitePicker.for_borough(rng, streets, zones, dep, placed=list(venues.xy))
    rows = []
    pts = []
    for i, (pkind, pname, mask, refers, co_loc) in enumerate(plan):
        q = picker.pick(mask * 1.0, 150.0)
        pts.append(picker.on_segment(q, 18.0))
        rows.append({
            "partner_id": f"PT{i + 1:02d}{copy.suffix}",
            "name": pname,
            "kind": pkind,
            "refers": bool(rng.random() < 0.6) if refers is None else refers,
            "co_location": bool(rng.random() < 0.3) if co_loc is None else co_loc,
        })
    return pd.DataFrame(rows), np.asarray(pts)
