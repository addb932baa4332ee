"""What the app keeps beside the workspaces: the column mappings users chose, and the participant salt.

Column mappings are remembered in `<workspace dir>/column_mappings.json`, keyed by the kind of file
and its headers, so the next file with the same headers needs no mapping step. The salt for
participant pseudonyms is kept in `<workspace dir>/.participant_salt` (readable by the app's user
only), never in a workspace or an export.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from geo.io.store import workspace_dir
from geo.model import DataError, Problem
from geo.read.columns import norm_header

MAPPINGS_FILE = "column_mappings.json"
SALT_FILE = ".participant_salt"


def participant_salt(*, create: bool = True) -> bytes:
    """The salt for participant hashes, kept in the workspace folder (never in a workspace or export)."""
    path = workspace_dir() / SALT_FILE
    if path.exists():
        salt = path.read_bytes()
        if len(salt) >= 16:
            return salt
    if not create:
        raise DataError(Problem(str(path), "no participant salt yet.", fix="Import participants first."))
    path.parent.mkdir(parents=True, exist_ok=True)
    salt = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(salt)
    return salt


def mapping_key(what: str, headers: Sequence[str]) -> str:

    sig = "\x1f".join(sorted(norm_header(h) for h in headers))
    return f"{what}:{hashlib.sha256(sig.encode('utf-8')).hexdigest()[:16]}"


def _mappings_path() -> Path:
    return workspace_dir() / MAPPINGS_FILE


def _load_mappings() -> dict[str, Any]:
    try:
        data = json.loads(_mappings_path().read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def remembered_mapping(what: str, headers: Sequence[str]) -> dict[str, str] | None:
    """The column mapping saved for files of this kind with these headers, if any."""
    entry = _load_mappings().get(mapping_key(what, headers))
    if not isinstance(entry, dict) or not isinstance(entry.get("mapping"), dict):
        return None
    mapping = {str(k): str(v) for k, v in entry["mapping"].items() if v}
    return mapping if all(v in headers for v in mapping.values()) else None


def remember_mapping(what: str, headers: Sequence[str], mapping: Mapping[str, str]) -> None:
    """Save a column mapping (atomically) for the next file of this kind with these headers."""
    data = _load_mappings()
    data[mapping_key(what, headers)] = {
        "what": what, "headers": list(map(str, headers)), "mapping": {k: v for k, v in mapping.items() if v},
        "saved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    path = _mappings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".mappings.", suffix=".json", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False)
    os.replace(tmp, path)
