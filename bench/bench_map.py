"""Map page: launch-to-first-shapes in headless Chromium, and the server time of a filter rerun.

Targets from issue 2: from launching `streamlit run` to the map's shapes drawn < 5 s on the demo
borough; a rerun after changing a filter < 300 ms of server time. The rerun's baseline is the same
rerun with every Streamlit cache cleared first (what the page would cost without caching).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.harness import benchmark

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _browser() -> Any:
    from playwright.sync_api import sync_playwright

    from geo.io import ensure_demo

    ensure_demo()
    exe = shutil.which("chromium")
    if exe is None:
        raise RuntimeError("Debian chromium is not installed (apt-get install chromium)")
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=exe, args=[
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"])
    return browser


@benchmark("map.launch_to_shapes", target_s=5.0, setup=_browser, repeat=3, warmup=1)
def launch_to_shapes(browser: Any) -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("PATCHWORK_WORKSPACE", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("streamlit did not start") from None
                time.sleep(0.05)
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        context.route("**/*", lambda route, req: route.continue_() if req.url.startswith(LOCAL)
                      else route.abort())
        page = context.new_page()
        page.goto(url, wait_until="commit")
        page.frame_locator('iframe[title="streamlit_folium.st_folium"]').locator(
            "path.leaflet-interactive").first.wait_for(state="attached", timeout=30_000)
        context.close()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _app() -> Any:
    from streamlit.testing.v1 import AppTest

    from geo.io import ensure_demo

    os.environ.pop("PATCHWORK_WORKSPACE", None)
    ensure_demo()
    at = AppTest.from_file(str(ROOT / "pages" / "map.py"), default_timeout=120)
    at.run()
    if at.exception:
        raise RuntimeError(str(at.exception))
    return {"at": at, "flip": [False]}


def _rerun(state: dict[str, Any]) -> None:
    at, flip = state["at"], state["flip"]
    flip[0] = not flip[0]
    cohorts = ["Hardest to Help", "Harder to Reach"] if flip[0] else ["Rapid Progression"]
    at.multiselect(key="cohorts").set_value(cohorts)
    at.run()
    if at.exception:
        raise RuntimeError(str(at.exception))


def _rerun_uncached(state: dict[str, Any]) -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    _rerun(state)


@benchmark("map.rerun_after_filter", target_s=0.3, setup=_app, baseline=_rerun_uncached, repeat=7)
def rerun_after_filter(state: dict[str, Any]) -> None:
    _rerun(state)
