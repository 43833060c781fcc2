"""``verify`` (re-hash everything, name what is damaged) and ``gc`` (drop the unreferenced)."""

from __future__ import annotations

import os
import sqlite3
import time
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ..errors import IntegrityError, StoreFormatError
from ..progress import Progress
from . import schema
from .packs import PackEntry, PackReader, PackWriter, compress, pack_path
from .versions import GcReport, VerifyReport

if TYPE_CHECKING:
    from .store import Store

__all__ = ["verify", "gc", "LIVE_OBJECTS"]

#: Every object something still needs: the files versions hold, the registered models' artifacts.
LIVE_OBJECTS = "SELECT hash FROM version_files WHERE stored = 1 UNION SELECT object AS hash FROM model_versions"
#: A row of ``chunks``: hash, pack, offset, length, size, codec.
_ChunkRow = tuple[bytes, int, int, int, int, int]


def _split(chunk_list: bytes) -> list[bytes]:
    return [chunk_list[i : i + 32] for i in range(0, len(chunk_list), 32)]


def verify(store: Store, progress: Progress) -> VerifyReport:
    # A connection of its own, in one read transaction: the chunk index, the objects and
    # the versions are read as of one moment while writers go on committing (a version
    # committed between two of these reads would look like an object missing its chunks).
    db = schema.connect(store.dir / "mv.db")
    try:
        db.execute("BEGIN")
        return _verify(store, db, progress)
    finally:
        db.close()


def _verify(store: Store, db: schema.Database, progress: Progress) -> VerifyReport:
    try:
        check = db.execute("PRAGMA quick_check").fetchone()[0]
    except (sqlite3.DatabaseError, StoreFormatError) as exc:
        check = str(exc)
    damaged: dict[bytes, dict[str, Any]] = {}
    count = 0
    # Chunks in packs a lazy pull left on a remote are not here to re-hash: they are
    # checked when a read fetches them.
    total_bytes = db.execute(
        "SELECT coalesce(sum(c.size), 0) FROM chunks c JOIN packs p ON p.id = c.pack WHERE p.remote IS NULL"
    ).fetchone()[0]
    with PackReader(store.dir) as reader, progress("verify", total_bytes, "B") as update:
        rows = db.execute(
            "SELECT c.hash, p.name, c.offset, c.length, c.size, c.codec FROM chunks c "
            "JOIN packs p ON p.id = c.pack WHERE p.remote IS NULL ORDER BY c.pack, c.offset"
        )
        for digest, pack, offset, length, size, codec in rows:
            count += 1
            try:
                reader.read(pack, digest, offset, length, size, codec)
            except IntegrityError as exc:
                damaged[digest] = {"chunk": digest.hex(), "pack": pack, "error": exc.message}
            update(size)
    known = {r[0] for r in db.execute("SELECT hash FROM chunks")}
    bad_objects = []
    for digest, chunk_list in db.execute("SELECT hash, chunks FROM objects"):
        parts = _split(chunk_list)
        broken = [p for p in parts if p in damaged]
        missing = [p for p in parts if p not in known]
        if broken or missing:
            bad_objects.append(
                {
                    "object": digest.hex(),
                    "damaged_chunks": [p.hex() for p in broken],
                    "missing_chunks": [p.hex() for p in missing],
                }
            )
    referenced = db.execute(
        f"SELECT DISTINCT l.hash FROM ({LIVE_OBJECTS}) l LEFT JOIN objects o ON o.hash = l.hash WHERE o.hash IS NULL"
    ).fetchall()
    bad_objects += [
        {"object": r[0].hex(), "damaged_chunks": [], "missing_chunks": [], "missing": True} for r in referenced
    ]
    affected: dict[str, dict[str, Any]] = {}
    if bad_objects:
        hashes = [bytes.fromhex(o["object"]) for o in bad_objects]
        paths_by_object = defaultdict(list)
        for i in range(0, len(hashes), 500):
            batch = hashes[i : i + 500]
            for vid, nb, number, path, digest in db.execute(
                "SELECT v.id, v.notebook, v.number, f.path, f.hash FROM version_files f "
                f"JOIN versions v ON v.id = f.version WHERE f.hash IN ({','.join('?' * len(batch))}) "
                "ORDER BY v.notebook, v.number",
                batch,
            ):
                entry = affected.setdefault(vid, {"id": vid, "name": f"v{number}", "notebook": nb, "paths": []})
                entry["paths"].append(path)
                paths_by_object[digest.hex()].append(f"{nb}@v{number}:{path}")
        for o in bad_objects:
            o["files"] = sorted(set(paths_by_object.get(o["object"], [])))
    return VerifyReport(
        count, total_bytes, tuple(damaged.values()), tuple(bad_objects), tuple(affected.values()), check
    )


