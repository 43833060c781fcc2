"""The store lock: shared for writers and readers, exclusive for ``gc``.

``fcntl.flock`` on ``.jupyter_mv/lock``. Snapshots, restores and verify hold it
shared for their whole run, so ``gc`` (which holds it exclusive) never removes a
chunk that a running snapshot deduplicated against, nor a pack being read.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import Busy

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process lock, gc must not race writers
    fcntl = None  # type: ignore[assignment]

__all__ = ["store_lock", "try_exclusive"]


@contextmanager
def store_lock(path: Path, *, exclusive: bool = False, wait: float = 300.0) -> Iterator[None]:
    """Hold the lock file ``path`` shared (default) or exclusive.

    :raises Busy: not granted within ``wait`` seconds.
    """
    fd = _open_lock(path)
    try:
        if fcntl is not None:
            mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, mode | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        what = "a garbage collection" if not exclusive else "another jupyter-mv process"
                        raise Busy(f"the store is in use by {what}; try again in a moment") from None
                    time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def try_exclusive(path: Path) -> int | None:
    """Take the lock exclusive without waiting; return the fd to close, or None when busy."""
    if fcntl is None:
        return None
    fd = _open_lock(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _open_lock(path: Path) -> int:
    """The lock file, opened for ``flock`` (which needs no write access): in a read-only
    store it is opened for reading, so that readers still take their shared lock."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        try:
            return os.open(path, os.O_RDONLY)
        except OSError:
            from .failures import read_only_folder

            raise read_only_folder(path.parent, path) from None
