"""The version store façade: one object, every operation the faces need."""

from __future__ import annotations

import contextlib
import dataclasses
import getpass
import json
import logging
import math
import os
import re
import shutil
import stat
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import blake3
import sqlite_utils

from ..errors import Conflict, InvalidInput, NotFound, StoreNotFound, StoreReadOnly
from ..errors import IntegrityError as MVIntegrity
from ..progress import Progress, null_progress
from . import schema
from .failures import check_writable, shown_text, writing
from .ingest import Ingest, StoredFile
from .lock import store_lock, try_exclusive
from .model import ROLES, FileEntry, GcReport, RestoreResult, VerifyReport, Version
from .packs import PackReader
from .refs import check_name, parse_ref

__all__ = ["Store", "STORE_DIRNAME", "find_store_dir", "store_owner"]

if TYPE_CHECKING:
    from .models import ModelVersion


def _models() -> Any:
    from . import models

    return models

_log = logging.getLogger("jupyter_mv")
_log.addHandler(logging.NullHandler())  # the faces say it their way (the CLI: on stderr)

STORE_DIRNAME = ".jupyter_mv"
ENV_VAR = "JUPYTER_MV_STORE"
#: A file modified this close to a snapshot is not trusted to the stat cache (racy mtime).
RACY_NS = 2_000_000_000
_SKIP_DIRS = {STORE_DIRNAME, ".git", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints", "node_modules", ".venv"}


def find_store_dir(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The store directory for ``start``: ``$JUPYTER_MV_STORE``, else the nearest
    ``.jupyter_mv`` found walking up from ``start`` (a file or folder), like ``.git``."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser().absolute()
    here = Path(start or os.getcwd()).expanduser().absolute()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / STORE_DIRNAME
        if (candidate / "mv.db").is_file():
            return candidate
    return None


def store_owner(store_dir: str | os.PathLike[str]) -> str | None:
    """The name (or uid) of the user who owns the store folder or its ``mv.db``, when
    that is not the user running this process; None when both are ours (or unknown)."""
    if not hasattr(os, "geteuid"):
        return None
    for part in (Path(store_dir), Path(store_dir) / "mv.db"):
        try:
            uid = os.stat(part).st_uid
        except OSError:
            continue
        if uid != os.geteuid():
            try:
                import pwd

                return pwd.getpwuid(uid).pw_name
            except (ImportError, KeyError):
                return str(uid)
    return None


class Store:
    """A jupyter-mv version store: ``.jupyter_mv/`` beside a project's files.

    Open one with :meth:`open` (walks up like git) or create one with :meth:`init`.
    Every method is safe to call from several processes at once; one instance may
    be shared by threads.
    """

    def __init__(self, store_dir: Path) -> None:
        self.dir = store_dir
        self.db = schema.connect(store_dir / "mv.db")
        meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        self.root = Path(meta["root"]) if "root" in meta else store_dir.parent
        self._real_root = Path(os.path.realpath(self.root))
        self._db_lock = threading.RLock()
        self._pool: ThreadPoolExecutor | None = None
        self._clean_tmp()

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def init(cls, directory: str | os.PathLike[str] = ".") -> Store:
        """Create a store in ``directory/.jupyter_mv`` (or ``$JUPYTER_MV_STORE``); idempotent.

        :param directory: the project root.
        """
        root = Path(directory).expanduser().absolute()
        if not root.is_dir():
            raise NotFound(f"no such folder: {directory}")
        env = os.environ.get(ENV_VAR)
        store_dir = Path(env).expanduser().absolute() if env else root / STORE_DIRNAME
        if not (store_dir / "mv.db").exists() and any((store_dir / "packs").glob("*/*.pack")):
            raise Conflict(
                f"{store_dir} holds packs but no mv.db: refusing to start a new, empty index over them "
                "(its gc would delete them); move the folder aside or restore mv.db from a backup"
            )
        with writing(store_dir):
            for sub in ("packs", "tmp"):
                (store_dir / sub).mkdir(parents=True, exist_ok=True)
            (store_dir / "lock").touch()
            schema.create(store_dir / "mv.db")
        db = schema.connect(store_dir / "mv.db")
        with schema.transaction(db):
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?)", [uuid.uuid4().hex])
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('created', ?)", [str(time.time())])
            if store_dir != root / STORE_DIRNAME:
                db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('root', ?)", [str(root)])
        db.close()
        with writing(store_dir):
            (store_dir / ".gitignore").write_text("*\n")
            (store_dir / "README").write_text(
                "This folder is a jupyter-mv version store (docs/store-format.md).\n"
                "Do not edit it by hand; use `jupyter mv`.\n"
            )
        _ignore_in_git(root)
        return cls(store_dir)

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, create: bool = False) -> Store:
        """Open the store for ``path`` (any file or folder of the project).

        :param create: when no store is found, create one with ``path`` (a folder) as root.
        :raises StoreNotFound: no store, and ``create`` is false.
        """
        store_dir = find_store_dir(path)
        if store_dir is not None and (store_dir / "mv.db").is_file():
            return cls(store_dir)
        if create:
            target = Path(path or os.getcwd())
            return cls.init(target if target.is_dir() else target.parent)
        where = store_dir or Path(path or os.getcwd()).absolute()
        raise StoreNotFound(f"no jupyter-mv store at or above {where}; run `jupyter mv init` in the project folder")

    def owner(self) -> str | None:
        """The user the store belongs to when that is not the user running this process
        (see :func:`store_owner`); None when it is ours."""
        return store_owner(self.dir)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- paths -----------------------------------------------------------------------------

    def relpath(self, path: str | os.PathLike[str], *, must_exist: bool = True, allow_root: bool = False) -> str:
        """``path`` (absolute, or relative to the current folder) as a POSIX path relative
        to the project root.

        :raises InvalidInput: the path, or the file a symlink points to, lies outside the
            root or inside the store.
        :raises NotFound: ``must_exist`` and there is no such file.
        """
        raw = os.fspath(path)
        if not raw or "\x00" in raw:
            raise InvalidInput("a path is required")
        try:  # the database keeps paths as UTF-8 text
            raw.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput(f"{shown_text(raw)} is not a UTF-8 file name; rename it to keep it in a version"
                               ) from None
        absolute = Path(os.path.abspath(os.path.expanduser(raw)))
        try:
            rel = absolute.relative_to(self.root)
        except ValueError:
            rel = None
        if rel is None:
            try:  # the root itself may be reached through a symlink
                rel = Path(os.path.realpath(absolute.parent)).relative_to(self._real_root) / absolute.name
            except ValueError:
                raise InvalidInput(f"{raw} is outside the project root {self.root}") from None
        if rel.parts and rel.parts[0] == STORE_DIRNAME or self.in_store(self.root / rel):
            raise InvalidInput(f"{raw} is inside the version store")
        if must_exist:
            if not (self.root / rel).exists() and not (self.root / rel).is_symlink():
                raise NotFound(f"no such file: {raw}")
            real = Path(os.path.realpath(self.root / rel))
            if not real.is_relative_to(self._real_root):
                raise InvalidInput(f"{raw} points outside the project root {self.root}")
        if not rel.parts:
            if allow_root:
                return "."
            raise InvalidInput(f"{raw} is the project root, not a file")
        return rel.as_posix()

    def in_store(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path``, however it is named (symlinks followed), lies inside this
        store's folder or any ``.jupyter_mv`` folder."""
        absolute = Path(os.path.abspath(path))
        if absolute.is_relative_to(self.dir):
            return True
        real = Path(os.path.realpath(absolute))
        return real.is_relative_to(os.path.realpath(self.dir)) or STORE_DIRNAME in real.parts

    def path_of(self, rel: str) -> Path:
        return self.root / rel

    # -- snapshot --------------------------------------------------------------------------

    def snapshot(
        self,
        notebook: str | os.PathLike[str],
        files: Iterable[str | os.PathLike[str]] = (),
        *,
        message: str = "",
        environment: dict[str, Any] | str | None = None,
        metrics: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        inputs: Iterable[str | os.PathLike[str]] = (),
        outputs: Iterable[str | os.PathLike[str]] = (),
        hash_only: Iterable[str | os.PathLike[str]] = (),
        kind: str = "full",
        git: dict[str, Any] | None | str = None,
        extra: dict[str, Any] | None = None,
        progress: Progress = null_progress,
    ) -> Version:
        """Store a new version of ``notebook`` with its files.

        :param notebook: the ``.ipynb`` file, as saved on disk.
        :param files: further files or folders to hold (role ``tracked``).
        :param inputs: files the notebook read (role ``input``).
        :param outputs: files the notebook wrote, such as models (role ``output``).
        :param hash_only: files to record by hash and size only (too large to store).
        :param environment: a dict from :func:`jupyter_mv.capture.capture_environment`,
            ``"auto"`` for this interpreter (cached while its packages and the variables a
            capture records do not change),
            a path to another interpreter, or None.
        :param git: a dict from :func:`jupyter_mv.capture.capture_git`, ``"auto"``, or None.
        :param kind: ``full``, ``light`` (the notebook only, at a save) or ``safety``.
        :raises NotFound: a file is missing. :raises InvalidInput: a path outside the
            root, an unreadable file, a notebook that is not valid.
        """
        if kind not in ("full", "light", "safety"):
            raise InvalidInput(f"unknown version kind {kind!r}")
        if not isinstance(message, str) or len(message) > 10_000:
            raise InvalidInput("the message must be text of at most 10,000 characters")
        _check_utf8(message, "the message")
        metrics = _clean_values(metrics, "metric")
        params = _clean_values(params, "param")
        check_writable(self.dir)
        nb_rel = self.relpath(notebook)
        plan: dict[str, str] = {}
        for role, group in (("output", outputs), ("input", inputs), ("tracked", files)):
            for item in group:
                for rel in self._expand(item):
                    plan.setdefault(rel, role)
        plan[nb_rel] = "notebook"
        hashed_only = {self.relpath(p) for p in hash_only}
        for rel in hashed_only:
            plan.setdefault(rel, "input")
        started_ns = time.time_ns()
        stats = {rel: self._stat(rel) for rel in plan}
        from ..capture.dvc import dvc_records

        dvc = dvc_records(self.root, [rel for rel, role in plan.items() if role != "notebook"])
        cached = self._stat_cache_hits(stats)
        # A safety copy keeps the files as they are, a notebook that no longer parses too:
        # restoring a good version over a broken one is what restore is for.
        if nb_rel not in cached and kind != "safety":
            _check_notebook(self.path_of(nb_rel), nb_rel)

        env_hash = None
        env_data = None
        if isinstance(environment, dict):
            env_data = environment
        elif environment is not None:
            env_hash, env_data = self._environment_for(None if environment == "auto" else str(environment))
        if git == "auto":
            from ..capture.git import capture_git

            git = capture_git(self.root)
        if git is not None and not isinstance(git, dict):
            raise InvalidInput("git must be a dict, 'auto' or None")
        # What was captured (git state, the kernel's record, DVC's) holds no credential:
        # every URL in it goes through the one cleaning the environment capture uses.
        from ..capture.environment import strip_credentials

        git = strip_credentials(git)
        extra = strip_credentials(extra or {})
        dvc = strip_credentials(dvc)

        with store_lock(self.dir / "lock"):
            ingest = Ingest(self.db, self.dir, self._workers())
            try:
                # A file the stat cache vouches for is read again when its stored copy lies
                # in a damaged pack: the new version must not lean on chunks that are gone.
                unsound = ingest.unsound(set(cached.values())) if cached else set()
                for rel in [r for r, digest in cached.items() if digest in unsound]:
                    del cached[rel]
                    if rel == nb_rel and kind != "safety":
                        _check_notebook(self.path_of(nb_rel), nb_rel)
                to_read = [r for r in plan if r not in cached and r not in hashed_only]
                total = sum(stats[r].st_size for r in to_read)
                objects: dict[str, StoredFile | bytes] = {}
                with progress("snapshot", total, "B") as update:
                    ingest.progress = update
                    for rel in to_read:
                        objects[rel] = self._ingest(ingest, rel)
                for rel in hashed_only:
                    objects[rel] = _hash_file(self.path_of(rel))
                ingest.seal()
                with self._db_lock, schema.transaction(self.db):
                    version = self._commit(
                        ingest, nb_rel, plan, stats, cached, objects, hashed_only,
                        kind=kind, message=message, metrics=metrics, params=params, dvc=dvc,
                        env_hash=env_hash, env_data=env_data, git=git, extra=extra or {},
                        started_ns=started_ns,
                    )
            except BaseException:
                ingest.abort()
                raise
        repairs = ingest.repairs()
        for line in repairs:
            _log.warning("%s", line)
        return dataclasses.replace(version, warnings=tuple(repairs)) if repairs else version

    def _ingest(self, ingest: Ingest, rel: str) -> StoredFile:
        try:
            return ingest.add_file(self.path_of(rel))
        except PermissionError:
            raise InvalidInput(f"cannot read {rel}: permission denied") from None
        except IsADirectoryError:
            raise InvalidInput(f"{rel} is a folder") from None
        except OSError as exc:
            raise InvalidInput(f"cannot read {rel}: {exc.strerror or exc}") from None

    def _commit(self, ingest: Ingest, nb_rel: str, plan: dict[str, str], stats: dict[str, os.stat_result],
                cached: dict[str, bytes], objects: dict[str, StoredFile | bytes], hashed_only: set[str], *,
                kind: str, message: str, metrics: dict[str, Any], params: dict[str, Any],
                dvc: dict[str, dict[str, Any]], env_hash: str | None, env_data: dict[str, Any] | None,
                git: dict[str, Any] | None,
                extra: dict[str, Any], started_ns: int) -> Version:
        db = self.db
        ingest.index()
        if env_data is not None:
            env_hash = self._put_environment(env_data)
        if kind == "light":  # v3.2: numbered apart, so full versions stay v1, v2, v3...
            from .history import light_numbering

            placeholder, number, sub, parent = light_numbering(db, nb_rel)
        else:
            parent_row = db.execute(
                "SELECT id, number FROM versions WHERE notebook = ? AND number > 0 ORDER BY number DESC LIMIT 1",
                [nb_rel],
            ).fetchone()
            number = parent_row[1] + 1 if parent_row else 1
            parent = parent_row[0] if parent_row else None
            placeholder, sub = number, 0
        author = _author()
        created = time.time()
        files = []
        for rel, role in sorted(plan.items()):
            st = stats[rel]
            obj = objects.get(rel)
            digest = cached[rel] if rel in cached else (obj.hash if isinstance(obj, StoredFile) else obj)
            assert isinstance(digest, bytes)
            files.append(FileEntry(rel, role, digest.hex(), st.st_size, stat.S_IMODE(st.st_mode),
                                   rel not in hashed_only, dvc.get(rel)))
        manifest = {
            "notebook": nb_rel, "parent": parent, "kind": kind, "message": message, "author": author,
            "created": created, "environment": env_hash, "git": git, "metrics": metrics, "params": params,
            "files": [[f.path, f.role, f.hash, f.size] for f in files],
        }
        vid = blake3.blake3(json.dumps(manifest, sort_keys=True, default=str).encode()).hexdigest()
        db["versions"].insert({
            "id": vid, "notebook": nb_rel, "number": placeholder, "parent": parent, "kind": kind,
            "base": number if kind == "light" else None, "sub": sub,
            "message": message, "author": author, "created": created, "environment": env_hash,
            "git": json.dumps(git) if git is not None else None, "metrics": json.dumps(metrics),
            "params": json.dumps(params), "extra": json.dumps(extra, default=str),
        })
        schema.insert_rows(db, "version_files", [
            {"version": vid, "path": f.path, "role": f.role, "hash": bytes.fromhex(f.hash), "size": f.size,
             "mode": f.mode, "stored": int(f.stored), "dvc": json.dumps(f.dvc) if f.dvc else None} for f in files
        ])
        cache_rows = []
        for rel, obj in objects.items():
            st = stats[rel]
            if isinstance(obj, StoredFile) and st.st_mtime_ns < started_ns - RACY_NS and obj.size == st.st_size:
                cache_rows.append({"path": rel, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                                   "ctime_ns": st.st_ctime_ns, "inode": st.st_ino, "hash": obj.hash})
        if cache_rows:
            db["stat_cache"].upsert_all(cache_rows, pk="path")
        return Version(vid, nb_rel, number, parent, kind, message, author, created, env_hash, git,
                       metrics, params, extra, tuple(files), sub=sub)

    def _expand(self, item: str | os.PathLike[str]) -> Iterator[str]:
        rel = self.relpath(item, allow_root=True)
        path = self.path_of(rel)
        if not path.is_dir():
            yield rel
            return
        for folder, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
            for name in sorted(names):
                # a symlink into the store is left out of a folder, never followed into it
                if not self.in_store(os.path.join(folder, name)):
                    yield self.relpath(os.path.join(folder, name))

    def _stat(self, rel: str) -> os.stat_result:
        path = self.path_of(rel)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise NotFound(f"no such file: {rel}") from None
        except OSError as exc:
            raise InvalidInput(f"cannot read {rel}: {exc.strerror or exc}") from None
        if not stat.S_ISREG(st.st_mode):
            raise InvalidInput(f"{rel} is not a regular file")
        if not os.access(path, os.R_OK):
            raise InvalidInput(f"cannot read {rel}: permission denied")
        return st

    def _stat_cache_hits(self, stats: dict[str, os.stat_result]) -> dict[str, bytes]:
        """Files whose size, mtime, ctime and inode match the cache and whose object is stored."""
        hits: dict[str, bytes] = {}
        paths = list(stats)
        for i in range(0, len(paths), 500):
            batch = paths[i : i + 500]
            rows = self.db.execute(
                "SELECT s.path, s.size, s.mtime_ns, s.ctime_ns, s.inode, s.hash FROM stat_cache s "
                f"JOIN objects o ON o.hash = s.hash WHERE s.path IN ({','.join('?' * len(batch))})",
                batch,
            ).fetchall()
            for path, size, mtime_ns, ctime_ns, inode, digest in rows:
                st = stats[path]
                if (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) == (size, mtime_ns, ctime_ns, inode):
                    hits[path] = digest
        return hits

    def _workers(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2)),
                                            thread_name_prefix="jupyter-mv")
        return self._pool

    # -- environments ----------------------------------------------------------------------

    def _put_environment(self, data: dict[str, Any]) -> str:
        from ..capture.environment import strip_credentials

        body = json.dumps(strip_credentials(data), sort_keys=True, default=str)
        digest = blake3.blake3(body.encode()).hexdigest()
        self.db.execute(
            "INSERT OR IGNORE INTO environments (hash, data, created) VALUES (?, ?, ?)", [digest, body, time.time()]
        )
        return digest

    def _environment_for(self, python: str | None) -> tuple[str | None, dict[str, Any] | None]:
        """The environment of ``python`` (this interpreter when None): the cached hash while
        its packages' folders and the captured environment variables are unchanged, else
        a fresh capture to store. The variables are this process's: those the capture
        records (and another interpreter is run with)."""
        from ..capture.environment import capture_environment, environment_fingerprint

        # Keyed by the path as given, symlinks kept: two venvs of one base Python share the
        # real executable but not their packages (and each has its own pyvenv.cfg).
        exe = python or sys.executable
        if os.sep not in exe:
            exe = shutil.which(exe) or exe
        exe = os.path.abspath(exe)
        environ = dict(os.environ)
        row = self.db.execute(
            "SELECT c.fingerprint, c.env, e.data FROM env_cache c JOIN environments e ON e.hash = c.env "
            "WHERE c.python = ?", [exe]
        ).fetchone()
        if row is not None:
            paths = json.loads(row[2]).get("paths", [])
            if environment_fingerprint(exe, paths, env=environ) == row[0]:
                return row[1], None
        data = capture_environment(python, env=environ)
        fingerprint = environment_fingerprint(exe, data.get("paths", []), env=environ)
        with self._db_lock, schema.transaction(self.db):
            digest = self._put_environment(data)
            self.db["env_cache"].upsert({"python": exe, "fingerprint": fingerprint, "env": digest}, pk="python")
        return digest, None

    def environment(self, version: Version | str) -> dict[str, Any] | None:
        """The environment a version recorded, or None."""
        digest = version.environment if isinstance(version, Version) else version
        if digest is None:
            return None
        row = self.db.execute("SELECT data FROM environments WHERE hash = ?", [digest]).fetchone()
        return json.loads(row[0]) if row else None

    def current_environment(self, python: str | None = None) -> dict[str, Any]:
        """The environment of ``python`` now (through the same cache snapshots use)."""
        digest, _ = self._environment_for(python)
        env = self.environment(digest)
        assert env is not None
        return env

    # -- reading ---------------------------------------------------------------------------

    def _rows_to_versions(self, rows: Sequence[sqlite_utils.db.Row | tuple]) -> list[Version]:
        if not rows:
            return []
        ids = [r[0] for r in rows]
        marks = ",".join("?" * len(ids))
        files: dict[str, list[FileEntry]] = {i: [] for i in ids}
        for vid, path, role, digest, size, mode, stored, dvc in self.db.execute(
            f"SELECT version, path, role, hash, size, mode, stored, dvc FROM version_files WHERE version IN ({marks})",
            ids,
        ).fetchall():
            files[vid].append(FileEntry(path, role, digest.hex(), size, mode, bool(stored),
                                        json.loads(dvc) if dvc else None))
        tags: dict[str, list[str]] = {i: [] for i in ids}
        for name, vid in self.db.execute(
            f"SELECT name, version FROM tags WHERE version IN ({marks}) ORDER BY created", ids
        ).fetchall():
            tags[vid].append(name)
        aliases: dict[str, list[str]] = {i: [] for i in ids}
        for name, vid in self.db.execute(
            f"SELECT name, version FROM aliases WHERE version IN ({marks}) ORDER BY name", ids
        ).fetchall():
            aliases[vid].append(name)
        out = []
        for vid, nb, number, parent, kind, message, author, created, env, git, metrics, params, extra, sub in rows:
            role_order = {r: i for i, r in enumerate(ROLES)}
            fs = sorted(files[vid], key=lambda f: (role_order.get(f.role, 9), f.path))
            out.append(Version(vid, nb, number, parent, kind, message, author, created, env,
                               json.loads(git) if git else None, json.loads(metrics), json.loads(params),
                               json.loads(extra), tuple(fs), tuple(tags[vid]), tuple(aliases[vid]), sub))
        return out

    _COLUMNS = ("id, notebook, coalesce(base, number), parent, kind, message, author, created, environment, git, "
                "metrics, params, extra, sub")

    def log(self, notebook: str | os.PathLike[str] | None = None, *, limit: int | None = None,
            offset: int = 0, kinds: Sequence[str] | None = None) -> list[Version]:
        """Versions, newest first; of one notebook when given.

        :param limit: at most this many (for paging). :param kinds: e.g. ``["full", "safety"]``.
        """
        where, args = self._scope(notebook, kinds)
        sql = f"SELECT {self._COLUMNS} FROM versions {where} ORDER BY created DESC, number DESC"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [int(limit), int(offset)]
        return self._rows_to_versions(self.db.execute(sql, args).fetchall())

    def count(self, notebook: str | os.PathLike[str] | None = None, *, kinds: Sequence[str] | None = None) -> int:
        where, args = self._scope(notebook, kinds)
        return self.db.execute(f"SELECT count(*) FROM versions {where}", args).fetchone()[0]

    def _scope(self, notebook: str | os.PathLike[str] | None, kinds: Sequence[str] | None) -> tuple[str, list]:
        clauses, args = [], []
        if notebook is not None:
            clauses.append("notebook = ?")
            args.append(self._notebook_key(notebook))
        if kinds:
            clauses.append(f"kind IN ({','.join('?' * len(kinds))})")
            args += list(kinds)
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", args

    def _notebook_key(self, notebook: str | os.PathLike[str]) -> str:
        raw = os.fspath(notebook)
        if not _is_utf8(raw):  # no version can have it: relpath says why
            return self.relpath(raw, must_exist=False)
        known = self.db.execute("SELECT 1 FROM versions WHERE notebook = ? LIMIT 1", [raw]).fetchone()
        return raw if known else self.relpath(raw, must_exist=False)

    def notebooks(self) -> list[str]:
        """Every notebook that has versions, relative to the root."""
        return [r[0] for r in self.db.execute("SELECT DISTINCT notebook FROM versions ORDER BY notebook")]

    def get(self, version_id: str) -> Version:
        rows = self.db.execute(f"SELECT {self._COLUMNS} FROM versions WHERE id = ?", [version_id]).fetchall()
        if not rows:
            raise NotFound(f"no version {version_id[:12]}")
        return self._rows_to_versions(rows)[0]

    def resolve(self, ref: str | Version, notebook: str | os.PathLike[str] | None = None) -> Version:
        """The version a ref names: ``v3``, ``latest~1``, a tag, an alias, an id prefix,
        or ``NOTEBOOK@v3``. ``notebook`` scopes ``vN`` and ``latest``.

        :raises NotFound: nothing by that name. :raises InvalidInput: an ambiguous ref.
        """
        if isinstance(ref, Version):
            return ref
        parsed = parse_ref(ref)
        nb = parsed.notebook if parsed.notebook is not None else notebook
        key = self._notebook_key(nb) if nb is not None else None
        if parsed.number is not None or parsed.back is not None:
            if key is None:
                books = self.notebooks()
                if len(books) > 1 and parsed.number is not None:
                    raise InvalidInput(f"{ref} is ambiguous: several notebooks have versions; "
                                       f"name one, e.g. {books[0]}@{ref}")
                key = books[0] if len(books) == 1 else None
            if parsed.sub:
                row = self.db.execute(f"SELECT {self._COLUMNS} FROM versions WHERE notebook = ? AND base = ? "
                                      "AND sub = ?", [key, parsed.number, parsed.sub]).fetchone()
            elif parsed.number is not None:
                row = self.db.execute(f"SELECT {self._COLUMNS} FROM versions WHERE notebook = ? AND number = ?",
                                      [key, parsed.number]).fetchone()
            else:  # latest~K counts snapshots, not the saves between them
                where, args = self._scope(key, ["full", "safety"])
                row = self.db.execute(
                    f"SELECT {self._COLUMNS} FROM versions {where} ORDER BY created DESC, number DESC "
                    "LIMIT 1 OFFSET ?", [*args, parsed.back]).fetchone()
            if row is None:
                raise NotFound(f"no version {ref}" + (f" of {key}" if key and parsed.notebook is None else ""))
            return self._rows_to_versions([row])[0]
        name = parsed.name or ""
        for table in ("tags", "aliases"):
            hit = self.db.execute(f"SELECT version FROM {table} WHERE name = ?", [name]).fetchone()
            if hit:
                version = self.get(hit[0])
                if key is not None and version.notebook != key:
                    raise NotFound(f"{name} names a version of {version.notebook}, not of {key}")
                return version
        lowered = name.lower()
        if len(lowered) >= 4 and all(c in "0123456789abcdef" for c in lowered):
            where = "id >= ? AND id < ?" + (" AND notebook = ?" if key else "")
            args = [lowered, lowered + "g"] + ([key] if key else [])
            rows = self.db.execute(f"SELECT {self._COLUMNS} FROM versions WHERE {where} LIMIT 2", args).fetchall()
            if len(rows) > 1:
                raise InvalidInput(f"version id prefix {name} is ambiguous; give more digits")
            if rows:
                return self._rows_to_versions(rows)[0]
        raise NotFound(f"unknown ref {ref!r}: not a version number, tag, alias or version id")

    def read_file(self, version: Version | str, path: str, *, notebook: str | None = None) -> bytes:
        """The bytes a version holds for ``path`` (checked against its hash)."""
        v = self.resolve(version, notebook)
        entry = v.file(path) or v.file(self.relpath(path, must_exist=False))
        if entry is None:
            raise NotFound(f"{v.label} holds no file {path}")
        if not entry.stored:
            raise NotFound(f"{entry.path} was recorded by hash only in {v.label}; its bytes are not stored")
        return b"".join(self._iter_object(bytes.fromhex(entry.hash), entry.path))

    def _iter_object(self, digest: bytes, label: str, reader: PackReader | None = None) -> Iterator[bytes]:
        row = self.db.execute("SELECT size, chunks FROM objects WHERE hash = ?", [digest]).fetchone()
        if row is None:
            raise MVIntegrity(f"the content of {label} ({digest.hex()[:16]}) is missing from the store")
        size, chunk_list = row
        digests = [chunk_list[i : i + 32] for i in range(0, len(chunk_list), 32)]
        locations = {}
        lazy = set()
        for i in range(0, len(digests), 900):
            batch = digests[i : i + 900]
            for h, pack, offset, length, csize, codec, remote in self.db.execute(
                "SELECT c.hash, p.name, c.offset, c.length, c.size, c.codec, p.remote FROM chunks c "
                f"JOIN packs p ON p.id = c.pack WHERE c.hash IN ({','.join('?' * len(batch))})", batch
            ).fetchall():
                locations[h] = (pack, offset, length, csize, codec)
                if remote is not None:
                    lazy.add(pack)
        if lazy:  # a lazy pull left these packs on their remote: fetch them now
            from ..remote import fetch_packs

            fetch_packs(self, sorted(lazy), locked=reader is not None)
        own = reader is None
        reader = reader or PackReader(self.dir)
        try:
            hasher = blake3.blake3()
            for d in digests:
                loc = locations.get(d)
                if loc is None:
                    raise MVIntegrity(f"chunk {d.hex()[:16]} of {label} is missing from the store")
                data = reader.read(loc[0], d, *loc[1:])
                hasher.update(data)
                yield data
            if hasher.digest() != digest:
                raise MVIntegrity(f"the content of {label} does not match its hash {digest.hex()[:16]}")
        finally:
            if own:
                reader.close()

    def diff(self, a: str | Version, b: str | Version | None = None, *, notebook: str | None = None,
             only: Any = None, include_metadata: bool = False) -> dict[str, Any]:
        """Compare two versions, or a version with the files on disk (``b`` None), in the
        one diff format (docs/diff-format.md). ``only``: notebook, env, data, metrics."""
        from .diffing import diff_refs

        return diff_refs(self, a, b, notebook=notebook, only=only, include_metadata=include_metadata)

    # -- names -----------------------------------------------------------------------------

    def tag(self, ref: str | Version, name: str, *, notebook: str | None = None) -> Version:
        """Give a version an immutable name. :raises Conflict: the tag exists."""
        check_name(name, "tag")
        version = self.resolve(ref, notebook)
        with self._db_lock, schema.transaction(self.db):
            if self.db.execute("SELECT 1 FROM aliases WHERE name = ?", [name]).fetchone():
                raise Conflict(f"{name} is already an alias; tags and aliases share one namespace")
            existing = self.db.execute("SELECT version FROM tags WHERE name = ?", [name]).fetchone()
            if existing:
                other = self.get(existing[0])
                raise Conflict(f"tag {name} already exists (on {other.label}); tags never move, use an alias")
            self.db.execute("INSERT INTO tags (name, version, created) VALUES (?, ?, ?)",
                            [name, version.id, time.time()])
        return self.get(version.id)

    def alias(self, name: str, ref: str | Version, *, notebook: str | None = None) -> Version:
        """Point a movable name at a version; the move is kept in the alias's history."""
        check_name(name, "alias")
        version = self.resolve(ref, notebook)
        now = time.time()
        with self._db_lock, schema.transaction(self.db):
            if self.db.execute("SELECT 1 FROM tags WHERE name = ?", [name]).fetchone():
                raise Conflict(f"{name} is already a tag; tags and aliases share one namespace")
            prev = self.db.execute("SELECT version FROM aliases WHERE name = ?", [name]).fetchone()
            self.db.execute(
                "INSERT INTO aliases (name, version, updated) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET version = excluded.version, updated = excluded.updated",
                [name, version.id, now],
            )
            self.db.execute("INSERT INTO alias_history (name, version, previous, set_at) VALUES (?, ?, ?, ?)",
                            [name, version.id, prev[0] if prev else None, now])
        return self.get(version.id)

    def alias_history(self, name: str) -> list[dict[str, Any]]:
        """Where an alias pointed, newest first."""
        from .model import iso_time

        rows = self.db.execute(
            "SELECT version, previous, set_at FROM alias_history WHERE name = ? ORDER BY id DESC", [name]
        ).fetchall()
        if not rows:
            raise NotFound(f"no alias {name}")
        return [{"version": v, "previous": p, "set_at": iso_time(t)} for v, p, t in rows]

    # -- remotes ---------------------------------------------------------------------------

    def remote_add(self, name: str, url: str) -> dict[str, str]:
        """Remember a remote (``s3://bucket/prefix``, ``sftp://host/path``, ``file:///folder``
        or a folder path) under ``name``; nothing is contacted. Credentials are never stored.

        :raises InvalidInput: a bad name or URL, or one holding a password.
        :raises Conflict: a remote of that name exists.
        """
        from ..remote import add_remote

        self._check_remote_location(url)
        return add_remote(self, name, url)

    def _check_remote_location(self, url: str) -> None:
        """:raises InvalidInput: ``url`` is a folder that is this store, lies inside it,
        or holds it (a push would write the remote's layout into the store or the project)."""
        from ..remote.backend import normalize_url

        normal = normalize_url(url)
        if not normal.startswith("file://"):
            return
        folder = Path(os.path.realpath(normal[len("file://"):]))
        store = Path(os.path.realpath(self.dir))
        if folder.is_relative_to(store) or store.is_relative_to(folder):
            raise InvalidInput("a remote cannot be the version store, a folder inside it, or a folder that holds it: "
                               "choose a folder outside the project")

    def _remote_checked(self, name: str | None) -> None:
        from ..remote.admin import remote_url

        self._check_remote_location(remote_url(self, name)[1])

    def remote_remove(self, name: str) -> None:
        """Forget a remote. :raises NotFound: no such remote."""
        from ..remote import remove_remote

        remove_remote(self, name)

    def remotes(self) -> list[dict[str, Any]]:
        """Every remote as ``{"name", "url", "default"}``; the oldest is the default."""
        from ..remote import list_remotes

        return list_remotes(self)

    def push(self, remote: str | None = None, refs: Sequence[str] | None = None, *, force: bool = False,
             progress: Progress = null_progress) -> dict[str, Any]:
        """Send the versions (all, or those ``refs`` name), their packs, tags and aliases
        that the remote lacks: packs first, then the versions' records, then names.

        :returns: ``{"remote", "versions", "packs", "bytes", "skipped"}``: versions and
            packs sent, bytes sent, versions that were there already.
        :raises Conflict: a tag points elsewhere on the remote, or an alias moved there
            since this store last saw it (unless ``force``).
        """
        from ..remote import push

        self._remote_checked(remote)
        return push(self, remote, refs, force=force, progress=progress)

    def pull(self, remote: str | None = None, notebooks: Sequence[str] | None = None, *, all: bool = False,
             progress: Progress = null_progress) -> dict[str, Any]:
        """Bring in the remote's versions (of ``notebooks`` when given) with their tags and
        aliases. Their packs stay on the remote until a read needs them, unless ``all``.

        :returns: ``{"remote", "versions", "packs", "bytes", "conflicts"}``: versions new
            here, packs fetched, bytes received, names left as they are here.
        """
        from ..remote import pull

        self._remote_checked(remote)
        return pull(self, remote, notebooks, all=all, progress=progress)

    def remote_state(self, version_ids: Sequence[str]) -> dict[str, list[str]]:
        """For each version id, the remotes it is known to be on (empty: local only)."""
        from ..remote import remote_state

        return remote_state(self, version_ids)

    # -- models ----------------------------------------------------------------------------

    def save_model(self, name: str, artifact: str | os.PathLike[str], *, flavor: str,
                   version: str | None = None, metrics: dict[str, Any] | None = None,
                   params: dict[str, Any] | None = None, extra: dict[str, Any] | None = None,
                   alias: str | None = None) -> ModelVersion:
        """Store a serialized model file as the next version of model ``name``
        (see :func:`jupyter_mv.store.models.save_model`)."""
        return _models().save_model(self, name, artifact, flavor=flavor, version=version, metrics=metrics,
                                    params=params, extra=extra, alias=alias)

    def save_object(self, name: str, obj: Any, *, flavor: str | None = None, **kwargs: Any) -> ModelVersion:
        """Serialize ``obj`` in its framework's format and store it as model ``name``."""
        return _models().save_object(self, name, obj, flavor=flavor, **kwargs)

    def load_object(self, ref: str | ModelVersion) -> tuple[Any, ModelVersion]:
        """The object a model version (``churn``, ``churn:3``, ``churn@production``) holds."""
        return _models().load_object(self, ref)

    def model(self, ref: str) -> ModelVersion:
        """The model version ``ref`` names."""
        return _models().get_model(self, ref)

    def models(self, name: str | None = None, *, version: str | None = None) -> list[ModelVersion]:
        """Registered model versions: all, one model's, or those a notebook version made."""
        return _models().list_models(self, name, version=version)

    def model_alias(self, ref: str, alias: str) -> ModelVersion:
        """Point a model alias (such as ``production``) at the model version ``ref`` names."""
        return _models().set_model_alias(self, ref, alias)

    def model_alias_history(self, name: str, alias: str) -> list[dict[str, Any]]:
        return _models().model_alias_history(self, name, alias)

    def export_model(self, ref: str | ModelVersion, dest: str | os.PathLike[str]) -> ModelVersion:
        """Write a model version's artifact to ``dest``, checked against its hash."""
        return _models().export_model(self, ref, dest)

    # -- restore ---------------------------------------------------------------------------

    def restore(self, ref: str | Version, paths: Sequence[str] | None = None, *,
                to: str | os.PathLike[str] | None = None, notebook: str | None = None,
                force: bool = False, progress: Progress = null_progress) -> RestoreResult:
        """Write a version's files back, byte for byte.

        In place (``to`` None), a file that would be overwritten with other content is
        first kept in a *safety* version, so nothing is lost. With ``to``, files go under
        that folder; an existing different file outside the project is refused unless
        ``force``. All files are written to temporary names first and moved into place
        only when every one was read back intact.

        :param paths: restore only these of the version's files (default: all it stored).
        """
        version = self.resolve(ref, notebook)
        entries = self._select_entries(version, paths)
        skipped = tuple(e.path for e in version.files if not e.stored and (paths is None))
        base = Path(os.path.abspath(to)) if to is not None else self.root
        targets = {e.path: base / e.path for e in entries}
        for e in entries:
            target = targets[e.path]
            if not target.resolve().is_relative_to(base.resolve()):
                raise InvalidInput(f"{e.path} would be written outside {base}")
            if target.is_relative_to(self.dir) or Path(os.path.realpath(target)).is_relative_to(self.dir.resolve()):
                raise InvalidInput(f"refusing to write {e.path} into the version store")
        changed, unchanged = [], []
        for e in entries:
            current = _current_hash(targets[e.path])
            (unchanged if current == e.hash else changed).append(e)
        safety = None
        inside = [e for e in changed if targets[e.path].exists() and self._inside_root(targets[e.path])]
        outside = [e for e in changed if targets[e.path].exists() and not self._inside_root(targets[e.path])]
        if outside and not force:
            raise Conflict(f"{targets[outside[0].path]} exists and differs; remove it or restore with force")
        if inside:
            nb_path = self.path_of(version.notebook)
            keep = [targets[e.path] for e in inside if targets[e.path] != nb_path]
            safety_nb = nb_path if _is_notebook(nb_path) else None
            if safety_nb is None and inside:
                safety_nb = next((targets[e.path] for e in inside if _is_notebook(targets[e.path])), None)
            if safety_nb is not None:
                safety = self.snapshot(safety_nb, keep, kind="safety",
                                       message=f"Safety copy before restoring {version.label} ({version.short_id})")
            else:
                raise Conflict("cannot keep a safety copy of the files to overwrite; restore with `to` instead")
        temps = [(targets[e.path].parent / f".{targets[e.path].name}.mv-{uuid.uuid4().hex[:8]}.tmp", targets[e.path])
                 for e in changed]
        # A journal of the temporary files, so that a restore killed half-way leaves no
        # stray files in the user's folders: the next open removes what it lists.
        journal = self.dir / "tmp" / f"restore-{uuid.uuid4().hex}.json"
        try:
            with store_lock(self.dir / "lock"), PackReader(self.dir) as reader:
                if temps:
                    try:
                        with writing(self.dir):
                            journal.write_text(json.dumps([str(t) for t, _ in temps]))
                    except StoreReadOnly:  # a read-only store restoring elsewhere: no journal
                        pass
                total = sum(e.size for e in changed)
                with progress("restore", total, "B") as update:
                    for e, (tmp, target) in zip(changed, temps):
                        target.parent.mkdir(parents=True, exist_ok=True)
                        with open(tmp, "xb") as out:
                            for data in self._iter_object(bytes.fromhex(e.hash), e.path, reader):
                                out.write(data)
                                update(len(data))
                            out.flush()
                            os.fsync(out.fileno())
                        os.chmod(tmp, e.mode or 0o644)
                for tmp, target in temps:
                    if target.is_symlink():
                        target.unlink()
                    os.replace(tmp, target)
                temps.clear()
        finally:
            for tmp, _ in temps:
                tmp.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                journal.unlink(missing_ok=True)
        return RestoreResult(version, tuple(e.path for e in changed), tuple(e.path for e in unchanged),
                             skipped, safety)

    def _inside_root(self, path: Path) -> bool:
        return Path(os.path.abspath(path)).is_relative_to(self.root)

    def _select_entries(self, version: Version, paths: Sequence[str] | None) -> list[FileEntry]:
        if paths is None:
            return [e for e in version.files if e.stored]
        out = []
        for p in paths:
            entry = version.file(p) or version.file(self.relpath(p, must_exist=False))
            if entry is None:
                raise NotFound(f"{version.label} holds no file {p}")
            if not entry.stored:
                raise NotFound(f"{entry.path} was recorded by hash only in {version.label}; it cannot be restored")
            out.append(entry)
        return out

    # -- maintenance -----------------------------------------------------------------------

    def verify(self, *, progress: Progress = null_progress) -> VerifyReport:
        """Re-hash every stored chunk; name damaged chunks, the files they belong to,
        and the versions that hold those files."""
        from .maintenance import verify

        with store_lock(self.dir / "lock"):
            return verify(self, progress)

    def gc(self, *, grace_seconds: float = 24 * 3600, dry_run: bool = False,
           progress: Progress = null_progress) -> GcReport:
        """Drop what no version references and is older than ``grace_seconds``, by repacking."""
        from .maintenance import gc

        with store_lock(self.dir / "lock", exclusive=True, wait=10):
            return gc(self, grace_seconds, dry_run, progress)

    def _clean_tmp(self) -> None:
        """Remove what interrupted writers left in ``tmp/`` (only when no writer runs)."""
        tmp = self.dir / "tmp"
        try:
            if not any(tmp.iterdir()):
                return
        except FileNotFoundError:
            tmp.mkdir(parents=True, exist_ok=True)
            return
        try:
            fd = try_exclusive(self.dir / "lock")
        except StoreReadOnly:  # a read-only store: its leftovers stay, harmless, until it is writable
            return
        if fd is None:
            return
        try:
            for leftover in tmp.iterdir():
                if leftover.name.startswith("restore-") and leftover.suffix == ".json":
                    _remove_restore_temps(leftover)
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)
        except OSError:  # the folder is read-only, or a file vanished: cleaning is best effort
            pass
        finally:
            os.close(fd)

    def stats(self) -> dict[str, Any]:
        """Counts and sizes: versions, files, chunks, bytes stored and their raw size."""
        q = self.db.execute
        packs_size = q("SELECT coalesce(sum(size), 0) FROM packs").fetchone()[0]
        chunks, raw, stored = q(
            "SELECT count(*), coalesce(sum(size), 0), coalesce(sum(length), 0) FROM chunks"
        ).fetchone()
        return {"versions": q("SELECT count(*) FROM versions").fetchone()[0],
                "notebooks": q("SELECT count(DISTINCT notebook) FROM versions").fetchone()[0],
                "objects": q("SELECT count(*) FROM objects").fetchone()[0],
                "chunks": chunks, "chunk_bytes": raw, "stored_bytes": stored, "pack_bytes": packs_size}


