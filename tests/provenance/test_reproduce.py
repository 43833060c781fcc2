"""``reproduce``: the notebook re-run in a fresh kernel, cell by cell against the record."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import nbformat
import pytest

from jupyter_mv.provenance import reproduce, validate
from jupyter_mv.provenance.normalize import compare_cell, normalize_text
from jupyter_mv.store import Store
from tests.helpers import package_env, run_cli

from .conftest import Trained, run_notebook

DETERMINISTIC = [
    "import os\nprint(os.getcwd())",
    "print(object())  # a memory address",
    "%time total = sum(range(100_000))",
    "import numpy as np\nrng = np.random.default_rng(7)\nrng.integers(0, 100, 5)",
    "with open('data.txt') as f:\n    data = f.read()\nopen('result.txt', 'w').write(data.upper())",
]
RANDOM = [
    "import random\nprint('no randomness here')",
    "print(random.random())",
    "import numpy as np\nnp.random.rand(3)",
    "print(sum(range(10)))",
]


def _project(project: Path, tmp_path: Path, cells: list[str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """The notebook run in a real kernel and snapshotted by its last cell (``%mv snapshot``);
    then kernels that reproduce starts import the jupyter_mv under test, as that one did."""
    (project / "data.txt").write_text("some data\n")
    notebook = project / "nb.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells] + [nbformat.v4.new_code_cell("%mv snapshot -m run")]
    nbformat.write(nb, str(notebook))
    Store.init(project).close()
    run_notebook(project, notebook, tmp_path, last_unsaved=1)
    monkeypatch.setenv("PYTHONPATH", package_env()["PYTHONPATH"])
    return notebook


def test_normalising_leaves_out_what_changes_from_run_to_run() -> None:
    text = (
        "<__main__.A object at 0x7f3a2b1c4d50>\nCPU times: user 3 ms, sys: 0 ns, total: 3 ms\n"
        "Wall time: 2.86 ms\n12.3 µs ± 1.2 µs per loop (mean ± std. dev. of 7 runs, 100,000 loops each)\n"
        "100%|██████████| 10/10 [00:01<00:00,  9.45it/s]\njupyter-mv: a message of ours\n/tmp/run-1/data\n"
    )
    assert normalize_text(text, {"/tmp/run-1": "/home/me/project"}) == (
        "<__main__.A object at 0x…>\nCPU times: <time>\nWall time: <time>\n<timeit>\n"
        "100%|██████████| 10/10 [<elapsed>]\n/home/me/project/data\n"
    )
    a = [{"output_type": "stream", "name": "stdout", "text": "0.1\n"}]
    b = [{"output_type": "stream", "name": "stdout", "text": "0.7\n"}]
    assert compare_cell(a, a) == {"same": True, "diff": [], "recorded": 1, "produced": 1}
    assert compare_cell(a, b)["diff"] == ["@@ -1 +1 @@", "-stdout: 0.1", "+stdout: 0.7"]


def test_a_deterministic_notebook_reproduces_identically(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(project, tmp_path, DETERMINISTIC, monkeypatch)
    before = set(Path(tempfile.gettempdir()).glob("jupyter-mv-reproduce-*"))
    with Store.open(project) as store:
        result = reproduce(store, "nb.ipynb")
    validate(result, definition="reproduce")
    assert result["status"] == "identical", result
    assert [c["status"] for c in result["cells"]] == ["identical"] * 5 + ["skipped"]
    assert result["files"] == [
        {
            "path": "result.txt",
            "status": "identical",
            "recorded": result["files"][0]["recorded"],
            "reproduced": result["files"][0]["recorded"],
        }
    ]
    assert result["environment"]["status"] == "unchanged", result["environment"]["differences"]
    assert result["kernel"]["jupyter_mv"]
    assert result["summary"] == "identical: 5 cells, 1 file match"
    assert result["folder"] is None and set(Path(tempfile.gettempdir()).glob("jupyter-mv-reproduce-*")) == before


def test_unseeded_random_numbers_name_the_cells_that_differ(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(project, tmp_path, RANDOM, monkeypatch)
    with Store.open(project) as store:
        result = reproduce(store, "v1")
    validate(result, definition="reproduce")
    assert result["status"] == "different"
    assert {c["position"]: c["status"] for c in result["cells"]} == {
        1: "identical",
        2: "different",
        3: "different",
        4: "identical",
        5: "skipped",
    }
    assert result["summary"] == "different: cells 2, 3 differ"
    second = result["cells"][1]["diff"]
    assert second[1].startswith("-stdout: 0.") and second[2].startswith("+stdout: 0.")
    done = run_cli("reproduce", "v1", cwd=project, env={"PYTHONPATH": os.environ["PYTHONPATH"]})
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Reproducing nb.ipynb@v1 (") and lines[1] == "environment: the same as recorded"
    assert "  ✗ cell 2   [2]    different" in lines and "  ✓ cell 4   [4]    identical" in lines
    assert lines[-1].startswith("different: cells 2, 3 differ  (")


def test_the_example_model_reproduces_from_the_command_line(trained: Trained) -> None:
    done = run_cli("reproduce", "cancer@production", "--json", cwd=trained.root)
    result = json.loads(done.stdout)
    validate(result, definition="reproduce")
    assert done.returncode == 0 and result["status"] == "identical", result["summary"]
    [model] = result["models"]
    assert model == {
        "label": "cancer:1",
        "status": "identical",
        "recorded": model["recorded"],
        "reproduced": model["recorded"],
    }
    assert [(m["name"], m["status"]) for m in result["metrics"]] == [("accuracy", "identical")]
    assert [f["path"] for f in result["files"] if f["status"] == "identical"] == ["models/model.joblib"]
    image_cell = next(c for c in result["cells"] if c["position"] == 5)
    assert image_cell["status"] == "identical"  # the plot's PNG, byte for byte
