"""Push and pull: move versions between a store and a remote.

Push order (so a reader never sees a version whose bytes are missing): conflicts are
checked first (nothing is sent when a tag or alias conflicts), then the sealed packs
the remote lacks, then one record per version, then tags and alias moves. Every file
is written once under its final name (after a temporary name where the back end can
rename), so an interrupted push leaves only complete files and the next push skips
what is there. Pull reads the records, indexes the packs they need from the packs'
own trailers, and leaves the packs' bytes on the remote until a read needs them
(``all=True`` fetches them at once).
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, IntegrityError, InvalidInput, MVError, NotFound, RemoteError
from ..progress import Progress, null_progress
from ..store import environments, registry, schema
from ..store.lock import store_lock
from ..store.objects import lazy_packs
from ..store.packs import ENTRY, TRAILER_MAGIC, pack_path
from ..store.records import (
    alias_target,
    insert_tag,
    insert_version,
    move_alias,
    next_number,
    notebook_key,
    tag_target,
    version_exists,
)
from ..store.versions import FileEntry, Version
from .admin import checked_url
from .backend import Backend, open_backend
from .layout import (
    FORMAT,
    MARKER,
    alias_entry_rel,
    check_record,
    new_alias_entry,
    object_rel,
    pack_rel,
    tag_rel,
    unquote_name,
    version_record,
    version_rel,
)

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["push", "pull", "fetch"]


@contextlib.contextmanager
def _remote_errors(name: str) -> Iterator[None]:
    """Errors of a back end (network, credentials, permissions) as one :class:`RemoteError` line."""
    try:
        yield
    except MVError:
        raise
    except FileNotFoundError as exc:
        raise RemoteError(f"remote {name}: not found: {_short(exc)}") from None
    except PermissionError as exc:
        raise RemoteError(f"remote {name}: permission denied: {_short(exc)}") from None
    except Exception as exc:
        raise RemoteError(f"remote {name}: {type(exc).__name__}: {_short(exc)}") from None


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:299] + "…"


def _open(store: Store, remote: str | None) -> tuple[str, Backend]:
    name, url = store.remotes.url(remote)
    with _remote_errors(name):
        return name, open_backend(url)


def _check_format(name: str, backend: Backend, *, create: bool) -> None:
    """The remote's marker: written by the first push; a newer format is refused."""
    try:
        marker = json.loads(backend.get_bytes(MARKER))
    except FileNotFoundError:
        if not create:
            raise NotFound(f"remote {name} holds no jupyter-mv versions yet ({backend.url})") from None
        backend.put_bytes(json.dumps({"format": FORMAT}).encode() + b"\n", MARKER)
        return
    except ValueError:
        raise IntegrityError(f"remote {name}: {MARKER} is damaged") from None
    found = marker.get("format") if isinstance(marker, dict) else None
    if not isinstance(found, int) or found > FORMAT:
        raise IntegrityError(
            f"remote {name} has format {found}, newer than this jupyter-mv understands ({FORMAT}); upgrade jupyter-mv"
        )


def _listed_ids(listing: dict[str, int], suffix: str = ".json") -> set[str]:
    return {k[: -len(suffix)] for k in listing if k.endswith(suffix) and "/" not in k}


def _names_listing(listing: dict[str, int]) -> dict[str, list[str]]:
    """``tags/`` or ``aliases/`` listed: each name with its entries, sorted."""
    out: dict[str, list[str]] = {}
    for key in listing:
        if "/" in key:
            folder, entry = key.split("/", 1)
            out.setdefault(unquote_name(folder), []).append(entry)
    return {k: sorted(v) for k, v in out.items()}


# -- push -------------------------------------------------------------------------------------


