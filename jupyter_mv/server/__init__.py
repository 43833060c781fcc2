"""The jupyter_server extension: the REST API the sidebar talks to.

Only a Jupyter server imports this package; ``jupyter_mv`` itself does not.
"""

from __future__ import annotations

import os
from importlib.util import find_spec
from typing import Any

#: The server extension stands on jupyter_server (and the sidebar on JupyterLab), which the
#: light install (for kernels and the CLI) leaves out.
LAB_EXTRA_MISSING = (
    "jupyter-mv's server extension needs jupyter_server and JupyterLab, which this environment "
    "lacks: install them with `pip install 'jupyter-mv[lab]'` where JupyterLab runs"
)
if find_spec("jupyter_server") is None or find_spec("tornado") is None:
    raise ImportError(LAB_EXTRA_MISSING)

from ..kernel.autoload import AUTOLOAD_ENV  # noqa: E402
from .access import StoreAccess  # noqa: E402
from .agent import Agents  # noqa: E402
from .autoload import set_kernel_autoload  # noqa: E402
from .config import JupyterMV  # noqa: E402
from .guard import guard_contents_manager, guard_routes, store_path_check  # noqa: E402
from .handlers import setup_handlers  # noqa: E402

__all__ = ["JupyterMV", "StoreAccess", "_load_jupyter_server_extension"]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "jupyter_mv.server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Register jupyter-mv's routes on a running server, and ask the kernels it starts
    to load the kernel side."""
    config = JupyterMV(parent=serverapp)
    access = StoreAccess(
        serverapp.root_dir,
        store_dir=config.store_dir or None,
        remote_schemes=config.remote_schemes,
        remote_hosts=config.remote_hosts,
    )
    agents = Agents(
        serverapp.kernel_manager,
        access,
        enabled=config.inject_agent,
        max_object_size=config.agent_max_object_size,
        log=serverapp.log,
    )
    agents.watch(serverapp.event_logger)
    setup_handlers(serverapp.web_app, access, kernel_timeout=config.kernel_timeout, agents=agents)

    # The store is never served, whatever the contents manager's allow_hidden says.
    def stores() -> list[str]:
        return [config.store_dir, os.environ.get("JUPYTER_MV_STORE", "")]

    inside_store = store_path_check(serverapp.root_dir, stores)
    guard_contents_manager(serverapp.contents_manager, inside_store, stores)
    guard_routes(serverapp.web_app, serverapp.base_url, inside_store)
    # Kernels inherit the server's environment; a value the user set there wins.
    if AUTOLOAD_ENV not in os.environ:
        set_kernel_autoload(config.autoload)
    serverapp.log.info("jupyter-mv: version API at %sjupyter-mv/api/", serverapp.base_url)
