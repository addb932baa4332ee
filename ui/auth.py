"""Sign-in for a shared deployment: Streamlit's built-in OIDC sign-in, or one configured password.

Which one applies, first match wins:
1. OIDC: `.streamlit/secrets.toml` has an `[auth]` section with `redirect_uri`, `cookie_secret` and
   a provider (client_id, client_secret, server_metadata_url directly under `[auth]`, or in an
   `[auth.<provider>]` section). People sign in with `st.login` (needs Authlib) and the app shows
   who is signed in, with a sign-out button.
2. Password: a salted scrypt hash of a shared password (geo.signin: `$scrypt$ln=...`, made by
   `.venv/bin/python -m geo.signin`) in `st.secrets["auth"]["password_hash"]` or the environment
   variable PATCHWORK_PASSWORD_HASH; the password itself is never stored. Wrong passwords are
   counted per server process (`ATTEMPTS`): after 5 within a minute each further attempt waits twice
   as long as the one before, up to 60 s, and an attempt made too soon is refused with "try again in
   N s" without being checked (nothing sleeps, so other sessions carry on). The old setting,
   `password_sha256` / PATCHWORK_PASSWORD_SHA256 (an unsalted SHA-256), is refused: the sign-in screen
   says how to make the new hash and nobody gets in until it is set.
3. Neither: the app is open to anyone who can reach it (fine on a laptop bound to 127.0.0.1);
   the Data protection page says so.

Per-user accounts (the team-workspace issue) reuse geo.signin: the same hash per user, and
`ATTEMPTS` keyed by the user name instead of SHARED_ACCOUNT.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st

from geo import signin

Mode = Literal["open", "password", "oidc"]
ENV_PASSWORD = "PATCHWORK_PASSWORD_HASH"
#: The old settings (an unsalted SHA-256), refused with a message saying how to make the new hash.
LEGACY_ENV, LEGACY_KEY = "PATCHWORK_PASSWORD_SHA256", "password_sha256"
#: Wrong passwords in this server process (shared by every session), and the key of the shared password.
ATTEMPTS = signin.Attempts()
SHARED_ACCOUNT = ""
_SESSION_KEY = "_patchwork_password_ok"
_OIDC_KEYS = ("client_id", "client_secret", "server_metadata_url")


@dataclass(frozen=True)
class AuthStatus:
    """How this deployment is protected, and who is signed in (None when open or unknown)."""

    mode: Mode
    signed_in: bool
    user: str | None = None
    providers: tuple[str, ...] = ()
    problem: str | None = None  # a password setting nobody can sign in with, and how to fix it

    @property
    def description(self) -> str:
        if self.mode == "oidc":
            return ("Sign-in with your organisation's account (OpenID Connect"
                    + (f": {', '.join(self.providers)}" if self.providers and self.providers != ("default",) else "")
                    + ").")
        if self.mode == "password" and self.problem:
            return f"Sign-in with the team's shared password is configured, but nobody can sign in: {self.problem}"
        if self.mode == "password":
            return "Sign-in with the team's shared password (a salted scrypt hash; wrong tries are slowed down)."
        return ("Open: no sign-in is configured, so anyone who can reach this app can see the workspace. "
                "Fine on your own computer (the app listens on 127.0.0.1 only); configure sign-in before "
                "sharing it on a network.")


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
    expected = str(auth.get("password_hash", "") or environ.get(ENV_PASSWORD, "")
                   or auth.get(LEGACY_KEY, "") or environ.get(LEGACY_ENV, "")).strip()
    if expected:  # an old SHA-256 still means "password": it is refused, never taken as "open"
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
    mode, providers, expected = configured_mode(_secrets(), os.environ)
    if mode == "oidc":
        ok, user = _oidc_user()
        return AuthStatus("oidc", ok, user, providers)
    if mode == "password":
        ok = bool(st.session_state.get(_SESSION_KEY))
        return AuthStatus("password", ok, "team member" if ok else None, problem=signin.setting_problem(expected))
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
    problem = signin.setting_problem(expected)
    if problem:
        st.error(f"Nobody can sign in yet. {problem} Then restart the app.", icon=":material/key_off:")
        st.stop()
    st.write("This workspace holds personal data about participants. Enter the team's password to continue.")
    with st.form("_patchwork_sign_in"):
        typed = st.text_input("Password", type="password")
        go = st.form_submit_button("Sign in", type="primary")
    if go:
        _try_password(typed, expected)
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def _try_password(typed: str, expected: str) -> None:
    """Check one attempt: refused unchecked while a wait is on, slowed down after repeated failures."""
    wait = ATTEMPTS.wait(SHARED_ACCOUNT)
    if wait:
        st.error(signin.refusal(wait))
        return
    if signin.check_password(typed, expected):
        ATTEMPTS.succeeded(SHARED_ACCOUNT)
        st.session_state[_SESSION_KEY] = True
        st.rerun()
    wait = ATTEMPTS.failed(SHARED_ACCOUNT)
    st.error("That password is not right. Ask the person who set up this deployment."
             + (f" {signin.refusal(wait)}" if wait else ""))
