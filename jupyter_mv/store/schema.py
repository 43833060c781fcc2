"""The metadata database ``mv.db``: connection settings, format version, migrations.

The database is opened in WAL mode with a busy timeout so the server and any
number of kernels can write at once. Writers use ``BEGIN IMMEDIATE`` so they
queue on the write lock instead of failing half-way. Migrations
(:mod:`jupyter_mv.store.migrations`) are numbered and recorded in the
``migrations`` table; ``meta.format_version`` is the store format,
which a reader checks and refuses when it is newer than it understands.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import DiskFull, InvalidInput, MVError, StoreFormatError, StoreReadOnly
from ..locate import ENV_VAR, STORE_DIRNAME
from .failures import shown_text, sqlite_write_error
from .migrations import MIGRATIONS

__all__ = [
    "FORMAT_VERSION",
    "STORE_DIRNAME",
    "ENV_VAR",
    "MIGRATIONS",
    "connect",
    "create",
    "transaction",
    "make_durable",
    "insert_rows",
    "Database",
]

#: The store format this code writes and understands (docs/store-format.md).
FORMAT_VERSION = 6
# The store's folder, beside a project's files (``$JUPYTER_MV_STORE`` names another):
# STORE_DIRNAME and ENV_VAR, from ..locate.
BUSY_TIMEOUT_MS = 60_000


class Database:
    """The store's connection to ``mv.db``: plain :mod:`sqlite3` (``conn``), with the few
    conveniences the store uses. Kept this small so opening a store costs no more imports
    than :mod:`sqlite3` itself."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, parameters)

    def executescript(self, script: str) -> sqlite3.Cursor:
        """Run several statements; inside a transaction, one by one (sqlite3's own
        ``executescript`` would commit the transaction first)."""
        if not self.conn.in_transaction:
            return self.conn.executescript(script)
        cursor = self.conn.cursor()
        statement = ""
        for part in script.split(";"):
            statement += part + ";"
            if sqlite3.complete_statement(statement):
                if statement.strip(" \t\r\n;"):
                    cursor.execute(statement)
                statement = ""
        return cursor

    def table_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]

    def close(self) -> None:
        self.conn.close()


def connect(path: Path, *, create: bool = False) -> Database:
    """Open ``mv.db`` with WAL, a busy timeout, and migrations applied.

    On the connection returned, SQLite's report of a damaged file (at any later query)
    is a :class:`StoreFormatError` naming the database.

    :param path: the database file.
    :param create: make a new database (only :func:`create` does); otherwise a file that
        is empty or holds no jupyter-mv tables is refused, never made into a new store.
    :raises StoreFormatError: the file is not a jupyter-mv database, or a newer format.
    """
    if not create and not path.exists():
        raise StoreFormatError(f"store database {path.name} is missing in {path.parent}")
    try:
        return _open(path, create)
    except (StoreReadOnly, DiskFull) as exc:
        # A store folder nobody may write to (chmod -R a-w, a read-only mount), or a disk
        # with no block left: SQLite cannot make the -shm file WAL readers need. With no
        # changes waiting in a -wal file the database file is complete, and no writer can
        # change it (it could not write its -wal): it is read as immutable, so log, show,
        # diff and verify still work. Every write on it is refused with ``exc``'s reason.
        full = isinstance(exc, DiskFull)
        if create or (not full and _writable_folder(path.parent)):
            raise
        if _wal_pending(path):
            cure = "free some space" if full else f"make the folder writable (chmod -R u+w {path.parent})"
            raise type(exc)(
                f"{exc.message.split(';')[0]}; its database has changes not yet merged into {path.name} "
                f"(in {path.name}-wal), which cannot be read before you {cure}"
            ) from None
        return _open(path, create, immutable=exc)


