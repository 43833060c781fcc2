"""Which files the notebook's code read and wrote.

An audit hook (:func:`sys.addaudithook`) sees every ``open`` event: ``open()``,
``io.open``, ``os.open``, and so everything built on them (pandas, numpy, joblib,
pickle...). The hook does as little as it can: one dictionary look-up decides
whether a path lies under the project root and outside what is never data (the
store, the interpreter, site-packages, ``/proc``, ``/dev``, the temporary folder);
the path is then noted with the execution count of the running cell. Everything
else (the ignore file, sizes, existence) is decided at snapshot time.

Reads done in C by a library (a native Parquet reader, HDF5) raise no event; the
path literals that code cells name (:func:`literal_paths`) and ``%mv track`` cover
those.
"""

from __future__ import annotations

import os
import re
import site
import sys
import sysconfig
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["FileAccess", "IgnoreRules", "literal_paths", "excluded_prefixes", "SKIP_PARTS"]

#: Path parts that never hold a notebook's data.
SKIP_PARTS = frozenset({".jupyter_mv", ".git", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints",
                        "node_modules", ".venv", ".mypy_cache", ".pytest_cache", ".ruff_cache"})
_SKIP_SUFFIXES = (".pyc", ".pyo")
_MAX_COUNTS = 64
_MAX_DECIDED = 200_000
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR
_MISSING = object()


def excluded_prefixes(root: Path, store_dir: Path | None) -> list[str]:
    """Folders whose files are never data: the store, the interpreter's and packages'
    folders, ``/proc``, ``/dev``, ``/sys`` and the temporary folder, each unless the
    project root lies inside it (a project under ``/tmp`` is still a project)."""
    candidates = [sys.prefix, sys.base_prefix, sys.exec_prefix, "/proc", "/dev", "/sys", tempfile.gettempdir()]
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        candidates.append(sysconfig.get_paths().get(key, ""))
    try:
        candidates += site.getsitepackages()
    except AttributeError:  # pragma: no cover - virtualenv's old site.py
        pass
    candidates.append(site.getusersitepackages() if hasattr(site, "getusersitepackages") else "")
    root_text = os.path.normpath(str(root))
    out = [os.path.normpath(str(store_dir))] if store_dir is not None else []
    for folder in candidates:
        if not folder:
            continue
        folder = os.path.normpath(folder)
        if root_text == folder or root_text.startswith(folder + os.sep):
            continue
        if folder not in out:
            out.append(folder)
    return out


