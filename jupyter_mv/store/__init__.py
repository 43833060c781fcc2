"""The version store: SQLite metadata and content-addressed chunks in packs."""

import sys as _sys


def _import_sqlite_utils_without_dataframes() -> None:
    """Import sqlite-utils without letting it import pandas and numpy.

    sqlite-utils imports both at import time when they are installed, only to map their
    types in inserts; the store never inserts them, and loading pandas costs about half a
    second of every `jupyter mv` command and ~60 MB of memory. They are masked only
    while sqlite-utils loads, and only when nothing has loaded them already.
    """
    if "sqlite_utils" in _sys.modules:
        return
    masked = [name for name in ("pandas", "numpy") if name not in _sys.modules]
    for name in masked:
        _sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for name in masked:
            if _sys.modules.get(name) is None:
                del _sys.modules[name]


_import_sqlite_utils_without_dataframes()

from .store import STORE_DIRNAME, Store, find_store_dir  # noqa: E402
from .versions import FileEntry, GcReport, RestoreResult, VerifyReport, Version  # noqa: E402

__all__ = [
    "Store",
    "Version",
    "FileEntry",
    "RestoreResult",
    "VerifyReport",
    "GcReport",
    "STORE_DIRNAME",
    "find_store_dir",
]
