"""A real Jupyter server with jupyter_mv enabled over a root that holds a store, and
a project outside the root (with a store of its own) that a symlink inside the root
leads to: what no request may reach."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from traitlets.config import Config

from jupyter_mv.store import Store, Version
from tests.helpers import write_notebook

NOTEBOOK = "experiments/train.ipynb"


@pytest.fixture(autouse=True)
def _no_store_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUPYTER_MV_STORE", raising=False)
    monkeypatch.setenv("JUPYTER_MV_AUTHOR", "tester")


@pytest.fixture
def jp_server_config(request: pytest.FixtureRequest) -> Config:
    """jupyter_mv enabled; unauthenticated access allowed server-wide, so that a refusal
    can only come from the extension's own checks. A test may add settings through
    ``@pytest.mark.parametrize("jp_server_config", [{...}], indirect=True)``."""
    config = Config({"ServerApp": {"jpserver_extensions": {"jupyter_mv": True}, "allow_unauthenticated_access": True}})
    config.merge(Config(getattr(request, "param", {})))
    return config


@dataclass
class Served:
    root: Path
    store: Path
    outside: Path
    versions: dict[str, Version]
    outside_versions: dict[str, Version]


@pytest.fixture
def served(jp_root_dir: Path) -> Served:
    """The root: a store, ``experiments/train.ipynb`` with v1 and v2 (tagged ``best``) and a
    data file. Outside the root: ``secret-project`` with its own store and a version of
    ``private.ipynb`` tagged ``best`` too. Inside the root, ``linked`` leads to it."""
    notebook = write_notebook(jp_root_dir / NOTEBOOK, ["x = 1"])
    (jp_root_dir / "experiments" / "data.csv").write_text("a,b\n1,2\n")
    with Store.init(jp_root_dir) as store:
        v1 = store.snapshot(notebook, [jp_root_dir / "experiments" / "data.csv"], message="baseline")
        write_notebook(notebook, ["x = 2"])
        v2 = store.tag(store.snapshot(notebook, message="second").id, "best")
    outside = jp_root_dir.parent / "secret-project"
    private = write_notebook(outside / "private.ipynb", ["password = 'outside'"])
    with Store.init(outside) as other:
        o1 = other.tag(other.snapshot(private, message="private work").id, "best")
    (jp_root_dir / "linked").symlink_to(outside, target_is_directory=True)
    return Served(jp_root_dir, jp_root_dir / ".jupyter_mv", outside, {"v1": v1, "v2": v2}, {"v1": o1})