def push(
    store: Store,
    remote: str | None = None,
    refs: Sequence[str] | None = None,
    *,
    force: bool = False,
    progress: Progress = null_progress,
) -> dict[str, Any]:
    """Send the versions (all, or those ``refs`` name), their packs, tags and aliases that
    the remote lacks. See the module's docstring for the order.

    :raises Conflict: a tag points elsewhere on the remote, or an alias moved there since
        this store last saw it (unless ``force``).
    :raises InvalidInput: the remote is a folder that is the store, inside it or holds it.
    """
    checked_url(store, remote)
    if refs is not None and (isinstance(refs, str) or not all(isinstance(r, str) for r in refs)):
        raise InvalidInput("refs must be a list of version refs, tags or aliases")
    name, backend = _open(store, remote)
    db = store.db
    if refs:
        versions = {store.resolve(r).id for r in refs}
        names = set(refs)
        tags = {t: v for t, v in db.execute("SELECT name, version FROM tags").fetchall() if v in versions or t in names}
        aliases = {a: v for a, v in db.execute("SELECT name, version FROM aliases").fetchall() if a in names}
    else:
        versions = {r[0] for r in db.execute("SELECT id FROM versions").fetchall()}
        tags = dict(db.execute("SELECT name, version FROM tags").fetchall())
        aliases = dict(db.execute("SELECT name, version FROM aliases").fetchall())
    with store_lock(store.dir / "lock"), _remote_errors(name):
        _check_format(name, backend, create=True)
        remote_versions = _listed_ids(backend.list("versions"))
        remote_tags = _names_listing(backend.list("tags")) if tags else {}
        remote_aliases = _names_listing(backend.list("aliases")) if aliases else {}
        _check_tags(name, tags, remote_tags)
        alias_moves = _plan_aliases(store, name, backend, aliases, remote_aliases, force)
        order = [
            r[0]
            for r in db.execute("SELECT id FROM versions ORDER BY created, id").fetchall()
            if r[0] in versions and r[0] not in remote_versions
        ]
        records = {vid: version_record(db, vid) for vid in order}
        needed = sorted({p for rec in records.values() for p in rec["packs"]})
        remote_packs = {k.rsplit("/", 1)[-1][:-5] for k in backend.list("packs") if k.endswith(".pack")}
        to_send = [p for p in needed if p not in remote_packs]
        objects = sorted({o["hash"] for rec in records.values() for o in rec["objects"]})
        remote_objects = {k.rsplit("/", 1)[-1] for k in backend.list("objects")} if objects else set()
        objects_to_send = [o for o in objects if o not in remote_objects]
        fetch(store, to_send)
        sizes = {n: s for n, s in db.execute("SELECT name, size FROM packs").fetchall()}
        sent = 0
        with progress(f"push to {name}", sum(sizes.get(p, 0) for p in to_send), "B") as update:
            for pack in to_send:
                backend.put_file(pack_path(store.dir, pack), pack_rel(pack))
                sent += sizes.get(pack, 0)
                update(sizes.get(pack, 0))
                store.remotes.remember("remote_packs", name, [pack])
        store.remotes.remember("remote_packs", name, [p for p in needed if p in remote_packs])
        for digest in objects_to_send:  # chunk lists: after the packs they point into
            chunks = db.execute("SELECT chunks FROM objects WHERE hash = ?", [bytes.fromhex(digest)]).fetchone()[0]
            backend.put_bytes(chunks, object_rel(digest))
            sent += len(chunks)
        for vid in order:
            body = json.dumps(records[vid], sort_keys=True, separators=(",", ":")).encode()
            backend.put_bytes(body, version_rel(vid))
            sent += len(body)
            store.remotes.remember("remote_versions", name, [vid])
        store.remotes.remember("remote_versions", name, sorted(versions & remote_versions))
        for tag, vid in sorted(tags.items()):
            if f"{vid}.json" not in remote_tags.get(tag, []) and (vid in versions or vid in remote_versions):
                body = json.dumps({"version": vid, "created": time.time(), "store": _store_id(store)}).encode()
                backend.put_bytes(body, tag_rel(tag, vid))
                sent += len(body)
        for alias, (vid, previous) in sorted(alias_moves.items()):
            entry = new_alias_entry()
            body = json.dumps(
                {"version": vid, "previous": previous, "set_at": time.time(), "store": _store_id(store)}
            ).encode()
            backend.put_bytes(body, alias_entry_rel(alias, entry))
            sent += len(body)
            store.remotes.remember_alias(name, alias, entry, vid)
    return {
        "remote": name,
        "versions": len(order),
        "packs": len(to_send),
        "bytes": sent,
        "skipped": len(versions) - len(order),
    }


def _check_tags(name: str, tags: dict[str, str], remote_tags: dict[str, list[str]]) -> None:
    for tag, vid in sorted(tags.items()):
        others = [e[:-5] for e in remote_tags.get(tag, []) if e[:-5] != vid]
        if others:
            raise Conflict(
                f"tag {tag} points at another version on remote {name} ({others[0][:12]}); "
                "tags never move: rename yours"
            )


