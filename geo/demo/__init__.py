"""Deterministic demo borough: "Kelderby", a fictional English town with outlying villages.

`build_demo_layers` returns every layer the app knows (wards, LSOAs, roads, venues, bus stops and
routes, partner sites, participants) in EPSG:27700, each already passed through
`geo.model.validate_layer`. Everything comes from one `numpy.random.default_rng(seed)`, so the same
seed always gives the same frames. No real people or places are described.

The borough (scale 1) is centred on easting 452000, northing 318000 (rural East Midlands):

* a town about 6 km across on a warped street grid, with a centre and two or three estates;
* four to six villages on small street grids, each joined to the town by a country road;
* about 10 wards (6-7 urban, 3-4 rural) tiling one borough polygon, about 60 LSOAs nested in them;
* deprivation: estates in deciles 1-2, the centre 2-5, suburbs 5-9, villages 4-9 plus one deprived
  rural pocket; that pocket and one estate corner have almost no participants (coverage gaps), and
  one estate has no bus route.

`scale=N` tiles N independently generated boroughs (copy 0 is exactly the scale-1 borough) on a grid
33 km apart; copies after the first get their own LAD code and name and an id suffix ("-2", "-3"...).

Run `python -m geo.demo --scale N --seed S --out PATH` to write a workspace GeoPackage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from geo.model import (
    COHORTS,
    CRS,
    DOMAINS,
    REFERRAL_SOURCES,
    VENUE_KINDS,
    validate_layer,
)

DEMO_NAME = "Kelderby"
LAYER_NAMES: tuple[str, ...] = (
    "wards",
    "lsoas",
    "roads",
    "venues",
    "bus_stops",
    "bus_routes",
    "partners",
    "participants",
)
CENTRE_EASTING = 452_000.0
CENTRE_NORTHING = 318_000.0
IMD_LSOA_COUNT = 32_844
ENROL_FROM = dt.date(2023, 1, 1)
ENROL_TO = dt.date(2025, 12, 31)

_BOROUGH_R_MAX_M = 15_500.0
_COPY_PITCH_M = 2 * _BOROUGH_R_MAX_M + 2_000.0
_TAU = 2.0 * math.pi

# --------------------------------------------------------------------------------------------
# Name material (all fictional)
# --------------------------------------------------------------------------------------------
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
_VILLAGE_NAMES = (
    "Ashwell Magna", "Thorpe Kelby", "Little Marston", "Wykeham Parva", "Saxby le Wold",
    "Burrowcote", "Hallowby", "Cotesmere", "Long Whatley", "Stanfold", "Eddlethorpe",
    "Great Ousby", "Nether Hambleton", "Scalby Bridge", "Frisby Stoke", "Kirkby Wendle",
)
_URBAN_WARD_NAMES = {  # by compass octant, 0 = east, counter-clockwise
    0: ("Eastfield", "Abbey Fields"),
    1: ("Hillcrest", "Brookside"),
    2: ("Northgate", "Castle"),
    3: ("Priory", "Meadowbank"),
    4: ("Westfield", "St Andrew's"),
    5: ("Southfields", "Riverside"),
    6: ("Southgate", "Beaumont"),
    7: ("Kingsway", "Orchard Park"),
}
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

_ZONE_CENTRE, _ZONE_ESTATE, _ZONE_ESTATE_C, _ZONE_SUBURB, _ZONE_VILLAGE, _ZONE_COUNTRY = range(6)
_KIND_TOWN, _KIND_VILLAGE, _KIND_COUNTRY = range(3)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
def demo_meta(*, seed: int = 7, scale: int = 1) -> dict[str, str]:
    """Workspace metadata for the demo borough (plain strings, as geo.io stores them)."""
    return {
        "name": DEMO_NAME,
        "fictional": "true",
        "seed": str(seed),
        "scale": str(scale),
        "imd_edition": "2019",
        "source": "Generated by geo.demo: fictional data for demonstration",
        "attribution": "Fictional demo data generated by Patchwork; no real people or places.",
    }


def build_demo_layers(*, seed: int = 7, scale: int = 1) -> dict[str, gpd.GeoDataFrame]:
    """Build every demo layer, validated, in EPSG:27700.

    Copy 0 uses `default_rng(seed)`; copy i > 0 uses `default_rng([seed, i])` and is shifted on a
    grid 33 km apart, so `scale=N` holds N distinct boroughs and starts with the scale-1 borough.
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    ncols = math.ceil(math.sqrt(scale))
    parts: dict[str, list[gpd.GeoDataFrame]] = {name: [] for name in LAYER_NAMES}
    for copy in range(int(scale)):
        rng = np.random.default_rng(int(seed) if copy == 0 else [int(seed), copy])
        dx = CENTRE_EASTING + _signed(copy % ncols) * _COPY_PITCH_M
        dy = CENTRE_NORTHING + _signed(copy // ncols) * _COPY_PITCH_M
        for name, frame in _build_borough(rng, copy=copy, offset=(dx, dy)).items():
            parts[name].append(frame)
    out: dict[str, gpd.GeoDataFrame] = {}
    for name in LAYER_NAMES:
        frames = parts[name]
        frame = frames[0] if len(frames) == 1 else gpd.GeoDataFrame(
            pd.concat(frames, ignore_index=True), geometry="geometry", crs=CRS
        )
        if name == "participants" and len(frames) > 1:
            frame = _dedupe_participant_ids(frame, seed=int(seed))
        out[name] = validate_layer(frame, name, source=f"demo layer '{name}'")
    return out


def main(argv: list[str] | None = None) -> int:
    """CLI: write the demo workspace to a GeoPackage through geo.io.write_workspace."""
    parser = argparse.ArgumentParser(
        prog="python -m geo.demo",
        description=f"Write the fictional demo borough ({DEMO_NAME}) to a workspace GeoPackage.",
    )
    parser.add_argument("--scale", type=int, default=1, help="number of borough copies (default 1)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--out", type=str, default=None,
                        help="output path (default workspaces/demo.gpkg or workspaces/demo_x{N}.gpkg)")
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    if args.seed < 0:
        parser.error("--seed must be non-negative")
    out = Path(args.out or ("workspaces/demo.gpkg" if args.scale == 1
                            else f"workspaces/demo_x{args.scale}.gpkg"))
    geo_io = importlib.import_module("geo.io")  # lazy: the generator itself needs no file I/O

    layers = build_demo_layers(seed=args.seed, scale=args.scale)
    meta = {**demo_meta(seed=args.seed, scale=args.scale), "generator_hash": geo_io.demo_generator_hash()}
    geo_io.write_workspace(out, layers, meta)
    counts = ", ".join(f"{name} {len(frame):,}" for name, frame in layers.items())
    print(f"Wrote {out} ({DEMO_NAME}, seed {args.seed}, scale {args.scale}): {counts}")
    return 0


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------
def _signed(k: int) -> int:
    """0, 1, -1, 2, -2, ... so tiled copies spread both ways from the first."""
    return (k + 1) // 2 if k % 2 else -(k // 2)


@dataclass(frozen=True)
class _Radial:
    """A smooth star-shaped outline r(theta) around the origin."""

    mean: float
    ks: np.ndarray
    amps: np.ndarray
    phases: np.ndarray
    lo: float
    hi: float

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        rel = np.ones_like(theta)
        for k, a, p in zip(self.ks, self.amps, self.phases):
            rel = rel + a * np.cos(k * theta + p)
        return np.clip(self.mean * rel, self.lo, self.hi)

    def polygon(self, *, n: int = 240, pad_m: float = 0.0) -> shapely.Polygon:
        theta = np.linspace(0.0, _TAU, n, endpoint=False)
        r = self(theta) + pad_m
        return shapely.Polygon(np.c_[r * np.cos(theta), r * np.sin(theta)])


def _radial(rng: np.random.Generator, mean: float, amp: float, lo: float, hi: float) -> _Radial:
    ks = np.arange(2, 6)
    amps = amp * rng.uniform(0.4, 1.0, ks.size) * 2.0 / ks
    phases = rng.uniform(0.0, _TAU, ks.size)
    return _Radial(mean, ks, amps, phases, lo, hi)


def _locate(points: np.ndarray, polys: Sequence[shapely.Geometry] | np.ndarray) -> np.ndarray:
    """Index of the polygon containing each point (nearest polygon when on no polygon)."""
    pts = shapely.points(points) if not isinstance(points[0], shapely.Geometry) else points
    tree = shapely.STRtree(np.asarray(polys, dtype=object))
    inp, idx = tree.query(pts, predicate="intersects")
    out = np.full(len(pts), -1, dtype=np.int64)
    # keep the first hit per point (ties only on shared boundaries)
    order = np.lexsort((idx, inp))
    inp, idx = inp[order], idx[order]
    first = np.r_[True, inp[1:] != inp[:-1]] if len(inp) else np.zeros(0, dtype=bool)
    out[inp[first]] = idx[first]
    missing = np.flatnonzero(out < 0)
    if missing.size:
        near_in, near_idx = tree.query_nearest(pts[missing], all_matches=False)
        out[missing[near_in]] = near_idx
    return out


def _voronoi_cells(seeds: np.ndarray, envelope: shapely.Geometry) -> list[shapely.Geometry]:
    """Voronoi cell of each seed (same order as `seeds`)."""
    if len(seeds) == 1:
        return [envelope]
    coll = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=envelope)
    cells = shapely.get_parts(coll)
    owner = _locate(seeds, cells)
    return [cells[i] for i in owner]


