"""``POST reproduce``: a version's notebook run again in a fresh kernel as a task with
progress, its result the per-cell verdict table."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nbformat
import pytest

from jupyter_mv.provenance import validate
from jupyter_mv.store import Store

from ..helpers import package_env
from ..provenance.conftest import run_notebook
from .api import call, ok
from .test_openapi import check

CELLS = [
    "import random\nprint('no randomness here')",
    "print(random.random())",
    "print(sum(range(10)))",
]


@pytest.fixture
def recorded(jp_root_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """``lab/nb.ipynb`` run in a real kernel, saved with its outputs and snapshotted by its
    last cell; the kernels that reproduce starts import the jupyter_mv under test."""
    notebook = jp_root_dir / "lab" / "nb.ipynb"
    notebook.parent.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in [*CELLS, "%mv snapshot -m run"]]
    nbformat.write(nb, str(notebook))
    Store.init(jp_root_dir).close()
    run_notebook(jp_root_dir, notebook, tmp_path, last_unsaved=1)
    monkeypatch.setenv("PYTHONPATH", package_env()["PYTHONPATH"])
    return "lab/nb.ipynb"


async def test_reproduce_runs_as_a_task_with_progress_and_answers_the_verdict_table(jp_fetch, recorded):
    started = await ok(jp_fetch, "POST", "reproduce", body={"path": recorded, "ref": "v1"}, expect=202)
    check("Task", started["task"])
    assert started["task"]["kind"] == "reproduce"
    task, steps = started["task"], set()
    for _ in range(6000):
        if task["state"] != "running":
            break
        steps.add((task["progress"]["step"], task["progress"]["total"]))
        await asyncio.sleep(0.05)
        task = await ok(jp_fetch, "GET", "tasks", task["id"], params={"path": recorded})
    assert task["state"] == "done", task
    check("Task", task)
    result = task["result"]
    validate(result, definition="reproduce")
    assert result["error"] is None, result["error"]
    assert ("reproduce", 4) in steps  # the cells run, counted
    assert [(c["position"], c["status"]) for c in result["cells"]] == [
        (1, "identical"),
        (2, "different"),
        (3, "identical"),
        (4, "skipped"),
    ]
    first = result["cells"][1]["first"]
    assert first["recorded"].startswith("stdout: 0.") and first["recorded"] != first["reproduced"]
    assert result["status"] == "different" and result["summary"] == "different: cell 2 differs"
    assert result["subject"]["ref"] == "v1"
    assert "/" not in (result["kernel"]["python"] or "").replace("<server path>", "")  # no server paths


async def test_reproduce_refuses_bad_requests_before_any_task(jp_fetch, recorded):
    for body, status in [
        ({"path": recorded, "ref": "v9"}, 404),
        ({"path": recorded, "ref": "v1", "rtol": -1}, 400),
        ({"path": recorded, "ref": "v1", "rtol": "loose"}, 400),
        ({"path": "../outside.ipynb", "ref": "v1"}, 400),
        ({"path": recorded}, 400),
    ]:
        code, answer = await call(jp_fetch, "POST", "reproduce", body=body)
        assert (code, sorted(answer)) == (status, ["error", "message"]), (body, answer)
