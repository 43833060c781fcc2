"""What must hold of a store at every moment, checked from the outside.

The invariants of docs/store-format.md ("Invariants") read back with SQL over
``mv.db`` and with the pack files themselves, plus a snapshot of a store's whole
state and of the user's files, to prove that a refused operation changed nothing.

``JUPYTER_MV_STRESS=1`` switches the reliability tests from their fast counts to
the long ones (see :func:`scale`).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import blake3

from jupyter_mv.store import STORE_DIRNAME, Store, Version
from jupyter_mv.store.packs import pack_path, read_trailer
from jupyter_mv.store.versions import VerifyReport

__all__ = ["STRESS", "scale", "check_invariants", "store_state", "user_files", "assert_restores", "unindexed_packs"]

#: The long runs (``make stress``) instead of the fast ones (``make test``).
STRESS = os.environ.get("JUPYTER_MV_STRESS", "") not in ("", "0")


def scale(fast: int, stress: int) -> int:
    """``stress`` under ``JUPYTER_MV_STRESS=1``, else ``fast``."""
    return stress if STRESS else fast


def _split(chunk_list: bytes) -> list[bytes]:
    return [chunk_list[i : i + 32] for i in range(0, len(chunk_list), 32)]


def check_invariants(store: Store) -> VerifyReport:
    """Assert the format's invariants 1, 2, 3, 5 and 6 and a clean ``verify``; return its report.

    1: every chunk row points inside a sealed pack (its trailer lists the chunk at that
    offset) that ``packs`` names and that exists with the recorded size. 2: every
    object's chunks are indexed, and their sizes add up to the object's. 3: every
    stored file of a version, and every model version, has its object. 5: every alias's target is the newest
    entry of its history. 6: version numbers are 1..n per notebook.
    """
    q = store.db.execute
    packs = {pid: (name, size) for pid, name, size in q("SELECT id, name, size FROM packs")}
    locations: dict[int, set[tuple[bytes, int, int]]] = {pid: set() for pid in packs}
    sizes: dict[bytes, int] = {}
    for digest, pid, offset, length, size in q("SELECT hash, pack, offset, length, size FROM chunks"):
        assert pid in packs, f"chunk {digest.hex()[:16]} points at pack id {pid}, which no packs row names"
        locations[pid].add((digest, offset, length))
        sizes[digest] = size
    for pid, (name, size) in packs.items():
        path = pack_path(store.dir, name)
        assert path.is_file(), f"pack {name} is listed but missing"
        assert path.stat().st_size == size, f"pack {name} changed size after sealing"
        sealed = {(e.hash, e.offset, e.length) for e in read_trailer(path)}
        unsealed = locations[pid] - sealed
        assert not unsealed, f"{len(unsealed)} chunk rows point into pack {name} where its trailer lists none"
    for digest, size, chunk_list in q("SELECT hash, size, chunks FROM objects"):
        parts = _split(chunk_list)
        missing = [p.hex()[:16] for p in parts if p not in sizes]
        assert not missing, f"object {digest.hex()[:16]} needs unindexed chunks {missing}"
        assert sum(sizes[p] for p in parts) == size, f"object {digest.hex()[:16]}: chunk sizes do not add up"
    lost = q(
        "SELECT f.version, f.path FROM version_files f LEFT JOIN objects o ON o.hash = f.hash "
        "WHERE f.stored = 1 AND o.hash IS NULL"
    ).fetchall()
    assert not lost, f"stored files without their object: {lost}"
    lost = q(
        "SELECT m.name, m.number FROM model_versions m LEFT JOIN objects o ON o.hash = m.object WHERE o.hash IS NULL"
    ).fetchall()
    assert not lost, f"model versions without their object: {lost}"
    for name, version in q("SELECT name, version FROM aliases"):
        newest = q("SELECT version FROM alias_history WHERE name = ? ORDER BY id DESC LIMIT 1", [name]).fetchone()
        assert newest is not None and newest[0] == version, f"alias {name} moved without a history entry"
    for table in ("tags", "aliases"):
        dangling = q(
            f"SELECT t.name FROM {table} t LEFT JOIN versions v ON v.id = t.version WHERE v.id IS NULL"
        ).fetchall()
        assert not dangling, f"{table} naming no version: {dangling}"
    for notebook, count, low, high, distinct in q(
        "SELECT notebook, count(*), min(number), max(number), count(DISTINCT number) FROM versions GROUP BY notebook"
    ):
        assert (low, high, distinct) == (1, count, count), (
            f"{notebook}: numbers {low}..{high} for {count} versions ({distinct} distinct)"
        )
    report = store.verify()
    assert report.ok, report.to_dict()
    return report


def unindexed_packs(store: Store) -> list[Path]:
    """Pack files under ``packs/`` that no ``packs`` row names (left by a crash, until gc)."""
    names = {r[0] for r in store.db.execute("SELECT name FROM packs")}
    return sorted(p for p in store.dir.glob("packs/*/*.pack") if p.stem not in names)


def store_state(store_dir: Path) -> tuple[tuple[str, ...], dict[str, str]]:
    """Everything a store holds: every row of ``mv.db`` and the hash of every other file
    in the store folder (packs, tmp, lock, README), to compare before and after."""
    conn = sqlite3.connect(f"file:{store_dir / 'mv.db'}?mode=ro", uri=True)
    try:
        rows = tuple(conn.iterdump())
    finally:
        conn.close()
    files = {
        str(p.relative_to(store_dir)): blake3.blake3(p.read_bytes()).hexdigest()
        for p in sorted(store_dir.rglob("*"))
        if p.is_file() and p.name not in ("mv.db", "mv.db-wal", "mv.db-shm")
    }
    return rows, files


def user_files(root: Path) -> dict[str, str]:
    """The hash of every file under ``root`` outside the store (symlinks as their target text)."""
    out = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != STORE_DIRNAME]
        for name in names:
            path = Path(folder, name)
            key = str(path.relative_to(root))
            if path.is_symlink():
                out[key] = "-> " + os.readlink(path)
            elif path.is_file():
                out[key] = blake3.blake3(path.read_bytes()).hexdigest()
            else:
                out[key] = "special"
    return out


def assert_restores(store: Store, version: Version | str, expected: Mapping[str, bytes], into: Path) -> None:
    """Restore ``version`` into the empty folder ``into`` and compare every file byte for
    byte with ``expected`` (path -> bytes), which must be exactly the files it stored."""
    v = store.resolve(version)
    stored = {f.path for f in v.files if f.stored}
    assert stored == set(expected), f"{v.label} holds {sorted(stored)}, expected {sorted(expected)}"
    store.restore(v, to=into)
    for path, data in expected.items():
        got = (into / path).read_bytes()
        assert got == data, f"{v.label}: {path} restored with other bytes ({len(got)} vs {len(data)})"
