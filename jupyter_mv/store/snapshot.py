"""The snapshot write path: plan a version, read its files into chunks, commit it.

:func:`plan` checks the arguments and finds out what a new version holds (each file's
role and stat, what the stat cache vouches for, DVC's records, the environment and git
state); :func:`write` reads the files the cache does not vouch for into packs under the
store lock and commits the version in one transaction (:func:`_commit`). The order of
the writes is in ``docs/store-format.md``.
"""

from __future__ import annotations

import dataclasses
import os
import stat
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, NotFound
from ..progress import Progress, null_progress
from . import environments, records, schema
from .failures import check_writable
from .ingest import Ingest, StoredFile
from .lock import store_lock
from .versions import FileEntry, Version

if TYPE_CHECKING:
    from .store import Store

__all__ = ["SnapshotPlan", "plan", "write", "RACY_NS", "SKIP_DIRS", "check_notebook"]


#: A file modified this close to a snapshot is not trusted to the stat cache (racy mtime).
RACY_NS = 2_000_000_000
#: ``stat_cache.mtime_ns`` of a row that vouches for nothing (no file has it).
UNTRUSTED = -1
#: Folders a snapshot of a folder leaves out.
SKIP_DIRS = {schema.STORE_DIRNAME, ".git", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints", "node_modules", ".venv"}


@dataclass
class SnapshotPlan:
    """What a new version will hold, found before anything is written.

    :param notebook: the notebook, relative to the root.
    :param roles: every file of the version (the notebook too) and its role.
    :param hashed_only: the files recorded by hash and size only.
    :param stats: each file's ``os.stat`` as the snapshot started.
    :param cached: files the stat cache vouches for, with their hash.
    :param env_hash: the environment's hash when it is stored already; ``env_data``: an
        environment to store (its hash is computed at the commit).
    :param started_ns: when the snapshot started (the stat cache's racy-mtime cutoff).
    """

    notebook: str
    kind: str
    message: str
    metrics: dict[str, Any]
    params: dict[str, Any]
    roles: dict[str, str]
    hashed_only: set[str]
    stats: dict[str, os.stat_result]
    cached: dict[str, bytes]
    dvc: dict[str, dict[str, Any]]
    env_hash: str | None
    env_data: dict[str, Any] | None
    git: dict[str, Any] | None
    extra: dict[str, Any]
    started_ns: int
    #: What the ingest read: a stored file, or the hash of a hashed-only file.
    objects: dict[str, StoredFile | bytes] = field(default_factory=dict)


def plan(
    store: Store,
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
) -> SnapshotPlan:
    """The plan of a snapshot (the arguments of :meth:`Store.snapshot`), checked."""
    if kind not in ("full", "light", "safety"):
        raise InvalidInput(f"unknown version kind {kind!r}")
    if not isinstance(message, str) or len(message) > 10_000:
        raise InvalidInput("the message must be text of at most 10,000 characters")
    records.check_utf8(message, "the message")
    metrics = records.clean_values(metrics, "metric")
    params = records.clean_values(params, "param")
    check_writable(store.dir)
    nb_rel = store.relpath(notebook)
    roles: dict[str, str] = {}
    for role, group in (("output", outputs), ("input", inputs), ("tracked", files)):
        for item in group:
            for rel in _expand(store, item):
                roles.setdefault(rel, role)
    roles[nb_rel] = "notebook"
    hashed_only = {store.relpath(p) for p in hash_only}
    for rel in hashed_only:
        roles.setdefault(rel, "input")
    started_ns = time.time_ns()
    stats = {rel: _stat(store, rel) for rel in roles}
    from ..capture.dvc import dvc_records

    dvc = dvc_records(store.root, [rel for rel, role in roles.items() if role != "notebook"])
    cached = records.stat_cache_hits(store.db, stats)
    # A safety copy keeps the files as they are, a notebook that no longer parses too:
    # restoring a good version over a broken one is what restore is for.
    if nb_rel not in cached and kind != "safety":
        check_notebook(store.path_of(nb_rel), nb_rel)

    env_hash = None
    env_data = None
    if isinstance(environment, dict):
        env_data = environment
    elif environment is not None:
        env_hash, env_data = environments.environment_for(store, None if environment == "auto" else str(environment))
    if git == "auto":
        from ..capture.git import capture_git

        git = capture_git(store.root)
    if git is not None and not isinstance(git, dict):
        raise InvalidInput("git must be a dict, 'auto' or None")
    # What was captured (git state, the kernel's record, DVC's) holds no credential:
    # every URL in it goes through the one cleaning the environment capture uses.
    from ..capture.environment import strip_credentials

    return SnapshotPlan(
        notebook=nb_rel,
        kind=kind,
        message=message,
        metrics=metrics,
        params=params,
        roles=roles,
        hashed_only=hashed_only,
        stats=stats,
        cached=cached,
        dvc=strip_credentials(dvc),
        env_hash=env_hash,
        env_data=env_data,
        git=strip_credentials(git),
        extra=strip_credentials(extra or {}) or {},
        started_ns=started_ns,
    )


def write(store: Store, snap: SnapshotPlan, progress: Progress = null_progress) -> Version:
    """Read the plan's files into packs and commit the version (under the store lock)."""
    nb_rel, cached = snap.notebook, snap.cached
    with store_lock(store.dir / "lock"):
        ingest = Ingest(store.db, store.dir, None, workers=store._workers)
        try:
            # A file the stat cache vouches for is read again when its stored copy lies
            # in a damaged pack: the new version must not lean on chunks that are gone.
            unsound = ingest.unsound(set(cached.values())) if cached else set()
            for rel in [r for r, digest in cached.items() if digest in unsound]:
                del cached[rel]
                if rel == nb_rel and snap.kind != "safety":
                    check_notebook(store.path_of(nb_rel), nb_rel)
            to_read = [r for r in snap.roles if r not in cached and r not in snap.hashed_only]
            total = sum(snap.stats[r].st_size for r in to_read)
            previous = _previous_objects(store, to_read)
            with progress("snapshot", total, "B") as update:
                ingest.progress = update
                for rel in to_read:
                    snap.objects[rel] = _ingest(store, ingest, rel, previous.get(rel))
            for rel in snap.hashed_only:
                snap.objects[rel] = records.hash_file(store.path_of(rel))
            t = time.perf_counter()
            ingest.seal()
            with store._db_lock, schema.transaction(store.db):
                version = _commit(store, ingest, snap)
            ingest.times["commit"] += time.perf_counter() - t
        except BaseException:
            ingest.abort()
            raise
    _report_times(ingest, sum(snap.stats[r].st_size for r in to_read))
    repairs = ingest.repairs()
    if not repairs:
        return version
    import logging  # only for a repair (its import costs start-up time)

    log = logging.getLogger("jupyter_mv")
    if not log.handlers:
        log.addHandler(logging.NullHandler())  # the faces say it their way (the CLI: on stderr)
    for line in repairs:
        log.warning("%s", line)
    return dataclasses.replace(version, warnings=tuple(repairs))


def _commit(store: Store, ingest: Ingest, snap: SnapshotPlan) -> Version:
    """Index the new chunks, store the environment, insert and number the version, and
    fill the stat cache: all inside the caller's transaction."""
    db = store.db
    ingest.index()
    env_hash = snap.env_hash
    if snap.env_data is not None:
        env_hash = environments.put_environment(db, snap.env_data)
    numbering = records.next_number(db, snap.notebook, snap.kind)
    author = records.author()
    created = time.time()
    files = []
    for rel, role in sorted(snap.roles.items()):
        st = snap.stats[rel]
        obj = snap.objects.get(rel)
        digest = snap.cached[rel] if rel in snap.cached else (obj.hash if isinstance(obj, StoredFile) else obj)
        assert isinstance(digest, bytes)
        files.append(
            FileEntry(
                rel,
                role,
                digest.hex(),
                st.st_size,
                stat.S_IMODE(st.st_mode),
                rel not in snap.hashed_only,
                snap.dvc.get(rel),
            )
        )
    vid = records.version_id(
        notebook=snap.notebook,
        parent=numbering.parent,
        kind=snap.kind,
        message=snap.message,
        author=author,
        created=created,
        environment=env_hash,
        git=snap.git,
        metrics=snap.metrics,
        params=snap.params,
        files=[(f.path, f.role, f.hash, f.size) for f in files],
    )
    version = Version(
        vid,
        snap.notebook,
        numbering.number,
        numbering.parent,
        snap.kind,
        snap.message,
        author,
        created,
        env_hash,
        snap.git,
        snap.metrics,
        snap.params,
        snap.extra,
        tuple(files),
        sub=numbering.sub,
    )
    records.insert_version(db, version, numbering.placeholder)
    cache_rows = []
    for rel, obj in snap.objects.items():
        st = snap.stats[rel]
        if isinstance(obj, StoredFile):
            # A file changed within the racy window (or while being read) gets a row that
            # vouches for nothing (mtime_ns -1 matches no file) but names the object last
            # stored from its path, whose segments the next snapshot may reuse.
            trusted = st.st_mtime_ns < snap.started_ns - RACY_NS and obj.size == st.st_size
            cache_rows.append(
                {
                    "path": rel,
                    "size": st.st_size,
                    "mtime_ns": st.st_mtime_ns if trusted else UNTRUSTED,
                    "ctime_ns": st.st_ctime_ns,
                    "inode": st.st_ino,
                    "hash": obj.hash,
                }
            )
    if cache_rows:
        schema.insert_rows(db, "stat_cache", cache_rows, upsert="path")
    return version


def _previous_objects(store: Store, paths: list[str]) -> dict[str, bytes]:
    """The object last stored from each of ``paths`` (its ``stat_cache`` row, trusted or not)."""
    found: dict[str, bytes] = {}
    for i in range(0, len(paths), 500):
        batch = paths[i : i + 500]
        found.update(
            store.db.execute(
                f"SELECT path, hash FROM stat_cache WHERE path IN ({','.join('?' * len(batch))})", batch
            ).fetchall()
        )
    return found


def _report_times(ingest: Ingest, read_bytes: int) -> None:
    """With ``$JUPYTER_MV_TIMINGS`` naming a file, append one JSON line of where this
    snapshot's time went (:data:`~.ingest.STAGES`, seconds summed over threads), for the
    benchmarks."""
    target = os.environ.get("JUPYTER_MV_TIMINGS")
    if not target:
        return
    import json

    line = {
        **{stage: round(seconds, 4) for stage, seconds in ingest.times.items()},
        "bytes": read_bytes,
        "segments_reused": ingest.reused_segments,
        "segments_cut": ingest.cut_segments,
        "chunks_written": len(ingest.written),
        "cpu": round(time.process_time(), 4),
    }
    with open(target, "a") as f:
        f.write(json.dumps(line) + "\n")


def _ingest(store: Store, ingest: Ingest, rel: str, previous: bytes | None = None) -> StoredFile:
    try:
        return ingest.add_file(store.path_of(rel), previous)
    except PermissionError:
        raise InvalidInput(f"cannot read {rel}: permission denied") from None
    except IsADirectoryError:
        raise InvalidInput(f"{rel} is a folder") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {rel}: {exc.strerror or exc}") from None


def _expand(store: Store, item: str | os.PathLike[str]) -> Iterator[str]:
    rel = store.relpath(item, allow_root=True)
    path = store.path_of(rel)
    if not path.is_dir():
        yield rel
        return
    for folder, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(names):
            # a symlink into the store is left out of a folder, never followed into it
            if not store.in_store(os.path.join(folder, name)):
                yield store.relpath(os.path.join(folder, name))


def _stat(store: Store, rel: str) -> os.stat_result:
    path = store.path_of(rel)
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


def check_notebook(path: Path, rel: str) -> None:
    """Refuse (one line) a file that is not a notebook nbformat can read.

    The notebook reader's check (:func:`jupyter_mv.diff.reader.check_notebook`): nbformat
    1 to 3 must upgrade through nbformat's converters, nbformat 4 (any minor) must
    hold a list of cells; not nbformat's full schema validation: a notebook a front
    end saved with odd metadata is still the user's work and is kept as it is.
    """
    from ..diff.reader import check_notebook as check

    check(path, rel)
