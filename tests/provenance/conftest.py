"""A real project made from examples/: the training notebook run in a real kernel
with jupyter-mv loaded, saved, snapshotted, its model saved into the registry."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from jupyter_mv.store import Store
from tests.kernel.conftest import kernel, kernel_env, mv_project  # noqa: F401 (kernel, mv_project: fixtures)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
OUTPUT = Path(__file__).resolve().parents[1] / "output" / "provenance"

#: Cells appended to the example: log its accuracy and params, then save the model.
LOG_CELL = 'import jupyter_mv as mv\nmv.log_metric("accuracy", float(accuracy))\nmv.log_params(params)'
SAVE_CELL = "%mv save model --name cancer --alias production --snapshot"


@dataclass
class Trained:
    root: Path
    notebook: Path


def run_notebook(root: Path, notebook: Path, tmp: Path, *, last_unsaved: int = 0) -> nbformat.NotebookNode:
    """Run ``notebook`` top to bottom in a fresh kernel with jupyter-mv loaded (as JupyterLab
    would, the server telling the kernel its notebook), save it with its outputs, then run
    the last ``last_unsaved`` cells (typically ``%mv save``) after the save."""
    nb = nbformat.read(notebook, as_version=4)
    env = kernel_env({"JPY_SESSION_NAME": str(notebook)}, ipython_dir=tmp / "ipython")
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(root)}})
    cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    saved_before = cells[len(cells) - last_unsaved] if last_unsaved else len(nb.cells)
    with client.setup_kernel(env=env):
        boot = nbformat.v4.new_code_cell("%load_ext jupyter_mv")
        nb.cells.append(boot)  # nbclient writes an executed cell back at its index
        client.execute_cell(boot, len(nb.cells) - 1, store_history=False)
        nb.cells.pop()
        assert not [o for o in boot.outputs if o.get("output_type") == "error"], boot.outputs
        for index in cells:
            if index == saved_before:
                _save(notebook, nb)
            client.execute_cell(nb.cells[index], index)
            errors = [o for o in nb.cells[index].outputs if o.get("output_type") == "error"]
            text = "".join(o.get("text", "") for o in nb.cells[index].outputs if o.get("name") == "stderr")
            assert not errors and "error" not in text, (nb.cells[index].source, nb.cells[index].outputs)
        if saved_before == len(nb.cells):
            _save(notebook, nb)
    return nb


def _save(path: Path, nb: nbformat.NotebookNode) -> None:
    nbformat.write(nb, str(path))
    later = time.time() + 1  # saved after the cells that ran so far, as a front end saves
    os.utime(path, (later, later))


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    """The example trained for real: ``cancer:1`` (``@production``) made by ``train.ipynb@v1``,
    which read ``data/breast_cancer.csv`` and wrote ``models/model.joblib``."""
    base = tmp_path_factory.mktemp("example")
    root = base / "project"
    (root / "data").mkdir(parents=True)
    shutil.copy(EXAMPLES / "data" / "breast_cancer.csv", root / "data" / "breast_cancer.csv")
    nb = nbformat.read(EXAMPLES / "train.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.cells.append(nbformat.v4.new_code_cell(LOG_CELL))
    nb.cells.append(nbformat.v4.new_code_cell(SAVE_CELL))
    notebook = root / "train.ipynb"
    nbformat.write(nb, str(notebook))
    Store.init(root).close()
    run_notebook(root, notebook, base, last_unsaved=1)
    return Trained(root, notebook)


@pytest.fixture
def output_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
