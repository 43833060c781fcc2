"""Feeding the diff engine from the store: a version's side, or the files on disk."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ..errors import NotFound

if TYPE_CHECKING:
    from .store import Store
    from .versions import Version

__all__ = ["diff_refs"]


def diff_refs(
    store: Store,
    a: str | Version,
    b: str | Version | None = None,
    *,
    notebook: str | None = None,
    only: Any = None,
    include_metadata: bool = False,
) -> dict[str, Any]:
    """Diff two versions, or a version against the files on disk when ``b`` is None.

    ``b`` is resolved in ``a``'s notebook, so ``diff("nb.ipynb@v1", "v2")`` compares two
    versions of ``nb.ipynb``.
    """
    from ..diff import diff

    va = store.resolve(a, notebook)
    side_a = _version_side(store, va)
    if b is None:
        side_b = _disk_side(store, va)
    else:
        side_b = _version_side(store, store.resolve(b, notebook or va.notebook))
    return diff(side_a, side_b, only=only, include_metadata=include_metadata)


def _version_side(store: Store, version: Version) -> Any:
    from ..diff import DiffSide

    def read(path: str) -> bytes:
        return store.read_file(version, path)

    return DiffSide.from_version(
        version,
        read=read,
        environment=store.environment(version),
        notebook=_parse(read(version.notebook), version.label),
    )


def _disk_side(store: Store, version: Version) -> Any:
    """The working copy of the version's files; what disk cannot tell (environment,
    metrics) is taken as unchanged."""
    from ..diff import DiffSide
    from .records import hash_file, stat_cache_hits

    nb_path = store.path_of(version.notebook)
    if not nb_path.is_file():
        raise NotFound(f"{version.notebook} is not on disk to compare with")
    stats = {f.path: os.stat(store.path_of(f.path)) for f in version.files if store.path_of(f.path).is_file()}
    cached = stat_cache_hits(store.db, stats)
    files = []
    for f in version.files:
        if f.path not in stats:
            continue
        digest = cached.get(f.path) or hash_file(store.path_of(f.path))
        files.append({"path": f.path, "role": f.role, "hash": digest.hex(), "size": stats[f.path].st_size})

    def read(path: str) -> bytes:
        return store.path_of(path).read_bytes()

    return DiffSide(
        label="disk",
        notebook=_parse(nb_path.read_bytes(), version.notebook),
        environment=store.environment(version),
        git=version.git,
        files=files,
        metrics=dict(version.metrics),
        params=dict(version.params),
        read=read,
    )


def _parse(raw: bytes, label: str) -> dict[str, Any]:
    """The notebook's JSON object, as the one reader parses it (upgraded by the diff)."""
    from ..diff.reader import parse_notebook

    return parse_notebook(raw, label)
