"""The one filesystem-safe slug, and the names of exported files."""

from __future__ import annotations

import datetime as dt
import re

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, *, fallback: str) -> str:
    """`text` in lower case with every run of other characters than a-z and 0-9 as one '-', trimmed;
    `fallback` when nothing is left ("Tiny Town (demo)" -> "tiny-town-demo")."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-") or fallback


def export_filename(workspace_name: str, what: str, ext: str, *, on: dt.date) -> str:
    """'patchwork-<workspace>-<what>-YYYY-MM-DD.<ext>' with a filesystem-safe workspace slug."""
    return f"patchwork-{slug(workspace_name, fallback='workspace')}-{what}-{on.isoformat()}.{ext}"
