"""Save history: a light version of a notebook at every save.

A light version (kind ``light``) holds the notebook only, as it was saved. It is named
``v3.2``, the second save after full version v3 (``v0.1`` is a save before the first
version), so the numbers of full versions stay gap-free. Light versions restore and
diff like any version; the sidebar folds them between full versions. They are pruned
after a retention period, except those a tag, an alias or a model names.

In the database a light version has ``base`` (the full version it follows) and ``sub``
(its place after it); its ``number`` is a negative placeholder, unique per notebook.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput
from . import schema

if TYPE_CHECKING:
    from .model import Version
    from .store import Store

__all__ = ["LIGHT", "DEFAULT_RETENTION_DAYS", "record_save", "saves", "save_counts", "prune", "light_numbering"]

LIGHT = "light"
#: How long light versions are kept, unless the caller says otherwise.
DEFAULT_RETENTION_DAYS = 30.0
_DAY = 24 * 3600


def light_numbering(db: Any, notebook: str) -> tuple[int, int, int, str | None]:
    """Numbers for a new light version of ``notebook`` (call inside the write transaction):
    ``(placeholder, base, sub, parent)``. ``parent`` is the notebook's newest version."""
    lowest = db.execute("SELECT min(number) FROM versions WHERE notebook = ?", [notebook]).fetchone()[0]
    placeholder = min(lowest or 0, 0) - 1
    row = db.execute("SELECT max(number) FROM versions WHERE notebook = ? AND number > 0", [notebook]).fetchone()
    base = row[0] or 0
    last = db.execute("SELECT max(sub) FROM versions WHERE notebook = ? AND base = ?", [notebook, base]).fetchone()[0]
    parent = db.execute(
        "SELECT id FROM versions WHERE notebook = ? ORDER BY created DESC LIMIT 1", [notebook]
    ).fetchone()
    return placeholder, base, (last or 0) + 1, parent[0] if parent else None


def record_save(store: Store, notebook: str | os.PathLike[str], *,
                retention_days: float | None = DEFAULT_RETENTION_DAYS) -> Version | None:
    """Keep the notebook as just saved in a light version, unless it is byte for byte the
    notebook's newest version; then prune the notebook's light versions older than
    ``retention_days`` (None: keep them all).

    :returns: the new light version, or None when nothing changed.
    :raises InvalidInput: not a notebook, or a path outside the root.
    """
    from .store import _hash_file

    if retention_days is not None and (not isinstance(retention_days, (int, float)) or retention_days <= 0):
        raise InvalidInput("retention_days must be a number of days greater than 0")
    rel = store.relpath(notebook)
    newest = store.db.execute(
        "SELECT f.hash FROM versions v JOIN version_files f ON f.version = v.id AND f.path = v.notebook "
        "WHERE v.notebook = ? ORDER BY v.created DESC LIMIT 1", [rel]
    ).fetchone()
    version = None
    if newest is None or bytes(newest[0]) != _hash_file(store.path_of(rel)):
        version = store.snapshot(store.path_of(rel), kind=LIGHT)
    if retention_days is not None:
        prune(store, rel, older_than_days=retention_days)
    return version


def save_counts(store: Store, notebook: str | os.PathLike[str]) -> dict[int, int]:
    """How many light versions follow each full version number (0: before the first)."""
    key = store._notebook_key(notebook)
    rows = store.db.execute(
        "SELECT base, count(*) FROM versions WHERE notebook = ? AND base IS NOT NULL GROUP BY base", [key]
    ).fetchall()
    return {base: count for base, count in rows}


def saves(store: Store, notebook: str | os.PathLike[str], base: int | None = None, *,
          limit: int | None = None, offset: int = 0) -> list[Version]:
    """The notebook's light versions, newest first; only those after full version ``base``
    when given (0: those before the first version)."""
    key = store._notebook_key(notebook)
    sql = f"SELECT {store._COLUMNS} FROM versions WHERE notebook = ? AND base IS NOT NULL"
    args: list[Any] = [key]
    if base is not None:
        sql += " AND base = ?"
        args.append(int(base))
    sql += " ORDER BY created DESC, sub DESC"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        args += [int(limit), int(offset)]
    return store._rows_to_versions(store.db.execute(sql, args).fetchall())


def prune(store: Store, notebook: str | os.PathLike[str] | None = None, *, older_than_days: float,
          now: float | None = None) -> int:
    """Delete light versions older than ``older_than_days`` (of one notebook, or all),
    except those a tag, an alias (now or in its history) or a model version names. Their
    bytes go at the next ``gc``.

    :returns: how many were deleted.
    """
    cutoff = (time.time() if now is None else now) - older_than_days * _DAY
    where = "kind = 'light' AND created < ?"
    args: list[Any] = [cutoff]
    if notebook is not None:
        where += " AND notebook = ?"
        args.append(store._notebook_key(notebook))
    where += (
        " AND id NOT IN (SELECT version FROM tags) AND id NOT IN (SELECT version FROM aliases)"
        " AND id NOT IN (SELECT version FROM alias_history)"
        " AND id NOT IN (SELECT version FROM model_versions WHERE version IS NOT NULL)"
    )
    with store._db_lock, schema.transaction(store.db):
        ids = [r[0] for r in store.db.execute(f"SELECT id FROM versions WHERE {where}", args).fetchall()]
        for i in range(0, len(ids), 500):
            batch = ids[i : i + 500]
            marks = ",".join("?" * len(batch))
            store.db.execute(f"DELETE FROM version_files WHERE version IN ({marks})", batch)
            store.db.execute(f"DELETE FROM versions WHERE id IN ({marks})", batch)
    return len(ids)
