"""The version store: SQLite metadata and content-addressed chunks in packs."""

from .store import STORE_DIRNAME, Store, find_store_dir
from .versions import FileEntry, GcReport, RestoreResult, VerifyReport, Version

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
