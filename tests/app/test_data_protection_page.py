"""AppTest of the Data protection page: what is stored, pseudonymisation, sign-in, retention purge."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from geo import io, model
from tests.conftest import ROOT, tiny_layers


@pytest.fixture
def page(tiny_workspace_path, monkeypatch, tmp_path):
    """The page on a copy of the tiny workspace (the purge rewrites it), with today pinned."""
    copy = tmp_path / "tiny.gpkg"
    shutil.copy(tiny_workspace_path, copy)
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(copy))
    monkeypatch.setenv("PATCHWORK_WORKSPACE_DIR", str(tmp_path))
    monkeypatch.delenv("PATCHWORK_PASSWORD_SHA256", raising=False)
    monkeypatch.delenv("PATCHWORK_PASSWORD_HASH", raising=False)
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


def test_purge_keeps_each_plan_at_its_revision_so_a_stale_tab_stays_refused(page):
    """Issue 13 items 4 and 5: the purge used to rewrite the file and save the plans again from version 1,
    so a tab still holding version 1 overwrote the newer plan."""
    at, path = page
    first = io.save_plan(path, kind="hubs", name="Spring", payload={"hubs": ["v1"]})
    second = io.save_plan(path, kind="hubs", name="Spring", payload={"hubs": ["v2"]}, expected_version=first)
    at.number_input(key="retention_months").set_value(12).run()
    at.checkbox(key="retention_confirm").check().run()
    at.button(key="retention_purge").click().run()
    assert not at.exception, at.exception
    info, payload = io.load_plan(path, kind="hubs", name="Spring")
    assert (info.version, payload) == (second, {"hubs": ["v2"]})
    with pytest.raises(io.StalePlanError):
        io.save_plan(path, kind="hubs", name="Spring", payload={"hubs": ["stale"]}, expected_version=first)
    assert [(e.reason, e.rows) for e in io.erasures(path)] == [("retention purge", 6)]


def test_erasure_on_request_by_the_original_id(page, tmp_path):
    at, path = page
    salt = b"k" * 32
    (tmp_path / io.SALT_FILE).write_bytes(salt)
    # the tiny workspace's ids are not pseudonyms: make participant 4's the pseudonym of CASE-1004
    pid = io.pseudonym_of("CASE-1004", salt=salt)
    layers = tiny_layers()
    layers["participants"].loc[4, "participant_id"] = pid
    io.write_workspace(path, layers, {"name": "Tiny Town", "fictional": "true"})
    at.run()
    assert "erasure_go" not in [b.key for b in at.button]  # nothing typed: nothing to erase
    at.text_input(key="erasure_by").input("Dana Steward")
    at.text_input(key="erasure_id").input("CASE-1004").run()
    assert "**<5** participant records have this identifier" in at.warning[-1].value
    assert at.button(key="erasure_go").disabled  # not without the confirmation
    at.checkbox(key="erasure_confirm").check().run()
    at.button(key="erasure_go").click().run()
    assert not at.exception, at.exception
    assert any("Erased <5 participant records (one participant, by the original id)" in s.value for s in at.success)
    assert at.text_input(key="erasure_id").value == ""  # the typed identifier is not kept
    left = io.read_workspace(path).layer("participants")["participant_id"]
    assert len(left) == 11 and pid not in set(left)
    log = at.dataframe[0].value
    assert list(log["By"]) == ["Dana Steward"] and list(log["Rows"]) == ["<5"]
    shown = text_of(at) + log.to_csv()
    assert "CASE-1004" not in shown and pid not in shown
    at.text_input(key="erasure_id").input("CASE-1004").run()  # a second time: nobody left with it
    assert any("nothing to erase" in i.value for i in at.info)


def test_erasure_by_a_malformed_pseudonymous_id_says_what_one_looks_like(page):
    at, _ = page
    at.radio(key="erasure_how").set_value("The pseudonymous id (p-…)").run()
    at.text_input(key="erasure_id").input("pid004").run()
    assert "is not a pseudonymous id" in at.error[0].value and "erasure_go" not in [b.key for b in at.button]
