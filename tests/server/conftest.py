"""Fixtures for the server extension's tests: a real Jupyter server with
jupyter_mv enabled, over a root folder that holds a real version store."""

from __future__ import annotations

from pathlib import Path

import pytest
from traitlets.config import Config

from jupyter_mv.kernel.autoload import AUTOLOAD_ENV
from jupyter_mv.remote import add_remote
from jupyter_mv.store import Store, Version

from ..helpers import write_notebook


@pytest.fixture(autouse=True)
def _no_store_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stores are found by walking up, as for a user with no settings."""
    monkeypatch.delenv("JUPYTER_MV_STORE", raising=False)
    monkeypatch.setenv("JUPYTER_MV_AUTHOR", "tester")
    # The extension sets this for its kernels; undo that after each test.
    monkeypatch.setenv(AUTOLOAD_ENV, "")
    monkeypatch.delenv(AUTOLOAD_ENV)


@pytest.fixture
def jp_server_config() -> Config:
    """A server with jupyter_mv enabled. Unauthenticated access stays allowed
    server-wide, so a 403 can only come from the extension's own decorators."""
    return Config(
        {
            "ServerApp": {
                "jpserver_extensions": {"jupyter_mv": True},
                "allow_unauthenticated_access": True,
            }
        }
    )


@pytest.fixture
def two_versions(jp_root_dir: Path) -> dict[str, Version]:
    """A store at the server root and ``experiments/train.ipynb`` with two versions;
    the second is tagged ``best``."""
    notebook = write_notebook(jp_root_dir / "experiments" / "train.ipynb", ["x = 1"])
    with Store.init(jp_root_dir) as store:
        v1 = store.snapshot(notebook, message="baseline")
        write_notebook(notebook, ["x = 1", "y = x + 1"])
        v2 = store.snapshot(notebook, message="more trees")
        v2 = store.tag(v2.id, "best")
    return {"v1": v1, "v2": v2}


@pytest.fixture
def origin(tmp_path: Path, two_versions: dict[str, Version], jp_root_dir: Path) -> Path:
    """A folder remote ``origin`` (outside the server root) of the store of
    ``two_versions``; the folder."""
    folder = tmp_path / "remotes" / "origin"
    folder.mkdir(parents=True)
    with Store.open(jp_root_dir) as store:
        add_remote(store, "origin", folder.as_uri())
    return folder
