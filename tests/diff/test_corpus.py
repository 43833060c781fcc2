"""Every test notebook of nbformat and nbdime (tests/corpus.py: found in nbdime's wheel and
nbformat's sdist, not copied here) either goes the whole way through a real store in
tmp_path: snapshot, `jupyter mv show` (the CLI in a subprocess), diff against a copy with
one cell edited and one appended, report, restore byte for byte; or is refused at
snapshot in one line with the store unchanged, exactly when nbformat refuses it too."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from jupyter_mv import provenance
from jupyter_mv.diff import render_text
from jupyter_mv.errors import InvalidInput
from jupyter_mv.store import Store
from tests.corpus import MIN_NBDIME_FILES, MIN_NBFORMAT_FILES
from tests.helpers import run_cli, tree_bytes

#: What nbformat.reads itself cannot read, and the reason our one-line refusal gives.
REFUSED = {
    "nbformat/test3_no_metadata.ipynb": "is an nbformat 3 notebook nbformat cannot read: Notebook could not be "
    "converted from version 3 to version 4",
    "nbformat/test3_no_worksheets.ipynb": "is an nbformat 3 notebook nbformat cannot read: missing worksheets",
    "nbformat/test3_worksheet_with_no_cells.ipynb": "is an nbformat 3 notebook nbformat cannot read: missing cells",
}

EDIT = "corpus_edit = 1"
APPENDED = "corpus: an appended cell"
#: A source this long stays similar enough to itself with EDIT added to be the same cell.
EDITABLE = 40


def test_the_corpus_is_all_there(notebook_corpus: dict[str, Path]) -> None:
    groups = [name.split("/")[0] for name in notebook_corpus]
    assert groups.count("nbformat") >= MIN_NBFORMAT_FILES, sorted(notebook_corpus)
    assert groups.count("nbdime") >= MIN_NBDIME_FILES, sorted(notebook_corpus)
    assert set(REFUSED) <= set(notebook_corpus)
    versions = {json.loads(p.read_bytes()).get("nbformat") for p in notebook_corpus.values()}
    assert {2, 3, 4} <= versions


def _nbformat_refusal(raw: bytes) -> str | None:
    try:
        nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds
        return f"{type(exc).__name__}: {exc}"
    return None


def _store_state(store: Store, root: Path) -> tuple:
    return (store.stats(), store.count(kinds=("full", "light", "safety")), tree_bytes(root))


def _cells(data: dict) -> list:
    """The cell list as the file holds it: top level (v4), or the first worksheet (v2, v3)."""
    if data["nbformat"] >= 4:
        return data["cells"]
    return data["worksheets"][0]["cells"]


def _source_key(data: dict, cell: dict) -> str | None:
    key = "input" if data["nbformat"] < 4 and cell.get("cell_type") == "code" else "source"
    return key if cell.get("cell_type") in ("code", "markdown") and key in cell else None


def _add_line(source: str | list, line: str) -> str | list:
    if isinstance(source, list):
        lines = list(source)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        return [*lines, line]
    return source + ("\n" if source and not source.endswith("\n") else "") + line


def _modify(path: Path) -> int | None:
    """Append a markdown cell and add a line to the longest code or markdown source (when
    it is long enough for the edit to leave it the same cell), in the file's own format.

    :returns: the index of the edited cell, None when none was edited
    """
    data = json.loads(path.read_bytes())
    cells = _cells(data)
    sources = [(len("".join(c[key])), k, key) for k, c in enumerate(cells) if (key := _source_key(data, c))]
    edited = None
    if sources:
        size, k, key = max(sources, key=lambda s: (s[0], -s[1]))
        if size >= EDITABLE:
            cells[k][key] = _add_line(cells[k][key], EDIT)
            edited = k
    new: dict = {"cell_type": "markdown", "metadata": {}, "source": APPENDED}
    if data["nbformat"] >= 4 and (any("id" in c for c in cells) or (not cells and data.get("nbformat_minor", 0) >= 5)):
        new["id"] = "corpus-appended"
    cells.append(new)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return edited


def _plus_lines(cell: dict) -> list[str]:
    return [line["text"] for h in cell.get("source") or [] for line in h["lines"] if line["op"] == "+"]


def _check_modified_diff(d: dict, edited: int | None) -> None:
    section = d["notebook"]
    assert section["summary"]["added"] == 1 and section["summary"]["removed"] == 0
    assert section["summary"]["moved"] == 0 and section["summary"]["modified"] == (edited is not None)
    assert section["summary"]["unchanged"] == section["b"]["cells"] - 1 - (edited is not None)
    (added,) = [c for c in section["cells"] if c["status"] == "added"]
    assert added["a"] is None and added["b"]["index"] == section["b"]["cells"] - 1
    assert APPENDED in _plus_lines(added) or APPENDED in json.dumps(added)
    if edited is not None:
        (modified,) = [c for c in section["cells"] if c["status"] == "modified"]
        assert modified["a"]["index"] == modified["b"]["index"] == edited
        assert modified["changes"] == ["source"] and EDIT in _plus_lines(modified)


def test_every_notebook_round_trips_or_is_refused_in_one_line(
    corpus_name: str, corpus_file: Path, store: Store, project: Path, validate
) -> None:
    name = corpus_file.name
    nb = project / name
    shutil.copyfile(corpus_file, nb)
    original = nb.read_bytes()
    refusal = _nbformat_refusal(original)

    if corpus_name in REFUSED:
        assert refusal, f"nbformat now reads {corpus_name}: take it out of REFUSED"
        before = _store_state(store, project)
        with pytest.raises(InvalidInput) as err:
            store.snapshot(nb)
        message = str(err.value)
        assert message.startswith(f"{name} ") and "\n" not in message, message
        assert REFUSED[corpus_name] in message, message
        assert _store_state(store, project) == before
        return
    assert refusal is None, f"nbformat refuses {corpus_name} ({refusal}): list it in REFUSED"

    v1 = store.snapshot(nb)
    shown = json.loads(run_cli("show", "v1", "--json", cwd=project, check=True).stdout)
    assert (shown["id"], shown["notebook"], shown["name"]) == (v1.id, name, "v1")
    assert [(f["path"], f["role"], f["size"]) for f in shown["files"]] == [(name, "notebook", len(original))]

    same = validate(store.diff("v1", notebook=name, include_metadata=True))["notebook"]
    assert same["cells"] == [] and same["metadata"] == [], f"{name} differs from itself"
    assert (
        same["a"]["nbformat"] == same["b"]["nbformat"] == f"{json.loads(original)['nbformat']}."
        f"{json.loads(original).get('nbformat_minor', 0)}"
    )

    edited = _modify(nb)
    d = validate(store.diff("v1", notebook=name))
    _check_modified_diff(d, edited)
    text = render_text(d, width=200)
    assert APPENDED in text and (edited is None or EDIT in text)

    v2 = store.snapshot(nb)
    _check_modified_diff(validate(store.diff("v1", "v2", notebook=name)), edited)

    report = provenance.build_report(store, "v2", notebook=name)
    provenance.validate(report)
    assert report["notebook_version"]["id"] == v2.id
    assert name in provenance.render(report, "markdown")

    store.restore(v1, force=True)
    assert nb.read_bytes() == original
    store.restore(v2, to=project / "v2")
    assert (project / "v2" / name).read_bytes() != original
