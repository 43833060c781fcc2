"""One error hierarchy for every face.

Each error carries the HTTP status the REST API answers with and a short code.
The API renders them as ``{"error": code, "message": message}``; the CLI and the
``%mv`` magic print the message on one line. Messages name the user's object
(a ref, a path, a chunk) and never leak internals such as SQL or tracebacks.
"""

from __future__ import annotations

__all__ = [
    "MVError",
    "InvalidInput",
    "NotFound",
    "Forbidden",
    "StoreNotFound",
    "Conflict",
    "Busy",
    "IntegrityError",
    "StoreFormatError",
    "RemoteError",
    "StoreWriteError",
    "DiskFull",
    "StoreReadOnly",
]


class MVError(Exception):
    """Base class of every error jupyter-mv raises on purpose."""

    status: int = 500
    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


class InvalidInput(MVError):
    """The request or argument is malformed: a bad path, name, ref or notebook."""

    status = 400
    code = "invalid_input"


class NotFound(MVError):
    """A ref, version, file or model does not exist."""

    status = 404
    code = "not_found"


class Forbidden(MVError):
    """The request is well formed but not allowed here: a store that does not belong to
    the server's root, a remote scheme or host the deployment forbids."""

    status = 403
    code = "forbidden"


class StoreNotFound(NotFound):
    """No ``.jupyter_mv`` store was found walking up from the path."""

    code = "store_not_found"


class Conflict(MVError):
    """The operation contradicts the store's state: a duplicate tag, an overwrite refused."""

    status = 409
    code = "conflict"


class Busy(MVError):
    """Another process holds the store's exclusive lock (a ``gc`` is running)."""

    status = 423
    code = "busy"


class IntegrityError(MVError):
    """Stored bytes or metadata are damaged: a chunk whose hash does not match, a missing pack."""

    status = 500
    code = "integrity_error"


class StoreFormatError(MVError):
    """The store was written by a newer jupyter-mv, or its database cannot be read."""

    status = 500
    code = "store_format"


class RemoteError(MVError):
    """A remote could not be reached or answered with an error (network, credentials, permissions)."""

    status = 502
    code = "remote_error"


class StoreWriteError(MVError):
    """The store could not be written (its disk is full, or its folder or database is
    read-only): the operation changed nothing, and what was stored before is intact."""

    status = 503
    code = "store_write_error"


class DiskFull(StoreWriteError):
    """No space is left on the disk (or in the quota) that holds the store."""

    status = 507
    code = "disk_full"


class StoreReadOnly(StoreWriteError):
    """The store's folder, one of its files, or ``mv.db`` cannot be written (permissions, a
    read-only file system). Reading verbs (log, show, diff, verify) still work."""

    status = 403
    code = "store_read_only"
