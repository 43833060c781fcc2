"""The numbered migrations of ``mv.db``, applied in order by :mod:`jupyter_mv.store.schema`
when a store is opened; each one that ran is recorded in the ``migrations`` table.
``docs/store-format.md`` describes the tables they make."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .schema import Database

__all__ = ["MIGRATIONS"]


def _m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE packs (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            size INTEGER NOT NULL,
            created REAL NOT NULL
        );
        CREATE TABLE chunks (
            hash BLOB PRIMARY KEY,
            pack INTEGER NOT NULL REFERENCES packs(id),
            offset INTEGER NOT NULL,
            length INTEGER NOT NULL,
            size INTEGER NOT NULL,
            codec INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX chunks_pack ON chunks(pack);
        CREATE TABLE objects (
            hash BLOB PRIMARY KEY,
            size INTEGER NOT NULL,
            chunks BLOB NOT NULL,
            created REAL NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE environments (
            hash TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            created REAL NOT NULL
        );
        CREATE TABLE env_cache (
            python TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            env TEXT NOT NULL REFERENCES environments(hash)
        );
        CREATE TABLE stat_cache (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            ctime_ns INTEGER NOT NULL,
            inode INTEGER NOT NULL,
            hash BLOB NOT NULL
        );
        CREATE TABLE versions (
            id TEXT PRIMARY KEY,
            notebook TEXT NOT NULL,
            number INTEGER NOT NULL,
            parent TEXT,
            kind TEXT NOT NULL,
            message TEXT NOT NULL,
            author TEXT NOT NULL,
            created REAL NOT NULL,
            environment TEXT REFERENCES environments(hash),
            git TEXT,
            metrics TEXT NOT NULL,
            params TEXT NOT NULL,
            extra TEXT NOT NULL,
            UNIQUE (notebook, number)
        );
        CREATE INDEX versions_created ON versions(created);
        CREATE TABLE version_files (
            version TEXT NOT NULL REFERENCES versions(id),
            path TEXT NOT NULL,
            role TEXT NOT NULL,
            hash BLOB NOT NULL,
            size INTEGER NOT NULL,
            mode INTEGER NOT NULL,
            stored INTEGER NOT NULL,
            PRIMARY KEY (version, path)
        ) WITHOUT ROWID;
        CREATE INDEX version_files_hash ON version_files(hash);
        CREATE TABLE tags (
            name TEXT PRIMARY KEY,
            version TEXT NOT NULL REFERENCES versions(id),
            created REAL NOT NULL
        );
        CREATE TABLE aliases (
            name TEXT PRIMARY KEY,
            version TEXT NOT NULL REFERENCES versions(id),
            updated REAL NOT NULL
        );
        CREATE TABLE alias_history (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            previous TEXT,
            set_at REAL NOT NULL
        );
        """
    )


def _m002_models(db: Database) -> None:
    """The model registry: named models, their gap-free numbered versions, movable aliases."""
    db.executescript(
        """
        CREATE TABLE model_versions (
            name TEXT NOT NULL,
            number INTEGER NOT NULL,
            object BLOB NOT NULL REFERENCES objects(hash),
            flavor TEXT NOT NULL,
            size INTEGER NOT NULL,
            created REAL NOT NULL,
            author TEXT NOT NULL,
            version TEXT REFERENCES versions(id),
            metrics TEXT NOT NULL,
            params TEXT NOT NULL,
            extra TEXT NOT NULL,
            PRIMARY KEY (name, number)
        ) WITHOUT ROWID;
        CREATE INDEX model_versions_object ON model_versions(object);
        CREATE INDEX model_versions_version ON model_versions(version);
        CREATE TABLE model_aliases (
            name TEXT NOT NULL,
            alias TEXT NOT NULL,
            number INTEGER NOT NULL,
            updated REAL NOT NULL,
            PRIMARY KEY (name, alias),
            FOREIGN KEY (name, number) REFERENCES model_versions(name, number)
        ) WITHOUT ROWID;
        CREATE TABLE model_alias_history (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            alias TEXT NOT NULL,
            number INTEGER NOT NULL,
            previous INTEGER,
            set_at REAL NOT NULL
        );
        """
    )


