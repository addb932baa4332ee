"""Place names from documents -> boundaries, with a note when the boundaries changed.

Documents name wards as they were when written ("Bilston East", "Washwood Heath", "Cannock North").
Ward boundaries have changed since, so a name is looked up in an alias table (document name -> current
and 2013 ward codes, e.g. `ward_name_aliases.csv`), then in the current and older ward names. The rule
for which boundary to use:

- the ward is unchanged, or one current ward covers at least `keep_share` (90%) of the old ward's area
  and the old ward makes up at least `keep_share_reverse` (80%) of that current ward: use the current
  ward, with a note when its name, code or area changed ("Bilston East is now mostly Bilston South");
- otherwise (the old ward is split between several current wards, e.g. Washwood Heath): use the old
  boundary, or the LSOAs whose representative point lies within it (`lsoas_within`).

Everything here is pure: frames in, frames out. Reading the alias table or boundary files is the
caller's job (geo.io or a test).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.model import DataError, Problem
from geo.plan.lots.need import best_fit
from geo.plan.lots.units import LotUnits

ALIAS_COLUMNS = ("source_name", "lad_code", "lad_name", "current_ward_code_WD25", "current_ward_name_WD25",
                 "legacy_ward_code_WD13", "legacy_ward_name_WD13", "note")


def normalise_name(text: str) -> str:
    """Casefolded name without parentheses, punctuation or 'and'/'&' differences."""
    t = str(text).casefold()
    t = re.sub(r"\(.*?\)", " ", t)
    t = t.replace("&", " and ").replace("’", "'")
    t = re.sub(r"\bst\b\.?", "st", t)
    t = re.sub(r"[.'`]", "", t)
    t = re.sub(r"[^a-z0-9]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def _split(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return []
    return [p.strip() for p in str(value).split(";") if p.strip()]


def overlap_from_note(note: str) -> dict[str, float]:
    """'area overlap: Alum Rock 68%, Ward End 19%' -> {'Alum Rock': 0.68, 'Ward End': 0.19}."""
    out: dict[str, float] = {}
    for name, pct in re.findall(r"([A-Z][A-Za-z.'&\- ]+?)\s+(\d{1,3})%", str(note)):
        out[name.strip()] = int(pct) / 100
    return out


def _check_aliases(aliases: pd.DataFrame) -> None:
    missing = [c for c in ALIAS_COLUMNS if c not in aliases.columns]
    if missing:
        raise DataError([Problem("ward name aliases", "required column is missing.", column=c,
                                 fix="Use the alias table's published columns.") for c in missing])


def _frame(frame: gpd.GeoDataFrame | None, code_col: str, name_col: str) -> gpd.GeoDataFrame | None:
    if frame is None:
        return None
    out = gpd.GeoDataFrame({"code": frame[code_col].astype(str).to_numpy(),
                            "name": frame[name_col].astype(str).to_numpy(),
                            "lad_code": (frame["lad_code"].astype(str).to_numpy() if "lad_code" in frame.columns
                                         else np.full(len(frame), "", dtype=object))},
                           geometry=frame.geometry.values, crs=frame.crs)
    if out.crs is not None and out.crs.to_epsg() != 27700:
        out = out.to_crs(27700)
    out["key"] = out["name"].map(normalise_name)
    return out


def area_shares(old: shapely.Geometry, current: gpd.GeoDataFrame) -> pd.DataFrame:
    """Share of `old`'s area in each current unit (>= 0.5%), and the share of each unit that `old` makes up."""
    cand = current.iloc[current.sindex.query(old, predicate="intersects")]
    inter = shapely.area(shapely.intersection(cand.geometry.values, old))
    frame = pd.DataFrame({"code": cand["code"].to_numpy(), "name": cand["name"].to_numpy(),
                          "share_of_old": inter / max(float(shapely.area(old)), 1e-9),
                          "share_of_current": inter / np.maximum(shapely.area(cand.geometry.values), 1e-9)})
    return frame[frame["share_of_old"] >= 0.005].sort_values("share_of_old", ascending=False).reset_index(drop=True)


def _shares_text(shares: Mapping[str, float]) -> str:
    return ", ".join(f"{n} {s * 100:.0f}%" for n, s in shares.items())