class FileAccess:
    """Files opened under a project root, by relative path, with the execution counts
    of the cells that opened them.

    Install it once with :meth:`install` (an audit hook cannot be removed: ``active``
    turns it off). ``count`` is the running cell's execution count.
    """

    def __init__(self, root: Path, store_dir: Path | None = None) -> None:
        self.reads: dict[str, list[int | None]] = {}
        self.writes: dict[str, list[int | None]] = {}
        self.count: int | None = None
        self.active = True
        self._paused = 0
        self._cwd: str | None = None
        self._decided: dict[str, str | None] = {}
        self.set_root(root, store_dir)

    def set_root(self, root: Path, store_dir: Path | None = None) -> None:
        """Watch another root (a store was created above the first guess)."""
        self.root = Path(os.path.normpath(os.path.abspath(root)))
        self._prefix = str(self.root).rstrip(os.sep) + os.sep
        self._excluded = tuple(p.rstrip(os.sep) + os.sep for p in excluded_prefixes(self.root, store_dir))
        self._decided.clear()

    def install(self) -> None:
        """Add the audit hook (once per process)."""
        reads, writes, decided, decide = self.reads, self.writes, self._decided, self._decide
        this = self

        def hook(event: str, args: tuple[Any, ...]) -> None:
            if event != "open":
                if event == "os.chdir":
                    this._cwd = None
                return
            if this._paused or not this.active:
                return
            path = args[0]
            if path.__class__ is not str:
                if isinstance(path, int):
                    return
                try:
                    path = os.fsdecode(os.fspath(path))
                except (TypeError, ValueError):
                    return
            if not path.startswith(os.sep):
                cwd = this._cwd
                if cwd is None:
                    cwd = this._cwd = os.getcwd()
                path = cwd + os.sep + path
            rel = decided.get(path, _MISSING)
            if rel is _MISSING:
                rel = decide(path)
            if rel is None:
                return
            flags = args[2]
            table = writes if flags.__class__ is int and flags & _WRITE_FLAGS else reads
            counts = table.get(rel)
            if counts is None:
                table[rel] = [this.count]
            elif counts[-1] != this.count and len(counts) < _MAX_COUNTS:
                counts.append(this.count)

        sys.addaudithook(hook)

    def _decide(self, path: str) -> str | None:
        """The path relative to the root, or None when it is not a project data file."""
        if len(self._decided) > _MAX_DECIDED:
            self._decided.clear()
        full = os.path.normpath(path)
        rel: str | None = None
        if full.startswith(self._prefix) and not full.startswith(self._excluded):
            rel = full[len(self._prefix):]
            if rel.endswith(_SKIP_SUFFIXES) or not SKIP_PARTS.isdisjoint(rel.split(os.sep)):
                rel = None
            elif os.sep != "/":  # pragma: no cover - Windows
                rel = rel.replace(os.sep, "/")
        self._decided[path] = rel
        return rel

    def relative(self, path: str | os.PathLike[str]) -> str | None:
        """``path`` (relative to the current folder) as the hook would record it."""
        text = os.fspath(path)
        return self._decide(text if os.path.isabs(text) else os.path.join(os.getcwd(), text))

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Do not record: jupyter-mv's own reads and writes (a snapshot, a restore)."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1

    def recount(self, guessed: int | None, actual: int | None) -> None:
        """Files noted under the count ``guessed`` were opened by cell ``actual``."""
        self.count = actual
        for table in (self.reads, self.writes):
            for counts in table.values():
                if counts[-1] == guessed:
                    counts[-1] = actual
                    if len(counts) > 1 and counts[-2] == actual:
                        counts.pop()


class IgnoreRules:
    """``.mvignore`` at the project root, in gitignore syntax (re-read when it changes)."""

    def __init__(self, root: Path) -> None:
        self.path = root / ".mvignore"
        self._key: tuple[int, int] | None = None
        self._spec: Any = None

    def _load(self) -> Any:
        try:
            st = self.path.stat()
        except OSError:
            self._key, self._spec = None, None
            return None
        key = (st.st_mtime_ns, st.st_size)
        if key != self._key:
            import pathspec

            lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
            self._spec = pathspec.GitIgnoreSpec.from_lines(lines)
            self._key = key
        return self._spec

    def ignored(self, rel: str) -> bool:
        spec = self._load()
        return bool(spec is not None and spec.match_file(rel))

    def filter(self, paths: Iterable[str]) -> list[str]:
        spec = self._load()
        return [p for p in paths if spec is None or not spec.match_file(p)]


_STRING = re.compile(r"""(?P<q>['"])(?P<s>[^'"\n\\{}*?]{1,1024})(?P=q)""")
_MAX_LITERALS = 500


def literal_paths(code: str, access: FileAccess, cwd: str | None = None) -> list[str]:
    """Files under the root that the code's string literals name (relative to ``cwd``)."""
    found: list[str] = []
    base = cwd or os.getcwd()
    for i, m in enumerate(_STRING.finditer(code)):
        if i >= _MAX_LITERALS:
            break
        text = m.group("s").strip()
        if not text or ("." not in text and "/" not in text and os.sep not in text):
            continue
        text = os.path.expanduser(text)
        full = text if os.path.isabs(text) else os.path.join(base, text)
        rel = access._decide(full)
        if rel is not None and rel not in found and os.path.isfile(full):
            found.append(rel)
    return found