def _alias_head(backend: Backend, alias: str, entries: list[str]) -> tuple[str, str] | None:
    """``(entry, version)`` of the alias's newest move on the remote, or None."""
    if not entries:
        return None
    entry = entries[-1]
    try:
        data = json.loads(backend.get_bytes(alias_entry_rel(alias, entry)))
        return entry, str(data["version"])
    except (ValueError, KeyError, TypeError):
        raise IntegrityError(f"the remote's entry {entry} of alias {alias} is damaged") from None


def _plan_aliases(
    store: Store,
    name: str,
    backend: Backend,
    aliases: dict[str, str],
    remote_aliases: dict[str, list[str]],
    force: bool,
) -> dict[str, tuple[str, str | None]]:
    """The alias moves to append: ``{alias: (version, previous on the remote)}``."""
    moves: dict[str, tuple[str, str | None]] = {}
    for alias, vid in sorted(aliases.items()):
        head = _alias_head(backend, alias, remote_aliases.get(alias, []))
        seen = store.remotes.seen_alias(name, alias)
        if head is not None and head[1] == vid:
            store.remotes.remember_alias(name, alias, head[0], vid)
            continue
        if head is None or (seen is not None and seen[0] == head[0]) or force:
            moves[alias] = (vid, head[1] if head else None)
            continue
        if seen is not None and seen[1] == vid:
            continue  # only the remote moved: a pull brings that move here
        raise Conflict(
            f"alias {alias} moved on remote {name} since this store last saw it (it points at "
            f"{head[1][:12]} there); pull first, or push with force to move it anyway"
        )
    return moves


def _store_id(store: Store) -> str:
    row = store.db.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
    return row[0] if row else ""


# -- pull -------------------------------------------------------------------------------------


def pull(
    store: Store,
    remote: str | None = None,
    notebooks: Sequence[str] | None = None,
    *,
    all: bool = False,
    progress: Progress = null_progress,
) -> dict[str, Any]:
    """Bring in the remote's versions this store lacks (of ``notebooks`` when given), with
    their tags and alias moves. Packs stay on the remote until a read needs them, unless
    ``all``. Names that conflict with this store's are left as they are here and listed
    under ``conflicts``.

    :raises InvalidInput: the remote is a folder that is the store, inside it or holds it.
    """
    checked_url(store, remote)
    if notebooks is not None and (isinstance(notebooks, str) or not _all_str(notebooks)):
        raise InvalidInput("notebooks must be a list of notebook paths")
    name, backend = _open(store, remote)
    db = store.db
    wanted = {_notebook_key(store, nb) for nb in notebooks} if notebooks else None
    received = 0
    conflicts: list[str] = []
    with store_lock(store.dir / "lock"), _remote_errors(name):
        _check_format(name, backend, create=False)
        listing = backend.list("versions")
        listed = _listed_ids(listing)
        local = {r[0] for r in db.execute("SELECT id FROM versions").fetchall()}
        store.remotes.remember("remote_versions", name, sorted(listed & local))
        records = []
        new_ids = sorted(listed - local)
        with progress(f"pull from {name}", sum(listing[f"{v}.json"] for v in new_ids), "B") as update:
            for vid in new_ids:
                body = backend.get_bytes(version_rel(vid))
                received += len(body)
                record = check_record(json.loads(body), vid)
                update(len(body))
                if wanted is None or record["version"]["notebook"] in wanted:
                    records.append(record)
        records.sort(key=lambda r: (r["version"]["created"], r["version"]["id"]))
        known_packs = {r[0] for r in db.execute("SELECT name FROM packs").fetchall()}
        new_packs = sorted({p for r in records for p in r["packs"]} - known_packs)
        pack_sizes = {k.rsplit("/", 1)[-1][:-5]: s for k, s in backend.list("packs").items() if k.endswith(".pack")}
        have = {r[0].hex() for r in db.execute("SELECT hash FROM objects").fetchall()}
        chunk_lists: dict[str, bytes] = {}
        for digest in sorted({o["hash"] for r in records for o in r["objects"]} - have):
            chunk_lists[digest] = backend.get_bytes(object_rel(digest))
            received += len(chunk_lists[digest])
        trailers = {}
        for pack in new_packs:
            if pack not in pack_sizes:
                raise IntegrityError(f"remote {name} lacks pack {pack} that its versions need")
            trailers[pack], got = _read_trailer(backend, pack, pack_sizes[pack])
            received += got
        with store._db_lock, schema.transaction(db):
            for pack in new_packs:
                _index_pack(db, name, pack, pack_sizes[pack], trailers[pack])
            for record in records:
                _import_version(db, record, chunk_lists)
            store.remotes.remember("remote_versions", name, [r["version"]["id"] for r in records], locked=True)
            store.remotes.remember("remote_packs", name, new_packs, locked=True)
        conflicts += _pull_tags(store, name, backend)
        conflicts += _pull_aliases(store, name, backend)
        fetched = fetched_bytes = 0
        if all:
            lazy = [r[0] for r in db.execute("SELECT name FROM packs WHERE remote = ?", [name]).fetchall()]
            fetched, fetched_bytes = fetch(store, lazy, progress)
    return {
        "remote": name,
        "versions": len(records),
        "packs": fetched,
        "bytes": received + fetched_bytes,
        "conflicts": conflicts,
    }


