"""Sign-in for a shared deployment: Streamlit's built-in OIDC sign-in, or one configured password.

Which one applies, first match wins:
1. OIDC: `.streamlit/secrets.toml` has an `[auth]` section with `redirect_uri`, `cookie_secret` and
   a provider (client_id, client_secret, server_metadata_url directly under `[auth]`, or in an
   `[auth.<provider>]` section). People sign in with `st.login` (needs Authlib) and the app shows
   who is signed in, with a sign-out button.
2. Password: the SHA-256 (hex) of a shared password in `st.secrets["auth"]["password_sha256"]` or
   the environment variable PATCHWORK_PASSWORD_SHA256. The typed password is hashed and compared
   with `hmac.compare_digest`; the password itself is never stored.
3. Neither: the app is open to anyone who can reach it (fine on a laptop bound to 127.0.0.1);
   the Data protection page says so.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st

Mode = Literal["open", "password", "oidc"]
ENV_PASSWORD = "PATCHWORK_PASSWORD_SHA256"
_SESSION_KEY = "_patchwork_password_ok"
_OIDC_KEYS = ("client_id", "client_secret", "server_metadata_url")


@dataclass(frozen=True)
class AuthStatus:
    """How this deployment is protected, and who is signed in (None when open or unknown)."""

    mode: Mode
    signed_in: bool
    user: str | None = None
    providers: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        if self.mode == "oidc":
            return ("Sign-in with your organisation's account (OpenID Connect"
                    + (f": {', '.join(self.providers)}" if self.providers and self.providers != ("default",) else "")
                    + ").")
        if self.mode == "password":
            return "Sign-in with the team's shared password."
        return ("Open: no sign-in is configured, so anyone who can reach this app can see the workspace. "
                "Fine on your own computer (the app listens on 127.0.0.1 only); configure sign-in before "
                "sharing it on a network.")


def hash_password(password: str) -> str:
    """SHA-256 hex digest of `password` (what to put in password_sha256)."""
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def check_password(password: str, expected_sha256: str) -> bool:
    """True when `password` hashes to `expected_sha256` (hex, any case); constant-time compare."""
    expected = (expected_sha256 or "").strip().lower()
    if not expected:
        return False
    return hmac.compare_digest(hash_password(password).encode("ascii"), expected.encode("ascii", "replace"))


def oidc_providers(auth_section: Mapping[str, Any]) -> tuple[str, ...]:
    """Provider names configured for st.login in an `[auth]` secrets section; () if none is usable."""
    if not auth_section or "redirect_uri" not in auth_section or "cookie_secret" not in auth_section:
        return ()
    names = []
    if all(k in auth_section for k in _OIDC_KEYS):
        names.append("default")
    for key, value in auth_section.items():
        if isinstance(value, Mapping) and all(k in value for k in _OIDC_KEYS) and "_" not in str(key):
            names.append(str(key))
    return tuple(names)


def configured_mode(secrets: Mapping[str, Any], environ: Mapping[str, str]) -> tuple[Mode, tuple[str, ...], str]:
    """(mode, OIDC providers, expected password hash) from plain mappings; pure, for tests."""
    auth = secrets.get("auth", {}) if secrets else {}
    auth = auth if isinstance(auth, Mapping) else {}
    providers = oidc_providers(auth)
    if providers:
        return "oidc", providers, ""
    expected = str(auth.get("password_sha256", "") or environ.get(ENV_PASSWORD, "")).strip()
    if expected:
        return "password", (), expected
    return "open", (), ""


def _secrets() -> Mapping[str, Any]:
    try:
        return {k: (v.to_dict() if hasattr(v, "to_dict") else v) for k, v in st.secrets.items()}
    except Exception:  # no secrets.toml anywhere: nothing configured
        return {}


def _oidc_user() -> tuple[bool, str | None]:
    try:
        user = st.user
        if not user.is_logged_in:
            return False, None
        return True, str(user.get("email") or user.get("name") or "signed in")
    except Exception:
        return False, None


def sign_in_status() -> AuthStatus:
    """The current protection and user, without asking anyone to sign in."""
    mode, providers, _ = configured_mode(_secrets(), os.environ)
    if mode == "oidc":
        ok, user = _oidc_user()
        return AuthStatus("oidc", ok, user, providers)
    if mode == "password":
        ok = bool(st.session_state.get(_SESSION_KEY))
        return AuthStatus("password", ok, "team member" if ok else None)
    return AuthStatus("open", True)


def require_sign_in() -> AuthStatus:
    """Stop the script with a sign-in screen until the visitor is signed in; returns the status.

    Call it once in app.py before `nav.run()`. Open deployments pass straight through. When signed
    in, a sign-out button is added to the sidebar.
    """
    mode, providers, expected = configured_mode(_secrets(), os.environ)
    if mode == "open":
        return AuthStatus("open", True)

    if mode == "oidc":
        ok, user = _oidc_user()
        if ok:
            with st.sidebar:
                st.caption(f"Signed in as {user}")
                st.button("Sign out", on_click=st.logout, key="_patchwork_sign_out")
            return AuthStatus("oidc", True, user, providers)
        st.title("Patchwork")
        st.write("This workspace holds personal data about participants. Sign in to continue.")
        for name in providers:
            label = "Sign in" if name == "default" else f"Sign in with {name.capitalize()}"
            st.button(label, type="primary", key=f"_patchwork_login_{name}",
                      on_click=st.login, args=(() if name == "default" else (name,)))
        st.stop()

    if st.session_state.get(_SESSION_KEY):
        with st.sidebar:
            if st.button("Sign out", key="_patchwork_sign_out"):
                st.session_state.pop(_SESSION_KEY, None)
                st.rerun()
        return AuthStatus("password", True, "team member")
    st.title("Patchwork")
    st.write("This workspace holds personal data about participants. Enter the team's password to continue.")
    with st.form("_patchwork_sign_in"):
        typed = st.text_input("Password", type="password")
        go = st.form_submit_button("Sign in", type="primary")
    if go:
        if check_password(typed, expected):
            st.session_state[_SESSION_KEY] = True
            st.rerun()
        st.error("That password is not right. Ask the person who set up this deployment.")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises
