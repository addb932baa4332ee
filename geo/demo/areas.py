"""The demo borough's wards and LSOAs: an exact coverage of the borough outline.

Urban wards are Voronoi cells around the town centre, rural wards are sectors between groups of
villages; LSOAs are Voronoi cells around household clusters (urban) or villages (rural). All their
edges are noded once and polygonized (`shapes.partition`), so neighbours share identical edges and
the LSOAs nest exactly in the wards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.demo.layout import BoroughCopy, Layout
from geo.demo.names import URBAN_WARD_NAMES
from geo.demo.shapes import TAU, kmeans, locate, merge_fragments, partition, voronoi_cells
from geo.demo.streets import Streets, Zones

_FAR_M = 40_000.0  # beyond any borough edge: Voronoi cells and rural sectors are cut back to the outline


@dataclass(frozen=True)
class DraftWards:
    """Wards before the LSOAs are cut: ordered north to south, with every boundary line drawn so far."""

    polys: list[BaseGeometry]
    names: list[str]
    urban: np.ndarray  # bool per ward
    edges: list[BaseGeometry]  # the lines the final coverage is noded from
    seg_ward: np.ndarray  # ward of each road segment


@dataclass(frozen=True)
class Areas:
    """Final wards and LSOAs (an exact coverage) and which of them each road segment lies in."""

    ward_polys: list[BaseGeometry]
    ward_names: list[str]
    ward_codes: list[str]
    ward_urban: np.ndarray
    seg_ward: np.ndarray
    lsoa_polys: list[BaseGeometry]
    lsoa_ward: np.ndarray  # ward index of each LSOA
    lsoa_codes: list[str]
    lsoa_names: list[str]
    seg_lsoa: np.ndarray

    @property
    def n_w(self) -> int:
        return len(self.ward_polys)

    @property
    def n_l(self) -> int:
        return len(self.lsoa_polys)


# ---- wards --------------------------------------------------------------------------------------
def _urban_cells(rng: np.random.Generator, layout: Layout
                 ) -> tuple[np.ndarray, list[BaseGeometry], list[BaseGeometry]]:
    """A central ward and a ring of five or six around it: (seeds, ward polygons, their edges)."""
    n_ring = int(rng.integers(5, 7))
    ring_theta = rng.uniform(0.0, TAU) + TAU * np.arange(n_ring) / n_ring + rng.uniform(-0.2, 0.2, n_ring)
    ring_r = rng.uniform(1_600.0, 2_000.0, n_ring)
    useeds = np.r_[rng.uniform(-200.0, 200.0, (1, 2)),
                   np.c_[ring_r * np.cos(ring_theta), ring_r * np.sin(ring_theta)]]
    far = shapely.box(-_FAR_M, -_FAR_M, _FAR_M, _FAR_M)
    ucells = voronoi_cells(useeds, far)
    town_band = shapely.buffer(layout.town_area, 5.0)
    edges: list[BaseGeometry] = [layout.borough.exterior, layout.town_area.exterior]
    edges += [shapely.intersection(c.exterior, town_band) for c in ucells]
    urban = [shapely.intersection(c, layout.town_area) for c in ucells]
    return useeds, merge_fragments(urban), edges


def _rural_sectors(rng: np.random.Generator, layout: Layout
                   ) -> tuple[list[np.ndarray], list[BaseGeometry], list[BaseGeometry]]:
    """Three or four sectors between groups of villages, with wavy shared edges: (groups, polygons, edges)."""
    n_vil, vil_theta = layout.n_vil, layout.vil_theta
    n_rural = min(n_vil, int(rng.integers(3, 5)))
    vorder = np.argsort(vil_theta)
    cuts = np.sort(rng.choice(np.arange(1, n_vil), size=n_rural - 1, replace=False))
    start = int(rng.integers(n_vil))
    rolled = np.roll(vorder, -start)
    groups = np.split(rolled, cuts)
    bounds = []
    for g in range(n_rural):
        last = vil_theta[groups[g][-1]]
        first = vil_theta[groups[(g + 1) % n_rural][0]]
        gap = (first - last) % TAU
        bounds.append(last + gap * rng.uniform(0.4, 0.6))
    radii = np.linspace(400.0, _FAR_M, 40)
    polylines = []
    for beta in bounds:
        wob = beta + 0.05 * np.sin(radii / rng.uniform(1_500.0, 3_000.0) + rng.uniform(0.0, TAU))
        polylines.append(np.c_[radii * np.cos(wob), radii * np.sin(wob)])
    rest = shapely.difference(layout.borough, layout.town_area)
    rest_band = shapely.buffer(rest, 5.0)
    edges = [shapely.intersection(shapely.LineString(pl), rest_band) for pl in polylines]
    rural: list[BaseGeometry] = []
    for g in range(n_rural):
        b0, b1 = bounds[(g - 1) % n_rural], bounds[g]  # group g lies between cut g-1 and cut g
        end = b1 if b1 > b0 else b1 + TAU
        arc_t = np.linspace(b0, end, 60)[1:-1]
        ring = np.r_[
            [[0.0, 0.0]],
            polylines[(g - 1) % n_rural],
            np.c_[_FAR_M * np.cos(arc_t), _FAR_M * np.sin(arc_t)],
            polylines[g][::-1],
        ]
        sector = shapely.make_valid(shapely.Polygon(ring))
        rural.append(shapely.intersection(sector, rest))
    return groups, merge_fragments(rural), edges


def _ward_names(copy: BoroughCopy, layout: Layout, useeds: np.ndarray, groups: list[np.ndarray]) -> list[str]:
    """Urban wards by compass point ("Northgate", "Riverside"...), rural wards after their villages."""
    names: list[str] = []
    used_oct: set[tuple[int, int]] = set()
    for w, seed_xy in enumerate(useeds):
        if w == 0:
            names.append(f"{copy.lad_name} Central" if copy.index == 0 else "Town Centre")
            continue
        octant = round(math.atan2(seed_xy[1], seed_xy[0]) / (TAU / 8)) % 8
        for k in (octant, (octant + 1) % 8, (octant - 1) % 8, (octant + 2) % 8, (octant - 2) % 8,
                  (octant + 3) % 8, (octant - 3) % 8, (octant + 4) % 8):
            choice = next((i for i in range(2) if (k, i) not in used_oct), None)
            if choice is not None:
                used_oct.add((k, choice))
                names.append(URBAN_WARD_NAMES[k][choice])
                break
    vil_names = layout.vil_names
    for group in groups:
        vs = sorted(group, key=lambda i: -layout.vil_dist[i])
        if len(vs) == 1:
            names.append(f"{vil_names[vs[0]]} Wolds")
        else:
            names.append(" and ".join([", ".join(vil_names[i] for i in vs[:-1]), vil_names[vs[-1]]]))
    return names


def draw_wards(rng: np.random.Generator, copy: BoroughCopy, layout: Layout, streets: Streets) -> DraftWards:
    """Urban and rural wards, named, ordered north to south (as ONS numbers areas)."""
    useeds, urban, edges = _urban_cells(rng, layout)
    groups, rural, rural_edges = _rural_sectors(rng, layout)
    polys = urban + rural
    urban_flag = np.r_[np.ones(len(urban), bool), np.zeros(len(rural), bool)]
    names = _ward_names(copy, layout, useeds, groups)
    north = shapely.get_y(shapely.point_on_surface(np.asarray(polys, dtype=object)))
    order = np.argsort(-north, kind="stable")
    polys = [polys[i] for i in order]
    return DraftWards(polys=polys, names=[names[i] for i in order], urban=urban_flag[order],
                      edges=edges + rural_edges, seg_ward=locate(streets.mids, polys))


# ---- LSOAs --------------------------------------------------------------------------------------
def _lsoas_per_urban_ward(rng: np.random.Generator, layout: Layout, wards: DraftWards,
                          zones: Zones) -> dict[int, int]:
    """About 60 LSOAs in all: one per village, the rest shared by urban wards by households (>= 3 each)."""
    n_rural_lsoa = layout.n_vil
    target_total = int(rng.integers(58, 63))
    urban_idx = np.flatnonzero(wards.urban)
    hh_ward = np.bincount(wards.seg_ward, weights=zones.hh_base, minlength=len(wards.polys))
    share = hh_ward[urban_idx] / hh_ward[urban_idx].sum() * (target_total - n_rural_lsoa)
    k_w = np.maximum(3, np.floor(share).astype(int))
    rem = (target_total - n_rural_lsoa) - k_w.sum()
    if rem > 0:
        k_w[np.argsort(-(share - np.floor(share)))[:rem]] += 1
    return dict(zip(urban_idx.tolist(), k_w.tolist()))


def _lsoa_cells(rng: np.random.Generator, layout: Layout, streets: Streets, wards: DraftWards,
                zones: Zones) -> tuple[list[BaseGeometry], list[int], list[BaseGeometry]]:
    """Draft LSOA cells, each ward's north to south: (cells, ward of each, the cells' edges)."""
    mids, hh_base = streets.mids, zones.hh_base
    vil_ward = locate(layout.vil_xy, wards.polys)
    k_urban = _lsoas_per_urban_ward(rng, layout, wards, zones)
    polys: list[BaseGeometry] = []
    ward_of: list[int] = []
    edges: list[BaseGeometry] = []
    for w, ward in enumerate(wards.polys):
        if wards.urban[w]:
            sel = (wards.seg_ward == w) & (hh_base > 0)
            seeds = kmeans(mids[sel], hh_base[sel], k_urban[w], rng)
        else:
            seeds = layout.vil_xy[vil_ward == w]
            if len(seeds) == 0:  # pragma: no cover - every rural ward holds a village
                seeds = np.asarray(shapely.get_coordinates(shapely.point_on_surface(ward)))
        env = shapely.buffer(shapely.envelope(ward), 1_000.0)
        vcells = voronoi_cells(seeds, env)
        band = shapely.buffer(ward, 5.0)
        edges += [shapely.intersection(c.exterior, band) for c in vcells]
        cells = [shapely.intersection(c, ward) for c in vcells]
        cells = [c for c in merge_fragments(cells) if not c.is_empty and c.area > 1.0]
        cy = shapely.get_y(shapely.point_on_surface(np.asarray(cells, dtype=object)))
        for i in np.argsort(-cy, kind="stable"):
            polys.append(cells[i])
            ward_of.append(w)
    return polys, ward_of, edges


def draw_lsoas(rng: np.random.Generator, copy: BoroughCopy, layout: Layout, streets: Streets,
               wards: DraftWards, zones: Zones) -> Areas:
    """Cut the wards into LSOAs, then rebuild both from one noded set of lines, coded and named."""
    cells, lsoa_ward, lsoa_edges = _lsoa_cells(rng, layout, streets, wards, zones)
    n_w, n_l = len(wards.polys), len(cells)
    lsoa_ward_arr = np.asarray(lsoa_ward)
    # rebuild LSOAs from one noded set of boundary lines so that they (and the wards made of them)
    # form an exact coverage: neighbours share identical edges, no slivers, no gaps
    lsoa_polys = partition(wards.edges + lsoa_edges, cells, layout.borough)
    ward_polys = [shapely.coverage_union_all(np.asarray(lsoa_polys, dtype=object)[lsoa_ward_arr == w])
                  for w in range(n_w)]
    letters = np.zeros(n_l, dtype=int)
    for w in range(n_w):
        idx = np.flatnonzero(lsoa_ward_arr == w)
        letters[idx] = np.arange(idx.size)
    return Areas(
        ward_polys=ward_polys,
        ward_names=wards.names,
        ward_codes=[f"E059{copy.index:02d}{k + 1:03d}" for k in range(n_w)],
        ward_urban=wards.urban,
        seg_ward=locate(streets.mids, ward_polys),
        lsoa_polys=lsoa_polys,
        lsoa_ward=lsoa_ward_arr,
        lsoa_codes=[f"E019{copy.index:02d}{k + 1:03d}" for k in range(n_l)],
        lsoa_names=[f"{copy.lad_name} {lsoa_ward[i] + 1:03d}{chr(ord('A') + letters[i])}" for i in range(n_l)],
        seg_lsoa=locate(streets.mids, lsoa_polys),
    )
