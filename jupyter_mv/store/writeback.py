"""Starting the disk writes of a file early, so that its fsync finds little left to do.

A snapshot's packs and a restore's temporary files are fsynced before they count. Left
to itself, the kernel writes their dirty pages out only at that fsync, and the process
then waits for all of them: a gigabyte restored waited about a second for its fsync.
:class:`Writeback` asks the kernel, after every few megabytes written, to start writing
those pages out now (``sync_file_range(SYNC_FILE_RANGE_WRITE)``, the write-out half of
an fsync, as git's batched fsync does), so the disk works while the process goes on
decoding, copying and compressing. Nothing is promised by it: the fsync that follows is
still what makes the file durable. Where the call does not exist (not Linux, another C
library), it does nothing.
"""

from __future__ import annotations

import ctypes

__all__ = ["Writeback", "STEP", "supported"]

#: Bytes written between two requests: large enough that the calls cost nothing, small
#: enough that the disk starts early.
STEP = 16 * 1024 * 1024
_SYNC_FILE_RANGE_WRITE = 2
_call: list[object] = []


def _sync_file_range() -> object | None:
    if not _call:
        fn = None
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fn = libc.sync_file_range
            fn.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
            fn.restype = ctypes.c_int
        except (OSError, AttributeError):
            fn = None
        _call.append(fn)
    return _call[0]


class Writeback:
    """Tells the kernel to start writing out a file's pages as they are written.

    Call :meth:`wrote` with the size of each write, in file order (the file is written
    front to back from offset ``start``).
    """

    def __init__(self, fd: int, start: int = 0) -> None:
        self.fd = fd
        self._flushed = start  # pages before this offset were asked for already
        self._end = start
        self._fn = _sync_file_range()
        #: How many requests were made (for the tests).
        self.requests = 0

    def wrote(self, n: int) -> None:
        self._end += n
        if self._fn is not None and self._end - self._flushed >= STEP:
            self.kick()

    def kick(self) -> None:
        """Ask for everything written since the last request to be written out now."""
        if self._fn is None or self._end <= self._flushed:
            return
        # A failure (a file system that refuses it) only means the fsync does all the work.
        if self._fn(self.fd, self._flushed, self._end - self._flushed, _SYNC_FILE_RANGE_WRITE) == 0:  # type: ignore[operator]
            self.requests += 1
        else:
            self._fn = None
        self._flushed = self._end


def supported() -> bool:
    """Whether this system has ``sync_file_range`` (the tests ask)."""
    return _sync_file_range() is not None
