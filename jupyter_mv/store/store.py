"""The version store façade: opening a store, its paths, and the verbs the faces call."""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, InvalidInput, NotFound, StoreNotFound, StoreReadOnly
from ..locate import ENV_VAR, STORE_DIRNAME, find_store_dir, project_root
from ..progress import Progress, null_progress
from . import environments, records, schema
from .failures import shown_text, writing
from .lock import store_lock, try_exclusive
from .records import COLUMNS
from .refs import check_name, parse_ref
from .versions import GcReport, RestoreResult, VerifyReport, Version

__all__ = ["Store", "STORE_DIRNAME", "ENV_VAR", "find_store_dir", "store_owner"]

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    from .packs import PackReader
    from .registry import Models
    from .remotes import Remotes


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

    The verbs are methods (``snapshot``, ``log``, ``resolve``, ``diff``, ``tag``,
    ``alias``, ``restore``, ``verify``, ``gc``); the parts are sub-objects, the way
    sqlite-utils' ``Database`` hands out tables: ``store.models`` (the model registry)
    and ``store.remotes`` (the remotes this store knows). The work is done in the
    modules beside this one: :mod:`.snapshot`, :mod:`.restore`, :mod:`.records` (the
    versions, files, tags and aliases tables), :mod:`.objects` (reading content),
    :mod:`.environments`, :mod:`.maintenance`.
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
        import uuid  # here, not at start-up: only a new store needs it

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

        :param create: when no store is found, create one at :func:`~jupyter_mv.locate.project_root`
            of ``path`` (its git work tree's root, else its folder).
        :raises StoreNotFound: no store, and ``create`` is false.
        """
        store_dir = find_store_dir(path)
        if store_dir is not None and (store_dir / "mv.db").is_file():
            return cls(store_dir)
        if create:
            return cls.init(project_root(path))
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
            raise InvalidInput(
                f"{shown_text(raw)} is not a UTF-8 file name; rename it to keep it in a version"
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

    # -- the parts: the model registry and the remotes (like sqlite-utils' db["table"]) ---------

    @functools.cached_property
    def models(self) -> Models:
        """The model registry (:class:`~jupyter_mv.store.registry.Models`): ``store.models.save(...)``,
        ``.get("churn@production")``, ``.list()``, ``.alias(...)``, ``.export(...)``..."""
        from .registry import Models

        return Models(self)

    @functools.cached_property
    def remotes(self) -> Remotes:
        """The remotes this store knows (:class:`~jupyter_mv.store.remotes.Remotes`):
        ``.list()``, ``.remove(name)``, ``.state(ids)``. Adding one, push and pull are
        :mod:`jupyter_mv.remote`'s (``add_remote(store, ...)``, ``push(store)``, ``pull(store)``)."""
        from .remotes import Remotes

        return Remotes(self)

    # -- snapshot and restore --------------------------------------------------------------

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
        """Store a new version of ``notebook`` with its files (:mod:`.snapshot`).

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
        from . import snapshot

        plan = snapshot.plan(
            self,
            notebook,
            files,
            message=message,
            environment=environment,
            metrics=metrics,
            params=params,
            inputs=inputs,
            outputs=outputs,
            hash_only=hash_only,
            kind=kind,
            git=git,
            extra=extra,
        )
        return snapshot.write(self, plan, progress)

    def restore(
        self,
        ref: str | Version,
        paths: Sequence[str] | None = None,
        *,
        to: str | os.PathLike[str] | None = None,
        notebook: str | None = None,
        force: bool = False,
        progress: Progress = null_progress,
    ) -> RestoreResult:
        """Write a version's files back, byte for byte (:mod:`.restore`).

        In place (``to`` None), a file that would be overwritten with other content is
        first kept in a *safety* version, so nothing is lost. With ``to``, files go under
        that folder; an existing different file outside the project is refused unless
        ``force``. All files are written to temporary names first and moved into place
        only when every one was read back intact.

        :param paths: restore only these of the version's files (default: all it stored).
        """
        from .restore import restore

        return restore(self, ref, paths, to=to, notebook=notebook, force=force, progress=progress)

    def _workers(self) -> ThreadPoolExecutor:
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(
                max_workers=max(2, min(4, os.cpu_count() or 2)), thread_name_prefix="jupyter-mv"
            )
        return self._pool

    # -- environments ----------------------------------------------------------------------

    def environment(self, version: Version | str) -> dict[str, Any] | None:
        """The environment a version recorded, or None."""
        return environments.get_environment(self.db, version.environment if isinstance(version, Version) else version)

    def current_environment(self, python: str | None = None) -> dict[str, Any]:
        """The environment of ``python`` now (through the same cache snapshots use)."""
        digest, _ = environments.environment_for(self, python)
        env = self.environment(digest)
        assert env is not None
        return env

    # -- reading ---------------------------------------------------------------------------

    def log(
        self,
        notebook: str | os.PathLike[str] | None = None,
        *,
        limit: int | None = None,
        offset: int = 0,
        kinds: Sequence[str] | None = None,
    ) -> list[Version]:
        """Versions, newest first; of one notebook when given.

        :param limit: at most this many (for paging). :param kinds: e.g. ``["full", "safety"]``.
        """
        where, args = self._scope(notebook, kinds)
        sql = f"SELECT {COLUMNS} FROM versions {where} ORDER BY created DESC, number DESC"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [int(limit), int(offset)]
        return records.rows_to_versions(self.db, self.db.execute(sql, args).fetchall())

    def count(self, notebook: str | os.PathLike[str] | None = None, *, kinds: Sequence[str] | None = None) -> int:
        where, args = self._scope(notebook, kinds)
        n: int = self.db.execute(f"SELECT count(*) FROM versions {where}", args).fetchone()[0]
        return n

    def _scope(self, notebook: str | os.PathLike[str] | None, kinds: Sequence[str] | None) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        if notebook is not None:
            clauses.append("notebook = ?")
            args.append(self._notebook_key(notebook))
        if kinds:
            clauses.append(f"kind IN ({','.join('?' * len(kinds))})")
            args += list(kinds)
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", args

    def _notebook_key(self, notebook: str | os.PathLike[str]) -> str:
        return records.notebook_key(self, notebook)

    def notebooks(self) -> list[str]:
        """Every notebook that has versions, relative to the root."""
        return [r[0] for r in self.db.execute("SELECT DISTINCT notebook FROM versions ORDER BY notebook")]

    def get(self, version_id: str) -> Version:
        """The version of id ``version_id``. :raises NotFound: none."""
        return records.get_version(self.db, version_id)

    def resolve(self, ref: str | Version, notebook: str | os.PathLike[str] | None = None) -> Version:
        """The version a ref names: ``v3``, ``latest~1``, a tag, an alias, an id prefix,
        or ``NOTEBOOK@v3``. ``notebook`` scopes ``vN`` and ``latest``.

        :raises NotFound: nothing by that name. :raises InvalidInput: an ambiguous ref.
        """
        if isinstance(ref, Version):
            return ref
        if isinstance(ref, str) and (":" in ref or "@" in ref) and (made := self._made_model(ref)) is not None:
            return made  # a model ref (churn:2, churn@production): the version that made it
        parsed = parse_ref(ref)
        nb = parsed.notebook if parsed.notebook is not None else notebook
        key = self._notebook_key(nb) if nb is not None else None
        if parsed.number is not None or parsed.back is not None:
            if key is None:
                books = self.notebooks()
                if len(books) > 1 and parsed.number is not None:
                    raise InvalidInput(
                        f"{ref} is ambiguous: several notebooks have versions; name one, e.g. {books[0]}@{ref}"
                    )
                key = books[0] if len(books) == 1 else None
            if parsed.sub:
                row = self.db.execute(
                    f"SELECT {COLUMNS} FROM versions WHERE notebook = ? AND base = ? AND sub = ?",
                    [key, parsed.number, parsed.sub],
                ).fetchone()
            elif parsed.number is not None:
                row = self.db.execute(
                    f"SELECT {COLUMNS} FROM versions WHERE notebook = ? AND number = ?", [key, parsed.number]
                ).fetchone()
            else:  # latest~K counts snapshots, not the saves between them
                where, args = self._scope(key, ["full", "safety"])
                row = self.db.execute(
                    f"SELECT {COLUMNS} FROM versions {where} ORDER BY created DESC, number DESC LIMIT 1 OFFSET ?",
                    [*args, parsed.back],
                ).fetchone()
            if row is None:
                raise NotFound(f"no version {ref}" + (f" of {key}" if key and parsed.notebook is None else ""))
            return records.rows_to_versions(self.db, [row])[0]
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
            rows = self.db.execute(f"SELECT {COLUMNS} FROM versions WHERE {where} LIMIT 2", args).fetchall()
            if len(rows) > 1:
                raise InvalidInput(f"version id prefix {name} is ambiguous; give more digits")
            if rows:
                return records.rows_to_versions(self.db, rows)[0]
        if (made := self._made_model(ref)) is not None:
            return made
        raise NotFound(f"unknown ref {ref!r}: not a version number, tag, alias, version id or model")

    def _made_model(self, ref: str) -> Version | None:
        """The notebook version that made the model ``ref`` names, if it names one."""
        from .registry import find_model, model_version_of

        model = find_model(self, ref)
        return model_version_of(self, model) if model is not None else None

    def read_file(self, version: Version | str, path: str, *, notebook: str | None = None) -> bytes:
        """The bytes a version holds for ``path`` (checked against its hash)."""
        v = self.resolve(version, notebook)
        entry = v.file(path) or v.file(self.relpath(path, must_exist=False))
        if entry is None:
            raise NotFound(f"{v.label} holds no file {path}")
        if not entry.stored:
            raise NotFound(f"{entry.path} was recorded by hash only in {v.label}; its bytes are not stored")
        return b"".join(self.iter_object(bytes.fromhex(entry.hash), entry.path))

    def iter_object(self, digest: bytes, label: str, reader: PackReader | None = None) -> Iterator[bytes]:
        """An object's content in chunks, checked against its hash (:func:`.objects.iter_object`)."""
        from .objects import iter_object

        return iter_object(self, digest, label, reader)

    def diff(
        self,
        a: str | Version,
        b: str | Version | None = None,
        *,
        notebook: str | None = None,
        only: Any = None,
        include_metadata: bool = False,
    ) -> dict[str, Any]:
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
            records.add_tag(self.db, name, version.id)
        return self.get(version.id)

    def alias(self, name: str, ref: str | Version, *, notebook: str | None = None) -> Version:
        """Point a movable name at a version; the move is kept in the alias's history."""
        check_name(name, "alias")
        version = self.resolve(ref, notebook)
        now = time.time()
        with self._db_lock, schema.transaction(self.db):
            records.set_alias(self.db, name, version.id, now)
        return self.get(version.id)

    def alias_history(self, name: str) -> list[dict[str, Any]]:
        """Where an alias pointed, newest first."""
        return records.alias_history(self.db, name)

    # -- maintenance -----------------------------------------------------------------------

    def verify(self, *, progress: Progress = null_progress) -> VerifyReport:
        """Re-hash every stored chunk; name damaged chunks, the files they belong to,
        and the versions that hold those files."""
        from .maintenance import verify

        with store_lock(self.dir / "lock"):
            return verify(self, progress)

    def gc(
        self, *, grace_seconds: float = 24 * 3600, dry_run: bool = False, progress: Progress = null_progress
    ) -> GcReport:
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
                    from .restore import remove_restore_temps

                    remove_restore_temps(leftover)
                if leftover.is_dir():
                    import shutil

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
        return {
            "versions": q("SELECT count(*) FROM versions").fetchone()[0],
            "notebooks": q("SELECT count(DISTINCT notebook) FROM versions").fetchone()[0],
            "objects": q("SELECT count(*) FROM objects").fetchone()[0],
            "chunks": chunks,
            "chunk_bytes": raw,
            "stored_bytes": stored,
            "pack_bytes": packs_size,
        }


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
