"""geo.signin (issue 13, item 11): salted scrypt hashes, the old SHA-256 setting refused, and the limit
on wrong passwords, on a fake clock."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import signin
from tests.conftest import ROOT

FAST = {"log2_n": 4, "r": 8, "p": 1}  # tests hash cheaply; checking uses the parameters in the hash


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


def test_hash_is_salted_scrypt_with_its_parameters():
    salt = bytes(range(16))
    made = signin.hash_password("correct horse battery staple", salt=salt, **FAST)
    key = hashlib.scrypt(b"correct horse battery staple", salt=salt, n=16, r=8, p=1, dklen=32)
    assert made == "$scrypt$ln=4,r=8,p=1$" + base64.b64encode(salt).decode().rstrip("=") + "$" + \
        base64.b64encode(key).decode().rstrip("=")
    assert signin.check_password("correct horse battery staple", made)
    assert signin.check_password("correct horse battery staple", f"  {made}\n")
    assert not signin.check_password("Correct horse battery staple", made)
    assert not signin.check_password("", made)
    # two hashes of one password differ (a fresh salt each time): no table of precomputed hashes helps
    assert signin.hash_password("same", **FAST) != signin.hash_password("same", **FAST)


def test_default_cost_is_memory_hard():
    made = signin.hash_password("x")
    assert made.startswith("$scrypt$ln=15,r=8,p=3$")  # 2^15 * 8 * 128 bytes = 32 MiB per hash
    assert signin.check_password("x", made)


def test_old_sha256_setting_is_refused_with_the_new_command():
    old = hashlib.sha256(b"correct horse battery staple").hexdigest()
    problem = signin.setting_problem(old)
    assert problem and "old unsalted SHA-256" in problem and signin.COMMAND in problem and "password_hash" in problem
    assert not signin.check_password("correct horse battery staple", old)  # the right password does not open it


@pytest.mark.parametrize("setting, words", [
    ("", "No password hash is set"),
    ("plain-text-password", "not a Patchwork password hash"),
    ("$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA", "beyond what a sign-in may cost"),
    ("$scrypt$ln=4,r=8,p=1$A$AAAA", "damaged"),
])
def test_unusable_settings_never_let_anyone_in(setting, words):
    assert words in (signin.setting_problem(setting) or "")
    assert not signin.check_password("anything", setting)


def test_five_wrong_within_a_minute_then_each_wait_doubles_up_to_60_s():
    clock = Clock()
    attempts = signin.Attempts(clock=clock)
    assert [attempts.failed() for _ in range(4)] == [0, 0, 0, 0]
    assert attempts.wait() == 0
    assert attempts.failed() == 1  # the fifth within a minute
    assert attempts.wait() == 1
    waits = []
    for _ in range(8):
        clock.tick(attempts.wait())  # the attacker waits exactly as long as told
        assert attempts.wait() == 0
        waits.append(attempts.failed())
    assert waits == [2, 4, 8, 16, 32, 60, 60, 60]


def test_a_wait_is_a_refusal_not_a_sleep_and_other_accounts_are_not_slowed():
    clock = Clock()
    attempts = signin.Attempts(clock=clock)
    for _ in range(6):
        attempts.failed("ana")
    assert attempts.wait("ana") == 2 and attempts.wait("bo") == 0
    clock.tick(0.5)
    assert attempts.wait("ana") == 2  # 1.5 s left, rounded up
    assert signin.refusal(attempts.wait("ana")) == "Too many wrong passwords. Try again in 2 s."


def test_failures_spread_over_more_than_a_minute_are_not_slowed():
    clock = Clock()
    attempts = signin.Attempts(clock=clock)
    for _ in range(20):
        assert attempts.failed() == 0
        clock.tick(15)  # four a minute


def test_a_quiet_minute_after_the_wait_or_a_right_password_starts_afresh():
    clock = Clock()
    attempts = signin.Attempts(clock=clock)
    for _ in range(7):
        clock.tick(attempts.wait())
        attempts.failed()
    assert attempts.wait() == 4
    clock.tick(4 + 59)
    assert attempts.failed() == 8  # not quiet for a whole minute after the wait: it goes on doubling
    clock.tick(8 + 60)
    assert attempts.failed() == 0  # quiet for a minute: afresh
    for _ in range(4):
        attempts.failed()
    assert attempts.wait() == 1
    attempts.succeeded()
    assert attempts.wait() == 0 and attempts.failed() == 0


@settings(max_examples=200, deadline=None)
@given(gaps=st.lists(st.floats(0, 200, allow_nan=False), min_size=1, max_size=40))
def test_no_more_than_five_unslowed_tries_in_any_minute(gaps):
    """Whatever the pattern of tries, waits are never negative or over 60 s, and an attacker who only
    tries when allowed gets at most 5 + the doubling waits' worth of tries in any 60 s."""
    clock = Clock()
    attempts = signin.Attempts(clock=clock)
    tried: list[float] = []
    for gap in gaps:
        clock.tick(gap)
        if attempts.wait():
            continue  # refused unchecked
        tried.append(clock.now)
        assert 0 <= attempts.failed() <= 60
    for start in tried:
        in_minute = [t for t in tried if start <= t < start + 60]
        assert len(in_minute) <= 5 + 6  # 5 free, then waits of 1+2+4+8+16+32 s fit in a minute at most


def test_the_hash_command_prints_a_setting_that_checks(tmp_path):
    script = ("import getpass, sys; answers = iter(['correct horse battery staple'] * 2); "
              "getpass.getpass = lambda prompt='': next(answers); "
              "from geo import signin; sys.exit(signin.main())")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    found = re.search(r'password_hash = "(\$scrypt\$[^"]+)"', out.stdout)
    assert found, out.stdout
    assert found.group(1).startswith("$scrypt$ln=15,r=8,p=3$") and "correct horse" not in out.stdout + out.stderr
    assert signin.check_password("correct horse battery staple", found.group(1))