def _check_notebook(path: Path, rel: str) -> None:
    """Refuse (one line) a file that is not a notebook nbformat can read.

    The notebook reader's check (:func:`jupyter_mv.diff.reader.check_notebook`): nbformat
    1 to 3 must upgrade through nbformat's converters, nbformat 4 (any minor) must
    hold a list of cells; not nbformat's full schema validation: a notebook a front
    end saved with odd metadata is still the user's work and is kept as it is.
    """
    from ..diff.reader import check_notebook

    check_notebook(path, rel)


_RESTORE_TEMP = re.compile(r"\..+\.mv-[0-9a-f]{8}\.tmp", re.DOTALL)


def _remove_restore_temps(journal: Path) -> None:
    """Remove the temporary files an interrupted restore listed (and only files named so)."""
    try:
        listed = json.loads(journal.read_text())
    except (OSError, ValueError):
        return
    for name in listed if isinstance(listed, list) else []:
        path = Path(str(name))
        if _RESTORE_TEMP.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)


def _is_notebook(path: Path) -> bool:
    return path.suffix == ".ipynb" and path.is_file()


def _current_hash(path: Path) -> str | None:
    if not path.is_file():
        return None
    return _hash_file(path).hex()


def _hash_file(path: Path) -> bytes:
    hasher = blake3.blake3()
    with open(path, "rb") as f:
        while block := f.read(8 * 1024 * 1024):
            hasher.update(block)
    return hasher.digest()


