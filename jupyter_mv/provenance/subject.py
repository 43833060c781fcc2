"""What a report is about: a model version, a file a notebook wrote, or a version.

A ref is read in this order: a model of the registry (``churn``, ``churn:3``,
``churn@production``), when a model of that name exists; a path that some
version recorded as an output (the version that made it is the latest whose
output has the file's current content, else the latest that wrote the path);
a notebook (its latest version); any version ref the store knows (``v3``, ``latest``, a tag, an alias, an id).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, NotFound
from ..store import registry
from ..store.records import current_hash
from ..store.versions import FileEntry, Version

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["Subject", "resolve_subject"]

_MODEL_NUMBER = re.compile(r"[^@:\s]+:v?\d{1,9}")


@dataclass(frozen=True)
class Subject:
    """The thing a report describes and the notebook version that made it.

    :param kind: ``model``, ``file`` or ``version``.
    :param version: the notebook version (None for a model saved without one).
    :param model: the model version, for ``model``.
    :param file: the version's record of the file, for ``file``.
    :param disk_hash: the file's content on disk now (``file`` only; None when gone).
    """

    kind: str
    ref: str
    version: Version | None
    model: registry.ModelVersion | None = None
    file: FileEntry | None = None
    disk_hash: str | None = None

    @property
    def label(self) -> str:
        if self.model is not None:
            return self.model.label
        if self.file is not None:
            return self.file.path
        assert self.version is not None
        return self.version.label

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "ref": self.ref, "label": self.label}
        out["model"] = _model_dict(self.model) if self.model is not None else None
        out["file"] = self.file.to_dict() if self.file is not None else None
        if self.file is not None:
            out["file"]["on_disk"] = (
                "missing" if self.disk_hash is None else "same" if self.disk_hash == self.file.hash else "changed"
            )
        return out


def _model_dict(model: registry.ModelVersion) -> dict[str, Any]:
    data = model.to_dict()
    return {
        k: data[k]
        for k in (
            "name",
            "number",
            "label",
            "hash",
            "flavor",
            "size",
            "created",
            "author",
            "version",
            "metrics",
            "params",
            "aliases",
            "extra",
        )
    }


def resolve_subject(store: Store, ref: str, *, notebook: str | None = None) -> Subject:
    """The subject ``ref`` names (see the module's docstring for the order).

    :param notebook: scopes ``vN`` and ``latest`` to one notebook.
    :raises NotFound: nothing by that name. :raises InvalidInput: a malformed ref.
    """
    if not isinstance(ref, str) or not ref.strip():
        raise InvalidInput(
            "a ref is required: a model (NAME, NAME:3, NAME@ALIAS), a file a notebook wrote, "
            "or a version (v3, latest, a tag, an id)"
        )
    ref = ref.strip()
    model = _model(store, ref)
    if model is not None:
        version = store.get(model.version) if model.version else None
        return Subject("model", ref, version, model=model)
    found = _file(store, ref)
    if found is not None:
        return found
    try:
        version = store.resolve(ref, notebook)
    except NotFound:
        if _MODEL_NUMBER.fullmatch(ref):
            registry.get_model(store, ref)  # names the model that is missing
        raise NotFound(f"unknown ref {ref!r}: not a model, a file a notebook wrote, or a version") from None
    return Subject("version", ref, version)


def _model(store: Store, ref: str) -> registry.ModelVersion | None:
    try:
        parsed = registry.parse_model_ref(ref)
    except InvalidInput:
        return None
    known = store.db.execute("SELECT 1 FROM model_versions WHERE name = ? LIMIT 1", [parsed.name]).fetchone()
    if known is None:
        return None
    return registry.get_model(store, ref)


def _file(store: Store, ref: str) -> Subject | None:
    paths = _paths(store, ref)
    for explain in (False, True):  # an output under any reading first, then what else it is
        for rel in paths:
            found = _file_at(store, ref, rel, explain)
            if found is not None:
                return found
    return None


def _paths(store: Store, ref: str) -> list[str]:
    """``ref`` as a path relative to the root (as the API and the sidebar give it), and
    as a path from the current folder (as a terminal gives it)."""
    out = []
    if not os.path.isabs(ref) and ".." not in Path(ref).parts:
        out.append(Path(ref).as_posix().removeprefix("./"))
    try:
        rel = store.relpath(ref, must_exist=False)
    except InvalidInput:
        return out
    return out + [rel] if rel not in out else out


def _file_at(store: Store, ref: str, rel: str, explain: bool) -> Subject | None:
    rows = store.db.execute(
        "SELECT v.id, f.hash FROM version_files f JOIN versions v ON v.id = f.version "
        "WHERE f.path = ? AND f.role = 'output' ORDER BY v.created DESC, v.number DESC",
        [rel],
    ).fetchall()
    if not rows and not explain:
        return None
    if not rows:
        other = store.db.execute(
            "SELECT v.notebook, v.number, f.role FROM version_files f JOIN versions v ON v.id = f.version "
            "WHERE f.path = ? AND v.kind = 'full' ORDER BY v.created DESC LIMIT 1",
            [rel],
        ).fetchone()
        if other is not None and other[2] == "notebook":  # a notebook: its latest version
            return Subject("version", ref, store.resolve(f"{other[0]}@v{other[1]}"))
        if other is not None:
            role = {"input": "an input of", "notebook": "the notebook of", "tracked": "tracked by"}.get(other[2], "in")
            raise NotFound(
                f"{rel} is {role} {other[0]}@v{other[1]}, not a file a notebook wrote; "
                f"for that version's report use {other[0]}@v{other[1]}"
            )
        path = store.path_of(rel)
        if path.is_file() and ("/" in ref or os.sep in ref or Path(ref).suffix):
            raise NotFound(
                f"no version records {rel} as a file its notebook wrote; snapshot the notebook that writes it first"
            )
        return None
    disk = current_hash(store.path_of(rel))
    chosen = next((vid for vid, digest in rows if disk is not None and digest.hex() == disk), rows[0][0])
    version = store.get(chosen)
    entry = version.file(rel)
    assert entry is not None
    return Subject("file", ref, version, file=entry, disk_hash=disk)