def _m003_light_versions(db: Database) -> None:
    """Save history: light versions (the notebook at a save) are named ``v{base}.{sub}``,
    the ``sub``-th save after full version ``base``. Their ``number`` is a negative
    placeholder, unique per notebook, so the numbers of full versions stay 1, 2, 3..."""
    db.executescript(
        """
        ALTER TABLE versions ADD COLUMN base INTEGER;
        ALTER TABLE versions ADD COLUMN sub INTEGER NOT NULL DEFAULT 0;
        CREATE UNIQUE INDEX versions_light ON versions(notebook, base, sub) WHERE base IS NOT NULL;
        """
    )


def _m004_remotes(db: Database) -> None:
    """Remotes: where versions are pushed to and pulled from, what each is known to hold,
    and packs whose bytes are still only on a remote (a lazy pull: ``packs.remote``)."""
    db.executescript(
        """
        CREATE TABLE remotes (
            name TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            created REAL NOT NULL
        );
        ALTER TABLE packs ADD COLUMN remote TEXT;
        CREATE TABLE remote_packs (
            remote TEXT NOT NULL,
            pack TEXT NOT NULL,
            PRIMARY KEY (remote, pack)
        ) WITHOUT ROWID;
        CREATE TABLE remote_versions (
            remote TEXT NOT NULL,
            version TEXT NOT NULL,
            PRIMARY KEY (remote, version)
        ) WITHOUT ROWID;
        CREATE INDEX remote_versions_version ON remote_versions(version);
        CREATE TABLE remote_aliases (
            remote TEXT NOT NULL,
            name TEXT NOT NULL,
            entry TEXT NOT NULL,
            version TEXT NOT NULL,
            PRIMARY KEY (remote, name)
        ) WITHOUT ROWID;
        """
    )


def _m005_dvc(db: Database) -> None:
    """What DVC recorded of a version's file (JSON: md5, the .dvc or dvc.lock file), or NULL."""
    db.execute("ALTER TABLE version_files ADD COLUMN dvc TEXT")


def _m006_segments(db: Database) -> None:
    """Segment records: per stored object, the BLAKE3 of each of its 16 MiB segments and
    how many chunks each holds, so that a file read again cuts only its changed segments."""
    db.executescript(
        """
        CREATE TABLE segments (
            object BLOB PRIMARY KEY,
            size INTEGER NOT NULL,
            list BLOB NOT NULL
        ) WITHOUT ROWID;
        """
    )


def _m007_listing(db: Database) -> None:
    """An index that lists a notebook's versions newest first (and counts them) without
    reading the table, and the record of the version each notebook was last restored to
    in place: the version the notebook then is, which the next version follows."""
    db.executescript(
        """
        CREATE INDEX versions_listing ON versions(notebook, created, number, kind);
        CREATE TABLE restored (
            notebook TEXT PRIMARY KEY,
            version TEXT NOT NULL,
            restored REAL NOT NULL
        );
        """
    )


def _m008_pack_sets(db: Database) -> None:
    """Per stored object, the packs its chunks lie in (and how far into each), so that the
    check that a file the stat cache vouches for can still be read back looks at a few
    packs instead of looking every chunk up. A cache, emptied by SQLite itself whenever a
    chunk row is removed or pointed elsewhere, or a pack row removed (gc, a repair, or
    any other writer, an older jupyter-mv's included), and learnt again by snapshots."""
    db.executescript(
        """
        CREATE TABLE pack_sets (
            object BLOB PRIMARY KEY,
            packs TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TRIGGER pack_sets_chunk_gone AFTER DELETE ON chunks
            BEGIN DELETE FROM pack_sets; END;
        CREATE TRIGGER pack_sets_chunk_moved AFTER UPDATE OF hash, pack, offset, length ON chunks
            BEGIN DELETE FROM pack_sets; END;
        CREATE TRIGGER pack_sets_pack_gone AFTER DELETE ON packs
            BEGIN DELETE FROM pack_sets; END;
        """
    )


#: Numbered migrations, applied in order; never edit one that has shipped.
MIGRATIONS: list[tuple[int, str, Callable[[Database], None]]] = [
    (1, "initial", _m001_initial),
    (2, "models", _m002_models),
    (3, "light versions", _m003_light_versions),
    (4, "remotes", _m004_remotes),
    (5, "dvc", _m005_dvc),
    (6, "segments", _m006_segments),
    (7, "listing", _m007_listing),
    (8, "pack sets", _m008_pack_sets),
]