def alias_codes(table: pd.DataFrame, *, source: str) -> dict[str, str]:
    """A user's alias table, document name -> ward code (two columns: the name, then the code, any
    header), keyed by `normalise_name`. A blank or non-GSS code, or one name given two codes (names that
    differ only in case or punctuation count as one), is a DataError naming the row."""
    if table.shape[1] < 2:
        raise DataError(Problem(source, "needs two columns: the name as documents give it, then the ward code.",
                                fix="Save the table with a name column and a code column (e.g. E05014839)."))
    problems: list[Problem] = []
    out: dict[str, str] = {}
    first: dict[str, tuple[int, str]] = {}
    name_col, code_col = str(table.columns[0]), str(table.columns[1])
    for i, (name, code) in enumerate(zip(table.iloc[:, 0], table.iloc[:, 1]), start=2):
        text = "" if pd.isna(name) else str(name).strip()
        value = "" if pd.isna(code) else str(code).strip().upper()
        if not text:
            continue
        if not re.fullmatch(r"[EWSN]\d{8}", value):
            problems.append(Problem(source, f"{value or '(blank)'} is not a ward code.", row=i, column=code_col,
                                    fix="Give the ONS ward code (E05 and six digits)."))
            continue
        key = normalise_name(text)
        if key in out and out[key] != value:
            row, seen = first[key]
            problems.append(Problem(source, f"'{text}' is given {value} here and {out[key]} in row {row} "
                                            f"('{seen}'); names that differ only in case or punctuation are one.",
                                    row=i, column=name_col, fix="Keep one code for the name."))
            continue
        out[key] = value
        first.setdefault(key, (i, text))
    if problems:
        raise DataError(problems)
    return out


def resolve_places(names: Iterable[str], *, wards: gpd.GeoDataFrame, legacy_wards: gpd.GeoDataFrame | None = None,
                   aliases: pd.DataFrame | None = None, user_aliases: Mapping[str, str] | None = None,
                   ward_code_col: str = "ward_code",
                   ward_name_col: str = "ward_name", legacy_code_col: str = "WD13CD",
                   legacy_name_col: str = "WD13NM", current_year: int = 2025, legacy_year: int = 2013,
                   keep_share: float = 0.9, keep_share_reverse: float = 0.8) -> gpd.GeoDataFrame:
    """One row per name: which boundary to use, its codes, geometry (EPSG:27700) and a note.

    Columns: query, found_as, lad_name, boundary ('current', 'legacy', 'ambiguous', 'duplicate' or
    'not found'),
    boundary_year, codes (tuple), unit_names, changed (bool), shares (share of the old ward's area in each
    current ward), current_shares (share of each current ward the old ward makes up), note, geometry (the
    union of the chosen boundaries; empty when not found).

    `user_aliases` (`alias_codes`: name -> ward code of either year) come before the published table. A
    name that repeats an earlier one but for case or punctuation is reported ('duplicate', no boundary),
    never merged silently.
    """
    cur = _frame(wards, ward_code_col, ward_name_col)
    old = _frame(legacy_wards, legacy_code_col, legacy_name_col) if legacy_wards is not None else None
    if aliases is not None:
        _check_aliases(aliases)
        alias_keys = aliases.assign(key=aliases["source_name"].map(normalise_name))
    rows = []
    asked: dict[str, str] = {}
    for query in names:
        q = str(query).strip()
        key = normalise_name(q)
        row: dict[str, object] = {"query": q, "found_as": "", "lad_name": "", "boundary": "not found",
                                  "boundary_year": None, "codes": (), "unit_names": "", "changed": False,
                                  "shares": {}, "current_shares": {}, "note": "", "geometry": None}
        hit = alias_keys[alias_keys["key"] == key] if aliases is not None else pd.DataFrame()
        code = (user_aliases or {}).get(key)
        if key in asked:
            row.update(boundary="duplicate", found_as=asked[key],
                       note=f"'{q}' is '{asked[key]}' again but for case or punctuation: left out here; keep one.")
        elif code is not None:
            row.update(_from_code(q, code, cur, old, current_year=current_year, legacy_year=legacy_year))
        elif len(hit):
            a = hit.iloc[0]
            row.update(_from_alias(a, cur, old, current_year=current_year, legacy_year=legacy_year,
                                   keep_share=keep_share, keep_share_reverse=keep_share_reverse))
        elif cur is not None and (cur["key"] == key).any():
            m = cur[cur["key"] == key]
            if len(m) == 1:
                row.update(found_as=m["name"].iloc[0], boundary="current", boundary_year=current_year,
                           codes=tuple(m["code"]), unit_names=m["name"].iloc[0],
                           note=f"Found as the current ward {m['name'].iloc[0]} ({m['code'].iloc[0]}).",
                           geometry=m.geometry.iloc[0])
            else:
                row.update(found_as=q, boundary="ambiguous", boundary_year=current_year, codes=tuple(m["code"]),
                           unit_names=", ".join(m["name"]),
                           note=f"{len(m)} current wards are called '{q}' ({', '.join(m['code'])}); pick the "
                                "council.", geometry=None)
        elif old is not None and (old["key"] == key).any():
            hit_old = old[old["key"] == key].iloc[0]
            old_geom = hit_old[str(old.geometry.name)]
            shares = area_shares(old_geom, cur) if cur is not None else pd.DataFrame()
            row.update(found_as=hit_old["name"], boundary="legacy", boundary_year=legacy_year,
                       codes=(hit_old["code"],), unit_names=hit_old["name"], changed=True,
                       shares=dict(zip(shares.get("name", []), shares.get("share_of_old", []))),
                       note=f"'{q}' is a {legacy_year} ward name only; using its {legacy_year} boundary"
                            + (f" (now {_shares_text(dict(zip(shares['name'], shares['share_of_old'])))})."
                               if len(shares) else "."),
                       geometry=old_geom)
        else:
            pool = [] if cur is None else list(cur["name"])
            if old is not None:
                pool += list(old["name"])
            if aliases is not None:
                pool += list(aliases["source_name"])
            close = difflib.get_close_matches(q, sorted(set(pool)), n=3, cutoff=0.6)
            row["note"] = f"No ward called '{q}' was found." + (f" Did you mean {', '.join(close)}?" if close else "")
        asked.setdefault(key, q)
        rows.append(row)
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=27700)
    return out


