"""Durability promises no user checks by hand: a pack is on disk before its name appears
under ``packs/`` (and that name is on disk too), and ``gc`` keeps what is young.

The order of the calls is observed at the operating system's door (``os.fsync``,
``os.rename``, ``os.replace``, ``os.unlink`` wrapped to record what they are called on and then doing
the real thing): the store itself runs unchanged on real files."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from jupyter_mv.store import Store, history
from tests.helpers import write_notebook


@dataclass(frozen=True)
class Call:
    name: str  # "fsync", "rename" or "unlink"
    path: Path  # what was fsynced; for a rename, where it went
    source: Path | None = None  # for a rename, where it came from
    size: int | None = None  # for an fsync of a file, its size then


class SyscallLog:
    """The fsyncs, renames and unlinks of this process, in order, with the paths they touched."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        real_fsync, real_rename, real_replace, real_unlink = os.fsync, os.rename, os.replace, os.unlink

        def fsync(fd: int) -> None:
            fd = fd if isinstance(fd, int) else fd.fileno()
            st = os.fstat(fd)
            path = Path(os.readlink(f"/proc/self/fd/{fd}"))
            with self._lock:
                self.calls.append(Call("fsync", path, size=None if os.path.isdir(path) else st.st_size))
            real_fsync(fd)

        def moved(real):
            def move(src, dst, *args, **kwargs):
                real(src, dst, *args, **kwargs)
                with self._lock:
                    self.calls.append(Call("rename", Path(os.path.abspath(dst)), Path(os.path.abspath(src))))

            return move

        def unlink(path, *args, **kwargs):
            with self._lock:
                self.calls.append(Call("unlink", Path(os.path.abspath(path))))
            real_unlink(path, *args, **kwargs)

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "unlink", unlink)
        monkeypatch.setattr(os, "rename", moved(real_rename))
        monkeypatch.setattr(os, "replace", moved(real_replace))

    def renames_into(self, folder: Path) -> list[int]:
        """Indexes of the renames whose target lies under ``folder``."""
        folder = folder.resolve()
        return [i for i, c in enumerate(self.calls) if c.name == "rename" and folder in c.path.resolve().parents]


def pack_files(store: Store) -> dict[Path, int]:
    return {p.resolve(): p.stat().st_size for p in store.dir.glob("packs/*/*.pack")}


def assert_durable_moves(log: SyscallLog, store: Store, expected: set[Path]) -> None:
    """Each pack in ``expected`` was renamed into ``packs/`` after an fsync of the complete
    file under its temporary name, and its folder was fsynced after the rename."""
    moves = log.renames_into(store.dir / "packs")
    assert {log.calls[i].path.resolve() for i in moves} == expected, log.calls
    sizes = pack_files(store)
    for i in moves:
        move = log.calls[i]
        before = [c for c in log.calls[:i] if c.name == "fsync" and c.path == move.source]
        assert before, f"{move.path.name} was moved into packs/ without an fsync of its bytes first: {log.calls}"
        assert before[-1].size == sizes[move.path.resolve()], "the fsync came before the pack was complete"
        folder = move.path.parent.resolve()
        after = [c for c in log.calls[i + 1 :] if c.name == "fsync" and c.path.resolve() == folder]
        assert after, f"the folder of {move.path.name} was not fsynced after the rename: {log.calls}"


@pytest.fixture
def syscalls(monkeypatch: pytest.MonkeyPatch) -> SyscallLog:
    return SyscallLog(monkeypatch)


def test_each_new_pack_is_durable_before_it_is_visible(store: Store, project: Path, syscalls: SyscallLog) -> None:
    notebook = write_notebook(project / "train.ipynb", ["x = 1"])
    (project / "data.bin").write_bytes(os.urandom(300_000))
    store.snapshot(notebook, ["data.bin"])
    first = set(pack_files(store))
    assert first
    assert_durable_moves(syscalls, store, first)

    syscalls.calls.clear()
    (project / "data.bin").write_bytes(os.urandom(200_000))
    store.snapshot(notebook, ["data.bin"])
    second = set(pack_files(store)) - first
    assert second
    assert_durable_moves(syscalls, store, second)


