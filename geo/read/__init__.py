"""Pure parsers of published files, on frames geo.io has read (no file access here).

- `report`: the import report (rows read, used, rejected and flagged, with reasons);
- `columns`: which column holds what (roles, the user's mapping) and reading numbers;
- `geometry`: CRS, Great Britain bounds, geometry checks and distance to the study area;
- `area`: the pure half of building a workspace (study area, LSOAs and their values, clipping, metadata);
- `ons` (ward and LSOA boundaries), `iod` (IoD and population tables), `postcodes` (Code-Point Open,
  ONSPD), `points` (venue, partner and participant lists), `osm` (OpenStreetMap), `feeds` (GTFS, NaPTAN).
"""
