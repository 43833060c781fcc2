"""The store's list of remotes and what it knows of them: the ``remotes``,
``remote_versions``, ``remote_packs`` and ``remote_aliases`` tables, reached as
``store.remotes``.

Only the rows live here. Checking a URL and talking to a remote are the remote layer's
(:mod:`jupyter_mv.remote`), which sits above the store: adding a remote goes through
:func:`jupyter_mv.remote.add_remote`, which checks the URL and then calls
:meth:`Remotes.record`.
"""

from __future__ import annotations

import builtins
import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, InvalidInput, NotFound
from . import schema

if TYPE_CHECKING:
    from .store import Store

__all__ = ["NAME", "check_remote_name", "Remotes"]

NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
#: The ``remote_*`` tables of what the store knows of each remote, and their key column.
_KNOWN = {"remote_versions": "version", "remote_packs": "pack"}


def check_remote_name(name: Any) -> str:
    """:raises InvalidInput: not 1 to 64 letters, digits and ``_ . -``."""
    if not isinstance(name, str) or not NAME.fullmatch(name) or name in (".", ".."):
        raise InvalidInput(f"invalid remote name {str(name)[:80]!r}: use 1 to 64 letters, digits and _ . -")
    return name


class Remotes:
    """The remotes of one store (``store.remotes``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def list(self) -> builtins.list[dict[str, Any]]:
        """Every remote as ``{"name", "url", "default"}``, oldest first; the oldest is the default."""
        rows = self.store.db.execute("SELECT name, url FROM remotes ORDER BY created, name").fetchall()
        return [{"name": n, "url": u, "default": i == 0} for i, (n, u) in enumerate(rows)]

    def url(self, name: str | None) -> tuple[str, str]:
        """``(name, url)`` of remote ``name``, or of the default remote when None.

        :raises InvalidInput: no remote yet. :raises NotFound: no remote of that name.
        """
        db = self.store.db
        if name is None:
            row = db.execute("SELECT name, url FROM remotes ORDER BY created, name LIMIT 1").fetchone()
            if row is None:
                raise InvalidInput("no remote yet: add one with `jupyter mv remote add NAME URL`")
            return row[0], row[1]
        if not isinstance(name, str) or not name:
            raise InvalidInput("a remote name is required")
        row = db.execute("SELECT name, url FROM remotes WHERE name = ?", [name]).fetchone()
        if row is None:
            raise NotFound(f"no remote {name}; `jupyter mv remote list` shows them")
        return row[0], row[1]

    def find(self, name: str) -> str | None:
        """The URL of remote ``name``, or None when there is no such remote."""
        row = self.store.db.execute("SELECT url FROM remotes WHERE name = ?", [name]).fetchone()
        return row[0] if row else None

    def record(self, name: str, url: str) -> dict[str, str]:
        """Keep remote ``name`` at ``url``, a URL the remote layer checked and normalised
        (:func:`jupyter_mv.remote.add_remote` is the way in).

        :raises Conflict: a remote of that name exists.
        """
        check_remote_name(name)
        store = self.store
        with store._db_lock, schema.transaction(store.db):
            if store.db.execute("SELECT 1 FROM remotes WHERE name = ?", [name]).fetchone():
                raise Conflict(f"remote {name} already exists; remove it first to change its URL")
            store.db.execute("INSERT INTO remotes (name, url, created) VALUES (?, ?, ?)", [name, url, time.time()])
        return {"name": name, "url": url}

    def remove(self, name: str) -> None:
        """Forget remote ``name`` and what the store knew of it. Packs a lazy pull left there
        stay named after it: adding the remote again makes them readable again.

        :raises NotFound: no remote of that name.
        """
        check_remote_name(name)
        store = self.store
        with store._db_lock, schema.transaction(store.db):
            if not store.db.execute("SELECT 1 FROM remotes WHERE name = ?", [name]).fetchone():
                raise NotFound(f"no remote {name}")
            for table in ("remote_packs", "remote_versions", "remote_aliases"):
                store.db.execute(f"DELETE FROM {table} WHERE remote = ?", [name])
            store.db.execute("DELETE FROM remotes WHERE name = ?", [name])

    def state(self, version_ids: Sequence[str]) -> dict[str, builtins.list[str]]:
        """For each version id, the names of the remotes it is known to be on (pushed to or
        pulled from); an empty list means local only."""
        ids = builtins.list(dict.fromkeys(version_ids))
        out: dict[str, builtins.list[str]] = {v: [] for v in ids}
        for i in range(0, len(ids), 900):
            batch = ids[i : i + 900]
            for vid, remote in self.store.db.execute(
                "SELECT v.version, v.remote FROM remote_versions v JOIN remotes r ON r.name = v.remote "
                f"WHERE v.version IN ({','.join('?' * len(batch))}) ORDER BY r.created, r.name",
                batch,
            ).fetchall():
                out[vid].append(remote)
        return out

    # -- what the store knows of a remote (written by push and pull) ---------------------------

    def remember(self, table: str, remote: str, values: Sequence[str], *, locked: bool = False) -> None:
        """Note that ``remote`` holds these versions (``table`` ``remote_versions``) or packs
        (``remote_packs``). :param locked: inside the caller's write transaction."""
        if not values:
            return
        column = _KNOWN[table]
        rows = [(remote, v) for v in values]
        if locked:
            self.store.db.conn.executemany(f"INSERT OR IGNORE INTO {table} (remote, {column}) VALUES (?, ?)", rows)
            return
        with self.store._db_lock, schema.transaction(self.store.db):
            self.store.db.conn.executemany(f"INSERT OR IGNORE INTO {table} (remote, {column}) VALUES (?, ?)", rows)

    def seen_alias(self, remote: str, alias: str) -> tuple[str, str] | None:
        """``(entry, version)`` of the alias's move on ``remote`` this store last saw, or None."""
        row = self.store.db.execute(
            "SELECT entry, version FROM remote_aliases WHERE remote = ? AND name = ?", [remote, alias]
        ).fetchone()
        return (row[0], row[1]) if row else None

    def remember_alias(self, remote: str, alias: str, entry: str, vid: str, *, locked: bool = False) -> None:
        """Note the alias's move on ``remote`` last seen. :param locked: inside the caller's transaction."""
        sql = (
            "INSERT INTO remote_aliases (remote, name, entry, version) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(remote, name) DO UPDATE SET entry = excluded.entry, version = excluded.version"
        )
        if locked:
            self.store.db.execute(sql, [remote, alias, entry, vid])
            return
        with self.store._db_lock, schema.transaction(self.store.db):
            self.store.db.execute(sql, [remote, alias, entry, vid])
