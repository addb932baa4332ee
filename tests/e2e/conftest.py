"""Browser (end-to-end) test fixtures: a real Streamlit server and Debian's chromium.

Fixtures
- ``streamlit_launcher`` (session): ``launch(script, *, cwd=REPO_ROOT, env=None, timeout_s=60)
  -> ServerURL``; starts ``<python> -m streamlit run <script>`` on a free port. Servers stop at the
  end of the session.
- ``app_server`` (session): the real app (``app.py`` from the repo root). A ``ServerURL``: a ``str``
  (``"http://127.0.0.1:PORT"``) that also carries ``.port``, ``.launch_s`` (seconds from launch to a
  healthy ``/_stcore/health``), ``.log_path`` and ``.process``.
- ``chromium_browser`` (session): a Playwright ``Browser`` on Debian's chromium (never Playwright's
  own download). Skips when chromium is absent, except with CI=true, where that fails.
- ``browser_page`` (function): a ``BrowserSession`` with ``.page`` (1600x1000), ``.context``,
  ``.requests`` (every URL the page asked for), ``.blocked`` (URLs aborted because their host is not
  127.0.0.1/localhost), ``.console_errors``, ``.page_errors``, and ``.map_frame()`` (a FrameLocator on
  the streamlit-folium iframe). On failure a screenshot lands in ``artifacts/e2e/``.

Checking Leaflet drew the map::

    frame = browser_page.map_frame()
    frame.locator("path.leaflet-interactive").first.wait_for()
    assert frame.locator("path.leaflet-interactive").count() > 0
    assert browser_page.blocked == []
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "artifacts" / "e2e"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
# streamlit-folium's component iframe (title checked with Streamlit 1.67 / streamlit-folium 0.27.4).
MAP_IFRAME_SELECTOR = 'iframe[title="streamlit_folium.st_folium"]'
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1600, "height": 1000}


def is_local_url(url: str) -> bool:
    """True for URLs the page may load: loopback hosts, and data:/blob:/about: URLs."""
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about", "chrome-error"}:
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerURL(str):
    """Base URL of a running Streamlit server; a plain str with extra attributes."""

    port: int
    launch_s: float
    log_path: Path
    process: subprocess.Popen[bytes]

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _stop(process: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout_s)


def _launch_streamlit(
    script: str | os.PathLike[str],
    *,
    cwd: Path,
    env: dict[str, str] | None,
    timeout_s: float,
    log_dir: Path,
) -> ServerURL:
    port = free_port()
    log_path = log_dir / f"streamlit-{port}.log"
    cmd = [
        sys.executable, "-m", "streamlit", "run", os.fspath(script),
        "--server.port", str(port),
        "--server.headless", "true",
    ]
    started = time.perf_counter()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=dict(os.environ if env is None else env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: teardown kills it and its children
        )
    url = ServerURL(f"http://127.0.0.1:{port}")
    url.port, url.log_path, url.process = port, log_path, process
    health = f"{url}/_stcore/health"
    deadline = started + timeout_s
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"streamlit exited with code {process.returncode} before it was healthy\n"
                f"command: {' '.join(cmd)}\n{url.log_tail()}"
            )
        try:
            with urllib.request.urlopen(health, timeout=2) as resp:
                if resp.status == 200 and resp.read().strip() == b"ok":
                    break
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.perf_counter() > deadline:
            _stop(process)
            raise RuntimeError(
                f"streamlit not healthy at {health} after {timeout_s:.0f} s\n{url.log_tail()}"
            )
        time.sleep(0.2)
    url.launch_s = time.perf_counter() - started
    return url


@pytest.fixture(scope="session")
def streamlit_launcher() -> Iterator[Callable[..., ServerURL]]:
    """Factory: ``launch(script, *, cwd=REPO_ROOT, env=None, timeout_s=60) -> ServerURL``."""
    servers: list[ServerURL] = []
    log_dir = Path(tempfile.mkdtemp(prefix="patchwork-e2e-"))

    def launch(
        script: str | os.PathLike[str] = "app.py",
        *,
        cwd: Path = REPO_ROOT,
        env: dict[str, str] | None = None,
        timeout_s: float = 60.0,
    ) -> ServerURL:
        url = _launch_streamlit(script, cwd=Path(cwd), env=env, timeout_s=timeout_s, log_dir=log_dir)
        servers.append(url)
        return url

    yield launch
    for url in servers:
        _stop(url.process)
    shutil.rmtree(log_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def app_server(streamlit_launcher: Callable[..., ServerURL]) -> ServerURL:
    """The real app, started once per session from the repo root (environment unchanged)."""
    url = streamlit_launcher("app.py", cwd=REPO_ROOT)
    print(f"\napp_server: {url} healthy after {url.launch_s:.2f} s")
    return url


def _missing_browser(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (required when CI=true; .ci/run installs Debian's chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        _missing_browser("chromium not found on PATH (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - requirements.txt pins playwright
        _missing_browser(f"playwright not importable: {exc}")
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    except Exception:
        pw.stop()
        raise
    yield browser
    browser.close()
    pw.stop()


@dataclass
class BrowserSession:
    page: Any
    context: Any
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def map_frame(self, index: int = 0) -> Any:
        """FrameLocator on the ``index``-th streamlit-folium map iframe."""
        return self.page.frame_locator(MAP_IFRAME_SELECTOR).nth(index)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)  # read by browser_page to screenshot failures
    return report


@pytest.fixture
def browser_page(chromium_browser: Any, request: pytest.FixtureRequest) -> Iterator[BrowserSession]:
    """A fresh context and page; every request to a non-local host is aborted and recorded."""
    context = chromium_browser.new_context(viewport=VIEWPORT, service_workers="block")
    session = BrowserSession(page=None, context=context)

    def route_handler(route: Any, req: Any) -> None:
        url = req.url
        session.requests.append(url)
        if is_local_url(url):
            route.continue_()
        else:
            session.blocked.append(url)
            route.abort("blockedbyclient")

    def ws_handler(ws: Any) -> None:
        session.requests.append(ws.url)
        session.blocked.append(ws.url)
        ws.close()

    context.route("**/*", route_handler)
    context.route_web_socket(lambda url: not is_local_url(url), ws_handler)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("console", lambda msg: msg.type == "error" and session.console_errors.append(msg.text))
    page.on("pageerror", lambda err: session.page_errors.append(str(err)))
    session.page = page
    try:
        yield session
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            try:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)
                page.screenshot(path=str(ARTIFACTS / f"{safe}.png"), full_page=True)
            except Exception:
                pass
        context.close()
