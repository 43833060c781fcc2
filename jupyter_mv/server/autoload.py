"""Kernels that this server starts load jupyter-mv's kernel side (``%mv``, capture).

Jupyter Server starts kernels with a copy of its own environment (plus
``JPY_SESSION_NAME``); the environment's ``etc/ipython/ipython_kernel_config.json``
lists :mod:`jupyter_mv.kernel.autoload`, which loads the extension unless it finds
``JUPYTER_MV_AUTOLOAD=0``. Setting that variable here is all the server does.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

from ..kernel.autoload import AUTOLOAD_ENV

__all__ = ["set_kernel_autoload"]


def set_kernel_autoload(enabled: bool, environ: MutableMapping[str, str] = os.environ) -> None:
    """Make kernels started from now on load jupyter-mv (or not)."""
    environ[AUTOLOAD_ENV] = "1" if enabled else "0"
