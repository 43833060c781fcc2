"""Where a project's version store is, found without importing the store.

The store folder is ``$JUPYTER_MV_STORE``, else the nearest ``.jupyter_mv`` holding an
``mv.db``, walking up from a file or folder the way git finds ``.git``. A kernel asks
this at start, before (and without) loading :mod:`jupyter_mv.store` and its
dependencies; the server and the reproduce check ask it too.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["STORE_DIRNAME", "ENV_VAR", "find_store_dir", "is_store"]

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
