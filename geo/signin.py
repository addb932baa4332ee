"""Sign-in's pure half: salted memory-hard password hashes and the limit on wrong attempts.

Password hashes are scrypt (the standard library's `hashlib.scrypt`, OpenSSL) with a random 16-byte
salt, written as one string that carries its parameters:

    $scrypt$ln=15,r=8,p=3$<salt, base64>$<32-byte key, base64>

(2^15 x 8 x 128 bytes = 32 MiB of memory per hash; about 0.2-0.3 s on one core). Checking a password
recomputes the key with the stored salt and parameters and compares in constant time, so the
parameters can be raised later without invalidating existing hashes. The old setting, a bare SHA-256
of the password, is refused (`setting_problem`) with the command that makes a new hash:

    .venv/bin/python -m geo.signin

`Attempts` limits guessing, per server process and per account (one key for a shared password; the
user name once there are accounts): after `threshold` (5) wrong passwords within `window` (60 s), the
next attempt must wait `first_wait` (1 s), and each further one twice as long as the one before, up
to `max_wait` (60 s). A wait is never slept: the caller is told how many seconds are left and refuses
the attempt without checking the password, so no other session is held up. A full quiet window after
the last wait ends, or a right password, starts afresh. The clock is injected (tests use a fake one).
"""

from __future__ import annotations

import base64
import binascii
import getpass
import hashlib
import hmac
import math
import re
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

SCHEME = "scrypt"
#: The cost of a new hash: n = 2**LOG2_N, block size R, parallelism P (OWASP's 2^15 / 8 / 3 setting).
LOG2_N, R, P = 15, 8, 3
SALT_BYTES, KEY_BYTES = 16, 32
#: Parameters a stored hash may ask for; beyond them it is refused rather than run.
MAX_LOG2_N, MAX_MEMORY = 20, 1 << 30
COMMAND = ".venv/bin/python -m geo.signin"
_HASH = re.compile(r"\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _scrypt(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    memory = 128 * r * (2 ** log2_n) * 2 + (1 << 20)
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2 ** log2_n, r=r, p=p, maxmem=memory,
                          dklen=KEY_BYTES)


def hash_password(password: str, *, log2_n: int = LOG2_N, r: int = R, p: int = P, salt: bytes | None = None) -> str:
    """The setting to store for `password`: `$scrypt$ln=..,r=..,p=..$salt$key` with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    key = _scrypt(password, salt, log2_n, r, p)
    return f"${SCHEME}$ln={log2_n},r={r},p={p}${_b64(salt)}${_b64(key)}"


def setting_problem(setting: str) -> str | None:
    """Why a stored password setting cannot be used (None when it can): an old bare SHA-256, a
    malformed string, or parameters beyond what a sign-in may cost. Says how to make a new one."""
    text = (setting or "").strip()
    make = f"Make a new hash with `{COMMAND}` and put it in `password_hash` under `[auth]`."
    if not text:
        return f"No password hash is set. {make}"
    if _SHA256.fullmatch(text):
        return ("The password setting is an old unsalted SHA-256 hash, which is no longer accepted (it can be "
                f"guessed quickly). {make}")
    found = _HASH.fullmatch(text)
    if not found:
        return f"The password setting is not a Patchwork password hash (`$scrypt$ln=...`). {make}"
    log2_n, r, p = (int(found.group(i)) for i in (1, 2, 3))
    if not (1 <= log2_n <= MAX_LOG2_N and 1 <= r <= 64 and 1 <= p <= 16) or 128 * r * 2 ** log2_n > MAX_MEMORY:
        return f"The password hash asks for scrypt parameters beyond what a sign-in may cost. {make}"
    try:
        _unb64(found.group(4)), _unb64(found.group(5))
    except (binascii.Error, ValueError):
        return f"The password hash is damaged (its salt or key is not base64). {make}"
    return None


def check_password(password: str, setting: str) -> bool:
    """True when `password` matches the stored hash `setting`; False for any unusable setting."""
    if setting_problem(setting) is not None:
        return False
    found = _HASH.fullmatch(setting.strip())
    assert found is not None  # checked by setting_problem
    salt, key = _unb64(found.group(4)), _unb64(found.group(5))
    got = _scrypt(password, salt, int(found.group(1)), int(found.group(2)), int(found.group(3)))
    return hmac.compare_digest(got, key)


@dataclass
class _Record:
    recent: list[float] = field(default_factory=list)  # times of wrong passwords within the window
    wait: float = 0.0  # the last wait imposed (0: not slowed down)
    until: float = 0.0  # no attempt before this time


@dataclass
class Attempts:
    """Wrong-password bookkeeping for one server process (thread-safe); see the module notes."""

    clock: Callable[[], float] = time.monotonic
    threshold: int = 5
    window: float = 60.0
    first_wait: float = 1.0
    max_wait: float = 60.0
    _records: dict[str, _Record] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def wait(self, key: str = "") -> int:
        """Whole seconds before `key` may try again (0: it may try now)."""
        with self._lock:
            record = self._records.get(key)
            left = 0.0 if record is None else record.until - self.clock()
        return max(0, math.ceil(left))

    def failed(self, key: str = "") -> int:
        """Record a wrong password for `key`; return the whole seconds the next attempt must wait."""
        with self._lock:
            now = self.clock()
            record = self._records.setdefault(key, _Record())
            if record.wait and now >= record.until + self.window:
                record = self._records[key] = _Record()  # a quiet minute after the last wait: afresh
            record.recent = [t for t in record.recent if now - t < self.window] + [now]
            if record.wait:
                record.wait = min(2 * record.wait, self.max_wait)
            elif len(record.recent) >= self.threshold:
                record.wait = self.first_wait
            record.until = now + record.wait
            self._forget_old(now)
            return math.ceil(record.wait)

    def succeeded(self, key: str = "") -> None:
        with self._lock:
            self._records.pop(key, None)

    def _forget_old(self, now: float) -> None:
        if len(self._records) > 1000:  # many accounts tried: drop those with nothing left to remember
            for key in [k for k, r in self._records.items() if now >= r.until + self.window]:
                del self._records[key]


def refusal(seconds: int) -> str:
    return f"Too many wrong passwords. Try again in {seconds} s."


def main() -> int:
    """Ask for a password twice (not echoed) and print the setting for `.streamlit/secrets.toml`."""
    first = getpass.getpass("New team password: ")
    if len(first) < 12:
        print("Use at least 12 characters (a passphrase of a few words is easy to type and hard to guess).",
              file=sys.stderr)
        return 1
    if getpass.getpass("Again: ") != first:
        print("The two passwords differ; nothing was made.", file=sys.stderr)
        return 1
    print("# Put this under [auth] in .streamlit/secrets.toml on the server:")
    print(f'password_hash = "{hash_password(first)}"')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
