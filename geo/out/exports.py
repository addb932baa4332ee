"""Exports for the meeting and after it: standalone HTML map, PNG, PDF briefing, Excel, GeoPackage, CSV.

Every function here returns bytes and takes everything it needs as parameters (the Leaflet asset
text comes from `geo.io.assets.read_vendor_assets`); nothing here reads workspace files. Two scratch
resources are used and never outlive the call: a temporary directory for the GeoPackage (GDAL
writes files) and a headless Chromium for the PNG.

Privacy, the same rules as on screen:
- participant points, `participant_id` and the pseudonymisation salt are never written;
  participants appear only as counts per road and per LSOA (`engagement_aggregates`);
- every count of people passes through `geo.privacy.suppress` (1 to 4 read "<5"): `safe_table`
  does it for every column whose name says it counts people (`is_people_column`), and a final
  guard (`PrivacyError`) refuses to write a table that still holds a raw small count or a cell
  equal to a participant identifier;
- a road with very few households (1 to FEW_HOUSEHOLDS - 1) shows no engagement at all, since even
  "<5" could point at a family.
Every export carries the data-source and attribution notes from `data_notes`.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import html as html_lib
import io
import json
import math
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Collection, Mapping, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analyse import engagement as engagement_mod
from geo.analyse import gaps
from geo.privacy import THRESHOLD, band, secondary_suppress, suppress

# ---- notes ------------------------------------------------------------------------------------
OGL_NOTE = (
    "Contains OS data © Crown copyright and database right 2025; Contains Royal Mail data © Royal "
    "Mail copyright and database right 2025; Contains National Statistics data © Crown copyright "
    "and database right; Contains public sector information licensed under the Open Government "
    "Licence v3.0."
)
OSM_NOTE = "Roads, venues and bus data: © OpenStreetMap contributors, ODbL."
DEMO_NOTE = ("Fictional demo data: every place, person and number is generated for demonstration; "
             "no real people or places.")
SUPPRESSION_NOTE = (f"Counts of people from 1 to {THRESHOLD - 1} are shown as \"<{THRESHOLD}\"; \"*\" hides "
                    "one more count where a total would let a \"<5\" be worked back. Participant records "
                    "are never exported: only counts per road and per LSOA.")
FEW_HOUSEHOLDS = THRESHOLD
NOT_SHOWN = "not shown (few households)"

#: Metadata keys never copied into an export (secrets and the pseudonymisation salt).
_SECRET_KEY = re.compile(r"salt|secret|password|token|key$", re.I)
_OSM_TEXT = re.compile(r"\b(osm|openstreetmap)\b", re.I)


def data_notes(meta: Mapping[str, str], *, osm: bool | None = None) -> list[str]:
    """The data-source and attribution lines every export carries.

    Fictional workspaces (meta fictional=true) get the demo note; real ones the ONS/OS/Royal Mail
    Open Government Licence text, plus the OpenStreetMap (ODbL) line when `osm` is true or, with
    `osm=None`, when any metadata value mentions OSM/OpenStreetMap. The workspace's own
    `attribution` is kept when it adds something. The suppression rule always comes last.
    """
    fictional = str(meta.get("fictional", "false")).lower() == "true"
    if osm is None:
        osm = any(_OSM_TEXT.search(str(v)) for k, v in meta.items() if not _SECRET_KEY.search(str(k)))
    notes = [DEMO_NOTE] if fictional else [OGL_NOTE]
    if osm:
        notes.append(OSM_NOTE)
    own = str(meta.get("attribution", "")).strip()
    if own and not fictional:  # keep only what the standard lines do not already say
        said = " ".join(notes).lower()
        extra = [p.strip().rstrip(".") for p in own.split(";")]
        extra = [p for p in extra if p and p.lower() not in said]
        if extra:
            notes.insert(1, "Workspace source: " + "; ".join(extra) + ".")
    notes.append(SUPPRESSION_NOTE)
    return notes


def export_filename(workspace_name: str, what: str, ext: str, *, on: dt.date) -> str:
    """'patchwork-<workspace>-<what>-YYYY-MM-DD.<ext>' with a filesystem-safe workspace slug."""
    slug = re.sub(r"[^a-z0-9]+", "-", workspace_name.lower()).strip("-") or "workspace"
    return f"patchwork-{slug}-{what}-{on.isoformat()}.{ext}"


# ---- privacy guard ------------------------------------------------------------------------------
class PrivacyError(ValueError):
    """An export would contain a participant identifier or an unsuppressed small count (a bug)."""


_IDENTIFIER_COLUMN = re.compile(r"participant_id|pseudonym|person_id|salt", re.I)
_PEOPLE_COLUMN = re.compile(
    r"(^|_)(participants|people|persons|enrolments|enrolled_people|job_starts|unmatched|caseload_now)(_|$)",
    re.I)
_NOT_A_COUNT = re.compile(r"(^|_)(pct|share|rate|per|percent|text)(_|$)|_pct$", re.I)


def is_identifier_column(name: str) -> bool:
    return bool(_IDENTIFIER_COLUMN.search(str(name)))


def is_people_column(name: str) -> bool:
    """True for a column that counts people (participants, job_starts, ...), not a share of them."""
    name = str(name)
    return bool(_PEOPLE_COLUMN.search(name)) and not _NOT_A_COUNT.search(name)


def _suppress_value(v: Any, threshold: int) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return v
    if isinstance(v, (int, float, np.integer, np.floating)):
        return suppress(max(float(v), 0.0), threshold=threshold)
    text = str(v).strip().replace(",", "")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return suppress(float(text), threshold=threshold)
    return v


def _plain(v: Any) -> Any:
    """numpy/pandas scalars to plain Python; NA to None."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, np.generic):
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v


