"""The exports for the meeting and after it, by the names their callers know; one module per format.

Every export returns bytes and takes everything it needs as parameters (the Leaflet asset text comes
from `geo.io.assets.read_vendor_assets`); nothing reads workspace files. Two scratch resources are
used and never outlive the call: a temporary directory for the GeoPackage (GDAL writes files) and a
headless Chromium for the PNG.

Privacy, the same rules as on screen (geo.out.privacy_guard, geo.out.aggregates): participant
points, `participant_id` and the pseudonymisation salt are never written; participants appear only as
counts per road and per LSOA; every count of people passes through `geo.privacy.suppress`; a final
guard (`PrivacyError`) refuses to write a table that still holds a raw small count or an identifier.
Every export carries the data-source and attribution notes from `data_notes`.

- geo.out.notes: `data_notes`; geo.out.filenames: `export_filename`, `slug`;
- geo.out.privacy_guard: `safe_table`, `check_table`, `check_text`, `scrub_payload`, `PrivacyError`;
- geo.out.aggregates: `engagement_aggregates`;
- geo.out.tables: `layer_tables`, `aggregate_tables`, `top_gaps`, `csv_bytes`, `excel_bytes`;
- geo.out.saved_plans: `PlanExport` (a saved plan as its page shows it), `plans_overview`;
- geo.out.gpkg: `geopackage_bytes` (and `gpkg_bytes`, the one GeoPackage writer);
- geo.out.offline_html: `standalone_html`; geo.out.png: `html_to_png`; geo.out.pdf: `pdf_briefing`.
"""

from __future__ import annotations

from geo.out.aggregates import FEW_HOUSEHOLDS, NOT_SHOWN, engagement_aggregates
from geo.out.filenames import export_filename
from geo.out.gpkg import EXPORTABLE_LAYERS, geopackage_bytes
from geo.out.notes import data_notes
from geo.out.offline_html import Legend, standalone_html
from geo.out.pdf import pdf_briefing
from geo.out.png import PngUnavailable, html_to_png, png_unavailable_reason
from geo.out.privacy_guard import (
    PrivacyError,
    check_table,
    check_text,
    is_identifier_column,
    is_people_column,
    safe_table,
    scrub_payload,
)
from geo.out.saved_plans import PlanExport, plans_overview
from geo.out.tables import aggregate_tables, csv_bytes, excel_bytes, layer_tables, top_gaps

__all__ = [
    "EXPORTABLE_LAYERS", "FEW_HOUSEHOLDS", "NOT_SHOWN", "Legend", "PlanExport", "PngUnavailable", "PrivacyError",
    "aggregate_tables", "check_table", "check_text", "csv_bytes", "data_notes", "engagement_aggregates",
    "excel_bytes", "export_filename", "geopackage_bytes", "html_to_png", "is_identifier_column", "is_people_column",
    "layer_tables", "pdf_briefing", "plans_overview", "png_unavailable_reason", "safe_table", "scrub_payload",
    "standalone_html", "top_gaps",
]