def gc(store: Store, grace_seconds: float, dry_run: bool, progress: Progress) -> GcReport:
    """Runs under the store's exclusive lock: no writer or reader is active."""
    db = store.db
    # What is live is read from the index: on a damaged one, deleting is never safe.
    check = db.execute("PRAGMA quick_check").fetchone()[0]
    if check != "ok":
        raise IntegrityError(
            f"the store database fails its check ({check}); gc deletes nothing until it is restored from a backup"
        )
    cutoff = time.time() - max(0.0, grace_seconds)
    live_objects = {r[0] for r in db.execute(LIVE_OBJECTS)}
    dead_objects = [
        h
        for h, created in db.execute("SELECT hash, created FROM objects")
        if h not in live_objects and created < cutoff
    ]
    dead_set = set(dead_objects)
    live_chunks: set[bytes] = set()
    for digest, chunk_list in db.execute("SELECT hash, chunks FROM objects"):
        if digest not in dead_set:
            live_chunks.update(_split(chunk_list))
    packs = {pid: (name, created) for pid, name, created in db.execute("SELECT id, name, created FROM packs")}
    # A pack still on a remote (lazy pull) has no file to rewrite: it is dropped when none
    # of its chunks is live, and otherwise kept whole.
    on_remote = {r[0] for r in db.execute("SELECT id FROM packs WHERE remote IS NOT NULL")}
    by_pack: dict[int, list[_ChunkRow]] = defaultdict(list)
    for row in db.execute("SELECT hash, pack, offset, length, size, codec FROM chunks"):
        by_pack[row[1]].append(row)
    dead_packs: list[tuple[int, str, list[_ChunkRow], list[_ChunkRow]]] = []
    rewrite: list[tuple[int, str, list[_ChunkRow], list[_ChunkRow]]] = []
    chunks_removed = bytes_freed = 0
    for pid, rows in by_pack.items():
        name, created = packs[pid]
        dead = [r for r in rows if r[0] not in live_chunks]
        if not dead or created >= cutoff or (pid in on_remote and len(dead) < len(rows)):
            continue
        chunks_removed += len(dead)
        bytes_freed += sum(r[3] for r in dead)
        (dead_packs if len(dead) == len(rows) else rewrite).append((pid, name, rows, dead))
    empty_packs = [(pid, name) for pid, (name, created) in packs.items() if pid not in by_pack and created < cutoff]
    indexed = {name for name, _ in packs.values()}
    orphans = []
    for sub in (store.dir / "packs").glob("*/*.pack"):
        if sub.stem not in indexed and sub.stat().st_mtime < cutoff:
            orphans.append(sub)
    temps = list((store.dir / "tmp").iterdir())
    if dry_run:
        return GcReport(
            len(dead_objects),
            chunks_removed,
            bytes_freed + sum(p.stat().st_size for p in orphans),
            len(dead_packs) + len(empty_packs) + len(orphans),
            len(rewrite),
            len(temps),
            True,
        )
    for t in temps:
        t.unlink(missing_ok=True)
    writer = None
    moved: list[tuple[bytes, str, PackEntry]] = []
    total = sum(sum(r[4] for r in rows if r[0] in live_chunks) for _, _, rows, _ in rewrite)
    with PackReader(store.dir) as reader, progress("repack", total, "B") as update:
        for pid, name, rows, dead in rewrite:
            for digest, _, offset, length, size, codec in rows:
                if digest not in live_chunks:
                    continue
                data = reader.read(name, digest, offset, length, size, codec)
                if writer is None:
                    writer = PackWriter(store.dir)
                new_codec, payload = compress(data)
                moved.append((digest, writer.name, writer.append(digest, size, new_codec, payload)))
                update(size)
    if writer is not None:
        writer.seal()
    with schema.transaction(db):
        if writer is not None:
            schema.insert_rows(db, "packs", [{"name": writer.name, "size": writer.size, "created": time.time()}])
            new_id = db.execute("SELECT id FROM packs WHERE name = ?", [writer.name]).fetchone()[0]
            for digest, _, entry in moved:
                db.execute(
                    "UPDATE chunks SET pack = ?, offset = ?, length = ?, codec = ? WHERE hash = ?",
                    [new_id, entry.offset, entry.length, entry.codec, digest],
                )
        for pid, _, rows, dead in dead_packs + rewrite:
            db.conn.executemany("DELETE FROM chunks WHERE hash = ? AND pack = ?", [(r[0], pid) for r in dead])
        for pid, *_ in dead_packs + rewrite:
            db.execute("DELETE FROM packs WHERE id = ?", [pid])
        for pid, _ in empty_packs:
            db.execute("DELETE FROM packs WHERE id = ?", [pid])
        db.conn.executemany("DELETE FROM segments WHERE object = ?", [(h,) for h in dead_objects])
        db.conn.executemany("DELETE FROM objects WHERE hash = ?", [(h,) for h in dead_objects])
        db.execute("DELETE FROM stat_cache WHERE hash NOT IN (SELECT hash FROM objects)")
        # (Moving or removing chunks emptied the pack sets: SQLite's triggers, migration 8.)
        db.execute("DELETE FROM pack_sets WHERE object NOT IN (SELECT hash FROM objects)")
    for _, name, *_ in dead_packs + rewrite:
        pack_path(store.dir, name).unlink(missing_ok=True)
    for _, name in empty_packs:
        pack_path(store.dir, name).unlink(missing_ok=True)
    for orphan in orphans:
        bytes_freed += orphan.stat().st_size
        orphan.unlink(missing_ok=True)
    for folder in (store.dir / "packs").iterdir():
        if folder.is_dir() and not any(folder.iterdir()):
            os.rmdir(folder)
    return GcReport(
        len(dead_objects),
        chunks_removed,
        bytes_freed,
        len(dead_packs) + len(empty_packs) + len(orphans),
        len(rewrite),
        len(temps),
        False,
    )
