"""One side of a diff: everything the engine compares, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["DiffSide"]


@dataclass
class DiffSide:
    """What one version (or the files on disk) holds, as plain data.

    :param label: how the side is named to people (``"v1 · 1a2b3c4d"``, ``"disk"``)
    :param notebook: the notebook's parsed JSON (any nbformat the reader
        takes: :mod:`jupyter_mv.diff.reader`; older ones are upgraded to 4), or None
    :param environment: the dict ``capture_environment`` returns, or None when not recorded
    :param git: ``{commit, branch, dirty, dirty_files, remote}`` or None when not recorded
    :param files: ``[{path, role, hash, size}]`` (dicts or objects with those attributes)
    :param metrics: logged metrics, name to value
    :param params: logged params, name to value
    :param read: the bytes of a file in ``files`` by path; called only for CSV/Parquet
        files under the size limit
    """

    label: str
    notebook: dict[str, Any] | None = None
    environment: dict[str, Any] | None = None
    git: dict[str, Any] | None = None
    files: list[Any] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    read: Callable[[str], bytes] | None = None

    @classmethod
    def from_version(
        cls,
        version: Any,
        *,
        read: Callable[[str], bytes] | None = None,
        environment: dict[str, Any] | None = None,
        notebook: dict[str, Any] | None = None,
        label: str | None = None,
    ) -> "DiffSide":
        """A side from a store ``Version`` (any object with its attributes).

        The notebook is read through ``read(version.notebook)`` and parsed unless
        given; ``environment`` is the captured dict (``store.environment(version)``).
        """
        if notebook is None and read is not None and getattr(version, "notebook", None):
            from .reader import parse_notebook

            notebook = parse_notebook(read(version.notebook), str(version.notebook))
        if label is None:
            name = getattr(version, "name", None) or ""
            short = str(getattr(version, "short_id", "") or "")[:8]
            label = " · ".join(x for x in (name, short) if x) or "version"
        return cls(
            label=label,
            notebook=notebook,
            environment=environment,
            git=getattr(version, "git", None),
            files=list(getattr(version, "files", None) or []),
            metrics=dict(getattr(version, "metrics", None) or {}),
            params=dict(getattr(version, "params", None) or {}),
            read=read,
        )

    def notebook_path(self) -> str | None:
        for f in self.files:
            role = f.get("role") if isinstance(f, dict) else getattr(f, "role", None)
            if role == "notebook":
                return str(f.get("path") if isinstance(f, dict) else getattr(f, "path", None))
        return None
