"""Inputs read by C code: the data readers that never pass Python's ``open``.

pyarrow, polars, h5py, OpenCV (and pandas through them) open files in C, so the audit
hook of :mod:`.access` never sees them. When, and only when, the kernel imports one of
the modules below, its readers are wrapped so that the paths they are given are recorded
as the running cell's inputs (writers as outputs), like an ``open``:

=================  ===================================================================
module             wrapped (written: the files the writers write)
=================  ===================================================================
pandas             ``read_parquet``, ``read_feather``, ``read_orc``, ``read_hdf``;
                   written: ``DataFrame.to_parquet``, ``to_feather``, ``to_orc``, ``to_hdf``
pyarrow.parquet    ``read_table``, ``read_pandas``, ``ParquetFile``, ``ParquetDataset``;
                   written: ``write_table``, ``write_to_dataset``, ``ParquetWriter``
pyarrow.feather    ``read_table``, ``read_feather``; written: ``write_feather``
pyarrow.dataset    ``dataset``; written: ``write_dataset``
polars             every ``read_*`` and ``scan_*``; written: every ``DataFrame.write_*``
                   and ``LazyFrame.sink_*``
h5py               ``File`` (mode ``r``: read; ``w``, ``a``, ``x``, ``r+``, ``w-``: written)
xarray             ``open_dataset``, ``open_dataarray``, ``open_mfdataset``, ``open_zarr``;
                   written: ``Dataset.to_netcdf``, ``Dataset.to_zarr``, ``DataArray.to_netcdf``
cv2                ``imread``, ``imreadmulti``; written: ``imwrite``
=================  ===================================================================

Nothing is imported here: a finder on ``sys.meta_path`` lets the import happen as usual
and wraps the module's functions right after it ran (a module imported before is
wrapped at once).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["READERS", "install", "uninstall"]

#: module → (readers, writers): attribute names; a name ending in ``*`` takes every
#: attribute with that prefix; ``Class.method`` a method of one of the module's classes;
#: ``name:N`` names the file in the N-th positional argument (after ``self``), not the first.
READERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "pandas": (
        ("read_parquet", "read_feather", "read_orc", "read_hdf"),
        ("DataFrame.to_parquet", "DataFrame.to_feather", "DataFrame.to_orc", "DataFrame.to_hdf"),
    ),
    "pyarrow.parquet": (
        ("read_table", "read_pandas", "ParquetFile", "ParquetDataset"),
        ("write_table:1", "write_to_dataset:1", "ParquetWriter"),
    ),
    "pyarrow.feather": (("read_table", "read_feather"), ("write_feather:1",)),
    "pyarrow.dataset": (("dataset",), ("write_dataset:1",)),
    "polars": (("read_*", "scan_*"), ("DataFrame.write_*", "LazyFrame.sink_*")),
    "h5py": (("File",), ()),
    "xarray": (
        ("open_dataset", "open_dataarray", "open_mfdataset", "open_zarr"),
        ("Dataset.to_netcdf", "Dataset.to_zarr", "DataArray.to_netcdf"),
    ),
    "cv2": (("imread", "imreadmulti"), ("imwrite",)),
}
#: The argument that names the file, by keyword, in these libraries.
_PATH_KEYWORDS = (
    "path",
    "source",
    "path_or_paths",
    "path_or_buf",
    "filename",
    "filename_or_obj",
    "paths",
    "name",
    "file",
    "where",
    "dest",
    "root_path",
    "base_dir",
    "store",
)
_MARK = "_jupyter_mv_reader"

_note: Callable[..., None] | None = None


def _paths(value: Any) -> Iterable[Any]:
    if isinstance(value, (str, bytes)) or hasattr(value, "__fspath__"):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, (str, bytes)) or hasattr(item, "__fspath__"):
                yield item


def _record(args: tuple[Any, ...], kwargs: dict[str, Any], written: bool, at: int = 0) -> None:
    note = _note
    if note is None:
        return
    value = args[at] if len(args) > at else next((kwargs[k] for k in _PATH_KEYWORDS if k in kwargs), None)
    for path in _paths(value):
        if isinstance(path, str) and "://" in path:
            continue  # a URL: not a file of the project
        try:
            note(path, written=written)
        except Exception:  # never let the record break the user's read
            pass


def _wrap_function(func: Callable[..., Any], written: bool, at: int = 0) -> Callable[..., Any]:
    """``func``, recording the path in its positional argument ``at`` (or its keyword)."""

    @functools.wraps(func)
    def reader(*args: Any, **kwargs: Any) -> Any:
        _record(args, kwargs, written, at)
        return func(*args, **kwargs)

    setattr(reader, _MARK, True)
    return reader


def _wrap_class(cls: type, written: bool) -> None:
    init = getattr(cls, "__init__")
    if getattr(init, _MARK, False):
        return
    is_h5 = cls.__module__.startswith("h5py")

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        mode = kwargs.get("mode", args[1] if len(args) > 1 and isinstance(args[1], str) else "r")
        _record(args, kwargs, written or (is_h5 and mode not in ("r", None)))
        init(self, *args, **kwargs)

    setattr(__init__, _MARK, True)
    cls.__init__ = __init__  # type: ignore[misc]


def _patch(module: Any) -> None:
    readers, writers = READERS.get(module.__name__, ((), ()))
    for names, written in ((readers, False), (writers, True)):
        for spec in names:
            pattern, _, position = spec.partition(":")
            at = int(position or 0)
            owner: Any = module
            if "." in pattern:  # Class.method: the path comes after self
                owner = getattr(module, pattern.split(".", 1)[0], None)
                pattern, at = pattern.split(".", 1)[1], at + 1
                if not isinstance(owner, type):
                    continue
            if pattern.endswith("*"):
                chosen = [n for n in dir(owner) if n.startswith(pattern[:-1])]
            else:
                chosen = [pattern]
            for name in chosen:
                _patch_one(owner, name, written, at, method=owner is not module)


def _patch_one(owner: Any, name: str, written: bool, at: int, *, method: bool) -> None:
    target = getattr(owner, name, None)
    if target is None or getattr(target, _MARK, False):
        return
    try:
        if isinstance(target, type) and not method:
            _wrap_class(target, written)
        elif callable(target):
            setattr(owner, name, _wrap_function(target, written, at))
    except (TypeError, AttributeError):  # a C type that cannot be changed
        pass


class _Loader:
    """The module's own loader, then the wrapping."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: Any) -> Any:
        create = getattr(self.loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: Any) -> None:
        spec = module.__spec__
        if spec is not None:
            spec.loader = self.loader  # what the module sees as its loader is its own
            module.__loader__ = self.loader
        self.loader.exec_module(module)
        _patch(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)


class _Finder:
    """Finds nothing itself: asks the finders after it, and wraps the loader of a module
    of :data:`READERS`."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in READERS:
            return None
        after = sys.meta_path[sys.meta_path.index(self) + 1 :] if self in sys.meta_path else []
        for finder in after:
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader)
                return spec
        return None


_finder = _Finder()


def install(note: Callable[..., None]) -> None:
    """Record the paths the readers get with ``note(path, written=...)`` from now on."""
    global _note
    _note = note
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    for name in READERS:
        module = sys.modules.get(name)
        if module is not None:
            _patch(module)


def uninstall() -> None:
    """Stop recording (wrapped readers stay, and record nothing)."""
    global _note
    _note = None
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
