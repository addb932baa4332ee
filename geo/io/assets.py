"""Read the vendored browser assets (Leaflet) so exports can inline them.

A deliberate, documented exception to "geo.io is the only module that touches files": this module
reads, and only reads, the third-party files that `make setup` copies into `static/vendor/`
(see scripts/vendor.py). Nothing here reads or writes workspace data. It returns plain text so that
`geo.out.exports` stays pure (it receives the asset text as a parameter and never opens a file).
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path

#: Assets a standalone map needs, relative to static/vendor/.
LEAFLET_FILES: tuple[str, ...] = ("leaflet/leaflet.js", "leaflet/leaflet.css")


def vendor_dir(root: str | Path) -> Path:
    """`<root>/static/vendor`, where `make setup` puts the browser assets."""
    return Path(root) / "static" / "vendor"


def read_vendor_assets(root: str | Path) -> dict[str, str]:
    """Leaflet's JS and CSS as text, and its images as data: URIs, keyed by path under static/vendor.

    `root` is the repository root (the folder holding `static/`). Keys look like
    "leaflet/leaflet.js", "leaflet/leaflet.css" and "leaflet/images/layers.png" (the last a
    "data:image/png;base64,..." string). Raises FileNotFoundError naming the missing file and the fix
    when the assets were never installed.
    """
    base = vendor_dir(root)
    missing = [rel for rel in LEAFLET_FILES if not (base / rel).is_file()]
    if missing:
        raise FileNotFoundError(
            f"browser assets missing under {base}: {', '.join(missing)}. "
            "Run `make setup` (npm ci and scripts/vendor.py) to install them.")
    out = {rel: (base / rel).read_text(encoding="utf-8") for rel in LEAFLET_FILES}
    images = base / "leaflet" / "images"
    if images.is_dir():
        for path in sorted(images.iterdir()):
            if path.is_file():
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                data = base64.b64encode(path.read_bytes()).decode("ascii")
                out[f"leaflet/images/{path.name}"] = f"data:{mime};base64,{data}"
    return out
