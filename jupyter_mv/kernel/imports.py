"""The top-level modules a kernel actually imported, with the distributions and
versions they came from: a far shorter, truer list than every installed package."""

from __future__ import annotations

import os
import sys
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["imported_modules", "loaded_top_level", "referenced_top_level", "KERNEL_MODULES"]

#: The kernel's own machinery (and jupyter-mv's), imported before any cell runs.
KERNEL_MODULES = frozenset(
    {
        "IPython",
        "ipykernel",
        "ipython_pygments_lexers",
        "jupyter_client",
        "jupyter_core",
        "zmq",
        "tornado",
        "traitlets",
        "comm",
        "debugpy",
        "psutil",
        "prompt_toolkit",
        "pygments",
        "jedi",
        "parso",
        "decorator",
        "pexpect",
        "ptyprocess",
        "wcwidth",
        "stack_data",
        "executing",
        "asttokens",
        "pure_eval",
        "matplotlib_inline",
        "platformdirs",
        "nest_asyncio",
        "jupyter_mv",
        "sqlite_utils",
        "sqlite_fts4",
        "blake3",
        "zstandard",
        "pyfastcdc",
        "pathspec",
        "ipywidgets",
        "widgetsnbextension",
        "jupyterlab_widgets",
        "tqdm",
        "click",
        "tabulate",
        "pluggy",
        "dateutil",
        "six",
        "typing_extensions",
        "backcall",
        "pickleshare",
        "appnope",
    }
)

_dist_map: dict[str, list[str]] | None = None
_versions: dict[str, str | None] = {}


def _distributions_of(top: str) -> list[str]:
    global _dist_map
    if _dist_map is None:
        _dist_map = dict(metadata.packages_distributions())
    return _dist_map.get(top, [])


def _version(dist: str) -> str | None:
    if dist not in _versions:
        try:
            _versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            _versions[dist] = None
    return _versions[dist]


def loaded_top_level() -> frozenset[str]:
    """The top-level names in ``sys.modules`` now."""
    return frozenset(name.partition(".")[0] for name in list(sys.modules))


def referenced_top_level(namespace: dict[str, Any]) -> frozenset[str]:
    """Top-level modules that the public names of a namespace are, or come from."""
    found = set()
    for name, value in list(namespace.items()):
        if name.startswith("_"):
            continue
        try:
            module = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
        except Exception:  # an object whose attributes raise: it names nothing
            continue
        if isinstance(module, str):
            found.add(module.partition(".")[0])
    return frozenset(found)


def imported_modules(root: Path | None = None, *, before: frozenset[str] = frozenset()) -> dict[str, dict[str, Any]]:
    """``{module: {"distribution": ..., "version": ...}}`` for each top-level module in
    ``sys.modules`` that is neither the standard library nor the kernel's own machinery
    (:data:`KERNEL_MODULES`, and ``before``: what was loaded before the first cell ran); a module of the project
    itself (a file under ``root``) is given by its path instead. ``loaded`` is the running module's
    ``__version__`` when it differs from the installed ``version`` (installed again without a restart)."""
    stdlib: frozenset[str] = getattr(sys, "stdlib_module_names", frozenset())
    _versions.clear()  # what is installed now, not when the first snapshot asked
    tops = sorted(loaded_top_level() - before)
    root_prefix = str(root).rstrip(os.sep) + os.sep if root is not None else None
    out: dict[str, dict[str, Any]] = {}
    for top in tops:
        if top in stdlib or top in sys.builtin_module_names or top.startswith("_") or top in KERNEL_MODULES:
            continue
        module = sys.modules.get(top)
        if module is None:
            continue
        entry: dict[str, Any] = {}
        dists = _distributions_of(top)
        if dists:
            entry["distribution"] = dists[0]
            entry["version"] = _version(dists[0])
            # A `%pip install x==other` without a restart: the module running is not the one on disk.
            loaded = getattr(module, "__version__", None)
            if isinstance(loaded, str) and entry["version"] is not None and loaded != entry["version"]:
                entry["loaded"] = loaded
        else:
            version = getattr(module, "__version__", None)
            if isinstance(version, str):
                entry["version"] = version
            location = getattr(module, "__file__", None)
            if root_prefix and isinstance(location, str) and location.startswith(root_prefix):
                entry["path"] = location[len(root_prefix) :].replace(os.sep, "/")
        if entry:
            out[top] = entry
    return out
