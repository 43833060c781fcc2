"""Auto-load: a kernel started by a server that asks for it (``JUPYTER_MV_AUTOLOAD=1``,
the shipped IPython kernel config) captures from its first cell without ``%load_ext``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from jupyter_mv.server.autoload import set_kernel_autoload

from .conftest import Kernel, kernel_env, latest, save_notebook, started_kernel

SHIPPED_CONFIG = Path(__file__).parents[2] / "jupyter-config" / "ipython" / "ipython_kernel_config.json"


def ipython_dir_with_shipped_config(tmp_path: Path) -> Path:
    """An IPython folder whose profile holds the config file the wheel installs
    into ``etc/ipython`` (IPython reads both places the same way)."""
    folder = tmp_path / "ipython"
    (folder / "profile_default").mkdir(parents=True)
    shutil.copy(SHIPPED_CONFIG, folder / "profile_default" / "ipython_kernel_config.json")
    return folder


def test_the_shipped_config_names_the_autoload_extension() -> None:
    config = json.loads(SHIPPED_CONFIG.read_text())
    assert config == {"InteractiveShellApp": {"extra_extensions": ["jupyter_mv.kernel.autoload"]}}


def test_a_kernel_the_server_asks_for_loads_jupyter_mv_at_start(mv_project: Path, tmp_path: Path) -> None:
    (mv_project / "data.csv").write_text("a\n1\n")
    server_env: dict[str, str] = {}
    set_kernel_autoload(True, server_env)
    env = kernel_env({**server_env, "JPY_SESSION_NAME": str(mv_project / "train.ipynb")},
                     ipython_dir=ipython_dir_with_shipped_config(tmp_path))
    with started_kernel(mv_project, env) as k:
        cell = "rows = open('data.csv').read()"
        k.run(cell)  # the very first cell: no %load_ext anywhere
        light = k.run("import sys\nprint(type(get_ipython().find_line_magic('mv')).__name__,"
                      " [m for m in ('jupyter_mv.store.store', 'sqlite_utils', 'pandas') if m in sys.modules])")
        assert light.stdout == "method []\n"  # loaded, and the kernel did not pay for the store yet
        save_notebook(mv_project / "train.ipynb", [cell])
        assert k.run("%mv snapshot").stdout.startswith("v1 ")
    assert latest(mv_project).extra["kernel"]["files"]["data.csv"] == {"read": [1], "named": [1]}


def test_without_the_server_asking_nothing_is_loaded(mv_project: Path, tmp_path: Path) -> None:
    server_env: dict[str, str] = {}
    set_kernel_autoload(False, server_env)
    env = kernel_env(server_env, ipython_dir=ipython_dir_with_shipped_config(tmp_path))
    with started_kernel(mv_project, env) as k:
        run = k.run("import sys\nprint('jupyter_mv.kernel.session' in sys.modules,"
                    " type(get_ipython().find_line_magic('mv')).__name__)")
        assert run.stdout == "False Alias\n"  # IPython's own shell alias `%mv` (the mv command)


def test_unloading_stops_capture_and_gives_back_the_shell_alias(kernel: Kernel, mv_project: Path) -> None:
    (mv_project / "data.csv").write_text("a\n1\n")
    probe = "import sys\nprint(type(get_ipython().find_line_magic('mv')).__name__)"
    assert kernel.run(probe).stdout == "method\n"
    kernel.run("%unload_ext jupyter_mv")
    assert kernel.run(probe).stdout == "Alias\n"
    kernel.run("rows = open('data.csv').read()")
    kernel.run("%load_ext jupyter_mv")
    save_notebook(mv_project / "train.ipynb", ["x = 1"])
    kernel.run("%mv snapshot")
    assert latest(mv_project).file("data.csv") is None  # read while unloaded: not recorded
