"""Sign-in: hash comparison, mode detection, and the gate itself (AppTest on a two-line script)."""

from __future__ import annotations

import hashlib

import pytest
from streamlit.testing.v1 import AppTest

from ui import auth

HASH = hashlib.sha256(b"correct horse battery staple").hexdigest()
OIDC = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 40,
        "client_id": "id", "client_secret": "secret",
        "server_metadata_url": "https://login.example.org/.well-known/openid-configuration"}


def test_check_password():
    assert auth.hash_password("correct horse battery staple") == HASH
    assert auth.check_password("correct horse battery staple", HASH)
    assert auth.check_password("correct horse battery staple", HASH.upper() + "\n")
    assert not auth.check_password("Correct horse battery staple", HASH)
    assert not auth.check_password("", HASH)
    assert not auth.check_password("anything", "")  # nothing configured never lets a password in


def test_configured_mode():
    assert auth.configured_mode({}, {}) == ("open", (), "")
    assert auth.configured_mode({}, {auth.ENV_PASSWORD: HASH}) == ("password", (), HASH)
    assert auth.configured_mode({"auth": {"password_sha256": HASH}}, {}) == ("password", (), HASH)
    assert auth.configured_mode({"auth": OIDC}, {auth.ENV_PASSWORD: HASH})[:2] == ("oidc", ("default",))
    named = {k: v for k, v in OIDC.items() if k in ("redirect_uri", "cookie_secret")}
    named["microsoft"] = {k: OIDC[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    assert auth.configured_mode({"auth": named}, {})[:2] == ("oidc", ("microsoft",))
    # OIDC settings without a cookie secret cannot work: fall back to the password if there is one.
    broken = {k: v for k, v in OIDC.items() if k != "cookie_secret"} | {"password_sha256": HASH}
    assert auth.configured_mode({"auth": broken}, {})[0] == "password"


def gated_app() -> None:
    import streamlit as st

    from ui.auth import require_sign_in

    status = require_sign_in()
    st.write(f"WORKSPACE CONTENT ({status.mode})")


def page_text(at: AppTest) -> str:
    return " ".join(str(m.value) for m in at.markdown)


@pytest.fixture
def no_password(monkeypatch):
    monkeypatch.delenv(auth.ENV_PASSWORD, raising=False)


def test_open_when_nothing_configured(no_password):
    at = AppTest.from_function(gated_app)
    at.run()
    assert not at.exception
    assert "WORKSPACE CONTENT (open)" in page_text(at)


def test_password_gate(monkeypatch):
    monkeypatch.setenv(auth.ENV_PASSWORD, HASH)
    at = AppTest.from_function(gated_app)
    at.run()
    assert "WORKSPACE CONTENT" not in page_text(at)
    assert at.text_input[0].label == "Password"
    at.text_input[0].input("wrong")
    at.button[0].click().run()
    assert "WORKSPACE CONTENT" not in page_text(at)
    assert at.error and "not right" in at.error[0].value
    at.text_input[0].input("correct horse battery staple")
    at.button[0].click().run()
    assert "WORKSPACE CONTENT (password)" in page_text(at)


def test_oidc_gate_shows_sign_in(no_password):
    at = AppTest.from_function(gated_app)
    at.secrets["auth"] = OIDC
    at.run()
    assert not at.exception
    assert "WORKSPACE CONTENT" not in page_text(at)
    assert [b.label for b in at.button] == ["Sign in"]
