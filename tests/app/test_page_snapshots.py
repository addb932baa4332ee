"""Snapshot of the visible text of every page on the demo borough, compared with tests/app/snapshots/.

Each page in pages/ runs in AppTest on a freshly built demo workspace (`geo.io.ensure_demo()` in a
temporary workspace folder, so no saved plan, salt or column mapping of a developer's own workspaces/
leaks in) with its default widgets and no clicks. The element tree is turned into readable text, one
element a line, prefixed with its type (`metric: Participants engaged = 1,461`); tables follow their
heading line as CSV rows indented by two spaces (the first ROW_CAP rows), and text that runs over
several lines continues on indented lines. The folium map itself (a custom component) is skipped; its
legends (st.html) are kept as text.

Pinned so the text is the same on every machine and every day: `geo.model.today` (PINNED_TODAY),
no Chromium (the Export page then shows its "no map image" note), no meeting mode or sign-in from the
environment or a secrets.toml, no tile server. Normalised: the temporary workspace folder and the
repository path, solver/planner timings ("in 0.4 s" -> "in <t> s"), and float noise (floats in tables
are written with at most 6 significant digits unless the page gives a format; long decimals in text
likewise).

    PATCHWORK_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/app/test_page_snapshots.py

(re)writes the snapshots; look at `git diff tests/app/snapshots` before committing them.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import html
import io as _io
import json
import math
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo import io, model
from tests.conftest import ROOT

PAGES = ["map", "gaps", "hubs", "patches", "popups", "lots", "compare", "data", "data_protection", "exports"]
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE_ENV = "PATCHWORK_UPDATE_SNAPSHOTS"
PINNED_TODAY = dt.date(2026, 1, 15)  # a Thursday, two weeks after the demo's last enrolment (30 Dec 2025)
ROW_CAP = 30  # rows of a table written to the snapshot
OPTION_CAP = 25  # options of a selectbox/multiselect written to the snapshot
CELL_CAP = 200  # characters of one table cell
SIGNIFICANT = 6  # significant digits of a float with no format of its own
# only what a page's own environment could switch; the tests set their own workspace variables
CLEARED_ENV = ("PATCHWORK_MEETING_MODE", "PATCHWORK_PASSWORD_SHA256", "PATCHWORK_PASSWORD_HASH", "PATCHWORK_TILE_URL",
               "PATCHWORK_TILE_ATTRIBUTION")


# ---- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory) -> tuple[Path, Path]:
    """(workspace folder, demo.gpkg) built by geo.io.ensure_demo() in a fresh folder."""
    folder = tmp_path_factory.mktemp("snapshot_workspaces")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATCHWORK_WORKSPACE_DIR", str(folder))
        path = io.ensure_demo()
    assert path.parent == folder and path.exists()
    return folder, path


@pytest.fixture
def snapshot_env(demo_workspace, monkeypatch) -> tuple[Path, Path]:
    folder, path = demo_workspace
    monkeypatch.setenv("PATCHWORK_WORKSPACE_DIR", str(folder))
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    for name in CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(model, "today", lambda: PINNED_TODAY)
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which",
                        lambda cmd, *a, **k: None if "chromium" in str(cmd) else real_which(cmd, *a, **k))
    # start clean whatever ran before in this process (conftest clears after each test as well)
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    return folder, path


# ---- element tree -> text -------------------------------------------------------------------------
def _one_line(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


def _multiline(prefix: str, text: Any) -> list[str]:
    """`prefix: first line`, then the other non-blank lines indented by two spaces."""
    lines = [line.rstrip() for line in str(text).splitlines() if line.strip()]
    if not lines:
        return []
    return [f"{prefix}: {lines[0].strip()}"] + ["  " + line for line in lines[1:]]


def _number(x: Any) -> str:
    """A number as shown, without float noise: integers plainly, floats to SIGNIFICANT digits."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if math.isnan(x):
        return ""
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    out = np.format_float_positional(x, precision=SIGNIFICANT, unique=True, fractional=False, trim="-")
    return "0" if out in ("-0", "-0.") else out.rstrip(".")