_author_cache: list[str] = []


def _author() -> str:
    if not _author_cache:
        name = os.environ.get("JUPYTER_MV_AUTHOR")
        if not name:
            try:
                name = getpass.getuser()
            except Exception:
                name = "unknown"
        _author_cache.append(name if _is_utf8(name) else shown_text(name))
    return _author_cache[0]


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_utf8(text: str, what: str) -> None:
    if not _is_utf8(text):
        raise InvalidInput(f"{what} is not UTF-8 text ({shown_text(text)}); the store keeps text as UTF-8")


def _clean_values(values: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """Metrics and params: short string keys, JSON scalar values; non-finite floats as text."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise InvalidInput(f"{what}s must be a mapping of names to values")
    out: dict[str, Any] = {}
    for key, value in values.items():
        if not isinstance(key, str) or not key.strip() or len(key) > 200:
            raise InvalidInput(f"{what} names must be non-empty text of at most 200 characters")
        _check_utf8(key, f"the {what} name")
        if isinstance(value, bool) or value is None or isinstance(value, str):
            out[key] = value
        elif isinstance(value, (int, float)) or hasattr(value, "item"):
            number = value.item() if hasattr(value, "item") else value
            if isinstance(number, float) and not math.isfinite(number):
                out[key] = str(number)
            else:
                out[key] = number
        else:
            raise InvalidInput(f"{what} {key} must be a number, text or boolean, not {type(value).__name__}")
        if isinstance(out[key], str) and len(out[key]) > 10_000:
            raise InvalidInput(f"{what} {key} is longer than 10,000 characters")
        if isinstance(out[key], str):
            _check_utf8(out[key], f"{what} {key}")
    return out


def _ignore_in_git(root: Path) -> None:
    """In a git work tree, add the store to ``.gitignore`` (once)."""
    if not (root / ".git").exists():
        return
    ignore = root / ".gitignore"
    lines = ignore.read_text().splitlines() if ignore.exists() else []
    if any(line.strip().strip("/") == STORE_DIRNAME for line in lines):
        return
    with open(ignore, "a") as f:
        if lines and lines[-1].strip():
            f.write("\n")
        f.write(f"{STORE_DIRNAME}/\n")
