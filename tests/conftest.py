"""Fixtures shared by every face's tests: real stores in tmp_path, real notebooks, the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytest_jupyter.jupyter_server"]

from jupyter_mv.store import Store  # noqa: E402

from . import corpus  # noqa: E402
from .helpers import write_notebook  # noqa: E402


@pytest.fixture(autouse=True)
def _author_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The store reads its author once per process; each test reads it from its own
    environment (else the first test to snapshot decides every later test's author)."""
    from jupyter_mv.store import records

    monkeypatch.setattr(records, "_author_cache", [])


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


# -- nbformat's and nbdime's own test notebooks (tests/corpus.py) ---------------------------


def _corpus_or_fail(get):
    try:
        return get()
    except corpus.CorpusUnavailable as exc:
        reason = str(exc)
    pytest.fail(reason, pytrace=False)  # a clear failure, never a skip


@pytest.fixture(scope="session")
def nbformat_notebooks() -> Path:
    """The folder of nbformat's test notebooks (from its sdist, cached outside the repo)."""
    return _corpus_or_fail(corpus.nbformat_dir)


@pytest.fixture(scope="session")
def nbdime_notebooks() -> Path:
    """``nbdime/tests/files`` of the installed nbdime."""
    return _corpus_or_fail(corpus.nbdime_dir)


@pytest.fixture(scope="session")
def notebook_corpus(nbformat_notebooks: Path, nbdime_notebooks: Path) -> dict[str, Path]:
    """Every notebook of both, by id (``nbformat/test3.ipynb``, ``nbdime/apap--1.ipynb``)."""
    return corpus.corpus()


@pytest.fixture
def corpus_file(notebook_corpus: dict[str, Path], corpus_name: str) -> Path:
    """One notebook of the corpus; a test asking for it runs once per notebook found."""
    return notebook_corpus[corpus_name]


@pytest.fixture
def nbdime_pair(nbdime_notebooks: Path, nbdime_pair_name: str) -> tuple[Path, Path]:
    """One of nbdime's before/after pairs; a test asking for it runs once per pair found."""
    return dict(_pair_ids(corpus.nbdime_pairs(nbdime_notebooks)))[nbdime_pair_name]


def _pair_ids(pairs):
    return [(f"{a.stem}->{b.stem}", (a, b)) for a, b in pairs]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Parametrized over the files found at collection; when they cannot be found, one
    # case whose fixture fails with the reason (never a skip, never an empty pass).
    if "corpus_name" in metafunc.fixturenames:
        try:
            names = sorted(corpus.corpus())
        except corpus.CorpusUnavailable:
            names = ["corpus-unavailable"]
        metafunc.parametrize("corpus_name", names)
    if "nbdime_pair_name" in metafunc.fixturenames:
        try:
            names = [name for name, _ in _pair_ids(corpus.nbdime_pairs())]
        except corpus.CorpusUnavailable:
            names = ["corpus-unavailable"]
        metafunc.parametrize("nbdime_pair_name", names)
