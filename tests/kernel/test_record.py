"""The pieces under the kernel side, on their own: the execution record's flags, which
opened paths count as project files, path literals, sizes; and the Python API in a
plain Python process."""

from __future__ import annotations

import json
import site
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_mv.errors import InvalidInput
from jupyter_mv.kernel.access import FileAccess, literal_paths
from jupyter_mv.kernel.execution import ExecutionRecord, is_mv_only
from jupyter_mv.kernel.session import parse_size
from tests.helpers import package_env, write_notebook


def notebook(*cells: tuple[str, int | None]) -> dict:
    return {
        "nbformat": 4,
        "cells": [
            {"cell_type": "code", "id": f"c{i}", "source": src, "execution_count": n}
            for i, (src, n) in enumerate(cells, start=1)
        ],
    }


def ran(record: ExecutionRecord, code: str, count: int) -> None:
    record.start(code, count, None)
    record.finish(True)


def test_jupyter_mv_cells_do_not_count_as_running_out_of_order() -> None:
    record = ExecutionRecord()
    ran(record, "a = 1", 1)
    ran(record, "%mv snapshot -m first", 2)
    ran(record, "b = a", 3)
    ran(record, "%mv snapshot", 4)
    nb = notebook(("a = 1", 1), ("%mv snapshot -m first", 2), ("b = a", 3), ("%mv snapshot", 4))
    result = record.analyze(nb)
    assert result["out_of_order"] is False and result["order"] == [1, 3] and result["source"] == "kernel"
    assert is_mv_only("# keep\n%mv snapshot") and not is_mv_only("x = 1\n%mv snapshot")


def test_without_a_record_the_saved_counts_tell_the_order() -> None:
    assert ExecutionRecord().analyze(notebook(("a = 1", 2), ("b = 2", 1)))["out_of_order"] is True
    assert ExecutionRecord().analyze(notebook(("a = 1", 1), ("b = 2", 2)))["out_of_order"] is False


def test_code_that_matches_no_saved_cell_is_counted() -> None:
    record = ExecutionRecord()
    ran(record, "scratch = 42", 1)
    assert record.analyze(notebook(("a = 1", None)))["unmatched_runs"] == 1


def test_only_project_files_outside_machinery_folders_are_recorded(tmp_path: Path) -> None:
    root = tmp_path / "project"  # a project under the temporary folder is still a project
    access = FileAccess(root, root / ".jupyter_mv")
    assert access.relative(root / "data" / "x.csv") == "data/x.csv"
    assert access.relative(root / "a" / ".." / "b.csv") == "b.csv"
    for never in (
        root / ".env",
        root / ".jupyter_mv" / "mv.db",
        root / ".git" / "HEAD",
        root / "pkg" / "__pycache__" / "m.pyc",
        tmp_path / "elsewhere.csv",
        Path(site.getsitepackages()[0]) / "x.py",
        Path("/proc/self/stat"),
    ):
        assert access.relative(never) is None, never


def test_path_literals_name_existing_files_under_the_root(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("1")
    access = FileAccess(tmp_path)
    code = "pd.read_csv('data/a.csv'); open(\"missing.csv\"); x = 'not a path'; y = '/etc/passwd'"
    assert literal_paths(code, access, str(tmp_path)) == ["data/a.csv"]


def test_sizes_read_with_units() -> None:
    assert parse_size("2GB") == 2 * 1024**3 and parse_size("1.5 kb") == 1536 and parse_size(10) == 10
    with pytest.raises(InvalidInput, match="cannot read size"):
        parse_size("lots")


def test_the_python_api_works_in_a_plain_python_process(project: Path) -> None:
    write_notebook(project / "train.ipynb", ["x = 1"])
    (project / "data.csv").write_text("a\n1\n")
    script = """
import sys, json
import jupyter_mv as mv
light = not any(m in sys.modules for m in ("IPython", "sqlite_utils", "ipywidgets", "jupyter_mv.api"))
from jupyter_mv.store import Store
Store.init(".")
mv.set_notebook("train.ipynb")
mv.track("data.csv")
mv.log_metric("acc", 0.9)
v = mv.snapshot("from a script")
m = mv.save_model({"weights": [1, 2]}, "tiny", alias="production")
print(json.dumps({"light": light, "version": v.name, "files": sorted(f.path for f in v.files),
                  "metrics": v.metrics, "model": m.label, "linked": m.version == v.id,
                  "loaded": mv.load_model("tiny@production"), "log": [x.name for x in mv.log()]}))
"""
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=project, env=package_env(), capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out == {
        "light": True,
        "version": "v1",
        "files": ["data.csv", "train.ipynb"],
        "metrics": {"acc": 0.9},
        "model": "tiny:1",
        "linked": True,
        "loaded": {"weights": [1, 2]},
        "log": ["v1"],
    }


def test_every_lazy_api_name_stays_a_function_once_the_subpackages_are_imported() -> None:
    import jupyter_mv
    import jupyter_mv.diff  # noqa: F401
    import jupyter_mv.kernel.session  # noqa: F401
    import jupyter_mv.store  # noqa: F401

    for name in jupyter_mv._API:
        assert callable(getattr(jupyter_mv, name)), name
