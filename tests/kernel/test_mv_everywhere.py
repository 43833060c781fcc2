"""``%mv`` is jupyter-mv's wherever jupyter-mv is installed: notebooks run by nbconvert and
papermill log their metrics and snapshot (no ``%load_ext``, no init step), and where the
extension is not loaded ``%mv VERB`` never reaches the shell's ``mv``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import tomllib

from jupyter_mv.store import Store

from .conftest import kernel_env, started_kernel
from .test_autoload import SHIPPED, ipython_dir_with_shipped_config

BIN = Path(sys.executable).parent
CELLS = [
    "%mv notebook train.ipynb",
    "auc = round(0.5 + 0.43, 2)",
    "%mv metric auc={auc} rows=120",
    "%mv snapshot -m run",
]


def notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    path = folder / "train.ipynb"
    nbformat.write(nb, path)
    return path


def run(argv: list[str], cwd: Path, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = kernel_env(extra, ipython_dir=ipython_dir_with_shipped_config(tmp_path), autoload=True)
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def check_logged(project: Path, executed: Path) -> None:
    outputs = [c.get("outputs", []) for c in nbformat.read(executed, 4).cells]
    assert [o["text"] for o in outputs[2]] == ["metrics for the next version: auc=0.93, rows=120\n"]
    with Store.open(project) as store:  # the first snapshot made the store: no init step
        (version,) = store.log()
        assert version.metrics == {"auc": 0.93, "rows": 120}
        assert version.message == "run"


def test_the_shipped_config_is_installed_where_ipython_reads_it() -> None:
    pyproject = tomllib.loads((SHIPPED.parents[1] / "pyproject.toml").read_text())
    shared = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["shared-data"]
    assert shared["jupyter-config/ipython"] == "etc/ipython"  # sys.prefix/etc/ipython: IPython's system config


def test_nbconvert_execute_logs_the_metric(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    notebook(project)
    argv = [str(BIN / "jupyter-nbconvert"), "--to", "notebook", "--execute", "train.ipynb", "--output", "out.ipynb"]
    done = run(argv, project, tmp_path)
    assert done.returncode == 0, done.stderr
    check_logged(project, project / "out.ipynb")


def test_papermill_logs_the_metric(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    notebook(project)
    done = run([str(BIN / "papermill"), "train.ipynb", "out.ipynb", "-k", "python3"], project, tmp_path)
    assert done.returncode == 0, done.stderr
    check_logged(project, project / "out.ipynb")


FAILING = ["%mv notebook train.ipynb", "x = 1", "%mv tag v1", "print('after the failure')"]


@pytest.mark.parametrize("runner", ["nbconvert", "papermill"])
def test_a_failing_verb_fails_the_run_in_one_line(tmp_path: Path, runner: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in FAILING]
    nbformat.write(nb, project / "train.ipynb")
    if runner == "nbconvert":
        argv = [str(BIN / "jupyter-nbconvert"), "--to", "notebook", "--execute", "train.ipynb", "--output", "out.ipynb"]
    else:
        argv = [str(BIN / "papermill"), "train.ipynb", "out.ipynb", "-k", "python3"]
    done = run(argv, project, tmp_path)
    assert done.returncode != 0  # the run failed where the verb did
    assert "after the failure" not in done.stdout + done.stderr
    if runner == "nbconvert":  # it reports the failing cell with its one line
        assert "%mv tag: error: the following arguments are required: name" in done.stderr
    else:  # papermill names the failing cell, and keeps the notebook it ran up to it
        assert 'Exception encountered at "In [3]"' in done.stderr
        cells = {c.source: c for c in nbformat.read(project / "out.ipynb", 4).cells if c.cell_type == "code"}
        failed = "".join(o.get("text", "") for o in cells["%mv tag v1"].get("outputs", []))
        assert failed == "%mv tag: error: the following arguments are required: name (see `%mv help`)\n"
        assert cells["print('after the failure')"].get("execution_count") is None  # never ran


def test_a_plain_ipython_never_moves_a_file_named_like_a_verb(tmp_path: Path) -> None:
    (tmp_path / "restore").write_text("mine\n")
    done = run([str(BIN / "ipython"), "-c", "%mv restore v1"], tmp_path, tmp_path)
    assert (tmp_path / "restore").read_text() == "mine\n" and not (tmp_path / "v1").exists()
    assert "jupyter-mv is not loaded in this session: run `%load_ext jupyter_mv`" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr and "Invalid alias" not in done.stderr
    # other arguments are the shell's mv, as before
    (tmp_path / "a.txt").write_text("a\n")
    done = run([str(BIN / "ipython"), "-c", "%mv a.txt b.txt"], tmp_path, tmp_path)
    assert (tmp_path / "b.txt").read_text() == "a\n" and not (tmp_path / "a.txt").exists(), done.stderr


@pytest.mark.parametrize("off", ["0", "off"])
def test_a_kernel_with_autoload_off_refuses_our_verbs_in_one_line(tmp_path: Path, off: str) -> None:
    (tmp_path / "metric").write_text("mine\n")
    env = kernel_env({"JUPYTER_MV_AUTOLOAD": off}, ipython_dir=ipython_dir_with_shipped_config(tmp_path))
    with started_kernel(tmp_path, env) as k:
        refused = k.run("%mv metric a=1 b=2", check=False)
        assert "jupyter-mv is not loaded in this session" in refused.stderr
        assert "Traceback" not in refused.stderr
        k.run("%reset -f")  # resets IPython's aliases: the shell's mv does not come back
        again = k.run("%mv metric a=1 b=2", check=False)
        assert "jupyter-mv is not loaded" in again.stderr
        loaded = k.run("%load_ext jupyter_mv\n%mv metric a=1")
        assert loaded.stdout == "metrics for the next version: a=1\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["metric"]


def test_loading_at_kernel_start_imports_no_store(tmp_path: Path) -> None:
    env = kernel_env(ipython_dir=ipython_dir_with_shipped_config(tmp_path), autoload=True)
    with started_kernel(tmp_path, env) as k:
        got = k.run(
            "import sys\nprint(type(get_ipython().find_line_magic('mv')).__name__,"
            " [m for m in ('jupyter_mv.store', 'sqlite_utils', 'blake3', 'numpy') if m in sys.modules])"
        )
    assert got.stdout == "method []\n"
