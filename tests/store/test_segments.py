"""Segment records: a file read again cuts only the 16 MiB segments that changed, and
restores stay byte-identical whatever the edit; an in-place restore copies what the file
on disk holds already and leaves matching files alone."""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import pytest

from jupyter_mv.store import Store, schema
from jupyter_mv.store.ingest import SEGMENT
from tests.helpers import write_notebook

MIB = 1024 * 1024


def _content(size: int, seed: int) -> bytes:
    """Compressible but not repetitive bytes (text-like lines from a seeded generator)."""
    rng = random.Random(seed)
    line = b"".join(b"%d,%08x,%s\n" % (i, rng.getrandbits(32), rng.choice([b"ab", b"cde", b"f"])) for i in range(4096))
    out = bytearray()
    while len(out) < size:
        out += rng.randbytes(1024) + line[rng.randrange(len(line) // 2) :]
    return bytes(out[:size])


def _age(*paths: Path) -> None:
    """Make files older than the stat cache's racy window, as files usually are."""
    past = time.time() - 30
    for p in paths:
        os.utime(p, (past, past))


def _times(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _restored(store: Store, version, tmp: Path) -> bytes:
    out = tmp / f"out-{version.number}"
    store.restore(version, ["big.bin"], to=out)
    return (out / "big.bin").read_bytes()


def test_edits_reuse_unchanged_segments_and_restore_byte_identical(
    store: Store, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    timings = tmp_path / "times.jsonl"
    monkeypatch.setenv("JUPYTER_MV_TIMINGS", str(timings))
    _age(write_notebook(project / "nb.ipynb", ["1"]))  # read once, then vouched for by the stat cache
    big = project / "big.bin"
    data = _content(2 * SEGMENT + 5 * MIB, seed=1)  # three segments, the last a partial one
    big.write_bytes(data)
    versions = [(store.snapshot("nb.ipynb", ["big.bin"], environment=None), data)]

    middle = bytearray(data)
    middle[SEGMENT + 1000 : SEGMENT + 1010] = b"0123456789"  # an edit in the middle segment
    appended = bytes(middle) + _content(14 * MIB, seed=2)  # then an append, past a segment boundary
    truncated = appended[: SEGMENT + 7 * MIB]  # then a truncation inside the second segment
    inserted = b"!" + truncated  # then a byte inserted at the start: every segment shifts
    for content in (bytes(middle), appended, truncated, inserted):
        big.write_bytes(content)
        versions.append((store.snapshot("nb.ipynb", ["big.bin"], environment=None), content))

    runs = [t for t in _times(timings) if t["bytes"] > MIB]
    assert [(t["segments_reused"], t["segments_cut"]) for t in runs] == [
        (0, 4),  # first version: everything cut (the notebook too)
        (2, 1),  # middle edit: only the middle segment
        (2, 2),  # append: the last segment, grown, and the new one
        (1, 1),  # truncation: the first segment kept
        (0, 2),  # insertion at the start: nothing lines up
    ]
    for version, content in versions:
        assert _restored(store, version, tmp_path) == content
    assert store.verify().ok


def test_a_format_5_store_opens_and_gains_segment_records(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _age(write_notebook(project / "nb.ipynb", ["1"]))
    big = project / "big.bin"
    data = _content(SEGMENT + 3 * MIB, seed=3)
    big.write_bytes(data)
    with Store.init(project) as store:
        v1 = store.snapshot("nb.ipynb", ["big.bin"], environment=None)
        # As a store written before segment records existed: no table, no migration 6.
        store.db.executescript(
            "DROP TABLE segments; DELETE FROM migrations WHERE id = 6;"
            "UPDATE meta SET value = '5' WHERE key = 'format_version'"
        )
    with Store.open(project) as store:
        assert store.db.execute("SELECT value FROM meta WHERE key = 'format_version'").fetchone()[0] == str(
            schema.FORMAT_VERSION
        )
        assert store.db.execute("SELECT count(*) FROM segments").fetchone()[0] == 0
        assert store.restore(v1, ["big.bin"], to=project / "old").written == ("big.bin",)
        assert (project / "old" / "big.bin").read_bytes() == data

        timings = project.parent / "times.jsonl"
        monkeypatch.setenv("JUPYTER_MV_TIMINGS", str(timings))
        edited = data + b"more"
        big.write_bytes(edited)
        v2 = store.snapshot("nb.ipynb", ["big.bin"], environment=None)
        row = store.db.execute(
            "SELECT size, length(list) FROM segments WHERE object = ?", [bytes.fromhex(v2.file("big.bin").hash)]
        ).fetchone()
        assert row == (SEGMENT, 2 * 36)  # two segments, each a hash and a chunk count
        big.write_bytes(edited + b"again")
        v3 = store.snapshot("nb.ipynb", ["big.bin"], environment=None)
        assert [(t["segments_reused"], t["segments_cut"]) for t in _times(timings) if t["bytes"] > MIB] == [
            (0, 2),
            (1, 1),
        ]
        assert store.restore(v3, ["big.bin"], to=project / "new").written == ("big.bin",)
        assert (project / "new" / "big.bin").read_bytes() == edited + b"again"


def test_restore_in_place_copies_what_the_file_holds_and_leaves_matching_files_alone(
    store: Store, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = write_notebook(project / "nb.ipynb", ["1"])
    big, small = project / "big.bin", project / "small.txt"
    first = _content(SEGMENT + 4 * MIB, seed=4)
    big.write_bytes(first)
    small.write_text("the same in both versions\n")
    _age(nb, big, small)
    v1 = store.snapshot("nb.ipynb", ["big.bin", "small.txt"], environment=None)

    second = bytearray(first)
    second[5 * MIB : 5 * MIB + 4] = b"EDIT"
    second += b"appended tail" * 1000
    big.write_bytes(bytes(second))
    _age(big)
    store.snapshot("nb.ipynb", ["big.bin", "small.txt"], environment=None)
    before = {p.name: os.stat(p) for p in (nb, small)}

    copied: list[int] = []
    real = os.copy_file_range

    def counting(src: int, dst: int, count: int, offset_src: int | None = None, offset_dst: int | None = None) -> int:
        n = real(src, dst, count, offset_src, offset_dst)
        copied.append(n)
        return n

    monkeypatch.setattr(os, "copy_file_range", counting)
    result = store.restore(v1)
    assert result.written == ("big.bin",)
    assert big.read_bytes() == first
    # All but the edited chunk (and its neighbour) came from the file on disk, not the packs.
    assert sum(copied) > len(first) - 1 * MIB
    for p in (nb, small):  # files that match were not touched
        st = os.stat(p)
        assert (st.st_ino, st.st_mtime_ns) == (before[p.name].st_ino, before[p.name].st_mtime_ns)
    assert result.safety is not None


def test_restore_in_place_never_copies_from_a_file_the_stat_cache_cannot_vouch_for(
    store: Store, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_notebook(project / "nb.ipynb", ["1"])
    big = project / "big.bin"
    first = _content(3 * MIB, seed=5)
    big.write_bytes(first)
    _age(big)
    v1 = store.snapshot("nb.ipynb", ["big.bin"], environment=None)
    # Changed just now (within the racy window): its stat cache row vouches for nothing,
    # so the restore reads every chunk from the packs.
    changed = b"X" + first[1:]
    big.write_bytes(changed)
    copied: list[int] = []
    real = os.copy_file_range
    monkeypatch.setattr(os, "copy_file_range", lambda *a: copied.append(1) or real(*a))
    assert store.restore(v1).written == ("big.bin",)
    assert big.read_bytes() == first
    assert copied == []


def test_restore_in_place_reads_a_file_once_for_its_hash_and_the_safety_version(
    store: Store, project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_notebook(project / "nb.ipynb", ["1"])
    big = project / "big.bin"
    first = _content(3 * MIB, seed=7)
    big.write_bytes(first)
    _age(project / "nb.ipynb", big)
    v1 = store.snapshot("nb.ipynb", ["big.bin"], environment=None)
    second = first[: MIB // 2] + b"edited" + first[MIB // 2 :]
    big.write_bytes(second)
    _age(big)
    store.snapshot("nb.ipynb", ["big.bin"], environment=None)
    # Touched since (same bytes, a new ctime): the stat cache no longer vouches for it, so the
    # restore reads it to know what it holds; the safety version takes that read.
    _age(big)
    timings = tmp_path / "times.jsonl"
    monkeypatch.setenv("JUPYTER_MV_TIMINGS", str(timings))
    copied: list[int] = []
    real = os.copy_file_range
    monkeypatch.setattr(os, "copy_file_range", lambda *a: copied.append(a[2]) or real(*a))

    result = store.restore(v1)

    assert result.written == ("big.bin",) and big.read_bytes() == first
    assert result.safety is not None and store.read_file(result.safety, "big.bin") == second
    safety_line, restore_line = _times(timings)
    assert safety_line["bytes"] == 0  # the safety version read no file again
    assert restore_line["verb"] == "restore" and restore_line["bytes"] == len(first)
    assert sum(copied) > len(first) - MIB  # and the write copied what the file held