def _printf(fmt: str, x: Any) -> str | None:
    """Streamlit's printf-style column formats ('%d', '%.0f', '£%.0f'); None for the named ones."""
    if not isinstance(fmt, str) or "%" not in fmt:
        return None
    try:
        return fmt % (int(x) if re.search(r"%[-+ 0#]*\d*[di]", fmt) else float(x))
    except (TypeError, ValueError):
        return None


def _cell(x: Any, fmt: str | None = None) -> str:
    if x is None or x is pd.NA or x is pd.NaT:
        return ""
    if isinstance(x, (float, np.floating)) and math.isnan(x):
        return ""
    if fmt and isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_)):
        shown = _printf(fmt, x)
        if shown is not None:
            return shown
    if isinstance(x, (int, float, np.integer, np.floating, bool, np.bool_)):
        return _number(x)
    if isinstance(x, pd.Timestamp):
        return x.date().isoformat() if x == x.normalize() else x.isoformat()
    if isinstance(x, (dt.date, dt.datetime)):
        return x.isoformat()
    if isinstance(x, (list, tuple, np.ndarray)):
        return ", ".join(_cell(v) for v in x)
    text = _one_line(x)
    return text if len(text) <= CELL_CAP else text[:CELL_CAP] + "…"


def _column_config(proto: Any) -> dict[str, dict]:
    raw = getattr(proto, "columns", "") or ""
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {}


def _table_lines(kind: str, df: pd.DataFrame, config: dict[str, dict]) -> list[str]:
    """Heading `kind: R rows × C columns`, then the first ROW_CAP rows as CSV, indented."""
    show_index = not (config.get("_index") or {}).get("hidden", False)
    if isinstance(df.index, pd.RangeIndex) and df.index.name is None:
        show_index = False  # a bare 0..n-1 index carries no page text
    columns = [c for c in df.columns if not (config.get(str(c)) or {}).get("hidden", False)]
    order = config.get("_column_order") if isinstance(config.get("_column_order"), list) else None
    if order:
        columns = [c for c in order if c in columns]
    labels = [(config.get(str(c)) or {}).get("label") or _one_line(c) for c in columns]
    formats = [((config.get(str(c)) or {}).get("type_config") or {}).get("format") for c in columns]
    header = ([_one_line(df.index.name or "")] if show_index else []) + labels
    buf = _io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for idx, row in zip(df.index[:ROW_CAP], df[columns].head(ROW_CAP).itertuples(index=False, name=None)):
        writer.writerow(([_cell(idx)] if show_index else []) + [_cell(v, f) for v, f in zip(row, formats)])
    lines = [f"{kind}: {len(df)} rows × {len(columns)} columns"]
    lines += ["  " + line for line in buf.getvalue().splitlines()]
    if len(df) > ROW_CAP:
        lines.append(f"  … {len(df) - ROW_CAP} more rows")
    return lines


def _options(options: list[str]) -> str:
    shown = [_one_line(o) for o in options[:OPTION_CAP]]
    more = f" | … +{len(options) - OPTION_CAP} more" if len(options) > OPTION_CAP else ""
    return " | ".join(shown) + more


def _widget_value(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        return " – ".join(_widget_value(x) for x in v)
    if isinstance(v, (dt.date, dt.datetime, dt.time)):
        return v.isoformat()
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return _number(v)
    return _one_line(v)


def _html_text(body: str) -> str:
    body = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", body)
    body = re.sub(r"(?i)<br\s*/?>|</(div|p|li|tr|h\d)>", " / ", body)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"(\s*/\s*)+", " / ", text).strip(" /")
    return text


