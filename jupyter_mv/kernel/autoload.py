"""Auto-load for kernels a Jupyter server starts.

jupyter-mv installs ``etc/ipython/ipython_kernel_config.json`` into the environment,
which lists this module in ``InteractiveShellApp.extra_extensions``, so every IPython
kernel of the environment imports it at start. It loads the real extension only when
the server that started the kernel asked for it by setting ``JUPYTER_MV_AUTOLOAD=1``
in the kernel's environment (the server extension does, unless
``c.JupyterMV.autoload = False``); otherwise it does nothing and imports nothing.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["AUTOLOAD_ENV", "load_ipython_extension"]

#: Set to ``1`` in a kernel's environment to load jupyter-mv when the kernel starts.
AUTOLOAD_ENV = "JUPYTER_MV_AUTOLOAD"


def load_ipython_extension(ipython: Any) -> None:
    if os.environ.get(AUTOLOAD_ENV) == "1":
        ipython.extension_manager.load_extension("jupyter_mv")
