"""jupyter-mv: model versioning without leaving the notebook.

This module stays light: it imports neither the server nor the kernel side, so
that kernels and the ``jupyter mv`` command start fast. Jupyter finds the faces
through the hooks below.
"""

from __future__ import annotations

from typing import Any

from ._version import __version__

#: The Python API (``mv.snapshot(...)``, ``mv.log_metric(...)``, ``mv.save_model(...)``),
#: imported from :mod:`jupyter_mv.api` on first use so that ``import jupyter_mv`` stays light.
#: ``diff`` and ``store`` are subpackages' names here: use ``jupyter_mv.api.diff`` / ``.store``.
_API = (
    "snapshot",
    "log",
    "show",
    "tag",
    "alias",
    "restore",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "track",
    "untrack",
    "save_model",
    "load_model",
    "models",
    "model",
    "set_model_alias",
    "report",
    "panel",
    "set_notebook",
    "session",
    "env",
    "export",
)

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'jupyter_mv' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where the prebuilt sidebar lives in this package."""
    return [{"src": "labextension", "dest": "jupyter-mv"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The server extension (imported only by a Jupyter server)."""
    return [{"module": "jupyter_mv.server"}]


def _kernel_module() -> Any | None:
    from importlib import import_module, util

    if util.find_spec("jupyter_mv.kernel") is None:
        return None
    return import_module("jupyter_mv.kernel")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext jupyter_mv``: load the kernel side, when it is installed."""
    kernel = _kernel_module()
    load = getattr(kernel, "load_ipython_extension", None)
    if load is not None:
        load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext jupyter_mv``."""
    kernel = _kernel_module()
    unload = getattr(kernel, "unload_ipython_extension", None)
    if unload is not None:
        unload(ipython)
