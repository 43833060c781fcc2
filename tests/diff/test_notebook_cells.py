"""Cells: inserted, deleted, moved, edited; with ids, without, regenerated; nbformat 4.0."""

from __future__ import annotations

import copy
import json
import uuid


def _by_status(d, status):
    return [c for c in d["notebook"]["cells"] if c["status"] == status]


def _base(code, md, stream):
    return [
        md("# Churn model"),
        code("import pandas as pd\ndf = pd.read_csv('data.csv')", count=1),
        code("df.describe()", [stream("rows: 100\n")], count=2),
        code("model = fit(df, lr=0.1)\nscore = evaluate(model)\nprint(score)", [stream("0.81\n")], count=3),
        md("## Notes\n\nLearning rate matters."),
        code("save(model, 'model.pkl')", count=4),
    ]


def test_identical_notebooks_give_an_empty_diff(notebook, code, md, stream, run_diff):
    nb = notebook(*_base(code, md, stream))
    d = run_diff(nb, copy.deepcopy(nb))
    assert d["empty"] is True
    assert d["notebook"]["status"] == "unchanged"
    assert d["notebook"]["cells"] == []
    assert d["notebook"]["summary"]["unchanged"] == 6


def test_inserted_cell_is_added_at_its_index_in_b(notebook, code, md, stream, run_diff):
    a = notebook(*_base(code, md, stream))
    b = copy.deepcopy(a)
    new = json.loads(json.dumps(code("df = df.dropna()", count=None)))
    b["cells"].insert(2, new)
    d = run_diff(a, b)
    assert d["empty"] is False
    (added,) = d["notebook"]["cells"]
    assert added["status"] == "added"
    assert added["a"] is None
    assert added["b"]["index"] == 2 and added["b"]["id"] == new["id"]
    assert added["b"]["source"] == "df = df.dropna()"
    assert d["notebook"]["summary"] == {"added": 1, "removed": 0, "modified": 0, "moved": 0, "unchanged": 6}


def test_deleted_cell_is_removed_with_its_source_and_outputs(notebook, code, md, stream, run_diff):
    a = notebook(*_base(code, md, stream))
    b = copy.deepcopy(a)
    gone = b["cells"].pop(2)
    d = run_diff(a, b)
    (removed,) = d["notebook"]["cells"]
    assert removed["status"] == "removed"
    assert removed["b"] is None
    assert removed["a"]["index"] == 2 and removed["a"]["id"] == gone["id"]
    assert removed["a"]["source"] == "df.describe()"
    assert removed["a"]["outputs"][0]["text"] == "rows: 100\n"


def test_moved_cell_is_reported_once_as_moved(notebook, code, md, stream, run_diff):
    a = notebook(*_base(code, md, stream))
    b = copy.deepcopy(a)
    b["cells"].append(b["cells"].pop(1))  # the import cell goes to the end
    d = run_diff(a, b)
    (moved,) = d["notebook"]["cells"]
    assert moved["status"] == "moved"
    assert moved["changes"] == ["moved"]
    assert (moved["a"]["index"], moved["b"]["index"]) == (1, 5)
    assert moved["match"] == "id"
    assert d["notebook"]["summary"]["moved"] == 1
    assert d["notebook"]["summary"]["unchanged"] == 5


def test_edited_cell_has_line_level_hunks(notebook, code, md, stream, run_diff):
    a = notebook(*_base(code, md, stream))
    b = copy.deepcopy(a)
    b["cells"][3]["source"] = "model = fit(df, lr=0.01)\nscore = evaluate(model)\nprint(score)\n"
    d = run_diff(a, b)
    (cell,) = d["notebook"]["cells"]
    assert cell["status"] == "modified"
    assert cell["changes"] == ["source"]
    assert (cell["a"]["index"], cell["b"]["index"], cell["a"]["id"]) == (3, 3, a["cells"][3]["id"])
    (hunk,) = cell["source"]
    ops = [(line["op"], line["text"]) for line in hunk["lines"]]
    assert ("-", "model = fit(df, lr=0.1)") in ops
    assert ("+", "model = fit(df, lr=0.01)") in ops
    assert (" ", "score = evaluate(model)") in ops
    # the last line gained a newline: shown as a changed line, not lost
    assert ("-", "print(score)") in ops and ("+", "print(score)") in ops
    assert hunk["a_start"] == 1 and hunk["b_start"] == 1


def test_moved_and_edited_cell_with_id_is_modified_and_moved(notebook, code, md, stream, run_diff):
    a = notebook(*_base(code, md, stream))
    b = copy.deepcopy(a)
    cell = b["cells"].pop(3)
    cell["source"] = ["model = fit(df, lr=0.5)\n", "score = evaluate(model)\n", "print(score)"]
    b["cells"].insert(0, cell)
    d = run_diff(a, b)
    (c,) = d["notebook"]["cells"]
    assert c["status"] == "modified"
    assert c["changes"] == ["moved", "source"]
    assert (c["a"]["index"], c["b"]["index"]) == (3, 0)


