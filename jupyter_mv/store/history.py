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
from . import records, schema

if TYPE_CHECKING:
    from .store import Store
    from .versions import Version

__all__ = ["LIGHT", "DEFAULT_RETENTION_DAYS", "record_save", "saves", "save_counts", "prune"]

LIGHT = "light"
#: How long light versions are kept, unless the caller says otherwise.
DEFAULT_RETENTION_DAYS = 30.0
_DAY = 24 * 3600


def record_save(
    store: Store, notebook: str | os.PathLike[str], *, retention_days: float | None = DEFAULT_RETENTION_DAYS
) -> Version | None:
    """Keep the notebook as just saved in a light version, unless it is byte for byte the
    notebook's newest version; then prune the notebook's light versions older than
    ``retention_days`` (None: keep them all).

    :returns: the new light version, or None when nothing changed.
    :raises InvalidInput: not a notebook, or a path outside the root.
    """
    if retention_days is not None and (not isinstance(retention_days, (int, float)) or retention_days <= 0):
        raise InvalidInput("retention_days must be a number of days greater than 0")
    rel = store.relpath(notebook)
    newest = store.db.execute(
        "SELECT f.hash FROM versions v JOIN version_files f ON f.version = v.id AND f.path = v.notebook "
        "WHERE v.notebook = ? ORDER BY v.created DESC LIMIT 1",
        [rel],
    ).fetchone()
    version = None
    if newest is None or bytes(newest[0]) != records.hash_file(store.path_of(rel)):
        version = store.snapshot(store.path_of(rel), kind=LIGHT)
    if retention_days is not None:
        prune(store, rel, older_than_days=retention_days)
    return version


def save_counts(store: Store, notebook: str | os.PathLike[str]) -> dict[int, int]:
    """How many light versions follow each full version number (0: before the first)."""
    key = records.notebook_key(store, notebook)
    rows = store.db.execute(
        "SELECT base, count(*) FROM versions WHERE notebook = ? AND base IS NOT NULL GROUP BY base", [key]
    ).fetchall()
    return {base: count for base, count in rows}


def saves(
    store: Store,
    notebook: str | os.PathLike[str],
    base: int | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[Version]:
    """The notebook's light versions, newest first; only those after full version ``base``
    when given (0: those before the first version)."""
    key = records.notebook_key(store, notebook)
    sql = f"SELECT {records.COLUMNS} FROM versions WHERE notebook = ? AND base IS NOT NULL"
    args: list[Any] = [key]
    if base is not None:
        sql += " AND base = ?"
        args.append(int(base))
    sql += " ORDER BY created DESC, sub DESC"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        args += [int(limit), int(offset)]
    return records.rows_to_versions(store.db, store.db.execute(sql, args).fetchall())


def prune(
    store: Store, notebook: str | os.PathLike[str] | None = None, *, older_than_days: float, now: float | None = None
) -> int:
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
        args.append(records.notebook_key(store, notebook))
    where += (
        " AND id NOT IN (SELECT version FROM tags) AND id NOT IN (SELECT version FROM aliases)"
        " AND id NOT IN (SELECT version FROM alias_history)"
        " AND id NOT IN (SELECT version FROM model_versions WHERE version IS NOT NULL)"
    )
    with store._db_lock, schema.transaction(store.db):
        ids = [r[0] for r in store.db.execute(f"SELECT id FROM versions WHERE {where}", args).fetchall()]
        records.delete_versions(store.db, ids)
    return len(ids)
