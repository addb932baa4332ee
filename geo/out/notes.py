"""The data-source, attribution and suppression notes every export carries."""

from __future__ import annotations

import re
from collections.abc import Mapping

from geo.privacy import THRESHOLD

OGL_NOTE = (
    "Contains OS data © Crown copyright and database right 2025; Contains Royal Mail data © Royal "
    "Mail copyright and database right 2025; Contains National Statistics data © Crown copyright "
    "and database right; Contains public sector information licensed under the Open Government "
    "Licence v3.0."
)
OSM_NOTE = "Roads, venues and bus data: © OpenStreetMap contributors, ODbL."
DEMO_NOTE = ("Fictional demo data: every place, person and number is generated for demonstration; "
             "no real people or places.")
SUPPRESSION_NOTE = (f"Counts of people from 1 to {THRESHOLD - 1} are shown as \"<{THRESHOLD}\"; \"*\" hides "
                    "one more count where a total would let a \"<5\" be worked back. Participant records "
                    "are never exported: only counts per road and per LSOA.")

#: Metadata keys never copied into an export (secrets and the pseudonymisation salt).
_SECRET_KEY = re.compile(r"salt|secret|password|token|key$", re.IGNORECASE)
_OSM_TEXT = re.compile(r"\b(osm|openstreetmap)\b", re.IGNORECASE)


def data_notes(meta: Mapping[str, str], *, osm: bool | None = None) -> list[str]:
    """The data-source and attribution lines every export carries.

    Fictional workspaces (meta fictional=true) get the demo note; real ones the ONS/OS/Royal Mail
    Open Government Licence text, plus the OpenStreetMap (ODbL) line when `osm` is true or, with
    `osm=None`, when any metadata value mentions OSM/OpenStreetMap. The workspace's own
    `attribution` is kept when it adds something. The suppression rule always comes last.
    """
    fictional = str(meta.get("fictional", "false")).lower() == "true"
    if osm is None:
        osm = any(_OSM_TEXT.search(str(v)) for k, v in meta.items() if not _SECRET_KEY.search(str(k)))
    notes = [DEMO_NOTE] if fictional else [OGL_NOTE]
    if osm:
        notes.append(OSM_NOTE)
    own = str(meta.get("attribution", "")).strip()
    if own and not fictional:  # keep only what the standard lines do not already say
        said = " ".join(notes).lower()
        extra = [p.strip().rstrip(".") for p in own.split(";")]
        extra = [p for p in extra if p and p.lower() not in said]
        if extra:
            notes.insert(1, "Workspace source: " + "; ".join(extra) + ".")
    notes.append(SUPPRESSION_NOTE)
    return notes