def _merge_fragments(polys: list[shapely.Geometry]) -> list[shapely.Geometry]:
    """Give each polygon only its largest part; smaller parts join the neighbour sharing most edge."""
    polys = list(polys)
    for i in range(len(polys)):
        parts = shapely.get_parts(polys[i])
        if len(parts) <= 1:
            continue
        order = np.argsort(-shapely.area(parts))
        polys[i] = parts[order[0]]
        for part in parts[order[1:]]:
            best, best_len = i, 0.0
            for j in range(len(polys)):
                if j == i:
                    continue
                shared = shapely.length(shapely.intersection(part.boundary, polys[j].boundary))
                if shared > best_len:
                    best, best_len = j, shared
            polys[best] = shapely.union(polys[best], part) if best != i else shapely.union(polys[i], part)
    return polys


def _partition(edges: list[shapely.Geometry], owners: list[shapely.Geometry],
               domain: shapely.Geometry) -> list[shapely.Geometry]:
    """Polygonize noded `edges` and give each face to the `owners` polygon holding it."""
    lines = shapely.get_parts(np.asarray(edges, dtype=object))
    noded = shapely.union_all(lines[~shapely.is_empty(lines)])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    rp = shapely.point_on_surface(faces)
    keep = shapely.contains(domain, rp)
    faces, rp = faces[keep], rp[keep]
    owner = _locate(rp, owners)
    return [shapely.coverage_union_all(faces[owner == i]) for i in range(len(owners))]


def _kmeans(points: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator,
            *, iters: int = 15) -> np.ndarray:
    """Weighted Lloyd iterations; returns k distinct centres that are data points' neighbours."""
    k = min(k, len(points))
    p = weights / weights.sum()
    centres = points[rng.choice(len(points), size=k, replace=False, p=p)].copy()
    for _ in range(iters):
        _, lab = cKDTree(centres).query(points)
        wsum = np.bincount(lab, weights=weights, minlength=k)
        ok = wsum > 0
        cx = np.bincount(lab, weights=weights * points[:, 0], minlength=k)
        cy = np.bincount(lab, weights=weights * points[:, 1], minlength=k)
        centres[ok, 0] = cx[ok] / wsum[ok]
        centres[ok, 1] = cy[ok] / wsum[ok]
    # snap each centre to its nearest data point so it sits where people live, then de-duplicate
    _, nearest = cKDTree(points).query(centres)
    snapped = np.unique(nearest)
    return points[snapped]


def _unique_name(name: str, used: set[str], fallback: str) -> str:
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


class _NamePool:
    """Street names, each handed out once per borough."""

    def __init__(self, rng: np.random.Generator, reserved: Sequence[str]) -> None:
        lng = [f"{s} {x}" for s in _STEMS for x in _LONG_SUFFIXES]
        short = [f"{s} {x}" for s in _STEMS for x in _SHORT_SUFFIXES]
        self._lists = {
            True: [lng[i] for i in rng.permutation(len(lng))],
            False: [short[i] for i in rng.permutation(len(short))],
        }
        self._pos = {True: 0, False: 0}
        self._main = [_MAIN_NAMES[i] for i in rng.permutation(len(_MAIN_NAMES))]
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


# --------------------------------------------------------------------------------------------
# One borough
# --------------------------------------------------------------------------------------------
@dataclass
class _Net:
    nodes: np.ndarray  # (n, 2) local metres
    a: np.ndarray  # segment start node
    b: np.ndarray  # segment end node
    name: list[str]
    kind: np.ndarray  # _KIND_*
    main: np.ndarray  # bool


