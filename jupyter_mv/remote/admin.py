"""The store's list of remotes: add, remove, list, and which remotes hold a version."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, InvalidInput, NotFound
from ..store import schema
from .backend import check_remote_name, normalize_url

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["add_remote", "remove_remote", "list_remotes", "remote_state", "remote_url"]


def add_remote(store: Store, name: str, url: str) -> dict[str, str]:
    """Remember remote ``name`` at ``url`` (nothing is contacted yet).

    :raises InvalidInput: a bad name or URL, or a URL holding a password.
    :raises Conflict: a remote of that name exists.
    """
    check_remote_name(name)
    url = normalize_url(url)
    with store._db_lock, schema.transaction(store.db):
        if store.db.execute("SELECT 1 FROM remotes WHERE name = ?", [name]).fetchone():
            raise Conflict(f"remote {name} already exists; remove it first to change its URL")
        store.db.execute("INSERT INTO remotes (name, url, created) VALUES (?, ?, ?)", [name, url, time.time()])
    return {"name": name, "url": url}


def remove_remote(store: Store, name: str) -> None:
    """Forget remote ``name`` and what the store knew of it. Packs a lazy pull left there
    stay named after it: adding the remote again makes them readable again.

    :raises NotFound: no remote of that name.
    """
    check_remote_name(name)
    with store._db_lock, schema.transaction(store.db):
        if not store.db.execute("SELECT 1 FROM remotes WHERE name = ?", [name]).fetchone():
            raise NotFound(f"no remote {name}")
        for table in ("remote_packs", "remote_versions", "remote_aliases"):
            store.db.execute(f"DELETE FROM {table} WHERE remote = ?", [name])
        store.db.execute("DELETE FROM remotes WHERE name = ?", [name])


def list_remotes(store: Store) -> list[dict[str, Any]]:
    """Every remote, oldest first; the oldest is the default one."""
    rows = store.db.execute("SELECT name, url FROM remotes ORDER BY created, name").fetchall()
    return [{"name": n, "url": u, "default": i == 0} for i, (n, u) in enumerate(rows)]


def remote_url(store: Store, name: str | None) -> tuple[str, str]:
    """``(name, url)`` of remote ``name``, or of the default remote when None."""
    if name is None:
        row = store.db.execute("SELECT name, url FROM remotes ORDER BY created, name LIMIT 1").fetchone()
        if row is None:
            raise InvalidInput("no remote yet: add one with `jupyter mv remote add NAME URL`")
        return row[0], row[1]
    if not isinstance(name, str) or not name:
        raise InvalidInput("a remote name is required")
    row = store.db.execute("SELECT name, url FROM remotes WHERE name = ?", [name]).fetchone()
    if row is None:
        raise NotFound(f"no remote {name}; `jupyter mv remote list` shows them")
    return row[0], row[1]


def remote_state(store: Store, version_ids: Sequence[str]) -> dict[str, list[str]]:
    """For each version id, the names of the remotes it is known to be on (pushed to or
    pulled from); an empty list means local only."""
    ids = list(dict.fromkeys(version_ids))
    out: dict[str, list[str]] = {v: [] for v in ids}
    for i in range(0, len(ids), 900):
        batch = ids[i : i + 900]
        for vid, remote in store.db.execute(
            "SELECT v.version, v.remote FROM remote_versions v JOIN remotes r ON r.name = v.remote "
            f"WHERE v.version IN ({','.join('?' * len(batch))}) ORDER BY r.created, r.name", batch
        ).fetchall():
            out[vid].append(remote)
    return out
