"""Warnings a reviewer must see, each from a real store: cells run out of order or
edited after they ran, inputs kept by hash only, editable and unpinned VCS packages,
uncommitted git changes, a file changed since a version wrote it."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from jupyter_mv.capture import capture_environment
from jupyter_mv.kernel.execution import ExecutionRecord
from jupyter_mv.provenance import build_report, render, validate
from jupyter_mv.store import Store
from tests.helpers import write_notebook

CELLS = ["rows = open('data.csv').read()", "big = open('big.bin', 'rb').read()", "open('out.txt', 'w').write(rows)"]


def _record(notebook: Path) -> dict:
    """The kernel's execution record as the kernel side stores it: cell 3 ran before cell 1,
    and cell 2 was edited after it ran."""
    nb = nbformat.read(notebook, as_version=4)
    record = ExecutionRecord()
    for count, (position, code) in enumerate(
        [(2, CELLS[1]), (3, CELLS[2]), (1, CELLS[0]), (2, "big = b''  # the code as it ran")], start=1
    ):
        record.start(code, count, nb.cells[position - 1].id)
        record.finish(True)
    return record.analyze(nb)


def _environment() -> dict:
    env = capture_environment()
    env["packages"] = [p for p in env["packages"] if p["name"].lower() != "scikit-learn"] + [
        {"name": "mylib", "version": "0.3.dev1", "origin": {"kind": "editable", "url": "file:///home/me/mylib"}},
        {
            "name": "tracker",
            "version": "1.2",
            "origin": {
                "kind": "vcs",
                "vcs": "git",
                "url": "https://example.org/t.git",
                "commit": "a" * 40,
                "revision": "main",
            },
        },
        {
            "name": "pinned",
            "version": "2.0",
            "origin": {
                "kind": "vcs",
                "vcs": "git",
                "url": "https://example.org/p.git",
                "commit": "b" * 40,
                "revision": "b" * 40,
            },
        },
    ]
    return env


def test_a_risky_version_names_every_risk(store: Store, project: Path) -> None:
    (project / "data.csv").write_text("a\n1\n")
    (project / "big.bin").write_bytes(b"\0" * 4096)
    (project / "out.txt").write_text("a\n1\n")
    notebook = write_notebook(project / "train.ipynb", CELLS)
    git = {
        "root": str(project),
        "commit": "c" * 40,
        "branch": "main",
        "dirty": True,
        "dirty_files": ["train.ipynb", "helpers.py"],
        "dirty_count": 2,
        "remote": None,
    }
    store.snapshot(
        notebook,
        inputs=["data.csv"],
        hash_only=["big.bin"],
        outputs=["out.txt"],
        environment=_environment(),
        git=git,
        extra={
            "kernel": {
                "execution": _record(notebook),
                "files": {"data.csv": {"read": [3]}, "out.txt": {"written": [2]}},
            }
        },
    )
    report = build_report(store, "out.txt")
    validate(report)
    codes = [w["code"] for w in report["warnings"] if w["level"] == "warning"]  # info varies by machine
    assert codes == [
        "out_of_order",
        "edited_after_run",
        "input_not_stored",
        "editable_package",
        "unpinned_vcs",
        "git_dirty",
    ]
    by_code = {w["code"]: w for w in report["warnings"]}
    assert by_code["out_of_order"]["detail"]["order"] == [3, 1, 2]
    assert by_code["edited_after_run"]["detail"]["cells"] == [2]
    assert by_code["input_not_stored"]["detail"]["path"] == "big.bin"
    assert by_code["editable_package"]["detail"]["package"] == "mylib"
    assert by_code["unpinned_vcs"]["detail"] == {"package": "tracker", "commit": "a" * 40}
    assert "2 files: train.ipynb, helpers.py" in by_code["git_dirty"]["message"]
    order = [(c["position"], c["run_rank"], c["edited_after_run"]) for c in report["cells"]]
    assert order == [(3, 1, False), (1, 2, False), (2, 3, True)]
    assert next(c for c in report["cells"] if c["position"] == 3)["marks"] == ["wrote_subject"]
    html = render(report, "html")
    for text in ("out of order", "edited after it ran", "hash only", "mylib", "uncommitted changes"):
        assert text in html

    (project / "out.txt").write_text("changed since\n")
    changed = build_report(store, "out.txt")
    assert changed["warnings"][-1]["code"] == "file_changed" and changed["subject"]["file"]["on_disk"] == "changed"


def test_a_version_taken_outside_a_kernel_orders_cells_by_their_counts(store: Store, project: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("a = 1", execution_count=2),
        nbformat.v4.new_markdown_cell("# Notes"),
        nbformat.v4.new_code_cell("b = a", execution_count=1),
        nbformat.v4.new_code_cell("c = 3"),
    ]
    (project / "nb.ipynb").write_text(nbformat.writes(nb))
    store.snapshot(project / "nb.ipynb")
    report = build_report(store, "latest")
    validate(report)
    assert report["execution"]["source"] == "notebook" and report["execution"]["out_of_order"]
    assert [(c["position"], c["run_rank"], c["not_run"]) for c in report["cells"]] == [
        (3, 1, False),
        (1, 2, False),
        (4, None, True),
    ]
    assert [w["code"] for w in report["warnings"]] == ["out_of_order", "not_run", "no_environment"]


def test_a_model_saved_without_a_version_says_its_origin_is_unknown(store: Store) -> None:
    from jupyter_mv.errors import InvalidInput
    from jupyter_mv.provenance import reproduce
    from jupyter_mv.store.registry import save_object

    save_object(store, "loose", {"weights": [1, 2, 3]})
    report = build_report(store, "loose")
    validate(report)
    assert report["notebook_version"] is None and report["cells"] == []
    assert [w["code"] for w in report["warnings"]] == ["no_notebook_version"]
    assert [n["kind"] for n in report["lineage"]["nodes"]] == ["model"]
    for fmt in ("html", "markdown", "json", "prov-json"):
        assert "loose:1" in render(report, fmt)
    import jupyter_mv.provenance.rerun  # noqa: F401 (the module behind it, imported: the name stays the function)

    with pytest.raises(InvalidInput, match="^loose:1 was saved without a notebook version: there is nothing"):
        reproduce(store, "loose")
