"""Environments: the ``environments`` table (content-addressed captures) and the
``env_cache`` that spares a snapshot a capture while an interpreter is unchanged."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from typing import TYPE_CHECKING, Any

import blake3

from . import schema

if TYPE_CHECKING:
    from .store import Store

__all__ = ["put_environment", "insert_environment", "environment_for", "get_environment", "exists"]


def put_environment(db: Any, data: dict[str, Any]) -> str:
    """Store a captured environment (credentials stripped) and return its hash: BLAKE3 of
    its JSON with sorted keys. Inside the caller's write transaction."""
    from ..capture.environment import strip_credentials

    body = json.dumps(strip_credentials(data), sort_keys=True, default=str)
    digest = blake3.blake3(body.encode()).hexdigest()
    db.execute("INSERT OR IGNORE INTO environments (hash, data, created) VALUES (?, ?, ?)", [digest, body, time.time()])
    return digest


def insert_environment(db: Any, digest: str, data: Any) -> None:
    """An environment another store hashed (a pulled version's), kept under its hash."""
    db.execute(
        "INSERT OR IGNORE INTO environments (hash, data, created) VALUES (?, ?, ?)",
        [digest, json.dumps(data, sort_keys=True, default=str), time.time()],
    )


def environment_for(store: Store, python: str | None) -> tuple[str, dict[str, Any] | None]:
    """The environment of ``python`` (this interpreter when None): the cached hash while
    its packages' folders and the captured environment variables are unchanged, else
    a fresh capture, stored in a transaction of its own. The variables are this
    process's: those the capture records (and another interpreter is run with)."""
    from ..capture.environment import capture_environment, environment_fingerprint

    # Keyed by the path as given, symlinks kept: two venvs of one base Python share the
    # real executable but not their packages (and each has its own pyvenv.cfg).
    exe = python or sys.executable
    if os.sep not in exe:
        exe = shutil.which(exe) or exe
    exe = os.path.abspath(exe)
    environ = dict(os.environ)
    row = store.db.execute(
        "SELECT c.fingerprint, c.env, e.data FROM env_cache c JOIN environments e ON e.hash = c.env WHERE c.python = ?",
        [exe],
    ).fetchone()
    if row is not None:
        paths = json.loads(row[2]).get("paths", [])
        if environment_fingerprint(exe, paths, env=environ) == row[0]:
            return row[1], None
    data = capture_environment(python, env=environ)
    fingerprint = environment_fingerprint(exe, data.get("paths", []), env=environ)
    with store._db_lock, schema.transaction(store.db):
        digest = put_environment(store.db, data)
        schema.insert_rows(
            store.db, "env_cache", [{"python": exe, "fingerprint": fingerprint, "env": digest}], upsert="python"
        )
    return digest, None


def exists(db: Any, digest: str) -> bool:
    return db.execute("SELECT 1 FROM environments WHERE hash = ?", [digest]).fetchone() is not None


def get_environment(db: Any, digest: str | None) -> dict[str, Any] | None:
    """The environment stored under ``digest``, or None."""
    if digest is None:
        return None
    row = db.execute("SELECT data FROM environments WHERE hash = ?", [digest]).fetchone()
    return json.loads(row[0]) if row else None