def _town_grid(rng: np.random.Generator, town: _Radial, pool: _NamePool) -> _Net:
    half = town.hi + 300.0

    def line_positions() -> np.ndarray:
        gaps = rng.uniform(100.0, 150.0, size=int(2 * half / 100.0) + 4)
        pos = np.cumsum(gaps)
        pos -= pos[len(pos) // 2]
        return pos[np.abs(pos) <= half]

    u, v = line_positions(), line_positions()
    nu, nv = u.size, v.size
    uu, vv = np.meshgrid(u, v, indexing="ij")
    x = uu.ravel() + rng.uniform(-12.0, 12.0, uu.size)
    y = vv.ravel() + rng.uniform(-12.0, 12.0, uu.size)
    # smooth warp (gradient < 0.4, so the grid never folds) then rotate
    lam1, lam2 = rng.uniform(2000.0, 2800.0, 2)
    ph = rng.uniform(0.0, _TAU, 4)
    wx = 60.0 * np.sin(_TAU * y / lam1 + ph[0]) + 40.0 * np.sin(_TAU * (x + y) / (lam2 * 1.5) + ph[1])
    wy = 60.0 * np.sin(_TAU * x / lam2 + ph[2]) + 40.0 * np.sin(_TAU * (x - y) / (lam1 * 1.5) + ph[3])
    x, y = x + wx, y + wy
    ang = rng.uniform(-0.5, 0.5)
    c, s = math.cos(ang), math.sin(ang)
    all_nodes = np.c_[c * x - s * y, s * x + c * y]
    inside = np.hypot(*all_nodes.T) <= town(np.arctan2(all_nodes[:, 1], all_nodes[:, 0]))
    ii, jj = np.meshgrid(np.arange(nu), np.arange(nv), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    node_id = ii * nv + jj

    main_v = {int(np.argmin(np.abs(v - t))) for t in (0.0, -1400.0, 1400.0)}
    main_u = {int(np.argmin(np.abs(u - t))) for t in (0.0, -1400.0, 1400.0)}
    # edges along u (constant v = line j) and along v (constant u = line nv + i)
    hu = ii < nu - 1
    ea_u, eb_u = node_id[hu], node_id[hu] + nv
    line_u, pos_u = jj[hu], ii[hu]
    hv = jj < nv - 1
    ea_v, eb_v = node_id[hv], node_id[hv] + 1
    line_v, pos_v = nv + ii[hv], jj[hv]
    ea = np.r_[ea_u, ea_v]
    eb = np.r_[eb_u, eb_v]
    line = np.r_[line_u, line_v]
    pos = np.r_[pos_u, pos_v]
    is_main = np.isin(line, list(main_v) + [nv + i for i in main_u])
    keep = inside[ea] & inside[eb] & (is_main | (rng.random(ea.size) >= 0.06))
    ea, eb, line, pos, is_main = ea[keep], eb[keep], line[keep], pos[keep], is_main[keep]

    # keep the largest connected piece of the street grid
    n_all = nu * nv
    graph = coo_matrix((np.ones(ea.size), (ea, eb)), shape=(n_all, n_all))
    _, comp = connected_components(graph, directed=False)
    sizes = np.bincount(comp[ea], minlength=comp.max() + 1)
    big = comp[ea] == np.argmax(sizes)
    ea, eb, line, pos, is_main = ea[big], eb[big], line[big], pos[big], is_main[big]

    used = np.unique(np.r_[ea, eb])
    remap = np.full(n_all, -1, dtype=np.int64)
    remap[used] = np.arange(used.size)
    nodes = all_nodes[used]
    ea, eb = remap[ea], remap[eb]

    # streets: runs of consecutive edges along a line, cut into named pieces
    order = np.lexsort((pos, line))
    ea, eb, line, pos, is_main = ea[order], eb[order], line[order], pos[order], is_main[order]
    brk = np.r_[True, (line[1:] != line[:-1]) | (pos[1:] != pos[:-1] + 1)]
    starts = np.flatnonzero(brk)
    ends = np.r_[starts[1:], ea.size]
    names: list[str] = [""] * ea.size
    for s0, e0 in zip(starts, ends):
        main = bool(is_main[s0])
        k = s0
        while k < e0:
            length = int(rng.integers(8, 17) if main else rng.integers(4, 12))
            if e0 - (k + length) < 3:
                length = e0 - k
            nm = pool.take(main=main, long=length >= 7)
            for q in range(k, k + length):
                names[q] = nm
            k += length
    return _Net(nodes, ea, eb, names, np.full(ea.size, _KIND_TOWN), is_main)


def _village_grid(rng: np.random.Generator, centre: np.ndarray, pool: _NamePool,
                  node_offset: int) -> _Net:
    nx_, ny_ = (int(v) for v in rng.integers(3, 7, 2))
    sp = rng.uniform(90.0, 140.0)
    xs = (np.arange(nx_) - (nx_ - 1) / 2.0) * sp
    ys = (np.arange(ny_) - (ny_ - 1) / 2.0) * sp
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    x = gx.ravel() + rng.uniform(-10.0, 10.0, gx.size)
    y = gy.ravel() + rng.uniform(-10.0, 10.0, gy.size)
    ang = rng.uniform(0.0, math.pi)
    c, s = math.cos(ang), math.sin(ang)
    nodes = np.c_[c * x - s * y, s * x + c * y] + centre
    a: list[int] = []
    b: list[int] = []
    names: list[str] = []
    for j in range(ny_):  # lines of constant y
        nm = pool.take(long=nx_ >= 5)
        for i in range(nx_ - 1):
            a.append(i * ny_ + j)
            b.append((i + 1) * ny_ + j)
            names.append(nm)
    for i in range(nx_):
        nm = pool.take(long=ny_ >= 5)
        for j in range(ny_ - 1):
            a.append(i * ny_ + j)
            b.append(i * ny_ + j + 1)
            names.append(nm)
    n = len(a)
    return _Net(nodes, np.asarray(a) + node_offset, np.asarray(b) + node_offset, names,
                np.full(n, _KIND_VILLAGE), np.zeros(n, dtype=bool))


def _country_road(rng: np.random.Generator, nodes: np.ndarray, seg_a: np.ndarray,
                  seg_b: np.ndarray, town_nodes: np.ndarray, village_nodes: np.ndarray,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A gently curving road from the village's nearest node to a town node, in ~300 m pieces.

    Returns (new node coordinates, segment start ids, segment end ids) where ids >= len(nodes)
    refer to the new nodes. The road meets the network only at its two end nodes.
    """
    tree = shapely.STRtree(shapely.linestrings(np.stack([nodes[seg_a], nodes[seg_b]], axis=1)))
    v_end = village_nodes[np.argmin(np.hypot(*nodes[village_nodes].T))]
    d_town = np.hypot(*(nodes[town_nodes] - nodes[v_end]).T)
    candidates = town_nodes[np.argsort(d_town)[:12]]
    amp_rel = rng.uniform(-0.06, 0.06)
    wiggle = rng.uniform(-0.02, 0.02)
    for attempt, t_end in enumerate(np.r_[candidates, candidates]):
        p0, p1 = nodes[t_end], nodes[v_end]
        length = float(np.hypot(*(p1 - p0)))
        nseg = max(2, int(round(length / 300.0)))
        t = np.linspace(0.0, 1.0, nseg + 1)
        along = (p1 - p0) / length
        perp = np.array([-along[1], along[0]])
        amp = 0.0 if attempt >= len(candidates) else amp_rel * length
        off = amp * np.sin(math.pi * t) + wiggle * length * np.sin(2 * math.pi * t)
        pts = p0 + np.outer(t, p1 - p0) + np.outer(off, perp)
        pts[0], pts[-1] = p0, p1
        new = pts[1:-1]
        ids = np.r_[t_end, len(nodes) + np.arange(len(new)), v_end]
        lines = shapely.linestrings(np.stack([pts[:-1], pts[1:]], axis=1))
        inp, hit = tree.query(lines, predicate="intersects")
        ok = True
        for q, h in zip(inp, hit):
            shared = {int(seg_a[h]), int(seg_b[h])} & {int(ids[q]), int(ids[q + 1])}
            if not shared:
                ok = False
                break
            inter = shapely.intersection(lines[q], tree.geometries[h])
            if shapely.get_type_id(inter) != 0:  # must meet in one point only
                ok = False
                break
        if ok:
            return new, ids[:-1], ids[1:]
    raise RuntimeError("could not route a country road without crossings")  # pragma: no cover


def _build_borough(rng: np.random.Generator, *, copy: int,
                   offset: tuple[float, float]) -> dict[str, gpd.GeoDataFrame]:
    lad_name = DEMO_NAME if copy == 0 else f"{DEMO_NAME} {copy + 1}"
    lad_code = f"E069{copy:02d}001"
    sfx = "" if copy == 0 else f"-{copy + 1}"

    # ---- outlines -----------------------------------------------------------------------------
    borough_r = _radial(rng, 13_800.0, 0.07, 12_000.0, _BOROUGH_R_MAX_M)
    town_r = _radial(rng, 2_900.0, 0.10, 2_400.0, 3_300.0)
    borough = borough_r.polygon(n=360)
    town_area = town_r.polygon(n=240, pad_m=350.0)

    n_vil = int(rng.integers(4, 7))
    base = rng.uniform(0.0, _TAU)
    vil_theta = (base + _TAU * np.arange(n_vil) / n_vil
                 + rng.uniform(-0.2, 0.2, n_vil) * _TAU / n_vil) % _TAU
    vil_dist = np.minimum(rng.uniform(6_500.0, 10_500.0, n_vil), borough_r(vil_theta) - 2_500.0)
    vil_xy = np.c_[vil_dist * np.cos(vil_theta), vil_dist * np.sin(vil_theta)]
    vil_names = [_VILLAGE_NAMES[i] for i in rng.choice(len(_VILLAGE_NAMES), n_vil, replace=False)]
    pocket_village = int(rng.integers(n_vil))

    n_est = int(rng.integers(2, 4))
    est_theta = (rng.uniform(0.0, _TAU) + _TAU * np.arange(n_est) / n_est
                 + rng.uniform(-0.15, 0.15, n_est)) % _TAU
    est_r = rng.uniform(550.0, 700.0, n_est)
    est_dist = np.minimum(rng.uniform(1_500.0, 2_100.0, n_est), town_r(est_theta) - est_r - 150.0)
    est_xy = np.c_[est_dist * np.cos(est_theta), est_dist * np.sin(est_theta)]
    poor_estate = n_est - 1  # the estate with no bus and a corner nobody reaches

    # ---- roads --------------------------------------------------------------------------------
    pool = _NamePool(rng, reserved=[f"{v} Road" for v in vil_names])
    town = _town_grid(rng, town_r, pool)
    nets = [town]
    n_nodes = len(town.nodes)
    vil_node_ids: list[np.ndarray] = []
    for vc in vil_xy:
        net = _village_grid(rng, vc, pool, n_nodes)
        vil_node_ids.append(np.arange(n_nodes, n_nodes + len(net.nodes)))
        n_nodes += len(net.nodes)
        nets.append(net)
    nodes = np.concatenate([n.nodes for n in nets])
    seg_a = np.concatenate([n.a for n in nets])
    seg_b = np.concatenate([n.b for n in nets])
    names: list[str] = [nm for n in nets for nm in n.name]
    kind = np.concatenate([n.kind for n in nets])
    main = np.concatenate([n.main for n in nets])
    town_nodes = np.arange(len(town.nodes))
    for vi in range(n_vil):
        new, a_ids, b_ids = _country_road(rng, nodes, seg_a, seg_b, town_nodes, vil_node_ids[vi])
        nodes = np.concatenate([nodes, new]) if len(new) else nodes
        seg_a = np.r_[seg_a, a_ids]
        seg_b = np.r_[seg_b, b_ids]
        names.extend([f"{vil_names[vi]} Road"] * len(a_ids))
        kind = np.r_[kind, np.full(len(a_ids), _KIND_COUNTRY)]
        main = np.r_[main, np.ones(len(a_ids), dtype=bool)]
    n_seg = seg_a.size
    # about 3% of ordinary streets are unnamed footpaths
    ordinary = np.flatnonzero(~main)
    unnamed = rng.choice(ordinary, size=int(round(0.03 * n_seg)), replace=False)
    for q in unnamed:
        names[q] = ""
    named = np.array([bool(nm) for nm in names])
    p_a, p_b = nodes[seg_a], nodes[seg_b]
    mids = (p_a + p_b) / 2.0
    seg_len = np.hypot(*(p_b - p_a).T)

    # ---- wards --------------------------------------------------------------------------------
    n_ring = int(rng.integers(5, 7))
    ring_theta = rng.uniform(0.0, _TAU) + _TAU * np.arange(n_ring) / n_ring + rng.uniform(-0.2, 0.2, n_ring)
    ring_r = rng.uniform(1_600.0, 2_000.0, n_ring)
    useeds = np.r_[rng.uniform(-200.0, 200.0, (1, 2)),
                   np.c_[ring_r * np.cos(ring_theta), ring_r * np.sin(ring_theta)]]
    far = shapely.box(-40_000.0, -40_000.0, 40_000.0, 40_000.0)
    ucells = _voronoi_cells(useeds, far)
    town_band = shapely.buffer(town_area, 5.0)
    edges: list[shapely.Geometry] = [borough.exterior, town_area.exterior]
    edges += [shapely.intersection(c.exterior, town_band) for c in ucells]
    urban = [shapely.intersection(c, town_area) for c in ucells]
    urban = _merge_fragments(urban)
    # rural wards: sectors between groups of villages, with wavy shared edges
    n_rural = int(min(n_vil, rng.integers(3, 5)))
    vorder = np.argsort(vil_theta)
    cuts = np.sort(rng.choice(np.arange(1, n_vil), size=n_rural - 1, replace=False))
    start = int(rng.integers(n_vil))
    rolled = np.roll(vorder, -start)
    groups = np.split(rolled, cuts)
    bounds = []
    for g in range(n_rural):
        last = vil_theta[groups[g][-1]]
        first = vil_theta[groups[(g + 1) % n_rural][0]]
        gap = (first - last) % _TAU
        bounds.append(last + gap * rng.uniform(0.4, 0.6))
    radii = np.linspace(400.0, 40_000.0, 40)
    polylines = []
    for beta in bounds:
        wob = beta + 0.05 * np.sin(radii / rng.uniform(1_500.0, 3_000.0) + rng.uniform(0.0, _TAU))
        polylines.append(np.c_[radii * np.cos(wob), radii * np.sin(wob)])
    rest = shapely.difference(borough, town_area)
    rest_band = shapely.buffer(rest, 5.0)
    edges += [shapely.intersection(shapely.LineString(pl), rest_band) for pl in polylines]
    rural: list[shapely.Geometry] = []
    for g in range(n_rural):
        b0, b1 = bounds[(g - 1) % n_rural], bounds[g]  # group g lies between cut g-1 and cut g
        end = b1 if b1 > b0 else b1 + _TAU
        arc_t = np.linspace(b0, end, 60)[1:-1]
        ring = np.r_[
            [[0.0, 0.0]],
            polylines[(g - 1) % n_rural],
            np.c_[40_000.0 * np.cos(arc_t), 40_000.0 * np.sin(arc_t)],
            polylines[g][::-1],
        ]
        sector = shapely.make_valid(shapely.Polygon(ring))
        rural.append(shapely.intersection(sector, rest))
    rural = _merge_fragments(rural)
    ward_polys = urban + rural
    ward_urban = np.r_[np.ones(len(urban), bool), np.zeros(len(rural), bool)]
    ward_names: list[str] = []
    used_oct: set[tuple[int, int]] = set()
    for w, seed_xy in enumerate(useeds):
        if w == 0:
            ward_names.append(f"{lad_name} Central" if copy == 0 else "Town Centre")
            continue
        octant = int(round(math.atan2(seed_xy[1], seed_xy[0]) / (_TAU / 8))) % 8
        for k in (octant, (octant + 1) % 8, (octant - 1) % 8, (octant + 2) % 8, (octant - 2) % 8,
                  (octant + 3) % 8, (octant - 3) % 8, (octant + 4) % 8):
            choice = next((i for i in range(2) if (k, i) not in used_oct), None)
            if choice is not None:
                used_oct.add((k, choice))
                ward_names.append(_URBAN_WARD_NAMES[k][choice])
                break
    for g in range(n_rural):
        vs = sorted(groups[g], key=lambda i: -vil_dist[i])
        if len(vs) == 1:
            ward_names.append(f"{vil_names[vs[0]]} Wolds")
        else:
            ward_names.append(" and ".join([", ".join(vil_names[i] for i in vs[:-1]), vil_names[vs[-1]]]))
    # order wards north to south (as ONS numbers areas) and code them
    north = shapely.get_y(shapely.point_on_surface(np.asarray(ward_polys, dtype=object)))
    word = np.argsort(-north, kind="stable")
    ward_polys = [ward_polys[i] for i in word]
    ward_names = [ward_names[i] for i in word]
    ward_urban = ward_urban[word]
    n_w = len(ward_polys)
    ward_codes = [f"E059{copy:02d}{k + 1:03d}" for k in range(n_w)]
    seg_ward = _locate(mids, ward_polys)

    # ---- base household weights by zone -------------------------------------------------------
    d_centre = np.hypot(*mids.T)
    d_est = np.hypot(*(mids[:, None, :] - est_xy[None, :, :]).transpose(2, 0, 1))
    seg_est = np.where(d_est.min(axis=1) <= np.take(est_r, d_est.argmin(axis=1)),
                       d_est.argmin(axis=1), -1)
    seg_est[kind != _KIND_TOWN] = -1
    zone = np.full(n_seg, _ZONE_SUBURB)
    zone[(kind == _KIND_TOWN) & (d_centre < 800.0)] = _ZONE_CENTRE
    zone[seg_est >= 0] = _ZONE_ESTATE
    zone[seg_est == poor_estate] = _ZONE_ESTATE_C
    zone[kind == _KIND_VILLAGE] = _ZONE_VILLAGE
    zone[kind == _KIND_COUNTRY] = _ZONE_COUNTRY
    hh_base = np.select(
        [zone == _ZONE_CENTRE, (zone == _ZONE_ESTATE) | (zone == _ZONE_ESTATE_C),
         zone == _ZONE_SUBURB, zone == _ZONE_VILLAGE],
        [rng.uniform(2.0, 14.0, n_seg), rng.uniform(30.0, 60.0, n_seg),
         rng.uniform(8.0, 32.0, n_seg) * (1.1 - 0.3 * np.minimum(d_centre, 3_000.0) / 3_000.0),
         rng.uniform(4.0, 20.0, n_seg)],
        default=np.where(rng.random(n_seg) < 0.4, rng.uniform(1.0, 4.0, n_seg), 0.0),
    )
    hh_base[~named] = 0.0

    # ---- LSOAs --------------------------------------------------------------------------------
    vil_ward = _locate(vil_xy, ward_polys)
    n_rural_lsoa = n_vil
    target_total = int(rng.integers(58, 63))
    urban_idx = np.flatnonzero(ward_urban)
    hh_ward = np.bincount(seg_ward, weights=hh_base, minlength=n_w)
    share = hh_ward[urban_idx] / hh_ward[urban_idx].sum() * (target_total - n_rural_lsoa)
    k_w = np.maximum(3, np.floor(share).astype(int))
    rem = (target_total - n_rural_lsoa) - k_w.sum()
    if rem > 0:
        k_w[np.argsort(-(share - np.floor(share)))[:rem]] += 1
    k_urban = dict(zip(urban_idx.tolist(), k_w.tolist()))
    lsoa_polys: list[shapely.Geometry] = []
    lsoa_ward: list[int] = []
    for w in range(n_w):
        if ward_urban[w]:
            sel = (seg_ward == w) & (hh_base > 0)
            seeds = _kmeans(mids[sel], hh_base[sel], k_urban[w], rng)
        else:
            seeds = vil_xy[vil_ward == w]
            if len(seeds) == 0:  # pragma: no cover - every rural ward holds a village
                seeds = np.asarray(shapely.get_coordinates(shapely.point_on_surface(ward_polys[w])))
        env = shapely.buffer(shapely.envelope(ward_polys[w]), 1_000.0)
        vcells = _voronoi_cells(seeds, env)
        band = shapely.buffer(ward_polys[w], 5.0)
        edges += [shapely.intersection(c.exterior, band) for c in vcells]
        cells = [shapely.intersection(c, ward_polys[w]) for c in vcells]
        cells = [c for c in _merge_fragments(cells) if not c.is_empty and c.area > 1.0]
        cy = shapely.get_y(shapely.point_on_surface(np.asarray(cells, dtype=object)))
        for i in np.argsort(-cy, kind="stable"):
            lsoa_polys.append(cells[i])
            lsoa_ward.append(w)
    n_l = len(lsoa_polys)
    lsoa_ward_arr = np.asarray(lsoa_ward)
    # rebuild LSOAs from one noded set of boundary lines so that they (and the wards made of them)
    # form an exact coverage: neighbours share identical edges, no slivers, no gaps
    lsoa_polys = _partition(edges, lsoa_polys, borough)
    ward_polys = [shapely.coverage_union_all(np.asarray(lsoa_polys, dtype=object)[lsoa_ward_arr == w])
                  for w in range(n_w)]
    seg_ward = _locate(mids, ward_polys)
    lsoa_codes = [f"E019{copy:02d}{k + 1:03d}" for k in range(n_l)]
    letters = np.zeros(n_l, dtype=int)
    for w in range(n_w):
        idx = np.flatnonzero(lsoa_ward_arr == w)
        letters[idx] = np.arange(idx.size)
    lsoa_names = [f"{lad_name} {lsoa_ward[i] + 1:03d}{chr(ord('A') + letters[i])}" for i in range(n_l)]
    seg_lsoa = _locate(mids, lsoa_polys)

    # ---- households and population ------------------------------------------------------------
    target_pop = rng.uniform(1_250.0, 2_350.0, n_l)
    base_sum = np.bincount(seg_lsoa, weights=hh_base, minlength=n_l)
    factor = np.where(base_sum > 0, target_pop / 2.35 / np.maximum(base_sum, 1e-9), 0.0)
    cap = np.where(kind == _KIND_COUNTRY, 8.0, 60.0)
    households = np.minimum(np.round(hh_base * factor[seg_lsoa]), cap).astype(np.int64)
    hh_lsoa = np.bincount(seg_lsoa, weights=households, minlength=n_l)
    population = np.clip(np.round(hh_lsoa * rng.uniform(2.25, 2.45, n_l)), 1_000, 2_600).astype(np.int64)
    working_age = np.round(population * rng.uniform(0.55, 0.65, n_l)).astype(np.int64)

    # ---- deprivation --------------------------------------------------------------------------
    wsum = np.maximum(np.bincount(seg_lsoa, weights=hh_base, minlength=n_l), 1e-9)
    lx = np.bincount(seg_lsoa, weights=hh_base * mids[:, 0], minlength=n_l) / wsum
    ly = np.bincount(seg_lsoa, weights=hh_base * mids[:, 1], minlength=n_l) / wsum
    lsoa_pt = np.c_[lx, ly]
    no_hh = np.bincount(seg_lsoa, weights=hh_base, minlength=n_l) <= 0
    if no_hh.any():
        lsoa_pt[no_hh] = shapely.get_coordinates(
            shapely.point_on_surface(np.asarray(lsoa_polys, dtype=object)[no_hh]))
    lsoa_urban = ward_urban[lsoa_ward_arr]
    lsoa_estate = np.full(n_l, -1)
    for e in range(n_est):
        est_share = np.bincount(seg_lsoa, weights=hh_base * (seg_est == e), minlength=n_l) / wsum
        members = np.flatnonzero(est_share > 0.45)
        if members.size == 0:
            members = np.array([int(np.argmax(est_share))])
        lsoa_estate[members] = e
    pocket_rural = int(_locate(vil_xy[[pocket_village]], lsoa_polys)[0])
    c_members = np.flatnonzero(lsoa_estate == poor_estate)
    pocket_estate = int(c_members[np.argmax(np.hypot(*lsoa_pt[c_members].T))])
    d_lsoa = np.hypot(*lsoa_pt.T)
    decile = np.empty(n_l, dtype=np.int64)
    for i in range(n_l):
        if lsoa_estate[i] >= 0:
            decile[i] = 1 if (lsoa_estate[i] == poor_estate and rng.random() < 0.7) else rng.integers(1, 3)
        elif i == pocket_rural:
            decile[i] = rng.integers(2, 4)
        elif not lsoa_urban[i]:
            decile[i] = rng.integers(4, 10)
        elif d_lsoa[i] < 900.0:
            decile[i] = rng.integers(2, 6)
        else:
            decile[i] = int(np.clip(round(5 + 4 * d_lsoa[i] / 2_800.0 + rng.normal(0.0, 1.2)), 5, 9))
    lo = np.ceil((decile - 1) * IMD_LSOA_COUNT / 10.0).astype(np.int64) + 1
    hi = np.floor(decile * IMD_LSOA_COUNT / 10.0).astype(np.int64)
    rank = rng.integers(lo, hi + 1)
    for _ in range(20):  # ranks are unique in England
        dup = pd.Series(rank).duplicated().to_numpy()
        if not dup.any():
            break
        rank[dup] = rng.integers(lo[dup], hi[dup] + 1)
    rel = (rank - 1) / (IMD_LSOA_COUNT - 1)
    score = np.round(5.0 + 55.0 * (1.0 - rel) ** 2.2, 3)
    sigma = {"income": 0.6, "employment": 0.8, "education": 1.2, "health": 1.0, "crime": 1.6,
             "housing": 1.8, "environment": 1.8}
    domain_dec: dict[str, np.ndarray] = {}
    for d in DOMAINS:
        shift = np.zeros(n_l)
        if d == "housing":  # barriers to services are worst in the countryside
            shift = np.where(lsoa_urban, 1.0, -3.0)
        elif d in ("crime", "environment"):
            shift = np.where(lsoa_urban & (d_lsoa < 1_200.0), -1.0, np.where(lsoa_urban, 0.0, 1.0))
        noisy = decile + shift + rng.normal(0.0, sigma.get(d, 1.0), n_l)
        domain_dec[d] = np.clip(np.round(noisy), 1, 10).astype(np.int64)
    emp_rel = (domain_dec["employment"] - rng.uniform(0.0, 1.0, n_l)) / 10.0
    emp_score = np.round(np.clip(0.02 + 0.31 * (1.0 - emp_rel) ** 2.5 + rng.normal(0.0, 0.006, n_l),
                                 0.02, 0.35), 4)

    # ---- road attributes ----------------------------------------------------------------------
    estate_street = zone == _ZONE_ESTATE
    estate_street |= zone == _ZONE_ESTATE_C
    p_social = np.select([estate_street, kind == _KIND_TOWN, kind == _KIND_VILLAGE], [0.94, 0.15, 0.1], 0.0)
    social = (rng.random(n_seg) < p_social) & (households > 0)
    # a street is social housing or not as a whole: take the majority per (name, ward)
    key = pd.Series([f"{nm}|{w}" for nm, w in zip(names, seg_ward)])
    street_social = pd.Series(social).groupby(key).transform("mean").to_numpy() >= 0.5
    social = np.where(named, street_social, False) & (households > 0)

    # ---- venues -------------------------------------------------------------------------------
    excluded = np.zeros(n_seg, dtype=bool)
    for p in (pocket_rural, pocket_estate):
        excluded |= np.hypot(*(mids - lsoa_pt[p]).T) < 900.0
    excluded |= zone == _ZONE_ESTATE_C
    vil_of_seg = np.full(n_seg, -1)
    for vi in range(n_vil):
        vil_of_seg[np.isin(seg_a, vil_node_ids[vi]) & (kind == _KIND_VILLAGE)] = vi
    venue_rows: list[dict[str, object]] = []
    venue_pts: list[np.ndarray] = []
    used_names: set[str] = set()
    saints = [_SAINTS[i] for i in rng.permutation(len(_SAINTS))]

    def pick(weights: np.ndarray, min_gap: float) -> int:
        w = np.where(named & ~excluded, weights, 0.0)
        for _ in range(60):
            q = int(rng.choice(n_seg, p=w / w.sum()))
            if not venue_pts or np.min(np.hypot(*(np.asarray(venue_pts) - mids[q]).T)) >= min_gap:
                return q
        return q

    def on_segment(q: int, max_off: float) -> np.ndarray:
        t = rng.uniform(0.3, 0.7)
        d = p_b[q] - p_a[q]
        perp = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-9)
        return p_a[q] + t * d + perp * rng.uniform(4.0, max_off) * rng.choice([-1.0, 1.0])

    zone_w = {
        "library": {_ZONE_SUBURB: 1.0, _ZONE_ESTATE: 1.0},
        "community_centre": {_ZONE_ESTATE: 2.0, _ZONE_SUBURB: 1.0},
        "childrens_centre": {_ZONE_ESTATE: 3.0, _ZONE_SUBURB: 0.7, _ZONE_CENTRE: 0.5},
        "church_hall": {_ZONE_SUBURB: 1.0, _ZONE_CENTRE: 1.0, _ZONE_ESTATE: 0.4},
        "food_bank": {_ZONE_ESTATE: 2.0, _ZONE_SUBURB: 0.5, _ZONE_CENTRE: 0.5},
        "leisure_centre": {_ZONE_SUBURB: 1.0, _ZONE_CENTRE: 0.3},
        "supermarket_cafe": {_ZONE_SUBURB: 1.0},
        "school": {_ZONE_SUBURB: 2.0, _ZONE_ESTATE: 1.0},
        "gp_surgery": {_ZONE_CENTRE: 1.0, _ZONE_SUBURB: 1.0, _ZONE_ESTATE: 0.5},
    }
    village_kinds: list[tuple[int, str]] = []
    for vi in range(n_vil):
        if vi == pocket_village:
            continue
        nv_ = int(rng.choice([0, 1, 1, 2, 2]))
        first = str(rng.choice(["church_hall", "community_centre"]))
        other = "community_centre" if first == "church_hall" else "church_hall"
        village_kinds.extend([(vi, first), (vi, other)][:nv_])
    n_vch = sum(1 for _, k in village_kinds if k == "church_hall")
    n_vcc = sum(1 for _, k in village_kinds if k == "community_centre")
    town_counts = {
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
    town_len_ok = kind == _KIND_TOWN
    for vkind in VENUE_KINDS:
        for n in range(town_counts[vkind]):
            if n == 0 and vkind in ("library", "food_bank"):
                w = (zone == _ZONE_CENTRE) * 1.0
            elif vkind == "supermarket_cafe":
                w = ((zone == _ZONE_SUBURB) & main & (d_centre > 1_500.0)) * 1.0
            else:
                w = np.zeros(n_seg)
                for z, wt in zone_w[vkind].items():
                    w = w + wt * (zone == z)
            q = pick(w * town_len_ok, 250.0)
            area = ward_names[seg_ward[q]]
            road = names[q]
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
            nm = _unique_name(nm, used_names, alt)
            venue_rows.append({"kind": vkind, "name": nm, "address": f"{road}, {lad_name}", "seg": q})
            venue_pts.append(on_segment(q, 18.0))
    for vi, vkind in village_kinds:
        q = pick((vil_of_seg == vi) * 1.0, 60.0)
        nm = (f"{vil_names[vi]} Village Hall" if vkind == "community_centre"
              else f"St {saints.pop(0)}'s Church Hall, {vil_names[vi]}")
        nm = _unique_name(nm, used_names, f"{nm}, {names[q]}")
        venue_rows.append({"kind": vkind, "name": nm, "address": f"{names[q]}, {vil_names[vi]}",
                           "seg": q})
        venue_pts.append(on_segment(q, 18.0))
    n_ven = len(venue_rows)
    venue_xy = np.asarray(venue_pts)
    closed = np.zeros(n_ven, dtype=bool)
    closed[int(rng.integers(n_ven))] = True
    venues = pd.DataFrame({
        "venue_id": [f"V{i + 1:03d}{sfx}" for i in range(n_ven)],
        "name": [r["name"] for r in venue_rows],
        "kind": [r["kind"] for r in venue_rows],
        "address": [r["address"] for r in venue_rows],
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

    # ---- bus routes and stops -----------------------------------------------------------------
    penalty = np.ones(n_seg)
    penalty[np.hypot(*(mids - est_xy[poor_estate]).T) < est_r[poor_estate] + 450.0] = 40.0
    penalty[np.hypot(*(mids - lsoa_pt[pocket_rural]).T) < 1_500.0] = 40.0
    penalty[main] *= 0.7  # buses prefer main roads
    n_nodes = len(nodes)
    graph = coo_matrix((np.r_[seg_len * penalty, seg_len * penalty], (np.r_[seg_a, seg_b], np.r_[seg_b, seg_a])),
                       shape=(n_nodes, n_nodes)).tocsr()
    hub_node = int(np.argmin(np.hypot(*nodes[: len(town.nodes)].T)))
    _, pred = dijkstra(graph, directed=False, indices=hub_node, return_predecessors=True)
    served = [e for e in range(n_est) if e != poor_estate]
    other_v = [v for v in np.argsort(-vil_dist) if v != pocket_village]
    targets: list[tuple[str, int, str]] = []
    for e in served:  # through the estate to its far side
        cand = np.flatnonzero(np.hypot(*(nodes[: len(town.nodes)] - est_xy[e]).T) < est_r[e])
        far_node = int(cand[np.argmax(np.hypot(*nodes[cand].T))])
        targets.append(("estate", far_node, ward_names[_locate(est_xy[[e]], ward_polys)[0]]))
    if len(served) < 2:  # a suburban route away from the unserved estate
        ang = math.atan2(est_xy[poor_estate][1], est_xy[poor_estate][0]) + math.pi * rng.choice([0.6, -0.6])
        goal = np.array([math.cos(ang), math.sin(ang)]) * 2_400.0
        node = int(np.argmin(np.hypot(*(nodes[: len(town.nodes)] - goal).T)))
        targets.append(("suburb", node, ward_names[_locate(nodes[[node]], ward_polys)[0]]))
    for v in other_v[:2]:
        vn = vil_node_ids[v]
        node = int(vn[np.argmin(np.hypot(*(nodes[vn] - vil_xy[v]).T))])
        targets.append(("village", node, vil_names[v]))
    route_ids = ["1", "2", "X5", "7"]
    route_freq = [4.0, 2.0, 1.0, 0.5]
    route_speed = [18.0, float(np.round(rng.uniform(18.0, 21.0), 1)),
                   float(np.round(rng.uniform(23.0, 25.0), 1)), float(np.round(rng.uniform(20.0, 23.0), 1))]
    named_idx = np.flatnonzero(named)
    named_tree = shapely.STRtree(shapely.linestrings(np.stack([p_a[named_idx], p_b[named_idx]], axis=1)))
    stop_xy: list[np.ndarray] = []
    stop_name: list[str] = []
    stop_routes: list[list[str]] = []
    green_done: set[int] = set()
    route_rows: list[dict[str, object]] = []
    route_geoms: list[shapely.LineString] = []
    for r, (_, node, dest) in enumerate(targets[:4]):
        path = [node]
        while path[-1] != hub_node:
            path.append(int(pred[path[-1]]))
        path = path[::-1]
        line = shapely.LineString(nodes[path])
        rid = f"{route_ids[r]}{sfx}"
        route_rows.append({"route_id": rid, "name": f"{route_ids[r]} {lad_name} Bus Station - {dest}",
                           "trips_per_hour": route_freq[r], "speed_kmh": route_speed[r]})
        route_geoms.append(line)
        gaps = rng.uniform(350.0, 450.0, int(line.length / 350.0) + 2)
        dists = np.r_[0.0, np.cumsum(gaps)]
        dists = dists[dists < line.length - 150.0]
        dists = np.r_[dists, line.length]
        pts = shapely.get_coordinates(shapely.line_interpolate_point(line, dists))
        near = named_tree.query_nearest(shapely.points(pts), all_matches=False)[1]
        for k, xy in enumerate(pts):
            if stop_xy:
                dist = np.hypot(*(np.asarray(stop_xy) - xy).T)
                j = int(np.argmin(dist))
                if dist[j] < 80.0:
                    if rid not in stop_routes[j]:
                        stop_routes[j].append(rid)
                    continue
            nm = names[named_idx[near[k]]]
            if k == 0:
                nm = f"{lad_name} Bus Station"
            vd = np.hypot(*(vil_xy - xy).T)
            vi = int(np.argmin(vd))
            if vd[vi] < 300.0 and vi not in green_done:
                green_done.add(vi)
                nm = f"{vil_names[vi]} Green"
            stop_xy.append(xy)
            stop_name.append(nm)
            stop_routes.append([rid])
    bus_routes = pd.DataFrame(route_rows)
    bus_stops = pd.DataFrame({
        "stop_id": [f"S{i + 1:03d}{sfx}" for i in range(len(stop_xy))],
        "name": stop_name,
        "route_ids": [",".join(r) for r in stop_routes],
    })

    # ---- partner sites ------------------------------------------------------------------------
    partner_plan = [
        ("jobcentre_plus", f"{lad_name} Jobcentre Plus", (zone == _ZONE_CENTRE) & (d_centre < 450.0), True, True),
        ("housing_association", f"{lad_name} Homes", zone == _ZONE_ESTATE, True, None),
        ("housing_association", "Fosseway Housing Trust", zone == _ZONE_CENTRE, True, None),
        ("citizens_advice", f"Citizens Advice {lad_name}", zone == _ZONE_CENTRE, True, None),
        ("college", f"{lad_name} College", zone == _ZONE_SUBURB, True, None),
        ("health", f"{lad_name} Wellbeing Hub", zone == _ZONE_CENTRE, True, None),
        ("health", "Talking Therapies (NHS)", zone == _ZONE_SUBURB, None, None),
        ("voluntary_sector", f"{lad_name} Council for Voluntary Service", zone == _ZONE_CENTRE, True, None),
        ("voluntary_sector", "Open Door Youth Project", zone == _ZONE_ESTATE, None, None),
        ("voluntary_sector", "Rural Community Action", kind == _KIND_VILLAGE, None, None),
        ("childcare_provider", "Little Acorns Nursery", zone == _ZONE_SUBURB, None, None),
        ("childcare_provider", "Rainbow Day Nursery", zone == _ZONE_ESTATE, None, None),
        ("esol_provider", f"{lad_name} Adult Learning (ESOL)", zone == _ZONE_CENTRE, True, None),
        ("employer", "Greengate Distribution Centre", (zone == _ZONE_SUBURB) & (d_centre > 2_000.0), False, None),
        ("employer", f"{lad_name} Foods Ltd", (zone == _ZONE_SUBURB) & (d_centre > 1_500.0), None, None),
    ]
    partner_rows = []
    partner_pts = []
    for i, (pkind, pname, mask, refers, co_loc) in enumerate(partner_plan):
        q = pick(mask * 1.0, 150.0)
        partner_pts.append(on_segment(q, 18.0))
        partner_rows.append({
            "partner_id": f"PT{i + 1:02d}{sfx}",
            "name": pname,
            "kind": pkind,
            "refers": bool(rng.random() < 0.6) if refers is None else refers,
            "co_location": bool(rng.random() < 0.3) if co_loc is None else co_loc,
        })
    partners = pd.DataFrame(partner_rows)

    # ---- participants -------------------------------------------------------------------------
    open_xy = venue_xy[~closed]
    d_venue, _ = cKDTree(open_xy).query(mids)
    seg_dec = decile[seg_lsoa]
    propensity = (0.04 + np.exp(-d_venue / 800.0)) * ((11 - seg_dec) / 10.0) ** 1.5
    propensity[np.isin(seg_lsoa, [pocket_rural, pocket_estate])] *= 0.01
    w = households * propensity
    n_par = int(rng.integers(1_450, 1_551))
    n_field = int(round(0.01 * n_par))
    n_road = n_par - n_field
    q = rng.choice(n_seg, size=n_road, p=w / w.sum())
    t = rng.uniform(0.1, 0.9, n_road)
    d = p_b[q] - p_a[q]
    perp = np.c_[-d[:, 1], d[:, 0]] / np.maximum(seg_len[q], 1e-9)[:, None]
    off = rng.uniform(3.0, 20.0, n_road) * rng.choice([-1.0, 1.0], n_road)
    road_xy = p_a[q] + t[:, None] * d + perp * off[:, None]
    # ~1% live 200-400 m from any road (farms, boats, caravans): exercises "unmatched" reporting
    all_lines = shapely.linestrings(np.stack([p_a, p_b], axis=1))
    road_tree = shapely.STRtree(all_lines)
    avoid = shapely.union_all([lsoa_polys[pocket_rural], lsoa_polys[pocket_estate]])
    field_xy = np.empty((0, 2))
    while len(field_xy) < n_field:
        cand = rng.uniform(-_BOROUGH_R_MAX_M, _BOROUGH_R_MAX_M, (400, 2))
        pts = shapely.points(cand)
        ok = shapely.contains_xy(borough, cand[:, 0], cand[:, 1]) & ~shapely.contains_xy(avoid, cand[:, 0], cand[:, 1])
        _, dist = road_tree.query_nearest(pts, return_distance=True, all_matches=False)
        ok &= (dist >= 210.0) & (dist <= 390.0)
        field_xy = np.r_[field_xy, cand[ok]]
    field_xy = field_xy[:n_field]
    par_xy = np.r_[road_xy, field_xy]
    par_ward = np.r_[seg_ward[q], _locate(field_xy, ward_polys) if n_field else np.zeros(0, int)]

    days = (ENROL_TO - ENROL_FROM).days + 1
    day = np.arange(days)
    dates = pd.to_datetime(ENROL_FROM) + pd.to_timedelta(day, unit="D")
    season = np.where(dates.month == 8, 0.6, 1.0) * np.where((dates.month == 12) & (dates.day > 18), 0.3, 1.0)
    season = season * np.where(dates.day_of_week >= 5, 0.15, 1.0) * (0.6 + 0.4 * np.minimum(day / 180.0, 1.0))
    enrol_day = np.sort(rng.choice(days, size=n_par, p=season / season.sum()))
    base_cohort = np.array([0.30, 0.30, 0.25, 0.15])
    base_ref = np.array([0.37, 0.27, 0.16, 0.13, 0.07])
    cohort_p = rng.dirichlet(base_cohort * 60.0, size=n_w)
    ref_p = rng.dirichlet(base_ref * 60.0, size=n_w)
    u1 = rng.random(n_par)
    u2 = rng.random(n_par)
    cohort_i = (u1[:, None] > np.cumsum(cohort_p[par_ward], axis=1)).sum(axis=1).clip(0, 3)
    ref_i = (u2[:, None] > np.cumsum(ref_p[par_ward], axis=1)).sum(axis=1).clip(0, 4)
    employed = cohort_i == 3
    embedded = rng.random(n_par) < np.where(employed, 0.88, 0.72)
    p_job = np.where(employed, 0.15, np.where(embedded, 0.52, 0.16))
    job_gap = np.round(rng.gamma(3.0, 45.0, n_par)).astype(int) + 14
    job_day = enrol_day + job_gap
    has_job = (rng.random(n_par) < p_job) & (job_day < days)
    matured = job_day + 91 <= days - 1
    sustained = has_job & matured & (rng.random(n_par) < 0.72)
    age = (days - 1) - enrol_day
    status = np.where(embedded, "embedded", "engaged").astype(object)
    finished = embedded & ((has_job & matured) | (age > 330))
    status[finished] = np.where(rng.random(finished.sum()) < 0.85, "completed", "withdrawn")
    drop = ~embedded & (age > 120) & (rng.random(n_par) < 0.7)
    status[drop] = "withdrawn"
    pid = rng.choice(16**10, size=n_par, replace=False)
    perm = rng.permutation(n_par)  # do not let id order follow location or date
    participants = pd.DataFrame({
        "participant_id": [f"p{v:010x}" for v in pid],
        "enrolled_on": dates[enrol_day],
        "cohort": [COHORTS[i] for i in cohort_i],
        "status": status.astype(str),
        "referral_source": [REFERRAL_SOURCES[i] for i in ref_i],
        "embedded": embedded,
        "job_start_on": pd.Series(dates[np.minimum(job_day, days - 1)]).where(has_job).to_numpy(),
        "sustained_13w": sustained,
    }).iloc[perm].reset_index(drop=True)
    par_xy = par_xy[perm]

    # ---- frames -------------------------------------------------------------------------------
    ox, oy = offset

    def shift(geoms: np.ndarray | list) -> np.ndarray:
        return shapely.transform(np.asarray(geoms, dtype=object), lambda c: c + (ox, oy))

    def frame(df: pd.DataFrame, geoms: np.ndarray) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(shift(geoms), crs=CRS), crs=CRS)

    wards = pd.DataFrame({
        "ward_code": ward_codes, "ward_name": ward_names, "lad_code": lad_code,
        "lad_name": lad_name, "boundary_year": 2023,
    })
    lsoas = pd.DataFrame({
        "lsoa_code": lsoa_codes, "population": population, "lsoa_name": lsoa_names,
        "ward_code": [ward_codes[w] for w in lsoa_ward], "working_age": working_age,
        "imd_rank": rank, "imd_decile": decile, "imd_score": score,
        **{f"{d}_decile": domain_dec[d] for d in DOMAINS},
        "employment_score": emp_score, "imd_edition": 2019,
    })
    roads = pd.DataFrame({
        "road_id": [f"R{i + 1:06d}{sfx}" for i in range(n_seg)],
        "name": names,
        "ward_code": [ward_codes[w] for w in seg_ward],
        "households": households,
        "social_housing": social,
    })
    return {
        "wards": frame(wards, ward_polys),
        "lsoas": frame(lsoas, lsoa_polys),
        "roads": frame(roads, all_lines),
        "venues": frame(venues, shapely.points(venue_xy)),
        "bus_stops": frame(bus_stops, shapely.points(np.asarray(stop_xy))),
        "bus_routes": frame(bus_routes, route_geoms),
        "partners": frame(partners, shapely.points(np.asarray(partner_pts))),
        "participants": frame(participants, shapely.points(par_xy)),
    }


def _dedupe_participant_ids(frame: gpd.GeoDataFrame, *, seed: int) -> gpd.GeoDataFrame:
    """Copies draw ids independently; redraw the (rare) clashes deterministically."""
    ids = frame["participant_id"].astype(str).tolist()
    dup = pd.Series(ids).duplicated().to_numpy()
    if not dup.any():
        return frame
    rng = np.random.default_rng([seed, 999_983])
    seen = set(ids)
    for i in np.flatnonzero(dup):
        while True:
            cand = f"p{int(rng.integers(16**10)):010x}"
            if cand not in seen:
                seen.add(cand)
                ids[i] = cand
                break
    out = frame.copy()
    out["participant_id"] = ids
    return out


if __name__ == "__main__":  # pragma: no cover - python -m runs __main__.py
    raise SystemExit(main())
