"""Fixtures shared by every face's tests: real stores in tmp_path, real notebooks, the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytest_jupyter.jupyter_server"]

from jupyter_mv.store import Store  # noqa: E402

from .helpers import write_notebook  # noqa: E402


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder, the current directory, with no store yet."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("JUPYTER_MV_STORE", raising=False)
    monkeypatch.setenv("JUPYTER_MV_AUTHOR", "tester")
    return root


@pytest.fixture
def store(project: Path):
    s = Store.init(project)
    yield s
    s.close()


@pytest.fixture
def notebook(project: Path) -> Path:
    return write_notebook(project / "train.ipynb", ["import pandas as pd", "df = pd.read_csv('data.csv')", "print(1)"])