def test_a_full_pack_is_sealed_while_the_next_fills_and_all_are_durable_before_visible(
    store: Store, project: Path, syscalls: SyscallLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A snapshot that fills several packs seals each full one on a thread of its own while
    it goes on (its fsync overlaps the next pack's work), with the same order as ever: the
    complete file is fsynced, then moved into ``packs/``, then its folder is fsynced."""
    from jupyter_mv.store import ingest

    monkeypatch.setattr(ingest, "PACK_TARGET", 1024 * 1024)  # small packs: several per snapshot
    threads: dict[Path, str] = {}
    real_fsync = os.fsync  # the log's wrapper: note which thread fsyncs each pack

    def fsync(fd: int) -> None:
        threads[Path(os.readlink(f"/proc/self/fd/{fd}"))] = threading.current_thread().name
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    notebook = write_notebook(project / "train.ipynb", ["x = 1"])
    data = os.urandom(5 * 1024 * 1024)  # incompressible: about five packs
    (project / "data.bin").write_bytes(data)
    version = store.snapshot(notebook, ["data.bin"])
    packs = set(pack_files(store))
    assert len(packs) >= 4
    assert_durable_moves(syscalls, store, packs)
    early = {p for p, thread in threads.items() if p.suffix == ".pack" and thread.startswith("jupyter-mv-seal")}
    assert len(early) >= len(packs) - 1, threads  # all but the last were sealed while the snapshot went on
    assert store.verify().ok
    out = project / "out"
    store.restore(version, ["data.bin"], to=out)
    assert (out / "data.bin").read_bytes() == data


def test_a_restore_makes_its_safety_version_durable_before_it_replaces_a_file(
    store: Store, project: Path, syscalls: SyscallLog
) -> None:
    """The files a restore in place overwrites live on only in its safety version: that
    version's commit reaches the disk (the WAL file is fsynced) before the first file is
    renamed over."""
    notebook = write_notebook(project / "train.ipynb", ["x = 1"])
    data = project / "data.bin"
    data.write_bytes(os.urandom(200_000))
    v1 = store.snapshot(notebook, ["data.bin"])
    write_notebook(notebook, ["x = 2"])
    data.write_bytes(os.urandom(200_000))  # changed since v1 and never stored: only the safety version keeps it
    kept = data.read_bytes()
    syscalls.calls.clear()

    result = store.restore(v1)

    assert result.safety is not None and store.read_file(result.safety, "data.bin") == kept
    wal = (store.dir / "mv.db-wal").resolve()
    durable = [i for i, c in enumerate(syscalls.calls) if c.name == "fsync" and c.path.resolve() == wal]
    replaced = [i for i, c in enumerate(syscalls.calls) if c.name == "rename" and c.path.resolve() in {data.resolve()}]
    assert durable and replaced, syscalls.calls
    assert durable[0] < replaced[0], syscalls.calls


def test_a_repack_by_gc_is_durable_before_the_old_pack_goes(store: Store, project: Path, syscalls: SyscallLog) -> None:
    notebook = write_notebook(project / "train.ipynb", ["x = 1"])
    keep = os.urandom(120_000)
    (project / "keep.bin").write_bytes(keep)
    (project / "drop.bin").write_bytes(os.urandom(120_000))
    # One pack holding a file a version keeps and one that only a pruned save held.
    saved = store.snapshot(notebook, ["keep.bin", "drop.bin"], kind="light")
    kept = store.snapshot(notebook, ["keep.bin"])
    assert history.prune(store, older_than_days=1, now=time.time() + 2 * 86400) == 1
    assert saved.id not in {v.id for v in store.log()}
    before = set(pack_files(store))
    syscalls.calls.clear()

    report = store.gc(grace_seconds=0)

    assert report.packs_rewritten == 1 and report.objects_removed == 1
    after = set(pack_files(store))
    rewritten, dropped = after - before, before - after
    assert len(rewritten) == 1 and dropped
    assert_durable_moves(syscalls, store, rewritten)
    # The old pack goes only once the new one is durable under its final name.
    durable_at = max(
        i
        for i, c in enumerate(syscalls.calls)
        if c.name == "fsync" and c.path.resolve() == next(iter(rewritten)).parent
    )
    unlinked = {c.path.resolve(): i for i, c in enumerate(syscalls.calls) if c.name == "unlink"}
    assert dropped <= set(unlinked), syscalls.calls
    assert all(unlinked[p] > durable_at for p in dropped), syscalls.calls
    assert store.read_file(kept, "keep.bin") == keep
    assert store.verify().ok


# -- gc's grace period ---------------------------------------------------------------------------


def young_unreferenced_object(store: Store, project: Path) -> tuple[bytes, Path]:
    """A file only a light save held, that save pruned just now: its object is unreferenced
    and young (stored seconds ago)."""
    notebook = write_notebook(project / "train.ipynb", ["x = 1"])
    store.snapshot(notebook)
    data = os.urandom(150_000)
    (project / "scratch.bin").write_bytes(data)
    save = store.snapshot(notebook, ["scratch.bin"], kind="light")
    assert history.prune(store, older_than_days=1, now=time.time() + 2 * 86400) == 1
    assert save.id not in {v.id for v in store.log()}
    return data, project / "scratch.bin"


def test_gc_keeps_a_young_unreferenced_object_for_the_grace_period(store: Store, project: Path) -> None:
    young_unreferenced_object(store, project)
    before = store.stats()

    dry = store.gc(dry_run=True)
    kept = store.gc()  # the default grace period: a day

    assert dry.objects_removed == 0 and kept.objects_removed == 0, (dry, kept)
    assert kept.chunks_removed == 0 and kept.bytes_freed == 0 and kept.packs_removed == 0
    assert store.stats() == before
    # A shorter grace than the object's age drops it: it was unreferenced all along.
    gone = store.gc(grace_seconds=0)
    assert gone.objects_removed == 1 and gone.chunks_removed >= 1 and gone.bytes_freed > 0
    assert store.stats()["objects"] == before["objects"] - 1
    assert store.verify().ok


def test_gc_grace_counts_from_when_the_object_was_stored(store: Store, project: Path) -> None:
    young_unreferenced_object(store, project)
    assert store.gc(grace_seconds=3600).objects_removed == 0
    time.sleep(1.2)
    assert store.gc(grace_seconds=0.5).objects_removed == 1
