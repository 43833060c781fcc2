"""Restore: write a version's files back, byte for byte, through a journal of temporary
files so that an interrupted restore leaves nothing half-written behind.

Order: every target is checked (inside the chosen folder, never into the store); files
that would be overwritten inside the root are first kept in a *safety* version; the
journal ``tmp/restore-<hex>.json`` lists the temporary names; each file is written to
``.<name>.mv-<8 hex>.tmp`` beside its target and fsynced; only when all were written are
they moved into place. The next open of the store removes what a killed restore's
journal lists (:func:`remove_restore_temps`). The safety version is made durable
(:func:`~jupyter_mv.store.schema.make_durable`) before the first file is replaced: the
files it keeps may have no other copy.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import blake3

from ..errors import Conflict, IntegrityError, InvalidInput, NotFound, StoreReadOnly
from ..progress import Progress, null_progress
from . import records, schema
from .failures import writing
from .lock import store_lock
from .objects import Location, object_chunks
from .packs import decode, pack_path
from .versions import FileEntry, RestoreResult, Version

if TYPE_CHECKING:
    from .store import Store

__all__ = ["restore", "remove_restore_temps"]

_RESTORE_TEMP = re.compile(r"\..+\.mv-[0-9a-f]{8}\.tmp", re.DOTALL)


def restore(
    store: Store,
    ref: str | Version,
    paths: Sequence[str] | None = None,
    *,
    to: str | os.PathLike[str] | None = None,
    notebook: str | None = None,
    force: bool = False,
    progress: Progress = null_progress,
) -> RestoreResult:
    """:meth:`Store.restore`."""
    version = store.resolve(ref, notebook)
    entries = _select_entries(store, version, paths)
    skipped = tuple(e.path for e in version.files if not e.stored and (paths is None))
    base = Path(os.path.abspath(to)) if to is not None else store.root
    targets = {e.path: base / e.path for e in entries}
    for e in entries:
        target = targets[e.path]
        if not target.resolve().is_relative_to(base.resolve()):
            raise InvalidInput(f"{e.path} would be written outside {base}")
        if target.is_relative_to(store.dir) or Path(os.path.realpath(target)).is_relative_to(store.dir.resolve()):
            raise InvalidInput(f"refusing to write {e.path} into the version store")
    changed: list[FileEntry] = []
    unchanged: list[FileEntry] = []
    in_place = base == store.root
    clock = _Clock()
    # What the hash pass read: the safety version and the copy of unchanged ranges take
    # these files as read instead of reading them again.
    read: dict[Path, _Read] = {}
    with clock("hash"):
        for e in entries:
            current = _current_hash(store, e.path, targets[e.path], in_place, read)
            (unchanged if current == e.hash else changed).append(e)
    safety = None
    inside = [e for e in changed if targets[e.path].exists() and _inside_root(store, targets[e.path])]
    outside = [e for e in changed if targets[e.path].exists() and not _inside_root(store, targets[e.path])]
    if outside and not force:
        raise Conflict(f"{targets[outside[0].path]} exists and differs; remove it or restore with force")
    if inside:
        nb_path = store.path_of(version.notebook)
        keep = [targets[e.path] for e in inside if targets[e.path] != nb_path]
        safety_nb = nb_path if _is_notebook(nb_path) else None
        if safety_nb is None and inside:
            safety_nb = next((targets[e.path] for e in inside if _is_notebook(targets[e.path])), None)
        if safety_nb is not None:
            with clock("safety"):
                safety = _safety(
                    store,
                    safety_nb,
                    keep,
                    read,
                    f"Safety copy before restoring {version.label} ({version.short_id})",
                )
                # The files it keeps are about to be overwritten: it must outlive a power cut.
                schema.make_durable(store.db)
        else:
            raise Conflict("cannot keep a safety copy of the files to overwrite; restore with `to` instead")
    temps = [
        (targets[e.path].parent / f".{targets[e.path].name}.mv-{uuid.uuid4().hex[:8]}.tmp", targets[e.path])
        for e in changed
    ]
    # A journal of the temporary files, so that a restore killed half-way leaves no
    # stray files in the user's folders: the next open removes what it lists.
    journal = store.dir / "tmp" / f"restore-{uuid.uuid4().hex}.json"
    try:
        with store_lock(store.dir / "lock"):
            if temps:
                try:
                    with writing(store.dir):
                        journal.write_text(json.dumps([str(t) for t, _ in temps]))
                except StoreReadOnly:  # a read-only store restoring elsewhere: no journal
                    pass
            total = sum(e.size for e in changed)
            with clock("write"), progress("restore", total, "B") as update, _Packs(store.dir) as packs:
                for e, (tmp, target) in zip(changed, temps):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    held = _trusted_object(store, e.path, target, read) if in_place else None
                    _write_file(store, packs, e, tmp, target if held is not None else None, held, update, clock)
                    os.chmod(tmp, e.mode or 0o644)
            with clock("rename"):
                for tmp, target in temps:
                    if target.is_symlink():
                        target.unlink()
                    os.replace(tmp, target)
            temps.clear()
    finally:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            journal.unlink(missing_ok=True)
    clock.report(sum(e.size for e in changed))
    now_is = _record_current(store, version, entries, in_place)
    return RestoreResult(
        version, tuple(e.path for e in changed), tuple(e.path for e in unchanged), skipped, safety, now_is
    )


def _record_current(store: Store, version: Version, entries: Sequence[FileEntry], in_place: bool) -> Version | None:
    """The version the notebook now is after a restore: ``version`` when its notebook was
    written back (or already was it) in place, recorded so that the notebook's next
    version follows it; else None (a restore elsewhere, or of other files only)."""
    if not in_place or version.notebook not in {e.path for e in entries}:
        return None
    with contextlib.suppress(StoreReadOnly), store._db_lock, schema.transaction(store.db):
        records.record_restored(store.db, version.notebook, version.id)
    return version


class _Read(NamedTuple):
    """A file the restore read to hash it: its BLAKE3, its stat before the read, and when
    the read started (``time.time_ns``)."""

    digest: bytes
    stat: os.stat_result
    started_ns: int

    def still(self, st: os.stat_result) -> bool:
        """Whether ``st`` (a later stat of the file) shows it as it was read, old enough
        that a write in the same mtime tick would show (the stat cache's racy window)."""
        from .snapshot import RACY_NS

        return _same_stat(self.stat, st) and self.stat.st_mtime_ns < self.started_ns - RACY_NS


def _same_stat(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_size, a.st_mtime_ns, a.st_ctime_ns, a.st_ino, a.st_dev) == (
        b.st_size,
        b.st_mtime_ns,
        b.st_ctime_ns,
        b.st_ino,
        b.st_dev,
    )


def _safety(store: Store, notebook: Path, keep: list[Path], read: dict[Path, _Read], message: str) -> Version:
    """The safety version of ``notebook`` and ``keep``: a file the hash pass read, unchanged
    since, whose content the store holds already, is taken as read (no second read)."""
    from . import snapshot

    plan = snapshot.plan(store, notebook, keep, kind="safety", message=message)
    for rel, st in plan.stats.items():
        seen = read.get(store.path_of(rel))
        if rel in plan.cached or seen is None or not seen.still(st):
            continue
        if store.db.execute("SELECT 1 FROM objects WHERE hash = ?", [seen.digest]).fetchone():
            plan.cached[rel] = seen.digest
    return snapshot.write(store, plan)


class _Clock:
    """Wall seconds per step of a restore, appended as one JSON line to
    ``$JUPYTER_MV_TIMINGS`` (for the benchmarks), as a snapshot's are."""

    def __init__(self) -> None:
        self.times: dict[str, float] = dict.fromkeys(
            ("hash", "safety", "write", "decode", "copy", "fsync", "rename"), 0.0
        )

    @contextlib.contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.times[step] += time.perf_counter() - t

    def report(self, written: int) -> None:
        target = os.environ.get("JUPYTER_MV_TIMINGS")
        if not target:
            return
        line = {
            "verb": "restore",
            **{step: round(s, 4) for step, s in self.times.items()},
            "bytes": written,
            "cpu": round(time.process_time(), 4),
        }
        with open(target, "a") as f:
            f.write(json.dumps(line) + "\n")


def _stat_row(store: Store, rel: str, path: Path) -> bytes | None:
    """The object the stat cache vouches ``path`` (the file of ``rel`` in place) holds:
    its size, mtime, ctime and inode as when the row was written, and that row trusted
    (written when the file was older than the racy window); else None."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    row = store.db.execute(
        "SELECT s.size, s.mtime_ns, s.ctime_ns, s.inode, s.hash FROM stat_cache s "
        "JOIN objects o ON o.hash = s.hash WHERE s.path = ?",
        [rel],
    ).fetchone()
    if row is None or tuple(row[:4]) != (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino):
        return None
    digest: bytes = row[4]
    return digest


def _current_hash(store: Store, rel: str, path: Path, in_place: bool, read: dict[Path, _Read]) -> str | None:
    """A target's BLAKE3 (hex), None when it is not a file: from the stat cache when it
    vouches for the file, else read (and kept in ``read`` when the file did not change
    while being read)."""
    if not path.is_file():
        return None
    digest = _stat_row(store, rel, path) if in_place else None
    if digest is not None:
        return digest.hex()
    started, before = time.time_ns(), os.stat(path)
    digest = _hash_file(path)
    if _same_stat(os.stat(path), before):
        read[path] = _Read(digest, before, started)
    return digest.hex()


def _hash_file(path: Path) -> bytes:
    """BLAKE3 of a file's content, on every core."""
    hasher = blake3.blake3(max_threads=blake3.blake3.AUTO)
    with open(path, "rb") as f:
        while block := f.read(16 * 1024 * 1024):
            hasher.update(block)
    return hasher.digest()


def _trusted_object(store: Store, rel: str, path: Path, read: dict[Path, _Read]) -> bytes | None:
    """The stored object the file now at ``path`` holds, when the stat cache vouches for
    it (the safety version just stored it) or the hash pass read it and it has not changed
    since, else None: its chunks may then be copied from the file instead of being read
    from the packs."""
    if path.is_symlink() or not path.is_file():
        return None
    seen = read.get(path)
    if seen is not None and seen.still(os.stat(path)):
        return seen.digest
    return _stat_row(store, rel, path)


class _Packs:
    """Pack files opened for positional reads, shared by the threads that decode chunks."""

    def __init__(self, store_dir: Path) -> None:
        self.store_dir = store_dir
        self.fds: dict[str, int] = {}

    def fd(self, pack: str, digest: bytes) -> int:
        fd = self.fds.get(pack)
        if fd is None:
            try:
                fd = self.fds[pack] = os.open(pack_path(self.store_dir, pack), os.O_RDONLY)
            except FileNotFoundError:
                raise IntegrityError(f"pack {pack} is missing (needed by chunk {digest.hex()[:16]})") from None
            except OSError as exc:
                raise IntegrityError(
                    f"pack {pack} cannot be read ({exc.strerror or exc}; needed by chunk {digest.hex()[:16]})"
                ) from None
        return fd

    def read(self, digest: bytes, loc: Location) -> bytes:
        """A chunk's bytes, decompressed and checked (thread-safe: positional reads)."""
        pack, offset, length, size, codec = loc
        fd = self.fd(pack, digest)
        try:
            payload = os.pread(fd, length, offset)
        except OSError as exc:
            raise IntegrityError(
                f"pack {pack} cannot be read ({exc.strerror or exc}; needed by chunk {digest.hex()[:16]})"
            ) from None
        return decode(pack, digest, payload, length, size, codec)

    def __enter__(self) -> _Packs:
        return self

    def __exit__(self, *exc: object) -> None:
        for fd in self.fds.values():
            os.close(fd)
        self.fds.clear()


#: Chunks decoded ahead of the one being written (on the store's worker threads).
_AHEAD = 32


def _write_file(
    store: Store,
    packs: _Packs,
    entry: FileEntry,
    tmp: Path,
    current: Path | None,
    current_object: bytes | None,
    update: Callable[[int], None],
    clock: _Clock | None = None,
) -> None:
    """Write ``entry``'s content to ``tmp`` (new, fsynced). With ``current`` (the file
    in place, holding ``current_object`` as the stat cache vouches), runs of chunks it
    holds already are copied from it in the kernel (``copy_file_range``: a reflink where
    the file system shares blocks) and only the other chunks are read from the packs.
    Chunks are decoded and checked on the store's worker threads."""
    digest = bytes.fromhex(entry.hash)
    digests, locations = object_chunks(store, digest, entry.path, locked=True)
    have: dict[bytes, int] = {}
    if current is not None and current_object is not None:
        have = _offsets(store, current_object, entry.path)
    # The plan: ("copy", source offset, length) runs, and chunks to decode, in file order.
    plan: list[tuple[int, int] | bytes] = []
    for d in digests:
        size = locations[d][3]
        at = have.get(d)
        if at is None:
            plan.append(d)
        elif plan and isinstance(plan[-1], tuple) and sum(plan[-1]) == at:
            plan[-1] = (plan[-1][0], plan[-1][1] + size)
        else:
            plan.append((at, size))
    pool = store._workers()
    # A whole file decoded from the packs is checked against its hash too.
    hasher = blake3.blake3() if not have else None
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    src = os.open(current, os.O_RDONLY) if have and current is not None else -1
    try:
        before = os.fstat(src) if src >= 0 else None
        todo = deque(p for p in plan if isinstance(p, bytes))
        ahead: deque[Any] = deque()

        def fill() -> None:
            while todo and len(ahead) < _AHEAD:
                d = todo.popleft()
                ahead.append(pool.submit(packs.read, d, locations[d]))

        fill()
        copying = decoding = 0.0
        for step in plan:
            t = time.perf_counter()
            if isinstance(step, tuple):
                _copy_range(src, fd, step[0], step[1])
                update(step[1])
                copying += time.perf_counter() - t
                continue
            data = ahead.popleft().result()
            decoding += time.perf_counter() - t
            fill()
            if hasher is not None:
                hasher.update(data)
            _write_all(fd, data)
            update(len(data))
        if hasher is not None and hasher.digest() != digest:
            raise IntegrityError(f"the content of {entry.path} does not match its hash {digest.hex()[:16]}")
        if before is not None:
            after = os.fstat(src)
            if (after.st_size, after.st_mtime_ns, after.st_ctime_ns) != (
                before.st_size,
                before.st_mtime_ns,
                before.st_ctime_ns,
            ):  # changed while being copied from: read everything from the packs instead
                os.close(fd)
                fd = -1
                tmp.unlink()
                _write_file(store, packs, entry, tmp, None, None, lambda n: None, clock)
                return
        t = time.perf_counter()
        os.fsync(fd)
        if clock is not None:  # waiting for decoded chunks, copying in the kernel, the fsync
            clock.times["decode"] += decoding
            clock.times["copy"] += copying
            clock.times["fsync"] += time.perf_counter() - t
    finally:
        for f in (fd, src):
            if f >= 0:
                os.close(f)


def _offsets(store: Store, obj: bytes, label: str) -> dict[bytes, int]:
    """Where each chunk of stored object ``obj`` starts in its content."""
    row = store.db.execute("SELECT chunks FROM objects WHERE hash = ?", [obj]).fetchone()
    if row is None:
        return {}
    digests = [row[0][i : i + 32] for i in range(0, len(row[0]), 32)]
    sizes: dict[bytes, int] = {}
    distinct = list(dict.fromkeys(digests))
    for i in range(0, len(distinct), 900):
        batch = distinct[i : i + 900]
        sizes.update(
            store.db.execute(
                f"SELECT hash, size FROM chunks WHERE hash IN ({','.join('?' * len(batch))})", batch
            ).fetchall()
        )
    offsets: dict[bytes, int] = {}
    at = 0
    for d in digests:
        if d not in sizes:
            return {}
        offsets.setdefault(d, at)
        at += sizes[d]
    return offsets


def _copy_range(src: int, dst: int, offset: int, length: int) -> None:
    """Append ``length`` bytes of ``src`` from ``offset`` to ``dst``, in the kernel when it can."""
    while length > 0:
        try:
            n = os.copy_file_range(src, dst, length, offset)
        except OSError:  # no copy_file_range here (another file system, an old kernel)
            n = 0
        if n == 0:
            data = os.pread(src, min(length, 8 * 1024 * 1024), offset)
            if not data:
                raise IntegrityError("the file to restore over shrank while being read")
            _write_all(dst, data)
            n = len(data)
        offset += n
        length -= n


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _inside_root(store: Store, path: Path) -> bool:
    return Path(os.path.abspath(path)).is_relative_to(store.root)


def _select_entries(store: Store, version: Version, paths: Sequence[str] | None) -> list[FileEntry]:
    if paths is None:
        return [e for e in version.files if e.stored]
    out = []
    for p in paths:
        entry = version.file(p) or version.file(store.relpath(p, must_exist=False))
        if entry is None:
            raise NotFound(f"{version.label} holds no file {p}")
        if not entry.stored:
            raise NotFound(f"{entry.path} was recorded by hash only in {version.label}; it cannot be restored")
        out.append(entry)
    return out


def _is_notebook(path: Path) -> bool:
    return path.suffix == ".ipynb" and path.is_file()


def remove_restore_temps(journal: Path) -> None:
    """Remove the temporary files an interrupted restore listed (and only files named so)."""
    try:
        listed = json.loads(journal.read_text())
    except (OSError, ValueError):
        return
    for name in listed if isinstance(listed, list) else []:
        path = Path(str(name))
        if _RESTORE_TEMP.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