def _from_code(q: str, code: str, cur: gpd.GeoDataFrame | None, old: gpd.GeoDataFrame | None, *,
               current_year: int, legacy_year: int) -> dict[str, object]:
    """A name the user's alias table gives a ward code: that ward of the current year, else of the
    earlier year with its share of each current ward."""
    for frame, year, boundary in ((cur, current_year, "current"), (old, legacy_year, "legacy")):
        if frame is None or not (frame["code"] == code).any():
            continue
        m = frame[frame["code"] == code].iloc[0]
        geom = m[str(frame.geometry.name)]
        shares = area_shares(geom, cur) if boundary == "legacy" and cur is not None else pd.DataFrame()
        share_map = dict(zip(shares.get("name", []), shares.get("share_of_old", [])))
        note = (f"From your alias table: {m['name']} ({code}, {year} wards)"
                + (f", now {_shares_text(share_map)}." if share_map else "."))
        return {"found_as": str(m["name"]), "boundary": boundary, "boundary_year": year, "codes": (code,),
                "unit_names": str(m["name"]), "changed": boundary == "legacy", "shares": share_map,
                "note": note, "geometry": geom}
    return {"note": f"Your alias table gives '{q}' the code {code}, which is not a ward of this workspace."}


def _from_alias(a: pd.Series, cur: gpd.GeoDataFrame | None, old: gpd.GeoDataFrame | None, *, current_year: int,
                legacy_year: int, keep_share: float, keep_share_reverse: float) -> dict[str, object]:
    src = str(a["source_name"])
    cur_codes, cur_names = _split(a["current_ward_code_WD25"]), _split(a["current_ward_name_WD25"])
    old_code, old_name = str(a["legacy_ward_code_WD13"]), str(a["legacy_ward_name_WD13"])
    old_geom = None
    if old is not None and (old["code"] == old_code).any():
        old_geom = old.loc[old["code"] == old_code].geometry.iloc[0]
    shares: dict[str, float] = {}
    reverse: dict[str, float] = {}
    if old_geom is not None and cur is not None:
        sh = area_shares(old_geom, cur)
        shares = dict(zip(sh["name"], sh["share_of_old"]))
        reverse = dict(zip(sh["name"], sh["share_of_current"]))
    if not shares:
        shares = overlap_from_note(str(a["note"]))
    same_code = len(cur_codes) == 1 and cur_codes[0] == old_code
    top_name, top_share = (max(shares.items(), key=lambda kv: kv[1]) if shares
                           else (cur_names[0] if cur_names else "", 1.0))
    single = len(cur_codes) == 1 and (top_share >= keep_share) and reverse.get(top_name, 1.0) >= keep_share_reverse
    base = {"found_as": src, "lad_name": str(a["lad_name"]), "shares": shares, "current_shares": reverse}
    doc_note = str(a["note"]) if isinstance(a["note"], str) else ""
    if single:
        geom = None
        if cur is not None:
            m = cur[cur["code"] == cur_codes[0]]
            geom = m.geometry.iloc[0] if len(m) else None
        name = cur_names[0] if cur_names else cur_codes[0]
        changed = not same_code or normalise_name(name) != normalise_name(old_name) or top_share < 0.995
        if not changed:
            note = f"{name} ({cur_codes[0]}): unchanged since {legacy_year}."
        else:
            bits = []
            if normalise_name(name) != normalise_name(old_name):
                bits.append(f"the {legacy_year} ward {old_name} is now mostly {name}" if top_share < 0.995
                            else f"the {legacy_year} ward {old_name} is now called {name}")
            if not same_code:
                bits.append(f"code {old_code} -> {cur_codes[0]}")
            if top_share < 0.995:
                bits.append(f"{top_share * 100:.0f}% of the old ward's area is in {top_name}"
                            + (f" ({_shares_text({k: v for k, v in shares.items() if k != top_name})} elsewhere)"
                               if len(shares) > 1 else ""))
            note = (f"Using the current ward {name} ({current_year} boundaries): " + "; ".join(bits) + ".")
        return {**base, "boundary": "current", "boundary_year": current_year, "codes": (cur_codes[0],),
                "unit_names": name, "changed": changed, "note": note, "geometry": geom, "source_note": doc_note}
    if top_share >= keep_share:
        rev = reverse.get(top_name, float("nan"))
        note = (f"The current ward {top_name} holds {top_share * 100:.0f}% of the {legacy_year} ward {old_name} but "
                f"is larger (the old ward is {rev * 100:.0f}% of it). Using the {legacy_year} boundary (or the LSOAs "
                "within it) so the lot keeps the area the document meant.")
    else:
        note = (f"{old_name} ({legacy_year} ward) is now split between current wards: {_shares_text(shares)}. "
                f"Using its {legacy_year} boundary (or the LSOAs within it) rather than whole current wards.")
    return {**base, "boundary": "legacy", "boundary_year": legacy_year, "codes": (old_code,), "unit_names": old_name,
            "changed": True, "note": note, "geometry": old_geom, "source_note": doc_note}