def element_lines(node: Any) -> list[str]:
    """The visible text of one element (not a block), as snapshot lines."""
    kind = getattr(node, "type", type(node).__name__)
    cls = type(node).__name__
    proto = getattr(node, "proto", None)
    if kind in ("title", "header", "subheader"):
        return _multiline(kind, node.value)
    if cls == "Divider":
        return ["divider"]
    if kind == "markdown" or cls in ("Markdown", "Caption", "Latex"):
        return _multiline(getattr(node, "type", "markdown"), node.value)
    if kind in ("info", "warning", "error", "success", "text", "code", "exception", "toast"):
        return _multiline(kind, node.value)
    if kind == "metric":
        delta = f" ({node.proto.delta})" if getattr(node.proto, "delta", "") else ""
        return [f"metric: {_one_line(node.label)} = {_one_line(node.value)}{delta}"]
    if kind in ("dataframe", "table"):
        return _table_lines(kind, node.value, _column_config(proto) if kind == "dataframe" else {})
    if kind == "html":
        text = _html_text(proto.body)
        return [f"html: {text}"] if text else []
    if kind in ("button", "download_button", "link_button", "page_link", "form_submit_button"):
        return [f"{kind}: {_one_line(proto.label)}" + (" (disabled)" if getattr(proto, "disabled", False) else "")]
    if kind in ("selectbox", "radio"):
        idx = node.index
        value = node.options[idx] if idx is not None and idx < len(node.options) else "(none)"
        return [f"{kind}: {_one_line(node.label)} = {_one_line(value)} [options: {_options(node.options)}]"]
    if kind == "multiselect":
        chosen = [node.options[i] for i in node.indices]
        return [(f"multiselect: {_one_line(node.label)} = [{_options(chosen)}] "
                 f"[{len(node.options)} options: {_options(node.options)}]")]
    if kind == "button_group":
        chosen = ", ".join(_one_line(v) for v in node.formatted_values)
        label = getattr(proto, "label", "")
        return [f"pills: {_one_line(label)} = [{chosen}] [options: {_options(node.options)}]"]
    if kind in ("checkbox", "toggle"):
        return [f"{kind}: {_one_line(node.label)} = {'on' if node.value else 'off'}"]
    if kind in ("number_input", "slider", "select_slider", "date_input", "time_input", "date_time_input",
                "color_picker"):
        return [f"{kind}: {_one_line(node.label)} = {_widget_value(node.value)}"]
    if kind in ("text_input", "text_area"):
        head = f"{kind}: {_one_line(node.label)} ="
        lines = [line.rstrip() for line in str(node.value or "").splitlines() if line.strip()]
        return [f"{head} {lines[0].strip()}" if lines else head] + ["  " + line for line in lines[1:]]
    if kind == "file_uploader":
        return [f"file_uploader: {_one_line(node.proto.label)}"]
    if kind == "progress":
        return [f"progress: {_one_line(getattr(proto, 'text', ''))}"]
    if kind in ("imgs", "image"):
        return ["image"]
    if kind in ("space", "empty"):
        return []
    if kind == "component_instance" or cls == "UnknownElement":
        return []  # the folium map (a custom component): not text
    label = getattr(node, "label", None) or getattr(proto, "label", None)
    value = getattr(node, "value", None) if not label else None
    return [f"{kind}: {_one_line(label or value or '')}".rstrip()]


def block_lines(block: Any) -> Iterator[str]:
    """Walk a block's children in document order."""
    for i in sorted(block.children):
        child = block.children[i]
        if hasattr(child, "children") and not hasattr(child, "value"):
            kind = getattr(child, "type", "")
            if kind == "tab":
                yield f"tab: {_one_line(child.label)}"
            elif kind == "expander":
                yield f"expander: {_one_line(child.label)}"
            elif kind == "status":
                yield f"status: {_one_line(child.label)} [{child.state}]"
            elif kind == "popover":
                yield f"popover: {_one_line(child.proto.popover.label)}"
            elif kind == "dialog":
                yield f"dialog: {_one_line(child.proto.dialog.title)}"
            yield from block_lines(child)
        else:
            yield from element_lines(child)


