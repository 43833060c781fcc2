"""One notebook reader for every face: nbformat 2, 3 and 4.x read through nbformat's own
converters, odd metadata tolerated, one-line refusals at snapshot only for what nbformat
cannot read. Real stores in tmp_path, nbformat's own test notebooks (from its sdist,
tests/corpus.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from jupyter_mv.diff import validate
from jupyter_mv.diff.reader import kernel_name, kernelspec, read_notebook
from jupyter_mv.errors import InvalidInput
from jupyter_mv.provenance import build_report
from jupyter_mv.store import Store


def _store_state(store: Store, root: Path) -> tuple:
    return (
        store.count(kinds=("full", "light", "safety")),
        store.stats(),
        sorted(str(p.relative_to(root)) for p in (root / ".jupyter_mv").rglob("*.pack")),
    )


def _edit_v3(path: Path) -> None:
    """Change the v3 notebook's `print("hello")` cell, keeping its list-of-lines source."""
    data = json.loads(path.read_text())
    for cell in data["worksheets"][0]["cells"]:
        if cell.get("input") == ['print("hello")']:
            cell["input"] = ['print("hello")\n', 'print("world")']
    path.write_text(json.dumps(data, indent=1))


def _edit_v2(path: Path) -> None:
    data = json.loads(path.read_text())
    cell = data["worksheets"][0]["cells"][1]
    assert cell["input"] == ['"This is the new Jupyter notebook"']
    cell["input"] = ['"This is the new Jupyter notebook"', "x = 2"]
    path.write_text(json.dumps(data, indent=1))


@pytest.mark.parametrize(
    ("name", "edit", "added_line"),
    [
        ("test3.ipynb", _edit_v3, 'print("world")'),
        ("test2.ipynb", _edit_v2, "x = 2"),
    ],
)
def test_old_formats_snapshot_diff_report_and_restore(
    store: Store, project: Path, name: str, edit, added_line: str, nbformat_notebooks: Path
) -> None:
    nb = project / name
    shutil.copy(nbformat_notebooks / name, nb)
    original = nb.read_bytes()
    v1 = store.snapshot(nb)
    edit(nb)
    d = store.diff("v1", notebook=name)
    validate(d)
    section = d["notebook"]
    assert section["a"]["nbformat"] == section["b"]["nbformat"]
    assert section["a"]["nbformat"].startswith(name[4] + ".")
    changed = [c for c in section["cells"] if c["status"] != "unchanged"]
    assert len(changed) == 1 and changed[0]["status"] == "modified" and changed[0]["changes"] == ["source"]
    plus = [line["text"] for h in changed[0]["source"] for line in h["lines"] if line["op"] == "+"]
    assert added_line in plus
    # two reads of one old file agree: the ids nbformat's upgrade invents are not the file's
    assert section["summary"]["unchanged"] == section["b"]["cells"] - 1

    v2 = store.snapshot(nb)
    d2 = store.diff("v1", "v2", notebook=name, include_metadata=True)
    validate(d2)
    assert [c["changes"] for c in d2["notebook"]["cells"]] == [["source"]]

    report = build_report(store, "v1", notebook=name)
    assert report["cells"], "the report lists the old notebook's code cells"
    assert report["notebook_version"]["title"]

    store.restore(v1, force=True)
    assert nb.read_bytes() == original
    assert v2.id != v1.id


def test_the_upgrade_goes_through_nbformats_own_reader(nbformat_notebooks: Path) -> None:
    """Same cells, sources and outputs as nbformat.reads(..., as_version=4)."""
    for name in ("test2.ipynb", "test3.ipynb"):
        raw = (nbformat_notebooks / name).read_bytes()
        ours = read_notebook(raw, name)
        theirs = nbformat.reads(raw.decode(), as_version=4)
        assert [c["source"] for c in ours["cells"]] == [c["source"] for c in theirs.cells]
        assert [c.get("outputs") for c in ours["cells"]] == [c.get("outputs") for c in theirs.cells]
        assert all("id" not in c for c in ours["cells"])
        assert read_notebook(raw, name) == ours


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("test3_no_worksheets.ipynb", "notebook nbformat cannot read: missing worksheets"),
        ("test3_worksheet_with_no_cells.ipynb", "missing cells"),
        (json.dumps({"nbformat": 5, "nbformat_minor": 0, "metadata": {}, "cells": []}), "is nbformat 5"),
        (json.dumps({"nbformat": 0, "cells": []}), "nbformat 0, which nbformat cannot read"),
        (
            json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": ["x"]}),
            "cell 1 is not a JSON object",
        ),
        (
            json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": [], "cells": []}),
            "metadata is not a JSON object",
        ),
        (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}}), "no list of cells"),
    ],
)
def test_what_nbformat_cannot_read_is_refused_at_snapshot_in_one_line(
    store: Store, project: Path, content: str, reason: str, nbformat_notebooks: Path
) -> None:
    """``content``: the file's text, or the name of one of nbformat's test notebooks."""
    if content.endswith(".ipynb"):
        content = (nbformat_notebooks / content).read_text(encoding="utf-8")
    nb = project / "bad.ipynb"
    nb.write_text(content)
    before = _store_state(store, project)
    with pytest.raises(InvalidInput) as err:
        store.snapshot(nb)
    message = str(err.value)
    assert reason in message and message.startswith("bad.ipynb ") and "\n" not in message
    assert _store_state(store, project) == before
    # nbformat agrees that it cannot read these
    with pytest.raises(Exception):  # noqa: B017, PT011 - nbformat raises many kinds
        nbformat.reads(content, as_version=4)


def test_a_kernelspec_that_is_not_an_object_is_no_kernelspec_with_a_warning(
    store: Store, project: Path, nbformat_notebooks: Path
) -> None:
    nb = project / "odd.ipynb"
    shutil.copy(nbformat_notebooks / "v4_5_invalid_metadata.ipynb", nb)
    warnings: list[str] = []
    assert kernel_name(nb, warnings) is None
    assert len(warnings) == 1 and "metadata.kernelspec is not an object" in warnings[0]
    assert kernelspec(json.loads(nb.read_text())) is None
    store.snapshot(nb)
    report = build_report(store, "v1", notebook="odd.ipynb")
    assert report["notebook_version"]["kernel"] is None
    data = json.loads(nb.read_text())
    data["metadata"]["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.write_text(json.dumps(data))
    assert kernel_name(nb) == "python3"
    d = store.diff("v1", notebook="odd.ipynb", include_metadata=True)
    validate(d)
    keys = [m["key"] for m in d["notebook"]["metadata"]]
    assert any(k.startswith("kernelspec") for k in keys)


def test_kernel_name_never_raises(project: Path) -> None:
    for text in ("[1]", "{", '{"metadata": []}', '{"metadata": {"kernelspec": {"name": 3}}}', "\xff"):
        p = project / "k.ipynb"
        p.write_text(text)
        assert kernel_name(p) is None
    assert kernel_name(project / "missing.ipynb") is None
