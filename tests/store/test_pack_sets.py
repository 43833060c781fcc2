"""Pack sets: per stored object, the packs its chunks lie in, so that a snapshot checks a
file the stat cache vouches for (and the object a changed file's unchanged segments come
from) by looking at a few packs, not by looking every chunk up; a set never vouches for
a chunk that is gone."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from jupyter_mv.store import Store
from jupyter_mv.store.ingest import SEGMENT
from tests.helpers import write_notebook

MIB = 1024 * 1024


def _age(*paths: Path) -> None:
    past = time.time() - 30
    for p in paths:
        os.utime(p, (past, past))


def _true_set(store: Store, digest: bytes) -> dict[str, int]:
    """The packs object ``digest``'s chunks lie in, and how far into each, from the index."""
    blob = store.db.execute("SELECT chunks FROM objects WHERE hash = ?", [digest]).fetchone()[0]
    out: dict[str, int] = {}
    for d in {blob[i : i + 32] for i in range(0, len(blob), 32)}:
        name, end = store.db.execute(
            "SELECT p.name, c.offset + c.length FROM chunks c JOIN packs p ON p.id = c.pack WHERE c.hash = ?", [d]
        ).fetchone()
        out[name] = max(end, out.get(name, 0))
    return out


def _recorded(store: Store, digest: bytes) -> dict[str, int] | None:
    row = store.db.execute("SELECT packs FROM pack_sets WHERE object = ?", [digest]).fetchone()
    return None if row is None else {name: end for name, end in json.loads(row[0])}


class _Statements:
    """The SQL this store's connection runs (SQLite's own trace hook)."""

    def __init__(self, store: Store) -> None:
        self.seen: list[str] = []
        store.db.conn.set_trace_callback(self.seen.append)

    def chunk_lookups(self) -> list[str]:
        return [s for s in self.seen if "FROM chunks c" in s]


@pytest.fixture
def files(store: Store, project: Path) -> tuple[Path, Path, Path]:
    nb = write_notebook(project / "nb.ipynb", ["1"])
    big, small = project / "big.bin", project / "small.txt"
    big.write_bytes(os.urandom(2 * SEGMENT + 3 * MIB))
    small.write_text("a small file\n" * 100)
    _age(nb, big, small)
    return nb, big, small


def test_a_new_object_gets_its_pack_set_and_a_no_change_snapshot_looks_no_chunk_up(
    store: Store, files: tuple[Path, Path, Path]
) -> None:
    v1 = store.snapshot("nb.ipynb", ["big.bin", "small.txt"], environment=None)
    for entry in v1.files:
        digest = bytes.fromhex(entry.hash)
        assert _recorded(store, digest) == _true_set(store, digest), entry.path
    sql = _Statements(store)
    v2 = store.snapshot("nb.ipynb", ["big.bin", "small.txt"], environment=None, message="nothing changed")
    assert [f.hash for f in v2.files] == [f.hash for f in v1.files]
    assert sql.chunk_lookups() == []  # the sets vouched for all three files


def test_a_small_edit_takes_unchanged_segments_by_the_pack_set_and_records_the_new_objects(
    store: Store, project: Path, files: tuple[Path, Path, Path]
) -> None:
    _, big, _ = files
    store.snapshot("nb.ipynb", ["big.bin", "small.txt"], environment=None)
    data = bytearray(big.read_bytes())
    data[SEGMENT + 100 : SEGMENT + 104] = b"EDIT"
    data += os.urandom(MIB)
    big.write_bytes(bytes(data))
    _age(big)
    sql = _Statements(store)
    v2 = store.snapshot("nb.ipynb", ["big.bin", "small.txt"], environment=None)
    # Only the new chunks of the edited and appended segments were looked up, in one or two
    # batches, not the file's hundreds of chunks (which a lookup of each would take).
    assert 0 < len(sql.chunk_lookups()) <= 3, sql.chunk_lookups()
    new = bytes.fromhex(v2.file("big.bin").hash)
    recorded = _recorded(store, new)
    assert recorded is not None
    truth = _true_set(store, new)
    assert set(truth) <= set(recorded) and all(recorded[p] >= end for p, end in truth.items())
    out = project / "out"
    store.restore(v2, ["big.bin"], to=out)
    assert (out / "big.bin").read_bytes() == bytes(data)


