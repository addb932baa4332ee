"""Sign-in: mode detection and the gate itself (AppTest on a two-line script): the salted hash, the old
SHA-256 setting refused, and wrong passwords slowed down (a fake clock). Hashing itself: test_signin.py."""

from __future__ import annotations

import hashlib

import pytest
from streamlit.testing.v1 import AppTest

from geo import signin
from ui import auth

HASH = signin.hash_password("correct horse battery staple", log2_n=4)
OLD_SHA256 = hashlib.sha256(b"correct horse battery staple").hexdigest()
OIDC = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 40,
        "client_id": "id", "client_secret": "secret",
        "server_metadata_url": "https://login.example.org/.well-known/openid-configuration"}


def test_configured_mode():
    assert auth.configured_mode({}, {}) == ("open", (), "")
    assert auth.configured_mode({}, {auth.ENV_PASSWORD: HASH}) == ("password", (), HASH)
    assert auth.configured_mode({"auth": {"password_hash": HASH}}, {}) == ("password", (), HASH)
    # the old settings still mean "password" (refused at the gate), never "open"
    assert auth.configured_mode({"auth": {"password_sha256": OLD_SHA256}}, {}) == ("password", (), OLD_SHA256)
    assert auth.configured_mode({}, {auth.LEGACY_ENV: OLD_SHA256}) == ("password", (), OLD_SHA256)
    assert auth.configured_mode({"auth": {"password_hash": HASH}}, {auth.LEGACY_ENV: OLD_SHA256})[2] == HASH
    assert auth.configured_mode({"auth": OIDC}, {auth.ENV_PASSWORD: HASH})[:2] == ("oidc", ("default",))
    named = {k: v for k, v in OIDC.items() if k in ("redirect_uri", "cookie_secret")}
    named["microsoft"] = {k: OIDC[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    assert auth.configured_mode({"auth": named}, {})[:2] == ("oidc", ("microsoft",))
    # OIDC settings without a cookie secret cannot work: fall back to the password if there is one.
    broken = {k: v for k, v in OIDC.items() if k != "cookie_secret"} | {"password_hash": HASH}
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
    monkeypatch.delenv(auth.LEGACY_ENV, raising=False)


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch, no_password):
    """A fresh attempts counter on a fake clock (the real one is shared by the server process)."""
    fake = Clock()
    monkeypatch.setattr(auth, "ATTEMPTS", signin.Attempts(clock=fake))
    return fake


def test_open_when_nothing_configured(no_password):
    at = AppTest.from_function(gated_app)
    at.run()
    assert not at.exception
    assert "WORKSPACE CONTENT (open)" in page_text(at)


def test_password_gate(monkeypatch, clock):
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


def sign_in(at: AppTest, password: str) -> AppTest:
    at.text_input[0].input(password)
    at.button[0].click().run()
    return at


def test_wrong_passwords_are_slowed_down_without_sleeping(monkeypatch, clock):
    monkeypatch.setenv(auth.ENV_PASSWORD, HASH)
    at = AppTest.from_function(gated_app)
    at.run()
    for _ in range(4):
        assert "Try again" not in sign_in(at, "wrong").error[0].value
    assert sign_in(at, "wrong").error[0].value.endswith("Too many wrong passwords. Try again in 1 s.")
    # the right password too soon is refused unchecked; another session is refused alike (one server)
    assert sign_in(at, "correct horse battery staple").error[0].value == "Too many wrong passwords. Try again in 1 s."
    other = AppTest.from_function(gated_app)
    other.run()
    assert "Try again in 1 s" in sign_in(other, "correct horse battery staple").error[0].value
    clock.now += 1
    assert sign_in(at, "wrong").error[0].value.endswith("Try again in 2 s.")  # twice as long as before
    clock.now += 2
    assert "WORKSPACE CONTENT (password)" in page_text(sign_in(at, "correct horse battery staple"))
    assert auth.ATTEMPTS.wait() == 0  # a right password starts afresh


def test_old_sha256_setting_is_refused_and_says_how_to_make_the_new_hash(monkeypatch, no_password):
    monkeypatch.setenv(auth.LEGACY_ENV, OLD_SHA256)
    at = AppTest.from_function(gated_app)
    at.run()
    assert "WORKSPACE CONTENT" not in page_text(at)
    assert not at.text_input  # no password box: the right password must not open it
    message = at.error[0].value
    assert "old unsalted SHA-256" in message and signin.COMMAND in message and "password_hash" in message