def test_regenerated_ids_still_pair_cells_by_content(notebook, code, md, stream, run_diff):
    a = notebook(*_base(code, md, stream))
    b = copy.deepcopy(a)
    for c in b["cells"]:
        c["id"] = uuid.uuid4().hex[:8]
    b["cells"][3]["source"] = "model = fit(df, lr=0.01)\nscore = evaluate(model)\nprint(score)"
    d = run_diff(a, b)
    nb = d["notebook"]
    # without content matching every cell would be removed and re-added
    assert nb["summary"]["added"] == 0 and nb["summary"]["removed"] == 0
    assert nb["matching"] == {"id": 0, "content": 5, "similar": 1}
    (cell,) = nb["cells"]
    assert cell["status"] == "modified" and cell["match"] == "similar"
    assert 0.6 <= cell["similarity"] < 1
    assert cell["a"]["id"] != cell["b"]["id"]
    assert d["empty"] is False


def test_regenerated_ids_alone_are_hidden_metadata(notebook, code, md, stream, run_diff):
    a = notebook(*_base(code, md, stream))
    b = copy.deepcopy(a)
    for c in b["cells"]:
        c["id"] = uuid.uuid4().hex[:8]
    assert run_diff(a, b)["empty"] is True
    d = run_diff(a, b, include_metadata=True)
    assert d["empty"] is False
    assert all(c["changes"] == ["id"] for c in d["notebook"]["cells"])


def test_notebooks_without_ids_match_by_content(notebook, code, md, stream, run_diff):
    a = notebook(*_base(code, md, stream), ids=False, minor=4)
    b = copy.deepcopy(a)
    b["cells"].insert(1, json.loads(json.dumps(code("x = 1"))))
    del b["cells"][1]["id"]
    b["cells"][4]["source"] = "model = fit(df, lr=0.2)\nscore = evaluate(model)\nprint(score)"
    b["cells"].append(b["cells"].pop(0))
    d = run_diff(a, b)
    nb = d["notebook"]
    statuses = sorted(
        (c["status"], c["a"]["index"] if c["a"] else None, c["b"]["index"] if c["b"] else None) for c in nb["cells"]
    )
    assert statuses == [("added", None, 0), ("modified", 3, 3), ("moved", 0, 6)]
    assert all(c["b"]["id"] is None for c in nb["cells"])
    assert nb["matching"]["id"] == 0


def test_nbformat_4_0_notebook_diffs_against_4_5(notebook, code, md, stream, run_diff):
    a = notebook(*_base(code, md, stream), ids=False, minor=0)
    assert a["nbformat_minor"] == 0 and "id" not in a["cells"][0]
    b = notebook(*_base(code, md, stream))  # same content, saved by a newer JupyterLab: ids added
    b["cells"][2]["outputs"][0]["text"] = ["rows: 120\n"]
    d = run_diff(a, b)
    nb = d["notebook"]
    assert nb["a"]["nbformat"] == "4.0" and nb["b"]["nbformat"] == "4.5"
    (cell,) = nb["cells"]
    assert cell["status"] == "modified" and cell["changes"] == ["outputs"]
    assert nb["hidden"]["metadata"] is True  # the nbformat version change is metadata
    d_meta = run_diff(a, b, include_metadata=True)
    assert {"key": "nbformat", "status": "changed", "a": "4.0", "b": "4.5"} in d_meta["notebook"]["metadata"]


def test_nbformat_3_notebook_is_converted(notebook, code, md, stream, run_diff):
    v3 = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": "old"},
        "worksheets": [
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "input": "x = 1",
                        "language": "python",
                        "outputs": [],
                        "prompt_number": 1,
                        "metadata": {},
                    },
                ],
                "metadata": {},
            }
        ],
    }
    b = notebook(code("x = 2", count=1))
    d = run_diff(v3, b)
    (cell,) = d["notebook"]["cells"]
    assert cell["status"] == "modified" and cell["changes"] == ["source"]


def test_execution_counts_only_are_empty_unless_metadata_is_asked(notebook, code, md, stream, display, run_diff):
    a = notebook(
        code("1 + 1", [display({"text/plain": "2"}, "execute_result", count=1)], count=1),
        code("print(3)", [stream("3\n")], count=2),
    )
    b = copy.deepcopy(a)
    b["cells"][0]["execution_count"] = 7
    b["cells"][0]["outputs"][0]["execution_count"] = 7
    b["cells"][1]["execution_count"] = 8
    d = run_diff(a, b)
    assert d["empty"] is True
    assert d["notebook"]["cells"] == []
    assert d["notebook"]["hidden"]["cells"] == 2
    d = run_diff(a, b, include_metadata=True)
    assert d["empty"] is False
    first, second = d["notebook"]["cells"]
    assert first["changes"] == ["outputs", "execution_count"]
    assert first["execution_count"] == {"a": 1, "b": 7}
    assert first["outputs"][0]["execution_count"] == {"a": 1, "b": 7}
    assert second["changes"] == ["execution_count"]


