"""Which files the notebook's code read and wrote.

An audit hook (:func:`sys.addaudithook`) sees every ``open`` event: ``open()``,
``io.open``, ``os.open``, and so everything built on them (pandas, numpy, joblib,
pickle...). The hook does as little as it can: it adds the path to a set. When the
cell ends, each path is placed under the project root or dropped (the store, the
interpreter, site-packages, ``/proc``, ``/dev``, the temporary folder, hidden files
and folders), deciding once per folder, and noted with the cell's execution count.
Everything else (the ignore file, sizes, existence) is decided at snapshot time.

Reads done in C by a library (a native Parquet reader, HDF5) raise no event; the
path literals that code cells name (:func:`literal_paths`) and ``%mv track`` cover
those.
"""

from __future__ import annotations

import enum
import os
import re
import site
import sys
import sysconfig
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

__all__ = ["FileAccess", "IgnoreRules", "literal_paths", "excluded_prefixes", "SKIP_PARTS"]

#: Folder names that never hold a notebook's data (hidden folders neither).
SKIP_PARTS = frozenset(
    {
        ".jupyter_mv",
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        ".ipynb_checkpoints",
        "node_modules",
        ".venv",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)
_SKIP_FOLDERS = frozenset({"__pycache__", "node_modules"})
_SKIP_SUFFIXES = (".pyc", ".pyo")
_MAX_COUNTS = 64
_MAX_FOLDERS = 100_000
_POSIX = os.sep == "/"
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR


class _Missing(enum.Enum):
    """The sentinel of a lookup that found nothing (None is a value the tables hold)."""

    MISSING = 0


_MISSING: Final = _Missing.MISSING


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
    turns it off). ``count`` is the running cell's execution count. The hook only adds
    the opened path to a set; :meth:`flush` (at the end of each cell, before a
    snapshot, before a ``chdir``) decides which are project files, once per folder.
    """

    def __init__(self, root: Path, store_dir: Path | None = None) -> None:
        # path -> the last cell's count: plain ints, so recording allocates no container
        # per file for the garbage collector to walk.
        self.reads: dict[str, int | None] = {}
        self.writes: dict[str, int | None] = {}
        # path -> every count, only for the few paths more than one cell opened.
        self._history: dict[tuple[bool, str], list[int | None]] = {}
        self.count: int | None = None
        self._pending_reads: set[Any] = set()
        self._pending_writes: set[Any] = set()
        self._active = True
        self._paused = 0
        self.off = 0  # nonzero: the hook records nothing (paused, or not active)
        self._folders: dict[str, str | None] = {}
        self.set_root(root, store_dir)

    @property
    def active(self) -> bool:
        return self._active

    @active.setter
    def active(self, value: bool) -> None:
        self._active = bool(value)
        self.off = self._paused or (not self._active)

    def set_root(self, root: Path, store_dir: Path | None = None) -> None:
        """Watch another root (a store was created above the first guess)."""
        self.root = Path(os.path.normpath(os.path.abspath(root)))
        self._root_text = str(self.root)
        self._prefix = self._root_text.rstrip(os.sep) + os.sep
        self._excluded = tuple(p.rstrip(os.sep) + os.sep for p in excluded_prefixes(self.root, store_dir))
        self._folders.clear()

    def install(self) -> None:
        """Add the audit hook (once per process)."""
        this, reads, writes = self, self._pending_reads, self._pending_writes

        def hook(event: str, args: tuple[Any, ...]) -> None:
            if event != "open":
                if event == "os.chdir" and (reads or writes):
                    this.flush()  # relative paths opened so far belong to the folder we leave
                return
            if this.off:
                return
            flags = args[2]
            try:
                (writes if flags.__class__ is int and flags & _WRITE_FLAGS else reads).add(args[0])
            except TypeError:  # an unhashable path-like: not a file the project names
                pass

        sys.addaudithook(hook)

    def note(self, path: Any, *, written: bool = False) -> None:
        """Record ``path`` as read (or written) by the running cell, as if it had been
        opened: for readers in C code that never pass Python's ``open``
        (:mod:`jupyter_mv.kernel.readers`). A folder stands for the files in it."""
        if self.off:
            return
        try:
            raw = os.fsdecode(os.fspath(path))
        except TypeError:  # a file object, a buffer: its open, if any, was seen already
            return
        pending = self._pending_writes if written else self._pending_reads
        if os.path.isdir(raw):
            for folder, dirs, files in os.walk(raw):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                pending.update(os.path.abspath(os.path.join(folder, f)) for f in files)
        else:
            pending.add(os.path.abspath(raw))

    def flush(self) -> None:
        """Record the paths opened since the last flush under the current count."""
        cwd: str | None = None
        count, folders = self.count, self._folders
        for written, pending, table in (
            (False, self._pending_reads, self.reads),
            (True, self._pending_writes, self.writes),
        ):
            if not pending:
                continue
            items = list(pending)
            pending.difference_update(items)  # not clear(): another thread may have added more
            get = table.get
            for raw in items:
                if _POSIX and raw.__class__ is str and raw.startswith("/"):  # the common case, inline
                    folder, _, name = raw.rpartition("/")
                    base = folders.get(folder, _MISSING)
                    if base is _MISSING:
                        base = self._decide_folder(folder)
                    if base is None or not name or name[0] == "." or name.endswith(_SKIP_SUFFIXES):
                        continue
                    rel = base + name
                else:
                    cwd = cwd or os.getcwd()
                    relative = self._relative(raw, cwd)
                    if relative is None:
                        continue
                    rel = relative
                last = get(rel, _MISSING)
                if last is _MISSING:
                    table[rel] = count
                elif last != count:
                    table[rel] = count
                    history = self._history.get((written, rel))
                    if history is None:
                        self._history[(written, rel)] = [last, count]
                    elif len(history) < _MAX_COUNTS:
                        history.append(count)

    def _relative(self, raw: Any, cwd: str) -> str | None:
        if raw.__class__ is not str:
            if isinstance(raw, int):
                return None
            try:
                raw = os.fsdecode(os.fspath(raw))
            except (TypeError, ValueError):
                return None
        if not os.path.isabs(raw):
            raw = os.path.join(cwd, raw)
        folder, _, name = raw.rpartition(os.sep)
        base = self._folders.get(folder, _MISSING)
        if base is _MISSING:
            base = self._decide_folder(folder)
        if base is None or not name or name.startswith(".") or name.endswith(_SKIP_SUFFIXES):
            return None
        return base + name

    def _decide_folder(self, folder: str) -> str | None:
        """The folder as a prefix relative to the root (``""``, ``"data/"``), or None
        when its files are never project data: outside the root, under an excluded
        folder, hidden (``.git/``, ``.venv/``: machinery, or secrets), ``__pycache__``
        or ``node_modules``."""
        if len(self._folders) > _MAX_FOLDERS:
            self._folders.clear()
        full = os.path.normpath(folder) if folder else os.sep
        base: str | None = None
        if full == self._root_text:
            base = ""
        elif full.startswith(self._prefix) and not (full + os.sep).startswith(self._excluded):
            rel = full[len(self._prefix) :].replace(os.sep, "/")
            parts = rel.split("/")
            if not any(p.startswith(".") or p in _SKIP_FOLDERS for p in parts):
                base = rel + "/"
        self._folders[folder] = base
        return base

    def relative(self, path: str | os.PathLike[str]) -> str | None:
        """``path`` (relative to the current folder) as :meth:`flush` records it."""
        return self._relative(path, os.getcwd())

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Do not record: jupyter-mv's own reads and writes (a snapshot, a restore)."""
        self.flush()
        self._paused += 1
        self.off = 1
        try:
            yield
        finally:
            self._paused -= 1
            self.off = self._paused or (not self._active)

    def counts(self, rel: str, *, written: bool) -> list[int | None]:
        """The execution counts of the cells that read (or wrote) ``rel``, oldest first."""
        table = self.writes if written else self.reads
        if rel not in table:
            return []
        return list(self._history.get((written, rel), [table[rel]]))

    def recount(self, guessed: int | None, actual: int | None) -> None:
        """Files noted under the count ``guessed`` were opened by cell ``actual``."""
        self.count = actual
        for written, table in ((False, self.reads), (True, self.writes)):
            for rel, last in table.items():
                if last == guessed:
                    table[rel] = actual
                    history = self._history.get((written, rel))
                    if history:
                        history[-1] = actual
                        if len(history) > 1 and history[-2] == actual:
                            history.pop()


class IgnoreRules:
    """``.mvignore`` at the project root, in gitignore syntax (re-read when it changes).

    In a kernel whose environment lacks pathspec (the agent of a kernel without jupyter-mv)
    nothing is ignored here: the server applies the same rules to what the kernel reports."""

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
            try:
                import pathspec
            except ImportError:  # a kernel without jupyter-mv (the agent): the server applies the rules
                return None
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
        rel = access._relative(full, base)
        if rel is not None and rel not in found and os.path.isfile(full):
            found.append(rel)
    return found
