"""The records of versions: the one place that writes the ``versions``, ``version_files``,
``tags``, ``aliases`` and ``alias_history`` tables, and turns their rows into
:class:`~jupyter_mv.store.versions.Version` records.

A snapshot, a pull and the save history all insert and number versions here; tags and
alias moves are written here whether a user or a pull makes them. The small helpers
that several modules need (a file's BLAKE3, the author's name, metric and param
cleaning, the stat cache lookup, a notebook's key) live here too. Writers call these
inside their own write transaction (``with store._db_lock, schema.transaction(db)``).
"""

from __future__ import annotations

import getpass
import json
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import blake3

from ..errors import Conflict, InvalidInput, NotFound
from .failures import shown_text
from .versions import ROLES, FileEntry, Version, iso_time

if TYPE_CHECKING:
    from .store import Store

__all__ = [
    "COLUMNS",
    "Numbering",
    "hash_file",
    "author",
    "is_utf8",
    "check_utf8",
    "clean_values",
    "version_id",
    "next_number",
    "light_numbering",
    "record_restored",
    "restored_version",
    "insert_version",
    "delete_versions",
    "rows_to_versions",
    "get_version",
    "version_exists",
    "notebook_key",
    "stat_cache_hits",
    "tag_target",
    "alias_target",
    "insert_tag",
    "add_tag",
    "move_alias",
    "set_alias",
    "alias_history",
]

#: The columns :func:`rows_to_versions` reads, in its order (a light version shows its ``base``).
COLUMNS = (
    "id, notebook, coalesce(base, number), parent, kind, message, author, created, environment, git, "
    "metrics, params, extra, sub"
)


# -- helpers ------------------------------------------------------------------------------------


def hash_file(path: str | os.PathLike[str]) -> bytes:
    """BLAKE3 of a file's whole content (32 bytes), read in 8 MiB blocks."""
    hasher = blake3.blake3()
    with open(path, "rb") as f:
        while block := f.read(8 * 1024 * 1024):
            hasher.update(block)
    return hasher.digest()


_author_cache: list[str] = []


def author() -> str:
    """Who makes versions here: ``$JUPYTER_MV_AUTHOR``, else the login name (read once)."""
    if not _author_cache:
        name = os.environ.get("JUPYTER_MV_AUTHOR")
        if not name:
            try:
                name = getpass.getuser()
            except Exception:
                name = "unknown"
        _author_cache.append(name if is_utf8(name) else shown_text(name))
    return _author_cache[0]


def is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_utf8(text: str, what: str) -> None:
    if not is_utf8(text):
        raise InvalidInput(f"{what} is not UTF-8 text ({shown_text(text)}); the store keeps text as UTF-8")