def page_text(at: AppTest) -> str:
    lines: list[str] = list(block_lines(at.main))
    side = list(block_lines(at.sidebar))
    if side:
        lines += ["--- sidebar ---", *side]
    return "\n".join(line.rstrip() for line in lines) + "\n"


# ---- normalisation --------------------------------------------------------------------------------
def _round_long_decimal(m: re.Match) -> str:
    return _number(float(m.group(0)))


def normalise(text: str, *, workspace_dir: Path) -> str:
    """Replace what differs between machines and runs but is not the page's behaviour."""
    for real, placeholder in ((workspace_dir.resolve(), "<workspace_dir>"), (workspace_dir, "<workspace_dir>"),
                              (ROOT.resolve(), "<repo>"), (ROOT, "<repo>")):
        text = text.replace(str(real), placeholder)
    # timings of the solvers/planners and of page work ("Hubs chosen in 0.4 s", "(HiGHS, 0.12 s)")
    text = re.sub(r"(?<![\w.])\d+\.\d+(?= ?s\b)", "<t>", text)
    # float noise: a long decimal fraction (7+ digits) is cut to SIGNIFICANT significant digits
    text = re.sub(r"(?<![\w.])-?\d+\.\d{7,}(?![\w.])", _round_long_decimal, text)
    return text


# ---- the test -------------------------------------------------------------------------------------
def render(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=120)
    # own secrets: a developer's .streamlit/secrets.toml (meeting mode, sign-in) must not reach the text
    at.secrets = {"patchwork": {"meeting_mode": "off"}}
    at.run()
    return at


def _wall_clock_hint(diff: str) -> str:
    today = dt.date.today()
    shown = [f"{today:%Y-%m-%d}", f"{today:%d/%m/%Y}", f"{today.day} {today:%B %Y}", f"{today:%d %B %Y}"]
    changed = "\n".join(line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++"))
    if today != PINNED_TODAY and any(s in changed for s in shown):
        return (f"\nNote: the new text shows today's real date ({today}); the pin of geo.model.today to "
                f"{PINNED_TODAY} no longer reaches the page (did `today` move?).")
    return ""


@pytest.mark.parametrize("page", PAGES)
def test_page_text_matches_snapshot(page, snapshot_env):
    folder, _ = snapshot_env
    at = render(page)
    assert not at.exception, f"pages/{page}.py raised: {[e.value for e in at.exception]}"
    text = normalise(page_text(at), workspace_dir=folder)
    assert re.search(r"^title: ", text, re.MULTILINE) and text.count("\n") >= 5, \
        f"pages/{page}.py shows no title or almost no text:\n{text}"

    snap = SNAPSHOTS / f"{page}.txt"
    if os.environ.get(UPDATE_ENV) == "1":
        SNAPSHOTS.mkdir(parents=True, exist_ok=True)
        snap.write_text(text, encoding="utf-8", newline="\n")
        return
    if not snap.exists():
        pytest.fail(f"no snapshot {snap.relative_to(ROOT)} for pages/{page}.py. Create it with\n"
                    f"  {UPDATE_ENV}=1 .venv/bin/python -m pytest -q {Path(__file__).relative_to(ROOT)}\n"
                    "then read it and commit it.")
    expected = snap.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), text.splitlines(keepends=True),
                                            fromfile=f"snapshots/{page}.txt (stored)",
                                            tofile=f"pages/{page}.py (now)", n=2))
        pytest.fail(f"the visible text of pages/{page}.py changed:\n{diff}{_wall_clock_hint(diff)}\n"
                    f"If the change is intended, rewrite the snapshots with {UPDATE_ENV}=1 and commit them.",
                    pytrace=False)


if __name__ == "__main__":  # pragma: no cover - `python tests/app/test_page_snapshots.py` runs just this file
    sys.exit(pytest.main(["-q", __file__]))