def _notebook_key(store: Store, notebook: str) -> str:
    """A notebook as the remote's records name it: relative to the root, like here; a
    name that is not a path under this root is taken as written."""
    try:
        return notebook_key(store, notebook)
    except InvalidInput:
        return notebook.replace(os.sep, "/").lstrip("/")


def _all_str(items: Sequence[Any]) -> bool:
    return all(isinstance(i, str) for i in items)


def _read_trailer(backend: Backend, pack: str, size: int) -> tuple[list[tuple], int]:
    """The chunk entries a remote pack lists in its trailer (two ranged reads)."""
    rel = pack_rel(pack)
    tail = backend.get_bytes(rel, size - 12, size)
    if len(tail) != 12 or tail[4:] != TRAILER_MAGIC:
        raise IntegrityError(f"pack {pack} on the remote has no valid trailer")
    (count,) = struct.unpack("<I", tail[:4])
    start = size - 12 - count * ENTRY.size
    if start < 8:
        raise IntegrityError(f"pack {pack} on the remote has a damaged trailer")
    raw = backend.get_bytes(rel, start, size - 12) if count else b""
    if len(raw) != count * ENTRY.size:
        raise IntegrityError(f"pack {pack} on the remote has a damaged trailer")
    return [ENTRY.unpack_from(raw, i * ENTRY.size) for i in range(count)], 12 + len(raw)


def _index_pack(db: Any, remote: str, pack: str, size: int, entries: list[tuple]) -> None:
    """A pack whose bytes are still on ``remote``: its row and its chunks' locations."""
    db.execute("INSERT INTO packs (name, size, created, remote) VALUES (?, ?, ?, ?)", [pack, size, time.time(), remote])
    pid = db.execute("SELECT id FROM packs WHERE name = ?", [pack]).fetchone()[0]
    db.conn.executemany(
        "INSERT OR IGNORE INTO chunks (hash, pack, offset, length, size, codec) VALUES (?, ?, ?, ?, ?, ?)",
        [(h, pid, offset, length, csize, codec) for h, offset, length, csize, codec in entries],
    )


def _import_version(db: Any, record: dict[str, Any], chunk_lists: dict[str, bytes]) -> None:
    """Insert a version (numbered after this store's versions of its notebook), its files,
    objects (``chunk_lists`` holds those new here), environment and models. Runs inside
    the pull's transaction."""
    v = record["version"]
    if version_exists(db, v["id"]):
        return
    for o in record["objects"]:
        if o["hash"] not in chunk_lists:
            continue  # this store holds it already
        chunks = chunk_lists[o["hash"]]
        if len(chunks) % 32 or (o["size"] > 0 and not chunks):
            raise IntegrityError(f"the remote's chunk list of object {o['hash'][:16]} is damaged")
        missing = [
            chunks[i : i + 32]
            for i in range(0, len(chunks), 32)
            if not db.execute("SELECT 1 FROM chunks WHERE hash = ?", [chunks[i : i + 32]]).fetchone()
        ]
        if missing:
            raise IntegrityError(
                f"version {v['id'][:12]} names chunk {missing[0].hex()[:16]} that no pack on the remote holds"
            )
        db.execute(
            "INSERT OR IGNORE INTO objects (hash, size, chunks, created) VALUES (?, ?, ?, ?)",
            [bytes.fromhex(o["hash"]), o["size"], chunks, time.time()],
        )
    if v["environment"] and record.get("environment_data") is not None:
        environments.insert_environment(db, v["environment"], record["environment_data"])
    env = v["environment"] if v["environment"] and environments.exists(db, v["environment"]) else None
    numbering = next_number(db, v["notebook"], v["kind"])
    files = tuple(
        FileEntry(
            f["path"],
            f["role"],
            f["hash"],
            f["size"],
            f["mode"],
            bool(f["stored"]),
            f["dvc"] if isinstance(f.get("dvc"), dict) else None,
        )
        for f in record["files"]
    )
    insert_version(
        db,
        Version(
            v["id"],
            v["notebook"],
            numbering.number,
            v["parent"],
            v["kind"],
            v["message"],
            v["author"],
            v["created"],
            env,
            v["git"],
            v["metrics"],
            v["params"],
            v["extra"],
            files,
            sub=numbering.sub,
        ),
        numbering.placeholder,
    )
    registry.import_models(db, v["id"], record.get("models", []))