def _open(path: Path, create: bool, *, immutable: MVError | None = None) -> Database:
    """``path`` opened and migrated; ``immutable``: read only, as a file nobody changes,
    every write refused with that error."""
    try:
        if immutable:
            target, uri = path.absolute().as_uri() + "?mode=ro&immutable=1", True
        else:
            target, uri = str(path), False
        conn = sqlite3.connect(
            target,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
            factory=_Connection,
            uri=uri,
        )
    except sqlite3.DatabaseError as exc:
        raise _translated(path, exc) from None
    conn.path = path
    conn.read_only = immutable
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        db = Database(conn)
        if create:
            conn.execute("PRAGMA journal_mode = wal")
        _migrate(db, create)
    except BaseException as exc:
        conn.close()
        if isinstance(exc, sqlite3.DatabaseError):
            raise _translated(path, exc) from None
        raise
    return db


def _writable_folder(folder: Path) -> bool:
    try:
        return os.access(folder, os.W_OK) and not os.statvfs(folder).f_flag & os.ST_RDONLY
    except (OSError, AttributeError):
        return True


def _wal_pending(path: Path) -> bool:
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def create(path: Path) -> None:
    """Create the database ``path``, migrated, unless it exists.

    It is built under a temporary name beside ``path`` and linked into place, so no
    process ever opens a half-made database (:func:`connect` refuses one without
    migrations); when another process creates it first, theirs is kept.
    """
    if path.exists():
        return
    import uuid  # here, not at start-up: only a new store needs it

    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.new")
    try:
        connect(tmp, create=True).conn.close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(tmp, path)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)


def _damaged(path: Path, exc: sqlite3.DatabaseError) -> StoreFormatError:
    return StoreFormatError(f"the store database {path} cannot be read ({exc}); restore it from a backup")