def test_a_set_naming_a_damaged_pack_vouches_for_nothing_and_the_file_is_read_again(
    store: Store, files: tuple[Path, Path, Path]
) -> None:
    v1 = store.snapshot("nb.ipynb", ["big.bin", "small.txt"], environment=None)
    digest = bytes.fromhex(v1.file("big.bin").hash)
    pack = sorted(_recorded(store, digest) or {})[0]
    path = next(store.dir.glob(f"packs/*/{pack}.pack"))
    with open(path, "r+b") as f:  # the disk lost the end of a pack
        f.truncate(path.stat().st_size // 2)
    v2 = store.snapshot("nb.ipynb", ["big.bin", "small.txt"], environment=None, message="after the damage")
    assert any("repaired the store" in w for w in v2.warnings)
    out = store.root / "out"
    store.restore(v2, ["big.bin"], to=out)
    assert (out / "big.bin").read_bytes() == (store.root / "big.bin").read_bytes()
    # A repair points chunks at new packs: no set is kept until the next snapshot learns them.
    assert store.db.execute("SELECT count(*) FROM pack_sets").fetchone()[0] == 0


def test_gc_moving_chunks_empties_the_sets_and_the_next_snapshot_learns_them_again(
    store: Store, project: Path, files: tuple[Path, Path, Path]
) -> None:
    """gc rewrites a pack (a pruned save's file is dropped from it, a kept file's chunks
    move to a new pack): SQLite's triggers empty the sets, so none names the old pack, and
    the next snapshot looks the chunks up and learns the sets anew."""
    from jupyter_mv.store import history

    (project / "drop.bin").write_bytes(os.urandom(120_000))
    _age(project / "drop.bin")
    store.snapshot("nb.ipynb", ["big.bin", "small.txt", "drop.bin"], kind="light")
    store.snapshot("nb.ipynb", ["big.bin", "small.txt"], environment=None)
    assert store.db.execute("SELECT count(*) FROM pack_sets").fetchone()[0] > 0
    assert history.prune(store, older_than_days=1, now=time.time() + 2 * 86400) == 1
    assert store.gc(grace_seconds=0).packs_rewritten >= 1
    assert store.db.execute("SELECT count(*) FROM pack_sets").fetchone()[0] == 0
    sql = _Statements(store)
    v3 = store.snapshot("nb.ipynb", ["big.bin", "small.txt"], environment=None)
    assert sql.chunk_lookups()  # no set: the chunks were looked up
    for entry in v3.files:
        digest = bytes.fromhex(entry.hash)
        assert _recorded(store, digest) == _true_set(store, digest), entry.path
    out = project / "out"
    store.restore(v3, ["big.bin"], to=out)
    assert (out / "big.bin").read_bytes() == (project / "big.bin").read_bytes()


def test_a_chunk_row_removed_by_hand_empties_the_sets(store: Store, files: tuple[Path, Path, Path]) -> None:
    """Whoever removes a chunk row (another writer, a hand in the database), SQLite empties
    the sets, so the next snapshot sees the chunk is gone and stores it again."""
    v1 = store.snapshot("nb.ipynb", ["big.bin", "small.txt"], environment=None)
    blob = store.db.execute("SELECT chunks FROM objects WHERE hash = ?", [bytes.fromhex(v1.file("big.bin").hash)])
    store.db.execute("DELETE FROM chunks WHERE hash = ?", [blob.fetchone()[0][32:64]])
    assert store.db.execute("SELECT count(*) FROM pack_sets").fetchone()[0] == 0
    v2 = store.snapshot("nb.ipynb", ["big.bin", "small.txt"], environment=None)
    assert store.read_file(v2, "big.bin") == (store.root / "big.bin").read_bytes()


def test_a_stale_set_naming_a_pack_gc_removed_is_not_trusted(
    store: Store, project: Path, files: tuple[Path, Path, Path]
) -> None:
    """A set that names a pack no longer in the index (however it came to be) is ignored:
    the chunks are looked up and the set is learnt again."""
    v1 = store.snapshot("nb.ipynb", ["big.bin", "small.txt"], environment=None)
    digest = bytes.fromhex(v1.file("big.bin").hash)
    good = _recorded(store, digest)
    stale = json.dumps([["0" * 32, 1], *sorted((good or {}).items())])
    store.db.execute("UPDATE pack_sets SET packs = ? WHERE object = ?", [stale, digest])
    sql = _Statements(store)
    store.snapshot("nb.ipynb", ["big.bin", "small.txt"], environment=None)
    assert sql.chunk_lookups()
    assert _recorded(store, digest) == _true_set(store, digest)
