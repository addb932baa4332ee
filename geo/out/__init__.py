"""Outputs: the base map and plan layers, tables, exports (PDF, Excel, GeoPackage, .ics, HTML)."""