def safe_table(frame: pd.DataFrame, *, participant_ids: Collection[str] = (),
               threshold: int = THRESHOLD, keep_geometry: bool = False) -> pd.DataFrame:
    """A copy fit for export: identifier columns dropped, counts of people suppressed, checked.

    Geometry columns are dropped unless `keep_geometry`. Raises PrivacyError when any cell equals
    one of `participant_ids` (an upstream bug: a table must never carry one).
    """
    out = frame.copy()
    if not keep_geometry:
        geo_cols = [c for c in out.columns if isinstance(out[c].dtype, gpd.array.GeometryDtype)]
        out = pd.DataFrame(out.drop(columns=geo_cols))
    out = out.drop(columns=[c for c in out.columns if is_identifier_column(c)])
    for col in out.columns:
        if is_people_column(col):
            out[col] = pd.Series([_suppress_value(v, threshold) for v in out[col]], index=out.index,
                                 dtype=object)
    check_table(out, participant_ids=participant_ids, threshold=threshold)
    return out


def check_table(frame: pd.DataFrame, *, participant_ids: Collection[str] = (),
                threshold: int = THRESHOLD) -> None:
    """Raise PrivacyError if `frame` holds an identifier column, a raw count of 1..threshold-1 in
    a people column, or a cell equal to a participant identifier."""
    problems: list[str] = []
    for col in frame.columns:
        if is_identifier_column(col):
            problems.append(f"column '{col}' is a participant identifier")
        if is_people_column(col):
            for v in frame[col]:
                if isinstance(v, (bool, np.bool_)):
                    continue
                try:
                    n = float(str(v).replace(",", ""))
                except ValueError:
                    continue
                if 0 < n < threshold:
                    problems.append(f"column '{col}' holds a count of people below {threshold} ({v})")
                    break
    ids = set(map(str, participant_ids))
    if ids:
        for col in frame.columns:
            if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
                hits = set(frame[col].dropna().astype(str)) & ids
                if hits:
                    problems.append(f"column '{col}' holds {len(hits)} participant identifier(s)")
    if problems:
        raise PrivacyError("; ".join(problems))


def check_text(text: str, *, participant_ids: Collection[str] = ()) -> None:
    """Raise PrivacyError if any participant identifier appears as a token in `text`."""
    ids = {str(i) for i in participant_ids if len(str(i)) >= 4}
    if not ids:
        return
    tokens = set(re.findall(r"[A-Za-z0-9_\-]+", text))
    hits = tokens & ids
    if hits:
        raise PrivacyError(f"export text holds {len(hits)} participant identifier(s)")


# ---- aggregates of participants ---------------------------------------------------------------
def _count_text(counts: np.ndarray, *, threshold: int) -> tuple[list[str], np.ndarray]:
    """Suppressed text per cell of one column whose total is shown elsewhere (the KPI): primary
    "<5" plus secondary "*" (geo.privacy.secondary_suppress), and a mask of the secondary cells."""
    table = secondary_suppress(pd.DataFrame({"n": counts.astype("int64")}), threshold=threshold,
                               row_totals=False, col_totals=True).iloc[: len(counts)]
    text = table["n"].astype(str).tolist()
    return text, np.asarray([t == "*" for t in text], dtype=bool)


