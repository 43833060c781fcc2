"""Where a project's version store is, found without importing the store.

The store folder is ``$JUPYTER_MV_STORE``, else the nearest ``.jupyter_mv`` holding an
``mv.db``, walking up from a file or folder the way git finds ``.git``. A kernel asks
this at start, before (and without) loading :mod:`jupyter_mv.store` and its
dependencies; the server and the reproduce check ask it too.

Where there is none yet, the first snapshot creates one (no init step): at
:func:`project_root`, the root of the git work tree the notebook is in, else the
notebook's folder (the server's sidebar: its root). ``init`` puts it elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "STORE_DIRNAME",
    "ENV_VAR",
    "find_store_dir",
    "is_store",
    "project_root",
    "created_message",
    "no_store_message",
]

STORE_DIRNAME = ".jupyter_mv"
ENV_VAR = "JUPYTER_MV_STORE"


def is_store(store_dir: str | os.PathLike[str] | None) -> bool:
    """``store_dir`` holds a store (its ``mv.db``)."""
    return store_dir is not None and (Path(store_dir) / "mv.db").is_file()


def find_store_dir(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The store directory for ``start``: ``$JUPYTER_MV_STORE``, else the nearest
    ``.jupyter_mv`` found walking up from ``start`` (a file or folder), like ``.git``."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser().absolute()
    here = Path(start or os.getcwd()).expanduser().absolute()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / STORE_DIRNAME
        if is_store(candidate):
            return candidate
    return None


def project_root(start: str | os.PathLike[str] | None = None) -> Path:
    """Where a new store goes for ``start`` (a notebook or a folder): the root of the git
    work tree it lies in (the nearest folder with a ``.git``), else its folder."""
    here = Path(start or os.getcwd()).expanduser().absolute()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def created_message(store_dir: str | os.PathLike[str]) -> str:
    """What a face prints, once, when its first snapshot created the store."""
    return f"created the version store {store_dir} (`init DIR` chooses another place)"


def no_store_message(where: str | os.PathLike[str]) -> str:
    """What ``%mv`` says when it finds no store for a verb that reads one."""
    return f"no jupyter-mv store at or above {where}; `%mv snapshot` creates one (`%mv init DIR` elsewhere)"
