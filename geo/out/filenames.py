"""The names of exported files."""

from __future__ import annotations

import datetime as dt

from geo.text import slug


def export_filename(workspace_name: str, what: str, ext: str, *, on: dt.date) -> str:
    """'patchwork-<workspace>-<what>-YYYY-MM-DD.<ext>' with a filesystem-safe workspace slug (geo.text.slug)."""
    return f"patchwork-{slug(workspace_name)}-{what}-{on.isoformat()}.{ext}"