def engagement_aggregates(
    *,
    participants: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None,
    wards: gpd.GeoDataFrame,
    lsoas: gpd.GeoDataFrame,
    max_m: float = engagement_mod.DEFAULT_SNAP_M,
    result: engagement_mod.RoadEngagement | None = None,
    bands_only: bool = False,
    threshold: int = THRESHOLD,
) -> dict[str, gpd.GeoDataFrame]:
    """Participants as aggregates only, in EPSG:27700: 'engagement_by_road' and 'engagement_by_lsoa'.

    `participants` text: "0", "<5" (1 to 4), "*" (hidden so that the column total, shown as a KPI,
    cannot be used to work a "<5" back: geo.privacy.secondary_suppress) or the count; `band` is the
    geo.privacy band ("*" where the count is hidden by secondary suppression). With `bands_only`
    (meeting mode) the road layer carries the band alone. A road is a named street within a ward
    (geo.analyse.engagement); roads with 1..FEW_HOUSEHOLDS-1 households show NOT_SHOWN instead of a count,
    band or engaged flag. No ward totals are given: LSOAs nest in wards, so a ward total beside its
    LSOAs could be differenced back to a "<5". `result` is `geo.analyse.engagement.engagement_by_road` for
    the same participants and roads when the caller has it (computed otherwise).
    """
    out: dict[str, gpd.GeoDataFrame] = {}
    ward_names = dict(zip(wards["ward_code"].astype(str), wards["ward_name"].astype(str)))
    road_table = None
    if roads is not None and len(roads):
        if result is None:
            result = engagement_mod.engagement_by_road(participants, roads, wards=wards, max_m=max_m)
        keys = result.segment_keys
        seg = gpd.GeoDataFrame({"road_key": keys.to_numpy()}, geometry=roads.geometry.values, crs=roads.crs)
        shapes = seg.dropna(subset=["road_key"]).dissolve(by="road_key", as_index=False, sort=True)
        t = result.roads.merge(shapes, on="road_key", how="left")
        few = ((t["households"] > 0) & (t["households"] < FEW_HOUSEHOLDS)).to_numpy()
        counts = t["participants"].astype("int64").to_numpy()
        bands = band(counts)
        text, hidden = _count_text(np.where(few, 0, counts), threshold=threshold)
        bands = np.where(hidden, "*", bands)
        columns = {
            "road_key": t["road_key"].astype(str).to_numpy(),
            "name": t["name"].astype(str).to_numpy(),
            "ward_code": t["ward_code"].astype(str).to_numpy(),
            "ward_name": t["ward_code"].astype(str).map(ward_names).fillna("").to_numpy(),
            "households": t["households"].astype("int64").to_numpy(),
            "participants": np.where(few, NOT_SHOWN, bands if bands_only else np.asarray(text, dtype=object)),
            "band": np.where(few, NOT_SHOWN, bands),
            "engaged": np.where(few, NOT_SHOWN, np.where(counts > 0, "yes", "no")),
        }
        if bands_only:
            del columns["participants"]
        out["engagement_by_road"] = gpd.GeoDataFrame(columns, geometry=t["geometry"].values, crs=roads.crs)
        road_table = gaps.road_lsoas(roads, result, lsoas)

    where = gaps.area_of_points(participants, lsoas, code_col="lsoa_code")
    per_lsoa = where.value_counts()
    codes = lsoas["lsoa_code"].astype(str)
    counts = codes.map(per_lsoa).fillna(0).astype("int64").to_numpy()
    text, hidden = _count_text(counts, threshold=threshold)
    by_lsoa = gpd.GeoDataFrame({
        "lsoa_code": codes.to_numpy(),
        "lsoa_name": (lsoas["lsoa_name"].astype(str).to_numpy() if "lsoa_name" in lsoas.columns
                      else codes.to_numpy()),
        "ward_code": (lsoas["ward_code"].astype(str).to_numpy() if "ward_code" in lsoas.columns
                      else np.full(len(lsoas), "")),
        "participants": text,
        "band": np.where(hidden, "*", band(counts)),
    }, geometry=lsoas.geometry.values, crs=lsoas.crs)
    if road_table is not None:
        eng = gaps.pct_roads_engaged_by_lsoa(road_table).set_index("lsoa_code")
        by_lsoa["roads"] = codes.map(eng["roads"]).fillna(0).astype("int64").to_numpy()
        by_lsoa["roads_engaged"] = codes.map(eng["roads_engaged"]).fillna(0).astype("int64").to_numpy()
        by_lsoa["pct_roads_engaged"] = np.round(codes.map(eng["pct_engaged"]).astype("float64").to_numpy(), 1)
    out["engagement_by_lsoa"] = by_lsoa
    return out


# ---- plans ----------------------------------------------------------------------------------------
def scrub_payload(obj: Any, *, participant_ids: Collection[str] = (), threshold: int = THRESHOLD) -> Any:
    """A plan payload (JSON-like) with identifier keys removed, people counts suppressed and any
    string equal to a participant identifier replaced by '[removed]'."""
    ids = set(map(str, participant_ids))

    def walk(v: Any, key: str = "") -> Any:
        if isinstance(v, Mapping):
            return {k: walk(x, str(k)) for k, x in v.items() if not is_identifier_column(str(k))}
        if isinstance(v, (list, tuple)):
            return [walk(x, key) for x in v]
        if isinstance(v, str) and v in ids:
            return "[removed]"
        if key and is_people_column(key) and isinstance(v, (int, float)) and not isinstance(v, bool):
            return _suppress_value(v, threshold)
        return v

    return walk(obj)


def _cell(v: Any) -> Any:
    return json.dumps(v, default=str) if isinstance(v, (dict, list, tuple)) else v


