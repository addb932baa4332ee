"""Pure parsers of published files (ONS, IoD, postcodes, points, OSM, GTFS, NaPTAN)."""
