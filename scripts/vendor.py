"""Copy browser assets from node_modules/ into static/vendor/ (served by Streamlit).

Run by ``make setup`` after ``npm ci``. Streamlit serves ``static/`` at ``/app/static/``
when ``server.enableStaticServing`` is on, so Leaflet ends up at
``/app/static/vendor/leaflet/leaflet.js`` and ``.../leaflet.css`` (marker images in
``.../images/``); axe-core (used only by the accessibility test) at
``static/vendor/axe-core/axe.min.js``; the DejaVu Sans TrueType fonts the PDFs are set in (fpdf2's
Unicode fonts: any name prints as written) at ``static/vendor/fonts/`` (regular, bold, oblique and the
licence: about 2.1 MB). static/vendor/ is generated and gitignored: never commit it.

Usage: python scripts/vendor.py [--root REPO_ROOT]
Idempotent: the destination folder of each asset set is replaced as a whole.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

# (package in node_modules, files/folders relative to that package, destination under static/vendor)
ASSETS: list[tuple[str, list[str], str]] = [
    ("leaflet", ["dist/leaflet.js", "dist/leaflet.css", "dist/images"], "leaflet"),
    # Accessibility engine for the browser tests (tests/e2e/test_accessibility.py); never loaded
    # by the app's pages.
    ("axe-core", ["axe.min.js", "LICENSE"], "axe-core"),
    # The PDFs' font (geo/out/fonts.py): DejaVu Sans covers Latin, Greek, Cyrillic and Welsh (ŵ, ŷ).
    ("dejavu-fonts-ttf", ["ttf/DejaVuSans.ttf", "ttf/DejaVuSans-Bold.ttf", "ttf/DejaVuSans-Oblique.ttf", "LICENSE"],
     "fonts"),
]


def vendor(root: Path) -> list[Path]:
    """Copy every asset listed in ASSETS; return the destination paths. Raise on a missing source."""
    node_modules = root / "node_modules"
    out_root = root / "static" / "vendor"
    missing = [
        node_modules / pkg / rel
        for pkg, rels, _ in ASSETS
        for rel in rels
        if not (node_modules / pkg / rel).exists()
    ]
    if missing:
        listing = "\n  ".join(str(m) for m in missing)
        raise FileNotFoundError(
            f"missing in node_modules (run `npm ci --no-audit --no-fund` first):\n  {listing}"
        )
    written: list[Path] = []
    for pkg, rels, dest_name in ASSETS:
        dest = out_root / dest_name
        tmp = out_root / f".{dest_name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for rel in rels:
            src = node_modules / pkg / rel
            target = tmp / src.name
            if src.is_dir():
                shutil.copytree(src, target)
            else:
                shutil.copy2(src, target)
        shutil.rmtree(dest, ignore_errors=True)
        tmp.rename(dest)
        written.append(dest)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args(argv)
    try:
        written = vendor(args.root.resolve())
    except FileNotFoundError as exc:
        print(f"vendor: {exc}", file=sys.stderr)
        return 1
    for dest in written:
        print(f"vendor: {dest.relative_to(args.root.resolve())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
