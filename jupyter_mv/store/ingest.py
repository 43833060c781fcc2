"""Reading files into chunks: content-defined chunking, hashing, dedup, compression.

A file is cut into segments of :data:`SEGMENT` bytes. Worker threads hash each segment
whole with BLAKE3; a segment the file held already when it was last stored (its
segment record, table ``segments``) is taken as it was, chunk list and all, without
being cut, hashed per chunk, looked up or compressed. The others are cut with FastCDC
(about 64 KiB chunks) and their chunks hashed with BLAKE3 (both release the GIL), the
main thread drops chunks the store already holds, workers compress the new ones, and
the main thread appends them, in file order, to this writer's pack. Segments restart
the chunker at fixed offsets, so a byte inserted early in a large file costs one or
two extra chunks per later segment; edits in place and appends cost only the chunks
they touch, and only the segments they touch are read past their hash.
"""

from __future__ import annotations

import os
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import blake3

from .packs import PACK_TARGET, PackEntry, PackWriter, chunk_hash, compress
from .schema import Database
from .soundness import PackCheck

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    from pyfastcdc import FastCDC

__all__ = ["Ingest", "StoredFile", "AVG_CHUNK", "SEGMENT", "NORMALIZATION", "STAGES", "segment_list"]

AVG_CHUNK = 64 * 1024
MIN_CHUNK = 16 * 1024
MAX_CHUNK = 256 * 1024
SEGMENT = 16 * 1024 * 1024
#: FastCDC's normalised chunking level (NC, the paper's; pyfastcdc's default): part of
#: the format, set here so that a change of the library's default cannot change chunks.
NORMALIZATION: Literal[1] = 1
#: The gear table's seed: 0 is FastCDC's own table.
GEAR_SEED = 0
#: Segments read ahead of the one being written: enough to keep every worker busy.
_WINDOW = 4
#: One entry of a segment record: the segment's BLAKE3 and how many chunks it holds.
SEGMENT_ENTRY = struct.Struct("<32sI")
#: Where a snapshot's time goes: CPU seconds (of the threads doing it, summed) reading the
#: files, hashing them (whole, and per segment), cutting segments and hashing their
#: chunks, looking chunks up, compressing, writing packs; and (the caller's) wall time
#: sealing the packs (their fsync) and committing the transaction.
STAGES = ("read", "hash", "chunk", "lookup", "compress", "write", "commit")
_local = threading.local()
#: A chunk to store, compressed: digest, size, codec, payload.
_Compressed = tuple[bytes, int, int, bytes | memoryview]


def _chunker() -> FastCDC:
    cdc = getattr(_local, "cdc", None)
    if cdc is None:
        from pyfastcdc import FastCDC

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
    """A file's content object: BLAKE3 of the whole content, size, ordered chunk digests,
    and its segment record (:func:`segment_list`; None when the file was not read in
    whole segments, as when it grew while being read)."""

    hash: bytes
    size: int
    chunks: bytes
    segments: bytes | None = None


def segment_list(record: bytes, chunks: bytes) -> list[tuple[bytes, bytes]] | None:
    """A segment record read back: ``(segment hash, its chunk digests)`` per segment, in
    file order, or None when the record does not add up to the object's chunk list."""
    out = []
    pos = 0
    if len(record) % SEGMENT_ENTRY.size:
        return None
    for digest, count in SEGMENT_ENTRY.iter_unpack(record):
        end = pos + 32 * count
        if end > len(chunks):
            return None
        out.append((digest, chunks[pos:end]))
        pos = end
    return out if pos == len(chunks) else None


@dataclass
class _Segment:
    data: bytes | memoryview
    #: BLAKE3 of the segment's bytes.
    digest: bytes
    cuts: list[tuple[int, int, bytes]]  # (offset, length, digest); empty when reused
    #: The chunk digests, concatenated.
    chunks: bytes
    reused: bool
    times: dict[str, float]
    new: Future[tuple[list[_Compressed], float]] | None = None
    #: The buffer ``data`` lies in (given back when the segment is written), or None.
    buffer: bytearray | None = None