def plan_table(payload: Any) -> pd.DataFrame:
    """A saved plan's payload as one readable table, whatever its shape.

    - GeoJSON FeatureCollection → its properties; a list of records (or {"rows": [...]}) → one row each;
    - a dict of equal-length lists → those columns;
    - otherwise the plan's main part: its longest list of records (pop-up sessions), else a mapping
      of code → value (patch assignment: `code`, `value`), else a mapping of name → list (lots:
      `group`, `member`), with the remaining scalar settings as extra columns of the first row only
      when there are few; else (item, value) rows with JSON values.
    """
    if isinstance(payload, Mapping) and payload.get("type") == "FeatureCollection":
        return pd.DataFrame([dict(f.get("properties") or {}) for f in payload.get("features", [])])
    if isinstance(payload, Mapping) and isinstance(payload.get("rows"), list):
        payload = payload["rows"]
    if isinstance(payload, list) and all(isinstance(r, Mapping) for r in payload):
        return pd.DataFrame([{k: _cell(v) for k, v in r.items()} for r in payload])
    if not isinstance(payload, Mapping) or not payload:
        return pd.DataFrame({"value": [json.dumps(payload, default=str)]})
    lists = [v for v in payload.values() if isinstance(v, list)]
    if len(lists) == len(payload) and len({len(v) for v in lists}) == 1:
        return pd.DataFrame({str(k): [_cell(x) for x in v] for k, v in payload.items()})
    records = [(k, v) for k, v in payload.items()
               if isinstance(v, list) and v and all(isinstance(r, Mapping) for r in v)]
    if records:
        _, rows = max(records, key=lambda kv: len(kv[1]))
        return pd.DataFrame([{k: _cell(v) for k, v in r.items()} for r in rows])
    mappings = [(k, v) for k, v in payload.items() if isinstance(v, Mapping) and len(v) > 1]
    flat = [(k, v) for k, v in mappings if all(not isinstance(x, (Mapping, list)) for x in v.values())]
    grouped = [(k, v) for k, v in mappings if all(isinstance(x, list) for x in v.values())]
    if flat and max(len(v) for _, v in flat) > 8:
        _, m = max(flat, key=lambda kv: len(kv[1]))
        return pd.DataFrame({"code": [str(k) for k in m], "value": [_cell(v) for v in m.values()]})
    if grouped:
        _, m = max(grouped, key=lambda kv: sum(len(x) for x in kv[1].values()))
        return pd.DataFrame([{"group": str(g), "member": _cell(x)} for g, xs in m.items() for x in xs])
    return pd.DataFrame({"item": [str(k) for k in payload],
                         "value": [v if isinstance(v, (str, int, float, bool)) or v is None
                                   else json.dumps(v, default=str) for v in payload.values()]})


# ---- CSV ----------------------------------------------------------------------------------------
def csv_bytes(frame: pd.DataFrame, *, notes: Sequence[str], participant_ids: Collection[str] = ()) -> bytes:
    """UTF-8 CSV (with BOM, for Excel) of `frame` made safe, after '# ' note lines.

    Read it back with `pd.read_csv(buf, comment="#", encoding="utf-8-sig")`.
    """
    table = safe_table(frame, participant_ids=participant_ids)
    head = "".join(f"# {n}\n" for n in notes)
    return (head + table.to_csv(index=False, lineterminator="\n")).encode("utf-8-sig")


# ---- Excel --------------------------------------------------------------------------------------
def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", str(name)).strip()[:31] or "Sheet"
    cand, i = base, 2
    while cand.lower() in used:
        suffix = f" ({i})"
        cand, i = base[:31 - len(suffix)] + suffix, i + 1
    used.add(cand.lower())
    return cand


