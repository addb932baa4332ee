"""The map as a PNG image, drawn by headless Chromium (Debian's `chromium`, driven by Playwright).

The browser is a scratch resource: started for one image, refused every network request (the page
from `geo.out.offline_html.standalone_html` needs none), and closed before returning. The image is a
picture of that page as it prints (`image_page`): no zoom buttons, and the attribution once, in the
page's footer, not again in Leaflet's control.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import shutil

from geo.out.offline_html import STATIC_CSS

try:  # Playwright is needed only for the image: everything else works without it
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - make setup installs it
    HAVE_PLAYWRIGHT = False
else:
    HAVE_PLAYWRIGHT = True


class PngUnavailable(RuntimeError):
    """No headless browser here to draw the map image; the message says what to install."""


def png_unavailable_reason() -> str | None:
    """None when `html_to_png` can work here, else a sentence saying why not and what to do."""
    if shutil.which("chromium") is None:
        return ("A map image needs the Chromium browser on the server, which is not installed "
                "(on Debian or Ubuntu: apt-get install chromium). The standalone HTML map works "
                "without it: open it and take a screenshot.")
    if not HAVE_PLAYWRIGHT:
        return "A map image needs the Python package playwright (make setup installs it)."
    return None


def image_page(html: str) -> str:
    """The standalone page as the image draws it: Leaflet's canvas renderer (headless Chromium, with
    software compositing, leaves part of a large SVG overlay unpainted in screenshots, seen at
    1600x1000; the canvas renderer draws it all), and `STATIC_CSS` (no zoom buttons; the attribution
    only in the footer)."""
    text = html.replace('"preferCanvas": false', '"preferCanvas": true')
    return text.replace("</head>", f"<style>{STATIC_CSS}</style></head>", 1)


def _render_png(html: str, width: int, height: int, scale: float, timeout_ms: int, executable: str) -> bytes:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                           "--disable-background-networking", "--no-first-run"])
        try:
            context = browser.new_context(viewport={"width": width, "height": height},
                                          device_scale_factor=scale)
            context.route("**/*", lambda route, req: route.continue_()
                          if req.url.startswith(("data:", "about:")) else route.abort())
            page = context.new_page()
            page.set_default_timeout(timeout_ms)
            page.set_content(html, wait_until="load")
            page.locator(".leaflet-container").first.wait_for()
            with contextlib.suppress(PlaywrightTimeout):  # an empty map is still a map
                page.locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path, .leaflet-marker-icon"
                             ).first.wait_for(timeout=5_000)
            # fitBounds zooms with a CSS animation: wait until it has finished, or the image is
            # caught mid-zoom with the shapes stretched.
            page.wait_for_timeout(300)
            page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
            page.wait_for_timeout(300)
            return page.screenshot(type="png", full_page=False)
        finally:
            browser.close()


def html_to_png(html: bytes, *, width: int = 1600, height: int = 1000, scale: float = 1.5,
                timeout_s: float = 30.0, executable: str | None = None) -> bytes:
    """Draw a standalone map page (from `standalone_html`) in headless Chromium; PNG bytes.

    The page is laid out at `width` x `height` CSS pixels and drawn at `scale` device pixels per
    CSS pixel (1.5: sharp on slides and in the PDF; 2400 x 1500 pixels by default).
    Every request the page makes is refused (the page needs none). Raises PngUnavailable when no
    browser is installed. Runs in its own thread so it works from a Streamlit script or callback.
    """
    exe = executable or shutil.which("chromium")
    reason = None if executable else png_unavailable_reason()
    if reason or not exe:
        raise PngUnavailable(reason or "Chromium not found")
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        fut = pool.submit(_render_png, image_page(html.decode("utf-8")), width, height, scale,
                          int(timeout_s * 1000), exe)
        return fut.result(timeout=timeout_s + 30)


