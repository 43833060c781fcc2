"""An export that builds: the Docker build context's own files rebuild the image's
environment in a fresh virtual environment (pip, offline from the machine's wheel cache)
and its command runs there: the notebook runs with ``%mv`` working, logs its metric and
writes its model. No Docker engine needed.

The wheels come from ``~/.cache/jupyter-mv-tests/wheels`` (filled once with ``pip
download`` of the requirements when missing); the environment is kept per machine under
``~/.cache/jupyter-mv-tests/`` by the hash of its requirements, with jupyter-mv's wheel
installed again each run.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from jupyter_mv.store import Store

from ..helpers import package_env, run_cli
from ..kernel.test_autoload import ipython_dir_with_shipped_config

CACHE = Path.home() / ".cache" / "jupyter-mv-tests"
CELLS = [
    "import os, pickle\nweights = [0.5, 0.25]",
    "os.makedirs('models', exist_ok=True)\nwith open('models/model.pkl', 'wb') as f:\n    pickle.dump(weights, f)",
    "accuracy = round(sum(weights), 2)",
    "%mv metric accuracy={accuracy}",
    "%mv snapshot -m trained",
]


def _recorded_version(project: Path, tmp_path: Path) -> None:
    """train.ipynb run by nbconvert in this environment (jupyter-mv loaded by the shipped
    config); its own ``%mv snapshot`` records v1 with its environment."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    nbformat.write(nb, project / "train.ipynb")
    env = {**package_env(), "IPYTHONDIR": str(ipython_dir_with_shipped_config(tmp_path))}
    env["JPY_SESSION_NAME"] = str(project / "train.ipynb")
    env.pop("JUPYTER_MV_AUTOLOAD", None)
    argv = [str(Path(sys.executable).parent / "jupyter-nbconvert"), "--to", "notebook", "--execute", "--inplace"]
    done = subprocess.run([*argv, "train.ipynb"], cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _pip_install_line(context: Path) -> list[str]:
    """The Dockerfile's ``RUN pip install`` arguments, its /tmp paths mapped into the context."""
    line = next(x for x in (context / "Dockerfile").read_text().splitlines() if x.startswith("RUN pip install "))
    args = shlex.split(line)[3:]
    return [str(context / a[len("/tmp/") :]) if a.startswith("/tmp/") else a for a in args]


def _environment(context: Path) -> Path:
    """A venv built from the context's requirements (kept per machine) with the context's
    jupyter-mv wheel installed."""
    wheels = CACHE / "wheels"
    requirements = context / "requirements.txt"
    pinned = "\n".join(x for x in requirements.read_text().splitlines() if x and not x.startswith("#"))
    venv = CACHE / f"export-env-{hashlib.sha256(pinned.encode()).hexdigest()[:16]}"
    python = venv / "bin" / "python"
    args = _pip_install_line(context)
    ours = [a for a in args if a.endswith(".whl")]
    assert len(ours) == 1 and Path(ours[0]).name.startswith("jupyter_mv-")  # jupyter-mv itself is in the image
    if not (venv / ".complete").exists():
        shutil.rmtree(venv, ignore_errors=True)
        wheels.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "-d", str(wheels), "-r", str(requirements), "nbconvert"],
            check=True,
            capture_output=True,
        )
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        install = [str(python), "-m", "pip", "install", "-q", "--no-index", "--find-links", str(wheels), *args]
        done = subprocess.run(install, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        (venv / ".complete").touch()
    else:  # the pins are installed: this run's jupyter-mv, again
        reinstall = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", ours[0]]
        subprocess.run(reinstall, check=True, capture_output=True)
    return venv


def test_the_exported_context_builds_and_runs_the_notebook_with_mv(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    _recorded_version(project, tmp_path)
    context = tmp_path / "ctx"
    exported = run_cli("export", "train.ipynb@v1", "--dockerfile", str(context), cwd=project)
    assert exported.returncode == 0, exported.stderr
    readme = (context / "README.md").read_text()
    assert "## Checking the result" in readme and "sh run.sh" in readme

    venv = _environment(context)
    work, out = tmp_path / "work", tmp_path / "out"
    shutil.copytree(context / "project", work)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER_MV", "PYTHON", "JPY_"))}
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        MV_PROJECT=str(work),
        MV_OUT=str(out),
        IPYTHONDIR=str(tmp_path / "fresh-ipython"),  # no profile: only what the wheel installed
        JUPYTER_MV_AUTHOR="image",
    )
    ran = subprocess.run(["sh", str(context / "run.sh")], env=env, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stdout + ran.stderr

    executed = nbformat.read(out / "train.ipynb", 4)
    outputs = [c.get("outputs", []) for c in executed.cells]
    # %mv is jupyter-mv's, loaded
    assert [o["text"] for o in outputs[3]] == ["metrics for the next version: accuracy=0.75\n"]
    assert [o["text"] for o in outputs[4] if o["name"] == "stdout"][0].startswith("v1 ")
    with open(out / "models" / "model.pkl", "rb") as f:
        import pickle

        assert pickle.load(f) == [0.5, 0.25]
    assert "trained" in (out / "versions.txt").read_text()
    with Store.open(work) as store:
        (version,) = store.log()
        assert version.metrics == {"accuracy": 0.75} and version.file("models/model.pkl").role == "output"
    import_check = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import jupyter_mv, sys; print(jupyter_mv.__file__)"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert import_check.stdout.startswith(str(venv))  # the wheel's copy ran, not the source tree