def excel_bytes(tables: Mapping[str, pd.DataFrame], *, title: str, notes: Sequence[str],
                generated_on: dt.date, participant_ids: Collection[str] = ()) -> bytes:
    """An .xlsx workbook: an 'About' sheet (title, date, notes, contents) then one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    safe = {name: safe_table(t, participant_ids=participant_ids) for name, t in tables.items()}
    wb = Workbook()
    about = wb.active
    about.title = "About"
    about["A1"] = title
    about["A1"].font = Font(bold=True, size=14)
    about["A2"] = f"Exported from Patchwork on {generated_on.isoformat()}"
    about.append([])
    about.append(["Data sources and attribution"])
    about.cell(row=about.max_row, column=1).font = Font(bold=True)
    for n in notes:
        about.append([n])
        about.cell(row=about.max_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    about.append([])
    about.append(["Sheets"])
    about.cell(row=about.max_row, column=1).font = Font(bold=True)
    used = {"about"}
    names = {name: _sheet_name(name, used) for name in safe}
    for name, sheet in names.items():
        about.append([f"{sheet}: {len(safe[name]):,} rows"])
    about.column_dimensions["A"].width = 110

    for name, table in safe.items():
        ws = wb.create_sheet(names[name])
        ws.append([str(c) for c in table.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in table.itertuples(index=False):
            ws.append([_plain(v) if not isinstance(v, (dict, list)) else json.dumps(v, default=str) for v in row])
        ws.freeze_panes = "A2"
        for i, col in enumerate(table.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in table[col].head(200)]) + 2
            ws.column_dimensions[get_column_letter(i)].width = min(max(width, 8), 60)
    wb.properties.creator = "Patchwork"
    wb.properties.title = title
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---- GeoPackage -----------------------------------------------------------------------------------
#: Workspace layers a GeoPackage export may carry. Participants are absent on purpose.
EXPORTABLE_LAYERS: tuple[str, ...] = ("wards", "lsoas", "roads", "venues", "bus_stops", "bus_routes", "partners")


def _layer_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9_]+", "_", str(name).lower()).strip("_")[:60] or "layer"
    cand, i = base, 2
    while cand in used:
        cand, i = f"{base[:56]}_{i}", i + 1
    used.add(cand)
    return cand


def _storable(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, gpd.array.GeometryDtype):
            continue
        dtype = out[col].dtype
        if isinstance(dtype, (pd.BooleanDtype, pd.Int64Dtype, pd.Float64Dtype)):
            out[col] = out[col].astype("float64") if out[col].isna().any() else out[col].astype(
                bool if isinstance(dtype, pd.BooleanDtype) else "int64" if isinstance(dtype, pd.Int64Dtype)
                else "float64")
        elif pd.api.types.is_string_dtype(dtype) or dtype == object:
            out[col] = [None if _plain(v) is None else (json.dumps(v, default=str) if isinstance(v, (dict, list))
                                                        else str(v)) for v in out[col]]
    return out


def geopackage_bytes(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    aggregates: Mapping[str, gpd.GeoDataFrame],
    plans: Mapping[str, pd.DataFrame] = {},
    notes: Sequence[str],
    title: str,
    generated_on: dt.date,
    participant_ids: Collection[str] = (),
) -> bytes:
    """A GeoPackage for QGIS: workspace layers (never participants), participant aggregates, plans
    (one table or layer each) and an 'about' table with the notes. EPSG:27700 throughout.

    `layers` may be the workspace's own mapping: only EXPORTABLE_LAYERS are written.
    """
    import pyogrio

    written: list[tuple[str, pd.DataFrame]] = []
    used: set[str] = {"about"}
    for name in EXPORTABLE_LAYERS:
        frame = layers.get(name)
        if frame is not None and len(frame):
            written.append((_layer_name(name, used), safe_table(frame, participant_ids=participant_ids,
                                                                keep_geometry=True)))
    for name, frame in aggregates.items():
        written.append((_layer_name(name, used), safe_table(frame, participant_ids=participant_ids,
                                                            keep_geometry=True)))
    for name, frame in plans.items():
        written.append((_layer_name(f"plan_{name}", used),
                        safe_table(frame, participant_ids=participant_ids,
                                   keep_geometry=isinstance(frame, gpd.GeoDataFrame))))
    about = pd.DataFrame({"key": ["title", "exported_on", *[f"note_{i + 1}" for i in range(len(notes))],
                                  *[f"layer_{n}" for n, _ in written]],
                          "value": [title, generated_on.isoformat(), *notes,
                                    *[f"{len(f):,} rows" for _, f in written]]})
    tmp = tempfile.mkdtemp(prefix="patchwork-export-")
    try:
        path = Path(tmp) / "export.gpkg"
        pyogrio.write_dataframe(about, path, layer="about", driver="GPKG")
        for name, frame in written:
            frame = _storable(frame)
            if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
                pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", append=False,
                                        promote_to_multi=False)
            else:
                pyogrio.write_dataframe(pd.DataFrame(frame), path, layer=name, driver="GPKG")
        return path.read_bytes()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- standalone HTML map ------------------------------------------------------------------------
Legend = tuple[str, Sequence[tuple[str, str]]]

_SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc=[\"']([^\"']+)[\"'][^>]*>\s*</script>", re.I)
_LINK_HREF = re.compile(r"<link\b[^>]*\bhref=[\"']([^\"']+)[\"'][^>]*/?>", re.I)
_CSS_URL = re.compile(r"url\(\s*[\"']?([^\"')]+)[\"']?\s*\)")


def _asset_for(url: str, assets: Mapping[str, str]) -> str | None:
    clean = url.split("?", 1)[0].split("#", 1)[0]
    for key in sorted(assets, key=len, reverse=True):
        if clean == key or clean.endswith("/" + key):
            return key
    return None


def _inline_css(css: str, key: str, assets: Mapping[str, str]) -> str:
    folder = key.rsplit("/", 1)[0] if "/" in key else ""

    def repl(m: re.Match[str]) -> str:
        ref = m.group(1)
        if ref.startswith("data:"):
            return m.group(0)
        target = f"{folder}/{ref}" if folder else ref
        target = re.sub(r"[^/]+/\.\./", "", target)
        data = assets.get(target)
        return f"url({data})" if data else "url(data:,)"

    return _CSS_URL.sub(repl, css)


def _legend_html(legends: Sequence[Legend]) -> str:
    blocks = []
    for title, items in legends:
        rows = "".join(f"<li><span class='sw' style='background:{html_lib.escape(c)}'></span>"
                       f"{html_lib.escape(label)}</li>" for c, label in items)
        blocks.append(f"<section><h2>{html_lib.escape(title)}</h2><ul>{rows}</ul></section>")
    return "".join(blocks)


_PAGE_CSS = """
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font-family: Arial, Helvetica, sans-serif; color: #0b0c0c; }
.pw-head { flex: none; padding: 8px 14px; border-bottom: 2px solid #0b0c0c; }
.pw-head h1 { font-size: 20px; margin: 0; }
.pw-head p { font-size: 13px; margin: 2px 0 0; color: #383f43; }
.folium-map { flex: 1 1 auto; height: auto !important; min-height: 0; }
.pw-foot { flex: none; display: flex; flex-wrap: wrap; gap: 6px 22px; padding: 6px 14px;
           border-top: 1px solid #b1b4b6; font-size: 12px; max-height: 34%; overflow: auto; }
.pw-foot h2 { font-size: 12px; margin: 0 0 2px; }
.pw-foot ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 2px 10px; }
.pw-foot li { display: flex; align-items: center; gap: 4px; }
.pw-foot .sw { display: inline-block; width: 14px; height: 10px; border: 1px solid #505a5f; }
.pw-foot .pw-notes { flex: 1 1 100%; color: #383f43; }
.pw-foot .pw-notes p { margin: 1px 0; }
"""


def standalone_html(
    m: folium.Map,
    *,
    assets: Mapping[str, str],
    title: str,
    subtitle: str = "",
    notes: Sequence[str],
    legends: Sequence[Legend] = (),
    participant_ids: Collection[str] = (),
) -> bytes:
    """The map as one HTML file that works with no network and no server.

    Every <script src> and stylesheet <link> of the rendered map is replaced by the text of the
    matching asset (keys as from `geo.io.assets.read_vendor_assets`, matched on the URL's ending), and
    CSS image references become data: URIs. A header carries `title`, a footer the legends and the
    notes. Raises ValueError naming any script or stylesheet that has no asset (it would need the
    network). Build `m` without a tile URL: tiles need the network.
    """
    page = m.get_root().render()
    missing = [u for u in _SCRIPT_SRC.findall(page) + _LINK_HREF.findall(page) if _asset_for(u, assets) is None]
    if missing:
        raise ValueError(f"these map assets cannot be inlined (no local copy): {missing}")

    def script(mt: re.Match[str]) -> str:
        js = assets[_asset_for(mt.group(1), assets)]  # type: ignore[index]
        return "<script>" + js.replace("</script", "<\\/script") + "</script>"

    def link(mt: re.Match[str]) -> str:
        key = _asset_for(mt.group(1), assets)
        css = _inline_css(assets[key], key, assets)  # type: ignore[arg-type,index]
        return "<style>" + css.replace("</style", "<\\/style") + "</style>"

    page = _SCRIPT_SRC.sub(script, page)
    page = _LINK_HREF.sub(link, page)
    head = (f"<title>{html_lib.escape(title)}</title><style>{_PAGE_CSS}</style>")
    page = page.replace("<html>", "<html lang=\"en\">", 1)
    # folium's viewport forbids zooming the page: allow it (WCAG 1.4.4, axe meta-viewport)
    page = re.sub(r",\s*maximum-scale=1\.0,\s*user-scalable=no", "", page, count=1)
    page = re.sub(r"</head>", lambda _: head + "</head>", page, count=1)
    header = (f"<header class='pw-head'><h1>{html_lib.escape(title)}</h1>"
              + (f"<p>{html_lib.escape(subtitle)}</p>" if subtitle else "") + "</header>")
    footer = ("<footer class='pw-foot'>" + _legend_html(legends) + "<div class='pw-notes'>"
              + "".join(f"<p>{html_lib.escape(n)}</p>" for n in notes) + "</div></footer>")
    page = re.sub(r"<body>", lambda _: "<body>" + header, page, count=1)
    page = re.sub(r"</body>", lambda _: footer + "</body>", page, count=1)
    check_text(page, participant_ids=participant_ids)
    return page.encode("utf-8")


# ---- PNG (headless Chromium) ---------------------------------------------------------------------
class PngUnavailable(RuntimeError):
    """No headless browser here to draw the map image; the message says what to install."""


def png_unavailable_reason() -> str | None:
    """None when `html_to_png` can work here, else a sentence saying why not and what to do."""
    if shutil.which("chromium") is None:
        return ("A map image needs the Chromium browser on the server, which is not installed "
                "(on Debian or Ubuntu: apt-get install chromium). The standalone HTML map works "
                "without it: open it and take a screenshot.")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "A map image needs the Python package playwright (make setup installs it)."
    return None


def _render_png(html: str, width: int, height: int, scale: float, timeout_ms: int, executable: str) -> bytes:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                           "--disable-background-networking", "--no-first-run"])
        try:
            context = browser.new_context(viewport={"width": width, "height": height},
                                          device_scale_factor=scale)
            context.route("**/*", lambda route, req: route.continue_()
                          if req.url.startswith(("data:", "about:")) else route.abort())
            page = context.new_page()
            page.set_default_timeout(timeout_ms)
            page.set_content(html, wait_until="load")
            page.locator(".leaflet-container").first.wait_for()
            try:
                page.locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path, .leaflet-marker-icon"
                             ).first.wait_for(timeout=5_000)
            except Exception:  # an empty map is still a map
                pass
            # fitBounds zooms with a CSS animation: wait until it has finished, or the image is
            # caught mid-zoom with the shapes stretched.
            page.wait_for_timeout(300)
            page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
            page.wait_for_timeout(300)
            return page.screenshot(type="png", full_page=False)
        finally:
            browser.close()


def html_to_png(html: bytes, *, width: int = 1600, height: int = 1000, scale: float = 1.5,
                timeout_s: float = 30.0, executable: str | None = None) -> bytes:
    """Draw a standalone map page (from `standalone_html`) in headless Chromium; PNG bytes.

    The page is laid out at `width` x `height` CSS pixels and drawn at `scale` device pixels per
    CSS pixel (1.5: sharp on slides and in the PDF; 2400 x 1500 pixels by default).
    Every request the page makes is refused (the page needs none). Raises PngUnavailable when no
    browser is installed. Runs in its own thread so it works from a Streamlit script or callback.
    """
    exe = executable or shutil.which("chromium")
    reason = None if executable else png_unavailable_reason()
    if reason or not exe:
        raise PngUnavailable(reason or "Chromium not found")
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        # Leaflet's SVG renderer: headless Chromium (software compositing) leaves part of a large
        # SVG overlay unpainted in screenshots (seen at 1600x1000 here); the canvas renderer draws
        # it all, so the image is drawn with preferCanvas on (the HTML export itself is unchanged).
        text = html.decode("utf-8").replace('"preferCanvas": false', '"preferCanvas": true')
        fut = pool.submit(_render_png, text, width, height, scale, int(timeout_s * 1000), exe)
        return fut.result(timeout=timeout_s + 30)


# ---- PDF briefing pack ----------------------------------------------------------------------------
_PDF_REPLACE = {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "≥": ">=",
                "≤": "<=", "×": "x", "\u00a0": " ", "→": "->"}


def _latin1(text: Any) -> str:
    s = str(text)
    for a, b in _PDF_REPLACE.items():
        s = s.replace(a, b)
    return s.encode("latin-1", "replace").decode("latin-1")


def _heading(column: Any) -> str:
    words = str(column).replace("_", " ").split()
    words = [{"lsoa": "LSOA", "pct": "%", "imd": "IMD"}.get(w.lower(), w) for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _table_cells(frame: pd.DataFrame, max_rows: int, max_cols: int) -> tuple[list[str], list[list[str]]]:
    t = frame.iloc[:max_rows, :max_cols]

    def fmt(v: Any) -> str:
        v = _plain(v)
        if v is None:
            return ""
        if isinstance(v, float):
            return f"{v:,.2f}".rstrip("0").rstrip(".") if abs(v) < 1e6 else f"{v:,.0f}"
        s = _latin1(v)
        return s if len(s) <= 60 else s[:57] + "..."

    header = [_latin1(_heading(c)) for c in t.columns]
    return header, [[fmt(v) for v in row] for row in t.itertuples(index=False)]


def pdf_briefing(
    *,
    title: str,
    subtitle: str,
    kpis: Sequence[tuple[str, str]],
    notes: Sequence[str],
    generated_on: dt.date,
    map_png: bytes | None = None,
    map_note: str | None = None,
    gaps_table: pd.DataFrame | None = None,
    plan: pd.DataFrame | None = None,
    plan_title: str = "Current plan",
    participant_ids: Collection[str] = (),
    max_rows: int = 25,
) -> bytes:
    """A briefing pack (A4 landscape): title, KPIs, map image (or `map_note` saying why there is
    none), top gaps, the current plan, and the data sources and attribution. Tables are made safe
    with `safe_table` and cut to `max_rows` rows and 8 columns; every page's footer carries the
    first note and the suppression rule."""
    from fpdf import FPDF

    gaps_safe = None if gaps_table is None else safe_table(gaps_table, participant_ids=participant_ids)
    plan_safe = None if plan is None else safe_table(plan, participant_ids=participant_ids)
    short_note = _latin1(notes[0]) if notes else ""

    class Pack(FPDF):
        def footer(self) -> None:  # noqa: D401 - fpdf hook
            self.set_y(-12)
            self.set_font("Helvetica", size=7)
            self.set_text_color(80, 80, 80)
            self.multi_cell(0, 3, _latin1(f"{short_note}  Counts of people from 1 to {THRESHOLD - 1} "
                                          f"are shown as <{THRESHOLD}.  Page {self.page_no()}"),
                            align="L")

    pdf = Pack(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_title(_latin1(title))
    pdf.set_author("Patchwork")
    pdf.set_creation_date(dt.datetime(generated_on.year, generated_on.month, generated_on.day,
                                      tzinfo=dt.timezone.utc))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 10, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.cell(0, 6, _latin1(f"{subtitle}  -  briefing pack, {generated_on.strftime('%d %B %Y')}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    if kpis:
        width = (pdf.w - pdf.l_margin - pdf.r_margin) / len(kpis)
        y = pdf.get_y()
        for i, (label, value) in enumerate(kpis):
            x = pdf.l_margin + i * width
            pdf.set_xy(x, y)
            pdf.set_draw_color(177, 180, 182)
            pdf.rect(x + 1, y, width - 2, 20)
            pdf.set_xy(x + 3, y + 2)
            pdf.set_font("Helvetica", size=9)
            pdf.multi_cell(width - 6, 4, _latin1(label))
            pdf.set_xy(x + 3, y + 11)
            pdf.set_font("Helvetica", "B", 15)
            pdf.cell(width - 6, 7, _latin1(value))
        pdf.set_xy(pdf.l_margin, y + 24)

    if map_png:
        avail_w = pdf.w - pdf.l_margin - pdf.r_margin
        avail_h = pdf.h - pdf.get_y() - 18
        from PIL import Image

        with Image.open(io.BytesIO(map_png)) as img:
            ratio = img.height / img.width
        w = min(avail_w, avail_h / ratio)
        pdf.image(io.BytesIO(map_png), x=pdf.l_margin + (avail_w - w) / 2, w=w, h=w * ratio,
                  alt_text="Outreach map")
    else:
        pdf.set_font("Helvetica", "I", 10)
        pdf.multi_cell(0, 5, _latin1(map_note or "No map image in this pack."))

    def table_section(heading: str, frame: pd.DataFrame | None, empty: str) -> None:
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(0, 9, _latin1(heading), new_x="LMARGIN", new_y="NEXT")
        if frame is None or not len(frame):
            pdf.set_font("Helvetica", "I", 10)
            pdf.multi_cell(0, 5, _latin1(empty))
            pdf.ln(4)
            return
        header, rows = _table_cells(frame, max_rows, 8)
        pdf.set_font("Helvetica", size=8)
        widths = [min(max([len(h)] + [len(r[i]) for r in rows]), 45) + 3 for i, h in enumerate(header)]
        with pdf.table(text_align="LEFT", line_height=4.2, first_row_as_headings=True,
                       col_widths=tuple(widths)) as table:
            r = table.row()
            for h in header:
                r.cell(h)
            for row in rows:
                r = table.row()
                for v in row:
                    r.cell(v)
        if len(frame) > max_rows:
            pdf.set_font("Helvetica", "I", 8)
            pdf.cell(0, 5, f"First {max_rows} of {len(frame):,} rows; the Excel export has them all.",
                     new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)

    pdf.add_page()
    table_section("Top gaps", gaps_safe, "No gap table in this pack.")
    table_section(_latin1(plan_title), plan_safe, "No saved plan chosen for this pack.")

    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 9, "Data sources and attribution", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    for n in notes:
        pdf.multi_cell(0, 4.5, _latin1(n), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    data = bytes(pdf.output())
    return data


def layer_tables(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, pd.DataFrame]:
    """Plain attribute tables of the public workspace layers (participants never included)."""
    labels = {"wards": "Wards", "lsoas": "LSOAs", "venues": "Venues", "partners": "Partner sites",
              "bus_routes": "Bus routes", "bus_stops": "Bus stops"}
    return {label: pd.DataFrame(layers[name].drop(columns=layers[name].geometry.name))
            for name, label in labels.items() if name in layers and len(layers[name])}


def aggregate_tables(aggregates: Mapping[str, gpd.GeoDataFrame]) -> dict[str, pd.DataFrame]:
    labels = {"engagement_by_road": "Engagement by road", "engagement_by_lsoa": "Engagement by LSOA"}
    return {labels.get(k, k): pd.DataFrame(v.drop(columns=v.geometry.name)) for k, v in aggregates.items()}


def top_gaps(lsoas: gpd.GeoDataFrame, *, reach_lsoas: pd.DataFrame | None = None,
             road_table: pd.DataFrame | None = None, n: int = 10) -> pd.DataFrame:
    """The `n` highest gap scores from geo.analyse.gaps.gap_table (default weights, overall IMD), short
    and readable. `reach_lsoas` is `ReachResult.lsoas` (None: reach left out, the reason says
    "reach not known"); `road_table` is geo.analyse.gaps.road_lsoas(...) (None: no engagement data)."""
    t = gaps.gap_table(pd.DataFrame(lsoas.drop(columns=lsoas.geometry.name)), reach_lsoas, road_table)
    cols = [c for c in ("rank", "lsoa_code", "lsoa_name", "decile", "best_min", "pct_engaged",
                        "score", "reason") if c in t.columns]
    out = t[cols].head(n).copy()
    for col, digits in (("score", 2), ("pct_engaged", 0), ("best_min", 0)):
        if col in out.columns:
            out[col] = out[col].astype("float64").round(digits)
    if reach_lsoas is None:
        out = out.drop(columns=["best_min"], errors="ignore")
    return out.rename(columns={"best_min": "minutes_to_venue"})
