"""``reproduce``: the notebook re-run in a fresh kernel, cell by cell against the record."""

from __future__ import annotations

import base64
import io
import json
import os
import tempfile
from pathlib import Path

import nbformat
import pytest

from jupyter_mv.provenance import reproduce, validate
from jupyter_mv.provenance.normalize import Rules, compare_cell, normalize_text
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
        "<progress>\n/home/me/project/data\n"
    )
    a = [{"output_type": "stream", "name": "stdout", "text": "0.1\n"}]
    b = [{"output_type": "stream", "name": "stdout", "text": "0.7\n"}]
    assert compare_cell(a, a) == {
        "status": "identical",
        "same": True,
        "diff": [],
        "first": None,
        "recorded": 1,
        "produced": 1,
    }
    different = compare_cell(a, b)
    assert different["status"] == "different"
    assert different["diff"] == ["@@ -1 +1 @@", "-stdout: 0.1", "+stdout: 0.7"]
    assert different["first"] == {
        "line": 1,
        "recorded": "stdout: 0.1",
        "reproduced": "stdout: 0.7",
        "value": ["0.1", "0.7"],
    }
    assert normalize_text("saved 2026-11-20T16:02:11Z, run 2026-11-21") == "saved <datetime>, run <date>"
    assert normalize_text("loss 0.3 (run 17)", rules=Rules(ignore=(r"run \d+",))) == "loss 0.3 (<ignored>)"


def test_numbers_compare_within_a_relative_tolerance() -> None:
    def out(text: str) -> list[dict]:
        return [{"output_type": "execute_result", "data": {"text/plain": text}, "metadata": {}, "execution_count": 1}]

    close = compare_cell(out("array([0.1, 2.5])"), out("array([0.10000000001, 2.5])"))
    assert close["status"] == "within_tolerance" and close["same"] and close["diff"] == []
    assert compare_cell(out("0.1"), out("0.10000000001"), rules=Rules(rtol=0))["status"] == "different"
    assert compare_cell(out("0.1"), out("0.1001"))["status"] == "different"  # 1e-3 apart
    assert compare_cell(out("loss 0.1"), out("gain 0.1"))["status"] == "different"  # the text differs


def test_images_compare_by_pixels_with_a_threshold() -> None:
    from PIL import Image

    def png(shade: int, size: tuple[int, int] = (40, 30)) -> list[dict]:
        image = Image.new("RGB", size, (shade, 100, 100))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=1 if shade % 2 else 9)
        data = {"image/png": base64.b64encode(buffer.getvalue()).decode(), "text/plain": "<Figure>"}
        return [{"output_type": "display_data", "data": data, "metadata": {}}]

    assert compare_cell(png(100), png(100))["status"] == "identical"
    assert compare_cell(png(100), png(101))["status"] == "within_tolerance"  # re-encoded, one shade off
    assert compare_cell(png(100), png(200))["status"] == "different"
    assert compare_cell(png(100), png(101), rules=Rules(image_threshold=0))["status"] == "different"
    assert compare_cell(png(100), png(100, (41, 30)))["status"] == "different"


def test_a_deterministic_notebook_reproduces_identically(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(project, tmp_path, DETERMINISTIC, monkeypatch)
    before = set(Path(tempfile.gettempdir()).glob("jupyter-mv-reproduce-*"))
    with Store.open(project) as store:
        result = reproduce(store, "nb.ipynb")
    validate(result, definition="reproduce")
    assert result["status"] == "reproduced", result
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
    assert result["summary"] == "reproduced: 5 cells identical, 1 file"
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
    first = result["cells"][1]["first"]
    assert first["value"] == [second[1].split(": ")[1], second[2].split(": ")[1]]  # the first differing value
    done = run_cli("reproduce", "v1", cwd=project, env={"PYTHONPATH": os.environ["PYTHONPATH"]})
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Reproducing nb.ipynb@v1 (") and lines[1] == "environment: the same as recorded"
    assert "  ✗ cell 2   [2]    different" in lines and "  ✓ cell 4   [4]    identical" in lines
    shown = lines[lines.index("  ✗ cell 2   [2]    different") + 1]
    assert shown.startswith("      first difference in line 1: recorded 0.") and ", reproduced 0." in shown
    assert lines[-1].startswith("different: cells 2, 3 differ  (")


def test_the_example_model_reproduces_from_the_command_line(trained: Trained) -> None:
    done = run_cli("reproduce", "cancer@production", "--json", cwd=trained.root)
    result = json.loads(done.stdout)
    validate(result, definition="reproduce")
    assert done.returncode == 0 and result["status"] == "reproduced", result["summary"]
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


def test_a_metric_cell_takes_the_metrics_verdict_and_unrecorded_outputs_are_not_differences(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = [
        "import random\nscore = random.random()",
        "%mv metric score={score} fixed=3",
        "print('printed, but saved without outputs')",
        "import os\nprint(os.environ.get('MPLBACKEND'))",
    ]
    notebook = _project(project, tmp_path, cells, monkeypatch)
    with Store.open(project) as store:
        version = store.log()[0]
    assert version.metrics["fixed"] == 3
    # the version's notebook saved without the third cell's outputs (as a stripping tool does)
    nb = nbformat.read(notebook, 4)
    assert nb.cells[2].outputs
    monkeypatch.setenv("MPLBACKEND", "Agg")  # differs from the recorded run, and is no difference
    monkeypatch.setenv("VIRTUAL_ENV", "/somewhere/else")
    with Store.open(project) as store:
        stripped = tmp_path / "stripped"
        store.restore(version, [version.notebook], to=stripped)
        nb = nbformat.read(stripped / version.notebook, 4)
        nb.cells[2].outputs = []
        nbformat.write(nb, str(project / version.notebook))
        later = store.snapshot(version.notebook, message="stripped", metrics=version.metrics, environment="auto")
        result = reproduce(store, later.name)
    validate(result, definition="reproduce")
    by_position = {c["position"]: c for c in result["cells"]}
    assert by_position[2]["status"] == "different"  # the %mv metric cell: its metric `score` differs
    assert "score" in by_position[2]["reason"] and by_position[2]["first"]["recorded"].startswith("score=")
    assert by_position[3]["status"] == "not_recorded"
    assert by_position[5]["status"] == "skipped"  # %mv snapshot
    assert {m["name"]: m["status"] for m in result["metrics"]} == {"score": "different", "fixed": "identical"}
    assert not [d for d in result["environment"]["differences"] if "VIRTUAL_ENV" in d or "MPLBACKEND" in d]
    assert result["status"] == "different" and "cell 3" not in result["summary"]
