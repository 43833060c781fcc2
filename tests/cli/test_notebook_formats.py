"""`jupyter mv` on notebooks nobody here wrote: nbformat's own test files (from its sdist,
tests/corpus.py), run through the real CLI in a subprocess."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.cli.test_cli import store_dump
from tests.helpers import run_cli, tree_bytes


def test_a_string_kernelspec_snapshots_with_a_warning(project: Path, nbformat_notebooks: Path) -> None:
    """nbformat's v4_5_invalid_metadata.ipynb used to end in 'unexpected error: AttributeError'."""
    shutil.copy(nbformat_notebooks / "v4_5_invalid_metadata.ipynb", project / "odd.ipynb")
    run_cli("init", cwd=project, check=True)
    proc = run_cli("snapshot", "odd.ipynb", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("v1 ")
    assert "unexpected error" not in proc.stderr
    assert "warning: odd.ipynb: metadata.kernelspec is not an object" in proc.stderr
    assert run_cli("diff", "v1", cwd=project, check=True).stdout.splitlines()[1] == "no differences"


def test_an_nbformat_3_notebook_diffs_in_the_cli(project: Path, nbformat_notebooks: Path) -> None:
    nb = project / "old.ipynb"
    shutil.copy(nbformat_notebooks / "test3.ipynb", nb)
    original = nb.read_bytes()
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "old.ipynb", "--no-env", cwd=project, check=True)
    data = json.loads(nb.read_text())
    for cell in data["worksheets"][0]["cells"]:
        if cell.get("input") == ['print("hello")']:
            cell["input"] = ['print("hello")\n', 'print("world")']
    nb.write_text(json.dumps(data, indent=1))
    text = run_cli("diff", "v1", cwd=project, check=True).stdout
    assert "cell 4" in text and '+print("world")' in text
    d = json.loads(run_cli("diff", "v1", "--json", cwd=project, check=True).stdout)
    assert d["notebook"]["a"]["nbformat"] == "3.0" and d["notebook"]["summary"]["modified"] == 1
    run_cli("restore", "v1", cwd=project, check=True)
    assert nb.read_bytes() == original


def test_a_notebook_nbformat_cannot_read_is_refused_in_one_line(project: Path, nbformat_notebooks: Path) -> None:
    run_cli("init", cwd=project, check=True)
    shutil.copy(nbformat_notebooks / "test3_worksheet_with_no_cells.ipynb", project / "bad.ipynb")
    (project / "five.ipynb").write_text(json.dumps({"nbformat": 5, "nbformat_minor": 0, "metadata": {}, "cells": []}))
    before = store_dump(project), tree_bytes(project)
    for name, reason in (
        ("bad.ipynb", "nbformat 3 notebook nbformat cannot read: missing cells"),
        ("five.ipynb", "is nbformat 5, which nbformat cannot read yet"),
    ):
        proc = run_cli("snapshot", name, "--no-env", cwd=project)
        assert proc.returncode != 0
        assert proc.stderr.count("\n") == 1 and reason in proc.stderr, proc.stderr
    assert (store_dump(project), tree_bytes(project)) == before
