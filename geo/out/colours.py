"""The map palettes: one place for every colour a map or its legend uses.

Screen palettes are ColorBrewer / Okabe-Ito; meeting mode swaps in high-contrast, colour-blind-safe
ones (viridis deciles, Okabe-Ito vermillion against blues). Legends (ui.display.legend) read the
same constants, so a swatch always matches what is drawn.
"""

from __future__ import annotations

from geo.model import PARTNER_KINDS, VENUE_KINDS

#: Decile 1 (most deprived) darkest. ColorBrewer Purples, extended to ten classes.
DECILE_COLOURS: tuple[str, ...] = (
    "#3f007d", "#54278f", "#6a51a3", "#807dba", "#9e9ac8",
    "#bcbddc", "#dadaeb", "#e7e6f1", "#f2f0f7", "#fcfbfd",
)
NO_DATA_COLOUR = "#bdbdbd"
#: Engagement bands: 'none' stands out (Okabe-Ito vermillion); engaged roads in greens.
BAND_COLOURS: dict[str, str] = {"none": "#d55e00", "<5": "#a1d99b", "5–9": "#41ab5d", "10+": "#00441b"}
BAND_WEIGHTS: dict[str, float] = {"none": 2.6, "<5": 2.4, "5–9": 3.0, "10+": 3.6}
UNNAMED_COLOUR = "#9e9e9e"
#: Okabe-Ito based qualitative palette for the nine venue kinds.
VENUE_COLOURS: dict[str, str] = dict(zip(VENUE_KINDS, (
    "#0072b2", "#e69f00", "#cc79a7", "#8c564b", "#d55e00", "#009e73", "#56b4e9", "#f0e442", "#000000",
)))
PARTNER_COLOURS: dict[str, str] = dict(zip(PARTNER_KINDS, (
    "#1d3557", "#2a9d8f", "#e76f51", "#6d597a", "#c1121f", "#588157", "#f4a261", "#3a86ff", "#6c757d",
)))
#: Colour of a venue or partner kind the palettes above do not name.
OTHER_KIND_COLOUR = "#505a5f"
#: Meeting mode: high-contrast, colour-blind-safe (viridis deciles; Okabe-Ito vermillion vs blues).
MEETING_DECILE_COLOURS: tuple[str, ...] = (
    "#440154", "#482878", "#3e4989", "#31688e", "#26828e",
    "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725",
)
MEETING_BAND_COLOURS: dict[str, str] = {"none": "#d55e00", "<5": "#56b4e9", "5–9": "#0072b2", "10+": "#00204d"}

#: Reach time bands (geo.analyse.reach.BANDS), short (blue) to long (red): ColorBrewer RdBu, colour-blind safe.
REACH_COLOURS: dict[str, str] = {"<10": "#2166ac", "10–20": "#92c5de", "20–30": "#f4a582", "30+": "#b2182b",
                                 "no data": NO_DATA_COLOUR}
MEETING_REACH_COLOURS: dict[str, str] = {"<10": "#0072b2", "10–20": "#56b4e9", "20–30": "#e69f00",
                                         "30+": "#d55e00", "no data": NO_DATA_COLOUR}
#: Catchment rings of a clicked venue (within 10, 20, 30 minutes): dark outlines, solid to dotted,
#: so they read over any colouring (reach bands, deciles).
CATCHMENT_COLOURS: tuple[str, ...] = ("#000000", "#4d4d4d", "#7f7f7f")
CATCHMENT_DASHES: tuple[str | None, ...] = (None, "9 5", "2 6")
#: Gaps map: the top gaps stand out; the rest are quiet.
GAP_COLOUR = "#d55e00"
GAP_ROAD_COLOUR = "#7a0177"
#: Bus routes, one colour each in turn.
ROUTE_COLOURS: tuple[str, ...] = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")
#: Outlines and text drawn over the map (ward outlines and names, markers' rims).
INK = "#0b0c0c"
#: Line and marker sizes are multiplied by this in meeting mode.
MEETING_SCALE = 1.7


def reach_colours(*, meeting: bool = False) -> dict[str, str]:
    return MEETING_REACH_COLOURS if meeting else REACH_COLOURS


def decile_colours(*, meeting: bool = False) -> tuple[str, ...]:
    return MEETING_DECILE_COLOURS if meeting else DECILE_COLOURS


def band_colours(*, meeting: bool = False) -> dict[str, str]:
    return MEETING_BAND_COLOURS if meeting else BAND_COLOURS


def size_scale(*, meeting: bool = False) -> float:
    """How much bigger lines and markers are drawn: MEETING_SCALE in meeting mode, else 1."""
    return MEETING_SCALE if meeting else 1.0
