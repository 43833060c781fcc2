"""Reading a stored object (a file's content) chunk by chunk, checked against its hash,
and fetching the packs a lazy pull left on a remote when a read needs them.

The store knows nothing of remotes' URLs and back ends: the fetch is a function that
the remote layer registers with :func:`set_fetcher` when it is imported (the CLI, the
kernel and the server import it, so their reads fetch lazily).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import blake3

from ..errors import IntegrityError, RemoteError
from ..progress import Progress, null_progress
from .lock import store_lock
from .packs import PackReader

if TYPE_CHECKING:
    from .store import Store

__all__ = ["Fetcher", "set_fetcher", "fetch_packs", "iter_object", "object_chunks", "lazy_packs", "Location"]

#: Downloads packs whose bytes are still on a remote (the caller holds the store lock):
#: ``fetcher(store, packs, progress) -> (packs fetched, bytes fetched)``.
Fetcher = Callable[["Store", Sequence[str], Progress], tuple[int, int]]

_fetcher: list[Fetcher] = []


def set_fetcher(fetcher: Fetcher) -> None:
    """Register the function that fetches packs from remotes (:mod:`jupyter_mv.remote` does)."""
    _fetcher[:] = [fetcher]


def lazy_packs(db: object, packs: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
    """Of ``packs``, those whose bytes are still on a remote: ``{remote: [(pack, size)]}``."""
    lazy: dict[str, list[tuple[str, int]]] = {}
    for i in range(0, len(packs), 900):
        batch = list(packs[i : i + 900])
        for pack, remote, size in db.execute(  # type: ignore[attr-defined]
            f"SELECT name, remote, size FROM packs WHERE remote IS NOT NULL AND name IN ({','.join('?' * len(batch))})",
            batch,
        ).fetchall():
            lazy.setdefault(remote, []).append((pack, size))
    return lazy


def fetch_packs(store: Store, packs: Sequence[str], *, locked: bool = False, progress: Progress = null_progress) -> int:
    """Download those of ``packs`` whose bytes are still on a remote; returns how many.
    Takes the store lock shared, unless ``locked`` (the caller holds it).

    :raises RemoteError: a pack is on a remote and no fetcher is registered.
    """
    if not packs:
        return 0
    if not _fetcher:
        lazy = lazy_packs(store.db, packs)
        if not lazy:
            return 0
        remote = sorted(lazy)[0]
        raise RemoteError(
            f"pack {lazy[remote][0][0]} is still on remote {remote}: import jupyter_mv.remote "
            "to fetch it (the CLI, the kernel and the server do)"
        )
    if locked:
        return _fetcher[0](store, packs, progress)[0]
    with store_lock(store.dir / "lock"):
        return _fetcher[0](store, packs, progress)[0]


#: Where a chunk is stored: pack name, offset, stored length, size, codec.
Location = tuple[str, int, int, int, int]


def object_chunks(
    store: Store, digest: bytes, label: str, *, locked: bool = False
) -> tuple[list[bytes], dict[bytes, Location]]:
    """Object ``digest``'s chunk digests in order, and where each is stored; packs still
    on a remote are fetched first (``locked``: the caller holds the store lock).

    :raises IntegrityError: the object or one of its chunks is missing from the index.
    """
    db = store.db
    row = db.execute("SELECT size, chunks FROM objects WHERE hash = ?", [digest]).fetchone()
    if row is None:
        raise IntegrityError(f"the content of {label} ({digest.hex()[:16]}) is missing from the store")
    chunk_list = row[1]
    digests = [chunk_list[i : i + 32] for i in range(0, len(chunk_list), 32)]
    locations: dict[bytes, Location] = {}
    lazy = set()
    distinct = list(dict.fromkeys(digests))
    for i in range(0, len(distinct), 900):
        batch = distinct[i : i + 900]
        for h, pack, offset, length, csize, codec, remote in db.execute(
            "SELECT c.hash, p.name, c.offset, c.length, c.size, c.codec, p.remote FROM chunks c "
            f"JOIN packs p ON p.id = c.pack WHERE c.hash IN ({','.join('?' * len(batch))})",
            batch,
        ).fetchall():
            locations[h] = (pack, offset, length, csize, codec)
            if remote is not None:
                lazy.add(pack)
    if lazy:  # a lazy pull left these packs on their remote: fetch them now
        fetch_packs(store, sorted(lazy), locked=locked)
    for d in digests:
        if d not in locations:
            raise IntegrityError(f"chunk {d.hex()[:16]} of {label} is missing from the store")
    return digests, locations


def iter_object(store: Store, digest: bytes, label: str, reader: PackReader | None = None) -> Iterator[bytes]:
    """The content of object ``digest`` in chunks, checked against its hash; packs still
    on a remote are fetched first.

    :param reader: a reader the caller holds, with the store lock (else one of its own).
    :raises IntegrityError: the object or a chunk is missing, or the content does not
        match its hash.
    """
    digests, locations = object_chunks(store, digest, label, locked=reader is not None)
    own = reader is None
    reader = reader or PackReader(store.dir)
    try:
        hasher = blake3.blake3()
        for d in digests:
            loc = locations[d]
            data = reader.read(loc[0], d, *loc[1:])
            hasher.update(data)
            yield data
        if hasher.digest() != digest:
            raise IntegrityError(f"the content of {label} does not match its hash {digest.hex()[:16]}")
    finally:
        if own:
            reader.close()
