"""Append-only pack files holding compressed chunks.

A pack is ``MVPACK`` + format byte + reserved byte, then chunk payloads back to
back, then on close a trailer listing every entry (so an index could be rebuilt
from the packs alone) and the magic ``MVPKIDX1``. A writer builds its pack under
``tmp/`` and moves it into ``packs/<2 hex>/<32 hex>.pack`` only after fsync, so a
file under ``packs/`` is always complete. Chunks are checked against their BLAKE3
hash when read: damage is an :class:`~jupyter_mv.errors.IntegrityError`, never
wrong bytes.
"""

from __future__ import annotations

import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

import blake3

from ..errors import IntegrityError
from .failures import fsync_path, writing

__all__ = ["CODEC_NONE", "CODEC_ZSTD", "ENTRY", "PackWriter", "PackReader", "compress", "chunk_hash", "decode"]

HEADER = b"MVPACK\x01\x00"
TRAILER_MAGIC = b"MVPKIDX1"
#: One trailer entry: chunk hash, offset in the pack, stored length, raw size, codec.
ENTRY = struct.Struct("<32sQIIB")
CODEC_NONE = 0
CODEC_ZSTD = 1
#: Keep a compressed chunk only when it saves at least this share of the bytes.
MIN_SAVING = 0.05
#: A pack is closed and a new one started past this size.
PACK_TARGET = 64 * 1024 * 1024

#: zstd's parameters for chunks: level 1's fast strategy with tables sized for 64 KiB
#: inputs (a 128 KiB window, 4 K-entry hash table) and 7-byte minimum matches: on the
#: chunks of text and tables a notebook project holds, as small as level 1's output and
#: about a third faster. Readers decode any zstd frame; the choice is the writer's.
ZSTD_PARAMS = dict(window_log=17, hash_log=12, chain_log=12, search_log=1, min_match=7, target_length=0)
#: Bytes of a chunk tried first (two samples): when neither shrinks, the chunk is stored
#: raw without compressing the rest of it (random or already compressed bytes).
SAMPLE = 4096
_local = threading.local()


def chunk_hash(data: bytes | memoryview) -> bytes:
    """BLAKE3 digest (32 bytes) of a chunk's uncompressed bytes: its address."""
    return blake3.blake3(data).digest()


def compress(data: bytes | memoryview) -> tuple[int, bytes | memoryview]:
    """Compress ``data`` with zstd where that pays; return ``(codec, payload)``.

    Thread-safe: each thread keeps its own compressor.
    """
    comp = getattr(_local, "compressor", None)
    if comp is None:
        import zstandard  # here, not at the top: a snapshot that stores nothing new never loads it

        params = zstandard.ZstdCompressionParameters(strategy=zstandard.STRATEGY_FAST, **ZSTD_PARAMS)
        comp = _local.compressor = zstandard.ZstdCompressor(compression_params=params)
    if len(data) >= 4 * SAMPLE:
        # A cheap test before the full attempt: a sample at the start and one in the middle.
        mid = len(data) // 2
        limit = SAMPLE * (1 - MIN_SAVING / 2)
        if len(comp.compress(data[:SAMPLE])) > limit and len(comp.compress(data[mid : mid + SAMPLE])) > limit:
            return CODEC_NONE, data
    packed = comp.compress(data)
    if len(packed) <= len(data) * (1 - MIN_SAVING):
        return CODEC_ZSTD, packed
    return CODEC_NONE, data


@dataclass(frozen=True)
class PackEntry:
    hash: bytes
    offset: int
    length: int
    size: int
    codec: int


