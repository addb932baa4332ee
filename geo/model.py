"""Layer schemas, the Workspace container and DataError.

Everything the app holds is a GeoDataFrame in EPSG:27700 (British National Grid, metres) whose
columns follow one of the schemas below. `validate_layer` is the single gate every layer passes
through, whether it comes from the demo generator, a GeoPackage or an importer: it coerces types
and reports *every* problem at once as a `DataError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

CRS = "EPSG:27700"

Kind = Literal["str", "int", "float", "bool", "date"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, said so that a person can fix it."""

    source: str
    message: str
    row: int | None = None
    column: str | None = None
    fix: str | None = None

    def __str__(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = ", ".join(where) + f": {self.message}"
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


class DataError(ValueError):
    """Bad input. Carries every problem found, each naming file, row, column and fix."""

    def __init__(self, problems: list[Problem] | Problem | str, *, source: str = "input") -> None:
        if isinstance(problems, str):
            problems = [Problem(source=source, message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    nullable: bool = True
    description: str = ""


@dataclass(frozen=True)
class LayerSchema:
    name: str
    geometry: Literal["Polygon", "LineString", "Point"]
    columns: tuple[Column, ...]
    label: str

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


DOMAINS: tuple[str, ...] = (
    "income",
    "employment",
    "education",
    "health",
    "crime",
    "housing",
    "environment",
)
DOMAIN_LABELS: dict[str, str] = {
    "imd": "Index of Multiple Deprivation (overall)",
    "income": "Income",
    "employment": "Employment",
    "education": "Education, skills and training",
    "health": "Health and disability",
    "crime": "Crime",
    "housing": "Barriers to housing and services",
    "environment": "Living environment",
}

COHORTS: tuple[str, ...] = (
    "Hardest to Help",
    "Harder to Reach",
    "Rapid Progression",
    "Employed Progression",
)
REFERRAL_SOURCES: tuple[str, ...] = (
    "Leaflet or event",
    "Another organisation",
    "Friends and family",
    "Jobcentre Plus",
    "Social media",
)
VENUE_KINDS: dict[str, str] = {
    "library": "Library",
    "community_centre": "Community centre",
    "childrens_centre": "Children's centre",
    "church_hall": "Church hall",
    "food_bank": "Food bank",
    "leisure_centre": "Leisure centre",
    "supermarket_cafe": "Supermarket cafe",
    "school": "School",
    "gp_surgery": "GP surgery",
}
PARTNER_KINDS: dict[str, str] = {
    "jobcentre_plus": "Jobcentre Plus",
    "housing_association": "Housing association",
    "citizens_advice": "Citizens Advice",
    "college": "College",
    "health": "Health",
    "voluntary_sector": "Voluntary sector",
    "childcare_provider": "Childcare provider",
    "esol_provider": "ESOL provider",
    "employer": "Employer",
}


def _c(name: str, kind: Kind, required: bool = False, nullable: bool = True) -> Column:
    return Column(name, kind, required, nullable if not required else False)


SCHEMAS: dict[str, LayerSchema] = {
    "wards": LayerSchema(
        "wards",
        "Polygon",
        (
            _c("ward_code", "str", True),
            _c("ward_name", "str", True),
            _c("lad_code", "str"),
            _c("lad_name", "str"),
            _c("boundary_year", "int"),
        ),
        "Wards",
    ),
    "lsoas": LayerSchema(
        "lsoas",
        "Polygon",
        (
            _c("lsoa_code", "str", True),
            _c("population", "int", True),
            _c("lsoa_name", "str"),
            _c("ward_code", "str"),
            _c("working_age", "int"),
            _c("imd_rank", "int"),
            _c("imd_decile", "int"),
            _c("imd_score", "float"),
            *(_c(f"{d}_decile", "int") for d in DOMAINS),
            _c("employment_score", "float"),
            _c("imd_edition", "int"),
        ),
        "LSOAs",
    ),
    "roads": LayerSchema(
        "roads",
        "LineString",
        (
            _c("road_id", "str", True),
            _c("name", "str", True),
            _c("ward_code", "str"),
            _c("households", "int"),
            _c("social_housing", "bool"),
        ),
        "Roads",
    ),
    "participants": LayerSchema(
        "participants",
        "Point",
        (
            _c("participant_id", "str", True),
            _c("enrolled_on", "date", True),
            _c("cohort", "str"),
            _c("status", "str"),
            _c("referral_source", "str"),
            _c("embedded", "bool"),
            _c("job_start_on", "date"),
            _c("sustained_13w", "bool"),
        ),
        "Participants",
    ),
    "venues": LayerSchema(
        "venues",
        "Point",
        (
            _c("venue_id", "str", True),
            _c("name", "str", True),
            _c("kind", "str", True),
            _c("address", "str"),
            _c("wifi", "bool"),
            _c("toilets", "bool"),
            _c("step_free", "bool"),
            _c("childcare", "bool"),
            _c("quiet_room", "bool"),
            _c("capacity", "int"),
            _c("cost_per_hour", "float"),
            _c("opening_hours", "str"),
            _c("closed", "bool"),
        ),
        "Venues",
    ),
    "bus_stops": LayerSchema(
        "bus_stops",
        "Point",
        (_c("stop_id", "str", True), _c("name", "str", True), _c("route_ids", "str")),
        "Bus stops",
    ),
    "bus_routes": LayerSchema(
        "bus_routes",
        "LineString",
        (
            _c("route_id", "str", True),
            _c("name", "str", True),
            _c("trips_per_hour", "float"),
            _c("speed_kmh", "float"),
        ),
        "Bus routes",
    ),
    "partners": LayerSchema(
        "partners",
        "Point",
        (
            _c("partner_id", "str", True),
            _c("name", "str", True),
            _c("kind", "str", True),
            _c("refers", "bool"),
            _c("co_location", "bool"),
        ),
        "Partner sites",
    ),
}

#: The point layers an import limits to the area (the wards plus a margin, geo.read.area), each with
#: the layer that holds the points a user chose to keep although they lie further out. Only reach
#: reads the outside layers (`points_for_reach`); hubs, satellites, session venues and the area's
#: figures read `Workspace.layer("venues")`, which holds the area's points and nothing else.
OUTSIDE_LAYERS: dict[str, str] = {"venues": "venues_outside", "partners": "partners_outside"}
#: The column `points_for_reach` adds: True for a point kept outside the area.
OUTSIDE_FLAG = "outside_area"
SCHEMAS.update({
    outer: LayerSchema(outer, "Point", SCHEMAS[inner].columns, f"{SCHEMAS[inner].label} outside the area")
    for inner, outer in OUTSIDE_LAYERS.items()
})
#: Wards of earlier boundary years (2013...), each row with its `boundary_year`: only the Lots page reads
#: them (`ward_years`); every other reader of `Workspace.layer("wards")` sees the current wards.
OLDER_WARDS = "wards_older"
SCHEMAS[OLDER_WARDS] = LayerSchema(OLDER_WARDS, "Polygon", SCHEMAS["wards"].columns,
                                   "Wards of earlier boundary years")

#: Layers a workspace must have; the rest may be absent (a real area often starts without roads).
REQUIRED_LAYERS: tuple[str, ...] = ("wards", "lsoas")

_GEOM_FAMILY = {
    "Polygon": {"Polygon", "MultiPolygon"},
    "LineString": {"LineString", "MultiLineString"},
    "Point": {"Point"},
}


def _booleans(index: pd.Index, true: np.ndarray, false: np.ndarray) -> pd.Series:
    """A nullable boolean column: True where `true`, False where `false`, NA elsewhere."""
    values = np.full(len(index), None, dtype=object)
    values[true] = True
    values[false] = False
    return pd.Series(pd.array(values, dtype="boolean"), index=index)


def coerce_column(series: pd.Series, kind: Kind) -> tuple[pd.Series, pd.Series]:
    """Return (coerced, bad_mask): bad_mask marks non-null inputs that could not be coerced."""
    notnull = series.notna()
    if kind == "str":
        out = series.astype("string")
        return out, pd.Series(False, index=series.index)
    if kind in ("int", "float"):
        raw = series
        if raw.dtype == object or pd.api.types.is_string_dtype(raw):
            raw = raw.astype("string").str.replace(",", "", regex=False).str.strip()
        num = pd.to_numeric(raw, errors="coerce")
        bad = notnull & num.isna()
        if kind == "int":
            frac = num.notna() & (num != np.round(num))
            bad = bad | frac
            return num.round().astype("Int64"), bad
        return num.astype("Float64"), bad
    if kind == "bool":
        truthy = {"true", "1", "yes", "y", "t"}
        falsy = {"false", "0", "no", "n", "f"}
        if pd.api.types.is_bool_dtype(series):
            return series.astype("boolean"), pd.Series(False, index=series.index)
        if pd.api.types.is_numeric_dtype(series):
            num = pd.to_numeric(series, errors="coerce")
            out = _booleans(series.index, (num == 1).fillna(False).to_numpy(dtype=bool),
                            (num == 0).fillna(False).to_numpy(dtype=bool))
            return out, notnull & out.isna()
        text = series.astype("string").str.strip().str.lower()
        out = _booleans(series.index, text.isin(truthy).fillna(False).to_numpy(dtype=bool),
                        text.isin(falsy).fillna(False).to_numpy(dtype=bool))
        bad = notnull & out.isna()
        return out, bad
    if kind == "date":
        parsed = pd.to_datetime(series, errors="coerce", dayfirst=False, format="mixed")
        bad = notnull & parsed.isna()
        return parsed.dt.normalize().astype("datetime64[ms]"), bad
    raise AssertionError(kind)


def validate_layer(
    frame: gpd.GeoDataFrame,
    layer: str,
    *,
    source: str | None = None,
    allow_empty: bool = False,
) -> gpd.GeoDataFrame:
    """Check `frame` against the schema of `layer` and return a coerced copy in EPSG:27700.

    Raises DataError listing every problem: missing columns, values of the wrong type (by row),
    missing required values, wrong or empty geometries, a missing CRS, duplicate identifiers and an
    empty layer. Rows are numbered from 1 as a person counts them in a file.
    """
    schema = SCHEMAS[layer]
    src = source or f"layer '{layer}'"
    problems: list[Problem] = []

    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry is None:
        raise DataError(
            Problem(src, f"is not a spatial layer: {layer} needs {schema.geometry} geometries.")
        )
    if len(frame) == 0 and not allow_empty:
        raise DataError(
            Problem(src, f"has no rows; the {schema.label.lower()} layer needs at least one.",
                    fix="Check the file holds data for your area, or remove the layer.")
        )
    missing = [c for c in schema.required if c not in frame.columns]
    for col in missing:
        problems.append(
            Problem(src, f"required column is missing (columns found: {', '.join(map(str, frame.columns))}).",
                    column=col, fix=f"Add a '{col}' column or map an existing column to it.")
        )
    if frame.crs is None:
        problems.append(Problem(src, "has no coordinate reference system.",
                                fix="Save the file with its CRS (for example EPSG:27700 or EPSG:4326)."))

    out = frame.copy()
    geoms = out.geometry
    allowed = _GEOM_FAMILY[schema.geometry]
    types = geoms.geom_type
    for i in np.flatnonzero(geoms.isna().to_numpy() | geoms.is_empty.to_numpy()):
        problems.append(Problem(src, "geometry is empty.", row=int(i) + 1, column="geometry",
                                fix="Remove the row or give it a location."))
    wrong = ~types.isin(list(allowed)) & geoms.notna() & ~geoms.is_empty
    for i in np.flatnonzero(wrong.to_numpy())[:20]:
        problems.append(Problem(src, f"geometry is a {types.iloc[i]}, expected {schema.geometry}.",
                                row=int(i) + 1, column="geometry",
                                fix=f"Load {schema.label.lower()} as {schema.geometry} features."))
    if wrong.sum() > 20:
        problems.append(Problem(src, f"{int(wrong.sum()) - 20} more rows have the wrong geometry type."))

    for spec in schema.columns:
        if spec.name not in out.columns:
            continue
        coerced, bad = coerce_column(out[spec.name], spec.kind)
        for i in np.flatnonzero(bad.to_numpy())[:20]:
            problems.append(Problem(src, f"value {out[spec.name].iloc[i]!r} is not a valid {spec.kind}.",
                                    row=int(i) + 1, column=spec.name,
                                    fix="Correct the value or leave it blank."))
        if bad.sum() > 20:
            problems.append(Problem(src, f"{int(bad.sum()) - 20} more rows have invalid values.",
                                    column=spec.name))
        if spec.required:
            null = coerced.isna() & ~bad
            for i in np.flatnonzero(null.to_numpy())[:20]:
                problems.append(Problem(src, "required value is blank.", row=int(i) + 1,
                                        column=spec.name, fix="Fill it in or remove the row."))
        out[spec.name] = coerced

    id_col = schema.columns[0]
    if id_col.required and id_col.name in out.columns:
        dup = out[id_col.name].duplicated(keep="first") & out[id_col.name].notna()
        for i in np.flatnonzero(dup.to_numpy())[:20]:
            problems.append(Problem(src, f"identifier {out[id_col.name].iloc[i]!r} appears more than once.",
                                    row=int(i) + 1, column=id_col.name,
                                    fix="Identifiers must be unique; remove or renumber the duplicate."))
    if problems:
        raise DataError(problems)
    if out.crs is not None and out.crs.to_epsg() != 27700:
        out = out.to_crs(CRS)
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class Workspace:
    """One area's data: layers by name (all EPSG:27700) plus metadata.

    `id` changes whenever the content changes (it is a content hash written by geo.io), so it can key
    caches. `meta` holds plain strings: name, fictional flag, imd_edition, attribution, notes.
    """

    id: str
    name: str
    layers: Mapping[str, gpd.GeoDataFrame]
    meta: Mapping[str, str] = field(default_factory=dict)

    def has(self, layer: str) -> bool:
        return layer in self.layers and len(self.layers[layer]) > 0

    def layer(self, layer: str) -> gpd.GeoDataFrame:
        if layer in self.layers:
            return self.layers[layer]
        schema = SCHEMAS[layer]
        return gpd.GeoDataFrame(
            {c.name: pd.Series(dtype="object") for c in schema.columns},
            geometry=gpd.GeoSeries([], crs=CRS),
            crs=CRS,
        )

    @property
    def fictional(self) -> bool:
        return self.meta.get("fictional", "false").lower() == "true"

    @property
    def display_name(self) -> str:
        return f"{self.name} (fictional demo data)" if self.fictional else self.name


def points_for_reach(ws: Workspace, layer: str) -> gpd.GeoDataFrame:
    """For reach only: the area's `layer` ("venues" or "partners") and after it the points kept outside
    the area, with `outside_area` True for those. Never pick hubs, satellites or session venues, or
    count the area's figures, from this: read `ws.layer(layer)` (the area's points) for those."""
    inside = ws.layer(layer)
    outside = ws.layer(OUTSIDE_LAYERS[layer])
    parts = [frame.assign(**{OUTSIDE_FLAG: flag}) for frame, flag in ((inside, False), (outside, True)) if len(frame)]
    if not parts:
        return inside.assign(**{OUTSIDE_FLAG: pd.Series(dtype="bool")})
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=CRS)


def ward_years(ws: Workspace) -> gpd.GeoDataFrame:
    """For the Lots page only: the current wards, then the wards of earlier boundary years (each row says
    its `boundary_year`). Maps, figures and plans read `ws.layer("wards")`, the current wards."""
    parts = [frame for frame in (ws.layer("wards"), ws.layer(OLDER_WARDS)) if len(frame)]
    if len(parts) < 2:
        return ws.layer("wards")
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=CRS)


def _outside_clashes(valid: Mapping[str, gpd.GeoDataFrame], *, source: str) -> list[Problem]:
    """An identifier of an outside layer that is also in its area layer (reach reads both as one)."""
    problems: list[Problem] = []
    for inner, outer in ((i, o) for i, o in OUTSIDE_LAYERS.items() if i in valid and o in valid):
        id_col = SCHEMAS[inner].columns[0].name
        known = set(valid[inner][id_col].astype(str))
        problems += [Problem(f"{source}, layer '{outer}'", f"identifier {value!r} is also in the {inner} layer.",
                             row=i + 1, column=id_col, fix="Identifiers must be unique across a layer and its "
                                                           "outside layer.")
                     for i, value in enumerate(valid[outer][id_col].astype(str)) if value in known]
    return problems[:20]


def validate_workspace(layers: Mapping[str, gpd.GeoDataFrame], *, source: str) -> dict[str, gpd.GeoDataFrame]:
    """Validate every layer, collecting the problems of all layers into one DataError."""
    problems: list[Problem] = []
    out: dict[str, gpd.GeoDataFrame] = {}
    for name in REQUIRED_LAYERS:
        if name not in layers:
            problems.append(Problem(source, f"has no '{name}' layer; a workspace needs wards and LSOAs.",
                                    fix=f"Import {SCHEMAS[name].label.lower()} boundaries first."))
    for name, frame in layers.items():
        if name not in SCHEMAS:
            continue
        try:
            out[name] = validate_layer(frame, name, source=f"{source}, layer '{name}'",
                                       allow_empty=name not in REQUIRED_LAYERS)
        except DataError as err:
            problems.extend(err.problems)
    problems.extend(_outside_clashes(out, source=source))
    if problems:
        raise DataError(problems)
    return out


def today() -> dt.date:
    """The app's notion of today (a function so tests can pin it)."""
    return dt.date.today()
