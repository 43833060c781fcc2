"""Restore: write a version's files back, byte for byte, through a journal of temporary
files so that an interrupted restore leaves nothing half-written behind.

Order: every target is checked (inside the chosen folder, never into the store); files
that would be overwritten inside the root are first kept in a *safety* version; the
journal ``tmp/restore-<hex>.json`` lists the temporary names; each file is written to
``.<name>.mv-<8 hex>.tmp`` beside its target and fsynced; only when all were written are
they moved into place. The next open of the store removes what a killed restore's
journal lists (:func:`remove_restore_temps`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Conflict, InvalidInput, NotFound, StoreReadOnly
from ..progress import Progress, null_progress
from .failures import writing
from .lock import store_lock
from .objects import iter_object
from .packs import PackReader
from .records import current_hash
from .versions import FileEntry, RestoreResult, Version

if TYPE_CHECKING:
    from .store import Store

__all__ = ["restore", "remove_restore_temps"]

_RESTORE_TEMP = re.compile(r"\..+\.mv-[0-9a-f]{8}\.tmp", re.DOTALL)


def restore(
    store: Store,
    ref: str | Version,
    paths: Sequence[str] | None = None,
    *,
    to: str | os.PathLike[str] | None = None,
    notebook: str | None = None,
    force: bool = False,
    progress: Progress = null_progress,
) -> RestoreResult:
    """:meth:`Store.restore`."""
    version = store.resolve(ref, notebook)
    entries = _select_entries(store, version, paths)
    skipped = tuple(e.path for e in version.files if not e.stored and (paths is None))
    base = Path(os.path.abspath(to)) if to is not None else store.root
    targets = {e.path: base / e.path for e in entries}
    for e in entries:
        target = targets[e.path]
        if not target.resolve().is_relative_to(base.resolve()):
            raise InvalidInput(f"{e.path} would be written outside {base}")
        if target.is_relative_to(store.dir) or Path(os.path.realpath(target)).is_relative_to(store.dir.resolve()):
            raise InvalidInput(f"refusing to write {e.path} into the version store")
    changed: list[FileEntry] = []
    unchanged: list[FileEntry] = []
    for e in entries:
        current = current_hash(targets[e.path])
        (unchanged if current == e.hash else changed).append(e)
    safety = None
    inside = [e for e in changed if targets[e.path].exists() and _inside_root(store, targets[e.path])]
    outside = [e for e in changed if targets[e.path].exists() and not _inside_root(store, targets[e.path])]
    if outside and not force:
        raise Conflict(f"{targets[outside[0].path]} exists and differs; remove it or restore with force")
    if inside:
        nb_path = store.path_of(version.notebook)
        keep = [targets[e.path] for e in inside if targets[e.path] != nb_path]
        safety_nb = nb_path if _is_notebook(nb_path) else None
        if safety_nb is None and inside:
            safety_nb = next((targets[e.path] for e in inside if _is_notebook(targets[e.path])), None)
        if safety_nb is not None:
            safety = store.snapshot(
                safety_nb,
                keep,
                kind="safety",
                message=f"Safety copy before restoring {version.label} ({version.short_id})",
            )
        else:
            raise Conflict("cannot keep a safety copy of the files to overwrite; restore with `to` instead")
    temps = [
        (targets[e.path].parent / f".{targets[e.path].name}.mv-{uuid.uuid4().hex[:8]}.tmp", targets[e.path])
        for e in changed
    ]
    # A journal of the temporary files, so that a restore killed half-way leaves no
    # stray files in the user's folders: the next open removes what it lists.
    journal = store.dir / "tmp" / f"restore-{uuid.uuid4().hex}.json"
    try:
        with store_lock(store.dir / "lock"), PackReader(store.dir) as reader:
            if temps:
                try:
                    with writing(store.dir):
                        journal.write_text(json.dumps([str(t) for t, _ in temps]))
                except StoreReadOnly:  # a read-only store restoring elsewhere: no journal
                    pass
            total = sum(e.size for e in changed)
            with progress("restore", total, "B") as update:
                for e, (tmp, target) in zip(changed, temps):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with open(tmp, "xb") as out:
                        for data in iter_object(store, bytes.fromhex(e.hash), e.path, reader):
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
    return RestoreResult(version, tuple(e.path for e in changed), tuple(e.path for e in unchanged), skipped, safety)


def _inside_root(store: Store, path: Path) -> bool:
    return Path(os.path.abspath(path)).is_relative_to(store.root)


def _select_entries(store: Store, version: Version, paths: Sequence[str] | None) -> list[FileEntry]:
    if paths is None:
        return [e for e in version.files if e.stored]
    out = []
    for p in paths:
        entry = version.file(p) or version.file(store.relpath(p, must_exist=False))
        if entry is None:
            raise NotFound(f"{version.label} holds no file {p}")
        if not entry.stored:
            raise NotFound(f"{entry.path} was recorded by hash only in {version.label}; it cannot be restored")
        out.append(entry)
    return out


def _is_notebook(path: Path) -> bool:
    return path.suffix == ".ipynb" and path.is_file()


def remove_restore_temps(journal: Path) -> None:
    """Remove the temporary files an interrupted restore listed (and only files named so)."""
    try:
        listed = json.loads(journal.read_text())
    except (OSError, ValueError):
        return
    for name in listed if isinstance(listed, list) else []:
        path = Path(str(name))
        if _RESTORE_TEMP.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