def _pull_tags(store: Store, name: str, backend: Backend) -> list[str]:
    db = store.db
    conflicts = []
    for tag, entries in sorted(_names_listing(backend.list("tags")).items()):
        targets = sorted({e[:-5] for e in entries if e.endswith(".json")})
        if len(targets) > 1:
            conflicts.append(f"tag {tag} has {len(targets)} different targets on remote {name}; kept as it is here")
            continue
        vid = targets[0]
        with store._db_lock, schema.transaction(db):
            here = tag_target(db, tag)
            if here is not None:
                if here != vid:
                    conflicts.append(
                        f"tag {tag} points at another version on remote {name} ({vid[:12]}); kept as it is here"
                    )
                continue
            if alias_target(db, tag) is not None:
                conflicts.append(f"tag {tag} of remote {name} is an alias here; kept as it is here")
                continue
            if version_exists(db, vid):
                insert_tag(db, tag, vid)
    return conflicts


def _pull_aliases(store: Store, name: str, backend: Backend) -> list[str]:
    db = store.db
    conflicts = []
    for alias, entries in sorted(_names_listing(backend.list("aliases")).items()):
        seen = store.remotes.seen_alias(name, alias)
        if seen is not None and seen[0] == entries[-1]:
            continue
        head = _alias_head(backend, alias, entries)
        assert head is not None
        entry, vid = head
        with store._db_lock, schema.transaction(db):
            if not version_exists(db, vid):
                continue  # a version not pulled (another notebook): leave the alias for later
            if tag_target(db, alias) is not None:
                conflicts.append(f"alias {alias} of remote {name} is a tag here; kept as it is here")
                continue
            here = alias_target(db, alias)
            moved_here = here is not None and here != vid and (seen is None or seen[1] != here)
            if moved_here:
                conflicts.append(
                    f"alias {alias} moved both here and on remote {name} (there: {vid[:12]}); "
                    "kept as it is here: push with force to move it there too"
                )
                continue
            if here is None or here != vid:
                move_alias(db, alias, vid)
            store.remotes.remember_alias(name, alias, entry, vid, locked=True)
    return conflicts


# -- fetching packs a lazy pull left on the remote ---------------------------------------------


def fetch(store: Store, packs: Sequence[str], progress: Progress = null_progress) -> tuple[int, int]:
    """Download those of ``packs`` whose bytes are still on a remote (the caller holds the
    store lock): ``(packs fetched, bytes fetched)``. The store's reads call it through
    :func:`jupyter_mv.store.objects.fetch_packs`, where :mod:`jupyter_mv.remote` registers it."""
    count = total = 0
    for remote, items in sorted(lazy_packs(store.db, packs).items()):
        url = store.remotes.find(remote)
        if url is None:
            raise RemoteError(
                f"pack {items[0][0]} is still on remote {remote}, which is no longer configured; "
                f"add it again with `jupyter mv remote add {remote} URL`"
            )
        with _remote_errors(remote):
            backend = open_backend(url)
            with progress(f"fetch from {remote}", sum(s for _, s in items), "B") as update:
                for pack, size in items:
                    _fetch_one(store, backend, remote, pack, size)
                    update(size)
                    count += 1
                    total += size
    return count, total


def _fetch_one(store: Store, backend: Backend, remote: str, pack: str, size: int) -> None:
    tmp = store.dir / "tmp" / f"fetch-{pack}-{uuid.uuid4().hex[:8]}.pack"
    try:
        backend.get_file(pack_rel(pack), tmp)
        got = tmp.stat().st_size
        with open(tmp, "rb") as f:
            f.seek(-8, os.SEEK_END)
            magic = f.read(8)
            os.fsync(f.fileno())
        if got != size or magic != TRAILER_MAGIC:
            raise IntegrityError(f"pack {pack} fetched from remote {remote} is damaged ({got} bytes, {size} expected)")
        final = pack_path(store.dir, pack)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    with store._db_lock, schema.transaction(store.db):
        store.db.execute("UPDATE packs SET remote = NULL WHERE name = ?", [pack])