@dataclass
class Ingest:
    """One snapshot's writer: holds the pack(s) it appends to until :meth:`seal`."""

    db: Database
    store_dir: Path
    #: The worker threads; None: ``workers()`` makes them when a file is first read.
    pool: ThreadPoolExecutor | None
    progress: Callable[[int], None] = lambda n: None
    workers: Callable[[], ThreadPoolExecutor] | None = None
    packs: list[PackWriter] = field(default_factory=list)
    #: digest -> (pack name, entry) for chunks written by this ingest, not yet indexed.
    written: dict[bytes, tuple[str, PackEntry]] = field(default_factory=dict)
    objects: dict[bytes, StoredFile] = field(default_factory=dict)
    #: digest -> the damaged pack its indexed copy lies in: stored again by this ingest,
    #: and its index row pointed at the new copy by :meth:`index`.
    repaired: dict[bytes, str] = field(default_factory=dict)
    #: Seconds spent per stage (:data:`STAGES`), summed over threads.
    times: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    #: Segments taken from a previous object as they were / cut anew.
    reused_segments: int = 0
    cut_segments: int = 0
    #: Segment buffers given back, for the next reads.
    _free: list[bytearray] = field(default_factory=list)
    #: new object -> the pack set of the object it took its unchanged segments from.
    _inherited: dict[bytes, dict[str, int]] = field(default_factory=dict)
    #: Full packs being sealed while the next ones fill (:meth:`_seal_early`).
    _sealing: list[Future[None]] = field(default_factory=list)
    _sealer: ThreadPoolExecutor | None = None
    #: Where the chunks this ingest met lie, and whether those packs can give them back.
    check: PackCheck = field(init=False)

    def __post_init__(self) -> None:
        self.check = PackCheck(self.db, self.store_dir)

    def unsound(self, objects: set[bytes]) -> set[bytes]:
        """:meth:`PackCheck.unsound`: those of ``objects`` whose files must be read again."""
        return self.check.unsound(objects)

    def _executor(self) -> ThreadPoolExecutor:
        if self.pool is None:
            assert self.workers is not None, "an ingest needs a pool or a way to make one"
            self.pool = self.workers()
        return self.pool

    def add_file(self, path: Path, previous: bytes | None = None) -> StoredFile:
        """Store the file's content (only chunks not already stored) and return its object.

        :param previous: the object last stored from this path: its segments that the file
            still holds, byte for byte (same BLAKE3), are taken without being cut again.
        """
        reusable, inherited = self._reusable(previous) if previous is not None else ({}, None)
        pool = self._executor()
        hasher = blake3.blake3()
        digests: list[bytes] = []
        record: list[bytes] | None = []
        size = 0
        pending: deque[_Segment] = deque()
        times = self.times
        with open(path, "rb") as f:
            fd = f.fileno()
            total = os.fstat(fd).st_size
            offsets = iter(range(0, total, SEGMENT))
            reads: deque[Future[_Segment]] = deque()

            def submit_next() -> None:
                # The workers read the segments too (positional reads, in parallel): the
                # main thread only hashes the file whole and writes the packs.
                offset = next(offsets, None)
                if offset is not None:
                    reads.append(pool.submit(_read_and_prepare, fd, offset, self._buffer(), reusable))

            for _ in range(_WINDOW):
                submit_next()
            while reads:
                seg: _Segment = reads.popleft().result()
                submit_next()
                size += len(seg.data)
                if record is not None and seg.data:
                    record.append(SEGMENT_ENTRY.pack(seg.digest, len(seg.chunks) // 32))
                # A segment shorter than its place in the file (the file shrank while being
                # read) ends the segment record: a later segment would not start where it should.
                if len(seg.data) < SEGMENT and size < total:
                    record = None
                self._take(seg, hasher, digests, pending)
            # A file that grew while being read: take the rest too, unchunked by segments.
            t = time.thread_time()
            f.seek(total)
            tail = f.read()
            times["read"] += time.thread_time() - t
            if tail:
                record = None
                size += len(tail)
                self._take(_prepare(tail, {}), hasher, digests, pending)
        while pending:
            self._write(pending.popleft())
        record_bytes = b"".join(record) if record is not None else None
        stored = StoredFile(hasher.digest(), size, b"".join(digests), record_bytes)
        self.objects[stored.hash] = stored
        if inherited is not None:
            self._inherited[stored.hash] = inherited
        return stored

    def _take(self, seg: _Segment, hasher: blake3.blake3, digests: list[bytes], pending: deque[_Segment]) -> None:
        """Account for one prepared segment, in file order: hash it into the file's digest,
        queue its new chunks for compression, and write what is ready."""
        for stage, seconds in seg.times.items():
            self.times[stage] += seconds
        t = time.thread_time()
        hasher.update(seg.data)
        self.times["hash"] += time.thread_time() - t
        digests.append(seg.chunks)
        if seg.reused:
            self.reused_segments += 1
            self.progress(len(seg.data))
            self._release(seg)
            return
        self.cut_segments += 1
        seg.new = self._compress_new(seg)
        pending.append(seg)
        while len(pending) > 2:
            self._write(pending.popleft())

    def _reusable(self, previous: bytes) -> tuple[dict[bytes, bytes], dict[str, int] | None]:
        """The segments of object ``previous`` whose every chunk is in a sound pack:
        ``{segment hash: chunk digests}`` (empty when it has no segment record); and, when
        its pack set vouched for all of them at once, that set (else None)."""
        row = self.db.execute(
            "SELECT s.size, s.list, o.chunks FROM segments s JOIN objects o ON o.hash = s.object WHERE s.object = ?",
            [previous],
        ).fetchone()
        if row is None or row[0] != SEGMENT:
            return {}, None
        segments = segment_list(row[1], row[2])
        if segments is None:
            return {}, None
        t = time.thread_time()
        packs = self.check.sound_by_packs(previous)
        if packs is not None:
            self.times["lookup"] += time.thread_time() - t
            return dict(segments), packs
        sound, _ = self.check.lookup(list({row[2][i : i + 32] for i in range(0, len(row[2]), 32)}))
        self.times["lookup"] += time.thread_time() - t
        return {
            digest: chunks
            for digest, chunks in segments
            if all(chunks[i : i + 32] in sound for i in range(0, len(chunks), 32))
        }, None

    def _compress_new(self, seg: _Segment) -> Future[tuple[list[_Compressed], float]]:
        t = time.thread_time()
        known = self._known([d for _, _, d in seg.cuts])
        todo: list[tuple[bytes, bytes | memoryview]] = []
        for offset, length, digest in seg.cuts:
            if digest in known or digest in self.written:
                continue
            known.add(digest)
            self.written[digest] = ("", None)  # type: ignore[assignment]  # reserved; filled on write
            todo.append((digest, memoryview(seg.data)[offset : offset + length]))
        self.times["lookup"] += time.thread_time() - t
        return self._executor().submit(_compress_all, todo)

    def _known(self, digests: list[bytes]) -> set[bytes]:
        """Those of ``digests`` the store holds in a sound pack (or in a pack a lazy pull left
        on a remote, which a read fetches). A chunk whose pack is missing, short or unreadable
        is not deduplicated against: it is stored again from this file (self-healing)."""
        found, damaged = self.check.lookup(digests)
        self.repaired.update(damaged)
        return found

    def repairs(self) -> list[str]:
        """One line per damaged pack this ingest stored chunks again for (empty: none)."""
        counts: dict[str, int] = {}
        for pack in self.repaired.values():
            counts[pack] = counts.get(pack, 0) + 1
        return [
            f"repaired the store: pack {pack or '(unknown)'} {self.check.damage.get(pack) or 'is damaged'}; "
            f"{n} chunk{'s' if n != 1 else ''} of this snapshot stored again from the files"
            f"{'' if not pack else '; other versions may still need its chunks: run `jupyter mv verify`'}"
            for pack, n in sorted(counts.items())
        ]

    def _write(self, seg: _Segment) -> None:
        assert seg.new is not None
        compressed, seconds = seg.new.result()
        self.times["compress"] += seconds
        t = time.thread_time()
        for digest, size, codec, payload in compressed:
            pack = self._pack()
            entry = pack.append(digest, size, codec, payload)
            self.written[digest] = (pack.name, entry)
        self.times["write"] += time.thread_time() - t
        self.progress(len(seg.data))
        self._release(seg)

    def _buffer(self) -> bytearray:
        """A segment-sized buffer to read into: one a written segment gave back, else new.
        (Reusing them spares the kernel mapping and zeroing fresh pages for every segment.)"""
        return self._free.pop() if self._free else bytearray(SEGMENT)

    def _release(self, seg: _Segment) -> None:
        """The segment's bytes are no longer needed: its buffer serves the next read."""
        if seg.buffer is not None:
            self._free.append(seg.buffer)
            seg.buffer = None
        seg.data = b""

    def _pack(self) -> PackWriter:
        if not self.packs or self.packs[-1].size >= PACK_TARGET:
            if self.packs:  # full: its fsync runs while the next one fills
                self._seal_early(self.packs[-1])
            self.packs.append(PackWriter(self.store_dir))
        return self.packs[-1]

    def _seal_early(self, pack: PackWriter) -> None:
        """Seal a full pack on a thread of its own (not a worker: an fsync would hold one
        back from compressing). A pack sealed so is complete under ``packs/`` but indexed
        only with the version; if the version never commits, :meth:`abort` removes it, and
        a process killed before either leaves an orphan pack, which gc removes."""
        if self._sealer is None:
            from concurrent.futures import ThreadPoolExecutor

            self._sealer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jupyter-mv-seal")
        self._sealing.append(self._sealer.submit(pack.seal))

    def _wait_for_seals(self) -> BaseException | None:
        """Wait for the packs being sealed; the first error met, or None."""
        error = None
        for future in self._sealing:
            try:
                future.result()
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller
                error = error or exc
        self._sealing.clear()
        if self._sealer is not None:
            self._sealer.shutdown()
            self._sealer = None
        return error

    def seal(self) -> None:
        """Make every pack durable and visible under ``packs/``; call before indexing."""
        error = self._wait_for_seals()
        if error is not None:
            raise error
        for pack in self.packs:
            if not pack.sealed:
                pack.seal()

    def abort(self) -> None:
        """Drop this ingest's packs: unsealed ones, and sealed ones the index never took
        (the disk filled up or the database refused the write), which nothing can use."""
        self._wait_for_seals()
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
            schema.insert_rows(self.db, "packs", packs)
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
        if not self.repaired:  # (a repair emptied the sets: the next snapshot learns them anew)
            self.check.write_sets(self.objects.values(), self.written, self._inherited)
        # Each file read in whole segments gets its segment record (an object stored before
        # segment records existed gains one the next time its file is read).
        schema.insert_rows(
            self.db,
            "segments",
            [
                {"object": o.hash, "size": SEGMENT, "list": o.segments}
                for o in self.objects.values()
                if o.segments is not None
            ],
            ignore=True,
        )


def _read_and_prepare(fd: int, offset: int, buffer: bytearray, reusable: dict[bytes, bytes]) -> _Segment:
    """Read the segment at ``offset`` into ``buffer`` and :func:`_prepare` it (a worker's part)."""
    t = time.thread_time()
    n = 0
    view = memoryview(buffer)
    while n < len(buffer):  # a read may return less than asked before the end
        got = os.preadv(fd, [view[n:]], offset + n)
        if got == 0:
            break
        n += got
    read = time.thread_time() - t
    seg = _prepare(memoryview(buffer)[:n], reusable)
    seg.buffer = buffer
    seg.times["read"] = read
    return seg


def _prepare(data: bytes | memoryview, reusable: dict[bytes, bytes]) -> _Segment:
    """A segment hashed and, unless ``reusable`` knows it, cut into hashed chunks (a worker's part)."""
    t0 = time.thread_time()
    digest = blake3.blake3(data).digest()
    t1 = time.thread_time()
    known = reusable.get(digest)
    if known is not None:
        return _Segment(data, digest, [], known, True, {"hash": t1 - t0})
    mv = memoryview(data)
    cuts = [(c.offset, c.length, chunk_hash(mv[c.offset : c.offset + c.length])) for c in _chunker().cut_buf(mv)]
    t2 = time.thread_time()
    return _Segment(data, digest, cuts, b"".join(d for _, _, d in cuts), False, {"hash": t1 - t0, "chunk": t2 - t1})


def _compress_all(todo: list[tuple[bytes, memoryview | bytes]]) -> tuple[list[_Compressed], float]:
    t = time.thread_time()
    out: list[_Compressed] = []
    for digest, data in todo:
        codec, payload = compress(data)
        out.append((digest, len(data), codec, payload))
    return out, time.thread_time() - t
