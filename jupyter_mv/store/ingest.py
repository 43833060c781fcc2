"""Reading files into chunks: content-defined chunking, hashing, dedup, compression.

A file is cut into segments of :data:`SEGMENT` bytes; worker threads cut each
segment with FastCDC (about 64 KiB chunks) and hash the chunks with BLAKE3 (both
release the GIL), the main thread drops chunks the store already holds, workers
compress the new ones, and the main thread appends them, in file order, to this
writer's pack. Segments restart the chunker at fixed offsets, so a byte inserted
early in a large file costs one or two extra chunks per later segment; edits in
place and appends cost only the chunks they touch.
"""

from __future__ import annotations

import os
import stat
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import blake3
import sqlite_utils
from pyfastcdc import FastCDC

from .packs import PACK_TARGET, PackEntry, PackWriter, chunk_hash, compress, pack_path

__all__ = ["Ingest", "StoredFile", "AVG_CHUNK", "SEGMENT", "NORMALIZATION"]

AVG_CHUNK = 64 * 1024
MIN_CHUNK = 16 * 1024
MAX_CHUNK = 256 * 1024
SEGMENT = 16 * 1024 * 1024
#: FastCDC's normalised chunking level (NC, the paper's; pyfastcdc's default): part of
#: the format, set here so that a change of the library's default cannot change chunks.
NORMALIZATION: Literal[1] = 1
#: The gear table's seed: 0 is FastCDC's own table.
GEAR_SEED = 0
_WINDOW = 3
_local = threading.local()
#: A chunk to store, compressed: digest, size, codec, payload.
_Compressed = tuple[bytes, int, int, bytes | memoryview]


def _chunker() -> FastCDC:
    cdc = getattr(_local, "cdc", None)
    if cdc is None:
        cdc = _local.cdc = FastCDC(
            avg_size=AVG_CHUNK,
            min_size=MIN_CHUNK,
            max_size=MAX_CHUNK,
            normalized_chunking=NORMALIZATION,
            seed=GEAR_SEED,
        )
    return cdc


@dataclass
class StoredFile:
    """A file's content object: BLAKE3 of the whole content, size, ordered chunk digests."""

    hash: bytes
    size: int
    chunks: bytes


@dataclass
class _Segment:
    data: bytes
    cuts: list[tuple[int, int, bytes]]  # (offset, length, digest)
    new: Future[list[_Compressed]] | None = None


