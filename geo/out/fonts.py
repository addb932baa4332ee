"""The PDFs' font: DejaVu Sans, a Unicode TrueType font, so any name prints as written ("Tŷ Hafan",
"Café", "Łódź", Greek and Cyrillic names).

`make setup` installs the npm package `dejavu-fonts-ttf` and scripts/vendor.py copies its regular,
bold and oblique faces into `static/vendor/fonts/` (about 2.1 MB; fpdf2 embeds only the glyphs a PDF
uses). Like geo/io/assets.py this is a documented exception to "geo.io alone touches files": fpdf2
reads these vendored font files, read-only, by path; nothing here reads or writes workspace data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

#: The font family name the PDFs use with `FPDF.set_font`.
FAMILY = "DejaVuSans"
#: Where `make setup` puts the fonts (scripts/vendor.py).
FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "vendor" / "fonts"
_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}


@dataclass(frozen=True)
class PdfFonts:
    """The TrueType files of the PDFs' font: regular, bold and italic (oblique)."""

    regular: Path
    bold: Path
    italic: Path

    def by_style(self) -> dict[str, Path]:
        return {"": self.regular, "B": self.bold, "I": self.italic}


def pdf_fonts(folder: Path | None = None) -> PdfFonts:
    """The font files in `folder` (default FONT_DIR). Raises FileNotFoundError naming the missing files
    and the fix when `make setup` never vendored them."""
    base = FONT_DIR if folder is None else Path(folder)
    missing = [name for name in _FILES.values() if not (base / name).is_file()]
    if missing:
        raise FileNotFoundError(f"PDF fonts missing under {base}: {', '.join(missing)}. Run `make setup` "
                                "(npm ci and scripts/vendor.py) to install them.")
    return PdfFonts(*(base / _FILES[style] for style in ("", "B", "I")))


def unicode_pdf(*, orientation: str = "P", fonts: PdfFonts | None = None) -> FPDF:
    """An A4 FPDF in mm with the Unicode font registered as FAMILY (regular, "B" and "I") and chosen."""
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    add_fonts(pdf, fonts)
    return pdf


def add_fonts(pdf: FPDF, fonts: PdfFonts | None = None) -> None:
    """Register the Unicode font on `pdf` as FAMILY and choose it."""
    for style, path in (fonts or pdf_fonts()).by_style().items():
        pdf.add_font(FAMILY, style, path)
    pdf.set_font(FAMILY, size=10)
