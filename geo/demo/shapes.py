"""Geometry helpers for the demo borough: smooth radial outlines, Voronoi cells, exact partitions.

Everything works in local metres around the borough's centre (0, 0); `geo.demo.borough` shifts the
finished layers to British National Grid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

TAU = 2.0 * math.pi


@dataclass(frozen=True)
class Radial:
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
        theta = np.linspace(0.0, TAU, n, endpoint=False)
        r = self(theta) + pad_m
        return shapely.Polygon(np.c_[r * np.cos(theta), r * np.sin(theta)])


def radial(rng: np.random.Generator, mean: float, amp: float, lo: float, hi: float) -> Radial:
    """A random outline of mean radius `mean`, wobbling by about `amp` of it, clipped to [lo, hi]."""
    ks = np.arange(2, 6)
    amps = amp * rng.uniform(0.4, 1.0, ks.size) * 2.0 / ks
    phases = rng.uniform(0.0, TAU, ks.size)
    return Radial(mean, ks, amps, phases, lo, hi)


def locate(points: np.ndarray, polys: Sequence[BaseGeometry] | np.ndarray) -> np.ndarray:
    """Index of the polygon containing each point (nearest polygon when on no polygon)."""
    pts: np.ndarray = points if isinstance(points[0], shapely.Geometry) else cast(np.ndarray, shapely.points(points))
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


def voronoi_cells(seeds: np.ndarray, envelope: shapely.Polygon) -> list[shapely.Polygon]:
    """Voronoi cell of each seed (same order as `seeds`)."""
    if len(seeds) == 1:
        return [envelope]
    coll = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=envelope)
    cells = shapely.get_parts(coll)
    owner = locate(seeds, cells)
    return [cells[i] for i in owner]


def merge_fragments(polys: list[BaseGeometry]) -> list[BaseGeometry]:
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


def partition(edges: list[BaseGeometry], owners: list[BaseGeometry],
              domain: BaseGeometry) -> list[BaseGeometry]:
    """Polygonize noded `edges` and give each face to the `owners` polygon holding it."""
    lines = shapely.get_parts(np.asarray(edges, dtype=object))
    noded = shapely.union_all(lines[~shapely.is_empty(lines)])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    rp = shapely.point_on_surface(faces)
    keep = shapely.contains(domain, rp)
    faces, rp = faces[keep], rp[keep]
    owner = locate(rp, owners)
    return [shapely.coverage_union_all(faces[owner == i]) for i in range(len(owners))]


def segment_lines(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """One two-point LineString per row of `starts` (n, 2) and `ends` (n, 2)."""
    return cast(np.ndarray, shapely.linestrings(np.stack([starts, ends], axis=1)))


def kmeans(points: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator,
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