@dataclass
class Ingest:
    """One snapshot's writer: holds the pack(s) it appends to until :meth:`seal`."""

    db: sqlite_utils.Database
    store_dir: Path
    pool: ThreadPoolExecutor
    progress: Callable[[int], None] = lambda n: None
    packs: list[PackWriter] = field(default_factory=list)
    #: digest -> (pack name, entry) for chunks written by this ingest, not yet indexed.
    written: dict[bytes, tuple[str, PackEntry]] = field(default_factory=dict)
    objects: dict[bytes, StoredFile] = field(default_factory=dict)
    #: pack name -> why it cannot give back its chunks (None: sound); each pack is looked
    #: at once per ingest, with one open and fstat.
    pack_damage: dict[str, str | None] = field(default_factory=dict)
    #: digest -> the damaged pack its indexed copy lies in: stored again by this ingest,
    #: and its index row pointed at the new copy by :meth:`index`.
    repaired: dict[bytes, str] = field(default_factory=dict)

    def add_file(self, path: Path) -> StoredFile:
        """Store the file's content (only chunks not already stored) and return its object."""
        hasher = blake3.blake3()
        digests: list[bytes] = []
        size = 0
        pending: deque[_Segment] = deque()
        with open(path, "rb") as f:
            total = os.fstat(f.fileno()).st_size
            offsets = iter(range(0, max(total, 1), SEGMENT))
            reads: deque[Future[_Segment]] = deque()

            def submit_next() -> None:
                start = next(offsets, None)
                if start is not None:
                    data = f.read(SEGMENT)
                    reads.append(self.pool.submit(_cut, data))

            for _ in range(_WINDOW):
                submit_next()
            while reads:
                seg: _Segment = reads.popleft().result()
                submit_next()
                hasher.update(seg.data)
                size += len(seg.data)
                seg.new = self._compress_new(seg)
                pending.append(seg)
                digests.extend(d for _, _, d in seg.cuts)
                while len(pending) > 1:
                    self._write(pending.popleft())
            # A file that grew while being read: take the rest too, unchunked by segments.
            tail = f.read()
            if tail:
                seg = _cut(tail)
                hasher.update(tail)
                size += len(tail)
                seg.new = self._compress_new(seg)
                pending.append(seg)
                digests.extend(d for _, _, d in seg.cuts)
        while pending:
            self._write(pending.popleft())
        stored = StoredFile(hasher.digest(), size, b"".join(digests))
        self.objects[stored.hash] = stored
        return stored

    def _compress_new(self, seg: _Segment) -> Future[list[_Compressed]]:
        known = self._known([d for _, _, d in seg.cuts])
        todo: list[tuple[bytes, bytes | memoryview]] = []
        for offset, length, digest in seg.cuts:
            if digest in known or digest in self.written:
                continue
            known.add(digest)
            self.written[digest] = ("", None)  # type: ignore[assignment]  # reserved; filled on write
            todo.append((digest, seg.data[offset : offset + length]))
        return self.pool.submit(_compress_all, todo)

    def _known(self, digests: list[bytes]) -> set[bytes]:
        """Those of ``digests`` the store holds in a sound pack (or in a pack a lazy pull left
        on a remote, which a read fetches). A chunk whose pack is missing, short or unreadable
        is not deduplicated against: it is stored again from this file (self-healing)."""
        found: set[bytes] = set()
        for i in range(0, len(digests), 900):
            batch = digests[i : i + 900]
            marks = ",".join("?" * len(batch))
            rows = self.db.execute(
                "SELECT c.hash, p.name, p.remote, p.size, c.offset + c.length FROM chunks c "
                f"LEFT JOIN packs p ON p.id = c.pack WHERE c.hash IN ({marks})",
                batch,
            ).fetchall()
            for digest, pack, remote, pack_size, end in rows:
                if pack is None:
                    self.repaired[digest] = ""
                    self.pack_damage.setdefault("", "is not in the index")
                elif remote is None and self._damage(pack, pack_size, end) is not None:
                    self.repaired[digest] = pack
                else:
                    found.add(digest)
        return found

    def unsound(self, objects: set[bytes]) -> set[bytes]:
        """Those of ``objects`` (stored files the stat cache vouches for) with a chunk that is
        missing or lies in a damaged pack: their files must be read again."""
        bad = set()
        for digest in objects:
            row = self.db.execute("SELECT chunks FROM objects WHERE hash = ?", [digest]).fetchone()
            if row is None:
                bad.add(digest)
                continue
            parts = list({row[0][i : i + 32] for i in range(0, len(row[0]), 32)})
            if len(self._known(parts)) < len(parts):
                bad.add(digest)
        return bad

    def _damage(self, pack: str, recorded_size: int, end: int) -> str | None:
        """Why ``pack`` cannot give back a chunk ending at ``end``, or None."""
        if pack not in self.pack_damage:
            self.pack_damage[pack] = _pack_damage(pack_path(self.store_dir, pack), recorded_size)
        damage = self.pack_damage[pack]
        if damage is None and end > recorded_size:
            return "is shorter than its index says"
        return damage

    def repairs(self) -> list[str]:
        """One line per damaged pack this ingest stored chunks again for (empty: none)."""
        counts: dict[str, int] = {}
        for pack in self.repaired.values():
            counts[pack] = counts.get(pack, 0) + 1
        return [
            f"repaired the store: pack {pack or '(unknown)'} {self.pack_damage.get(pack) or 'is damaged'}; "
            f"{n} chunk{'s' if n != 1 else ''} of this snapshot stored again from the files"
            f"{'' if not pack else '; other versions may still need its chunks: run `jupyter mv verify`'}"
            for pack, n in sorted(counts.items())
        ]

    def _write(self, seg: _Segment) -> None:
        assert seg.new is not None
        for digest, size, codec, payload in seg.new.result():
            pack = self._pack()
            entry = pack.append(digest, size, codec, payload)
            self.written[digest] = (pack.name, entry)
        self.progress(len(seg.data))
        seg.data = b""

    def _pack(self) -> PackWriter:
        if not self.packs or self.packs[-1].size >= PACK_TARGET:
            self.packs.append(PackWriter(self.store_dir))
        return self.packs[-1]

    def seal(self) -> None:
        """Make every pack durable and visible under ``packs/``; call before indexing."""
        for pack in self.packs:
            pack.seal()

    def abort(self) -> None:
        """Drop this ingest's packs: unsealed ones, and sealed ones the index never took
        (the disk filled up or the database refused the write), which nothing can use."""
        for pack in self.packs:
            pack.abort()
            if pack.sealed and not self._indexed(pack.name):
                try:
                    pack.final_path.unlink(missing_ok=True)
                except OSError:
                    pass  # an orphan pack, which gc removes
        self.packs.clear()
        self.written.clear()

    def _indexed(self, name: str) -> bool:
        try:
            return self.db.execute("SELECT 1 FROM packs WHERE name = ?", [name]).fetchone() is not None
        except Exception:  # the database cannot tell: keep the pack
            return True

    def index(self) -> None:
        """Insert the rows for what was written: packs, chunks (or-ignore), objects
        (or-ignore). Call after :meth:`seal`, inside the caller's write transaction."""
        import time

        from . import schema

        now = time.time()
        packs = [{"name": p.name, "size": p.size, "created": now} for p in self.packs if p.entries]
        if packs:
            self.db.table("packs").insert_all(packs)
            names = [p["name"] for p in packs]
            ids = dict(
                self.db.execute(
                    f"SELECT name, id FROM packs WHERE name IN ({','.join('?' * len(names))})", names
                ).fetchall()
            )
            rows = [
                {
                    "hash": digest,
                    "pack": ids[name],
                    "offset": e.offset,
                    "length": e.length,
                    "size": e.size,
                    "codec": e.codec,
                }
                for digest, (name, e) in self.written.items()
            ]
            schema.insert_rows(self.db, "chunks", [r for r in rows if r["hash"] not in self.repaired], ignore=True)
            # A chunk whose indexed copy is in a damaged pack: its row now points at the new copy.
            self.db.conn.executemany(
                "INSERT INTO chunks (hash, pack, offset, length, size, codec) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(hash) DO UPDATE SET pack = excluded.pack, offset = excluded.offset, "
                "length = excluded.length, size = excluded.size, codec = excluded.codec",
                [
                    [r["hash"], r["pack"], r["offset"], r["length"], r["size"], r["codec"]]
                    for r in rows
                    if r["hash"] in self.repaired
                ],
            )
        schema.insert_rows(
            self.db,
            "objects",
            [{"hash": o.hash, "size": o.size, "chunks": o.chunks, "created": now} for o in self.objects.values()],
            ignore=True,
        )


def _pack_damage(path: Path, recorded_size: int) -> str | None:
    """Why the pack file ``path`` cannot be read back whole, or None: missing, not a file,
    unreadable (permissions, a disk error), or shorter than when it was written."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return "is missing"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    try:
        st = os.fstat(fd)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    finally:
        os.close(fd)
    if not stat.S_ISREG(st.st_mode):
        return "is not a file"
    if st.st_size < recorded_size:
        return f"is truncated ({st.st_size} of {recorded_size} bytes)"
    return None


def _cut(data: bytes) -> _Segment:
    mv = memoryview(data)
    cuts = [(c.offset, c.length, chunk_hash(mv[c.offset : c.offset + c.length])) for c in _chunker().cut_buf(data)]
    return _Segment(data, cuts)


def _compress_all(todo: list[tuple[bytes, memoryview | bytes]]) -> list[_Compressed]:
    out: list[_Compressed] = []
    for digest, data in todo:
        codec, payload = compress(data)
        out.append((digest, len(data), codec, payload))
    return out
