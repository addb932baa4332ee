"""AppTest of the Data protection page: what is stored, pseudonymisation, sign-in, retention purge."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from geo import io, model
from tests.conftest import ROOT


@pytest.fixture
def page(tiny_workspace_path, monkeypatch, tmp_path):
    """The page on a copy of the tiny workspace (the purge rewrites it), with today pinned."""
    copy = tmp_path / "tiny.gpkg"
    shutil.copy(tiny_workspace_path, copy)
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(copy))
    monkeypatch.setenv("PATCHWORK_WORKSPACE_DIR", str(tmp_path))
    monkeypatch.delenv("PATCHWORK_PASSWORD_SHA256", raising=False)
    monkeypatch.setattr(model, "today", lambda: dt.date(2025, 6, 1))
    at = AppTest.from_file(str(ROOT / "pages" / "data_protection.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at, copy


def text_of(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "warning", "success", "caption")
                    for e in at.get(kind))


def test_describes_storage_and_pseudonymisation(page):
    at, path = page
    text = text_of(at)
    assert str(path) in text and "GeoPackage" in text
    assert "SHA-256" in text and "participant_id" in text
    assert "Salt status**: not set yet" in text
    assert "Open: no sign-in is configured" in text
    table = at.table[0].value
    row = table.loc["Participants"]
    assert row["Personal data"].startswith("yes") and "participant_id" in row["Columns"]
    assert not any(f"pid{i:03d}" in text for i in range(12))


def test_salt_status_when_set(page, tmp_path):
    at, _ = page
    (tmp_path / io.SALT_FILE).write_bytes(b"s" * 32)
    at.run()
    text = text_of(at)
    assert f"set; kept in `{tmp_path / io.SALT_FILE}`" in text
    assert "ssss" not in text  # the salt itself is never shown


def test_retention_purge_after_confirm(page):
    at, path = page
    io.save_plan(path, kind="hubs", name="Spring", payload={"hubs": ["v1"]})
    # today 2025-06-01, 12 months -> cut-off 2024-06-01: the 6 of February 2024 are old; the 3 of
    # July 2024, the 1 of September 2024 and the 2 of March 2025 are kept.
    at.number_input(key="retention_months").set_value(12).run()
    assert "**6** participant records" in at.warning[-1].value
    assert at.button(key="retention_purge").disabled  # nothing happens without the confirmation
    at.checkbox(key="retention_confirm").check().run()
    at.button(key="retention_purge").click().run()
    assert not at.exception, at.exception
    ws = io.read_workspace(path)
    assert len(ws.layer("participants")) == 6
    assert ws.meta["retention_months"] == "12" and ws.meta["retention_applied_on"] == "2025-06-01"
    assert [p.name for p in io.list_plans(path, kind="hubs")] == ["Spring"]  # plans survive the rewrite
    assert any("Purged 6 participant records" in s.value for s in at.success)


def test_purge_preview_follows_the_months(page):
    at, _ = page
    at.number_input(key="retention_months").set_value(9).run()  # cut-off 2024-09-01: the 6 + the 3 of July
    assert "**9** participant records" in at.warning[-1].value
    at.number_input(key="retention_months").set_value(8).run()  # cut-off 2024-10-01: and the 1 of September
    assert "**10** participant records" in at.warning[-1].value
    at.number_input(key="retention_months").set_value(16).run()  # cut-off 2024-02-01: nobody is older
    assert any("No participant record is older" in s.value for s in at.success)
