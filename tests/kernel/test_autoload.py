"""Auto-load: a kernel started by a server that asks for it (``JUPYTER_MV_AUTOLOAD=1``,
the shipped IPython kernel config) captures from its first cell without ``%load_ext``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from jupyter_client import BlockingKernelClient
from traitlets.config import Config

from jupyter_mv.kernel.autoload import AUTOLOAD_ENV
from jupyter_mv.server.autoload import set_kernel_autoload
from jupyter_mv.store import Store

from ..helpers import package_env
from .conftest import Kernel, kernel_env, latest, save_notebook, started_kernel

SHIPPED = Path(__file__).parents[2] / "jupyter-config" / "ipython"
SHIPPED_CONFIG = SHIPPED / "ipython_kernel_config.json"


def ipython_dir_with_shipped_config(tmp_path: Path) -> Path:
    """An IPython folder whose profile holds the config files the wheel installs
    into ``etc/ipython`` (IPython reads both places the same way)."""
    folder = tmp_path / "ipython"
    (folder / "profile_default").mkdir(parents=True, exist_ok=True)
    for config in SHIPPED.glob("*.json"):
        shutil.copy(config, folder / "profile_default" / config.name)
    return folder


def test_the_shipped_config_names_the_autoload_extension() -> None:
    for name in ("ipython_kernel_config.json", "ipython_config.json"):  # kernels, and every IPython
        config = json.loads((SHIPPED / name).read_text())
        assert config == {"InteractiveShellApp": {"extra_extensions": ["jupyter_mv.kernel.autoload"]}}


def test_a_kernel_the_server_asks_for_loads_jupyter_mv_at_start(mv_project: Path, tmp_path: Path) -> None:
    (mv_project / "data.csv").write_text("a\n1\n")
    server_env: dict[str, str] = {}
    set_kernel_autoload(True, server_env)
    env = kernel_env(
        {**server_env, "JPY_SESSION_NAME": str(mv_project / "train.ipynb")},
        ipython_dir=ipython_dir_with_shipped_config(tmp_path),
    )
    with started_kernel(mv_project, env) as k:
        cell = "rows = open('data.csv').read()"
        k.run(cell)  # the very first cell: no %load_ext anywhere
        light = k.run(
            "import sys\nprint(type(get_ipython().find_line_magic('mv')).__name__,"
            " [m for m in ('jupyter_mv.store.store', 'sqlite_utils', 'pandas') if m in sys.modules])"
        )
        assert light.stdout == "method []\n"  # loaded, and the kernel did not pay for the store yet
        save_notebook(mv_project / "train.ipynb", [cell])
        assert k.run("%mv snapshot").stdout.startswith("v1 ")
    assert latest(mv_project).extra["kernel"]["files"]["data.csv"] == {"read": [1], "named": [1]}


def test_a_server_that_switches_autoload_off_leaves_only_the_guard(mv_project: Path, tmp_path: Path) -> None:
    server_env: dict[str, str] = {}
    set_kernel_autoload(False, server_env)
    env = kernel_env(server_env, ipython_dir=ipython_dir_with_shipped_config(tmp_path))
    with started_kernel(mv_project, env) as k:
        run = k.run(
            "import sys\nprint('jupyter_mv.kernel.session' in sys.modules,"
            " getattr(get_ipython().find_line_magic('mv'), '_jupyter_mv_guard', False))"
        )
        assert run.stdout == "False True\n"  # not loaded; `%mv` is the guard, not the shell's mv


def test_unloading_stops_capture_and_gives_back_the_guard(kernel: Kernel, mv_project: Path) -> None:
    (mv_project / "data.csv").write_text("a\n1\n")
    probe = (
        "import sys\nm = get_ipython().find_line_magic('mv')\nprint(type(m).__name__, hasattr(m, '_jupyter_mv_guard'))"
    )
    assert kernel.run(probe).stdout == "method False\n"
    kernel.run("%unload_ext jupyter_mv")
    assert kernel.run(probe).stdout == "function True\n"  # what `%mv` was before: the guard
    kernel.run("rows = open('data.csv').read()")
    kernel.run("%load_ext jupyter_mv")
    save_notebook(mv_project / "train.ipynb", ["x = 1"])
    kernel.run("%mv snapshot")
    assert latest(mv_project).file("data.csv") is None  # read while unloaded: not recorded


class TestFromARealServer:
    """The whole path: a Jupyter server with jupyter_mv enabled starts a notebook's
    kernel through its sessions API; the kernel has ``%mv`` and knows its notebook."""

    @pytest.fixture
    def kernel_setup(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        # What an installed jupyter-mv provides (the config under etc/ipython, the
        # package on the path), and nothing decided yet: the server sets the variable.
        monkeypatch.delenv(AUTOLOAD_ENV, raising=False)
        monkeypatch.delenv("JUPYTER_MV_STORE", raising=False)
        monkeypatch.setenv("IPYTHONDIR", str(ipython_dir_with_shipped_config(tmp_path)))
        monkeypatch.setenv("PYTHONPATH", package_env()["PYTHONPATH"])
        monkeypatch.setenv("JUPYTER_MV_AUTHOR", "tester")

    @pytest.fixture
    def jp_server_config(self, kernel_setup: None) -> Config:
        return Config({"ServerApp": {"jpserver_extensions": {"jupyter_mv": True}}})

    async def test_the_notebooks_kernel_loads_jupyter_mv(self, jp_fetch, jp_serverapp, jp_root_dir: Path) -> None:
        Store.init(jp_root_dir).close()
        notebook = save_notebook(jp_root_dir / "train.ipynb", ["x = 1"])
        body = {"path": "train.ipynb", "name": "train.ipynb", "type": "notebook", "kernel": {"name": "python3"}}
        session = json.loads((await jp_fetch("api", "sessions", method="POST", body=json.dumps(body))).body)
        kernel_id = session["kernel"]["id"]
        kc = BlockingKernelClient()
        kc.load_connection_info(jp_serverapp.kernel_manager.get_kernel(kernel_id).get_connection_info())
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            k = Kernel(None, kc)
            assert k.run("%mv notebook").stdout == f"notebook: {notebook}\n"
            assert k.run("%mv snapshot -m 'from the server'").stdout.startswith("v1 ")
        finally:
            kc.stop_channels()
            await jp_serverapp.kernel_manager.shutdown_kernel(kernel_id, now=True)
        assert latest(jp_root_dir).message == "from the server"
