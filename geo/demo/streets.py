"""The demo borough's road network: a warped town grid, village grids, country roads between them.

Segments meet only at shared end points (no crossings), so the network is noded as `geo.analyse`
expects. `build_streets` returns every segment with its name, its kind (town, village, country) and
whether it is a main road; about 3% of ordinary streets are unnamed footpaths. `street_zones` says
what kind of neighbourhood each segment is in and how many households it has before scaling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from geo.demo.layout import Layout
from geo.demo.names import NamePool
from geo.demo.shapes import TAU, Radial, segment_lines

KIND_TOWN, KIND_VILLAGE, KIND_COUNTRY = range(3)
ZONE_CENTRE, ZONE_ESTATE, ZONE_ESTATE_C, ZONE_SUBURB, ZONE_VILLAGE, ZONE_COUNTRY = range(6)


@dataclass(frozen=True)
class Net:
    nodes: np.ndarray  # (n, 2) local metres
    a: np.ndarray  # segment start node
    b: np.ndarray  # segment end node
    name: list[str]
    kind: np.ndarray  # KIND_*
    main: np.ndarray  # bool


def town_grid(rng: np.random.Generator, town: Radial, pool: NamePool) -> Net:
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
    ph = rng.uniform(0.0, TAU, 4)
    wx = 60.0 * np.sin(TAU * y / lam1 + ph[0]) + 40.0 * np.sin(TAU * (x + y) / (lam2 * 1.5) + ph[1])
    wy = 60.0 * np.sin(TAU * x / lam2 + ph[2]) + 40.0 * np.sin(TAU * (x - y) / (lam1 * 1.5) + ph[3])
    x, y = x + wx, y + wy
    ang = rng.uniform(-0.5, 0.5)
    c, s = math.cos(ang), math.sin(ang)
    all_nodes = np.c_[c * x - s * y, s * x + c * y]
    inside = np.hypot(*all_nodes.T) <= town(np.arctan2(all_nodes[:, 1], all_nodes[:, 0]))
    ii_grid, jj_grid = np.meshgrid(np.arange(nu), np.arange(nv), indexing="ij")
    ii, jj = ii_grid.ravel(), jj_grid.ravel()
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

    order = np.lexsort((pos, line))
    ea, eb, line, pos, is_main = ea[order], eb[order], line[order], pos[order], is_main[order]
    names = _name_runs(rng, pool, line, pos, is_main)
    return Net(nodes, ea, eb, names, np.full(ea.size, KIND_TOWN), is_main)


def _name_runs(rng: np.random.Generator, pool: NamePool, line: np.ndarray, pos: np.ndarray,
               is_main: np.ndarray) -> list[str]:
    """Streets: runs of consecutive edges along a grid line (edges sorted by line, then position),
    cut into named pieces of 4-11 edges (8-16 on main roads)."""
    brk = np.r_[True, (line[1:] != line[:-1]) | (pos[1:] != pos[:-1] + 1)]
    starts = np.flatnonzero(brk)
    ends = np.r_[starts[1:], line.size]
    names: list[str] = [""] * line.size
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
    return names


def village_grid(rng: np.random.Generator, centre: np.ndarray, pool: NamePool,
                  node_offset: int) -> Net:
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
    return Net(nodes, np.asarray(a) + node_offset, np.asarray(b) + node_offset, names,
                np.full(n, KIND_VILLAGE), np.zeros(n, dtype=bool))


def country_road(rng: np.random.Generator, nodes: np.ndarray, seg_a: np.ndarray,
                  seg_b: np.ndarray, town_nodes: np.ndarray, village_nodes: np.ndarray,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A gently curving road from the village's nearest node to a town node, in ~300 m pieces.

    Returns (new node coordinates, segment start ids, segment end ids) where ids >= len(nodes)
    refer to the new nodes. The road meets the network only at its two end nodes.
    """
    tree = shapely.STRtree(segment_lines(nodes[seg_a], nodes[seg_b]))
    v_end = village_nodes[np.argmin(np.hypot(*nodes[village_nodes].T))]
    d_town = np.hypot(*(nodes[town_nodes] - nodes[v_end]).T)
    candidates = town_nodes[np.argsort(d_town)[:12]]
    amp_rel = rng.uniform(-0.06, 0.06)
    wiggle = rng.uniform(-0.02, 0.02)
    for attempt, t_end in enumerate(np.r_[candidates, candidates]):
        p0, p1 = nodes[t_end], nodes[v_end]
        length = float(np.hypot(*(p1 - p0)))
        nseg = max(2, round(length / 300.0))
        t = np.linspace(0.0, 1.0, nseg + 1)
        along = (p1 - p0) / length
        perp = np.array([-along[1], along[0]])
        amp = 0.0 if attempt >= len(candidates) else amp_rel * length
        off = amp * np.sin(math.pi * t) + wiggle * length * np.sin(2 * math.pi * t)
        pts = p0 + np.outer(t, p1 - p0) + np.outer(off, perp)
        pts[0], pts[-1] = p0, p1
        new = pts[1:-1]
        ids = np.r_[t_end, len(nodes) + np.arange(len(new)), v_end]
        lines = segment_lines(pts[:-1], pts[1:])
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


