"""The standalone HTML map: one file that works with no network and no server.

The rendered folium map's <script src> and stylesheet <link> are replaced by the text of the
vendored assets (from `geo.io.assets.read_vendor_assets`, passed in: nothing here opens a file), CSS
image references become data: URIs, and a header and footer carry the title, legends and notes
(HTML-escaped). The page is checked for participant identifiers before it is returned.

The footer carries the attribution in full, so a picture of the page (the PNG export, or the page
printed) hides Leaflet's zoom buttons and its attribution control (`STATIC_CSS`): the attribution is
printed once, under the map.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Collection, Mapping, Sequence

import folium

from geo.out.basemap import attribution_texts
from geo.out.privacy_guard import check_text

Legend = tuple[str, Sequence[tuple[str, str]]]

_SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc=[\"']([^\"']+)[\"'][^>]*>\s*</script>", re.IGNORECASE)
_LINK_HREF = re.compile(r"<link\b[^>]*\bhref=[\"']([^\"']+)[\"'][^>]*/?>", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*[\"']?([^\"')]+)[\"']?\s*\)")
_PARENT_DIR = re.compile(r"[^/]+/\.\./")
_NO_PAGE_ZOOM = re.compile(r",\s*maximum-scale=1\.0,\s*user-scalable=no")


def _asset_for(url: str, assets: Mapping[str, str]) -> str | None:
    clean = url.split("?", 1)[0].split("#", 1)[0]
    for key in sorted(assets, key=len, reverse=True):
        if clean == key or clean.endswith("/" + key):
            return key
    return None


def _inline_css(css: str, key: str, assets: Mapping[str, str]) -> str:
    folder = key.rsplit("/", 1)[0] if "/" in key else ""

    def repl(m: re.Match[str]) -> str:
        ref = m.group(1)
        if ref.startswith("data:"):
            return m.group(0)
        target = f"{folder}/{ref}" if folder else ref
        target = _PARENT_DIR.sub("", target)
        data = assets.get(target)
        return f"url({data})" if data else "url(data:,)"

    return _CSS_URL.sub(repl, css)


#: What a picture of the page leaves out: the zoom buttons, and Leaflet's attribution control (the
#: footer carries the attribution). Applied when the page is printed and by geo.out.png.
STATIC_CSS = ".leaflet-control-zoom, .leaflet-control-attribution { display: none !important; }"


def footer_notes(notes: Sequence[str], attributions: Sequence[str]) -> list[str]:
    """`notes`, plus a "Map data: ..." line with every part of `attributions` (split at ";") that no note
    already says, so the footer alone carries the whole attribution."""
    said = " ".join(notes).casefold()
    extra: list[str] = []
    for text in attributions:
        for part in (p.strip().rstrip(".") for p in text.split(";")):
            if part and part.casefold() not in said and part.casefold() not in {e.casefold() for e in extra}:
                extra.append(part)
    return [*notes, "Map data: " + "; ".join(extra) + "."] if extra else list(notes)


def _legend_html(legends: Sequence[Legend]) -> str:
    blocks = []
    for title, items in legends:
        rows = "".join(f"<li><span class='sw' style='background:{html_lib.escape(c)}'></span>"
                       f"{html_lib.escape(label)}</li>" for c, label in items)
        blocks.append(f"<section><h2>{html_lib.escape(title)}</h2><ul>{rows}</ul></section>")
    return "".join(blocks)


_PAGE_CSS = """
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font-family: Arial, Helvetica, sans-serif; color: #0b0c0c; }
.pw-head { flex: none; padding: 8px 14px; border-bottom: 2px solid #0b0c0c; }
.pw-head h1 { font-size: 20px; margin: 0; }
.pw-head p { font-size: 13px; margin: 2px 0 0; color: #383f43; }
.folium-map { flex: 1 1 auto; height: auto !important; min-height: 0; }
.pw-foot { flex: none; display: flex; flex-wrap: wrap; gap: 6px 22px; padding: 6px 14px;
           border-top: 1px solid #b1b4b6; font-size: 12px; max-height: 34%; overflow: auto; }
.pw-foot h2 { font-size: 12px; margin: 0 0 2px; }
.pw-foot ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 2px 10px; }
.pw-foot li { display: flex; align-items: center; gap: 4px; }
.pw-foot .sw { display: inline-block; width: 14px; height: 10px; border: 1px solid #505a5f; }
.pw-foot .pw-notes { flex: 1 1 100%; color: #383f43; }
.pw-foot .pw-notes p { margin: 1px 0; }
""" + f"@media print {{ {STATIC_CSS} }}\n"


def standalone_html(
    m: folium.Map,
    *,
    assets: Mapping[str, str],
    title: str,
    subtitle: str = "",
    notes: Sequence[str],
    legends: Sequence[Legend] = (),
    participant_ids: Collection[str] = (),
) -> bytes:
    """The map as one HTML file that works with no network and no server.

    Every <script src> and stylesheet <link> of the rendered map is replaced by the text of the
    matching asset (keys as from `geo.io.assets.read_vendor_assets`, matched on the URL's ending), and
    CSS image references become data: URIs. A header carries `title`, a footer the legends and the
    notes, with any part of the map's own attribution that the notes do not already say
    (`footer_notes`). Raises ValueError naming any script or stylesheet that has no asset (it would need the
    network). Build `m` without a tile URL: tiles need the network.
    """
    page = m.get_root().render()
    missing = [u for u in _SCRIPT_SRC.findall(page) + _LINK_HREF.findall(page) if _asset_for(u, assets) is None]
    if missing:
        raise ValueError(f"these map assets cannot be inlined (no local copy): {missing}")

    def key(mt: re.Match[str]) -> str:
        found = _asset_for(mt.group(1), assets)
        assert found is not None  # every URL was checked above
        return found

    def script(mt: re.Match[str]) -> str:
        return "<script>" + assets[key(mt)].replace("</script", "<\\/script") + "</script>"

    def link(mt: re.Match[str]) -> str:
        css = _inline_css(assets[key(mt)], key(mt), assets)
        return "<style>" + css.replace("</style", "<\\/style") + "</style>"

    page = _SCRIPT_SRC.sub(script, page)
    page = _LINK_HREF.sub(link, page)
    head = (f"<title>{html_lib.escape(title)}</title><style>{_PAGE_CSS}</style>")
    page = page.replace("<html>", "<html lang=\"en\">", 1)
    # folium's viewport forbids zooming the page: allow it (WCAG 1.4.4, axe meta-viewport)
    page = _NO_PAGE_ZOOM.sub("", page, count=1)
    page = page.replace("</head>", head + "</head>", 1)
    header = (f"<header class='pw-head'><h1>{html_lib.escape(title)}</h1>"
              + (f"<p>{html_lib.escape(subtitle)}</p>" if subtitle else "") + "</header>")
    footer = ("<footer class='pw-foot'>" + _legend_html(legends) + "<div class='pw-notes'>"
              + "".join(f"<p>{html_lib.escape(n)}</p>" for n in footer_notes(notes, attribution_texts(m)))
              + "</div></footer>")
    page = page.replace("<body>", "<body>" + header, 1)
    page = page.replace("</body>", footer + "</body>", 1)
    check_text(page, participant_ids=participant_ids)
    return page.encode("utf-8")