def clean_values(values: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """Metrics and params: short string keys, JSON scalar values; non-finite floats as text."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise InvalidInput(f"{what}s must be a mapping of names to values")
    out: dict[str, Any] = {}
    for key, value in values.items():
        if not isinstance(key, str) or not key.strip() or len(key) > 200:
            raise InvalidInput(f"{what} names must be non-empty text of at most 200 characters")
        check_utf8(key, f"the {what} name")
        if isinstance(value, bool) or value is None or isinstance(value, str):
            out[key] = value
        elif isinstance(value, (int, float)) or hasattr(value, "item"):
            number = value.item() if hasattr(value, "item") else value
            if isinstance(number, float) and not math.isfinite(number):
                out[key] = str(number)
            else:
                out[key] = number
        else:
            raise InvalidInput(f"{what} {key} must be a number, text or boolean, not {type(value).__name__}")
        if isinstance(out[key], str) and len(out[key]) > 10_000:
            raise InvalidInput(f"{what} {key} is longer than 10,000 characters")
        if isinstance(out[key], str):
            check_utf8(out[key], f"{what} {key}")
    return out


def stat_cache_hits(db: Any, stats: dict[str, os.stat_result]) -> dict[str, bytes]:
    """Files whose size, mtime, ctime and inode match the cache and whose object is stored."""
    hits: dict[str, bytes] = {}
    paths = list(stats)
    for i in range(0, len(paths), 500):
        batch = paths[i : i + 500]
        rows = db.execute(
            "SELECT s.path, s.size, s.mtime_ns, s.ctime_ns, s.inode, s.hash FROM stat_cache s "
            f"JOIN objects o ON o.hash = s.hash WHERE s.path IN ({','.join('?' * len(batch))})",
            batch,
        ).fetchall()
        for path, size, mtime_ns, ctime_ns, inode, digest in rows:
            st = stats[path]
            if (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) == (size, mtime_ns, ctime_ns, inode):
                hits[path] = digest
    return hits


def notebook_key(store: Store, notebook: str | os.PathLike[str]) -> str:
    """A notebook as the ``versions`` table names it: as written when a version has that
    name, else its path relative to the root."""
    raw = os.fspath(notebook)
    if not is_utf8(raw):  # no version can have it: relpath says why
        return store.relpath(raw, must_exist=False)
    known = store.db.execute("SELECT 1 FROM versions WHERE notebook = ? LIMIT 1", [raw]).fetchone()
    return raw if known else store.relpath(raw, must_exist=False)


# -- the version id -------------------------------------------------------------------------------


def version_id(
    *,
    notebook: str,
    parent: str | None,
    kind: str,
    message: str,
    author: str,
    created: float,
    environment: str | None,
    git: dict[str, Any] | None,
    metrics: dict[str, Any],
    params: dict[str, Any],
    files: Sequence[Sequence[Any]],
) -> str:
    """A version's id: BLAKE3 (64 hex digits) of its manifest, a JSON object with sorted
    keys (``docs/store-format.md`` spells the serialisation out).

    :param files: ``[path, role, hash (hex), size]`` of each file, sorted by path.
    """
    manifest = {
        "notebook": notebook,
        "parent": parent,
        "kind": kind,
        "message": message,
        "author": author,
        "created": created,
        "environment": environment,
        "git": git,
        "metrics": metrics,
        "params": params,
        "files": [[path, role, digest, size] for path, role, digest, size in files],
    }
    return blake3.blake3(json.dumps(manifest, sort_keys=True, default=str).encode()).hexdigest()


# -- writing versions ----------------------------------------------------------------------------


class Numbering(NamedTuple):
    """Where a new version of a notebook goes.

    :param placeholder: the ``number`` column: the version number of a full or safety
        version, a negative placeholder (unique per notebook) for a light one.
    :param number: the number shown: the version's own, or for a light version the full
        version it follows (the ``base`` column; 0 before the first).
    :param sub: a light version's place after ``number`` (``v3.2``); 0 for the others.
    :param parent: the version the new one follows.
    """

    placeholder: int
    number: int
    sub: int
    parent: str | None


def light_numbering(db: Any, notebook: str) -> tuple[int, int, int, str | None]:
    """Numbers for a new light version of ``notebook`` (call inside the write transaction):
    ``(placeholder, base, sub, parent)``. ``parent`` is the notebook's newest version, or
    the version restored in place since (:func:`restored_version`)."""
    lowest = db.execute("SELECT min(number) FROM versions WHERE notebook = ?", [notebook]).fetchone()[0]
    placeholder = min(lowest or 0, 0) - 1
    row = db.execute("SELECT max(number) FROM versions WHERE notebook = ? AND number > 0", [notebook]).fetchone()
    base = row[0] or 0
    last = db.execute("SELECT max(sub) FROM versions WHERE notebook = ? AND base = ?", [notebook, base]).fetchone()[0]
    newest = db.execute(
        "SELECT id, created FROM versions WHERE notebook = ? ORDER BY created DESC LIMIT 1", [notebook]
    ).fetchone()
    return placeholder, base, (last or 0) + 1, _parent(db, notebook, newest)


def record_restored(db: Any, notebook: str, version_id: str) -> None:
    """Record that ``notebook`` (a ``versions.notebook`` key) was just restored in place to
    version ``version_id`` (inside the write transaction): the notebook is that version
    now, and its next version follows it (a snapshot after a restore of v2 branches from
    v2)."""
    db.execute(
        "INSERT INTO restored (notebook, version, restored) VALUES (?, ?, ?) "
        "ON CONFLICT(notebook) DO UPDATE SET version = excluded.version, restored = excluded.restored",
        [notebook, version_id, time.time()],
    )


def restored_version(db: Any, notebook: str) -> tuple[str, float] | None:
    """``(version id, when)`` of the last in-place restore of ``notebook`` (a
    ``versions.notebook`` key), while that version is still stored; else None."""
    row = db.execute(
        "SELECT r.version, r.restored FROM restored r JOIN versions v ON v.id = r.version WHERE r.notebook = ?",
        [notebook],
    ).fetchone()
    return (str(row[0]), float(row[1])) if row else None


def _parent(db: Any, notebook: str, newest: Sequence[Any] | None) -> str | None:
    """The parent of a new version of ``notebook``, given its newest ``(id, created)``: the
    version the notebook was restored to when no version was made since that restore (the
    safety copy a restore keeps is made before it), else that newest version."""
    restored = restored_version(db, notebook)
    if restored is not None and (newest is None or float(newest[1]) <= restored[1]):
        return restored[0]
    return None if newest is None else str(newest[0])


def next_number(db: Any, notebook: str, kind: str) -> Numbering:
    """The numbers of a new version of ``notebook`` (inside the write transaction): full
    and safety versions take the next gap-free number after the highest; a light one
    (``v3.2``) is numbered apart, so full versions stay v1, v2, v3..."""
    if kind == "light":
        return Numbering(*light_numbering(db, notebook))
    row = db.execute(
        "SELECT id, number, created FROM versions WHERE notebook = ? AND number > 0 ORDER BY number DESC LIMIT 1",
        [notebook],
    ).fetchone()
    number = row[1] + 1 if row else 1
    return Numbering(number, number, 0, _parent(db, notebook, (row[0], row[2]) if row else None))


def insert_version(db: Any, version: Version, placeholder: int) -> None:
    """Insert ``version`` and its files (inside the write transaction); ``placeholder``
    is its ``number`` column (:class:`Numbering`)."""
    db.execute(
        "INSERT INTO versions (id, notebook, number, parent, kind, message, author, created, environment, git, "
        "metrics, params, extra, base, sub) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            version.id,
            version.notebook,
            placeholder,
            version.parent,
            version.kind,
            version.message,
            version.author,
            version.created,
            version.environment,
            json.dumps(version.git) if version.git is not None else None,
            json.dumps(version.metrics),
            json.dumps(version.params),
            json.dumps(version.extra, default=str),
            version.number if version.kind == "light" else None,
            version.sub,
        ],
    )
    db.conn.executemany(
        "INSERT INTO version_files (version, path, role, hash, size, mode, stored, dvc) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                version.id,
                f.path,
                f.role,
                bytes.fromhex(f.hash),
                f.size,
                f.mode,
                int(f.stored),
                json.dumps(f.dvc) if f.dvc else None,
            )
            for f in version.files
        ],
    )


def delete_versions(db: Any, ids: Sequence[str]) -> None:
    """Delete versions and their files (inside the write transaction); their bytes go at the next gc."""
    for i in range(0, len(ids), 500):
        batch = list(ids[i : i + 500])
        marks = ",".join("?" * len(batch))
        db.execute(f"DELETE FROM version_files WHERE version IN ({marks})", batch)
        db.execute(f"DELETE FROM restored WHERE version IN ({marks})", batch)
        db.execute(f"DELETE FROM versions WHERE id IN ({marks})", batch)


# -- reading versions ----------------------------------------------------------------------------


def rows_to_versions(db: Any, rows: Sequence[Any]) -> list[Version]:
    """Rows of :data:`COLUMNS` as versions, with their files, tags and aliases."""
    if not rows:
        return []
    ids = [r[0] for r in rows]
    marks = ",".join("?" * len(ids))
    files: dict[str, list[FileEntry]] = {i: [] for i in ids}
    for vid, path, role, digest, size, mode, stored, dvc in db.execute(
        f"SELECT version, path, role, hash, size, mode, stored, dvc FROM version_files WHERE version IN ({marks})",
        ids,
    ).fetchall():
        files[vid].append(
            FileEntry(path, role, digest.hex(), size, mode, bool(stored), json.loads(dvc) if dvc else None)
        )
    tags: dict[str, list[str]] = {i: [] for i in ids}
    for name, vid in db.execute(
        f"SELECT name, version FROM tags WHERE version IN ({marks}) ORDER BY created", ids
    ).fetchall():
        tags[vid].append(name)
    aliases: dict[str, list[str]] = {i: [] for i in ids}
    for name, vid in db.execute(
        f"SELECT name, version FROM aliases WHERE version IN ({marks}) ORDER BY name", ids
    ).fetchall():
        aliases[vid].append(name)
    role_order = {r: i for i, r in enumerate(ROLES)}
    out = []
    for vid, nb, number, parent, kind, message, author_, created, env, git, metrics, params, extra, sub in rows:
        fs = sorted(files[vid], key=lambda f: (role_order.get(f.role, 9), f.path))
        out.append(
            Version(
                vid,
                nb,
                number,
                parent,
                kind,
                message,
                author_,
                created,
                env,
                json.loads(git) if git else None,
                json.loads(metrics),
                json.loads(params),
                json.loads(extra),
                tuple(fs),
                tuple(tags[vid]),
                tuple(aliases[vid]),
                sub,
            )
        )
    return out


def get_version(db: Any, version_id: str) -> Version:
    """:raises NotFound: no version of that id."""
    rows = db.execute(f"SELECT {COLUMNS} FROM versions WHERE id = ?", [version_id]).fetchall()
    if not rows:
        raise NotFound(f"no version {version_id[:12]}")
    return rows_to_versions(db, rows)[0]


def version_exists(db: Any, version_id: str) -> bool:
    return db.execute("SELECT 1 FROM versions WHERE id = ?", [version_id]).fetchone() is not None


# -- tags and aliases ----------------------------------------------------------------------------


def tag_target(db: Any, name: str) -> str | None:
    """The version id tag ``name`` names, or None."""
    row = db.execute("SELECT version FROM tags WHERE name = ?", [name]).fetchone()
    return row[0] if row else None


def alias_target(db: Any, name: str) -> str | None:
    """The version id alias ``name`` points at, or None."""
    row = db.execute("SELECT version FROM aliases WHERE name = ?", [name]).fetchone()
    return row[0] if row else None


def insert_tag(db: Any, name: str, version_id: str) -> None:
    db.execute("INSERT INTO tags (name, version, created) VALUES (?, ?, ?)", [name, version_id, time.time()])


def add_tag(db: Any, name: str, version_id: str) -> None:
    """Tag a version (inside the write transaction).

    :raises Conflict: ``name`` is an alias, or a tag already (tags never move)."""
    if alias_target(db, name) is not None:
        raise Conflict(f"{name} is already an alias; tags and aliases share one namespace")
    existing = tag_target(db, name)
    if existing:
        other = get_version(db, existing)
        raise Conflict(f"tag {name} already exists (on {other.label}); tags never move, use an alias")
    insert_tag(db, name, version_id)


def move_alias(db: Any, name: str, version_id: str, now: float | None = None) -> None:
    """Point alias ``name`` at a version and keep the move in its history (inside the
    write transaction)."""
    now = time.time() if now is None else now
    prev = alias_target(db, name)
    db.execute(
        "INSERT INTO aliases (name, version, updated) VALUES (?, ?, ?) "
        "ON CONFLICT(name) DO UPDATE SET version = excluded.version, updated = excluded.updated",
        [name, version_id, now],
    )
    db.execute(
        "INSERT INTO alias_history (name, version, previous, set_at) VALUES (?, ?, ?, ?)", [name, version_id, prev, now]
    )


def set_alias(db: Any, name: str, version_id: str, now: float | None = None) -> None:
    """:func:`move_alias`, refusing a name that is a tag. :raises Conflict: it is."""
    if tag_target(db, name) is not None:
        raise Conflict(f"{name} is already a tag; tags and aliases share one namespace")
    move_alias(db, name, version_id, now)


def alias_history(db: Any, name: str) -> list[dict[str, Any]]:
    """Where an alias pointed, newest first. :raises NotFound: no such alias."""
    rows = db.execute(
        "SELECT version, previous, set_at FROM alias_history WHERE name = ? ORDER BY id DESC", [name]
    ).fetchall()
    if not rows:
        raise NotFound(f"no alias {name}")
    return [{"version": v, "previous": p, "set_at": iso_time(t)} for v, p, t in rows]


def current_hash(path: Path) -> str | None:
    """A file's BLAKE3 (hex), or None when it is not a file."""
    if not path.is_file():
        return None
    return hash_file(path).hex()