def test_cell_and_notebook_metadata_are_hidden_by_default(notebook, code, run_diff):
    a = notebook(code("x = 1", count=1))
    b = copy.deepcopy(a)
    b["cells"][0]["metadata"]["tags"] = ["parameters"]
    b["metadata"]["kernelspec"]["display_name"] = "Python 3.12"
    d = run_diff(a, b)
    assert d["empty"] is True
    assert d["notebook"]["hidden"] == {"cells": 1, "metadata": True}
    assert "metadata" not in d["notebook"]
    d = run_diff(a, b, include_metadata=True)
    (cell,) = d["notebook"]["cells"]
    assert cell["metadata"] == [{"key": "tags", "status": "added", "a": None, "b": ["parameters"]}]
    assert d["notebook"]["metadata"] == [
        {"key": "kernelspec.display_name", "status": "changed", "a": "Python 3", "b": "Python 3.12"}
    ]


def test_deleting_one_of_identical_cells_is_not_a_move(notebook, code, run_diff):
    cells = [code(""), code("x = 1"), code(""), code("y = 2"), code("")]
    a = notebook(*cells, ids=False, minor=4)
    b = copy.deepcopy(a)
    del b["cells"][0]
    d = run_diff(a, b)
    assert [c["status"] for c in d["notebook"]["cells"]] == ["removed"]
    assert d["notebook"]["summary"]["moved"] == 0


def test_removed_cells_are_listed_where_they_were(notebook, code, run_diff):
    a = notebook(*(code(f"step_{k}()") for k in range(6)))
    b = copy.deepcopy(a)
    del b["cells"][3]
    b["cells"].insert(1, json.loads(json.dumps(code("new_step()"))))
    d = run_diff(a, b)
    order = [(c["status"], (c["a"] or c["b"])["index"]) for c in d["notebook"]["cells"]]
    assert order == [("added", 1), ("removed", 3)]


def test_cell_type_change_is_a_modification(notebook, code, md, run_diff):
    a = notebook(code("# Title"))
    b = copy.deepcopy(a)
    c = b["cells"][0]
    c["cell_type"] = "markdown"
    for key in ("outputs", "execution_count"):
        c.pop(key)
    d = run_diff(a, b)
    (cell,) = d["notebook"]["cells"]
    assert cell["changes"] == ["cell_type"]
    assert (cell["a"]["cell_type"], cell["b"]["cell_type"]) == ("code", "markdown")


def test_notebook_only_on_one_side(notebook, code, run_diff):
    nb = notebook(code("x = 1"))
    d = run_diff(None, nb)
    assert d["notebook"]["status"] == "added"
    assert d["notebook"]["a"] is None
    assert [c["status"] for c in d["notebook"]["cells"]] == ["added"]
    assert run_diff(nb, None)["notebook"]["status"] == "removed"


def test_large_notebook_with_regenerated_ids_pairs_every_edited_cell(notebook, code, run_diff):
    n = 2000
    a = notebook(*(code(f"result_{k} = compute({k}, factor={k * 7 % 13})\nprint(result_{k})") for k in range(n)))
    b = copy.deepcopy(a)
    for k, c in enumerate(b["cells"]):
        c["id"] = f"regen{k}"
        if k % 50 == 0:
            c["source"] = c["source"] + ["\nlog(result)"]
    d = run_diff(a, b)
    nb = d["notebook"]
    assert nb["summary"]["modified"] == n // 50
    assert nb["summary"]["added"] == nb["summary"]["removed"] == 0
    assert nb["matching"]["similar"] == n // 50


def test_moved_and_edited_cell_without_ids_is_found_across_the_notebook(notebook, code, run_diff):
    cells = [code(f"step_{k} = run_step({k}, data=frame, retries=3)\nlog(step_{k})") for k in range(30)]
    a = notebook(*cells, ids=False, minor=4)
    b = copy.deepcopy(a)
    cell = b["cells"].pop(3)
    cell["source"] = ["step_3 = run_step(3, data=frame, retries=5)\n", "log(step_3)"]
    b["cells"].insert(25, cell)
    (c,) = run_diff(a, b)["notebook"]["cells"]
    assert c["status"] == "modified" and c["changes"] == ["moved", "source"]
    assert (c["a"]["index"], c["b"]["index"], c["match"]) == (3, 25, "similar")


def test_unrelated_cells_are_not_paired(notebook, code, md, run_diff):
    a = notebook(code("import numpy as np"), md("# Intro"), code("train(model)"))
    b = notebook(code("import numpy as np"), md("A completely different paragraph of prose."), code("train(model)"))
    statuses = sorted(c["status"] for c in run_diff(a, b)["notebook"]["cells"])
    assert statuses == ["added", "removed"]
