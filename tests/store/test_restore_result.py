"""What a restore says it did, as the CLI, ``%mv`` and the REST API report it
(:meth:`RestoreResult.to_dict`): which files it wrote, which already matched, which it
skipped, and the safety version that keeps what it replaced."""

from __future__ import annotations

from pathlib import Path

from jupyter_mv.store import Store
from tests.helpers import write_notebook


def test_a_restore_reports_written_unchanged_and_the_safety_version(store: Store, notebook: Path) -> None:
    data = notebook.parent / "data.csv"
    data.write_text("a,b\n1,2\n")
    v1 = store.snapshot(notebook, inputs=[data])
    write_notebook(notebook, ["x = 2"])  # the notebook changes, the data does not

    result = store.restore(v1).to_dict()

    assert result["version"]["id"] == v1.id
    assert result["written"] == [notebook.name]
    assert result["unchanged"] == ["data.csv"]
    assert result["skipped"] == []
    assert result["safety"] is not None and result["safety"]["id"] != v1.id
    assert result["safety"]["kind"] == "safety"


def test_a_restore_of_what_is_already_there_writes_nothing_and_keeps_no_safety_version(
    store: Store, notebook: Path
) -> None:
    v1 = store.snapshot(notebook)

    result = store.restore(v1).to_dict()

    assert result["written"] == []
    assert result["unchanged"] == [notebook.name]
    assert result["safety"] is None
