"""The records the store hands out: versions and the files they hold."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

__all__ = ["FileEntry", "Version", "RestoreResult", "VerifyReport", "GcReport", "iso_time"]

ROLES = ("notebook", "input", "output", "tracked")


def iso_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class FileEntry:
    """One file of a version.

    :param path: relative to the project root, POSIX separators.
    :param role: ``notebook``, ``input`` (read by the kernel), ``output`` (written by it) or ``tracked``.
    :param hash: BLAKE3 of the whole content, 64 hex digits.
    :param stored: False when only the hash was recorded (over the size limit).
    :param dvc: what DVC recorded of the file when DVC tracks it (its md5 and the
        ``.dvc`` or ``dvc.lock`` file that says so; :mod:`jupyter_mv.capture.dvc`), else None.
    """

    path: str
    role: str
    hash: str
    size: int
    mode: int = 0o644
    stored: bool = True
    dvc: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Version:
    """A snapshot of one notebook with its files, environment, metrics and params."""

    id: str
    notebook: str
    number: int
    parent: str | None
    kind: str
    message: str
    author: str
    created: float
    environment: str | None
    git: dict[str, Any] | None
    metrics: dict[str, Any]
    params: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    files: tuple[FileEntry, ...] = ()
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    #: For a light version (kind ``light``, a save): its place after full version ``number``.
    sub: int = 0
    #: What the snapshot that made this version found and did about it, such as damaged
    #: packs it repaired; only on the version a snapshot returns, never stored.
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def name(self) -> str:
        """``v3``: the third version of this notebook in this store (a name for people);
        ``v3.2``: the second save after v3 (a light version)."""
        return f"v{self.number}.{self.sub}" if self.sub else f"v{self.number}"

    @property
    def label(self) -> str:
        return f"{self.notebook}@{self.name}"

    def file(self, path: str) -> FileEntry | None:
        return next((f for f in self.files if f.path == path), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "short_id": self.short_id,
            "notebook": self.notebook,
            "number": self.number,
            "sub": self.sub,
            "name": self.name,
            "parent": self.parent,
            "kind": self.kind,
            "message": self.message,
            "author": self.author,
            "created": iso_time(self.created),
            "environment": self.environment,
            "git": self.git,
            "metrics": self.metrics,
            "params": self.params,
            "extra": self.extra,
            "files": [f.to_dict() for f in self.files],
            "tags": list(self.tags),
            "aliases": list(self.aliases),
            **({"warnings": list(self.warnings)} if self.warnings else {}),
        }


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did: files written, files already identical, the safety version taken
    first, and ``current``: the version the notebook now is (``version`` when its notebook
    was restored in place, which its next version then follows; else None)."""

    version: Version
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    skipped: tuple[str, ...]
    safety: Version | None
    current: Version | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version.to_dict(),
            "written": list(self.written),
            "unchanged": list(self.unchanged),
            "skipped": list(self.skipped),
            "safety": self.safety.to_dict() if self.safety else None,
            "current": self.current.id if self.current else None,
        }


@dataclass(frozen=True)
class VerifyReport:
    """``ok`` is False when any chunk, object or the database is damaged."""

    chunks: int
    bytes: int
    damaged_chunks: tuple[dict[str, Any], ...]
    damaged_objects: tuple[dict[str, Any], ...]
    affected_versions: tuple[dict[str, Any], ...]
    database: str

    @property
    def ok(self) -> bool:
        return not self.damaged_chunks and not self.damaged_objects and self.database == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


@dataclass(frozen=True)
class GcReport:
    objects_removed: int
    chunks_removed: int
    bytes_freed: int
    packs_removed: int
    packs_rewritten: int
    temp_files_removed: int
    dry_run: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