class PackWriter:
    """Writes one pack under ``tmp/``; :meth:`seal` fsyncs it and moves it into ``packs/``."""

    def __init__(self, store_dir: Path) -> None:
        import uuid  # here, not at start-up: a version with nothing new writes no pack

        self.name = uuid.uuid4().hex
        self._store_dir = store_dir
        self.tmp_path = store_dir / "tmp" / f"{self.name}.pack"
        self.final_path = pack_path(store_dir, self.name)
        with writing(store_dir):
            self._file = open(self.tmp_path, "xb")
            self._file.write(HEADER)
        self.size = len(HEADER)
        self.entries: list[PackEntry] = []
        self.sealed = False

    def append(self, digest: bytes, size: int, codec: int, payload: bytes | memoryview) -> PackEntry:
        """Add one chunk. :raises DiskFull: no space is left for it."""
        entry = PackEntry(digest, self.size, len(payload), size, codec)
        with writing(self._store_dir):
            self._file.write(payload)
        self.size += len(payload)
        self.entries.append(entry)
        return entry

    def seal(self) -> None:
        """Write the trailer, fsync, and move the pack to its final place.

        :raises StoreWriteError: the disk is full or ``packs/`` cannot be written.
        """
        trailer = b"".join(ENTRY.pack(e.hash, e.offset, e.length, e.size, e.codec) for e in self.entries)
        with writing(self._store_dir):
            self._file.write(trailer)
            self._file.write(struct.pack("<I", len(self.entries)))
            self._file.write(TRAILER_MAGIC)
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self.size = self.tmp_path.stat().st_size
            self.final_path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.tmp_path, self.final_path)
        self.sealed = True
        fsync_path(self.final_path.parent)

    def abort(self) -> None:
        """Drop the unsealed pack. Never raises for the disk's sake: it runs while another
        error (a full disk, often) is on its way to the user."""
        try:
            self._file.close()
        except OSError:  # the buffered tail could not be flushed: it is thrown away anyway
            pass
        finally:
            try:
                self.tmp_path.unlink(missing_ok=True)
            except OSError:
                pass


def pack_path(store_dir: Path, name: str) -> Path:
    return store_dir / "packs" / name[:2] / f"{name}.pack"


def read_trailer(path: Path) -> list[PackEntry]:
    """The entries a sealed pack lists in its trailer."""
    with open(path, "rb") as f:
        f.seek(-12, os.SEEK_END)
        count_raw = f.read(12)
        if count_raw[4:] != TRAILER_MAGIC:
            raise IntegrityError(f"pack {path.stem} has no valid trailer")
        (count,) = struct.unpack("<I", count_raw[:4])
        f.seek(-12 - count * ENTRY.size, os.SEEK_END)
        raw = f.read(count * ENTRY.size)
    return [PackEntry(*ENTRY.unpack_from(raw, i * ENTRY.size)) for i in range(count)]


class PackReader:
    """Reads and verifies chunks; keeps a few pack files open."""

    def __init__(self, store_dir: Path) -> None:
        self._store_dir = store_dir
        self._open: dict[str, object] = {}

    def read(self, pack: str, digest: bytes, offset: int, length: int, size: int, codec: int) -> bytes:
        """The chunk's bytes, checked against ``digest``.

        :raises IntegrityError: the pack is missing, unreadable, short, or the bytes do not
            hash to ``digest``.
        """
        f = self._open.get(pack)
        try:
            if f is None:
                try:
                    f = open(pack_path(self._store_dir, pack), "rb")
                except FileNotFoundError:
                    raise IntegrityError(f"pack {pack} is missing (needed by chunk {digest.hex()[:16]})") from None
                if len(self._open) > 32:
                    self.close()
                self._open[pack] = f
            f.seek(offset)  # type: ignore[attr-defined]
            payload = f.read(length)  # type: ignore[attr-defined]
        except OSError as exc:  # a disk error, or something other than a file in the pack's place
            raise IntegrityError(
                f"pack {pack} cannot be read ({exc.strerror or exc}; needed by chunk {digest.hex()[:16]})"
            ) from None
        return decode(pack, digest, payload, length, size, codec)

    def close(self) -> None:
        for f in self._open.values():
            f.close()  # type: ignore[attr-defined]
        self._open.clear()

    def __enter__(self) -> "PackReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def decode(pack: str, digest: bytes, payload: bytes, length: int, size: int, codec: int) -> bytes:
    """A chunk's bytes from its stored ``payload``, checked against ``digest``. Thread-safe.

    :raises IntegrityError: the payload is short, unreadable, or does not hash to ``digest``.
    """
    if len(payload) != length:
        raise _unreadable(pack, digest)
    if codec == CODEC_ZSTD:
        import zstandard  # here, not at the top: a store of raw chunks, or no read, never loads it

        dec = getattr(_local, "decompressor", None)
        if dec is None:
            dec = _local.decompressor = zstandard.ZstdDecompressor()
        try:
            data = dec.decompress(payload, max_output_size=size)
        except (ValueError, zstandard.ZstdError):
            raise _unreadable(pack, digest) from None
    else:
        data = payload
    if len(data) != size or blake3.blake3(data).digest() != digest:
        raise IntegrityError(f"chunk {digest.hex()[:16]} in pack {pack} is damaged (hash mismatch)")
    return data


def _unreadable(pack: str, digest: bytes) -> IntegrityError:
    return IntegrityError(f"chunk {digest.hex()[:16]} in pack {pack} is damaged (unreadable)")
