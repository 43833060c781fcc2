"""What a failed write to the store means, said plainly.

A full disk, a read-only store folder and a read-only ``mv.db`` are different troubles
with different cures; none of them is a damaged store. The operating system reports
them as an :class:`OSError` (``ENOSPC``, ``EACCES``, ``EROFS``...) and SQLite as an
``OperationalError`` (``SQLITE_FULL``, ``SQLITE_READONLY``...); these functions turn
each into a :class:`~jupyter_mv.errors.StoreWriteError` that names the cause.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import DiskFull, StoreReadOnly, StoreWriteError

__all__ = [
    "os_write_error",
    "sqlite_write_error",
    "writing",
    "read_only_folder",
    "check_writable",
    "shown_text",
    "fsync_path",
]

_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DENIED = {errno.EACCES, errno.EPERM}
_UNCHANGED = "nothing was changed and the versions stored before are intact"
_READING = "log, show, diff and verify still work"
_TO_WRITE = "to take new versions (or tag, restore in place, gc) make it writable"


def _on_read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def disk_full(folder: Path) -> bool:
    """No free block is left (for this user) on the file system holding ``folder``."""
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):
        return False
    return st.f_bavail * st.f_frsize < 64 * 1024


def _writable(path: Path) -> bool:
    try:
        return os.access(path, os.W_OK)
    except OSError:
        return False


def read_only_folder(store_dir: Path, where: str | os.PathLike[str] | None = None) -> StoreReadOnly:
    """The error for a store folder (or a file in it) that cannot be written."""
    if not store_dir.exists():
        return StoreReadOnly(f"cannot create the store folder {store_dir}: its parent folder is read-only")
    if _on_read_only_fs(store_dir):
        return StoreReadOnly(
            f"the store folder {store_dir} is on a read-only file system; {_READING}, "
            "but new versions need a writable store"
        )
    shown = f" ({where}: permission denied)" if where and Path(where) != store_dir else ""
    return StoreReadOnly(
        f"the store folder {store_dir} is read-only{shown}; {_READING}; {_TO_WRITE} (chmod -R u+w {store_dir})"
    )


def _read_only_db(db_path: Path) -> StoreReadOnly:
    return StoreReadOnly(
        f"the store database {db_path} is read-only (its file permissions); {_READING}; "
        f"{_TO_WRITE} (chmod u+w {db_path})"
    )


def check_writable(store_dir: Path) -> None:
    """Refuse, before any work, to write to a store that cannot take it.

    :raises StoreReadOnly: the folder, ``tmp/``, ``packs/`` or ``mv.db`` is read-only.
    :raises DiskFull: the disk has (next to) no space left.
    """
    if _on_read_only_fs(store_dir) or not all(
        _writable(p) for p in (store_dir, store_dir / "tmp", store_dir / "packs")
    ):
        raise read_only_folder(store_dir)
    if not _writable(store_dir / "mv.db"):
        raise _read_only_db(store_dir / "mv.db")
    if disk_full(store_dir):
        raise _disk_full(store_dir, "no space left on device")


def _disk_full(store_dir: Path, detail: str) -> DiskFull:
    return DiskFull(
        f"the disk that holds the store {store_dir} is full ({detail}); free some space and try again: {_UNCHANGED}"
    )


def os_write_error(exc: OSError, store_dir: Path) -> StoreWriteError | None:
    """The error to raise for ``exc``, met writing inside ``store_dir``; None when it is
    not one of the causes named here (an I/O error, say)."""
    if exc.errno in _FULL:
        return _disk_full(
            store_dir, "no space left on device" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc)).lower()
        )
    if exc.errno == errno.EROFS or exc.errno in _DENIED:
        return read_only_folder(store_dir, exc.filename)
    return None


@contextmanager
def writing(store_dir: Path) -> Iterator[None]:
    """Within: an :class:`OSError` that :func:`os_write_error` knows is raised as its error."""
    try:
        yield
    except OSError as exc:
        translated = os_write_error(exc, store_dir)
        if translated is None:
            raise
        raise translated from None


def sqlite_write_error(exc: sqlite3.Error, db_path: Path) -> StoreWriteError | None:
    """The error to raise for SQLite's ``exc`` on the database ``db_path``; None when it
    is no full disk and no read-only file."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    store_dir = db_path.parent
    if name.startswith("SQLITE_FULL") or "database or disk is full" in text:
        return _disk_full(store_dir, "SQLite could not grow the database mv.db")
    if (name.startswith("SQLITE_IOERR") or "disk i/o error" in text) and disk_full(store_dir):
        # A disk with no block left fails even the -shm file WAL readers map: an I/O error
        # to SQLite, a full disk to the user.
        return _disk_full(store_dir, "no space left on device")
    read_only = name.startswith("SQLITE_READONLY") or "readonly database" in text
    cant_open = name.startswith("SQLITE_CANTOPEN") or "unable to open database file" in text
    if not read_only and not cant_open:
        return None
    if (
        _on_read_only_fs(store_dir)
        or name == "SQLITE_READONLY_DIRECTORY"
        or (db_path.exists() and not _writable(store_dir))
    ):
        return read_only_folder(store_dir)
    if db_path.exists() and not _writable(db_path):
        return _read_only_db(db_path)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{db_path}{suffix}")
        if side.exists() and not _writable(side):
            return StoreReadOnly(
                f"the store database's {side.name} file ({side}) is read-only; {_READING}; "
                f"{_TO_WRITE} (chmod u+w {side})"
            )
    return None


def shown_text(text: str) -> str:
    """``text`` as UTF-8 text a person can read: a byte that was not UTF-8 (a surrogate
    escape, as in a file name from ``os.fsdecode``) as ``\\xNN``, another lone surrogate
    as ``\\uNNNN``."""
    return "".join(
        c
        if not 0xD800 <= ord(c) <= 0xDFFF
        else (f"\\x{ord(c) - 0xDC00:02x}" if 0xDC80 <= ord(c) <= 0xDCFF else f"\\u{ord(c):04x}")
        for c in text
    )


def fsync_path(path: Path) -> bool:
    """fsync a file or a folder (its entries) by path; whether it could be opened. A
    failing fsync is not an error here: the callers have already written what counts."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
    return True
