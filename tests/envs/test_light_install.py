"""The light install: jupyter-mv alone (no extra) in a kernel's environment brings the
store's libraries, not JupyterLab nor jupyter_server, and ``%load_ext jupyter_mv`` works
in a kernel of that environment; the server extension there says what to install."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ..venvs import cached_venv, clean_env, installed, own_wheel
from .conftest import venv_kernel


@pytest.fixture(scope="module")
def light_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheel = own_wheel(tmp_path_factory.mktemp("wheel"))
    return cached_venv("light-install", ["ipykernel"], wheel=wheel)


def test_the_light_install_leaves_jupyterlab_and_the_server_out(light_python: Path) -> None:
    names = installed(light_python)
    assert "jupyter-mv" in names and "ipykernel" in names
    assert not names & {"jupyterlab", "jupyter-server", "jupyterlab-server", "notebook"}


def test_load_ext_works_in_a_kernel_of_the_light_environment(light_python: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    env = clean_env(IPYTHONDIR=str(tmp_path / "ipython"), JUPYTER_MV_AUTOLOAD="0")
    with venv_kernel(light_python, project, env, tmp_path / "specs") as k:
        k.run("%load_ext jupyter_mv")
        ran = k.run("import jupyter_mv, sys\nprint(jupyter_mv.__file__)\n%mv metric accuracy=0.5")
        assert ran.stdout.splitlines()[0].startswith(str(light_python.parents[1]))  # the wheel's copy
        assert "metrics for the next version: accuracy=0.5" in ran.stdout
        assert "jupyter_server" not in k.run("print(sorted(sys.modules))").stdout


def test_the_server_extension_says_what_to_install_without_the_lab_extra(light_python: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(light_python), "-c", "import jupyter_mv.server"],
        env=clean_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "ImportError: jupyter-mv's server extension needs jupyter_server and JupyterLab, which this environment "
        "lacks: install them with `pip install 'jupyter-mv[lab]'` where JupyterLab runs"
    )