def lsoas_within(places: gpd.GeoDataFrame, lsoas: gpd.GeoDataFrame, *, name_col: str = "query",
                 code_col: str = "lsoa_code") -> dict[str, tuple[str, ...]]:
    """Small areas (LSOAs, or the units in `code_col` of any layer) whose representative point lies in
    each place's boundary: place name -> codes. Places without a boundary are left out."""
    shapes = places[places.geometry.notna() & ~places.geometry.is_empty]
    if len(shapes) == 0:
        return {}
    frame = gpd.GeoDataFrame({"place": shapes[name_col].astype(str).to_numpy()}, geometry=shapes.geometry.values,
                             crs=shapes.crs)
    if lsoas.crs != frame.crs and frame.crs is not None:
        lsoas = lsoas.to_crs(frame.crs)
    fit = best_fit(lsoas, frame, unit_col="place", code_col=code_col).dropna()
    out: dict[str, tuple[str, ...]] = {p: () for p in frame["place"]}
    for place, codes in fit.groupby(fit.astype(str)):
        out[str(place)] = tuple(sorted(codes.index))
    return out


def resolve_workspace_wards(names: Sequence[str], wards: gpd.GeoDataFrame,
                            user_aliases: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """`resolve_places` over a workspace's wards of every year (geo.model.ward_years): the newest
    boundary year is current, any older year is legacy (the oldest sets the legacy year)."""
    years = sorted({int(y) for y in wards["boundary_year"].dropna()}) if "boundary_year" in wards.columns else []
    newest = years[-1] if years else 0
    current = wards[wards["boundary_year"].astype("Int64") == newest] if years else wards
    older = wards[wards["boundary_year"].astype("Int64") < newest] if len(years) > 1 else None
    return resolve_places(names, wards=current, legacy_wards=older, user_aliases=user_aliases,
                          legacy_code_col="ward_code",
                          legacy_name_col="ward_name", current_year=newest,
                          legacy_year=years[0] if len(years) > 1 else newest)


def place_units(found: gpd.GeoDataFrame, lu: LotUnits, *, boundary_year: str) -> list[tuple[str, list[str]]]:
    """The lot units of each resolved place (rows of `resolve_places` with a boundary), in order:
    its own ward codes when the place is a ward of the units' layer (`boundary_year`), else the units
    whose representative point lies in its boundary."""
    out: list[tuple[str, list[str]]] = []
    for idx, row in found.iterrows():
        if row.geometry is None or row.geometry.is_empty:
            continue
        same_layer = lu.kind == "wards" and str(row["boundary_year"]) == boundary_year
        codes = [c for c in row["codes"] if c in lu.adjacency.position] if same_layer else []
        if not codes:
            codes = list(lsoas_within(found.loc[[idx]], lu.units, code_col="code").get(row["query"], ()))
        out.append((str(row["query"]), codes))
    return out


# ---- naming points and areas on the ground ------------------------------------------------------------
Geo = TypeVar("Geo", gpd.GeoDataFrame, gpd.GeoSeries)
#: A named road this close (metres) names a point ("near Wellington Road") ...
ROAD_NEAR_M = 300.0
#: ... else a venue this close does ("400 m from Bilston Library").
VENUE_NEAR_M = 1_500.0


def _metres(frame: Geo) -> Geo:
    """`frame` in EPSG:27700 (metres); a frame with no CRS is taken to be in it already."""
    if frame.crs is not None and frame.crs.to_epsg() != 27700:
        return frame.to_crs(27700)
    return frame


def lsoa_ward_names(lsoas: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> pd.Series:
    """The name of the ward each small area lies in (index: `lsoa_code`; "" where none does): from the
    area's `ward_code` where the wards know it, else the ward holding its representative point."""
    names = dict(zip(wards["ward_code"].astype(str), wards["ward_name"].astype(str)))
    codes = lsoas["lsoa_code"].astype(str).tolist()
    found = [""] * len(codes)
    if "ward_code" in lsoas.columns:
        found = [names.get(str(c), "") if pd.notna(c) else "" for c in lsoas["ward_code"]]
    todo = [i for i, name in enumerate(found) if not name]
    if todo and len(wards):
        fit = best_fit(_metres(lsoas.iloc[todo]), _metres(wards), unit_col="ward_name")
        for i, name in zip(todo, fit.fillna("").astype(str), strict=True):
            found[i] = name
    return pd.Series(found, index=pd.Index(codes, name="lsoa_code"), dtype=object)


def _distance_text(d: float) -> str:
    if d < 1_000:
        return f"{max(50, round(d / 50.0) * 50)} m"
    return f"{d / 1_000:.1f} km"


def _nearest(points: gpd.GeoSeries, frame: gpd.GeoDataFrame | None, max_m: float) -> tuple[list[str], list[float]]:
    """The `name` of the nearest feature of `frame` within `max_m` of each point ("" where none is), and
    its distance in metres."""
    n = len(points)
    if frame is None or not len(frame) or "name" not in frame.columns:
        return [""] * n, [np.inf] * n
    named = frame[pd.Series(frame["name"]).astype("string").str.strip().fillna("").to_numpy() != ""]
    if not len(named):
        return [""] * n, [np.inf] * n
    tree = shapely.STRtree(np.asarray(named.geometry.values))
    pts = np.asarray(points.values)
    (i_pt, i_feat), dist = tree.query_nearest(pts, max_distance=max_m, return_distance=True, all_matches=False)
    names, dists = [""] * n, [np.inf] * n
    label = pd.Series(named["name"]).astype(str).str.strip().to_numpy()
    for p, f, d in zip(i_pt, i_feat, dist, strict=True):
        names[int(p)], dists[int(p)] = str(label[int(f)]), float(d)
    return names, dists


def name_points(points: gpd.GeoSeries, *, wards: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None = None,
                venues: gpd.GeoDataFrame | None = None, road_m: float = ROAD_NEAR_M,
                venue_m: float = VENUE_NEAR_M) -> list[str]:
    """A name for each point that a person can find on the ground: its ward (`ward_name`; outside every
    ward, "near" the nearest one) and the nearest named road within `road_m` metres ("Bilston South, near
    Wellington Road"), else the nearest venue within `venue_m` ("Bilston South, 400 m from Bilston
    Library"), else the ward alone. Layers in any CRS (distances are worked out in EPSG:27700)."""
    pts = _metres(points)
    w = _metres(wards)
    if len(w):
        (i_pt, i_ward), dist = shapely.STRtree(np.asarray(w.geometry.values)).query_nearest(
            np.asarray(pts.values), return_distance=True, all_matches=False)
        ward_of = dict(zip(i_pt.tolist(), zip(i_ward.tolist(), dist.tolist(), strict=True), strict=True))
    else:
        ward_of = {}
    ward_names = w["ward_name"].astype(str).to_numpy() if len(w) else np.array([], dtype=object)
    road, _ = _nearest(pts, _metres(roads) if roads is not None else None, road_m)
    venue, venue_d = _nearest(pts, _metres(venues) if venues is not None else None, venue_m)
    out = []
    for i in range(len(pts)):
        where = ""
        if i in ward_of:
            j, d = ward_of[i]
            where = str(ward_names[j]) if d < 1e-3 else f"near {ward_names[j]}"  # within 1 mm: in it
        if road[i]:
            there = f"near {road[i]}"
        elif venue[i]:
            there = f"at {venue[i]}" if venue_d[i] < 50 else f"{_distance_text(venue_d[i])} from {venue[i]}"
        else:
            there = ""
        out.append(", ".join(t for t in (where, there) if t) or "outside the wards")
    return out


def _join_names(names: Sequence[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return f"{names[0]}, {names[1]} and {len(names) - 2} more"


def name_areas(groups: Sequence[Sequence[str]], *, lsoas: gpd.GeoDataFrame, wards: gpd.GeoDataFrame,
               roads: gpd.GeoDataFrame | None = None, venues: gpd.GeoDataFrame | None = None) -> list[str]:
    """A name for each group of small areas (codes of `lsoas`' `lsoa_code`, such as an uncovered
    pocket): the wards its areas lie in, most areas first ("Bilston South and Bilston North", "A, B and 2
    more"), then the nearest named road or venue to its middle (a point inside the group), as
    `name_points` says it: "Bilston South, near Wellington Road". Codes not in `lsoas` are skipped; a
    group with none reads "not on the map"."""
    frame = _metres(lsoas)
    frame = frame.assign(lsoa_code=frame["lsoa_code"].astype(str))
    ward_of = lsoa_ward_names(frame, wards)
    by_code = frame.set_index("lsoa_code")
    middles: list[shapely.Geometry] = []
    ward_lists: list[list[str]] = []
    valid: list[bool] = []
    for group in groups:
        codes = [str(c) for c in group if str(c) in by_code.index]
        valid.append(bool(codes))
        if not codes:
            ward_lists.append([])
            middles.append(shapely.Point())
            continue
        counts = ward_of.reindex(codes).replace("", np.nan).dropna().value_counts(sort=False)
        ward_lists.append(sorted(counts.index, key=lambda n: (-int(counts[n]), str(n))))
        shapes = np.asarray(by_code.geometry.loc[codes].values)
        middles.append(shapely.point_on_surface(shapely.union_all(shapes)))
    pts = gpd.GeoSeries(middles, crs=frame.crs)
    ok = np.flatnonzero(valid)
    there = name_points(gpd.GeoSeries(pts.iloc[ok]), wards=wards.iloc[0:0], roads=roads,
                        venues=venues) if len(ok) else []
    out = ["not on the map"] * len(groups)
    for k, i in enumerate(ok):
        near = there[k] if there[k] != "outside the wards" else ""
        out[i] = ", ".join(t for t in (_join_names(ward_lists[i]), near) if t) or "outside the wards"
    return out