def _translated(path: Path, exc: sqlite3.DatabaseError) -> MVError:
    """SQLite's ``exc`` on opening ``path`` as what it is: a damaged file (CORRUPT, NOTADB:
    the base class), a full disk or a read-only file, or another trouble named as such."""
    if type(exc) is sqlite3.DatabaseError:
        return _damaged(path, exc)
    translated = sqlite_write_error(exc, path)
    if translated is not None:
        return translated
    if not os.access(path, os.R_OK):
        return StoreFormatError(
            f"the store database {path} cannot be opened: permission denied (check its permissions: chmod u+r {path})"
        )
    return StoreFormatError(f"the store database {path} cannot be opened ({exc})")


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` of a cursor, with SQLite's report of a damaged file (CORRUPT, NOTADB:
    the base class) raised as a :class:`StoreFormatError` naming the database, and a full
    disk or a read-only file as the :class:`~jupyter_mv.errors.StoreWriteError` that says
    so; busy, other I/O errors, constraints and misuse pass unchanged."""

    def guarded(self: sqlite3.Cursor, *args: Any) -> Any:
        try:
            return method(self, *args)
        except UnicodeEncodeError as exc:  # a parameter with a lone surrogate: not UTF-8 text
            raise InvalidInput(
                f"{shown_text(str(exc.object))} is not UTF-8 text; the store keeps names, paths and messages as UTF-8"
            ) from None
        except sqlite3.DatabaseError as exc:
            path = getattr(self.connection, "path", None)
            if type(exc) is sqlite3.DatabaseError:
                raise _damaged(path or Path("mv.db"), exc) from None
            reason = getattr(self.connection, "read_only", None)
            if reason is not None and "readonly" in str(exc).lower():
                raise type(reason)(reason.message) from None
            translated = sqlite_write_error(exc, Path(path)) if path is not None else None
            if translated is not None:
                raise translated from None
            raise

    guarded.__name__ = method.__name__
    return guarded


class _Cursor(sqlite3.Cursor):
    """A cursor on which a damaged database file is a :class:`StoreFormatError`."""

    # The guarded methods return what sqlite3's do: for these three, the cursor itself.
    execute: Callable[..., _Cursor] = _guarded(sqlite3.Cursor.execute)
    executemany: Callable[..., _Cursor] = _guarded(sqlite3.Cursor.executemany)
    executescript: Callable[..., _Cursor] = _guarded(sqlite3.Cursor.executescript)
    fetchone = _guarded(sqlite3.Cursor.fetchone)
    fetchmany = _guarded(sqlite3.Cursor.fetchmany)
    fetchall = _guarded(sqlite3.Cursor.fetchall)
    __next__ = _guarded(sqlite3.Cursor.__next__)


class _Connection(sqlite3.Connection):
    """The store's connection: its cursors are :class:`_Cursor`."""

    path: Path
    #: Set when the database was opened read-only as immutable: why it cannot be written.
    read_only: MVError | None = None

    def cursor(self, factory: Any = _Cursor) -> Any:
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        cursor: _Cursor = self.cursor()
        return cursor.execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> _Cursor:
        cursor: _Cursor = self.cursor()
        return cursor.executemany(sql, parameters)

    def executescript(self, script: str, /) -> _Cursor:
        cursor: _Cursor = self.cursor()
        return cursor.executescript(script)


def make_durable(db: Database) -> None:
    """Make what was committed so far durable now. The store runs SQLite in WAL mode with
    ``synchronous = NORMAL``: a commit is in the WAL file but reaches the disk at the next
    checkpoint, so a power cut may lose the last commits (never damage the database). Where
    a commit must outlive a power cut, as a restore's safety version must before the files
    it keeps are overwritten, the WAL file is fsynced."""
    path = getattr(db.conn, "path", None)
    if path is None or getattr(db.conn, "read_only", None):
        return
    from .failures import fsync_path

    for target in (Path(f"{path}-wal"), Path(path)):
        if fsync_path(target):
            return


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock up front (``BEGIN IMMEDIATE``)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        # SQLite may have rolled back already (a full disk does): the error that ended the
        # transaction is the one to report, not a ROLLBACK with no transaction to undo.
        if db.conn.in_transaction:
            try:
                db.execute("ROLLBACK")
            except (sqlite3.Error, MVError):
                pass
        raise


def _migrate(db: Database, create: bool) -> None:
    if "migrations" in db.table_names():
        applied = {row[0] for row in db.execute("SELECT id FROM migrations").fetchall()}
        if applied >= {number for number, _, _ in MIGRATIONS}:
            _check_format(db)
            return
    elif not create:
        path = getattr(db.conn, "path", "mv.db")
        raise StoreFormatError(
            f"the store database {path} is empty or not a jupyter-mv database; restore it from a backup"
        )
    with transaction(db):
        db.execute(
            "CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied REAL NOT NULL)"
        )
        applied = {row[0] for row in db.execute("SELECT id FROM migrations").fetchall()}
        for number, name, apply in MIGRATIONS:
            if number in applied:
                continue
            apply(db)
            db.execute(
                "INSERT INTO migrations (id, name, applied) VALUES (?, ?, ?)",
                [number, name, time.time()],
            )
        db.execute(
            "INSERT INTO meta (key, value) VALUES ('format_version', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value "
            "WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)",
            [str(FORMAT_VERSION)],
        )
    _check_format(db)


def _check_format(db: Database) -> None:
    row = db.execute("SELECT value FROM meta WHERE key = 'format_version'").fetchone()
    found = int(row[0]) if row else 0
    if found > FORMAT_VERSION:
        raise StoreFormatError(
            f"this store has format version {found}, newer than this jupyter-mv "
            f"understands ({FORMAT_VERSION}); upgrade jupyter-mv"
        )


def insert_rows(
    db: Database, table: str, rows: list[dict[str, Any]], *, ignore: bool = False, upsert: str | None = None
) -> None:
    """Insert dict rows with one prepared statement (works on WITHOUT ROWID tables).

    :param ignore: skip rows whose key exists; ``upsert``: the key column, whose existing
        rows are replaced (``INSERT OR REPLACE``).
    """
    if not rows:
        return
    columns = list(rows[0])
    verb = "INSERT OR REPLACE" if upsert else "INSERT OR IGNORE" if ignore else "INSERT"
    sql = f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    db.conn.executemany(sql, [[row[c] for c in columns] for row in rows])
