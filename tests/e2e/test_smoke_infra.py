"""The e2e fixtures themselves: Debian chromium starts, and off-machine requests are blocked."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>offline probe</title>
<link rel="stylesheet" href="local.css"></head>
<body><p id="ok">hello</p>
<img src="https://example.invalid/x.png" alt="external">
</body></html>
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def local_site(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "local.css").write_text("body { font-family: sans-serif; }\n", encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_external_requests_are_blocked_and_local_ones_load(browser_page, local_site: str) -> None:
    page = browser_page.page
    page.goto(f"{local_site}/index.html", wait_until="load")
    assert page.locator("#ok").inner_text() == "hello"
    assert "https://example.invalid/x.png" in browser_page.blocked
    assert f"{local_site}/index.html" in browser_page.requests
    assert f"{local_site}/local.css" in browser_page.requests
    assert all("127.0.0.1" not in url for url in browser_page.blocked)
    # A script-initiated fetch to another host is blocked too.
    outcome = page.evaluate(
        "() => fetch('https://example.invalid/data.json').then(() => 'loaded', () => 'failed')"
    )
    assert outcome == "failed"
    assert "https://example.invalid/data.json" in browser_page.blocked