@dataclass(frozen=True)
class Streets:
    """Every road segment of one borough (local metres), with what later steps need of it."""

    nodes: np.ndarray  # (n, 2) junctions and bends
    seg_a: np.ndarray  # start node of each segment
    seg_b: np.ndarray  # end node
    names: list[str]  # "" for unnamed footpaths
    kind: np.ndarray  # KIND_TOWN, KIND_VILLAGE or KIND_COUNTRY
    main: np.ndarray  # main roads (and country roads)
    named: np.ndarray  # bool: has a name
    n_town_nodes: int  # nodes[:n_town_nodes] are the town grid's
    vil_node_ids: list[np.ndarray]  # node ids of each village grid
    p_a: np.ndarray  # (n_seg, 2) start point of each segment
    p_b: np.ndarray  # end point
    mids: np.ndarray  # mid point
    seg_len: np.ndarray  # length (m)

    @property
    def n_seg(self) -> int:
        return int(self.seg_a.size)


def build_streets(rng: np.random.Generator, layout: Layout) -> Streets:
    """The town grid, one small grid per village, a country road from each village into town."""
    pool = NamePool(rng, reserved=[f"{v} Road" for v in layout.vil_names])
    town = town_grid(rng, layout.town_r, pool)
    nets = [town]
    n_nodes = len(town.nodes)
    vil_node_ids: list[np.ndarray] = []
    for vc in layout.vil_xy:
        net = village_grid(rng, vc, pool, n_nodes)
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
    for vi in range(layout.n_vil):
        new, a_ids, b_ids = country_road(rng, nodes, seg_a, seg_b, town_nodes, vil_node_ids[vi])
        nodes = np.concatenate([nodes, new]) if len(new) else nodes
        seg_a = np.r_[seg_a, a_ids]
        seg_b = np.r_[seg_b, b_ids]
        names.extend([f"{layout.vil_names[vi]} Road"] * len(a_ids))
        kind = np.r_[kind, np.full(len(a_ids), KIND_COUNTRY)]
        main = np.r_[main, np.ones(len(a_ids), dtype=bool)]
    # about 3% of ordinary streets are unnamed footpaths
    ordinary = np.flatnonzero(~main)
    unnamed = rng.choice(ordinary, size=round(0.03 * seg_a.size), replace=False)
    for q in unnamed:
        names[q] = ""
    named = np.array([bool(nm) for nm in names])
    p_a, p_b = nodes[seg_a], nodes[seg_b]
    return Streets(nodes=nodes, seg_a=seg_a, seg_b=seg_b, names=names, kind=kind, main=main, named=named,
                   n_town_nodes=len(town.nodes), vil_node_ids=vil_node_ids, p_a=p_a, p_b=p_b,
                   mids=(p_a + p_b) / 2.0, seg_len=np.hypot(*(p_b - p_a).T))


@dataclass(frozen=True)
class Zones:
    """What kind of neighbourhood each segment is in, and its households before scaling to LSOAs."""

    d_centre: np.ndarray  # distance of each segment's mid point from the town centre (m)
    seg_est: np.ndarray  # the estate a town segment lies in, else -1
    zone: np.ndarray  # ZONE_*
    hh_base: np.ndarray  # relative households (0 on unnamed segments)


def street_zones(rng: np.random.Generator, layout: Layout, streets: Streets) -> Zones:
    """Centre, estates (the poor one apart), suburbs, villages, country; households weighted by zone."""
    mids, kind, n_seg = streets.mids, streets.kind, streets.n_seg
    est_xy, est_r = layout.est_xy, layout.est_r
    d_centre = np.hypot(*mids.T)
    d_est = np.hypot(*(mids[:, None, :] - est_xy[None, :, :]).transpose(2, 0, 1))
    seg_est = np.where(d_est.min(axis=1) <= np.take(est_r, d_est.argmin(axis=1)),
                       d_est.argmin(axis=1), -1)
    seg_est[kind != KIND_TOWN] = -1
    zone = np.full(n_seg, ZONE_SUBURB)
    zone[(kind == KIND_TOWN) & (d_centre < 800.0)] = ZONE_CENTRE
    zone[seg_est >= 0] = ZONE_ESTATE
    zone[seg_est == layout.poor_estate] = ZONE_ESTATE_C
    zone[kind == KIND_VILLAGE] = ZONE_VILLAGE
    zone[kind == KIND_COUNTRY] = ZONE_COUNTRY
    hh_base = np.select(
        [zone == ZONE_CENTRE, (zone == ZONE_ESTATE) | (zone == ZONE_ESTATE_C),
         zone == ZONE_SUBURB, zone == ZONE_VILLAGE],
        [rng.uniform(2.0, 14.0, n_seg), rng.uniform(30.0, 60.0, n_seg),
         rng.uniform(8.0, 32.0, n_seg) * (1.1 - 0.3 * np.minimum(d_centre, 3_000.0) / 3_000.0),
         rng.uniform(4.0, 20.0, n_seg)],
        default=np.where(rng.random(n_seg) < 0.4, rng.uniform(1.0, 4.0, n_seg), 0.0),
    )
    hh_base[~streets.named] = 0.0
    return Zones(d_centre=d_centre, seg_est=seg_est, zone=zone, hh_base=hh_base)
